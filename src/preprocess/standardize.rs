//! Z-score standardisation.

use super::matrix::{column_values, rows_of, same_width};
use crate::error::{Error, Result};

/// Per-column z-score: `x' = (x − mean) / scale`, where `scale` is the population standard
/// deviation `sqrt(Σ(x − mean)² / n)` of the training column, or 1 for a zero-variance column
/// (which is then only centred, never divided by zero). Missing values (`NaN`) are ignored
/// when fitting and stay `NaN`. Statistics are accumulated in `f64`.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    /// Per-column mean.
    pub mean: Vec<f32>,
    /// Per-column divisor (the standard deviation, or 1 where it is 0).
    pub scale: Vec<f32>,
}

impl Standardizer {
    /// Fits on a row-major `rows × cols` matrix.
    ///
    /// # Errors
    /// [`Error::Shape`] if `data` is not whole rows; [`Error::InvalidArgument`] if a column has
    /// no present value or a value is infinite.
    pub fn fit(data: &[f32], cols: usize) -> Result<Self> {
        rows_of("Standardizer::fit", data, cols)?;
        let mut mean = Vec::with_capacity(cols);
        let mut scale = Vec::with_capacity(cols);
        for c in 0..cols {
            let (mut n, mut sum) = (0usize, 0f64);
            for x in column_values(data, cols, c) {
                if x.is_infinite() {
                    return Err(Error::InvalidArgument(format!(
                        "Standardizer::fit: column {c} holds an infinite value"
                    )));
                }
                n += 1;
                sum += x as f64;
            }
            if n == 0 {
                return Err(Error::InvalidArgument(format!(
                    "Standardizer::fit: column {c} has no present values"
                )));
            }
            let m = sum / n as f64;
            let ss: f64 = column_values(data, cols, c)
                .map(|x| (x as f64 - m).powi(2))
                .sum();
            let sd = (ss / n as f64).sqrt();
            mean.push(m as f32);
            // A standard deviation that rounds to 0 in f32 counts as zero variance.
            scale.push(if (sd as f32) > 0.0 { sd as f32 } else { 1.0 });
        }
        Ok(Standardizer { mean, scale })
    }

    /// Number of columns fitted.
    pub fn cols(&self) -> usize {
        self.mean.len()
    }

    /// Applies `x' = (x − mean) / scale` in place to a `rows × cols` matrix.
    ///
    /// # Errors
    /// [`Error::Shape`] if `data` is not whole rows of the fitted width.
    pub fn transform(&self, data: &mut [f32], cols: usize) -> Result<()> {
        rows_of("Standardizer::transform", data, cols)?;
        same_width("Standardizer::transform", self.cols(), cols)?;
        for row in data.chunks_exact_mut(cols) {
            for ((x, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *x = (*x - m) / s;
            }
        }
        Ok(())
    }
}
