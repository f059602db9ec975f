//! Bad input never panics and never trains on garbage: malformed LIBSVM data lines, empty data,
//! a single class for C-SVC, out-of-domain parameters (C ≤ 0, γ < 0, ν ∉ (0, 1]), unknown CLI
//! flags and model files with missing or inconsistent headers each give a typed
//! `lepton::Error` that names the file, the line (and field) and what was expected.
//!
//! The math checked is LIBSVM's `svm_check_parameter` domain: `C > 0`, `γ ≥ 0`, `ε > 0`,
//! `0 < ν ≤ 1`, `p ≥ 0`, cache > 0, and `ν·(n_i + n_j)/2 ≤ min(n_i, n_j)` for ν-SVC.

use lepton::data::libsvm::parse_libsvm;
use lepton::svm::{SvmModel, SvmParams, SvmType};
use lepton::{error::Location, Error};
use std::process::Command;

fn format_error_at(e: Error) -> (Location, String) {
    match e {
        Error::Format {
            location, message, ..
        } => (location, message),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn malformed_data_lines_are_named() {
    let cases: [(&str, usize, Option<usize>); 7] = [
        ("1 1:0.5\nabc 1:1\n", 2, Some(1)),  // unparsable label
        ("1 1:0.5\n1 0:1\n", 2, Some(2)),    // index 0
        ("1 2:0.5 2:1\n", 1, Some(3)),       // repeated index
        ("1 3:0.5 2:1\n", 1, Some(3)),       // descending index
        ("1 1:0.5\n\n-1 1:x\n", 3, Some(2)), // unparsable value
        ("1 1=0.5\n", 1, Some(2)),           // no colon
        ("1 1:0.5 2:inf\n", 1, Some(3)),     // non-finite
    ];
    for (text, line, column) in cases {
        let err = parse_libsvm(text.as_bytes(), "data.txt").unwrap_err();
        assert!(err.to_string().starts_with("data.txt:"), "{err}");
        let (loc, _) = format_error_at(err);
        assert_eq!(loc, Location::Line { line, column }, "{text:?}");
    }
}

#[test]
fn empty_data_is_an_error() {
    let err = SvmModel::train(&[], 3, &[], &SvmParams::default()).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn single_class_c_svc_is_an_error() {
    let x = [0.0, 1.0, 2.0];
    let err = SvmModel::train(&x, 1, &[1.0, 1.0, 1.0], &SvmParams::default()).unwrap_err();
    assert!(err.to_string().contains("two classes"), "{err}");
}

#[test]
fn parameter_domain_is_checked() {
    let x = [0.0, 1.0, 2.0, 3.0];
    let y = [1.0, -1.0, 1.0, -1.0];
    let bad = [
        (
            SvmParams {
                c: 0.0,
                ..SvmParams::default()
            },
            "C <= 0",
        ),
        (
            SvmParams {
                c: -1.0,
                ..SvmParams::default()
            },
            "C <= 0",
        ),
        (
            SvmParams {
                gamma: Some(-0.5),
                ..SvmParams::default()
            },
            "gamma < 0",
        ),
        (
            SvmParams {
                eps: 0.0,
                ..SvmParams::default()
            },
            "eps <= 0",
        ),
        (
            SvmParams {
                svm_type: SvmType::NuSvc,
                nu: 1.5,
                ..SvmParams::default()
            },
            "nu",
        ),
        (
            SvmParams {
                svm_type: SvmType::EpsilonSvr,
                p: -1.0,
                ..SvmParams::default()
            },
            "p < 0",
        ),
        (
            SvmParams {
                cache_size_mb: 0.0,
                ..SvmParams::default()
            },
            "cache_size",
        ),
        (
            SvmParams {
                c: f64::NAN,
                ..SvmParams::default()
            },
            "finite",
        ),
        (
            SvmParams {
                svm_type: SvmType::OneClass,
                probability: true,
                ..SvmParams::default()
            },
            "probability",
        ),
    ];
    for (p, want) in bad {
        let err = SvmModel::train(&x, 1, &y, &p).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
        assert!(
            err.to_string().contains(want),
            "{err} should mention {want}"
        );
    }
    // ν-SVC with ν too large for the class sizes (2 vs 6 examples, ν = 0.9).
    let x: Vec<f32> = (0..8).map(|i| i as f32).collect();
    let y = [1.0, 1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0];
    let p = SvmParams {
        svm_type: SvmType::NuSvc,
        nu: 0.9,
        ..SvmParams::default()
    };
    let err = SvmModel::train(&x, 1, &y, &p).unwrap_err();
    assert!(err.to_string().contains("infeasible"), "{err}");
    // Non-integer class labels and ragged input.
    let err = SvmModel::train(&[0.0, 1.0], 1, &[0.5, 1.0], &SvmParams::default()).unwrap_err();
    assert!(err.to_string().contains("integers"), "{err}");
    let err =
        SvmModel::train(&[0.0, 1.0, 2.0], 2, &[1.0, -1.0], &SvmParams::default()).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err:?}");
}

const GOOD: &str = "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 2\nrho 0.1\nlabel 1 -1\nnr_sv 1 1\nSV\n1 1:0.5 2:1\n-1 1:-0.5\n";

#[test]
fn model_files_with_missing_or_bad_headers_are_named() {
    assert!(SvmModel::parse(GOOD.as_bytes(), "m").is_ok());
    let cases: [(String, &str); 10] = [
        (GOOD.replace("gamma 0.5\n", ""), "gamma"),
        (GOOD.replace("rho 0.1\n", ""), "rho"),
        (GOOD.replace("label 1 -1\n", ""), "label"),
        (GOOD.replace("nr_sv 1 1\n", ""), "nr_sv"),
        (GOOD.replace("svm_type c_svc\n", ""), "svm_type"),
        (GOOD.replace("SV\n", ""), ""),
        (
            GOOD.replace("kernel_type rbf", "kernel_type fancy"),
            "fancy",
        ),
        (GOOD.replace("total_sv 2", "total_sv 3"), "total_sv"),
        (GOOD.replace("-1 1:-0.5", "-1 2:-0.5 1:3"), "index"),
        (GOOD.replace("rho 0.1", "rho zero"), "rho"),
    ];
    for (text, want) in cases {
        let err = SvmModel::parse(text.as_bytes(), "model.txt").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("model.txt:"), "{msg}");
        assert!(msg.contains(want), "{msg} should mention {want}");
        let (loc, _) = format_error_at(err);
        assert!(matches!(loc, Location::Line { .. }), "{loc:?}");
    }
}

#[test]
fn cli_rejects_unknown_flags_and_bad_values() {
    let exe = env!("CARGO_BIN_EXE_lepton");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.txt");
    std::fs::write(&data, "1 1:1\n-1 1:-1\n").unwrap();
    for args in [
        vec!["svm-train", "-z", "1"],
        vec!["svm-train", "-c", "abc"],
        vec!["svm-train", "-c", "0"],
        vec!["svm-train", "-g", "-1"],
        vec!["svm-train", "-t", "9"],
        vec!["svm-predict", "-x", "a", "b", "c"],
    ] {
        let mut cmd = Command::new(exe);
        cmd.args(&args);
        if args[0] == "svm-train" {
            cmd.arg(&data).arg(dir.path().join("m"));
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // A malformed data file: the error names file and line.
    std::fs::write(&data, "1 1:1\n-1 1:-1 1:2\n").unwrap();
    let out = Command::new(exe)
        .arg("svm-train")
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("d.txt:2"), "{err}");
}
