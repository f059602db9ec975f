//! LeNet-5 behaviour that PyTorch's numbers don't cover.
//!
//! * Determinism: training is a pure function of the seed and the data. Two SGD-momentum steps
//!   from the same seed give bit-identical weights whether rayon runs 1 or 2 threads — the
//!   convolution's weight gradient is summed over images in a fixed order, never per thread.
//! * Shape errors: wrong input channels or size, a label count other than the batch size, a
//!   non-matching matmul — each a `lepton::Error::Shape` naming both shapes.
//! * Initialisation: every weight of a layer with fan-in `f` lies in `[−1/√f, 1/√f]` (PyTorch's
//!   kaiming-uniform with a = √5), the spread is close to that of a uniform distribution
//!   (variance `1/(3f)`), and seeds matter.
//! * Features: `features()` is the 84-wide post-ReLU fc2 activation (non-negative), and `logits()`
//!   equals `fc3(features)`.
//! * Fashion-MNIST: one input channel, 28×28 padded to 32×32.

use lepton::autograd::Tape;
use lepton::nn::{pad_to, LeNet5, Module};
use lepton::optim::{Sgd, SgdConfig};
use lepton::{Error, Tensor};

fn batch(n: usize, c: usize, seed: u64) -> (Tensor, Vec<usize>) {
    let x = Tensor::rand_uniform(&[n, c, 32, 32], -1.0, 1.0, seed);
    let labels = (0..n).map(|i| (i * 7 + seed as usize) % 10).collect();
    (x, labels)
}

fn two_steps(threads: usize) -> Vec<Tensor> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut net = LeNet5::new(3, 10, 7);
        let mut opt = Sgd::new(SgdConfig {
            momentum: 0.9,
            weight_decay: 5e-4,
            ..SgdConfig::new(0.01)
        })
        .unwrap();
        for step in 0..2 {
            let (x, y) = batch(8, 3, step);
            net.train_step(&x, &y, &mut opt).unwrap();
        }
        net.named_parameters()
            .into_iter()
            .map(|(_, p)| p.value.clone())
            .collect()
    })
}

#[test]
fn training_is_bit_identical_at_one_and_two_threads() {
    let one = two_steps(1);
    let two = two_steps(2);
    let initial: Vec<Tensor> = LeNet5::new(3, 10, 7)
        .named_parameters()
        .into_iter()
        .map(|(_, p)| p.value.clone())
        .collect();
    for (i, ((a, b), init)) in one.iter().zip(&two).zip(&initial).enumerate() {
        let same = a
            .data()
            .iter()
            .zip(b.data())
            .all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(same, "parameter {i} differs between 1 and 2 threads");
        assert_ne!(a, init, "parameter {i} did not train");
    }
}

#[test]
fn shape_mismatches_are_errors_naming_the_shapes() {
    let mut net = LeNet5::new(3, 10, 0);
    let (x1, labels) = batch(2, 1, 0);
    match net.logits(&x1) {
        Err(Error::Shape { lhs, rhs, .. }) => {
            assert_eq!(lhs, vec![2, 1, 32, 32]);
            assert_eq!(rhs[1], 3);
        }
        other => panic!("expected a shape error, got {other:?}"),
    }
    let small = Tensor::zeros(&[2, 3, 28, 28]);
    assert!(matches!(net.logits(&small), Err(Error::Shape { .. })));
    let (x, _) = batch(2, 3, 0);
    let mut opt = Sgd::new(SgdConfig::new(0.1)).unwrap();
    match net.train_step(&x, &labels[..1], &mut opt) {
        Err(e @ Error::Shape { .. }) => assert!(
            e.to_string().contains("[2, 10]") && e.to_string().contains("[1]"),
            "{e}"
        ),
        other => panic!("expected a shape error, got {other:?}"),
    }
    assert!(matches!(
        net.train_step(&x, &[0, 10], &mut opt),
        Err(Error::InvalidArgument(_))
    ));
    let mut tape = Tape::new();
    let a = tape.input(Tensor::zeros(&[2, 3]));
    let b = tape.input(Tensor::zeros(&[4, 5]));
    match tape.matmul(a, b) {
        Err(e @ Error::Shape { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("[2, 3]") && msg.contains("[4, 5]"), "{msg}");
        }
        other => panic!("expected a shape error, got {other:?}"),
    }
    assert!(matches!(tape.add(a, b), Err(Error::Shape { .. })));
    let img = tape.input(Tensor::zeros(&[1, 2, 8, 8]));
    let w = tape.input(Tensor::zeros(&[4, 3, 3, 3]));
    assert!(matches!(
        tape.conv2d(img, w, None, Default::default()),
        Err(Error::Shape { .. })
    ));
    let big = tape.input(Tensor::zeros(&[4, 2, 9, 9]));
    assert!(matches!(
        tape.conv2d(img, big, None, Default::default()),
        Err(Error::Shape { .. })
    ));
    // backward needs a scalar
    assert!(matches!(tape.backward(a), Err(Error::Shape { .. })));
}

