//! Parity with the real LIBSVM (`svm-train` / `svm-predict` from Debian's `libsvm-tools`).
//!
//! Both programs solve the same convex dual `min ½αᵀQα + pᵀα, yᵀα = Δ, 0 ≤ α ≤ C` with the same
//! SMO algorithm (second-order working-set selection, shrinking, stopping when the maximal KKT
//! violation `m(α) − M(α)` falls below ε). The optimum value is unique, and for these small
//! well-conditioned problems so is the solution, so for every formulation (`-s 0…4`) and kernel
//! (`-t 0…3`) we check:
//!
//! * the dual objective (`obj = …` printed by svm-train) agrees within 1e-5 relative,
//! * `rho` within 1e-3, the number of support vectors within 1%,
//! * ≥ 99.5% of test predictions are identical,
//! * cross-reading: `svm-predict` on *our* model file and *we* on *its* model file reproduce the
//!   other side's predictions exactly (≥ 99.5% for regression values compared to 1e-6).
//!
//! Parameters are exactly representable in `f32` (svm-train 3.24 parses options in single
//! precision), and the data are multiples of 1/64 so that both read identical numbers. LIBSVM
//! keeps the kernel in double where we use `f32` inner products, so last digits differ.
//! The test FAILS (with a message) if `svm-train` is not installed: `.ci/run` installs it.

use lepton::data::libsvm::{read_libsvm, write_libsvm};
use lepton::svm::{KernelType, SvmModel, SvmParams, SvmType};
use std::path::Path;
use std::process::Command;

fn require_libsvm() {
    let ok = Command::new("svm-train").output().is_ok();
    assert!(
        ok,
        "svm-train not found: install Debian's libsvm-tools (`apt-get install libsvm-tools`, as .ci/run does)"
    );
}

/// A deterministic pseudo-random stream (xorshift) for generating data.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform on [−2, 2] in steps of 1/64 (exact in f32 and in decimal).
    fn coord(&mut self) -> f32 {
        ((self.next() * 256.0).floor() / 64.0 - 2.0) as f32
    }
}

/// `n` points in `d` dimensions; 3 classes by angle (with 5% label noise) or a smooth target.
fn make_data(seed: u64, n: usize, d: usize, regression: bool) -> (Vec<f32>, Vec<f64>) {
    let mut g = Gen(seed);
    let mut x = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f32> = (0..d).map(|_| g.coord()).collect();
        let (a, b) = (row[0] as f64, row[1] as f64);
        if regression {
            let t = (1.5 * a).sin() + 0.5 * b * b - 0.25 * row[2] as f64;
            y.push((t * 1024.0).round() / 1024.0);
        } else {
            let angle = b.atan2(a) + std::f64::consts::PI;
            let mut c = ((angle / (2.0 * std::f64::consts::PI / 3.0)).floor() as i64).min(2);
            if g.next() < 0.05 {
                c = (c + 1) % 3;
            }
            y.push([1.0, 2.0, 5.0][c as usize]);
        }
        x.extend(row);
    }
    (x, y)
}

