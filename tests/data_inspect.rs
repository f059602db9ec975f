//! `lepton inspect`: recognises each dataset kind and reports records per split and per-class
//! counts — checked against small files whose counts are known by construction — and turns a
//! bad file into an error message naming the file and record instead of a panic.
#![cfg(feature = "cli")]

use lepton::data::idx::encode_idx;
use lepton::data::{CifarKind, CifarWriter};
use std::path::Path;
use std::process::Command;

fn inspect(path: &Path, extra: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lepton"))
        .arg("inspect")
        .arg(path)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let (ok, out, err) = inspect(path, &args);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn cifar10_directory() {
    let dir = tempfile::tempdir().unwrap();
    for (file, labels) in [
        ("data_batch_1.bin", vec![0u8, 0, 3]),
        ("test_batch.bin", vec![9]),
    ] {
        let mut w = CifarWriter::new(CifarKind::Cifar10);
        for l in labels {
            w.push(&[l], &[0; 3072]).unwrap();
        }
        w.write(dir.path().join(file)).unwrap();
    }
    let v = json(dir.path(), &[]);
    assert!(v["kind"].as_str().unwrap().starts_with("CIFAR-10"));
    assert_eq!(v["splits"][0]["name"], "train");
    assert_eq!(v["splits"][0]["records"], 3);
    assert_eq!(v["splits"][0]["class_counts"][0], 2);
    assert_eq!(v["splits"][0]["class_counts"][3], 1);
    assert_eq!(v["splits"][1]["records"], 1);
    assert_eq!(v["class_names"][9], "truck");
    let (ok, text, _) = inspect(dir.path(), &[]);
    assert!(ok && text.contains("3 cat: 1"), "{text}");
}

#[test]
fn cifar100_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = CifarWriter::new(CifarKind::Cifar100);
    w.push(&[1, 50], &[0; 3072]).unwrap();
    w.write(dir.path().join("test.bin")).unwrap();
    let v = json(dir.path(), &[]);
    assert!(v["kind"].as_str().unwrap().starts_with("CIFAR-100"));
    assert_eq!(v["splits"][0]["name"], "test");
    assert_eq!(v["splits"][0]["class_counts"][50], 1);
}

#[test]
fn idx_pair_from_either_file() {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("train-images-idx3-ubyte");
    let labels = dir.path().join("train-labels-idx1-ubyte");
    std::fs::write(&images, encode_idx(&[3, 2, 2], &[0; 12]).unwrap()).unwrap();
    std::fs::write(&labels, encode_idx(&[3], &[1, 1, 0]).unwrap()).unwrap();
    for p in [&images, &labels] {
        let v = json(p, &[]);
        assert_eq!(v["splits"][0]["records"], 3);
        assert_eq!(v["splits"][0]["class_counts"], serde_json::json!([1, 2]));
        assert_eq!(v["image"]["height"], 2);
    }
    let v = json(dir.path(), &[]);
    assert_eq!(v["splits"][0]["name"], "train");
}

#[test]
fn csv_with_label_counts() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("credit.csv");
    std::fs::write(&p, "age,job,risk\n30,a,good\n40,?,bad\n50,b,good\n").unwrap();
    let v = json(&p, &["--label", "risk"]);
    assert_eq!(v["kind"], "CSV table");
    assert_eq!(v["columns"][0]["type"], "numeric");
    assert_eq!(v["columns"][1]["missing"], 1);
    assert_eq!(v["class_names"], serde_json::json!(["bad", "good"]));
    assert_eq!(v["splits"][0]["class_counts"], serde_json::json!([1, 2]));
}

#[test]
fn bad_files_are_errors_naming_file_and_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = CifarWriter::new(CifarKind::Cifar10);
    w.push(&[1], &[0; 3072]).unwrap();
    let mut bytes = w.as_bytes().to_vec();
    bytes.extend([42u8; 10]);
    std::fs::write(dir.path().join("data_batch_1.bin"), bytes).unwrap();
    let (ok, _, err) = inspect(dir.path(), &[]);
    assert!(!ok);
    assert!(
        err.contains("data_batch_1.bin: record 1 (byte 3073)"),
        "{err}"
    );

    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "a,b\n1\n").unwrap();
    let (ok, _, err) = inspect(&csv, &[]);
    assert!(!ok && err.contains("r.csv:2, column 2"), "{err}");

    let (ok, _, err) = inspect(&dir.path().join("missing"), &[]);
    assert!(!ok && err.contains("missing"), "{err}");
}
