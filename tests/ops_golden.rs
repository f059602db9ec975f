//! Single ops against PyTorch (files in `tests/data/`, computed in float64, stored as float32).
//!
//! * conv2d: `y[n,o,p] = b[o] + Σ_{c,i,j} w[o,c,i,j]·x[n,c,p·s − pad + (i,j)·dil]` and its
//!   gradients `dx = col2im(Wᵀ·dY)`, `dW = Σ_n dY_n·im2col(x_n)ᵀ`, `db = Σ dY`, for strided,
//!   padded, dilated, rectangular and 1×1 kernels.
//! * max-pool: `y = max over each window`, `dx` routes `dy` to the FIRST maximum of each window in
//!   row-major order (ties!), summing where windows overlap.
//! * cross-entropy with logits near ±100: `L = mean_n (logsumexp(z_n) − z_{n,t_n})`,
//!   `∂L/∂z = (softmax(z) − onehot(t))/N` — a naive `exp` would overflow f32.
//!
//! Each is checked to 1e-5 relative to the tensor's largest magnitude.

mod golden_files;

use golden_files::{assert_close, integers, Golden};
use lepton::autograd::{Conv2dOptions, MaxPool2dOptions, Tape};

#[test]
fn conv2d_cases_match_pytorch() {
    let g = Golden::open("conv2d.safetensors");
    let params = integers(&g.metadata["cases"]);
    assert_eq!(params.len() % 6, 0);
    let cases = params.len() / 6;
    assert_eq!(cases, 4);
    for (i, p) in params.chunks(6).enumerate() {
        let opts = Conv2dOptions {
            stride: (p[0], p[1]),
            padding: (p[2], p[3]),
            dilation: (p[4], p[5]),
        };
        let t = |k: &str| g.t(&format!("case{i}.{k}")).clone();
        let mut tape = Tape::new();
        let x = tape.param(t("x"));
        let w = tape.param(t("w"));
        let b = tape.param(t("b"));
        let y = tape.conv2d(x, w, Some(b), opts).unwrap();
        assert_close(&format!("case{i}.y"), tape.value(y).data(), &t("y"), 1e-5);
        // L = Σ y ⊙ dy has ∂L/∂y = dy: the upstream gradient PyTorch used.
        let dy = tape.input(t("dy"));
        let prod = tape.mul(y, dy).unwrap();
        let loss = tape.sum(prod).unwrap();
        let grads = tape.backward(loss).unwrap();
        assert_close(
            &format!("case{i}.dx"),
            grads.get(x).unwrap().data(),
            &t("dx"),
            1e-5,
        );
        assert_close(
            &format!("case{i}.dw"),
            grads.get(w).unwrap().data(),
            &t("dw"),
            1e-5,
        );
        assert_close(
            &format!("case{i}.db"),
            grads.get(b).unwrap().data(),
            &t("db"),
            1e-5,
        );
    }
}

#[test]
fn max_pool2d_cases_match_pytorch_including_ties() {
    let g = Golden::open("maxpool2d.safetensors");
    let params = integers(&g.metadata["cases"]);
    assert_eq!(params.len(), 9);
    for (i, p) in params.chunks(3).enumerate() {
        let opts = MaxPool2dOptions {
            kernel: (p[0], p[0]),
            stride: (p[1], p[1]),
            padding: (p[2], p[2]),
        };
        let t = |k: &str| g.t(&format!("case{i}.{k}")).clone();
        let mut tape = Tape::new();
        let x = tape.param(t("x"));
        let y = tape.max_pool2d(x, opts).unwrap();
        assert_close(&format!("case{i}.y"), tape.value(y).data(), &t("y"), 1e-6);
        let dy = tape.input(t("dy"));
        let prod = tape.mul(y, dy).unwrap();
        let loss = tape.sum(prod).unwrap();
        let grads = tape.backward(loss).unwrap();
        assert_close(
            &format!("case{i}.dx"),
            grads.get(x).unwrap().data(),
            &t("dx"),
            1e-6,
        );
    }
}

#[test]
fn cross_entropy_with_large_logits_matches_pytorch() {
    let g = Golden::open("cross_entropy.safetensors");
    let z = g.t("logits");
    assert!(
        z.data().iter().any(|v| v.abs() > 50.0),
        "the case has large logits"
    );
    let labels = &g.labels["labels"];
    let mut tape = Tape::new();
    let zv = tape.param(z.clone());
    let loss = tape.cross_entropy(zv, labels).unwrap();
    assert_close("loss", tape.value(loss).data(), g.t("loss"), 1e-5);
    let grads = tape.backward(loss).unwrap();
    assert_close("grad", grads.get(zv).unwrap().data(), g.t("grad"), 1e-5);
    // The inference path gives the same loss.
    let l = lepton::autograd::cross_entropy(z, labels).unwrap();
    assert_close("loss (no-grad)", &[l], g.t("loss"), 1e-5);
}

#[test]
fn cross_entropy_does_not_overflow_beyond_exp_range() {
    // exp(±100) and exp(±1000) overflow/underflow f32; the shifted formulation must not.
    let z = lepton::Tensor::from_vec(vec![100.0, -100.0, 99.0, 1000.0, -1000.0, 999.0], &[2, 3])
        .unwrap();
    let labels = [0usize, 2];
    let mut tape = Tape::new();
    let zv = tape.param(z.clone());
    let loss = tape.cross_entropy(zv, &labels).unwrap();
    let got = tape.value(loss).data()[0] as f64;
    let want = lepton::kernels::reference::cross_entropy(z.data(), &labels, 3);
    assert!(
        got.is_finite() && (got - want).abs() < 1e-5,
        "{got} vs {want}"
    );
    let grads = tape.backward(loss).unwrap();
    let g = grads.get(zv).unwrap();
    assert!(g.data().iter().all(|v| v.is_finite()));
    // Each row of the gradient sums to 0: Σ_k softmax_k − 1 = 0.
    for row in g.data().chunks(3) {
        assert!(row.iter().sum::<f32>().abs() < 1e-6);
    }
}
