//! `lepton`: the command-line tool.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod bench;
mod bench_train;
mod datasets;
mod demo;
mod eval;
mod info;
mod inspect;
mod pipeline;
mod risk;
mod svm_predict;
mod svm_train;
mod threads;
mod train;
mod train_report;

/// Lepton: SIMD GEMM, LeNet training, SMO SVMs — from the microkernel up.
#[derive(Parser)]
#[command(name = "lepton", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train LeNet-5 on a synthetic CIFAR-format dataset and write a report (no download).
    Demo(demo::DemoArgs),
    /// Train LeNet-5 on CIFAR-10 or Fashion-MNIST: progress, per-epoch evaluation,
    /// checkpoints, metrics.jsonl and a report.
    Train(train::TrainArgs),
    /// Evaluate a trained LeNet-5: accuracy, per-class accuracy, confusion matrix.
    Eval(eval::EvalArgs),
    /// Print the detected instruction set, cache sizes used for blocking, and threads.
    Info(info::InfoArgs),
    /// Train LeNet-5 (or load one), classify its fc2 features with an RBF SVM and compare with
    /// the softmax head: accuracy, per-class P/R/F1, confusion matrices, report.
    Pipeline(pipeline::PipelineArgs),
    /// Score the risk of tabular records (default: built-in German Credit data) with a
    /// class-weighted RBF SVM: ROC/AUC, precision/recall, confusion matrix, report.
    Risk(risk::RiskArgs),
    /// Train an SVM like LIBSVM's svm-train (same flags, files and output).
    SvmTrain(svm_train::SvmTrainArgs),
    /// Predict with an SVM model like LIBSVM's svm-predict.
    SvmPredict(svm_predict::SvmPredictArgs),
    /// Benchmarks: measured peak FMA rate, sgemm GFLOPS.
    Bench(bench::BenchArgs),
    /// Say what a dataset is: CIFAR-10/100, IDX (MNIST) or CSV — splits, per-class counts,
    /// class names.
    Inspect(inspect::InspectArgs),
}

/// Exit status of a command whose standard output was closed early (`lepton … | head`): the
/// status a shell reports for a process ended by SIGPIPE (128 + 13), as coreutils give.
const BROKEN_PIPE_STATUS: i32 = 141;

/// Rust ignores SIGPIPE, so `println!` into a closed pipe panics ("failed printing to stdout:
/// Broken pipe"). A reader that stops early is not an error of ours: end quietly instead.
fn exit_quietly_on_broken_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE_STATUS);
        }
        default_hook(info);
    }));
}

fn main() -> ExitCode {
    exit_quietly_on_broken_pipe();
    let cli = Cli::parse();
    if let Err(e) = lepton::kernels::arch::try_active() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Info(args) => info::run(args),
        Command::Pipeline(args) => pipeline::run(args),
        Command::Risk(args) => risk::run(args),
        Command::SvmTrain(args) => svm_train::run(args),
        Command::SvmPredict(args) => svm_predict::run(args),
        Command::Bench(args) => bench::run(args),
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
