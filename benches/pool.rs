//! Max-pool kernels: LeNet's two 2×2/2 pools (6×28×28 and 16×10×10 per image), forward with
//! argmax and backward, at batch 4, 64 and 256. Throughput in input elements per second.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lepton_kernels::pool::{max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};

fn bench(c: &mut Criterion) {
    for (name, channels, hw) in [("pool1", 6usize, 28usize), ("pool2", 16, 10)] {
        let g = Pool2dGeometry {
            in_h: hw,
            in_w: hw,
            kernel: (2, 2),
            stride: (2, 2),
            padding: (0, 0),
        };
        let (oh, ow) = g.out_hw().unwrap();
        let mut group = c.benchmark_group(name);
        for batch in [4usize, 64, 256] {
            let planes = batch * channels;
            group.throughput(Throughput::Elements((planes * hw * hw) as u64));
            let x: Vec<f32> = (0..planes * hw * hw)
                .map(|i| ((i * 7919) % 101) as f32)
                .collect();
            let mut y = vec![0.0f32; planes * oh * ow];
            let mut am = vec![0u32; y.len()];
            group.bench_with_input(BenchmarkId::new("forward", batch), &planes, |b, &p| {
                b.iter(|| max_pool2d_forward(&g, p, &x, &mut y, &mut am))
            });
            let dy = y.clone();
            let mut dx = vec![0.0f32; x.len()];
            group.bench_with_input(BenchmarkId::new("backward", batch), &planes, |b, &p| {
                b.iter(|| max_pool2d_backward(&g, p, &dy, &am, &mut dx))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
