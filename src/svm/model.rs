//! A trained SVM: support vectors, coefficients, biases, and prediction.
//!
//! Multi-class classification is one-vs-one (LIBSVM's layout): for classes `i < j` the
//! decision value is `f_ij(x) = Σ_{s ∈ SV_i} coef[j−1][s] K(x_s, x) + Σ_{s ∈ SV_j} coef[i][s]
//! K(x_s, x) − rho_ij`; each positive value is a vote for `i`, otherwise for `j`, and the class
//! with the most votes wins, ties going to the class that comes first in [`SvmModel::labels`].

// Index loops mirror LIBSVM's svm.cpp line by line, so a reader can follow along.
#![allow(clippy::needless_range_loop)]

use super::kernel::Kernel;
use super::params::SvmType;
use super::probability::{multiclass_probability, sigmoid_predict};
use super::SubproblemSummary;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// A trained SVM model (LIBSVM's `svm_model`), from [`SvmModel::train`] or
/// [`SvmModel::load`].
#[derive(Clone, Debug)]
pub struct SvmModel {
    pub(crate) svm_type: SvmType,
    pub(crate) kernel: Kernel,
    pub(crate) nr_class: usize,
    pub(crate) n_features: usize,
    /// `total_sv × n_features`, row-major, grouped by class.
    pub(crate) sv: Vec<f32>,
    /// `(nr_class − 1) × total_sv`.
    pub(crate) sv_coef: Vec<Vec<f64>>,
    pub(crate) rho: Vec<f64>,
    pub(crate) labels: Vec<i32>,
    pub(crate) n_sv: Vec<usize>,
    pub(crate) prob_a: Vec<f64>,
    pub(crate) prob_b: Vec<f64>,
    pub(crate) sv_indices: Vec<usize>,
    pub(crate) summaries: Vec<SubproblemSummary>,
}

impl SvmModel {
    /// The formulation it was trained with.
    pub fn svm_type(&self) -> SvmType {
        self.svm_type
    }

    /// The kernel (with γ resolved).
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Number of classes (2 for one-class and regression models, as in LIBSVM).
    pub fn nr_class(&self) -> usize {
        self.nr_class
    }

    /// Class labels in the model's internal order (first occurrence in the training data; for
    /// two classes labelled −1/+1, +1 first). Empty for one-class and regression.
    pub fn labels(&self) -> &[i32] {
        &self.labels
    }

    /// Number of support vectors.
    pub fn total_sv(&self) -> usize {
        self.sv_coef.first().map_or(0, |c| c.len())
    }

    /// Number of support vectors of each class (classification only, else empty).
    pub fn n_sv(&self) -> &[usize] {
        &self.n_sv
    }

    /// Features per support vector (the training data's width, or for a loaded model the
    /// largest feature index in its SV section).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Support vector `s` (`n_features` values).
    pub fn support_vector(&self, s: usize) -> &[f32] {
        &self.sv[s * self.n_features..(s + 1) * self.n_features]
    }

    /// All support vectors, `total_sv × n_features` row-major.
    pub fn support_vectors(&self) -> &[f32] {
        &self.sv
    }

    /// 0-based training-set indices of the support vectors (empty for a loaded model).
    pub fn support_vector_indices(&self) -> &[usize] {
        &self.sv_indices
    }

    /// Dual coefficients, `(nr_class − 1)` rows of `total_sv` (LIBSVM's `sv_coef`).
    pub fn sv_coef(&self) -> &[Vec<f64>] {
        &self.sv_coef
    }

    /// Biases `rho`, one per pair of classes in order (0,1), (0,2), …, (1,2), … (one value for
    /// one-class and regression).
    pub fn rho(&self) -> &[f64] {
        &self.rho
    }

    /// Platt sigmoid parameters `(A, B)` per pair, if trained with probabilities; for SVR the
    /// Laplace scale σ is `prob_a[0]`.
    pub fn probability_parameters(&self) -> Option<(&[f64], &[f64])> {
        if self.prob_a.is_empty() {
            None
        } else {
            Some((&self.prob_a, &self.prob_b))
        }
    }

    /// True if the model can give probability estimates (classification with `probA`/`probB`,
    /// or SVR with its Laplace σ).
    pub fn has_probability(&self) -> bool {
        match self.svm_type {
            SvmType::CSvc | SvmType::NuSvc => !self.prob_a.is_empty() && !self.prob_b.is_empty(),
            SvmType::EpsilonSvr | SvmType::NuSvr => !self.prob_a.is_empty(),
            SvmType::OneClass => false,
        }
    }

    /// SVR only: σ of the Laplace model of `target − prediction`, if trained with probabilities.
    pub fn svr_laplace_sigma(&self) -> Option<f64> {
        if self.svm_type.is_regression() {
            self.prob_a.first().copied()
        } else {
            None
        }
    }

    /// Per binary sub-problem: objective, rho, #SV… as reported while training (empty for a
    /// loaded model).
    pub fn training_summaries(&self) -> &[SubproblemSummary] {
        &self.summaries
    }

    fn kernel_values(&self, x: &[f32]) -> Vec<f64> {
        (0..self.total_sv())
            .map(|s| self.kernel.eval(x, self.support_vector(s)))
            .collect()
    }