#[test]
fn initialisation_follows_pytorch_bounds_and_the_seed() {
    let net = LeNet5::new(3, 10, 42);
    let fan_in = |name: &str| match name.split('.').next().unwrap() {
        "conv1" => 75.0f64,
        "conv2" => 150.0,
        "fc1" => 400.0,
        "fc2" => 120.0,
        _ => 84.0,
    };
    for (name, p) in net.named_parameters() {
        let bound = 1.0 / fan_in(&name).sqrt();
        let d = p.value.data();
        assert!(
            d.iter().all(|&v| (v as f64).abs() <= bound + 1e-7),
            "{name} out of bounds"
        );
        if d.len() >= 400 {
            let var = d.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / d.len() as f64;
            let want = bound * bound / 3.0;
            assert!(
                (var / want - 1.0).abs() < 0.15,
                "{name}: variance {var} vs {want}"
            );
        }
    }
    let other = LeNet5::new(3, 10, 43);
    assert_ne!(
        net.named_parameters()[0].1.value,
        other.named_parameters()[0].1.value
    );
    let same = LeNet5::new(3, 10, 42);
    assert_eq!(
        net.named_parameters()[0].1.value,
        same.named_parameters()[0].1.value
    );
}

#[test]
fn features_are_the_penultimate_activations() {
    let net = LeNet5::new(3, 10, 1);
    let (x, _) = batch(3, 3, 5);
    let f = net.features(&x).unwrap();
    assert_eq!(f.shape(), &[3, 84]);
    assert!(f.data().iter().all(|&v| v >= 0.0));
    let logits = net.logits(&x).unwrap();
    let fc3 = net.named_parameters();
    let (w, b) = (&fc3[8].1.value, &fc3[9].1.value);
    let again = lepton::autograd::linear(&f, w, Some(b)).unwrap();
    assert_eq!(logits, again);
}

#[test]
fn fashion_mnist_shape_one_channel_padded() {
    let mut net = LeNet5::new(1, 10, 3);
    let raw = Tensor::rand_uniform(&[4, 1, 28, 28], 0.0, 1.0, 9);
    let x = pad_to(&raw, 32, 32).unwrap();
    assert_eq!(x.shape(), &[4, 1, 32, 32]);
    assert_eq!(x.data()[0], 0.0);
    assert_eq!(x.data()[2 * 32 + 2], raw.data()[0]);
    let mut opt = Sgd::new(SgdConfig {
        momentum: 0.9,
        ..SgdConfig::new(0.05)
    })
    .unwrap();
    let labels = [1, 2, 3, 4];
    let first = net.train_step(&x, &labels, &mut opt).unwrap();
    let mut last = first;
    for _ in 0..20 {
        last = net.train_step(&x, &labels, &mut opt).unwrap();
    }
    assert!(
        last < first * 0.9,
        "loss should fall when overfitting one batch: {first} → {last}"
    );
    assert_eq!(net.logits(&x).unwrap().shape(), &[4, 10]);
    let _ = net
        .named_parameters()
        .iter()
        .map(|(n, _)| n.clone())
        .collect::<Vec<_>>();
    let _: &dyn Module = &lepton::nn::ReLU;
}
