//! [`Preprocessing`]: fitted steps in order, saved to and loaded from a small text format.
//!
//! ```text
//! lepton-preprocess 1
//! onehot <n>                        n table columns follow, each either
//! numeric <name>                      a numeric column, or
//! categorical <k> <name>              a categorical column and its k levels, one per line:
//! <level>
//! impute <n> <mean|median|most_frequent>
//! <fill>                            n lines
//! standardize <n>
//! <mean> <scale>                    n lines
//! minmax <n> <lower> <upper>
//! <min> <max>                       n lines
//! ```
//!
//! Steps appear in the order they are applied; `onehot`, if present, comes first. Names and
//! levels are the rest of their line with `\` written `\\`, newline `\n` and carriage return
//! `\r`. Numbers are written in Rust's shortest round-trip form, so a save/load round trip is
//! exact. Blank lines are ignored. The loader treats the file as untrusted: every problem is
//! an [`Error::Format`] naming the file, line and field.

use super::{
    EncodedColumn, EncodedMatrix, ImputeStrategy, Imputer, MinMaxScaler, OneHotEncoder,
    Standardizer,
};
use crate::data::{ColumnValues, CsvTable};
use crate::error::{Error, Location, Result};
use std::path::Path;

/// The first line of a parameter file.
pub const PREPROCESS_MAGIC: &str = "lepton-preprocess 1";

/// One fitted preprocessing step.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Table → matrix by one-hot encoding (must be the first step).
    OneHot(OneHotEncoder),
    /// Missing-value imputation.
    Impute(Imputer),
    /// Z-score standardisation.
    Standardize(Standardizer),
    /// Min-max scaling.
    MinMax(MinMaxScaler),
}

