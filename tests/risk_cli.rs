//! `lepton risk` end to end, and the risk library underneath it, on tiny generated CSVs.
//!
//! The math checked:
//! * **ROC and AUC.** The ROC curve sweeps a threshold `t` down through the scores; each point is
//!   `(FPR, TPR) = (FP(t)/N, TP(t)/P)`, running monotonically from `(0, 0)` to `(1, 1)`. Its area
//!   by the trapezoid rule equals the Mann–Whitney statistic
//!   `AUC = (1/(P·N)) Σ_{i∈pos} Σ_{j∈neg} [s_i > s_j] + ½[s_i = s_j]`, the probability that a random
//!   positive outscores a random negative. The tests recompute both from the written points and
//!   scores (brute force over all pairs) and compare them with the reported AUC.
//! * **Threshold metrics.** At threshold `t`, `precision = TP/(TP+FP)`, `recall = TP/(TP+FN)`,
//!   `accuracy = (TP+TN)/n` — recomputed from the reported counts and from the scores.
//! * **Cleaning.** Exact duplicate records are dropped once each; every missing feature value is
//!   counted; the stratified split keeps `round(0.3·n_c)` of each class `c` for testing.
//! * **Fitting on training rows only.** The median used to impute a missing number is the
//!   median of the training rows (checked on a table built so that the training and whole-file
//!   medians differ).
//! * **Bad input** gives an error naming the file, the column and the value, never a panic.

use lepton::data::{CsvOptions, CsvTable};
use lepton::risk::{RiskDataset, NEGATIVE_LABEL, POSITIVE_LABEL};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn lepton(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lepton"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the lepton binary runs")
}

fn ok(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "lepton failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("--json prints one JSON object")
}

fn fails_with(o: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "expected failure, got success");
    assert!(!err.contains("panicked"), "panicked: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr {err:?} does not mention {n:?}");
    }
}

