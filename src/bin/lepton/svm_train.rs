//! `lepton svm-train`: LIBSVM's `svm-train`, same flags, defaults and output lines.
//!
//! The flags are LIBSVM's single-dash options with a separate value (`-c 10`, `-w1 5`), which
//! clap's derive does not model, so [`parse_train_args`] reads them by hand: each `-x` takes the
//! next argument as its value except `-q`; `-wLABEL` carries the label in the flag itself.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lepton::data::libsvm::read_libsvm;
use lepton::svm::printf::g;
use lepton::svm::{cross_validation, KernelType, SvmModel, SvmParams, SvmType};
use lepton::{Error, Result};
use std::path::Path;
use std::time::Duration;

/// Usage text of `lepton svm-train` (LIBSVM's options).
pub const TRAIN_USAGE: &str = "\
Usage: lepton svm-train [options] training_set_file [model_file]
options:
-s svm_type : set type of SVM (default 0)
	0 -- C-SVC		(multi-class classification)
	1 -- nu-SVC		(multi-class classification)
	2 -- one-class SVM
	3 -- epsilon-SVR	(regression)
	4 -- nu-SVR		(regression)
-t kernel_type : set type of kernel function (default 2)
	0 -- linear: u'*v
	1 -- polynomial: (gamma*u'*v + coef0)^degree
	2 -- radial basis function: exp(-gamma*|u-v|^2)
	3 -- sigmoid: tanh(gamma*u'*v + coef0)
-d degree : set degree in kernel function (default 3)
-g gamma : set gamma in kernel function (default 1/num_features)
-r coef0 : set coef0 in kernel function (default 0)
-c cost : set the parameter C of C-SVC, epsilon-SVR, and nu-SVR (default 1)
-n nu : set the parameter nu of nu-SVC, one-class SVM, and nu-SVR (default 0.5)
-p epsilon : set the epsilon in loss function of epsilon-SVR (default 0.1)
-m cachesize : set cache memory size in MB (default 100)
-e epsilon : set tolerance of termination criterion (default 0.001)
-h shrinking : whether to use the shrinking heuristics, 0 or 1 (default 1)
-b probability_estimates : whether to train a SVC or SVR model for probability estimates, 0 or 1 (default 0)
-wi weight : set the parameter C of class i to weight*C, for C-SVC (default 1)
-v n: n-fold cross validation mode
-q : quiet mode (no outputs)";

/// Arguments of `lepton svm-train`: LIBSVM-style, parsed by [`parse_train_args`].
#[derive(Args)]
#[command(disable_help_flag = true, override_usage = "lepton svm-train [options] training_set_file [model_file]", after_help = TRAIN_USAGE)]
pub struct SvmTrainArgs {
    /// LIBSVM options, then training_set_file [model_file].
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

/// What `svm-train`'s command line asks for.
#[derive(Debug, PartialEq)]
pub struct TrainCommand {
    /// Training parameters.
    pub params: SvmParams,
    /// `-v n`: cross-validation folds.
    pub cross_validation: Option<usize>,
    /// `-q`.
    pub quiet: bool,
    /// The training file.
    pub training_file: String,
    /// The model file (default: the training file's base name + `.model`).
    pub model_file: String,
}

fn bad(msg: String) -> Error {
    Error::InvalidArgument(format!("{msg}\n{TRAIN_USAGE}"))
}

fn value<T: std::str::FromStr>(flag: &str, v: Option<&String>, what: &str) -> Result<T> {
    let v = v.ok_or_else(|| bad(format!("option {flag} needs a value ({what})")))?;
    v.parse::<T>()
        .map_err(|_| bad(format!("option {flag}: expected {what}, found `{v}`")))
}

/// Parses LIBSVM's `svm-train` argument list (without the program name).
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown option, a missing or unparsable value, or a
/// missing training file.
pub fn parse_train_args(args: &[String]) -> Result<TrainCommand> {
    let mut p = SvmParams::default();
    let mut cv = None;
    let mut quiet = false;
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i].len() > 1 {
        let flag = args[i].as_str();
        let next = args.get(i + 1);
        i += 2;
        match flag {
            "-s" => {
                let code: i64 = value(flag, next, "an SVM type 0-4")?;
                p.svm_type = SvmType::from_code(code)
                    .ok_or_else(|| bad(format!("unknown svm type {code} (expected 0-4)")))?;
            }
            "-t" => {
                let code: i64 = value(flag, next, "a kernel type 0-3")?;
                p.kernel_type = KernelType::from_code(code)
                    .ok_or_else(|| bad(format!("unknown kernel type {code} (expected 0-3)")))?;
            }
            "-d" => p.degree = value(flag, next, "an integer degree")?,
            "-g" => {
                let gamma: f64 = value(flag, next, "a number")?;
                // LIBSVM: gamma 0 means "use 1/num_features".
                p.gamma = if gamma == 0.0 { None } else { Some(gamma) };
            }
            "-r" => p.coef0 = value(flag, next, "a number")?,
            "-c" => p.c = value(flag, next, "a number")?,
            "-n" => p.nu = value(flag, next, "a number")?,
            "-p" => p.p = value(flag, next, "a number")?,
            "-m" => p.cache_size_mb = value(flag, next, "a size in MB")?,
            "-e" => p.eps = value(flag, next, "a number")?,
            "-h" => {
                let h: u8 = value(flag, next, "0 or 1")?;
                if h > 1 {
                    return Err(bad(format!("option -h: expected 0 or 1, found {h}")));
                }
                p.shrinking = h == 1;
            }
            "-b" => {
                let b: u8 = value(flag, next, "0 or 1")?;
                if b > 1 {
                    return Err(bad(format!("option -b: expected 0 or 1, found {b}")));
                }
                p.probability = b == 1;
            }
            "-v" => {
                let n: usize = value(flag, next, "a number of folds")?;
                if n < 2 {
                    return Err(bad("n-fold cross validation: n must >= 2".into()));
                }
                cv = Some(n);
            }
            "-q" => {
                quiet = true;
                i -= 1;
            }
            _ if flag.starts_with("-w") => {
                let label: i32 = flag[2..]
                    .parse()
                    .map_err(|_| bad(format!("option {flag}: expected -w<integer label>")))?;
                let w: f64 = value(flag, next, "a weight")?;
                p.class_weights.push((label, w));
            }
            _ => return Err(bad(format!("unknown option: {flag}"))),
        }
    }
    let rest = &args[i.min(args.len())..];
    let training_file = match rest {
        [t] | [t, _] => t.clone(),
        [] => return Err(bad("missing training_set_file".into())),
        _ => return Err(bad(format!("too many arguments: {}", rest.join(" ")))),
    };
    let model_file = match rest.get(1) {
        Some(m) => m.clone(),
        None => {
            let base = Path::new(&training_file)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| training_file.clone());
            format!("{base}.model")
        }
    };
    Ok(TrainCommand {
        params: p,
        cross_validation: cv,
        quiet,
        training_file,
        model_file,
    })
}

/// Runs `lepton svm-train`.
pub fn run(args: SvmTrainArgs) -> Result<()> {
    let cmd = parse_train_args(&args.args)?;
    let data = read_libsvm(&cmd.training_file)?;
    if data.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{}: no training examples",
            cmd.training_file
        )));
    }
    let (x, d) = data.to_dense();
    let y = &data.labels;
    let mut params = cmd.params.clone();
    params.gamma = Some(params.gamma_for(d));
    params.check()?;

    if let Some(folds) = cmd.cross_validation {
        let spinner = progress(cmd.quiet, 0);
        let target = cross_validation(&x, d, y, &params, folds)?;
        spinner.finish_and_clear();
        let l = y.len() as f64;
        if params.svm_type.is_regression() {
            let (mut err, mut sv, mut sy, mut svv, mut syy, mut svy) =
                (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for (&v, &t) in target.iter().zip(y) {
                err += (v - t) * (v - t);
                sv += v;
                sy += t;
                svv += v * v;
                syy += t * t;
                svy += v * t;
            }
            println!("Cross Validation Mean squared error = {}", g(err / l));
            let r2 = ((l * svy - sv * sy) * (l * svy - sv * sy))
                / ((l * svv - sv * sv) * (l * syy - sy * sy));
            println!(
                "Cross Validation Squared correlation coefficient = {}",
                g(r2)
            );
        } else {
            let correct = target.iter().zip(y).filter(|(a, b)| a == b).count();
            println!(
                "Cross Validation Accuracy = {}%",
                g(100.0 * correct as f64 / l)
            );
        }
        return Ok(());
    }

    let bar = progress(cmd.quiet, 1);
    let report = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let model = SvmModel::train_with_progress(&x, d, y, &params, Some(&report))?;
    bar.finish_and_clear();
    if !cmd.quiet {
        for s in model.training_summaries() {
            if s.reached_max_iter {
                eprintln!("WARNING: reaching max number of iterations");
            }
            println!("optimization finished, #iter = {}", s.counters.iterations);
            match params.svm_type {
                SvmType::CSvc | SvmType::EpsilonSvr => {
                    println!("nu = {:.6}", s.nu_c_or_epsilon)
                }
                SvmType::NuSvc => println!("C = {:.6}", s.nu_c_or_epsilon),
                SvmType::NuSvr => println!("epsilon = {:.6}", s.nu_c_or_epsilon),
                SvmType::OneClass => {}
            }
            println!("obj = {:.6}, rho = {:.6}", s.obj, s.rho);
            println!("nSV = {}, nBSV = {}", s.n_sv, s.n_bsv);
        }
        if params.svm_type.is_classification() {
            println!("Total nSV = {}", model.total_sv());
        }
    }
    if std::env::var_os("LEPTON_SVM_COUNTERS").is_some() {
        print_counters(&model);
    }
    model.save(&cmd.model_file)
}

