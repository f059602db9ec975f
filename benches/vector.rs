//! Level-1 kernel benchmarks on every ISA path this CPU supports: dot, axpy, sum, max, relu,
//! exp and squared distance over 4096 and 1 M elements (throughput in elements).
//!
//! `cargo bench --bench vector`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lepton_kernels::{arch, vector};
use std::hint::black_box;

fn kernels(c: &mut Criterion) {
    for n in [4096usize, 1 << 20] {
        let x: Vec<f32> = (0..n).map(|i| (i % 97) as f32 * 0.01 - 0.4).collect();
        let y: Vec<f32> = (0..n).map(|i| (i % 89) as f32 * 0.01 - 0.3).collect();
        let mut out = vec![0.0f32; n];
        let mut g = c.benchmark_group(format!("vector_{n}"));
        g.throughput(Throughput::Elements(n as u64));
        for isa in arch::supported() {
            g.bench_function(BenchmarkId::new("dot", isa), |b| {
                b.iter(|| vector::dot_with(isa, black_box(&x), black_box(&y)))
            });
            g.bench_function(BenchmarkId::new("squared_distance", isa), |b| {
                b.iter(|| vector::squared_distance_with(isa, black_box(&x), black_box(&y)))
            });
            g.bench_function(BenchmarkId::new("sum", isa), |b| {
                b.iter(|| vector::sum_with(isa, black_box(&x)))
            });
            g.bench_function(BenchmarkId::new("max", isa), |b| {
                b.iter(|| vector::max_with(isa, black_box(&x)))
            });
            g.bench_function(BenchmarkId::new("axpy", isa), |b| {
                b.iter(|| vector::axpy_with(isa, 0.5, black_box(&x), &mut out))
            });
            g.bench_function(BenchmarkId::new("relu", isa), |b| {
                b.iter(|| vector::relu_with(isa, black_box(&x), &mut out))
            });
            g.bench_function(BenchmarkId::new("exp", isa), |b| {
                b.iter(|| {
                    out.copy_from_slice(&x);
                    vector::exp_with(isa, &mut out)
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, kernels);
criterion_main!(benches);
