//! Determinism: the same data and parameters give the same model at any thread count.
//!
//! Kernel columns are split over output entries (each `K(x_i, x_j)` computed whole by one
//! thread) and the one-vs-one sub-problems are independent, so the model file written after
//! training with 1 thread and with 2 threads must be byte-identical, probabilities included.

use lepton::svm::{SvmModel, SvmParams};

fn data(d: usize) -> (Vec<f32>, Vec<f64>) {
    let n = 240;
    let mut s = 99u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    let x: Vec<f32> = (0..n * d).map(|_| next()).collect();
    let y = (0..n)
        .map(|i| {
            let r = &x[i * d..(i + 1) * d];
            (if r[0] + r[1] > 0.0 { 1 } else { 0 } + if r[2] > 0.0 { 2 } else { 0 }) as f64
        })
        .collect();
    (x, y)
}

fn train_with(threads: usize, params: &SvmParams) -> String {
    train_with_width(threads, params, 40)
}

/// `d` features per row: 40 and 80 take different matrix-product paths for kernel columns.
fn train_with_width(threads: usize, params: &SvmParams, d: usize) -> String {
    let (x, y) = data(d);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        SvmModel::train(&x, d, &y, params)
            .unwrap()
            .to_libsvm_string()
    })
}

#[test]
fn same_model_at_one_and_two_threads() {
    // A small cache forces misses, recomputation and shrinking-driven swaps.
    let params = SvmParams {
        cache_size_mb: 0.05,
        probability: true,
        ..SvmParams::c_svc_rbf(4.0, 0.05)
    };
    let one = train_with(1, &params);
    let two = train_with(2, &params);
    assert!(one.contains("probA"));
    assert_eq!(one, two);
}

#[test]
fn same_model_at_one_and_two_threads_with_wide_rows() {
    // The cache budget is split between concurrent solvers, so it differs between the two
    // runs: which columns get batched together differs, the model must not.
    let params = SvmParams {
        cache_size_mb: 0.1,
        ..SvmParams::c_svc_rbf(4.0, 0.02)
    };
    let one = train_with_width(1, &params, 80);
    let two = train_with_width(2, &params, 80);
    assert_eq!(one, two);
}
