//! `lepton train`, `lepton eval` and `lepton demo` end to end, on tiny generated datasets.
//!
//! What is checked is the contract of a training run rather than a number:
//! * an epoch is a deterministic function of `(seed, epoch)`: the same seed gives the same
//!   `metrics.jsonl` (apart from timings) at 1 and at 2 threads, and training 2 epochs straight
//!   equals training 1, stopping, and resuming for the second — bit for bit in the saved weights;
//! * everything lands in `--out` (metrics, checkpoint, model, report) and `lepton eval` on the
//!   saved model reproduces the last epoch's test accuracy;
//! * bad input (missing directory, corrupt checkpoint, unwritable output, a diverging learning
//!   rate) ends with a clear error, not a panic.

use lepton::data::synthetic::{write_cifar_dir, SyntheticConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lepton(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lepton"))
        .args(args)
        .output()
        .expect("the lepton binary runs")
}

fn tiny_cifar(dir: &Path) {
    write_cifar_dir(
        dir,
        &SyntheticConfig {
            train_per_class: 6,
            test_per_class: 2,
            seed: 3,
            ..SyntheticConfig::default()
        },
    )
    .unwrap();
}

fn train(data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--batch",
        "8",
    ];
    if !extra.contains(&"--lr") {
        args.extend_from_slice(&["--lr", "0.01"]);
    }
    args.extend_from_slice(extra);
    lepton(&args)
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "lepton failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// metrics.jsonl with the timing fields removed.
fn metrics_without_timings(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("seconds");
            o.remove("images_per_sec");
            v
        })
        .collect()
}

#[test]
fn train_writes_metrics_checkpoint_model_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    tiny_cifar(&data);
    let out = tmp.path().join("out");
    ok(&train(&data, &out, &["--epochs", "2"]));
    for f in [
        "metrics.jsonl",
        "checkpoint.safetensors",
        "model.safetensors",
        "report.md",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let m = metrics_without_timings(&out);
    assert_eq!(m.len(), 2);
    for (i, line) in m.iter().enumerate() {
        assert_eq!(line["epoch"], (i + 1) as u64);
        let loss = line["loss"].as_f64().unwrap();
        assert!(loss.is_finite() && loss > 0.0);
        let acc = line["test_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc));
        // Per-epoch confusion matrix (rows: true class) over the 20 test images, 2 per class;
        // its diagonal gives the accuracy and the per-class accuracies.
        let cm: Vec<Vec<u64>> = serde_json::from_value(line["confusion"].clone()).unwrap();
        assert_eq!(cm.len(), 10);
        assert!(cm.iter().all(|row| row.iter().sum::<u64>() == 2));
        let diag: u64 = (0..10).map(|k| cm[k][k]).sum();
        assert!((acc - diag as f64 / 20.0).abs() < 1e-12);
        let per_class: Vec<f64> =
            serde_json::from_value(line["per_class_accuracy"].clone()).unwrap();
        for k in 0..10 {
            assert!((per_class[k] - cm[k][k] as f64 / 2.0).abs() < 1e-12);
        }
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Confusion matrix") && report.contains("checkerboard"));
    // No temporary files are left behind by the atomic writes.
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.contains("tmp"), "temporary file {name} left behind");
    }

    // `lepton eval` on the saved model reproduces the last epoch's test accuracy.
    let model = out.join("model.safetensors");
    let e = lepton(&[
        "eval",
        "--data",
        data.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--json",
    ]);
    ok(&e);
    let v: serde_json::Value = serde_json::from_slice(&e.stdout).unwrap();
    assert_eq!(v["accuracy"], m[1]["test_accuracy"]);
    assert_eq!(v["images"], 20);
}

#[test]
fn same_seed_same_metrics_at_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    tiny_cifar(&data);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&train(
        &data,
        &a,
        &["--epochs", "2", "--threads", "1", "--augment"],
    ));
    ok(&train(
        &data,
        &b,
        &["--epochs", "2", "--threads", "2", "--augment"],
    ));
    assert_eq!(metrics_without_timings(&a), metrics_without_timings(&b));
    assert_eq!(
        std::fs::read(a.join("model.safetensors")).unwrap(),
        std::fs::read(b.join("model.safetensors")).unwrap()
    );
}

