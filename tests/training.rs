//! The training library (`lepton::training`): one epoch, evaluation, features and checkpoints.
//!
//! * SGD with momentum keeps a velocity `v ← μ·v + g` per parameter; a checkpoint must carry it,
//!   or the step after a resume differs. So: train an epoch, checkpoint, restore into a fresh
//!   network and optimizer, train one more epoch on both — the weights must agree bit for bit.
//! * The features are LeNet's penultimate activations `relu(fc2(·))`: 84 non-negative values per
//!   image, identical to a direct call of `LeNet5::features` on the same normalised batch.
//! * A diverging run (a huge learning rate) stops with an error naming epoch and step.

use lepton::data::synthetic::{write_cifar_dir, SyntheticConfig};
use lepton::data::{BatchConfig, Batcher, Cifar10};
use lepton::nn::LeNet5;
use lepton::training::{
    evaluate, extract_features, load_checkpoint, predict, save_checkpoint, train_epoch, TrainConfig,
};
use lepton::Error;

fn data() -> (tempfile::TempDir, Cifar10) {
    let dir = tempfile::tempdir().unwrap();
    write_cifar_dir(
        dir.path(),
        &SyntheticConfig {
            train_per_class: 4,
            test_per_class: 2,
            seed: 11,
            ..SyntheticConfig::default()
        },
    )
    .unwrap();
    let c = Cifar10::open(dir.path()).unwrap();
    (dir, c)
}

fn config() -> TrainConfig {
    TrainConfig {
        batch_size: 8,
        lr: 0.01,
        ..TrainConfig::seed_recipe()
    }
}

fn weights(net: &LeNet5) -> Vec<Vec<f32>> {
    net.named_parameters()
        .into_iter()
        .map(|(_, p)| p.value.data().to_vec())
        .collect()
}

#[test]
fn checkpoint_restores_weights_and_optimizer_state() {
    let (dir, data) = data();
    let cfg = config();
    let batcher = cfg.batcher(data.train()).unwrap();
    let mut net = LeNet5::new(3, 10, 5);
    let mut opt = cfg.optimizer().unwrap();
    train_epoch(&mut net, opt.as_mut(), &batcher, 0, &mut |_| {}).unwrap();
    let path = dir.path().join("ckpt.safetensors");
    save_checkpoint(&path, &net, opt.as_ref(), 1).unwrap();

    let mut restored = LeNet5::new(3, 10, 999); // different initial weights
    let mut restored_opt = cfg.optimizer().unwrap();
    assert_eq!(
        load_checkpoint(&path, &mut restored, restored_opt.as_mut()).unwrap(),
        1
    );
    assert_eq!(weights(&net), weights(&restored));

    train_epoch(&mut net, opt.as_mut(), &batcher, 1, &mut |_| {}).unwrap();
    train_epoch(
        &mut restored,
        restored_opt.as_mut(),
        &batcher,
        1,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(weights(&net), weights(&restored));

    // Without the optimizer state (a fresh optimizer), the second epoch differs: the test above
    // would catch a checkpoint that forgot the momentum buffers.
    let mut forgetful = LeNet5::new(3, 10, 0);
    let mut fresh_opt = cfg.optimizer().unwrap();
    load_checkpoint(&path, &mut forgetful, cfg.optimizer().unwrap().as_mut()).unwrap();
    train_epoch(&mut forgetful, fresh_opt.as_mut(), &batcher, 1, &mut |_| {}).unwrap();
    assert_ne!(weights(&net), weights(&forgetful));
}

#[test]
fn checkpoint_errors_name_the_file() {
    let (dir, _) = data();
    let cfg = config();
    let net1 = LeNet5::new(1, 10, 0);
    let opt = cfg.optimizer().unwrap();
    let path = dir.path().join("one-channel.safetensors");
    save_checkpoint(&path, &net1, opt.as_ref(), 3).unwrap();
    let mut net3 = LeNet5::new(3, 10, 0);
    let before = weights(&net3);
    let err = load_checkpoint(&path, &mut net3, cfg.optimizer().unwrap().as_mut()).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err}");
    assert!(err.to_string().contains("one-channel.safetensors"), "{err}");
    assert_eq!(before, weights(&net3), "a failed load changes nothing");

    // A plain weights file is not a checkpoint.
    let plain = dir.path().join("model.safetensors");
    net3.save(&plain).unwrap();
    let err = load_checkpoint(&plain, &mut net3, cfg.optimizer().unwrap().as_mut()).unwrap_err();
    assert!(err.to_string().contains("not a Lepton checkpoint"), "{err}");

    let missing = dir.path().join("nope.safetensors");
    let err = load_checkpoint(&missing, &mut net3, cfg.optimizer().unwrap().as_mut()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("nope.safetensors"));
}

#[test]
fn features_are_the_relu_of_fc2_in_dataset_order() {
    let (_dir, data) = data();
    let cfg = config();
    let net = LeNet5::new(3, 10, 2);
    let test = data.test();
    let (features, labels) = extract_features(&net, test, &cfg.normalize, None, 7).unwrap();
    assert_eq!(features.len(), test.len() * LeNet5::FEATURES);
    assert!(features.iter().all(|&v| v >= 0.0));
    let expected_labels: Vec<usize> = (0..test.len()).map(|i| test.label(i)).collect();
    assert_eq!(labels, expected_labels);

    // The same numbers as one direct call on the whole normalised split.
    let batcher = Batcher::new(
        test,
        BatchConfig {
            batch_size: test.len(),
            shuffle: false,
            normalize: cfg.normalize.clone(),
            ..BatchConfig::default()
        },
    )
    .unwrap();
    let batch = batcher.epoch(0).next().unwrap();
    assert_eq!(net.features(&batch.images).unwrap().data(), &features[..]);

    // predict's argmax agrees with the confusion matrix evaluate builds.
    let p = predict(&net, test, &cfg.normalize, None, 5).unwrap();
    let cm = evaluate(&net, test, &cfg.normalize, None, 5).unwrap();
    let correct = p
        .predicted
        .iter()
        .zip(&p.labels)
        .filter(|(a, b)| a == b)
        .count();
    assert_eq!(cm.correct() as usize, correct);
    assert_eq!(cm.total() as usize, test.len());
}

#[test]
fn diverging_training_is_an_error_naming_epoch_and_step() {
    let (_dir, data) = data();
    let cfg = TrainConfig {
        lr: 1e30,
        ..config()
    };
    let batcher = cfg.batcher(data.train()).unwrap();
    let mut net = LeNet5::new(3, 10, 0);
    let mut opt = cfg.optimizer().unwrap();
    let err = train_epoch(&mut net, opt.as_mut(), &batcher, 0, &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::Numerical(_)), "{err}");
    assert!(err.to_string().contains("epoch 1, step"), "{err}");
}
