//! sgemm benchmarks: square products 64…2048 and LeNet's im2col shapes (forward and both
//! backward products) at batch 4 and 64, on the active ISA. Throughput is reported in
//! elements of C·k (criterion's "elements" = multiply-adds; GFLOPS = 2 × that rate).
//!
//! `cargo bench --bench gemm` (set `LEPTON_ISA` to bench a lower path). For ratios against
//! OpenBLAS and MKL, use `scripts/compare_openblas.sh`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lepton_kernels::{sgemm, MatMut, MatRef};
use std::hint::black_box;

fn data(len: usize, seed: u32) -> Vec<f32> {
    (0..len)
        .map(|i| {
            ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32
                / (1u32 << 24) as f32
                - 0.5
        })
        .collect()
}

/// Benchmarks `C = op(A)·op(B)` with A stored `m×k` (or `k×m` if `ta`), B `k×n` (or `n×k`).
fn bench_shape(
    c: &mut Criterion,
    group: &str,
    label: &str,
    (m, n, k, ta, tb): (usize, usize, usize, bool, bool),
) {
    let a = data(m * k, 1);
    let b = data(k * n, 2);
    let mut out = vec![0.0f32; m * n];
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements((m * n * k) as u64));
    if m * n * k > 1 << 28 {
        g.sample_size(10);
    }
    g.bench_function(BenchmarkId::from_parameter(label), |bench| {
        bench.iter(|| {
            let av = if ta {
                MatRef::row_major(&a, k, m).t()
            } else {
                MatRef::row_major(&a, m, k)
            };
            let bv = if tb {
                MatRef::row_major(&b, n, k).t()
            } else {
                MatRef::row_major(&b, k, n)
            };
            sgemm(
                1.0,
                black_box(av),
                black_box(bv),
                0.0,
                MatMut::row_major(&mut out, m, n),
            );
        })
    });
    g.finish();
}

fn square(c: &mut Criterion) {
    for s in [64, 128, 256, 512, 1024, 2048] {
        bench_shape(c, "sgemm_square", &format!("{s}"), (s, s, s, false, false));
    }
}

fn lenet(c: &mut Criterion) {
    for b in [4, 64] {
        let shapes = [
            ("conv1_fwd", (6, 784 * b, 75, false, false)),
            ("conv1_dW", (6, 75, 784 * b, false, true)),
            ("conv1_dX", (75, 784 * b, 6, true, false)),
            ("conv2_fwd", (16, 100 * b, 150, false, false)),
            ("conv2_dW", (16, 150, 100 * b, false, true)),
            ("conv2_dX", (150, 100 * b, 16, true, false)),
            ("fc1_fwd", (b, 120, 400, false, true)),
            ("fc1_dX", (b, 400, 120, false, false)),
            ("fc1_dW", (120, 400, b, true, false)),
        ];
        for (name, shape) in shapes {
            bench_shape(c, "sgemm_lenet", &format!("{name}_B{b}"), shape);
        }
    }
}

criterion_group!(benches, square, lenet);
criterion_main!(benches);
