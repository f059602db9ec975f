//! Missing-value imputation.

use super::matrix::{column_values, rows_of, same_width};
use crate::error::{Error, Result};

/// What a missing value is replaced by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImputeStrategy {
    /// The mean of the present training values.
    Mean,
    /// The median of the present training values (the mean of the two middle ones for an
    /// even count).
    Median,
    /// The most frequent present training value (the smallest one on a tie).
    MostFrequent,
}

impl ImputeStrategy {
    /// The name used in parameter files: `mean`, `median`, `most_frequent`.
    pub fn name(self) -> &'static str {
        match self {
            ImputeStrategy::Mean => "mean",
            ImputeStrategy::Median => "median",
            ImputeStrategy::MostFrequent => "most_frequent",
        }
    }

    /// Parses [`name`](Self::name)'s output.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "mean" => Some(ImputeStrategy::Mean),
            "median" => Some(ImputeStrategy::Median),
            "most_frequent" => Some(ImputeStrategy::MostFrequent),
            _ => None,
        }
    }
}

/// Replaces missing values (`NaN`) column by column with a value fitted on training data.
#[derive(Clone, Debug, PartialEq)]
pub struct Imputer {
    /// How `fill` was computed.
    pub strategy: ImputeStrategy,
    /// Per-column replacement value.
    pub fill: Vec<f32>,
}

impl Imputer {
    /// Fits on a row-major `rows × cols` matrix whose missing entries are `NaN`.
    ///
    /// # Errors
    /// [`Error::Shape`] if `data` is not whole rows; [`Error::InvalidArgument`] if a column has
    /// no present value (nothing to impute from).
    pub fn fit(data: &[f32], cols: usize, strategy: ImputeStrategy) -> Result<Self> {
        rows_of("Imputer::fit", data, cols)?;
        let mut fill = Vec::with_capacity(cols);
        for c in 0..cols {
            let mut v: Vec<f32> = column_values(data, cols, c).collect();
            if v.is_empty() {
                return Err(Error::InvalidArgument(format!(
                    "Imputer::fit: column {c} has no present values"
                )));
            }
            let value = match strategy {
                ImputeStrategy::Mean => {
                    (v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64) as f32
                }
                ImputeStrategy::Median => {
                    v.sort_by(f32::total_cmp);
                    let n = v.len();
                    if n % 2 == 1 {
                        v[n / 2]
                    } else {
                        ((v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0) as f32
                    }
                }
                ImputeStrategy::MostFrequent => {
                    v.sort_by(f32::total_cmp);
                    let (mut best, mut best_n) = (v[0], 0);
                    let mut k = 0;
                    while k < v.len() {
                        let run = v[k..].iter().take_while(|&&x| x == v[k]).count();
                        if run > best_n {
                            (best, best_n) = (v[k], run);
                        }
                        k += run;
                    }
                    best
                }
            };
            fill.push(value);
        }
        Ok(Imputer { strategy, fill })
    }

    /// Number of columns fitted.
    pub fn cols(&self) -> usize {
        self.fill.len()
    }

    /// Replaces every `NaN` in column `c` by `fill[c]`, in place.
    ///
    /// # Errors
    /// [`Error::Shape`] if `data` is not whole rows of the fitted width.
    pub fn transform(&self, data: &mut [f32], cols: usize) -> Result<()> {
        rows_of("Imputer::transform", data, cols)?;
        same_width("Imputer::transform", self.cols(), cols)?;
        for row in data.chunks_exact_mut(cols) {
            for (x, &f) in row.iter_mut().zip(&self.fill) {
                if x.is_nan() {
                    *x = f;
                }
            }
        }
        Ok(())
    }
}
