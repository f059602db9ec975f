//! `lepton train`: train LeNet-5 on CIFAR-10 or Fashion-MNIST, evaluate every epoch, checkpoint,
//! and write a report.

use crate::datasets::{DatasetArgs, ImageData};
use crate::threads::with_threads;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use lepton::data::ImageDataset;
use lepton::metrics::ConfusionMatrix;
use lepton::nn::LeNet5;
use lepton::training::{
    evaluate, load_checkpoint, save_checkpoint, train_epoch, OptimizerKind, TrainConfig,
};
use lepton::{Error, Result};
use std::path::{Path, PathBuf};

/// The optimizer flag's values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OptimizerArg {
    /// SGD with momentum (PyTorch's rule).
    Sgd,
    /// Adam (AdamW when --weight-decay > 0).
    Adam,
}

/// Arguments of `lepton train`.
#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DatasetArgs,
    /// Passes over the training images.
    #[arg(long, default_value_t = 2)]
    pub epochs: usize,
    /// Images per training step.
    #[arg(long, default_value_t = 4)]
    pub batch: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.001)]
    pub lr: f32,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f32,
    /// Weight decay (L2 for SGD, decoupled for Adam).
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f32,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Sgd)]
    pub optimizer: OptimizerArg,
    /// Random crop (4-pixel padding) and horizontal flip of training images.
    #[arg(long)]
    pub augment: bool,
    /// Seed of the weights, the shuffles and the augmentation.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory: metrics.jsonl, checkpoint.safetensors, model.safetensors, report
    /// (default: runs/train; runs/pipeline for `lepton pipeline`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue from OUT/checkpoint.safetensors.
    #[arg(long)]
    pub resume: bool,
    /// No progress bar and no per-epoch lines (errors still go to stderr).
    #[arg(long)]
    pub quiet: bool,
    /// The dataset's name in the report, when the directory's format does not say it all.
    #[arg(skip)]
    pub title: Option<String>,
}

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug)]
pub struct EpochRecord {
    pub epoch: usize,
    pub loss: f64,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    pub seconds: f64,
    pub images_per_sec: f64,
    /// Test accuracy of each class.
    pub per_class_accuracy: Vec<f64>,
    /// Test confusion matrix, rows = true class.
    pub confusion: Vec<Vec<u64>>,
}

impl EpochRecord {
    fn to_json(&self) -> String {
        serde_json::json!({
            "epoch": self.epoch,
            "loss": self.loss,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "seconds": self.seconds,
            "images_per_sec": self.images_per_sec,
            "per_class_accuracy": self.per_class_accuracy,
            "confusion": self.confusion,
        })
        .to_string()
    }

    fn from_json(line: &str, path: &Path, number: usize) -> Result<Self> {
        let bad = |what: &str| {
            Error::format(
                path,
                lepton::error::Location::Line {
                    line: number,
                    column: None,
                },
                what.to_string(),
            )
        };
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(&format!("not JSON: {e}")))?;
        let f = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_f64())
                .ok_or_else(|| bad(&format!("missing number `{k}`")))
        };
        Ok(EpochRecord {
            epoch: f("epoch")? as usize,
            loss: f("loss")?,
            train_accuracy: f("train_accuracy")?,
            test_accuracy: f("test_accuracy")?,
            seconds: f("seconds")?,
            images_per_sec: f("images_per_sec")?,
            per_class_accuracy: v
                .get("per_class_accuracy")
                .and_then(|x| serde_json::from_value(x.clone()).ok())
                .unwrap_or_default(),
            confusion: v
                .get("confusion")
                .and_then(|x| serde_json::from_value(x.clone()).ok())
                .unwrap_or_default(),
        })
    }
}

/// The result of a training run, for the caller (train, demo, pipeline).
pub struct TrainOutcome {
    pub net: LeNet5,
    pub config: TrainConfig,
    pub history: Vec<EpochRecord>,
    pub confusion: ConfusionMatrix,
}

