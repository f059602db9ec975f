//! Choosing `C` and `γ` of an RBF SVM by cross-validated grid search, as LIBSVM's `grid.py`.
//!
//! Every cell `(log₂C, log₂γ)` of a coarse grid is scored by k-fold cross-validation
//! ([`cross_validation`](super::cross_validation), stratified and seeded like LIBSVM's `-v`), and
//! the best cell wins. Cells are evaluated in parallel with rayon; each cell's score depends only
//! on the cell, and the winner is chosen in a fixed order afterwards, so the result is the same
//! at any thread count. Ties are broken towards the smaller `C`, then the smaller `γ` (the
//! smoother model), so the choice never depends on evaluation order.

use super::cross_validation::cross_validation;
use super::params::{KernelType, SvmParams};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// How a cell's cross-validated predictions are scored (higher is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GridScore {
    /// Fraction of examples predicted correctly (`grid.py`'s criterion).
    Accuracy,
    /// Mean over classes of the per-class recall: accuracy that does not reward predicting
    /// the majority class of imbalanced data.
    BalancedAccuracy,
}

impl GridScore {
    /// Scores predictions `predicted` of targets `truth` (class labels as `f64`).
    pub fn score(self, truth: &[f64], predicted: &[f64]) -> f64 {
        let n = truth.len().min(predicted.len());
        if n == 0 {
            return 0.0;
        }
        match self {
            GridScore::Accuracy => {
                let hits = (0..n).filter(|&i| truth[i] == predicted[i]).count();
                hits as f64 / n as f64
            }
            GridScore::BalancedAccuracy => {
                let mut labels: Vec<f64> = truth[..n].to_vec();
                labels.sort_by(f64::total_cmp);
                labels.dedup();
                let recalls: Vec<f64> = labels
                    .iter()
                    .map(|&l| {
                        let members = (0..n).filter(|&i| truth[i] == l);
                        let (mut hit, mut all) = (0usize, 0usize);
                        for i in members {
                            all += 1;
                            hit += usize::from(predicted[i] == l);
                        }
                        hit as f64 / all as f64
                    })
                    .collect();
                recalls.iter().sum::<f64>() / recalls.len() as f64
            }
        }
    }
}

/// An arithmetic range of exponents `begin, begin + step, …` up to and including `end`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Log2Range {
    /// First exponent.
    pub begin: f64,
    /// Last exponent (included when the steps land on it).
    pub end: f64,
    /// Step (negative to count down); non-zero.
    pub step: f64,
}

impl Log2Range {
    /// `begin..=end` by `step`.
    pub fn new(begin: f64, end: f64, step: f64) -> Self {
        Log2Range { begin, end, step }
    }

    /// The exponents of the range.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if a bound is not finite, the step is zero or points away
    /// from `end`, or the range has more than 1,000 values.
    pub fn values(&self) -> Result<Vec<f64>> {
        let Log2Range { begin, end, step } = *self;
        if !(begin.is_finite() && end.is_finite() && step.is_finite()) || step == 0.0 {
            return Err(Error::InvalidArgument(format!(
                "grid range {begin},{end},{step}: need finite bounds and a non-zero step"
            )));
        }
        if (end - begin) * step < 0.0 {
            return Err(Error::InvalidArgument(format!(
                "grid range {begin},{end},{step}: the step points away from the end"
            )));
        }
        let count = ((end - begin) / step + 1e-9).floor() as usize + 1;
        if count > 1000 {
            return Err(Error::InvalidArgument(format!(
                "grid range {begin},{end},{step} has {count} values (at most 1000)"
            )));
        }
        Ok((0..count).map(|i| begin + i as f64 * step).collect())
    }
}

/// The grid and the cross-validation that scores it.
#[derive(Clone, Debug, PartialEq)]
pub struct GridSpec {
    /// Exponents of `C = 2^e`.
    pub log2_c: Log2Range,
    /// Exponents of `γ = 2^e`.
    pub log2_gamma: Log2Range,
    /// Folds of the cross-validation (≥ 2).
    pub folds: usize,
    /// The criterion.
    pub score: GridScore,
}

