//! Finite-difference gradient checks for every autograd op.
//!
//! For an op `y = f(x₁, …, x_k)` we check the reverse-mode gradient of the scalar probe
//! `L = Σᵢ wᵢ·yᵢ` (fixed random weights `w`, so every output element matters with a different
//! weight) against central differences
//!
//! ```text
//! ∂L/∂x_j ≈ (L(x + ε·e_j) − L(x − ε·e_j)) / (2ε),
//! ```
//!
//! evaluating `L` in f64 from the op's f32 outputs. The truncation error of central differences is
//! `O(ε²·f''')`: zero for the ops that are linear in each input (matmul, linear, conv, add, …),
//! small for the smooth ones (log-softmax, cross-entropy, mse) with `ε = 1e-3`. The rounding error
//! is about `ulp(L)/ε`. The tolerance is stated per check, relative to `max(1, max|∂L/∂x|)`.
//! Non-smooth ops (relu, max-pool) are probed at inputs at least `3ε` away from their kinks (no
//! element near 0; no two values in a pooling window within `3ε`), where they are differentiable.

use lepton::autograd::{Conv2dOptions, MaxPool2dOptions, Tape, Var};
use lepton::{Result, Tensor};
use rand::{Rng, SeedableRng};

fn rand_tensor(shape: &[usize], seed: u64) -> Tensor {
    Tensor::rand_uniform(shape, -1.0, 1.0, seed)
}

/// Values in `[-1, 1]` that are pairwise at least `gap` apart and at least `gap` from 0.
fn spread_tensor(shape: &[usize], gap: f32, seed: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut vals: Vec<f32> = (0..n).map(|i| (i as f32 + 0.5) * gap * 1.5 + gap).collect();
    for v in &mut vals {
        if rng.random_bool(0.5) {
            *v = -*v;
        }
    }
    // shuffle
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        vals.swap(i, j);
    }
    Tensor::from_vec(vals, shape).unwrap()
}

/// Checks `op` at `inputs` (all treated as parameters) with step `eps` and tolerance `tol`.
fn check(
    name: &str,
    inputs: Vec<Tensor>,
    eps: f32,
    tol: f64,
    op: impl Fn(&mut Tape, &[Var]) -> Result<Var>,
) {
    // The probe weights, one per output element.
    let out_shape = {
        let mut tape = Tape::new();
        let vars: Vec<Var> = inputs.iter().map(|t| tape.input(t.clone())).collect();
        let y = op(&mut tape, &vars).unwrap();
        tape.value(y).shape().to_vec()
    };
    let w = rand_tensor(&out_shape, 999);
    let probe = |xs: &[Tensor]| -> f64 {
        let mut tape = Tape::new();
        let vars: Vec<Var> = xs.iter().map(|t| tape.input(t.clone())).collect();
        let y = op(&mut tape, &vars).unwrap();
        tape.value(y)
            .data()
            .iter()
            .zip(w.data())
            .map(|(&a, &b)| a as f64 * b as f64)
            .sum()
    };
    // Analytic: L = sum(y ⊙ w) on the tape.
    let mut tape = Tape::new();
    let vars: Vec<Var> = inputs.iter().map(|t| tape.param(t.clone())).collect();
    let y = op(&mut tape, &vars).unwrap();
    let wv = tape.input(w.clone());
    let yw = tape.mul(y, wv).unwrap();
    let loss = tape.sum(yw).unwrap();
    let grads = tape.backward(loss).unwrap();
    for (k, v) in vars.iter().enumerate() {
        let analytic = grads
            .get(*v)
            .unwrap_or_else(|| panic!("{name}: no gradient for input {k}"));
        let scale = analytic
            .data()
            .iter()
            .fold(1.0f64, |m, &g| m.max((g as f64).abs()));
        let mut xs = inputs.clone();
        for j in 0..inputs[k].len() {
            let x0 = inputs[k].data()[j];
            xs[k].data_mut()[j] = x0 + eps;
            let up = probe(&xs);
            xs[k].data_mut()[j] = x0 - eps;
            let down = probe(&xs);
            xs[k].data_mut()[j] = x0;
            let numeric = (up - down) / (2.0 * eps as f64);
            let a = analytic.data()[j] as f64;
            assert!(
                (a - numeric).abs() <= tol * scale,
                "{name}: input {k} element {j}: analytic {a} vs numeric {numeric} (tol {tol} × {scale})"
            );
        }
    }
}

const LINEAR_EPS: f32 = 1e-2;
const LINEAR_TOL: f64 = 2e-3;

#[test]
fn add_sub_mul() {
    let a = rand_tensor(&[3, 4], 1);
    let b = rand_tensor(&[3, 4], 2);
    check(
        "add",
        vec![a.clone(), b.clone()],
        LINEAR_EPS,
        LINEAR_TOL,
        |t, v| t.add(v[0], v[1]),
    );
    check(
        "sub",
        vec![a.clone(), b.clone()],
        LINEAR_EPS,
        LINEAR_TOL,
        |t, v| t.sub(v[0], v[1]),
    );
    check(
        "mul",
        vec![a.clone(), b.clone()],
        LINEAR_EPS,
        LINEAR_TOL,
        |t, v| t.mul(v[0], v[1]),
    );
    // A value used twice: ∂(a⊙a)/∂a = 2a, the two uses' gradients add.
    check("mul (x·x)", vec![a], LINEAR_EPS, LINEAR_TOL, |t, v| {
        t.mul(v[0], v[0])
    });
}

