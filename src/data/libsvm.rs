//! LIBSVM's sparse text format: one example per line, `label index:value index:value …`.
//!
//! Indices are 1-based and strictly ascending within a line; features not listed are 0. The
//! label is a number (a class label or a regression target). Lines that are empty or contain
//! only whitespace are skipped (LIBSVM rejects them; accepting a trailing blank line is
//! friendlier). Everything else that does not fit is an [`Error::Format`] naming the file, the
//! 1-based line and the 1-based field (the label is field 1).
//!
//! [`LibsvmData`] keeps the data sparse (compressed rows). [`LibsvmData::to_dense`] expands it
//! into an `n × d` row-major `f32` matrix, which costs `4·n·d` bytes however sparse the file is:
//! 60,000 × 784 Fashion-MNIST images take 188 MB dense; a text-classification set with 10⁶
//! features would not fit — densify only data whose width is moderate.

use crate::error::{Error, Location, Result};
use std::io::Write;
use std::path::Path;

/// A LIBSVM-format data set in compressed sparse rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LibsvmData {
    /// One label per example.
    pub labels: Vec<f64>,
    /// Example `i`'s features are `indices[row_offsets[i]..row_offsets[i + 1]]` (`n + 1` values).
    pub row_offsets: Vec<usize>,
    /// 1-based feature indices, ascending within each example.
    pub indices: Vec<u32>,
    /// Feature values, parallel to `indices`.
    pub values: Vec<f32>,
}

impl LibsvmData {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True if there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The largest feature index present (0 if there are no features): the dense width.
    pub fn max_index(&self) -> usize {
        self.indices.iter().copied().max().unwrap_or(0) as usize
    }

    /// Example `i` as `(1-based indices, values)`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.row_offsets[i], self.row_offsets[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// The dense `n × n_features` row-major matrix; features with index above `n_features` are
    /// dropped. Memory: `4 · n · n_features` bytes.
    pub fn to_dense_with_width(&self, n_features: usize) -> Vec<f32> {
        let mut x = vec![0.0f32; self.len() * n_features];
        for i in 0..self.len() {
            let (idx, val) = self.row(i);
            for (&f, &v) in idx.iter().zip(val) {
                let f = f as usize;
                if f <= n_features {
                    x[i * n_features + f - 1] = v;
                }
            }
        }
        x
    }

    /// The dense `n × max_index()` matrix and its width. Memory: `4 · n · max_index()` bytes.
    pub fn to_dense(&self) -> (Vec<f32>, usize) {
        let d = self.max_index();
        (self.to_dense_with_width(d), d)
    }
}

/// Reads a LIBSVM-format file.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] (file, line, field) if a line is
/// malformed.
pub fn read_libsvm(path: impl AsRef<Path>) -> Result<LibsvmData> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_libsvm(&bytes, path)
}

/// Parses LIBSVM-format bytes; `name` is the file name used in errors.
///
/// # Errors
/// [`Error::Format`] naming the line and field: invalid UTF-8, an unparsable label or value,
/// a field without `:`, an index that is 0, not an integer, or not above the previous one, or a
/// non-finite number.
pub fn parse_libsvm(bytes: &[u8], name: impl AsRef<Path>) -> Result<LibsvmData> {
    let name = name.as_ref();
    let err = |line: usize, col: Option<usize>, msg: String| {
        Error::format(name, Location::Line { line, column: col }, msg)
    };
    let mut data = LibsvmData {
        row_offsets: vec![0],
        ..Default::default()
    };
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let no = i + 1;
        let line = std::str::from_utf8(raw)
            .map_err(|_| err(no, None, "line is not valid UTF-8 text".into()))?;
        let mut fields = line.split_ascii_whitespace();
        let Some(label) = fields.next() else {
            continue;
        };
        let y: f64 = label.parse().map_err(|_| {
            err(
                no,
                Some(1),
                format!("expected a numeric label, found `{label}`"),
            )
        })?;
        if !y.is_finite() {
            return Err(err(no, Some(1), format!("label `{label}` is not finite")));
        }
        let mut last = 0u32;
        for (c, field) in fields.enumerate() {
            let col = Some(c + 2);
            let Some((idx, val)) = field.split_once(':') else {
                return Err(err(
                    no,
                    col,
                    format!("expected `index:value`, found `{field}`"),
                ));
            };
            let idx: u32 = idx.parse().map_err(|_| {
                err(
                    no,
                    col,
                    format!("expected a positive integer index, found `{idx}`"),
                )
            })?;
            if idx == 0 {
                return Err(err(no, col, "feature indices start at 1, found 0".into()));
            }
            if idx <= last {
                return Err(err(
                    no,
                    col,
                    format!("feature index {idx} is not above the previous one ({last}): indices must be strictly ascending"),
                ));
            }
            let v: f32 = val.parse().map_err(|_| {
                err(
                    no,
                    col,
                    format!("expected a numeric value after `{idx}:`, found `{val}`"),
                )
            })?;
            if !v.is_finite() {
                return Err(err(no, col, format!("value `{val}` is not a finite f32")));
            }
            last = idx;
            data.indices.push(idx);
            data.values.push(v);
        }
        data.labels.push(y);
        data.row_offsets.push(data.indices.len());
    }
    Ok(data)
}

/// Writes the dense `n × n_features` matrix `x` with `labels` in LIBSVM format (zeros omitted;
/// values and labels printed so they read back exactly).
///
/// # Errors
/// [`Error::Shape`] if `x.len() != labels.len() · n_features`; [`Error::Io`] on write failure.
pub fn write_libsvm(
    path: impl AsRef<Path>,
    x: &[f32],
    n_features: usize,
    labels: &[f64],
) -> Result<()> {
    let path = path.as_ref();
    if x.len() != labels.len() * n_features {
        return Err(Error::Shape {
            op: "write_libsvm",
            lhs: vec![x.len()],
            rhs: vec![labels.len(), n_features],
            expected: "x holds labels.len() × n_features values".into(),
        });
    }
    let mut out = String::new();
    for (i, &y) in labels.iter().enumerate() {
        out += &format!("{y}");
        for (f, &v) in x[i * n_features..(i + 1) * n_features].iter().enumerate() {
            if v != 0.0 {
                out += &format!(" {}:{v}", f + 1);
            }
        }
        out += "\n";
    }
    let mut f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(out.as_bytes()).map_err(|e| Error::io(path, e))
}