impl Default for GridSpec {
    /// `grid.py`'s defaults: `log₂C ∈ −5, −3, …, 15`, `log₂γ ∈ 3, 1, …, −15`, 5 folds,
    /// accuracy (110 cells).
    fn default() -> Self {
        GridSpec {
            log2_c: Log2Range::new(-5.0, 15.0, 2.0),
            log2_gamma: Log2Range::new(3.0, -15.0, -2.0),
            folds: 5,
            score: GridScore::Accuracy,
        }
    }
}

/// One scored cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridCell {
    /// `log₂C`.
    pub log2_c: f64,
    /// `log₂γ`.
    pub log2_gamma: f64,
    /// The cross-validated score.
    pub score: f64,
}

impl GridCell {
    /// `C = 2^log₂C`.
    pub fn c(&self) -> f64 {
        self.log2_c.exp2()
    }

    /// `γ = 2^log₂γ`.
    pub fn gamma(&self) -> f64 {
        self.log2_gamma.exp2()
    }
}

/// Every cell's score, and the winner.
#[derive(Clone, Debug, PartialEq)]
pub struct GridResult {
    /// Cells in row-major order: `log2_c` outer, `log2_gamma` inner.
    pub cells: Vec<GridCell>,
    /// Index of the best cell in `cells`.
    pub best: usize,
}

impl GridResult {
    /// The best cell.
    pub fn best_cell(&self) -> GridCell {
        self.cells[self.best]
    }
}

/// The index of the best cell: highest score; ties → smaller `log₂C`, then smaller `log₂γ`
/// (then the earlier cell). `NaN` scores never win. `None` for no cells.
pub fn best_cell_index(cells: &[GridCell]) -> Option<usize> {
    let key = |c: &GridCell| {
        if c.score.is_nan() {
            f64::NEG_INFINITY
        } else {
            c.score
        }
    };
    (0..cells.len()).reduce(|best, i| {
        let (a, b) = (&cells[best], &cells[i]);
        let better = key(b) > key(a)
            || (key(b) == key(a)
                && (b.log2_c < a.log2_c || (b.log2_c == a.log2_c && b.log2_gamma < a.log2_gamma)));
        if better {
            i
        } else {
            best
        }
    })
}

/// Scores every cell of `spec` by cross-validation of an RBF SVM on `x` (`n × n_features`,
/// targets `y`) and returns the scores and the winner. `base` supplies everything but `C`, `γ`
/// and the kernel (class weights, tolerance, …); probability training is switched off during
/// the search (it does not change the predicted labels' training, only adds cost).
///
/// # Errors
/// [`Error::InvalidArgument`] for an invalid range, fewer than 2 folds, or data/parameters that
/// [`cross_validation`] rejects.
pub fn grid_search(
    x: &[f32],
    n_features: usize,
    y: &[f64],
    base: &SvmParams,
    spec: &GridSpec,
) -> Result<GridResult> {
    if spec.folds < 2 {
        return Err(Error::InvalidArgument(format!(
            "grid search needs at least 2 folds (got {})",
            spec.folds
        )));
    }
    let cs = spec.log2_c.values()?;
    let gs = spec.log2_gamma.values()?;
    let pairs: Vec<(f64, f64)> = cs
        .iter()
        .flat_map(|&c| gs.iter().map(move |&g| (c, g)))
        .collect();
    let cells = pairs
        .par_iter()
        .map(|&(log2_c, log2_gamma)| {
            let params = SvmParams {
                kernel_type: KernelType::Rbf,
                c: log2_c.exp2(),
                gamma: Some(log2_gamma.exp2()),
                probability: false,
                ..base.clone()
            };
            let predicted = cross_validation(x, n_features, y, &params, spec.folds)?;
            Ok(GridCell {
                log2_c,
                log2_gamma,
                score: spec.score.score(y, &predicted),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let best = best_cell_index(&cells)
        .ok_or_else(|| Error::InvalidArgument("grid search over an empty grid".into()))?;
    Ok(GridResult { cells, best })
}
