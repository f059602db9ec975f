//! `lepton pipeline` end to end on a tiny synthetic CIFAR-format dataset, and the feature-SVM
//! library underneath it.
//!
//! The math checked:
//! * **The comparison is on the same test set.** Both classifiers' confusion matrices count
//!   every test image once (`Σ_{t,p} M[t][p] = n_test`) with the same true-class row sums, and
//!   `accuracy = trace(M) / n_test`; per-class `precision_c = M[c][c] / Σ_t M[t][c]`,
//!   `recall_c = M[c][c] / Σ_p M[c][p]`, `F1 = 2PR/(P+R)` are recomputed from the matrix.
//! * **The softmax head is the network's own argmax.** Its accuracy equals `lepton eval` on the
//!   saved weights.
//! * **The SVM sees z-scored features.** `z = (x − μ)/σ` with the training mean and standard
//!   deviation, so the standardised training features have mean 0 in every column; a fitted
//!   [`FeatureSvm`] on well-separated clusters classifies held-out points perfectly.
//! * **Grid search** chooses `C = 2^log₂C`, `γ = 2^log₂γ` of its best cell; runs are
//!   deterministic.

use lepton::data::synthetic::{write_cifar_dir, SyntheticConfig};
use lepton::pipeline::{stratified_subsample, FeatureSvm, FeatureSvmConfig};
use std::path::Path;
use std::process::{Command, Output};

