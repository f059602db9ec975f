//! Min-max scaling to `[lower, upper]`, like LIBSVM's `svm-scale -l lower -u upper`.

use super::matrix::{column_values, rows_of, same_width};
use crate::error::{Error, Result};

/// Per-column affine map of the training range `[min, max]` onto `[lower, upper]`:
/// `x' = lower + (upper − lower) · (x − min) / (max − min)`. Test values outside the training
/// range map outside `[lower, upper]` (no clipping, as in `svm-scale`). A constant column
/// (`max = min`) maps to `lower` (`svm-scale` instead omits such a feature from its sparse
/// output, i.e. makes it 0). Missing values (`NaN`) are ignored when fitting and stay `NaN`.
#[derive(Clone, Debug, PartialEq)]
pub struct MinMaxScaler {
    /// Target lower bound.
    pub lower: f32,
    /// Target upper bound (> `lower`).
    pub upper: f32,
    /// Per-column training minimum.
    pub min: Vec<f32>,
    /// Per-column training maximum.
    pub max: Vec<f32>,
}

impl MinMaxScaler {
    /// Fits on a row-major `rows × cols` matrix.
    ///
    /// # Errors
    /// [`Error::Shape`] if `data` is not whole rows; [`Error::InvalidArgument`] if
    /// `lower >= upper`, either is not finite, a column has no present value or an infinite one.
    pub fn fit(data: &[f32], cols: usize, lower: f32, upper: f32) -> Result<Self> {
        rows_of("MinMaxScaler::fit", data, cols)?;
        if !(lower.is_finite() && upper.is_finite() && lower < upper) {
            return Err(Error::InvalidArgument(format!(
                "MinMaxScaler: need finite lower < upper, got [{lower}, {upper}]"
            )));
        }
        let (mut min, mut max) = (Vec::with_capacity(cols), Vec::with_capacity(cols));
        for c in 0..cols {
            let (lo, hi) = column_values(data, cols, c)
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), x| {
                    (a.min(x), b.max(x))
                });
            if lo > hi {
                return Err(Error::InvalidArgument(format!(
                    "MinMaxScaler::fit: column {c} has no present values"
                )));
            }
            if lo.is_infinite() || hi.is_infinite() {
                return Err(Error::InvalidArgument(format!(
                    "MinMaxScaler::fit: column {c} holds an infinite value"
                )));
            }
            min.push(lo);
            max.push(hi);
        }
        Ok(MinMaxScaler {
            lower,
            upper,
            min,
            max,
        })
    }

    /// Number of columns fitted.
    pub fn cols(&self) -> usize {
        self.min.len()
    }

    /// Applies the map in place to a `rows × cols` matrix (computed in `f64`).
    ///
    /// # Errors
    /// [`Error::Shape`] if `data` is not whole rows of the fitted width.
    pub fn transform(&self, data: &mut [f32], cols: usize) -> Result<()> {
        rows_of("MinMaxScaler::transform", data, cols)?;
        same_width("MinMaxScaler::transform", self.cols(), cols)?;
        let (l, u) = (self.lower as f64, self.upper as f64);
        for row in data.chunks_exact_mut(cols) {
            for ((x, &lo), &hi) in row.iter_mut().zip(&self.min).zip(&self.max) {
                if x.is_nan() {
                    continue;
                }
                *x = if hi > lo {
                    (l + (u - l) * (*x as f64 - lo as f64) / (hi as f64 - lo as f64)) as f32
                } else {
                    self.lower
                };
            }
        }
        Ok(())
    }
}