    /// Decision values of `x` (any length: missing features are 0, extra ones are used by RBF's
    /// distance as in LIBSVM): `nr_class·(nr_class−1)/2` values for classification, one value
    /// otherwise.
    pub fn decision_values(&self, x: &[f32]) -> Vec<f64> {
        let kvalue = self.kernel_values(x);
        if !self.svm_type.is_classification() {
            let sum: f64 = self.sv_coef[0]
                .iter()
                .zip(&kvalue)
                .map(|(c, k)| c * k)
                .sum();
            return vec![sum - self.rho[0]];
        }
        let k = self.nr_class;
        let mut start = vec![0usize; k];
        for i in 1..k {
            start[i] = start[i - 1] + self.n_sv[i - 1];
        }
        let mut dec = Vec::with_capacity(k * (k - 1) / 2);
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                let (si, sj) = (start[i], start[j]);
                let (ci, cj) = (self.n_sv[i], self.n_sv[j]);
                let coef1 = &self.sv_coef[j - 1];
                let coef2 = &self.sv_coef[i];
                let mut sum = 0.0;
                for s in si..si + ci {
                    sum += coef1[s] * kvalue[s];
                }
                for s in sj..sj + cj {
                    sum += coef2[s] * kvalue[s];
                }
                dec.push(sum - self.rho[p]);
                p += 1;
            }
        }
        dec
    }

    /// The prediction for `x`: a class label (as `f64`), ±1 for one-class, or the regression
    /// value. Classification votes one-vs-one; ties go to the earlier class in [`Self::labels`].
    pub fn predict(&self, x: &[f32]) -> f64 {
        let dec = self.decision_values(x);
        self.label_from_decision_values(&dec)
    }

    /// The prediction from [`Self::decision_values`]' output.
    pub fn label_from_decision_values(&self, dec: &[f64]) -> f64 {
        match self.svm_type {
            SvmType::OneClass => {
                if dec[0] > 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
            SvmType::EpsilonSvr | SvmType::NuSvr => dec[0],
            SvmType::CSvc | SvmType::NuSvc => {
                let k = self.nr_class;
                let mut vote = vec![0usize; k];
                let mut p = 0;
                for i in 0..k {
                    for j in i + 1..k {
                        if dec[p] > 0.0 {
                            vote[i] += 1;
                        } else {
                            vote[j] += 1;
                        }
                        p += 1;
                    }
                }
                let mut best = 0;
                for i in 1..k {
                    if vote[i] > vote[best] {
                        best = i;
                    }
                }
                self.labels[best] as f64
            }
        }
    }

    /// Class probabilities of `x` (in the order of [`Self::labels`]) and the most probable
    /// label: Platt's sigmoid per pair `r_ij = 1 / (1 + exp(A·f_ij + B))`, clipped to
    /// `[1e-7, 1 − 1e-7]`, then pairwise coupling (Wu, Lin & Weng 2004, method 2) for more than
    /// two classes.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the model is not a classifier trained with probabilities.
    pub fn predict_probability(&self, x: &[f32]) -> Result<(f64, Vec<f64>)> {
        if !self.svm_type.is_classification() || !self.has_probability() {
            return Err(Error::InvalidArgument(
                "model does not support probability estimates (train with -b 1 / probability = true)"
                    .into(),
            ));
        }
        let dec = self.decision_values(x);
        let k = self.nr_class;
        let min_prob = 1e-7;
        let mut r = vec![vec![0.0; k]; k];
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                let v = sigmoid_predict(dec[p], self.prob_a[p], self.prob_b[p])
                    .clamp(min_prob, 1.0 - min_prob);
                r[i][j] = v;
                r[j][i] = 1.0 - v;
                p += 1;
            }
        }
        let probs = if k == 2 {
            vec![r[0][1], r[1][0]]
        } else {
            multiclass_probability(&r)
        };
        let mut best = 0;
        for i in 1..k {
            if probs[i] > probs[best] {
                best = i;
            }
        }
        Ok((self.labels[best] as f64, probs))
    }

    /// [`Self::predict`] for every row of the `n × n_features` row-major `x`, in parallel.
    ///
    /// # Errors
    /// [`Error::Shape`] if `x.len()` is not a multiple of `n_features`.
    pub fn predict_batch(&self, x: &[f32], n_features: usize) -> Result<Vec<f64>> {
        let rows = split_rows(x, n_features)?;
        Ok(rows.par_iter().map(|r| self.predict(r)).collect())
    }

    /// [`Self::decision_values`] for every row of `x` (`n × n_features`), in parallel.
    ///
    /// # Errors
    /// [`Error::Shape`] if `x.len()` is not a multiple of `n_features`.
    pub fn decision_values_batch(&self, x: &[f32], n_features: usize) -> Result<Vec<Vec<f64>>> {
        let rows = split_rows(x, n_features)?;
        Ok(rows.par_iter().map(|r| self.decision_values(r)).collect())
    }

    /// [`Self::predict_probability`] for every row of `x` (`n × n_features`), in parallel.
    ///
    /// # Errors
    /// As [`Self::predict_probability`], and [`Error::Shape`] for a ragged `x`.
    pub fn predict_probability_batch(
        &self,
        x: &[f32],
        n_features: usize,
    ) -> Result<Vec<(f64, Vec<f64>)>> {
        let rows = split_rows(x, n_features)?;
        rows.par_iter()
            .map(|r| self.predict_probability(r))
            .collect()
    }
}

fn split_rows(x: &[f32], n_features: usize) -> Result<Vec<&[f32]>> {
    if n_features == 0 {
        if x.is_empty() {
            return Ok(Vec::new());
        }
    } else if x.len().is_multiple_of(n_features) {
        return Ok(x.chunks(n_features).collect());
    }
    Err(Error::Shape {
        op: "svm predict",
        lhs: vec![x.len()],
        rhs: vec![n_features],
        expected: "x.len() a multiple of n_features".into(),
    })
}
