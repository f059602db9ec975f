//! `lepton bench train-step`: LeNet-5 forward + backward +
//! SGD-momentum steps on random CIFAR-shaped data, reported as images per second.

use clap::Args;
use lepton::nn::LeNet5;
use lepton::optim::{Sgd, SgdConfig};
use lepton::{Error, Tensor};
use std::time::Instant;

/// Arguments of the LeNet training-step benchmark.
#[derive(Args, Debug)]
pub struct TrainStepArgs {
    /// Images per step.
    #[arg(long)]
    pub batch: usize,
    /// Worker threads (default: rayon's default, the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Timed steps (after 3 untimed warm-up steps).
    #[arg(long, default_value_t = 30)]
    pub steps: usize,
    /// Print one JSON object: images_per_sec, batch, threads, steps, seconds.
    #[arg(long)]
    pub json: bool,
}

/// Runs the benchmark.
pub fn run(args: TrainStepArgs) -> lepton::Result<()> {
    if args.batch == 0 || args.steps == 0 {
        return Err(Error::InvalidArgument(
            "--batch and --steps must be at least 1".into(),
        ));
    }
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    if threads == 0 {
        return Err(Error::InvalidArgument(
            "--threads must be at least 1".into(),
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::InvalidArgument(format!("cannot start {threads} threads: {e}")))?;
    let (seconds, loss) = pool.install(|| -> lepton::Result<(f64, f32)> {
        let mut net = LeNet5::new(3, 10, 0);
        let mut opt = Sgd::new(SgdConfig {
            momentum: 0.9,
            ..SgdConfig::new(0.01)
        })?;
        let images = Tensor::rand_uniform(&[args.batch, 3, 32, 32], -1.0, 1.0, 1);
        let labels: Vec<usize> = (0..args.batch).map(|i| i % 10).collect();
        let mut loss = 0.0;
        for _ in 0..3 {
            loss = net.train_step(&images, &labels, &mut opt)?;
        }
        let start = Instant::now();
        for _ in 0..args.steps {
            loss = net.train_step(&images, &labels, &mut opt)?;
        }
        Ok((start.elapsed().as_secs_f64(), loss))
    })?;
    let images_per_sec = (args.batch * args.steps) as f64 / seconds;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "images_per_sec": images_per_sec,
                "batch": args.batch,
                "threads": threads,
                "steps": args.steps,
                "seconds": seconds,
                "final_loss": loss,
            })
        );
    } else {
        println!(
            "LeNet-5 train step, batch {}, {} thread(s): {:.0} images/s ({:.3} ms/step, {} steps, final loss {:.4})",
            args.batch,
            threads,
            images_per_sec,
            1e3 * seconds / args.steps as f64,
            args.steps,
            loss
        );
    }
    Ok(())
}
