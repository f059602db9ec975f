//! k-fold cross-validation as LIBSVM's `svm_cross_validation` does it.
//!
//! Classification folds are stratified: each class's examples are shuffled with `rand()`, then
//! fold `f` takes the slice `[f·n_c/k, (f+1)·n_c/k)` of every class `c`. Regression and
//! one-class (and leave-one-out) folds are contiguous slices of one shuffled order. Each example
//! is predicted by the model trained on the other folds.

// Index loops mirror LIBSVM's svm.cpp line by line, so a reader can follow along.
#![allow(clippy::needless_range_loop)]

use super::glibc_rand::GlibcRand;
use super::kernel::KernelRows;
use super::params::SvmParams;
use super::train::{class_labels, group_classes, kernel_rows, train_rows};
use crate::error::{Error, Result};

/// Predicts every example of `x` (`n × n_features`, targets `y`) by `nr_fold`-fold
/// cross-validation; returns the predictions in the order of `x`. With `params.probability`,
/// classifiers predict by the most probable class, as LIBSVM's `-v` with `-b 1`.
///
/// If `nr_fold > n`, leave-one-out is used (LIBSVM prints a warning then).
///
/// # Errors
/// [`Error::InvalidArgument`] for `nr_fold < 2`, invalid parameters or data (as
/// [`super::SvmModel::train`]).
pub fn cross_validation(
    x: &[f32],
    n_features: usize,
    y: &[f64],
    params: &SvmParams,
    nr_fold: usize,
) -> Result<Vec<f64>> {
    let kr = kernel_rows(x, n_features, y.len(), params)?;
    let rows: Vec<usize> = (0..y.len()).collect();
    cross_validation_rows(&kr, &rows, y, params, nr_fold, &mut GlibcRand::default())
}

pub(crate) fn cross_validation_rows(
    kr: &KernelRows,
    rows: &[usize],
    y: &[f64],
    params: &SvmParams,
    nr_fold: usize,
    rng: &mut GlibcRand,
) -> Result<Vec<f64>> {
    let l = rows.len();
    if nr_fold < 2 {
        return Err(Error::InvalidArgument(format!(
            "n-fold cross validation: n must be >= 2 (got {nr_fold})"
        )));
    }
    if l == 0 {
        return Err(Error::InvalidArgument("empty training data".into()));
    }
    params.check()?;
    let nr_fold = nr_fold.min(l);
    let mut perm = vec![0usize; l];
    let mut fold_start = vec![0usize; nr_fold + 1];
    if params.svm_type.is_classification() && nr_fold < l {
        let g = group_classes(&class_labels(y)?);
        let k = g.labels.len();
        let mut index = g.perm.clone();
        for c in 0..k {
            for i in 0..g.count[c] {
                let j = i + rng.below(g.count[c] - i);
                index.swap(g.start[c] + j, g.start[c] + i);
            }
        }
        let fold_count: Vec<usize> = (0..nr_fold)
            .map(|i| {
                (0..k)
                    .map(|c| (i + 1) * g.count[c] / nr_fold - i * g.count[c] / nr_fold)
                    .sum()
            })
            .collect();
        for i in 1..=nr_fold {
            fold_start[i] = fold_start[i - 1] + fold_count[i - 1];
        }
        let mut next = fold_start.clone();
        for c in 0..k {
            for i in 0..nr_fold {
                let begin = g.start[c] + i * g.count[c] / nr_fold;
                let end = g.start[c] + (i + 1) * g.count[c] / nr_fold;
                for &e in &index[begin..end] {
                    perm[next[i]] = e;
                    next[i] += 1;
                }
            }
        }
    } else {
        for (i, p) in perm.iter_mut().enumerate() {
            *p = i;
        }
        for i in 0..l {
            let j = i + rng.below(l - i);
            perm.swap(i, j);
        }
        for (i, f) in fold_start.iter_mut().enumerate() {
            *f = i * l / nr_fold;
        }
    }

    let mut target = vec![0.0; l];
    for i in 0..nr_fold {
        let (begin, end) = (fold_start[i], fold_start[i + 1]);
        let train: Vec<usize> = perm[..begin].iter().chain(&perm[end..]).copied().collect();
        let sub_rows: Vec<usize> = train.iter().map(|&t| rows[t]).collect();
        let sub_y: Vec<f64> = train.iter().map(|&t| y[t]).collect();
        let model = train_rows(kr, &sub_rows, &sub_y, params, rng, None)?;
        for &t in &perm[begin..end] {
            let x = kr.row(rows[t]);
            target[t] = if params.probability && params.svm_type.is_classification() {
                model.predict_probability(x)?.0
            } else {
                model.predict(x)
            };
        }
    }
    Ok(target)
}