#[test]
fn resume_continues_exactly_where_training_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    tiny_cifar(&data);
    let straight = tmp.path().join("straight");
    ok(&train(&data, &straight, &["--epochs", "2"]));
    let resumed = tmp.path().join("resumed");
    ok(&train(&data, &resumed, &["--epochs", "1"]));
    ok(&train(&data, &resumed, &["--epochs", "2", "--resume"]));
    assert_eq!(
        metrics_without_timings(&straight),
        metrics_without_timings(&resumed)
    );
    assert_eq!(
        std::fs::read(straight.join("model.safetensors")).unwrap(),
        std::fs::read(resumed.join("model.safetensors")).unwrap()
    );
}

#[test]
fn corrupt_checkpoint_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    tiny_cifar(&data);
    let out = tmp.path().join("out");
    ok(&train(&data, &out, &["--epochs", "1"]));
    let ckpt = out.join("checkpoint.safetensors");
    let bytes = std::fs::read(&ckpt).unwrap();
    std::fs::write(&ckpt, &bytes[..bytes.len() / 2]).unwrap();
    let o = train(&data, &out, &["--epochs", "2", "--resume"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("checkpoint.safetensors"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    std::fs::write(&ckpt, b"not a checkpoint at all").unwrap();
    let o = train(&data, &out, &["--epochs", "2", "--resume"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("checkpoint.safetensors"));
}

#[test]
fn missing_or_unusable_paths_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let missing: PathBuf = tmp.path().join("no-such-dir");
    let o = train(&missing, &tmp.path().join("out"), &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no-such-dir"), "{}", stderr(&o));

    // A directory without any batch files.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = train(&empty, &tmp.path().join("out"), &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("data_batch_1.bin"), "{}", stderr(&o));

    // An output path below a regular file cannot be created.
    let data = tmp.path().join("data");
    tiny_cifar(&data);
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let o = train(&data, &file.join("out"), &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("a-file"), "{}", stderr(&o));

    // No test split and no --holdout.
    std::fs::remove_file(data.join("test_batch.bin")).unwrap();
    let o = train(&data, &tmp.path().join("out2"), &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--holdout"), "{}", stderr(&o));
    ok(&train(
        &data,
        &tmp.path().join("out2"),
        &["--holdout", "20", "--epochs", "1"],
    ));
}

#[test]
fn diverging_training_stops_naming_epoch_and_step() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    tiny_cifar(&data);
    let o = train(
        &data,
        &tmp.path().join("out"),
        &["--epochs", "1", "--lr", "1e30"],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("epoch 1, step"), "{err}");
}

#[test]
fn demo_runs_and_writes_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = lepton(&[
        "demo",
        "--out",
        out.to_str().unwrap(),
        "--per-class",
        "10",
        "--epochs",
        "1",
        "--quiet",
    ]);
    ok(&o);
    assert!(out.join("report.md").is_file());
    assert!(String::from_utf8_lossy(&o.stdout).contains("report.md"));
}

/// Writes an MNIST-layout IDX directory: `n` random 28×28 images per split, labels `i % 10`.
fn tiny_idx(dir: &Path, n: usize) {
    use lepton::data::idx::encode_idx;
    std::fs::create_dir_all(dir).unwrap();
    for prefix in ["train", "t10k"] {
        let pixels: Vec<u8> = (0..n * 28 * 28).map(|i| (i * 37 % 251) as u8).collect();
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            encode_idx(&[n, 28, 28], &pixels).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            encode_idx(&[n], &labels).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn fashion_mnist_trains_a_one_channel_lenet_on_padded_images() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("fm");
    tiny_idx(&data, 30);
    let out = tmp.path().join("out");
    ok(&train(
        &data,
        &out,
        &["--dataset", "fashion-mnist", "--epochs", "1"],
    ));
    let m = metrics_without_timings(&out);
    assert_eq!(m.len(), 1);
    // The saved model's first convolution takes one input channel: [6, 1, 5, 5].
    let bytes = std::fs::read(out.join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.tensor("conv1.weight").unwrap().shape(), &[6, 1, 5, 5]);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Fashion-MNIST") && report.contains("Ankle boot"));
}
