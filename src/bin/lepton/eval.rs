//! `lepton eval`: accuracy, per-class accuracy and the confusion matrix of a trained model.

use crate::datasets::DatasetArgs;
use crate::threads::with_threads;
use clap::Args;
use lepton::nn::LeNet5;
use lepton::training::evaluate;
use lepton::Result;
use std::path::PathBuf;

/// Arguments of `lepton eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Model weights (safetensors with PyTorch names, e.g. OUT/model.safetensors of `lepton train`).
    #[arg(long)]
    pub model: PathBuf,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `lepton eval`.
pub fn run(args: EvalArgs) -> Result<()> {
    with_threads(args.threads, || {
        let data = args.data.open()?;
        let mut net = LeNet5::new(data.channels(), data.num_classes(), 0);
        net.load(&args.model)?;
        let (_, test) = data.splits();
        let normalize = data.normalize();
        let confusion = evaluate(&net, &test, &normalize, data.pad_to(), 256)?;
        let names = data.class_names();
        let per_class = confusion.per_class_accuracy();
        if args.json {
            let rows: Vec<Vec<u64>> = (0..confusion.n_classes())
                .map(|t| confusion.row(t).to_vec())
                .collect();
            let v = serde_json::json!({
                "model": args.model.display().to_string(),
                "images": confusion.total(),
                "accuracy": confusion.accuracy(),
                "class_names": names,
                "per_class_accuracy": per_class,
                "confusion": rows,
            });
            println!("{v}");
        } else {
            println!(
                "accuracy: {:.2}% ({}/{}) on {}",
                100.0 * confusion.accuracy(),
                confusion.correct(),
                confusion.total(),
                args.data.describe()
            );
            println!("per-class accuracy:");
            for (c, acc) in per_class.iter().enumerate() {
                println!("  {:<14} {:6.2}%", confusion.class_name(c), 100.0 * acc);
            }
            println!("\n{confusion}");
        }
        Ok(())
    })
}
