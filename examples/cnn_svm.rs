//! The hybrid classifier in a page: a LeNet-5 extracts features, an RBF SVM classifies them.
//!
//! ```sh
//! cargo run --release --example cnn_svm
//! ```
//!
//! Uses Lepton's synthetic ten-class CIFAR-format images (no download), trains the network
//! briefly, then compares the SVM on its penultimate features (fc2, 84 values, z-scored) with
//! the network's own softmax head on the same test images. `lepton pipeline` does the same on a
//! CIFAR-10 directory and writes a report.

use lepton::data::synthetic::{generate_splits, SyntheticConfig};
use lepton::data::{CifarKind, CifarSplit};
use lepton::nn::LeNet5;
use lepton::pipeline::{cnn_svm, FeatureSvmConfig};
use lepton::training::{train_epoch, TrainConfig};

fn main() -> lepton::Result<()> {
    // 1. Data: 100 training and 30 test images per class, held in memory as CIFAR-10 records.
    let (train_images, test_images) = generate_splits(&SyntheticConfig {
        train_per_class: 100,
        test_per_class: 30,
        ..SyntheticConfig::default()
    });
    let train = CifarSplit::from_bytes(
        CifarKind::Cifar10,
        train_images.to_cifar_records(),
        "synthetic train",
    )?;
    let test = CifarSplit::from_bytes(
        CifarKind::Cifar10,
        test_images.to_cifar_records(),
        "synthetic test",
    )?;

    // 2. Train LeNet-5 for a few epochs (SGD with momentum, batch 16).
    let config = TrainConfig {
        epochs: 4,
        batch_size: 16,
        lr: 0.01,
        ..TrainConfig::seed_recipe()
    };
    let mut net = LeNet5::new(3, 10, config.seed);
    let mut optimizer = config.optimizer()?;
    let batcher = config.batcher(&train)?;
    for epoch in 0..config.epochs {
        let stats = train_epoch(&mut net, optimizer.as_mut(), &batcher, epoch, &mut |_| {})?;
        println!("epoch {}: loss {:.4}", epoch + 1, stats.loss);
    }

    // 3. Features → standardise (training mean/std) → RBF SVM (C = 4, γ = 1/84), and the
    //    softmax head, on the same test images.
    let svm = FeatureSvmConfig {
        c: 4.0,
        ..FeatureSvmConfig::default()
    };
    let outcome = cnn_svm(&net, &train, &test, &config.normalize, None, 256, &svm)?;

    // 4. Compare.
    println!(
        "test accuracy: SVM on CNN features {:.1}%, softmax head {:.1}% ({} images)",
        100.0 * outcome.svm.accuracy(),
        100.0 * outcome.softmax.accuracy(),
        outcome.svm.total()
    );
    println!(
        "macro F1: SVM {:.3}, softmax {:.3}",
        outcome.svm.report().macro_f1,
        outcome.softmax.report().macro_f1
    );
    Ok(())
}
