//! One-hot encoding of a [`CsvTable`]'s categorical columns into a numeric matrix.

use crate::data::{ColumnValues, CsvTable};
use crate::error::{Error, Result};
use std::collections::HashMap;

/// How one table column becomes output columns.
#[derive(Clone, Debug, PartialEq)]
pub enum EncodedColumn {
    /// A numeric column, passed through (missing → `NaN`): one output column.
    Numeric {
        /// The table column's name.
        name: String,
    },
    /// A categorical column: one output column per training level, 1 for the row's level and
    /// 0 elsewhere. A missing value or a level unseen in training gives all zeros.
    Categorical {
        /// The table column's name.
        name: String,
        /// The training levels, sorted.
        levels: Vec<String>,
    },
}

impl EncodedColumn {
    /// The table column's name.
    pub fn name(&self) -> &str {
        match self {
            EncodedColumn::Numeric { name } | EncodedColumn::Categorical { name, .. } => name,
        }
    }

    /// Output columns this column produces.
    pub fn width(&self) -> usize {
        match self {
            EncodedColumn::Numeric { .. } => 1,
            EncodedColumn::Categorical { levels, .. } => levels.len(),
        }
    }
}

/// A table encoded as a row-major `f32` matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedMatrix {
    /// `rows × names.len()` values, row-major; missing numerics are `NaN`.
    pub data: Vec<f32>,
    /// Output column names: the column name, or `name=level` for one-hot columns.
    pub names: Vec<String>,
}

impl EncodedMatrix {
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.names.len()
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.cols()).unwrap_or(0)
    }
}

/// Fitted one-hot encoding: the training table's columns, and the levels of each categorical
/// one.
#[derive(Clone, Debug, PartialEq)]
pub struct OneHotEncoder {
    /// One entry per table column, in table order.
    pub columns: Vec<EncodedColumn>,
}

impl OneHotEncoder {
    /// Records the columns of `table` and the levels of its categorical columns.
    pub fn fit(table: &CsvTable) -> Self {
        let columns = table
            .columns()
            .iter()
            .map(|c| match &c.values {
                ColumnValues::Numeric(_) => EncodedColumn::Numeric {
                    name: c.name.clone(),
                },
                ColumnValues::Categorical { levels, .. } => EncodedColumn::Categorical {
                    name: c.name.clone(),
                    levels: levels.clone(),
                },
            })
            .collect();
        OneHotEncoder { columns }
    }

    /// Output column names.
    pub fn output_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for c in &self.columns {
            match c {
                EncodedColumn::Numeric { name } => names.push(name.clone()),
                EncodedColumn::Categorical { name, levels } => {
                    names.extend(levels.iter().map(|l| format!("{name}={l}")))
                }
            }
        }
        names
    }

    /// Encodes `table`, whose columns are looked up by name (extra columns are ignored).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the table's file and the column if a fitted column is
    /// absent, or was numeric when fitted and is categorical now. (A column fitted as
    /// categorical that reads as numeric — a small file whose levels all look like numbers — is
    /// matched against the levels by numeric value.)
    pub fn transform(&self, table: &CsvTable) -> Result<EncodedMatrix> {
        let rows = table.n_rows();
        let names = self.output_names();
        let width = names.len();
        let mut data = vec![0.0f32; rows * width];
        let mut offset = 0;
        for enc in &self.columns {
            let col = table.column(enc.name()).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "{}: no column {:?}, which the encoder was fitted with",
                    table.path().display(),
                    enc.name()
                ))
            })?;
            match (enc, &col.values) {
                (EncodedColumn::Numeric { .. }, ColumnValues::Numeric(v)) => {
                    for (r, x) in v.iter().enumerate() {
                        data[r * width + offset] = x.map_or(f32::NAN, |x| x as f32);
                    }
                }
                (
                    EncodedColumn::Categorical { levels, .. },
                    ColumnValues::Categorical {
                        levels: table_levels,
                        codes,
                    },
                ) => {
                    let fitted: HashMap<&str, usize> = levels
                        .iter()
                        .enumerate()
                        .map(|(k, l)| (l.as_str(), k))
                        .collect();
                    // Map the table's level codes to the fitted levels (None = unseen).
                    let map: Vec<Option<usize>> = table_levels
                        .iter()
                        .map(|l| fitted.get(l.as_str()).copied())
                        .collect();
                    for (r, code) in codes.iter().enumerate() {
                        if let Some(k) = code.and_then(|c| map[c as usize]) {
                            data[r * width + offset + k] = 1.0;
                        }
                    }
                }
                (EncodedColumn::Categorical { levels, .. }, ColumnValues::Numeric(v)) => {
                    // Levels like "1", "2" read back as numbers from a smaller file: match by
                    // numeric value.
                    let fitted: HashMap<u64, usize> = levels
                        .iter()
                        .enumerate()
                        .filter_map(|(k, l)| {
                            l.trim()
                                .parse::<f64>()
                                .ok()
                                .map(|x| ((x + 0.0).to_bits(), k))
                        })
                        .collect();
                    for (r, x) in v.iter().enumerate() {
                        if let Some(&k) = x.and_then(|x| fitted.get(&(x + 0.0).to_bits())) {
                            data[r * width + offset + k] = 1.0;
                        }
                    }
                }
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "{}: column {:?} is {:?} but was {} when the encoder was fitted",
                        table.path().display(),
                        enc.name(),
                        col.values.column_type(),
                        match enc {
                            EncodedColumn::Numeric { .. } => "numeric",
                            EncodedColumn::Categorical { .. } => "categorical",
                        }
                    )))
                }
            }
            offset += enc.width();
        }
        Ok(EncodedMatrix { data, names })
    }
}