struct LibsvmRun {
    objs: Vec<f64>,
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run LIBSVM tool");
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn svm_train(args: &[String], train: &Path, model: &Path) -> LibsvmRun {
    let out = run(Command::new("svm-train").args(args).arg(train).arg(model));
    let objs = out
        .lines()
        .filter_map(|l| l.strip_prefix("obj = "))
        .map(|l| l.split(',').next().unwrap().trim().parse().unwrap())
        .collect();
    LibsvmRun { objs }
}

fn svm_predict(test: &Path, model: &Path, out: &Path) -> Vec<f64> {
    run(Command::new("svm-predict").arg(test).arg(model).arg(out));
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

fn same(a: f64, b: f64, regression: bool) -> bool {
    if regression {
        (a - b).abs() <= 1e-4 * (1.0 + b.abs())
    } else {
        a == b
    }
}

fn agreement(a: &[f64], b: &[f64], regression: bool) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .filter(|(x, y)| same(**x, **y, regression))
        .count() as f64
        / a.len() as f64
}

fn check(svm_type: SvmType, kernel: KernelType) {
    require_libsvm();
    let regression = svm_type.is_regression();
    let dir = tempfile::tempdir().unwrap();
    let (d, n) = (4, 300);
    let (x, y) = make_data(7 + svm_type as u64, n, d, regression);
    let (xt, yt) = make_data(1000 + svm_type as u64, n, d, regression);
    let train = dir.path().join("train");
    let test = dir.path().join("test");
    write_libsvm(&train, &x, d, &y).unwrap();
    write_libsvm(&test, &xt, d, &yt).unwrap();

    let s = match svm_type {
        SvmType::CSvc => 0,
        SvmType::NuSvc => 1,
        SvmType::OneClass => 2,
        SvmType::EpsilonSvr => 3,
        SvmType::NuSvr => 4,
    };
    let t = kernel as i32;
    let mut params = SvmParams {
        svm_type,
        kernel_type: kernel,
        degree: 3,
        gamma: Some(0.25),
        coef0: if kernel == KernelType::Sigmoid {
            -1.0
        } else {
            0.5
        },
        c: 2.0,
        nu: 0.25,
        p: 0.125,
        ..SvmParams::default()
    };
    if kernel == KernelType::Sigmoid {
        params.gamma = Some(0.125);
        params.c = 0.5;
    }
    let args: Vec<String> = [
        "-s",
        &s.to_string(),
        "-t",
        &t.to_string(),
        "-d",
        "3",
        "-g",
        &params.gamma.unwrap().to_string(),
        "-r",
        &params.coef0.to_string(),
        "-c",
        &params.c.to_string(),
        "-n",
        "0.25",
        "-p",
        "0.125",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let their_model = dir.path().join("their.model");
    let theirs = svm_train(&args, &train, &their_model);

    // Ours, through the library from the same file.
    let data = read_libsvm(&train).unwrap();
    let (xd, dd) = data.to_dense();
    let ours = SvmModel::train(&xd, dd, &data.labels, &params).unwrap();
    let their = SvmModel::load(&their_model).unwrap();

    let label = format!("-s {s} -t {t}");
    // Dual objectives, sub-problem by sub-problem.
    let our_objs: Vec<f64> = ours.training_summaries().iter().map(|s| s.obj).collect();
    assert_eq!(
        our_objs.len(),
        theirs.objs.len(),
        "{label}: sub-problem count"
    );
    for (o, t) in our_objs.iter().zip(&theirs.objs) {
        // svm-train prints obj with 6 decimals.
        let tol = 1e-5 * t.abs() + 1e-6;
        assert!((o - t).abs() <= tol, "{label}: obj {o} vs LIBSVM {t}");
    }
    for (o, t) in ours.rho().iter().zip(their.rho()) {
        assert!((o - t).abs() <= 1e-3, "{label}: rho {o} vs LIBSVM {t}");
    }
    let (ns, ts) = (ours.total_sv() as f64, their.total_sv() as f64);
    assert!(
        (ns - ts).abs() <= (0.01 * ts).ceil(),
        "{label}: #SV {ns} vs LIBSVM {ts}"
    );

    // Predictions on the test set.
    let (xtd, dt) = read_libsvm(&test).unwrap().to_dense();
    let our_pred = ours.predict_batch(&xtd, dt).unwrap();
    let their_pred = svm_predict(&test, &their_model, &dir.path().join("p1"));
    let a = agreement(&our_pred, &their_pred, regression);
    assert!(
        a >= 0.995,
        "{label}: only {:.1}% identical predictions",
        100.0 * a
    );

    // Our model read by svm-predict; its model read by us.
    let our_model = dir.path().join("our.model");
    ours.save(&our_model).unwrap();
    let cross1 = svm_predict(&test, &our_model, &dir.path().join("p2"));
    let a = agreement(&cross1, &our_pred, regression);
    assert!(
        a >= 0.995,
        "{label}: svm-predict on our model agrees on {:.1}%",
        100.0 * a
    );
    let cross2 = their.predict_batch(&xtd, dt).unwrap();
    let a = agreement(&cross2, &their_pred, regression);
    assert!(
        a >= 0.995,
        "{label}: we on LIBSVM's model agree on {:.1}%",
        100.0 * a
    );
}

macro_rules! parity {
    ($($name:ident: $s:ident, $t:ident;)*) => {$(
        #[test]
        fn $name() {
            check(SvmType::$s, KernelType::$t);
        }
    )*};
}

parity! {
    c_svc_linear: CSvc, Linear;
    c_svc_polynomial: CSvc, Polynomial;
    c_svc_rbf: CSvc, Rbf;
    c_svc_sigmoid: CSvc, Sigmoid;
    nu_svc_linear: NuSvc, Linear;
    nu_svc_rbf: NuSvc, Rbf;
    one_class_rbf: OneClass, Rbf;
    one_class_linear: OneClass, Linear;
    epsilon_svr_rbf: EpsilonSvr, Rbf;
    epsilon_svr_polynomial: EpsilonSvr, Polynomial;
    nu_svr_rbf: NuSvr, Rbf;
    nu_svr_sigmoid: NuSvr, Sigmoid;
}

/// Platt scaling with the same `rand()` folds: probA/probB as LIBSVM's, to print precision.
#[test]
fn probability_model_matches_libsvm() {
    require_libsvm();
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = make_data(42, 150, 3, false);
    let train = dir.path().join("train");
    write_libsvm(&train, &x, 3, &y).unwrap();
    let their_model = dir.path().join("their.model");
    let args: Vec<String> = ["-b", "1", "-c", "2", "-g", "0.5"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    svm_train(&args, &train, &their_model);
    let their = SvmModel::load(&their_model).unwrap();
    let params = SvmParams {
        probability: true,
        ..SvmParams::c_svc_rbf(2.0, 0.5)
    };
    let data = read_libsvm(&train).unwrap();
    let (xd, d) = data.to_dense();
    let ours = SvmModel::train(&xd, d, &data.labels, &params).unwrap();
    let (oa, ob) = ours.probability_parameters().unwrap();
    let (ta, tb) = their.probability_parameters().unwrap();
    for (o, t) in oa.iter().chain(ob).zip(ta.iter().chain(tb)) {
        assert!(
            (o - t).abs() <= 1e-3 * (1.0 + t.abs()),
            "Platt parameter {o} vs LIBSVM {t}"
        );
    }
}

/// Class weights `-wi`: class `i` uses `C·wᵢ`; same objectives, rho and #SV as LIBSVM.
#[test]
fn class_weights_match_libsvm() {
    require_libsvm();
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = make_data(5, 240, 3, false);
    let train = dir.path().join("train");
    write_libsvm(&train, &x, 3, &y).unwrap();
    let their_model = dir.path().join("their.model");
    let args: Vec<String> = ["-c", "1", "-g", "0.5", "-w1", "4", "-w5", "0.25"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let theirs = svm_train(&args, &train, &their_model);
    let their = SvmModel::load(&their_model).unwrap();
    let params = SvmParams {
        class_weights: vec![(1, 4.0), (5, 0.25)],
        ..SvmParams::c_svc_rbf(1.0, 0.5)
    };
    let data = read_libsvm(&train).unwrap();
    let (xd, d) = data.to_dense();
    let ours = SvmModel::train(&xd, d, &data.labels, &params).unwrap();
    for (s, t) in ours.training_summaries().iter().zip(&theirs.objs) {
        assert!(
            (s.obj - t).abs() <= 1e-5 * t.abs() + 1e-6,
            "obj {} vs {t}",
            s.obj
        );
    }
    for (o, t) in ours.rho().iter().zip(their.rho()) {
        assert!((o - t).abs() <= 1e-3, "rho {o} vs {t}");
    }
    assert_eq!(ours.n_sv(), their.n_sv());
}

/// `-v 5`: LIBSVM's stratified folds drawn with glibc's `rand()` — the same folds give the
/// same cross-validation accuracy line.
#[test]
fn cross_validation_accuracy_matches_libsvm() {
    require_libsvm();
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = make_data(11, 200, 3, false);
    let train = dir.path().join("train");
    write_libsvm(&train, &x, 3, &y).unwrap();
    let out = run(Command::new("svm-train")
        .args(["-q", "-v", "5", "-c", "2", "-g", "0.5"])
        .arg(&train));
    let theirs: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("Cross Validation Accuracy = "))
        .expect("accuracy line")
        .trim_end_matches('%')
        .parse()
        .unwrap();
    let data = read_libsvm(&train).unwrap();
    let (xd, d) = data.to_dense();
    let pred =
        lepton::svm::cross_validation(&xd, d, &data.labels, &SvmParams::c_svc_rbf(2.0, 0.5), 5)
            .unwrap();
    let correct = pred
        .iter()
        .zip(&data.labels)
        .filter(|(a, b)| a == b)
        .count();
    let ours = 100.0 * correct as f64 / data.labels.len() as f64;
    assert!(
        (ours - theirs).abs() < 1e-9,
        "CV accuracy {ours}% vs LIBSVM {theirs}%"
    );
}