/// A small deterministic LCG, so the generated CSV needs no randomness from the code under test.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` applicants: `amount` (numeric), `duration` (numeric, some missing), `housing`
/// (categorical, some missing), `risk` = bad/good, with bad more likely for large amounts, long
/// durations and renters. Then `dups` copies of the first rows. Returns (csv, missing count).
fn credit_csv(n: usize, dups: usize) -> (String, usize) {
    let mut rng = Lcg(42);
    let mut rows = Vec::new();
    let mut missing = 0;
    for i in 0..n {
        let amount = 1000.0 + 9000.0 * rng.next();
        let duration = (6.0 + 42.0 * rng.next()).round();
        let housing = ["own", "rent", "for free"][(rng.next() * 3.0) as usize % 3];
        let logit = (amount - 5500.0) / 1500.0
            + (duration - 27.0) / 8.0
            + if housing == "rent" { 1.0 } else { -0.5 }
            - 1.0;
        let bad = rng.next() < 1.0 / (1.0 + (-logit).exp());
        let dur_text = if i % 17 == 5 {
            missing += 1;
            String::new()
        } else {
            format!("{duration}")
        };
        let housing_text = if i % 23 == 7 {
            missing += 1;
            "NA"
        } else {
            housing
        };
        rows.push(format!(
            "{amount:.0},{dur_text},{housing_text},{}",
            if bad { "bad" } else { "good" }
        ));
    }
    let mut csv = String::from("amount,duration,housing,risk\n");
    for r in &rows {
        let _ = writeln!(csv, "{r}");
    }
    for r in rows.iter().take(dups) {
        let _ = writeln!(csv, "{r}");
        missing += r.split(',').filter(|f| f.is_empty() || *f == "NA").count();
    }
    (csv, missing)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Mann–Whitney AUC by brute force over all (positive, negative) pairs.
fn pairwise_auc(truth: &[bool], scores: &[f64]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for i in (0..truth.len()).filter(|&i| truth[i]) {
        for j in (0..truth.len()).filter(|&j| !truth[j]) {
            pairs += 1.0;
            if scores[i] > scores[j] {
                wins += 1.0;
            } else if scores[i] == scores[j] {
                wins += 0.5;
            }
        }
    }
    wins / pairs
}

fn read_scores(path: &Path) -> (Vec<bool>, Vec<f64>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut truth = Vec::new();
    let mut scores = Vec::new();
    for line in text.lines().skip(1) {
        let (t, s) = line.split_once(',').unwrap();
        truth.push(t == "1");
        scores.push(s.parse().unwrap());
    }
    (truth, scores)
}

#[test]
fn holdout_run_reports_consistent_roc_auc_and_threshold_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, missing) = credit_csv(200, 4);
    let file = write(dir.path(), "credit.csv", &csv);
    let out = dir.path().join("out");
    let v = ok(&lepton(
        &[
            "risk",
            "--csv",
            &file,
            "--target",
            "risk",
            "--positive",
            "bad",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        dir.path(),
    ));
    assert_eq!(v["rows_read"], 204);
    assert_eq!(v["duplicates_removed"], 4);
    // Missing values in the kept rows: the duplicates' copies are gone.
    let dup_missing: usize = csv
        .lines()
        .skip(201)
        .map(|r| r.split(',').filter(|f| f.is_empty() || *f == "NA").count())
        .sum();
    assert_eq!(
        v["missing_values"].as_u64().unwrap() as usize,
        missing - dup_missing
    );
    let (pos, neg) = (
        v["positives"].as_u64().unwrap() as f64,
        v["negatives"].as_u64().unwrap() as f64,
    );
    assert_eq!(pos + neg, 200.0);
    let n_test = (0.3 * pos).round() + (0.3 * neg).round();
    assert_eq!(v["n_test"].as_f64().unwrap(), n_test);
    assert_eq!(v["n_train"].as_f64().unwrap(), 200.0 - n_test);
    // amount, duration, housing=for free/own/rent
    assert_eq!(v["n_features"], 5);
    // Class weight n_neg/n_pos of the training rows on the positive class (+1).
    let w = v["params"][0]["class_weights"][0][1].as_f64().unwrap();
    let (train_pos, train_neg) = (pos - (0.3 * pos).round(), neg - (0.3 * neg).round());
    assert!((w - train_neg / train_pos).abs() < 1e-12);

    let auc = v["auc"].as_f64().unwrap();
    assert!(
        auc > 0.7 && auc <= 1.0,
        "the signal is learnable: AUC {auc}"
    );
    // The trapezoid area under the reported ROC points is the AUC.
    let roc: Vec<(f64, f64)> = v["roc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    assert_eq!(roc[0], (0.0, 0.0));
    assert_eq!(*roc.last().unwrap(), (1.0, 1.0));
    let mut area = 0.0;
    for w in roc.windows(2) {
        assert!(w[1].0 >= w[0].0 && w[1].1 >= w[0].1, "ROC is monotone");
        area += (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0;
    }
    assert!((area - auc).abs() < 1e-12, "trapezoid {area} vs AUC {auc}");
    // ... and the Mann–Whitney statistic of the written scores.
    let (truth, scores) = read_scores(&out.join("scores.csv"));
    assert_eq!(truth.len() as f64, n_test);
    assert!(scores.iter().all(|&s| (0.0..=1.0).contains(&s)));
    assert!((pairwise_auc(&truth, &scores) - auc).abs() < 1e-12);

    // Threshold metrics from the counts, and the counts from the scores.
    let c = &v["confusion"];
    let f = |k: &str| c[k].as_f64().unwrap();
    let (tp, fp, tn, fn_) = (
        f("true_positives"),
        f("false_positives"),
        f("true_negatives"),
        f("false_negatives"),
    );
    assert_eq!(tp + fp + tn + fn_, n_test);
    let hits = |want_pos: bool, want_pred: bool| {
        truth
            .iter()
            .zip(&scores)
            .filter(|&(&t, &s)| t == want_pos && (s >= 0.5) == want_pred)
            .count() as f64
    };
    assert_eq!(
        (tp, fp, tn, fn_),
        (
            hits(true, true),
            hits(false, true),
            hits(false, false),
            hits(true, false)
        )
    );
    if tp + fp > 0.0 {
        assert!((v["precision"].as_f64().unwrap() - tp / (tp + fp)).abs() < 1e-12);
    }
    assert!((v["recall"].as_f64().unwrap() - tp / (tp + fn_)).abs() < 1e-12);
    assert!((v["accuracy"].as_f64().unwrap() - (tp + tn) / n_test).abs() < 1e-12);

    // The report and its charts.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("roc.svg") && report.contains("AUC"));
    let svg = std::fs::read_to_string(out.join("roc.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
    assert!(out.join("confusion.svg").exists() && out.join("roc.csv").exists());
}

#[test]
fn same_seed_same_result_and_threshold_moves_the_tradeoff() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "credit.csv", &credit_csv(150, 0).0);
    let run = |extra: &[&str]| {
        let out = dir.path().join("o");
        let mut a = vec![
            "risk",
            "--csv",
            &file,
            "--target",
            "risk",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ];
        a.extend_from_slice(extra);
        ok(&lepton(&a, dir.path()))
    };
    let a = run(&["--seed", "7"]);
    let b = run(&["--seed", "7", "--threads", "1"]);
    assert_eq!(a["roc"], b["roc"]);
    assert_eq!(a["auc"], b["auc"]);
    // Without --positive the less frequent class is positive.
    let minority = if a["positives"].as_u64() <= a["negatives"].as_u64() {
        a["positive"].clone()
    } else {
        panic!("positive class is not the minority: {a}")
    };
    assert!(minority == "bad" || minority == "good");
    // A lower threshold predicts at least as many positives: recall cannot fall.
    let low = run(&["--seed", "7", "--threshold", "0.2"]);
    assert_eq!(low["auc"], a["auc"]);
    assert!(low["recall"].as_f64() >= a["recall"].as_f64());
}

#[test]
fn cross_validation_scores_every_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "credit.csv", &credit_csv(120, 3).0);
    let out = dir.path().join("cv");
    let v = ok(&lepton(
        &[
            "risk",
            "--csv",
            &file,
            "--target",
            "risk",
            "--positive",
            "bad",
            "--folds",
            "4",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        dir.path(),
    ));
    assert_eq!(v["n_test"], 120);
    assert_eq!(v["params"].as_array().unwrap().len(), 4);
    let (truth, scores) = read_scores(&out.join("scores.csv"));
    assert_eq!(truth.len(), 120);
    assert!((pairwise_auc(&truth, &scores) - v["auc"].as_f64().unwrap()).abs() < 1e-12);
}

#[test]
fn built_in_german_credit_works_from_any_directory_and_exports_libsvm_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gc");
    let export = dir.path().join("libsvm");
    let v = ok(&lepton(
        &[
            "risk",
            "--out",
            out.to_str().unwrap(),
            "--json",
            "--export-libsvm",
            export.to_str().unwrap(),
        ],
        dir.path(),
    ));
    assert_eq!(v["rows_read"], 1000);
    assert_eq!(v["positive"], "bad");
    assert_eq!(
        (v["positives"].as_u64(), v["negatives"].as_u64()),
        (Some(300), Some(700))
    );
    // 20 attributes minus the unreliable `personal_status_and_sex` (left out by default for the
    // built-in copy): 7 numeric + one-hot levels of the 12 remaining categorical = 57 columns.
    assert_eq!(v["n_features"], 57);
    assert_eq!(v["n_test"], 300);
    let auc = v["auc"].as_f64().unwrap();
    assert!(auc > 0.7, "German Credit AUC {auc}");
    // The exported files: ±1 labels, 700 training and 300 test lines, features within 1..=57.
    for (name, lines) in [("train.libsvm", 700), ("test.libsvm", 300)] {
        let text = std::fs::read_to_string(export.join(name)).unwrap();
        assert_eq!(text.lines().count(), lines);
        for line in text.lines() {
            let mut it = line.split_whitespace();
            let label: f64 = it.next().unwrap().parse().unwrap();
            assert!(label == POSITIVE_LABEL || label == NEGATIVE_LABEL);
            for f in it {
                let (k, _) = f.split_once(':').unwrap();
                assert!((1..=57).contains(&k.parse::<usize>().unwrap()));
            }
        }
    }
    // `--drop none` keeps every column: 4 more one-hot levels; an unknown column is an error.
    let all_out = dir.path().join("all");
    let all = ok(&lepton(
        &[
            "risk",
            "--drop",
            "none",
            "--json",
            "--out",
            all_out.to_str().unwrap(),
        ],
        dir.path(),
    ));
    assert_eq!(all["n_features"], 61);
    fails_with(
        &lepton(&["risk", "--drop", "no_such_column"], dir.path()),
        &["no_such_column"],
    );
    fails_with(
        &lepton(&["risk", "--positive-weight", "0"], dir.path()),
        &["--positive-weight"],
    );
    let flags = std::fs::read_to_string(export.join("svm-flags.txt")).unwrap();
    assert!(flags.contains("-b 1") && flags.contains("-w1 ") && flags.contains("-t 2"));
}