/// A sequence of fitted steps: fit them on training data, save them, load them and apply them
/// to test data.
///
/// ```
/// # fn main() -> lepton::Result<()> {
/// use lepton::preprocess::{Preprocessing, Standardizer, Step};
/// let train = [1.0f32, 10.0, 3.0, 10.0]; // 2 rows × 2 columns
/// let pre = Preprocessing { steps: vec![Step::Standardize(Standardizer::fit(&train, 2)?)] };
/// let text = pre.to_text();
/// let back = Preprocessing::parse_bytes(text.as_bytes(), "params.txt")?;
/// let mut test = vec![2.0f32, 11.0];
/// back.transform_matrix(&mut test, 2)?;
/// assert_eq!(test, [0.0, 1.0]); // (2 − 2)/1, (11 − 10)/1: column 2 is constant, only centred
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Preprocessing {
    /// The steps, in the order they are applied.
    pub steps: Vec<Step>,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next()? {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

impl Preprocessing {
    /// The parameter file's text.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut t = String::from(PREPROCESS_MAGIC);
        t.push('\n');
        for step in &self.steps {
            match step {
                Step::OneHot(e) => {
                    let _ = writeln!(t, "onehot {}", e.columns.len());
                    for c in &e.columns {
                        match c {
                            EncodedColumn::Numeric { name } => {
                                let _ = writeln!(t, "numeric {}", escape(name));
                            }
                            EncodedColumn::Categorical { name, levels } => {
                                let _ =
                                    writeln!(t, "categorical {} {}", levels.len(), escape(name));
                                for l in levels {
                                    let _ = writeln!(t, "{}", escape(l));
                                }
                            }
                        }
                    }
                }
                Step::Impute(i) => {
                    let _ = writeln!(t, "impute {} {}", i.fill.len(), i.strategy.name());
                    for f in &i.fill {
                        let _ = writeln!(t, "{f}");
                    }
                }
                Step::Standardize(s) => {
                    let _ = writeln!(t, "standardize {}", s.mean.len());
                    for (m, sc) in s.mean.iter().zip(&s.scale) {
                        let _ = writeln!(t, "{m} {sc}");
                    }
                }
                Step::MinMax(m) => {
                    let _ = writeln!(t, "minmax {} {} {}", m.min.len(), m.lower, m.upper);
                    for (lo, hi) in m.min.iter().zip(&m.max) {
                        let _ = writeln!(t, "{lo} {hi}");
                    }
                }
            }
        }
        t
    }

    /// Writes the parameter file atomically (temporary file, then rename).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::atomic_file::write_atomic(path.as_ref(), self.to_text().as_bytes())
    }

    /// Reads a parameter file.
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read; [`Error::Format`] as for
    /// [`parse_bytes`](Self::parse_bytes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse_bytes(&bytes, path)
    }

    /// Parses a parameter file's bytes; `name` is the path errors name. The entry point the
    /// fuzzer drives.
    ///
    /// # Errors
    /// [`Error::Format`] naming `name`, the line and (for a bad number) the field: bytes that
    /// are not UTF-8, a missing or different first line, an unknown step, a count or number
    /// that does not parse, a non-finite number, a scale `<= 0`, `min > max`,
    /// `lower >= upper`, an unknown imputation strategy, a bad escape, too few lines for a
    /// step's count, `onehot` after another step, or steps whose column counts do not chain.
    pub fn parse_bytes(bytes: &[u8], name: impl AsRef<Path>) -> Result<Self> {
        let path = name.as_ref();
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Error::format(
                path,
                Location::Line { line, column: None },
                "parameter file is not valid UTF-8",
            )
        })?;
        let mut lines = text
            .split('\n')
            .enumerate()
            .map(|(k, l)| (k + 1, l.strip_suffix('\r').unwrap_or(l)))
            .filter(|(_, l)| !l.trim().is_empty());
        let err = |line: usize, column: Option<usize>, msg: String| {
            Error::format(path, Location::Line { line, column }, msg)
        };
        match lines.next() {
            Some((_, l)) if l.trim_end() == PREPROCESS_MAGIC => {}
            Some((n, l)) => {
                return Err(err(
                    n,
                    None,
                    format!("expected {PREPROCESS_MAGIC:?} as the first line, found {l:?}"),
                ))
            }
            None => {
                return Err(Error::format(
                    path,
                    Location::File,
                    format!("empty file: expected {PREPROCESS_MAGIC:?}"),
                ))
            }
        }
        // A line's whitespace-separated fields, parsed as f32 (finite).
        let number = |line: usize, col: usize, s: &str| -> Result<f32> {
            s.parse::<f32>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    err(
                        line,
                        Some(col),
                        format!("expected a finite number, found {s:?}"),
                    )
                })
        };
        let count = |line: usize, col: usize, s: Option<&str>| -> Result<usize> {
            let s = s.ok_or_else(|| err(line, Some(col), "missing count".into()))?;
            s.parse::<usize>()
                .map_err(|_| err(line, Some(col), format!("expected a count, found {s:?}")))
        };
        let mut steps = Vec::new();
        let mut width: Option<usize> = None; // columns flowing out of the previous step
        while let Some((ln, line)) = lines.next() {
            let mut f = line.split_whitespace();
            let kind = f.next().unwrap_or_default();
            let mut next_line = |what: &str| {
                lines.next().ok_or_else(|| {
                    Error::format(
                        path,
                        Location::File,
                        format!(
                            "unexpected end of file: expected {what} for the step on line {ln}"
                        ),
                    )
                })
            };
            let step = match kind {
                "onehot" => {
                    if !steps.is_empty() {
                        return Err(err(ln, Some(1), "onehot must be the first step".into()));
                    }
                    let n = count(ln, 2, f.next())?;
                    let mut columns = Vec::new();
                    for _ in 0..n {
                        let (cl, c) = next_line("a column line")?;
                        let (tag, rest) = c.split_once(' ').unwrap_or((c, ""));
                        let bad_escape = |cl| {
                            err(
                                cl,
                                None,
                                "bad escape: only \\\\, \\n and \\r are allowed".into(),
                            )
                        };
                        match tag {
                            "numeric" => columns.push(EncodedColumn::Numeric {
                                name: unescape(rest).ok_or_else(|| bad_escape(cl))?,
                            }),
                            "categorical" => {
                                let (k, name) = rest.split_once(' ').unwrap_or((rest, ""));
                                let k = count(cl, 2, Some(k))?;
                                let name = unescape(name).ok_or_else(|| bad_escape(cl))?;
                                let mut levels = Vec::new();
                                for _ in 0..k {
                                    let (ll, l) = next_line("a level line")?;
                                    levels.push(unescape(l).ok_or_else(|| bad_escape(ll))?);
                                }
                                columns.push(EncodedColumn::Categorical { name, levels });
                            }
                            other => {
                                return Err(err(
                                    cl,
                                    Some(1),
                                    format!(
                                        "expected \"numeric\" or \"categorical\", found {other:?}"
                                    ),
                                ))
                            }
                        }
                    }
                    Step::OneHot(OneHotEncoder { columns })
                }
                "impute" => {
                    let n = count(ln, 2, f.next())?;
                    let s = f.next().unwrap_or_default();
                    let strategy = ImputeStrategy::from_name(s).ok_or_else(|| {
                        err(
                            ln,
                            Some(3),
                            format!("expected mean, median or most_frequent, found {s:?}"),
                        )
                    })?;
                    let mut fill = Vec::new();
                    for _ in 0..n {
                        let (vl, v) = next_line("a fill value")?;
                        fill.push(number(vl, 1, v.trim())?);
                    }
                    Step::Impute(Imputer { strategy, fill })
                }
                "standardize" => {
                    let n = count(ln, 2, f.next())?;
                    let (mut mean, mut scale) = (Vec::new(), Vec::new());
                    for _ in 0..n {
                        let (vl, v) = next_line("a \"mean scale\" line")?;
                        let mut p = v.split_whitespace();
                        let m = number(vl, 1, p.next().unwrap_or_default())?;
                        let s = number(vl, 2, p.next().unwrap_or_default())?;
                        if s <= 0.0 {
                            return Err(err(vl, Some(2), format!("scale must be > 0, found {s}")));
                        }
                        mean.push(m);
                        scale.push(s);
                    }
                    Step::Standardize(Standardizer { mean, scale })
                }
                "minmax" => {
                    let n = count(ln, 2, f.next())?;
                    let lower = number(ln, 3, f.next().unwrap_or_default())?;
                    let upper = number(ln, 4, f.next().unwrap_or_default())?;
                    if lower >= upper {
                        return Err(err(
                            ln,
                            Some(4),
                            format!("need lower < upper, found {lower} and {upper}"),
                        ));
                    }
                    let (mut min, mut max) = (Vec::new(), Vec::new());
                    for _ in 0..n {
                        let (vl, v) = next_line("a \"min max\" line")?;
                        let mut p = v.split_whitespace();
                        let lo = number(vl, 1, p.next().unwrap_or_default())?;
                        let hi = number(vl, 2, p.next().unwrap_or_default())?;
                        if lo > hi {
                            return Err(err(vl, Some(2), format!("min {lo} exceeds max {hi}")));
                        }
                        min.push(lo);
                        max.push(hi);
                    }
                    Step::MinMax(MinMaxScaler {
                        lower,
                        upper,
                        min,
                        max,
                    })
                }
                other => {
                    return Err(err(
                        ln,
                        Some(1),
                        format!(
                        "unknown step {other:?}: expected onehot, impute, standardize or minmax"
                    ),
                    ))
                }
            };
            let (inputs, outputs) = step_widths(&step);
            if let (Some(w), Some(i)) = (width, inputs) {
                if w != i {
                    return Err(err(
                        ln,
                        Some(2),
                        format!("step has {i} columns but the previous step produces {w}"),
                    ));
                }
            }
            width = Some(outputs);
            steps.push(step);
        }
        Ok(Preprocessing { steps })
    }

    /// Applies the matrix steps (all but `onehot`) in order to a `rows × cols` matrix.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the first step is `onehot` (use
    /// [`transform_table`](Self::transform_table)); [`Error::Shape`] if the widths differ.
    pub fn transform_matrix(&self, data: &mut [f32], cols: usize) -> Result<()> {
        for step in &self.steps {
            match step {
                Step::OneHot(_) => {
                    return Err(Error::InvalidArgument(
                        "this preprocessing starts with one-hot encoding: apply it to a table"
                            .into(),
                    ))
                }
                Step::Impute(s) => s.transform(data, cols)?,
                Step::Standardize(s) => s.transform(data, cols)?,
                Step::MinMax(s) => s.transform(data, cols)?,
            }
        }
        Ok(())
    }

    /// Applies every step to a table: `onehot` if it is the first step, otherwise the table's
    /// columns (which must then all be numeric) as they are; then the matrix steps.
    ///
    /// # Errors
    /// As for [`OneHotEncoder::transform`] and [`transform_matrix`](Self::transform_matrix);
    /// [`Error::InvalidArgument`] for a categorical column without a `onehot` step.
    pub fn transform_table(&self, table: &CsvTable) -> Result<EncodedMatrix> {
        let (mut m, rest) = match self.steps.first() {
            Some(Step::OneHot(e)) => (e.transform(table)?, &self.steps[1..]),
            _ => (numeric_matrix(table)?, &self.steps[..]),
        };
        let cols = m.cols();
        if cols > 0 {
            Preprocessing {
                steps: rest.to_vec(),
            }
            .transform_matrix(&mut m.data, cols)?;
        }
        Ok(m)
    }
}