impl TrainArgs {
    /// The output directory: `--out`, else `runs/train`.
    pub fn out_dir(&self) -> &Path {
        self.out.as_deref().unwrap_or(Path::new("runs/train"))
    }

    /// The run's configuration for a dataset with `channels` channels.
    pub fn config(&self, data: &ImageData) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch,
            lr: self.lr,
            momentum: self.momentum,
            weight_decay: self.weight_decay,
            optimizer: match self.optimizer {
                OptimizerArg::Sgd => OptimizerKind::Sgd,
                OptimizerArg::Adam => OptimizerKind::Adam,
            },
            augment: self.augment,
            seed: self.seed,
            normalize: data.normalize(),
            pad_to: data.pad_to(),
        }
    }
}

/// `lepton train`.
pub fn run(args: TrainArgs) -> Result<()> {
    with_threads(args.threads, || {
        let data = args.data.open()?;
        let outcome = train(&args, &data)?;
        write_outputs(&args, &data, &outcome)?;
        if !args.quiet {
            let c = &outcome.confusion;
            println!("\nper-class test accuracy:");
            for (k, a) in c.per_class_accuracy().iter().enumerate() {
                println!("  {:<14} {:6.2}%", c.class_name(k), 100.0 * a);
            }
            println!("\n{c}");
            println!("report: {}", args.out_dir().join("report.md").display());
        }
        Ok(())
    })
}

/// Trains as `args` say on `data`, writing metrics.jsonl and checkpoints into `args.out`.
pub fn train(args: &TrainArgs, data: &ImageData) -> Result<TrainOutcome> {
    let out = args.out_dir();
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    probe_writable(out)?;
    let config = args.config(data);
    let (train_split, test_split) = data.splits();
    let (train_set, test_set) = (&train_split, &test_split);
    let mut net = LeNet5::new(data.channels(), data.num_classes(), config.seed);
    let mut optimizer = config.optimizer()?;
    let batcher = config.batcher(train_set)?;
    let metrics_path = out.join("metrics.jsonl");
    let checkpoint_path = out.join("checkpoint.safetensors");

    let mut history = Vec::new();
    let mut start_epoch = 0;
    if args.resume {
        if !checkpoint_path.exists() {
            return Err(Error::InvalidArgument(format!(
                "--resume: no checkpoint at {}",
                checkpoint_path.display()
            )));
        }
        start_epoch = load_checkpoint(&checkpoint_path, &mut net, optimizer.as_mut())?;
        let text = std::fs::read_to_string(&metrics_path).unwrap_or_default();
        for (i, line) in text.lines().enumerate().take(start_epoch) {
            history.push(EpochRecord::from_json(line, &metrics_path, i + 1)?);
        }
        if !args.quiet {
            println!(
                "resuming from {} after epoch {start_epoch}",
                checkpoint_path.display()
            );
        }
    }
    rewrite_metrics(&metrics_path, &history)?;

    if !args.quiet {
        println!(
            "training LeNet-5 on {} ({} train / {} test images, {} classes), {} epochs, batch {}, \
             {} lr {}, {} threads",
            args.title.as_deref().unwrap_or(data.description()),
            train_set.len(),
            test_set.len(),
            data.num_classes(),
            config.epochs,
            config.batch_size,
            config.optimizer.name(),
            config.lr,
            rayon::current_num_threads()
        );
    }
    let eval_batch = 256;
    let mut confusion = evaluate(&net, test_set, &config.normalize, config.pad_to, eval_batch)?;
    for epoch in start_epoch..config.epochs {
        let bar = progress_bar(
            args.quiet,
            batcher.batches_per_epoch() as u64,
            epoch,
            &config,
        );
        let mut running = 0.0f64;
        let mut seen = 0usize;
        let started = std::time::Instant::now();
        let stats = train_epoch(&mut net, optimizer.as_mut(), &batcher, epoch, &mut |p| {
            running += p.loss as f64 * p.images as f64;
            seen += p.images;
            if p.step % 50 == 0 || p.step == p.steps {
                bar.set_message(format!(
                    "loss {:.4}  {:.0} images/s",
                    running / seen.max(1) as f64,
                    seen as f64 / started.elapsed().as_secs_f64().max(1e-9)
                ));
                bar.set_position(p.step as u64);
            }
        })?;
        bar.finish_and_clear();
        let train_acc = evaluate(
            &net,
            train_set,
            &config.normalize,
            config.pad_to,
            eval_batch,
        )?
        .accuracy();
        confusion = evaluate(&net, test_set, &config.normalize, config.pad_to, eval_batch)?;
        let record = EpochRecord {
            epoch: epoch + 1,
            loss: stats.loss,
            train_accuracy: train_acc,
            test_accuracy: confusion.accuracy(),
            seconds: stats.seconds,
            images_per_sec: stats.images_per_sec(),
            per_class_accuracy: confusion.per_class_accuracy(),
            confusion: (0..confusion.n_classes())
                .map(|t| confusion.row(t).to_vec())
                .collect(),
        };
        if !args.quiet {
            println!(
                "epoch {:>3}/{}: loss {:.4}  train acc {:.2}%  test acc {:.2}%  {:.1} s  {:.0} images/s",
                record.epoch,
                config.epochs,
                record.loss,
                100.0 * record.train_accuracy,
                100.0 * record.test_accuracy,
                record.seconds,
                record.images_per_sec
            );
            let per_class: Vec<String> = record
                .per_class_accuracy
                .iter()
                .enumerate()
                .map(|(k, a)| format!("{} {:.1}%", confusion.class_name(k), 100.0 * a))
                .collect();
            println!(
                "           per-class test accuracy: {}",
                per_class.join(", ")
            );
        }
        history.push(record);
        save_checkpoint(&checkpoint_path, &net, optimizer.as_ref(), epoch + 1)?;
        rewrite_metrics(&metrics_path, &history)?;
    }
    Ok(TrainOutcome {
        net,
        config,
        history,
        confusion,
    })
}

