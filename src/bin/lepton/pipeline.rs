//! `lepton pipeline`: train LeNet-5 (or load one), extract its fc2 features, standardise, fit an
//! RBF SVM (given or grid-searched C and gamma), and compare it with the softmax head on the same
//! test images; report.md with both confusion matrices and a per-class F1 chart.

use crate::threads::with_threads;
use crate::train::{train, TrainArgs};
use clap::Args;
use lepton::metrics::ConfusionMatrix;
use lepton::nn::LeNet5;
use lepton::pipeline::{cnn_svm, CnnSvmOutcome, FeatureSvmConfig};
use lepton::report::{confusion_heatmap_svg, BarChart, LineChart, Report};
use lepton::svm::{GridScore, GridSpec, Log2Range};
use lepton::{Error, Result};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lepton pipeline` (the training flags are those of `lepton train`).
#[derive(Args, Debug)]
pub struct PipelineArgs {
    #[command(flatten)]
    pub train: TrainArgs,
    /// Use these trained weights (safetensors) instead of training.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Choose C and gamma by cross-validated grid search (log2 C in -5..15, log2 gamma in
    /// 3..-15, step 2, as LIBSVM's grid.py), on at most --grid-rows training rows.
    #[arg(long)]
    pub grid: bool,
    /// SVM cost C (without --grid).
    #[arg(short = 'c', long = "cost", default_value_t = 1.0)]
    pub c: f64,
    /// RBF gamma (without --grid; default 1/84).
    #[arg(short = 'g', long)]
    pub gamma: Option<f64>,
    /// Folds of the grid search's cross-validation.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Stratified subsample of the training rows the grid search runs on (0: all rows).
    /// The final SVM is trained on every training row.
    #[arg(long, default_value_t = 2000)]
    pub grid_rows: usize,
    /// Print the results as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `lepton pipeline`.
pub fn run(mut args: PipelineArgs) -> Result<()> {
    args.train
        .out
        .get_or_insert_with(|| PathBuf::from("runs/pipeline"));
    with_threads(args.train.threads, || {
        let t = &args.train;
        let quiet = t.quiet || args.json;
        // Check the SVM flags before spending minutes on training.
        lepton::svm::SvmParams::c_svc_rbf(args.c, args.gamma.unwrap_or(1.0)).check()?;
        let data = t.data.open()?;
        std::fs::create_dir_all(t.out_dir()).map_err(|e| Error::io(t.out_dir(), e))?;
        let start = Instant::now();
        let (net, history) = match &args.model {
            Some(path) => {
                let mut net = LeNet5::new(data.channels(), data.num_classes(), 0);
                net.load(path)?;
                (net, Vec::new())
            }
            None => {
                let mut quiet_args = t.clone();
                quiet_args.quiet = quiet;
                let outcome = train(&quiet_args, &data)?;
                outcome.net.save(t.out_dir().join("model.safetensors"))?;
                (outcome.net, outcome.history)
            }
        };
        let train_seconds = start.elapsed().as_secs_f64();
        let config = FeatureSvmConfig {
            c: args.c,
            gamma: args.gamma,
            grid: args.grid.then(|| GridSpec {
                log2_c: Log2Range::new(-5.0, 15.0, 2.0),
                log2_gamma: Log2Range::new(3.0, -15.0, -2.0),
                folds: args.folds,
                score: GridScore::Accuracy,
            }),
            grid_rows: (args.grid_rows > 0).then_some(args.grid_rows),
            seed: t.seed,
        };
        let (train_split, test_split) = data.splits();
        let start = Instant::now();
        let outcome = cnn_svm(
            &net,
            &train_split,
            &test_split,
            &data.normalize(),
            data.pad_to(),
            256,
            &config,
        )?;
        let svm_seconds = start.elapsed().as_secs_f64();
        write_report(&args, &outcome, &history, train_seconds, svm_seconds)?;
        if args.json {
            println!("{}", to_json(&args, &outcome, train_seconds, svm_seconds));
        } else if !quiet {
            print_summary(&outcome);
            println!("report: {}", t.out_dir().join("report.md").display());
        }
        Ok(())
    })
}

fn f1_per_class(m: &ConfusionMatrix) -> Vec<f64> {
    (0..m.n_classes()).map(|c| m.class_scores(c).f1).collect()
}

fn svm_text(o: &CnnSvmOutcome) -> String {
    let p = &o.fitted.params;
    let mut s = format!(
        "RBF C-SVC one-vs-one, C = {}, gamma = {}",
        p.c,
        p.gamma.unwrap_or(0.0)
    );
    if let Some((g, rows)) = &o.fitted.grid {
        let b = g.best_cell();
        s += &format!(
            " (grid search: {} cells, {rows} rows, best log2 C = {}, log2 gamma = {}, CV accuracy {:.4})",
            g.cells.len(),
            b.log2_c,
            b.log2_gamma,
            b.score
        );
    }
    s
}

fn write_report(
    args: &PipelineArgs,
    o: &CnnSvmOutcome,
    history: &[crate::train::EpochRecord],
    train_seconds: f64,
    svm_seconds: f64,
) -> Result<()> {
    let t = &args.train;
    let mut r = Report::new("CNN features → SVM vs the softmax head");
    r.setting("data", t.data.describe());
    match &args.model {
        Some(m) => r.setting("network", format!("LeNet-5 loaded from {}", m.display())),
        None => r.setting(
            "network",
            format!(
                "LeNet-5 trained {} epochs, batch {}, lr {}, momentum {}, seed {}",
                t.epochs, t.batch, t.lr, t.momentum, t.seed
            ),
        ),
    };
    r.setting(
        "features",
        "fc2 after ReLU (84), z-scored with the training mean/std",
    )
    .setting("SVM", svm_text(o))
    .setting("training images", o.n_train)
    .setting("threads", rayon::current_num_threads());
    r.result(
        "SVM test accuracy",
        format!(
            "{:.4} ({}/{})",
            o.svm.accuracy(),
            o.svm.correct(),
            o.svm.total()
        ),
    )
    .result(
        "softmax test accuracy",
        format!(
            "{:.4} ({}/{})",
            o.softmax.accuracy(),
            o.softmax.correct(),
            o.softmax.total()
        ),
    )
    .result("network seconds", format!("{train_seconds:.1}"))
    .result("features + SVM seconds", format!("{svm_seconds:.1}"));
    if history.len() > 1 {
        let loss: Vec<f64> = history.iter().map(|e| e.loss).collect();
        r.figure(
            "loss.svg",
            "Training loss per epoch",
            LineChart::new("Training loss", "epoch", "cross-entropy")
                .series("train loss", loss)
                .to_svg()?,
        )?;
    }
    let names: Vec<String> = (0..o.svm.n_classes())
        .map(|c| o.svm.class_name(c))
        .collect();
    r.figure(
        "f1_per_class.svg",
        "Per-class F1: SVM on features vs softmax head",
        BarChart::new("Per-class F1 on the test set", "F1", names)
            .series("SVM", f1_per_class(&o.svm))
            .series("softmax", f1_per_class(&o.softmax))
            .y_range(0.0, 1.0)
            .to_svg()?,
    )?;
    r.classification_table("SVM on CNN features", &o.svm);
    r.classification_table("Softmax head", &o.softmax);
    r.figure(
        "confusion_svm.svg",
        "Confusion matrix: SVM",
        confusion_heatmap_svg(&o.svm, "SVM on CNN features")?,
    )?;
    r.figure(
        "confusion_softmax.svg",
        "Confusion matrix: softmax head",
        confusion_heatmap_svg(&o.softmax, "Softmax head")?,
    )?;
    r.write_markdown(t.out_dir())?;
    Ok(())
}

fn scores_json(m: &ConfusionMatrix) -> serde_json::Value {
    let rep = m.report();
    serde_json::json!({
        "accuracy": m.accuracy(),
        "macro_f1": rep.macro_f1,
        "per_class": rep.per_class.iter().enumerate().map(|(c, s)| serde_json::json!({
            "class": m.class_name(c),
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "support": s.support,
        })).collect::<Vec<_>>(),
        "confusion": (0..m.n_classes()).map(|t| m.row(t).to_vec()).collect::<Vec<_>>(),
    })
}

fn to_json(
    args: &PipelineArgs,
    o: &CnnSvmOutcome,
    train_seconds: f64,
    svm_seconds: f64,
) -> serde_json::Value {
    let p = &o.fitted.params;
    serde_json::json!({
        "data": args.train.data.describe(),
        "n_train": o.n_train,
        "n_test": o.svm.total(),
        "svm": scores_json(&o.svm),
        "softmax": scores_json(&o.softmax),
        "c": p.c,
        "gamma": p.gamma,
        "grid": o.fitted.grid.as_ref().map(|(g, rows)| serde_json::json!({
            "rows": rows,
            "cells": g.cells.iter().map(|c| [c.log2_c, c.log2_gamma, c.score]).collect::<Vec<_>>(),
            "best": [g.best_cell().log2_c, g.best_cell().log2_gamma, g.best_cell().score],
        })),
        "network_seconds": train_seconds,
        "svm_seconds": svm_seconds,
    })
}

fn print_summary(o: &CnnSvmOutcome) {
    println!("{}", svm_text(o));
    println!(
        "test accuracy: SVM on CNN features {:.2}% ({}/{}), softmax head {:.2}% ({}/{})",
        100.0 * o.svm.accuracy(),
        o.svm.correct(),
        o.svm.total(),
        100.0 * o.softmax.accuracy(),
        o.softmax.correct(),
        o.softmax.total()
    );
    println!(
        "macro F1: SVM {:.4}, softmax {:.4}",
        o.svm.report().macro_f1,
        o.softmax.report().macro_f1
    );
}
