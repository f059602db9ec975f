//! `lepton inspect` on LIBSVM's sparse format (`label idx:val …`, 1-based ascending indices).
//!
//! A file whose first line is a number followed only by `index:value` tokens is LIBSVM data;
//! the report counts examples, the largest feature index (the dense width), the stored values
//! and the examples per label. A malformed line is an error naming the file, line and field.

use std::process::Command;

fn inspect(path: &std::path::Path, json: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lepton"));
    cmd.arg("inspect").arg(path);
    if json {
        cmd.arg("--json");
    }
    cmd.output().unwrap()
}

#[test]
fn recognises_libsvm_and_counts_labels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.txt");
    // 4 examples; labels +1 ×2, -1, 2; largest index 7; 1+1+3+0 = 5 stored values.
    std::fs::write(&path, "+1 1:0.5 7:1\n-1 2:0.25\n+1 1:1 2:2 3:3\n2\n").unwrap();
    let o = inspect(&path, true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "LIBSVM sparse data");
    assert_eq!(v["class_names"], serde_json::json!(["-1", "1", "2"]));
    assert_eq!(v["splits"][0]["class_counts"], serde_json::json!([1, 2, 1]));
    assert_eq!(v["splits"][0]["records"], 4);
    let note = v["notes"][0].as_str().unwrap();
    assert!(note.starts_with("4 examples, 7 features"), "{note}");
    assert!(note.contains("6 stored values"), "{note}");
}

#[test]
fn malformed_libsvm_line_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    std::fs::write(&path, "+1 1:0.5 3:1\n-1 3:1 2:0.5\n").unwrap();
    let o = inspect(&path, false);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.txt:2"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_csv_is_not_mistaken_for_libsvm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "a,b\n1,2\n3,4\n").unwrap();
    let o = inspect(&path, true);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "CSV table");
}