fn progress_bar(quiet: bool, steps: u64, epoch: usize, config: &TrainConfig) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(steps);
    let style = ProgressStyle::with_template(&format!(
        "epoch {}/{} [{{bar:30}}] {{pos}}/{{len}} steps  {{msg}}  ETA {{eta}}",
        epoch + 1,
        config.epochs
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// Fails early, with the directory's name, if nothing can be written there.
pub fn probe_writable(dir: &Path) -> Result<()> {
    let probe = dir.join(".lepton-write-test");
    std::fs::write(&probe, b"").map_err(|e| Error::io(dir, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes the whole history as metrics.jsonl, atomically (temp file + rename).
fn rewrite_metrics(path: &Path, history: &[EpochRecord]) -> Result<()> {
    let text: String = history.iter().map(|r| r.to_json() + "\n").collect();
    lepton::atomic_file::write_atomic(path, text.as_bytes())
}

/// model.safetensors and the report.
fn write_outputs(args: &TrainArgs, data: &ImageData, outcome: &TrainOutcome) -> Result<()> {
    outcome.net.save(args.out_dir().join("model.safetensors"))?;
    crate::train_report::write(
        args.out_dir(),
        data,
        args.title.as_deref(),
        outcome,
        &settings(args, outcome),
    )
}

/// The run's settings, as (name, value) rows for the report.
pub fn settings(args: &TrainArgs, outcome: &TrainOutcome) -> Vec<(String, String)> {
    let c = &outcome.config;
    vec![
        ("data".into(), args.data.describe()),
        ("epochs".into(), c.epochs.to_string()),
        ("batch".into(), c.batch_size.to_string()),
        ("optimizer".into(), c.optimizer.name().into()),
        ("learning rate".into(), c.lr.to_string()),
        ("momentum".into(), c.momentum.to_string()),
        ("weight decay".into(), c.weight_decay.to_string()),
        ("augment".into(), c.augment.to_string()),
        ("seed".into(), c.seed.to_string()),
        ("threads".into(), rayon::current_num_threads().to_string()),
        ("isa".into(), lepton::kernels::arch::active().to_string()),
    ]
}