#[test]
fn bad_input_names_the_file_the_column_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    let good = write(dir.path(), "good.csv", &credit_csv(40, 0).0);
    // Missing target column.
    let o = lepton(
        &["risk", "--csv", &good, "--target", "default", "--out", out],
        dir.path(),
    );
    fails_with(&o, &["good.csv", "\"default\"", "amount"]);
    // A target with one class.
    let one = write(dir.path(), "one.csv", "x,y\n1,a\n2,a\n3,a\n");
    let o = lepton(
        &["risk", "--csv", &one, "--target", "y", "--out", out],
        dir.path(),
    );
    fails_with(&o, &["one.csv", "one class", "\"a\""]);
    // An unknown --positive value: the error lists the values that occur.
    let o = lepton(
        &[
            "risk",
            "--csv",
            &good,
            "--target",
            "risk",
            "--positive",
            "default",
            "--out",
            out,
        ],
        dir.path(),
    );
    fails_with(&o, &["good.csv", "\"default\"", "\"bad\"", "\"good\""]);
    // A ragged CSV: line 3 has one field too many.
    let ragged = write(dir.path(), "ragged.csv", "x,y\n1,a\n2,b,9\n3,a\n");
    let o = lepton(
        &["risk", "--csv", &ragged, "--target", "y", "--out", out],
        dir.path(),
    );
    fails_with(&o, &["ragged.csv", "3"]);
    // A missing file.
    let o = lepton(
        &["risk", "--csv", "nope.csv", "--target", "y", "--out", out],
        dir.path(),
    );
    fails_with(&o, &["nope.csv"]);
    // An empty target value.
    let hole = write(dir.path(), "hole.csv", "x,y\n1,a\n2,\n3,b\n4,b\n");
    let o = lepton(
        &["risk", "--csv", &hole, "--target", "y", "--out", out],
        dir.path(),
    );
    fails_with(&o, &["hole.csv", "line 3"]);
    // A test fraction outside (0, 1).
    let o = lepton(
        &[
            "risk",
            "--csv",
            &good,
            "--target",
            "risk",
            "--test-fraction",
            "1.5",
            "--out",
            out,
        ],
        dir.path(),
    );
    fails_with(&o, &["test fraction"]);
}

