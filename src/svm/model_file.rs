//! LIBSVM's text model format, read and written.
//!
//! ```text
//! svm_type c_svc            one of c_svc nu_svc one_class epsilon_svr nu_svr
//! kernel_type rbf           one of linear polynomial rbf sigmoid
//! degree 3                  polynomial only
//! gamma 0.5                 polynomial, rbf, sigmoid
//! coef0 0                   polynomial, sigmoid
//! nr_class 3
//! total_sv 7
//! rho r01 r02 r12           nr_class·(nr_class−1)/2 values (1 for one-class / SVR)
//! label 1 2 3               classification
//! probA a01 a02 a12         optional (1 value, σ, for SVR)
//! probB b01 b02 b12         optional, classification
//! nr_sv 3 2 2               classification: SVs per class, in label order
//! SV
//! c_1 … c_{nr_class−1} idx:val idx:val …     one line per support vector
//! ```
//!
//! Reading is a parser of outside bytes: every problem is an [`Error::Format`] naming the file,
//! the line (and the field), and what was expected. Support vectors are stored densely, so the
//! reader refuses models whose dense size would exceed [`MAX_DENSE_ENTRIES`].

use super::kernel::Kernel;
use super::model::SvmModel;
use super::params::{KernelType, SvmType};
use super::printf::g17;
use crate::error::{Error, Location, Result};
use std::io::Write;
use std::path::Path;

/// Largest `total_sv × n_features` a model file may describe (2²⁷ `f32`s, 512 MiB).
pub const MAX_DENSE_ENTRIES: usize = 1 << 27;

/// Largest number of classes accepted from a file.
const MAX_CLASSES: usize = 1 << 16;

fn format_value(v: f32) -> String {
    let s = format!("{v:?}");
    match s.strip_suffix(".0") {
        Some(t) => t.to_string(),
        None => s,
    }
}

impl SvmModel {
    /// The model in LIBSVM's text format.
    pub fn to_libsvm_string(&self) -> String {
        let mut out = String::new();
        let k = &self.kernel;
        out += &format!("svm_type {}\n", self.svm_type.name());
        out += &format!("kernel_type {}\n", k.kernel_type.name());
        if k.kernel_type == KernelType::Polynomial {
            out += &format!("degree {}\n", k.degree);
        }
        if k.kernel_type != KernelType::Linear {
            out += &format!("gamma {}\n", g17(k.gamma));
        }
        if matches!(k.kernel_type, KernelType::Polynomial | KernelType::Sigmoid) {
            out += &format!("coef0 {}\n", g17(k.coef0));
        }
        out += &format!("nr_class {}\n", self.nr_class);
        out += &format!("total_sv {}\n", self.total_sv());
        let list = |name: &str, v: &[f64]| -> String {
            let mut s = name.to_string();
            for x in v {
                s += " ";
                s += &g17(*x);
            }
            s + "\n"
        };
        out += &list("rho", &self.rho);
        if self.svm_type.is_classification() {
            out += "label";
            for l in &self.labels {
                out += &format!(" {l}");
            }
            out += "\n";
        }
        if !self.prob_a.is_empty() {
            out += &list("probA", &self.prob_a);
        }
        if !self.prob_b.is_empty() {
            out += &list("probB", &self.prob_b);
        }
        if self.svm_type.is_classification() {
            out += "nr_sv";
            for n in &self.n_sv {
                out += &format!(" {n}");
            }
            out += "\n";
        }
        out += "SV\n";
        for s in 0..self.total_sv() {
            for coef in &self.sv_coef {
                out += &g17(coef[s]);
                out += " ";
            }
            for (f, &v) in self.support_vector(s).iter().enumerate() {
                if v != 0.0 {
                    out += &format!("{}:{} ", f + 1, format_value(v));
                }
            }
            out += "\n";
        }
        out
    }

