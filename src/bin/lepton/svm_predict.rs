//! `lepton svm-predict [-b 0|1] [-q] test_file model_file output_file`: LIBSVM's `svm-predict`.

use clap::Args;
use lepton::data::libsvm::read_libsvm;
use lepton::svm::printf::{g, g17};
use lepton::svm::SvmModel;
use lepton::{Error, Result};
use std::io::Write;

/// Usage text of `lepton svm-predict`.
pub const PREDICT_USAGE: &str = "\
Usage: lepton svm-predict [options] test_file model_file output_file
options:
-b probability_estimates: whether to predict probability estimates, 0 or 1 (default 0); for one-class SVM only 0 is supported
-q : quiet mode (no outputs)";

/// Arguments of `lepton svm-predict` (LIBSVM-style, parsed by hand).
#[derive(Args)]
#[command(disable_help_flag = true, override_usage = "lepton svm-predict [-b 0|1] [-q] test_file model_file output_file", after_help = PREDICT_USAGE)]
pub struct SvmPredictArgs {
    /// Options, then test_file model_file output_file.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

fn bad(msg: String) -> Error {
    Error::InvalidArgument(format!("{msg}\n{PREDICT_USAGE}"))
}

/// Runs `lepton svm-predict`.
pub fn run(args: SvmPredictArgs) -> Result<()> {
    let a = &args.args;
    let mut probability = false;
    let mut quiet = false;
    let mut i = 0;
    while i < a.len() && a[i].starts_with('-') && a[i].len() > 1 {
        match a[i].as_str() {
            "-b" => {
                probability = match a.get(i + 1).map(String::as_str) {
                    Some("0") => false,
                    Some("1") => true,
                    other => {
                        return Err(bad(format!(
                            "option -b: expected 0 or 1, found {}",
                            other.unwrap_or("nothing")
                        )))
                    }
                };
                i += 2;
            }
            "-q" => {
                quiet = true;
                i += 1;
            }
            f => return Err(bad(format!("unknown option: {f}"))),
        }
    }
    let [test_file, model_file, output_file] = &a[i..] else {
        return Err(bad("expected test_file model_file output_file".into()));
    };
    let model = SvmModel::load(model_file)?;
    if probability && !model.has_probability() {
        return Err(Error::InvalidArgument(format!(
            "{model_file}: model does not support probability estimates"
        )));
    }
    if !probability && model.has_probability() && model.svm_type().is_classification() && !quiet {
        println!("Model supports probability estimates, but disabled in prediction.");
    }
    let data = read_libsvm(test_file)?;
    let (x, d) = data.to_dense();
    let regression = model.svm_type().is_regression();
    let mut out = String::new();
    let preds: Vec<f64> = if probability && model.svm_type().is_classification() {
        out += "labels";
        for l in model.labels() {
            out += &format!(" {l}");
        }
        out += "\n";
        let res = model.predict_probability_batch(&x, d)?;
        for (label, probs) in &res {
            out += &g(*label);
            for p in probs {
                out += " ";
                out += &g(*p);
            }
            out += "\n";
        }
        res.into_iter().map(|(l, _)| l).collect()
    } else {
        if probability && regression && !quiet {
            if let Some(sigma) = model.svr_laplace_sigma() {
                println!("Prob. model for test data: target value = predicted value + z,\nz: Laplace distribution e^(-|z|/sigma)/(2sigma),sigma={}", g(sigma));
            }
        }
        let p = model.predict_batch(&x, d)?;
        for v in &p {
            out += &g17(*v);
            out += "\n";
        }
        p
    };
    std::fs::File::create(output_file)
        .and_then(|mut f| f.write_all(out.as_bytes()))
        .map_err(|e| Error::io(output_file, e))?;

    let n = preds.len();
    if quiet {
        return Ok(());
    }
    if regression {
        let l = n as f64;
        let (mut err, mut sv, mut sy, mut svv, mut syy, mut svy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (&v, &t) in preds.iter().zip(&data.labels) {
            err += (v - t) * (v - t);
            sv += v;
            sy += t;
            svv += v * v;
            syy += t * t;
            svy += v * t;
        }
        println!("Mean squared error = {} (regression)", g(err / l));
        let r2 = ((l * svy - sv * sy) * (l * svy - sv * sy))
            / ((l * svv - sv * sv) * (l * syy - sy * sy));
        println!("Squared correlation coefficient = {} (regression)", g(r2));
    } else {
        let correct = preds
            .iter()
            .zip(&data.labels)
            .filter(|(p, t)| p == t)
            .count();
        println!(
            "Accuracy = {}% ({correct}/{n}) (classification)",
            g(100.0 * correct as f64 / n.max(1) as f64)
        );
    }
    Ok(())
}
