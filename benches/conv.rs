//! Convolution kernels: LeNet's two convolutions, forward and backward (weight gradient, and the
//! input gradient for conv2), at batch 4, 64 and 256. Throughput is reported in elements (FLOPs)
//! per second: `2·N·O·OH·OW·C·KH·KW` per pass.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lepton_kernels::conv::{conv2d_backward, conv2d_forward, Conv2dGeometry};

fn lenet_conv(c: usize, o: usize, hw: usize) -> Conv2dGeometry {
    Conv2dGeometry {
        in_channels: c,
        out_channels: o,
        in_h: hw,
        in_w: hw,
        kernel_h: 5,
        kernel_w: 5,
        stride: (1, 1),
        padding: (0, 0),
        dilation: (1, 1),
    }
}

fn bench(c: &mut Criterion) {
    for (name, g, with_dx) in [
        ("conv1", lenet_conv(3, 6, 32), false),
        ("conv2", lenet_conv(6, 16, 14), true),
    ] {
        let mut group = c.benchmark_group(name);
        for batch in [4usize, 64, 256] {
            let flops = 2 * batch * g.out_len() * g.col_rows();
            group.throughput(Throughput::Elements(flops as u64));
            let x: Vec<f32> = (0..batch * g.in_len())
                .map(|i| (i % 13) as f32 * 0.1 - 0.6)
                .collect();
            let w: Vec<f32> = (0..g.weight_len())
                .map(|i| (i % 7) as f32 * 0.05 - 0.15)
                .collect();
            let b = vec![0.1f32; g.out_channels];
            let mut y = vec![0.0f32; batch * g.out_len()];
            group.bench_with_input(BenchmarkId::new("forward", batch), &batch, |bch, &n| {
                bch.iter(|| conv2d_forward(&g, n, &x, &w, Some(&b), &mut y))
            });
            let dy = y.clone();
            let mut dx = vec![0.0f32; x.len()];
            let mut dw = vec![0.0f32; w.len()];
            let mut db = vec![0.0f32; b.len()];
            group.bench_with_input(BenchmarkId::new("backward", batch), &batch, |bch, &n| {
                bch.iter(|| {
                    conv2d_backward(
                        &g,
                        n,
                        &x,
                        &w,
                        &dy,
                        with_dx.then_some(&mut dx[..]),
                        &mut dw,
                        Some(&mut db),
                    )
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
