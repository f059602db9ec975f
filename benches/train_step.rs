//! The whole LeNet-5 training step — forward, cross-entropy, backward, SGD momentum 0.9 — on
//! random CIFAR-shaped data at batch 4, 64 and 256. Throughput in images per second.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lepton::nn::LeNet5;
use lepton::optim::{Sgd, SgdConfig};
use lepton::Tensor;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("lenet_train_step");
    group.sample_size(10);
    for batch in [4usize, 64, 256] {
        group.throughput(Throughput::Elements(batch as u64));
        let images = Tensor::rand_uniform(&[batch, 3, 32, 32], -1.0, 1.0, 1);
        let labels: Vec<usize> = (0..batch).map(|i| i % 10).collect();
        let mut net = LeNet5::new(3, 10, 0);
        let mut opt = Sgd::new(SgdConfig {
            momentum: 0.9,
            ..SgdConfig::new(0.01)
        })
        .unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(batch), &batch, |b, _| {
            b.iter(|| net.train_step(&images, &labels, &mut opt).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
