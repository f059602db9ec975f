//! `lepton risk`: score the risk of tabular records (default: the built-in German Credit data)
//! with a class-weighted RBF SVM and Platt probabilities; ROC/AUC, precision/recall at a
//! threshold, confusion matrix, and a report with the ROC curve.

use crate::threads::with_threads;
use clap::Args;
use lepton::data::{libsvm::write_libsvm, CsvTable};
use lepton::report::{confusion_heatmap_svg, Report, RocChart};
use lepton::risk::{
    german_credit, run_risk, Evaluation, RiskConfig, RiskDataset, RiskOutcome,
    GERMAN_CREDIT_POSITIVE, GERMAN_CREDIT_TARGET, GERMAN_CREDIT_UNRELIABLE,
};
use lepton::svm::{GridScore, GridSpec, Log2Range};
use lepton::{Error, Result};
use std::path::{Path, PathBuf};

/// Arguments of `lepton risk`.
#[derive(Args, Debug)]
pub struct RiskArgs {
    /// CSV file of records with a header row (default: the built-in German Credit data).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// The target column.
    #[arg(long, default_value = GERMAN_CREDIT_TARGET)]
    pub target: String,
    /// Leave this column out of the features (repeatable). With the built-in data and no
    /// --drop, `personal_status_and_sex` is left out: in the shipped copy it is sorted, not
    /// aligned with its records (see examples/data/README.md). `--drop none` keeps every column.
    #[arg(long, value_name = "COLUMN")]
    pub drop: Vec<String>,
    /// The target value of the positive (risky) class (default: `bad` for the built-in data,
    /// else the less frequent value).
    #[arg(long)]
    pub positive: Option<String>,
    /// Fraction of each class held out for testing.
    #[arg(long, default_value_t = 0.3, conflicts_with = "folds")]
    pub test_fraction: f64,
    /// Evaluate by stratified k-fold cross-validation instead of a held-out split.
    #[arg(long)]
    pub folds: Option<usize>,
    /// Seed of the split / folds.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// SVM cost C.
    #[arg(short = 'c', long = "cost", default_value_t = 1.0)]
    pub c: f64,
    /// RBF gamma (default 1 / number of encoded features).
    #[arg(short = 'g', long)]
    pub gamma: Option<f64>,
    /// Choose C and gamma by 5-fold cross-validated grid search (balanced accuracy) on the
    /// training rows: log2 C in -5..15, log2 gamma in 3..-15, step 2.
    #[arg(long)]
    pub grid: bool,
    /// Predict the positive class when P(positive) >= THRESHOLD.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    /// No class weights (by default the positive class's C is scaled by n_neg / n_pos).
    #[arg(long)]
    pub no_class_weights: bool,
    /// The positive class's weight instead of n_neg / n_pos (must be > 0).
    #[arg(long, value_name = "W", conflicts_with = "no_class_weights")]
    pub positive_weight: Option<f64>,
    /// Write the preprocessed train/test sets (held-out mode) as LIBSVM files train.libsvm,
    /// test.libsvm and the SVM flags as svm-flags.txt into DIR.
    #[arg(long, value_name = "DIR")]
    pub export_libsvm: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory of report.md, roc.svg, confusion.svg, roc.csv and scores.csv.
    #[arg(long, default_value = "runs/risk")]
    pub out: PathBuf,
    /// Print the results as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors (and the JSON with --json).
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `lepton risk`.
pub fn run(args: RiskArgs) -> Result<()> {
    with_threads(args.threads, || {
        let (table, default_positive) = match &args.csv {
            Some(path) => (CsvTable::read(path)?, None),
            None => (
                german_credit()?,
                (args.target == GERMAN_CREDIT_TARGET).then_some(GERMAN_CREDIT_POSITIVE),
            ),
        };
        let mut table = table;
        let drop: Vec<&str> = if args.drop.is_empty() && args.csv.is_none() {
            vec![GERMAN_CREDIT_UNRELIABLE]
        } else {
            args.drop
                .iter()
                .map(String::as_str)
                .filter(|c| *c != "none")
                .collect()
        };
        for column in drop {
            if column == args.target {
                return Err(Error::InvalidArgument(format!(
                    "--drop {column}: that is the target column"
                )));
            }
            if table.remove_column(column).is_none() {
                return Err(Error::InvalidArgument(format!(
                    "--drop {column}: {} has no column {column:?}",
                    table.path().display()
                )));
            }
        }
        if let Some(w) = args.positive_weight {
            if !(w > 0.0 && w.is_finite()) {
                return Err(Error::InvalidArgument(format!(
                    "--positive-weight {w}: must be a positive number"
                )));
            }
        }
        let positive = args.positive.as_deref().or(default_positive);
        let data = RiskDataset::from_table(table, &args.target, positive)?;
        let config = RiskConfig {
            evaluation: match args.folds {
                Some(folds) => Evaluation::CrossValidation { folds },
                None => Evaluation::Holdout {
                    test_fraction: args.test_fraction,
                },
            },
            seed: args.seed,
            c: args.c,
            gamma: args.gamma,
            grid: args.grid.then(|| GridSpec {
                log2_c: Log2Range::new(-5.0, 15.0, 2.0),
                log2_gamma: Log2Range::new(3.0, -15.0, -2.0),
                folds: 5,
                score: GridScore::BalancedAccuracy,
            }),
            class_weighted: !args.no_class_weights,
            positive_weight: args.positive_weight,
            threshold: args.threshold,
        };
        if let Some(dir) = &args.export_libsvm {
            export_libsvm(dir, &data, &config)?;
        }
        let outcome = run_risk(&data, &config)?;
        write_report(&args.out, &outcome)?;
        if args.json {
            println!("{}", to_json(&outcome));
        } else if !args.quiet {
            print_summary(&outcome, &args.out);
        }
        Ok(())
    })
}

/// Writes the held-out split exactly as `run_risk` prepares it, and the SVM flags it uses.
fn export_libsvm(dir: &Path, data: &RiskDataset, config: &RiskConfig) -> Result<()> {
    let Evaluation::Holdout { test_fraction } = config.evaluation else {
        return Err(Error::InvalidArgument(
            "--export-libsvm needs a held-out split (not --folds)".into(),
        ));
    };
    if config.grid.is_some() {
        return Err(Error::InvalidArgument(
            "--export-libsvm needs fixed -c/-g (not --grid)".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (train, test) = data.stratified_split(test_fraction, config.seed)?;
    let split = data.prepare(&train, &test)?;
    let nf = split.n_features();
    write_libsvm(dir.join("train.libsvm"), &split.x_train, nf, &split.y_train)?;
    write_libsvm(dir.join("test.libsvm"), &split.x_test, nf, &split.y_test)?;
    let params = lepton::risk::svm_params(config, &split.y_train, nf);
    let mut flags = format!("-s 0 -t 2 -c {} -g {} -b 1", params.c, params.gamma_for(nf));
    for (label, w) in &params.class_weights {
        flags += &format!(" -w{label} {w}");
    }
    let path = dir.join("svm-flags.txt");
    std::fs::write(&path, flags + "\n").map_err(|e| Error::io(path, e))
}

fn evaluation_text(e: &Evaluation) -> String {
    match e {
        Evaluation::Holdout { test_fraction } => {
            format!(
                "stratified held-out split, {:.0}% test",
                100.0 * test_fraction
            )
        }
        Evaluation::CrossValidation { folds } => {
            format!("stratified {folds}-fold cross-validation (pooled out-of-fold scores)")
        }
    }
}

fn write_report(dir: &Path, o: &RiskOutcome) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let s = &o.summary;
    let c = &o.confusion;
    let mut r = Report::new(format!("Risk scoring: {} ({})", s.source, s.target));
    r.setting("data", &s.source)
        .setting(
            "target",
            format!("{} (positive: {:?})", s.target, s.positive_label),
        )
        .setting("records read", s.rows_read)
        .setting("duplicates removed", s.duplicates_removed)
        .setting("missing values imputed", s.missing_values)
        .setting(
            "class balance",
            format!("{} positive / {} negative", s.positives, s.negatives),
        )
        .setting("encoded features", o.n_features)
        .setting("evaluation", evaluation_text(&o.evaluation));
    if let Some(p) = o.params.first() {
        let weights: Vec<String> = p
            .class_weights
            .iter()
            .map(|(l, w)| format!("w{l} = {w:.4}"))
            .collect();
        r.setting(
            "SVM",
            format!(
                "C-SVC, RBF, C = {}, gamma = {}, {}, Platt probabilities",
                p.c,
                p.gamma.unwrap_or(0.0),
                if weights.is_empty() {
                    "no class weights".to_string()
                } else {
                    weights.join(", ")
                }
            ),
        );
    }
    if o.params.len() > 1 {
        let per_fold: Vec<String> = o
            .params
            .iter()
            .map(|p| format!("(C {}, γ {})", p.c, p.gamma.unwrap_or(0.0)))
            .collect();
        r.setting("per-fold parameters", per_fold.join(" "));
    }
    r.result("AUC", format!("{:.4}", o.auc))
        .result("threshold on P(positive)", o.threshold)
        .result("precision", format!("{:.4}", c.precision()))
        .result("recall", format!("{:.4}", c.recall()))
        .result("F1", format!("{:.4}", c.f1()))
        .result("accuracy", format!("{:.4}", c.accuracy()))
        .result("scored records", o.n_test);
    let roc = RocChart::new("ROC curve")
        .curve("SVM (Platt P(positive))", &o.roc)
        .to_svg()?;
    r.figure("roc.svg", "ROC curve", roc)?;
    let matrix = c
        .to_matrix()
        .with_class_names([s.negative_label.clone(), s.positive_label.clone()])?;
    r.figure(
        "confusion.svg",
        format!("Confusion matrix at P(positive) ≥ {}", o.threshold),
        confusion_heatmap_svg(&matrix, "Confusion matrix")?,
    )?;
    r.table(
        "Confusion counts",
        &["", "predicted negative", "predicted positive"],
        vec![
            vec![
                format!("true {}", s.negative_label),
                c.true_negatives.to_string(),
                c.false_positives.to_string(),
            ],
            vec![
                format!("true {}", s.positive_label),
                c.false_negatives.to_string(),
                c.true_positives.to_string(),
            ],
        ],
    )?;
    for grid in &o.grids {
        let b = grid.best_cell();
        r.text(format!(
            "Grid search: {} cells; best log2 C = {}, log2 gamma = {} (CV score {:.4}).",
            grid.cells.len(),
            b.log2_c,
            b.log2_gamma,
            b.score
        ));
    }
    r.write_markdown(dir)?;
    let mut roc_csv = String::from("threshold,false_positive_rate,true_positive_rate\n");
    for p in o.roc.points() {
        roc_csv += &format!(
            "{},{},{}\n",
            p.threshold, p.false_positive_rate, p.true_positive_rate
        );
    }
    let path = dir.join("roc.csv");
    std::fs::write(&path, roc_csv).map_err(|e| Error::io(path, e))?;
    let mut scores = String::from("positive,probability\n");
    for (t, p) in o.truth.iter().zip(&o.scores) {
        scores += &format!("{},{p}\n", u8::from(*t));
    }
    let path = dir.join("scores.csv");
    std::fs::write(&path, scores).map_err(|e| Error::io(path, e))
}

fn to_json(o: &RiskOutcome) -> serde_json::Value {
    let s = &o.summary;
    let c = &o.confusion;
    serde_json::json!({
        "source": s.source,
        "target": s.target,
        "positive": s.positive_label,
        "negative": s.negative_label,
        "rows_read": s.rows_read,
        "duplicates_removed": s.duplicates_removed,
        "missing_values": s.missing_values,
        "positives": s.positives,
        "negatives": s.negatives,
        "n_features": o.n_features,
        "n_train": o.n_train,
        "n_test": o.n_test,
        "evaluation": evaluation_text(&o.evaluation),
        "params": o.params.iter().map(|p| serde_json::json!({
            "c": p.c,
            "gamma": p.gamma,
            "class_weights": p.class_weights.iter().map(|(l, w)| serde_json::json!([l, w])).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "auc": o.auc,
        "threshold": o.threshold,
        "precision": c.precision(),
        "recall": c.recall(),
        "f1": c.f1(),
        "accuracy": c.accuracy(),
        "confusion": {
            "true_positives": c.true_positives,
            "false_positives": c.false_positives,
            "true_negatives": c.true_negatives,
            "false_negatives": c.false_negatives,
        },
        "roc": o.roc.points().iter().map(|p| [p.false_positive_rate, p.true_positive_rate]).collect::<Vec<_>>(),
    })
}

fn print_summary(o: &RiskOutcome, out: &Path) {
    let s = &o.summary;
    let c = &o.confusion;
    println!(
        "{}: {} records, {} duplicates removed, {} missing values imputed; {} positive ({:?}) / {} negative",
        s.source, s.rows_read, s.duplicates_removed, s.missing_values, s.positives, s.positive_label, s.negatives
    );
    println!(
        "{}; {} encoded features",
        evaluation_text(&o.evaluation),
        o.n_features
    );
    println!(
        "AUC {:.4}; at P(positive) >= {}: precision {:.4}, recall {:.4}, accuracy {:.4} (TP {}, FP {}, TN {}, FN {})",
        o.auc,
        o.threshold,
        c.precision(),
        c.recall(),
        c.accuracy(),
        c.true_positives,
        c.false_positives,
        c.true_negatives,
        c.false_negatives
    );
    println!("report: {}", out.join("report.md").display());
}
