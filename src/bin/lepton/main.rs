//! `lepton`: the command-line tool.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod info;
mod inspect;

/// Lepton: SIMD GEMM, LeNet training, SMO SVMs — from the microkernel up.
#[derive(Parser)]
#[command(name = "lepton", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the detected instruction set, cache sizes used for blocking, and threads.
    Info(info::InfoArgs),
    /// Say what a dataset is: CIFAR-10/100, IDX (MNIST) or CSV — splits, per-class counts,
    /// class names.
    Inspect(inspect::InspectArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = lepton::kernels::arch::try_active() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Info(args) => info::run(args),
        Command::Inspect(args) => inspect::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