/// The (input, output) column counts of a step; `None` input for one-hot (a table).
fn step_widths(step: &Step) -> (Option<usize>, usize) {
    match step {
        Step::OneHot(e) => (None, e.columns.iter().map(|c| c.width()).sum()),
        Step::Impute(s) => (Some(s.cols()), s.cols()),
        Step::Standardize(s) => (Some(s.cols()), s.cols()),
        Step::MinMax(s) => (Some(s.cols()), s.cols()),
    }
}

/// An all-numeric table as a row-major matrix (missing → `NaN`).
///
/// # Errors
/// [`Error::InvalidArgument`] naming the first categorical column.
pub fn numeric_matrix(table: &CsvTable) -> Result<EncodedMatrix> {
    let (rows, cols) = (table.n_rows(), table.n_cols());
    let mut data = vec![0.0; rows * cols];
    for (c, col) in table.columns().iter().enumerate() {
        match &col.values {
            ColumnValues::Numeric(v) => {
                for (r, x) in v.iter().enumerate() {
                    data[r * cols + c] = x.map_or(f32::NAN, |x| x as f32);
                }
            }
            ColumnValues::Categorical { .. } => {
                return Err(Error::InvalidArgument(format!(
                    "{}: column {:?} is categorical: one-hot encode it first",
                    table.path().display(),
                    col.name
                )))
            }
        }
    }
    Ok(EncodedMatrix {
        data,
        names: table.columns().iter().map(|c| c.name.clone()).collect(),
    })
}