    /// Writes the model to `path` in LIBSVM's format, atomically (temporary file + rename).
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(self.to_libsvm_string().as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(path, e)
        })
    }

    /// Reads a LIBSVM model file (ours or `svm-train`'s).
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read, [`Error::Format`] naming the line if it is malformed.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&bytes, path)
    }

    /// Parses a model from bytes; `name` is used in error messages.
    ///
    /// # Errors
    /// [`Error::Format`] naming the line and field if the bytes are not a valid model.
    pub fn parse(bytes: &[u8], name: impl AsRef<Path>) -> Result<Self> {
        Parser {
            name: name.as_ref(),
        }
        .parse(bytes)
    }
}

struct Parser<'n> {
    name: &'n Path,
}

#[derive(Default)]
struct Header {
    svm_type: Option<SvmType>,
    kernel_type: Option<KernelType>,
    degree: Option<i32>,
    gamma: Option<f64>,
    coef0: Option<f64>,
    nr_class: Option<usize>,
    total_sv: Option<usize>,
    rho: Option<Vec<f64>>,
    label: Option<Vec<i32>>,
    prob_a: Option<Vec<f64>>,
    prob_b: Option<Vec<f64>>,
    nr_sv: Option<Vec<usize>>,
}

impl Parser<'_> {
    fn err(&self, line: usize, column: Option<usize>, msg: impl Into<String>) -> Error {
        Error::format(self.name, Location::Line { line, column }, msg)
    }

    fn num<T: std::str::FromStr>(&self, s: &str, line: usize, col: usize, what: &str) -> Result<T> {
        s.parse::<T>()
            .map_err(|_| self.err(line, Some(col), format!("expected {what}, found `{s}`")))
    }

    fn float(&self, s: &str, line: usize, col: usize, what: &str) -> Result<f64> {
        let v: f64 = self.num(s, line, col, what)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.err(
                line,
                Some(col),
                format!("expected a finite {what}, found `{s}`"),
            ))
        }
    }

    fn parse(&self, bytes: &[u8]) -> Result<SvmModel> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            self.err(line, None, "the model file is not valid UTF-8 text")
        })?;
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        let mut h = Header::default();
        let mut sv_line = None;
        for (no, line) in lines.by_ref() {
            let mut fields = line.split_ascii_whitespace();
            let Some(key) = fields.next() else {
                return Err(self.err(no, None, "empty line in the model header"));
            };
            let rest: Vec<&str> = fields.collect();
            let one = |what: &str| -> Result<&str> {
                match rest.as_slice() {
                    [v] => Ok(*v),
                    _ => Err(self.err(no, None, format!("`{key}` takes one value: {what}"))),
                }
            };
            let floats = |h_name: &str| -> Result<Vec<f64>> {
                rest.iter()
                    .enumerate()
                    .map(|(c, s)| self.float(s, no, c + 2, &format!("a number in `{h_name}`")))
                    .collect()
            };
            match key {
                "svm_type" => {
                    let v = one("the SVM type")?;
                    h.svm_type = Some(SvmType::from_name(v).ok_or_else(|| {
                        self.err(no, Some(2), format!("unknown svm_type `{v}` (expected c_svc, nu_svc, one_class, epsilon_svr or nu_svr)"))
                    })?);
                }
                "kernel_type" => {
                    let v = one("the kernel type")?;
                    h.kernel_type = Some(KernelType::from_name(v).ok_or_else(|| {
                        self.err(no, Some(2), format!("unknown kernel_type `{v}` (expected linear, polynomial, rbf or sigmoid)"))
                    })?);
                }
                "degree" => {
                    h.degree = Some(self.num(one("an integer")?, no, 2, "an integer degree")?)
                }
                "gamma" => h.gamma = Some(self.float(one("a number")?, no, 2, "gamma")?),
                "coef0" => h.coef0 = Some(self.float(one("a number")?, no, 2, "coef0")?),
                "nr_class" => {
                    let k: usize = self.num(one("an integer")?, no, 2, "a class count")?;
                    if !(1..=MAX_CLASSES).contains(&k) {
                        return Err(self.err(
                            no,
                            Some(2),
                            format!("nr_class {k} is out of range 1..={MAX_CLASSES}"),
                        ));
                    }
                    h.nr_class = Some(k);
                }
                "total_sv" => {
                    h.total_sv =
                        Some(self.num(one("an integer")?, no, 2, "a count of support vectors")?)
                }
                "rho" => h.rho = Some(floats("rho")?),
                "probA" => h.prob_a = Some(floats("probA")?),
                "probB" => h.prob_b = Some(floats("probB")?),
                "label" => {
                    h.label = Some(
                        rest.iter()
                            .enumerate()
                            .map(|(c, s)| self.num(s, no, c + 2, "an integer label"))
                            .collect::<Result<_>>()?,
                    )
                }
                "nr_sv" => {
                    h.nr_sv = Some(
                        rest.iter()
                            .enumerate()
                            .map(|(c, s)| self.num(s, no, c + 2, "a count of support vectors"))
                            .collect::<Result<_>>()?,
                    )
                }
                "SV" => {
                    if !rest.is_empty() {
                        return Err(self.err(no, Some(2), "`SV` stands alone on its line"));
                    }
                    sv_line = Some(no);
                    break;
                }
                other => {
                    return Err(self.err(no, Some(1), format!("unknown header `{other}`")));
                }
            }
        }
        let Some(sv_no) = sv_line else {
            let last = text.lines().count();
            return Err(self.err(
                last.max(1),
                None,
                "missing `SV` line: the header never ends",
            ));
        };
        let missing =
            |what: &str| self.err(sv_no, None, format!("missing header `{what}` before `SV`"));
        let svm_type = h.svm_type.ok_or_else(|| missing("svm_type"))?;
        let kernel_type = h.kernel_type.ok_or_else(|| missing("kernel_type"))?;
        let nr_class = h.nr_class.ok_or_else(|| missing("nr_class"))?;
        let total_sv = h.total_sv.ok_or_else(|| missing("total_sv"))?;
        let rho = h.rho.ok_or_else(|| missing("rho"))?;
        let degree = match kernel_type {
            KernelType::Polynomial => h.degree.ok_or_else(|| missing("degree"))?,
            _ => h.degree.unwrap_or(3),
        };
        let gamma = match kernel_type {
            KernelType::Linear => h.gamma.unwrap_or(0.0),
            _ => h.gamma.ok_or_else(|| missing("gamma"))?,
        };
        let coef0 = match kernel_type {
            KernelType::Polynomial | KernelType::Sigmoid => {
                h.coef0.ok_or_else(|| missing("coef0"))?
            }
            _ => h.coef0.unwrap_or(0.0),
        };
        let classification = svm_type.is_classification();
        let n_pairs = nr_class * (nr_class - 1) / 2;
        let bad = |msg: String| self.err(sv_no, None, msg);
        let (labels, n_sv) = if classification {
            if nr_class < 2 {
                return Err(bad(format!(
                    "a classifier needs nr_class >= 2, found {nr_class}"
                )));
            }
            let labels = h.label.ok_or_else(|| missing("label"))?;
            let n_sv = h.nr_sv.ok_or_else(|| missing("nr_sv"))?;
            if labels.len() != nr_class {
                return Err(bad(format!(
                    "`label` has {} values, nr_class is {nr_class}",
                    labels.len()
                )));
            }
            if n_sv.len() != nr_class {
                return Err(bad(format!(
                    "`nr_sv` has {} values, nr_class is {nr_class}",
                    n_sv.len()
                )));
            }
            let sum = n_sv.iter().try_fold(0usize, |a, &b| a.checked_add(b));
            if sum != Some(total_sv) {
                return Err(bad(format!(
                    "`nr_sv` does not add up to total_sv {total_sv}"
                )));
            }
            (labels, n_sv)
        } else {
            if nr_class != 2 {
                return Err(bad(format!(
                    "{} models have nr_class 2, found {nr_class}",
                    svm_type.name()
                )));
            }
            (Vec::new(), Vec::new())
        };
        let want_rho = if classification { n_pairs } else { 1 };
        if rho.len() != want_rho {
            return Err(bad(format!(
                "`rho` has {} values, expected {want_rho}",
                rho.len()
            )));
        }
        let prob_a = h.prob_a.unwrap_or_default();
        let prob_b = h.prob_b.unwrap_or_default();
        if classification {
            if !prob_a.is_empty() && prob_a.len() != n_pairs
                || !prob_b.is_empty() && prob_b.len() != n_pairs
            {
                return Err(bad(format!("`probA`/`probB` must have {n_pairs} values")));
            }
        } else if prob_a.len() > 1 || !prob_b.is_empty() {
            return Err(bad(
                "`probA` of a one-class/regression model is one value, without `probB`".into(),
            ));
        }

        // Support vectors.
        let n_coef = if classification { nr_class - 1 } else { 1 };
        let mut sv_coef: Vec<Vec<f64>> = vec![Vec::new(); n_coef];
        let mut sparse: Vec<Vec<(usize, f32)>> = Vec::new();
        let mut n_features = 0usize;
        for (no, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            if sparse.len() == total_sv {
                return Err(self.err(
                    no,
                    None,
                    format!("more support vectors than total_sv {total_sv}"),
                ));
            }
            let mut fields = line.split_ascii_whitespace().enumerate();
            for coef in sv_coef.iter_mut() {
                let Some((c, s)) = fields.next() else {
                    return Err(self.err(
                        no,
                        None,
                        format!("expected {n_coef} coefficients before the features"),
                    ));
                };
                coef.push(self.float(s, no, c + 1, "a coefficient")?);
            }
            let mut row = Vec::new();
            let mut last = 0usize;
            for (c, field) in fields {
                let col = c + 1;
                let Some((i, v)) = field.split_once(':') else {
                    return Err(self.err(
                        no,
                        Some(col),
                        format!("expected `index:value`, found `{field}`"),
                    ));
                };
                let idx: usize = self.num(i, no, col, "a feature index")?;
                if idx == 0 || idx <= last {
                    return Err(self.err(
                        no,
                        Some(col),
                        format!(
                            "feature index {idx} must be >= 1 and above the previous one ({last})"
                        ),
                    ));
                }
                let val = self.float(v, no, col, "a feature value")? as f32;
                if !val.is_finite() {
                    return Err(self.err(
                        no,
                        Some(col),
                        format!("feature value `{v}` overflows f32"),
                    ));
                }
                last = idx;
                row.push((idx, val));
            }
            n_features = n_features.max(last);
            if n_features.saturating_mul(total_sv) > MAX_DENSE_ENTRIES {
                return Err(self.err(no, None, format!("{total_sv} support vectors × {n_features} features exceed the dense limit of {MAX_DENSE_ENTRIES} values")));
            }
            sparse.push(row);
        }
        if sparse.len() != total_sv {
            let last = text.lines().count();
            return Err(self.err(
                last.max(1),
                None,
                format!(
                    "found {} support vectors, total_sv says {total_sv}",
                    sparse.len()
                ),
            ));
        }
        let mut sv = vec![0.0f32; total_sv * n_features];
        for (s, row) in sparse.iter().enumerate() {
            for &(i, v) in row {
                sv[s * n_features + i - 1] = v;
            }
        }
        if total_sv == 0 {
            sv_coef = vec![Vec::new(); n_coef];
        }
        Ok(SvmModel {
            svm_type,
            kernel: Kernel {
                kernel_type,
                degree,
                gamma,
                coef0,
            },
            nr_class,
            n_features,
            sv,
            sv_coef,
            rho,
            labels,
            n_sv,
            prob_a,
            prob_b,
            sv_indices: Vec::new(),
            summaries: Vec::new(),
        })
    }
}
