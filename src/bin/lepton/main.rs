//! `lepton`: the command-line tool.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod bench;
mod info;

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
    /// Benchmarks: measured peak FMA rate, sgemm GFLOPS.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = lepton::kernels::arch::try_active() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Info(args) => info::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