#[test]
fn matmul_and_linear() {
    let a = rand_tensor(&[3, 5], 3);
    let b = rand_tensor(&[5, 4], 4);
    check("matmul", vec![a, b], LINEAR_EPS, LINEAR_TOL, |t, v| {
        t.matmul(v[0], v[1])
    });
    let x = rand_tensor(&[4, 7], 5);
    let w = rand_tensor(&[3, 7], 6);
    let bias = rand_tensor(&[3], 7);
    check(
        "linear",
        vec![x.clone(), w.clone(), bias],
        LINEAR_EPS,
        LINEAR_TOL,
        |t, v| t.linear(v[0], v[1], Some(v[2])),
    );
    check(
        "linear (no bias)",
        vec![x, w],
        LINEAR_EPS,
        LINEAR_TOL,
        |t, v| t.linear(v[0], v[1], None),
    );
}

#[test]
fn conv2d_with_stride_padding_dilation() {
    let cases = [
        ((1, 1), (0, 0), (1, 1), (3, 3)),
        ((2, 2), (1, 1), (1, 1), (3, 3)),
        ((1, 2), (2, 0), (2, 1), (3, 2)),
        ((2, 1), (1, 2), (1, 2), (2, 3)),
        ((1, 1), (0, 0), (1, 1), (1, 1)),
    ];
    for (i, &(stride, padding, dilation, (kh, kw))) in cases.iter().enumerate() {
        let x = rand_tensor(&[2, 3, 7, 6], 10 + i as u64);
        let w = rand_tensor(&[4, 3, kh, kw], 20 + i as u64);
        let b = rand_tensor(&[4], 30 + i as u64);
        let opts = Conv2dOptions {
            stride,
            padding,
            dilation,
        };
        check(
            &format!("conv2d {opts:?}"),
            vec![x, w, b],
            LINEAR_EPS,
            LINEAR_TOL,
            move |t, v| t.conv2d(v[0], v[1], Some(v[2]), opts),
        );
    }
}

#[test]
fn max_pool2d_with_overlapping_windows() {
    let eps = 1e-3;
    for (i, opts) in [
        MaxPool2dOptions::square(2),
        MaxPool2dOptions {
            kernel: (3, 3),
            stride: (2, 2),
            padding: (1, 1),
        },
        MaxPool2dOptions {
            kernel: (2, 3),
            stride: (1, 1),
            padding: (0, 1),
        },
    ]
    .into_iter()
    .enumerate()
    {
        let x = spread_tensor(&[2, 2, 6, 7], 3.0 * eps, 40 + i as u64);
        check(
            &format!("max_pool2d {opts:?}"),
            vec![x],
            eps,
            2e-3,
            move |t, v| t.max_pool2d(v[0], opts),
        );
    }
}

#[test]
fn relu_reshape_flatten() {
    let eps = 1e-3;
    let x = spread_tensor(&[2, 3, 4], 3.0 * eps, 50);
    check("relu", vec![x.clone()], eps, 2e-3, |t, v| Ok(t.relu(v[0])));
    check(
        "reshape",
        vec![x.clone()],
        LINEAR_EPS,
        LINEAR_TOL,
        |t, v| t.reshape(v[0], &[4, 6]),
    );
    check("flatten", vec![x], LINEAR_EPS, LINEAR_TOL, |t, v| {
        t.flatten(v[0])
    });
}

#[test]
fn sum_and_mean() {
    let x = rand_tensor(&[3, 5], 60);
    check("sum", vec![x.clone()], LINEAR_EPS, LINEAR_TOL, |t, v| {
        t.sum(v[0])
    });
    check("mean", vec![x], LINEAR_EPS, LINEAR_TOL, |t, v| t.mean(v[0]));
}

#[test]
fn log_softmax_cross_entropy_mse() {
    let mut z = rand_tensor(&[4, 6], 70);
    z.data_mut().iter_mut().for_each(|v| *v *= 3.0);
    check("log_softmax", vec![z.clone()], 1e-3, 2e-3, |t, v| {
        t.log_softmax(v[0])
    });
    let labels = [0usize, 5, 2, 2];
    check("cross_entropy", vec![z.clone()], 1e-3, 2e-3, move |t, v| {
        t.cross_entropy(v[0], &labels)
    });
    let target = rand_tensor(&[4, 6], 71);
    check("mse", vec![z, target], 1e-3, 2e-3, |t, v| t.mse(v[0], v[1]));
}

#[test]
fn a_small_network_end_to_end() {
    // conv → relu → pool → flatten → linear → cross-entropy, all inputs differentiated at once.
    let eps = 1e-3;
    let x = rand_tensor(&[2, 2, 6, 6], 80);
    let w = rand_tensor(&[3, 2, 3, 3], 81);
    let b = rand_tensor(&[3], 82);
    let fw = rand_tensor(&[4, 12], 83);
    let labels = [1usize, 3];
    check("small net", vec![x, w, b, fw], eps, 5e-3, move |t, v| {
        let c = t.conv2d(v[0], v[1], Some(v[2]), Conv2dOptions::default())?;
        let r = t.relu(c);
        let p = t.max_pool2d(r, MaxPool2dOptions::square(2))?;
        let f = t.flatten(p)?;
        let l = t.linear(f, v[3], None)?;
        t.cross_entropy(l, &labels)
    });
}