fn lepton(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lepton"))
        .args(args)
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

fn tiny_cifar(dir: &Path) {
    write_cifar_dir(
        dir,
        &SyntheticConfig {
            train_per_class: 8,
            test_per_class: 3,
            train_batches: 1,
            seed: 5,
        },
    )
    .unwrap();
}

/// Checks a classifier's JSON block against its own confusion matrix; returns the row sums.
fn check_scores(v: &serde_json::Value, n_test: u64) -> Vec<u64> {
    let m: Vec<Vec<u64>> = v["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(m.len(), 10);
    let total: u64 = m.iter().flatten().sum();
    assert_eq!(total, n_test);
    let trace: u64 = (0..10).map(|c| m[c][c]).sum();
    assert!((v["accuracy"].as_f64().unwrap() - trace as f64 / n_test as f64).abs() < 1e-12);
    for c in 0..10 {
        let s = &v["per_class"][c];
        let col: u64 = (0..10).map(|t| m[t][c]).sum();
        let row: u64 = m[c].iter().sum();
        let p = if col == 0 {
            0.0
        } else {
            m[c][c] as f64 / col as f64
        };
        let r = if row == 0 {
            0.0
        } else {
            m[c][c] as f64 / row as f64
        };
        let f1 = if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        };
        assert!((s["precision"].as_f64().unwrap() - p).abs() < 1e-12);
        assert!((s["recall"].as_f64().unwrap() - r).abs() < 1e-12);
        assert!((s["f1"].as_f64().unwrap() - f1).abs() < 1e-12);
        assert_eq!(s["support"].as_u64().unwrap(), row);
    }
    m.iter().map(|r| r.iter().sum()).collect()
}

#[test]
fn pipeline_trains_extracts_fits_and_compares_on_the_same_test_set() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("cifar");
    tiny_cifar(&data);
    let out = dir.path().join("run");
    let v = ok(&lepton(&[
        "pipeline",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--epochs",
        "2",
        "--batch",
        "8",
        "--lr",
        "0.01",
        "--json",
    ]));
    assert_eq!(v["n_train"], 80);
    assert_eq!(v["n_test"], 30);
    let svm_rows = check_scores(&v["svm"], 30);
    let head_rows = check_scores(&v["softmax"], 30);
    assert_eq!(svm_rows, head_rows, "same test images, same true classes");
    assert_eq!(svm_rows, vec![3; 10]);
    assert!((v["c"].as_f64().unwrap() - 1.0).abs() < 1e-15);
    assert!((v["gamma"].as_f64().unwrap() - 1.0 / 84.0).abs() < 1e-15);
    for f in [
        "report.md",
        "model.safetensors",
        "confusion_svm.svg",
        "confusion_softmax.svg",
        "f1_per_class.svg",
        "loss.svg",
    ] {
        assert!(out.join(f).exists(), "{f} written");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("SVM test accuracy") && report.contains("softmax test accuracy"));

    // The softmax head's accuracy is `lepton eval`'s on the saved weights.
    let model = out.join("model.safetensors");
    let eval = ok(&lepton(&[
        "eval",
        "--data",
        data.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(eval["accuracy"], v["softmax"]["accuracy"]);

    // Loading the model instead of training, with a grid search on a subsample: the chosen C
    // and γ are 2^(best cell), and a second run gives the same numbers.
    let run = || {
        ok(&lepton(&[
            "pipeline",
            "--data",
            data.to_str().unwrap(),
            "--model",
            model.to_str().unwrap(),
            "--out",
            dir.path().join("grid").to_str().unwrap(),
            "--grid",
            "--grid-rows",
            "40",
            "--folds",
            "3",
            "--json",
        ]))
    };
    let g = run();
    assert_eq!(g["softmax"]["accuracy"], v["softmax"]["accuracy"]);
    assert_eq!(g["grid"]["cells"].as_array().unwrap().len(), 110);
    let rows = g["grid"]["rows"].as_u64().unwrap();
    assert!(
        (40..=50).contains(&rows),
        "subsample of about 40 rows: {rows}"
    );
    let best = &g["grid"]["best"];
    assert_eq!(g["c"].as_f64().unwrap(), best[0].as_f64().unwrap().exp2());
    assert_eq!(
        g["gamma"].as_f64().unwrap(),
        best[1].as_f64().unwrap().exp2()
    );
    let max = g["grid"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[2].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(best[2].as_f64().unwrap(), max);
    let again = run();
    assert_eq!(again["svm"], g["svm"]);
    assert_eq!(again["grid"], g["grid"]);
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("cifar");
    tiny_cifar(&data);
    let out = dir.path().join("o");
    let o = lepton(&[
        "pipeline",
        "--data",
        data.to_str().unwrap(),
        "--model",
        "missing.safetensors",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("missing.safetensors") && !err.contains("panicked")
    );
    let o = lepton(&[
        "pipeline",
        "--data",
        "no-such-dir",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("no-such-dir") && !err.contains("panicked"));
    let o = lepton(&[
        "pipeline",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cost=-1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains('C') && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn feature_svm_standardises_with_training_statistics_and_separates_clusters() {
    // Three classes at distant centres in 3-D, with a large offset and scale on one column.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        let c = i % 3;
        let jitter = ((i * 37 % 11) as f32 - 5.0) / 20.0;
        x.extend_from_slice(&[
            c as f32 + jitter,
            1000.0 + 500.0 * (c as f32 - jitter),
            -(c as f32) + 0.5 * jitter,
        ]);
        y.push(c);
    }
    let fitted = FeatureSvm::fit(&x, 3, &y, &FeatureSvmConfig::default()).unwrap();
    let mut z = x.clone();
    fitted.standardizer.transform(&mut z, 3).unwrap();
    for col in 0..3 {
        let mean: f64 = (0..60).map(|r| z[r * 3 + col] as f64).sum::<f64>() / 60.0;
        assert!(mean.abs() < 1e-5, "column {col} mean {mean}");
    }
    let test = [2.0, 2000.0, -2.0, 0.0, 1000.0, 0.0, 1.0, 1500.0, -1.0];
    assert_eq!(fitted.predict(&test).unwrap(), vec![2, 0, 1]);
    assert!(FeatureSvm::fit(&x, 4, &y, &FeatureSvmConfig::default()).is_err());
}

#[test]
fn grid_subsample_is_stratified_and_seeded() {
    let labels: Vec<usize> = (0..100).map(|i| usize::from(i % 4 == 0)).collect();
    let s = stratified_subsample(&labels, Some(20), 3);
    assert_eq!(s, stratified_subsample(&labels, Some(20), 3));
    // ceil(75·20/100) = 15 of class 0 and ceil(25·20/100) = 5 of class 1.
    assert_eq!(s.iter().filter(|&&r| labels[r] == 1).count(), 5);
    assert_eq!(s.len(), 20);
    assert!(s.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(stratified_subsample(&labels, None, 0).len(), 100);
    assert_eq!(stratified_subsample(&labels, Some(500), 0).len(), 100);
}

/// Without `--out`, `lepton pipeline` writes into `runs/pipeline` (not over a training run's
/// `runs/train`), relative to the working directory.
#[test]
fn pipeline_defaults_to_its_own_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    tiny_cifar(&dir.path().join("cifar"));
    let o = Command::new(env!("CARGO_BIN_EXE_lepton"))
        .current_dir(dir.path())
        .args([
            "pipeline", "--data", "cifar", "--epochs", "1", "--batch", "8", "--json",
        ])
        .output()
        .unwrap();
    ok(&o);
    assert!(dir.path().join("runs/pipeline/report.md").is_file());
    assert!(!dir.path().join("runs/train").exists());
}