#[test]
fn imputation_and_standardisation_are_fitted_on_training_rows_only() {
    // Rows 0..4 (train) have x = 1, 2, 3, missing; rows 4..8 (test) have x = 100..103.
    // The training median of x is 2; the whole-file median would be 51.5.
    let csv = "x,c,y\n1,u,a\n2,u,b\n3,v,a\n,v,b\n100,u,a\n101,v,b\n102,u,a\n103,,b\n";
    let table = CsvTable::parse_bytes(csv.as_bytes(), "t.csv", &CsvOptions::default()).unwrap();
    let data = RiskDataset::from_table(table, "y", Some("b")).unwrap();
    assert_eq!(data.summary.missing_values, 2);
    let split = data.prepare(&[0, 1, 2, 3], &[4, 5, 6, 7]).unwrap();
    assert_eq!(split.feature_names, ["x", "c=u", "c=v"]);
    // Training x after imputation: 1, 2, 3, 2 → mean 2, population std sqrt(0.5).
    let sd = 0.5f32.sqrt();
    let x_train: Vec<f32> = (0..4).map(|r| split.x_train[r * 3]).collect();
    for (got, want) in x_train.iter().zip([-1.0 / sd, 0.0, 1.0 / sd, 0.0]) {
        assert!((got - want).abs() < 1e-5, "{x_train:?}");
    }
    // Test x = 100 is standardised with the training mean and std.
    assert!((split.x_test[0] - 98.0 / sd).abs() < 1e-3);
    // The missing category of test row 7 became the training mode ("u" on a 2–2 tie: the
    // first level): c=u is above its mean 0.5, c=v below.
    assert!(split.x_test[3 * 3 + 1] > 0.0 && split.x_test[3 * 3 + 2] < 0.0);
    assert_eq!(
        split.y_train,
        [
            NEGATIVE_LABEL,
            POSITIVE_LABEL,
            NEGATIVE_LABEL,
            POSITIVE_LABEL
        ]
    );
}

