//! `lepton demo`: the whole training job on a synthetic CIFAR-format dataset, no download.
//!
//! It draws ten classes of shapes and textures into CIFAR-10 binary files in a temporary
//! directory, reads them back through the same memory-mapped reader `lepton train` uses, trains
//! LeNet-5 briefly, evaluates it and writes the report.

use crate::datasets::{DatasetArgs, DatasetKind};
use crate::train::{self, OptimizerArg, TrainArgs};
use clap::Args;
use lepton::data::synthetic::{self, SyntheticConfig};
use lepton::{Error, Result};
use std::path::PathBuf;

/// Arguments of `lepton demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Output directory for metrics, checkpoints, the model and the report.
    #[arg(long, default_value = "runs/demo")]
    pub out: PathBuf,
    /// Training images per class.
    #[arg(long, default_value_t = 400)]
    pub per_class: usize,
    /// Passes over the training images.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Seed of the data and of the training.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `lepton demo`.
pub fn run(args: DemoArgs) -> Result<()> {
    let tmp = std::env::temp_dir().join(format!("lepton-demo-{}", std::process::id()));
    let config = SyntheticConfig {
        train_per_class: args.per_class,
        test_per_class: (args.per_class / 4).max(1),
        seed: args.seed,
        ..SyntheticConfig::default()
    };
    if !args.quiet {
        println!(
            "writing a synthetic CIFAR-10-format dataset ({} train / {} test images) to {}",
            config.train_per_class * 10,
            config.test_per_class * 10,
            tmp.display()
        );
    }
    synthetic::write_cifar_dir(&tmp, &config)?;
    let train_args = TrainArgs {
        data: DatasetArgs {
            data: tmp.clone(),
            dataset: DatasetKind::Cifar10,
            holdout: None,
            limit_train: None,
        },
        epochs: args.epochs,
        batch: 16,
        lr: 0.01,
        momentum: 0.9,
        weight_decay: 0.0,
        optimizer: OptimizerArg::Sgd,
        augment: false,
        seed: args.seed,
        threads: args.threads,
        out: Some(args.out.clone()),
        resume: false,
        quiet: args.quiet,
        title: Some("synthetic shapes (CIFAR-10 format)".into()),
    };
    let result = train::run(train_args);
    if let Err(e) = std::fs::remove_dir_all(&tmp) {
        eprintln!("warning: could not remove {}: {e}", tmp.display());
    }
    result?;
    if !args.out.join("report.md").is_file() {
        return Err(Error::InvalidArgument("the demo wrote no report".into()));
    }
    println!(
        "done: open {} (charts are SVG files next to it)",
        args.out.join("report.md").display()
    );
    Ok(())
}
