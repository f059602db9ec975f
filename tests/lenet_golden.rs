//! LeNet-5 against PyTorch (`tests/data/lenet_step.safetensors`, computed by PyTorch in float64).
//!
//! With PyTorch's parameters loaded, one forward/backward pass of
//! `L = (1/N)·Σ_n −log softmax(fc3(relu(fc2(relu(fc1(flatten(pool(relu(conv2(pool(relu(conv1(x)))))))))))))_{t_n}`
//! must reproduce the logits, the loss, `∂L/∂θ` for every parameter and `∂L/∂x` to ~1e-5 relative
//! to each tensor's largest magnitude (float32 arithmetic against a float64 reference). Then three
//! steps of SGD (lr 0.01, momentum 0.9, weight decay 5e-4):
//! `g ← ∂L/∂θ + λθ; b ← g (first step) or μb + g; θ ← θ − lr·b` must reproduce the losses before
//! each step and the parameters after the third to ~1e-4.

mod golden_files;

use golden_files::{assert_close, Golden};
use lepton::nn::LeNet5;
use lepton::optim::{Sgd, SgdConfig};

fn net_from_golden(g: &Golden) -> LeNet5 {
    let mut net = LeNet5::new(3, 10, 123);
    for (name, p) in net.named_parameters_mut() {
        let want = g.t(&format!("param.{name}"));
        assert_eq!(p.value.shape(), want.shape(), "{name}");
        p.value = want.clone();
    }
    net
}

#[test]
fn parameter_names_and_shapes_match_pytorch() {
    let net = LeNet5::new(3, 10, 0);
    let names: Vec<(String, Vec<usize>)> = net
        .named_parameters()
        .into_iter()
        .map(|(n, p)| (n, p.value.shape().to_vec()))
        .collect();
    let want = [
        ("conv1.weight", vec![6, 3, 5, 5]),
        ("conv1.bias", vec![6]),
        ("conv2.weight", vec![16, 6, 5, 5]),
        ("conv2.bias", vec![16]),
        ("fc1.weight", vec![120, 400]),
        ("fc1.bias", vec![120]),
        ("fc2.weight", vec![84, 120]),
        ("fc2.bias", vec![84]),
        ("fc3.weight", vec![10, 84]),
        ("fc3.bias", vec![10]),
    ];
    assert_eq!(names.len(), want.len());
    for ((n, s), (wn, ws)) in names.iter().zip(want.iter()) {
        assert_eq!(n, wn);
        assert_eq!(s, ws);
    }
}

#[test]
fn forward_and_gradients_match_pytorch() {
    let g = Golden::open("lenet_step.safetensors");
    let mut net = net_from_golden(&g);
    let x = g.t("input");
    let labels = &g.labels["labels"];
    let logits = net.logits(x).unwrap();
    assert_close("logits", logits.data(), g.t("logits"), 1e-5);
    let (loss, dx) = net.backward(x, labels, true).unwrap();
    assert_close("loss", &[loss], g.t("loss"), 1e-5);
    assert_close("grad.input", dx.unwrap().data(), g.t("grad.input"), 1e-5);
    for (name, p) in net.named_parameters() {
        let grad = p.grad.as_ref().expect("every parameter gets a gradient");
        assert_close(
            &format!("grad.{name}"),
            grad.data(),
            g.t(&format!("grad.{name}")),
            1e-5,
        );
    }
}

#[test]
fn three_sgd_momentum_weight_decay_steps_match_pytorch() {
    let g = Golden::open("lenet_step.safetensors");
    let mut net = net_from_golden(&g);
    let x = g.t("input");
    let labels = &g.labels["labels"];
    let mut cfg = SgdConfig::new(0.01);
    cfg.momentum = 0.9;
    cfg.weight_decay = 5e-4;
    let mut opt = Sgd::new(cfg).unwrap();
    let mut losses = Vec::new();
    for _ in 0..3 {
        losses.push(net.train_step(x, labels, &mut opt).unwrap());
    }
    assert_close("sgd3.losses", &losses, g.t("sgd3.losses"), 1e-4);
    for (name, p) in net.named_parameters() {
        assert_close(
            &format!("sgd3.param.{name}"),
            p.value.data(),
            g.t(&format!("sgd3.param.{name}")),
            1e-4,
        );
    }
}
