//! SVM training and prediction on a small synthetic problem (criterion). The full comparison
//! with LIBSVM and scikit-learn on Fashion-MNIST is `scripts/compare_libsvm.py`.

use criterion::{criterion_group, criterion_main, Criterion};
use lepton::svm::{SvmModel, SvmParams};
use std::hint::black_box;

fn data(n: usize, d: usize) -> (Vec<f32>, Vec<f64>) {
    let mut s = 7u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    let x: Vec<f32> = (0..n * d).map(|_| next()).collect();
    let y = (0..n)
        .map(|i| {
            if x[i * d] + x[i * d + 1] * x[i * d + 2] > 0.0 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    (x, y)
}

fn bench(c: &mut Criterion) {
    let (n, d) = (1000, 64);
    let (x, y) = data(n, d);
    let params = SvmParams::c_svc_rbf(10.0, 0.05);
    c.bench_function("svm_train_c_svc_rbf_1000x64", |b| {
        b.iter(|| SvmModel::train(black_box(&x), d, &y, &params).unwrap())
    });
    let model = SvmModel::train(&x, d, &y, &params).unwrap();
    c.bench_function("svm_predict_1000x64", |b| {
        b.iter(|| model.predict_batch(black_box(&x), d).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