/// Where the time went, summed over sub-problems (set `LEPTON_SVM_COUNTERS=1`); printed to
/// stderr so the LIBSVM-format output stays unchanged.
fn print_counters(model: &SvmModel) {
    let mut c = lepton::svm::SolverCounters::default();
    for s in model.training_summaries() {
        let k = &s.counters;
        c.iterations += k.iterations;
        c.select_seconds += k.select_seconds;
        c.kernel_seconds += k.kernel_seconds;
        c.update_seconds += k.update_seconds;
        c.shrink_seconds += k.shrink_seconds;
        c.cache.hits += k.cache.hits;
        c.cache.misses += k.cache.misses;
        c.cache.entries_computed += k.cache.entries_computed;
    }
    eprintln!(
        "counters: iterations {} | seconds (summed over sub-problems): kernel columns {:.3}, selection {:.3}, update {:.3}, shrinking {:.3} | cache hits {} misses {} kernel entries computed {}",
        c.iterations,
        c.kernel_seconds,
        c.select_seconds,
        c.update_seconds,
        c.shrink_seconds,
        c.cache.hits,
        c.cache.misses,
        c.cache.entries_computed
    );
}

/// A progress bar over sub-problems on stderr (hidden with `-q` or when not a terminal).
fn progress(quiet: bool, len: u64) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} training {pos}/{len} sub-problems [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_libsvm_flags() {
        let c = parse_train_args(&args(
            "-s 0 -t 2 -c 10 -g 0.5 -w1 2 -w-1 0.5 -q -b 1 data.txt",
        ))
        .unwrap();
        assert_eq!(c.params.c, 10.0);
        assert_eq!(c.params.gamma, Some(0.5));
        assert_eq!(c.params.class_weights, vec![(1, 2.0), (-1, 0.5)]);
        assert!(c.quiet && c.params.probability);
        assert_eq!(c.model_file, "data.txt.model");
    }

    #[test]
    fn rejects_unknown_and_bad_values() {
        assert!(parse_train_args(&args("-z 1 d")).is_err());
        assert!(parse_train_args(&args("-c abc d")).is_err());
        assert!(parse_train_args(&args("-c")).is_err());
        assert!(parse_train_args(&args("-v 1 d")).is_err());
        assert!(parse_train_args(&args("-s 7 d")).is_err());
        assert!(parse_train_args(&args("-q")).is_err());
    }
}