#[test]
fn stratified_split_holds_out_the_fraction_of_each_class() {
    let mut csv = String::from("x,y\n");
    for i in 0..100 {
        let _ = writeln!(csv, "{i},{}", if i % 4 == 0 { "bad" } else { "good" });
    }
    let table = CsvTable::parse_bytes(csv.as_bytes(), "s.csv", &CsvOptions::default()).unwrap();
    let data = RiskDataset::from_table(table, "y", Some("bad")).unwrap();
    let (train, test) = data.stratified_split(0.3, 5).unwrap();
    // round(0.3 · 25) + round(0.3 · 75) = 8 + 23 (halves round away from zero).
    assert_eq!((train.len(), test.len()), (69, 31));
    let bad_test = test.iter().filter(|&&r| data.is_positive()[r]).count();
    assert_eq!(bad_test, 8);
    let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    assert_eq!(data.stratified_split(0.3, 5).unwrap(), (train, test));
    let folds = data.stratified_folds(4, 1).unwrap();
    // 25 bad dealt round-robin to 4 folds: 7, 6, 6, 6; 75 good: 19, 19, 19, 18.
    let bad: Vec<usize> = folds
        .iter()
        .map(|f| f.iter().filter(|&&r| data.is_positive()[r]).count())
        .collect();
    let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
    assert_eq!(bad, [7, 6, 6, 6]);
    assert_eq!(sizes, [26, 25, 25, 24]);
}

#[test]
fn grid_search_picks_c_and_gamma_from_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "credit.csv", &credit_csv(70, 0).0);
    let out = dir.path().join("g");
    let v = ok(&lepton(
        &[
            "risk",
            "--csv",
            &file,
            "--target",
            "risk",
            "--positive",
            "bad",
            "--grid",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        dir.path(),
    ));
    let p = &v["params"][0];
    let (lc, lg) = (
        p["c"].as_f64().unwrap().log2(),
        p["gamma"].as_f64().unwrap().log2(),
    );
    // log₂C ∈ {−5, −3, …, 15}, log₂γ ∈ {3, 1, …, −15}: odd integers in range.
    assert!(lc == lc.round() && (lc as i64).rem_euclid(2) == 1 && (-5.0..=15.0).contains(&lc));
    assert!(lg == lg.round() && (lg as i64).rem_euclid(2) == 1 && (-15.0..=3.0).contains(&lg));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Grid search: 110 cells"));
}
