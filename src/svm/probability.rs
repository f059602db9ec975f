//! Probability estimates as LIBSVM computes them.
//!
//! * Binary classifiers: Platt scaling, `P(y = +1 | f) = 1 / (1 + exp(A·f + B))`, with `(A, B)`
//!   fitted by regularised maximum likelihood on decision values from an internal 5-fold
//!   cross-validation (targets `(N₊ + 1)/(N₊ + 2)` and `1/(N₋ + 2)`), using the Newton method
//!   with backtracking line search of Lin, Lin & Weng (2007), *A note on Platt's probabilistic
//!   outputs for support vector machines*.
//! * Multi-class: pairwise coupling (Wu, Lin & Weng 2004, method 2):
//!   `min_p ½ Σ_i Σ_{j≠i} (r_ji p_i − r_ij p_j)²` subject to `Σ p = 1`, solved by the fixed-point
//!   iteration of LIBSVM's `multiclass_probability`.
//! * SVR: a Laplace model `z = y − f(x) ~ e^{−|z|/σ} / 2σ`, σ the mean absolute 5-fold CV residual
//!   after dropping residuals beyond `5·√2·mae`.

// Index loops mirror LIBSVM's svm.cpp line by line, so a reader can follow along.
#![allow(clippy::needless_range_loop)]

use super::cross_validation::cross_validation_rows;
use super::glibc_rand::GlibcRand;
use super::kernel::KernelRows;
use super::params::SvmParams;
use super::train::train_rows;
use crate::error::Result;

/// `1 / (1 + exp(A·f + B))`, evaluated without cancellation.
pub fn sigmoid_predict(decision_value: f64, a: f64, b: f64) -> f64 {
    let f_apb = decision_value * a + b;
    if f_apb >= 0.0 {
        (-f_apb).exp() / (1.0 + (-f_apb).exp())
    } else {
        1.0 / (1.0 + f_apb.exp())
    }
}

/// Fits Platt's `(A, B)` to decision values and labels (`> 0` is the positive class).
pub fn sigmoid_train(dec_values: &[f64], labels: &[f64]) -> (f64, f64) {
    let prior1 = labels.iter().filter(|&&y| y > 0.0).count() as f64;
    let prior0 = labels.len() as f64 - prior1;
    let max_iter = 100;
    let min_step = 1e-10;
    let sigma = 1e-12; // keeps the Hessian strictly positive definite
    let eps = 1e-5;
    let hi_target = (prior1 + 1.0) / (prior1 + 2.0);
    let lo_target = 1.0 / (prior0 + 2.0);
    let t: Vec<f64> = labels
        .iter()
        .map(|&y| if y > 0.0 { hi_target } else { lo_target })
        .collect();
    let mut a = 0.0;
    let mut b = ((prior0 + 1.0) / (prior1 + 1.0)).ln();
    // Negative log-likelihood, written to avoid overflow of exp.
    let objective = |a: f64, b: f64| -> f64 {
        dec_values
            .iter()
            .zip(&t)
            .map(|(&f, &ti)| {
                let f_apb = f * a + b;
                if f_apb >= 0.0 {
                    ti * f_apb + (1.0 + (-f_apb).exp()).ln()
                } else {
                    (ti - 1.0) * f_apb + (1.0 + f_apb.exp()).ln()
                }
            })
            .sum()
    };
    let mut fval = objective(a, b);
    for _ in 0..max_iter {
        // Gradient and Hessian (H' = H + σI).
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (sigma, sigma, 0.0, 0.0, 0.0);
        for (&f, &ti) in dec_values.iter().zip(&t) {
            let f_apb = f * a + b;
            let (p, q) = if f_apb >= 0.0 {
                let e = (-f_apb).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = f_apb.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += f * f * d2;
            h22 += d2;
            h21 += f * d2;
            let d1 = ti - p;
            g1 += f * d1;
            g2 += d1;
        }
        if g1.abs() < eps && g2.abs() < eps {
            break;
        }
        // Newton direction −H'⁻¹g.
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut stepsize = 1.0;
        while stepsize >= min_step {
            let (new_a, new_b) = (a + stepsize * da, b + stepsize * db);
            let newf = objective(new_a, new_b);
            // Sufficient decrease (Armijo).
            if newf < fval + 0.0001 * stepsize * gd {
                a = new_a;
                b = new_b;
                fval = newf;
                break;
            }
            stepsize /= 2.0;
        }
        if stepsize < min_step {
            break; // line search failed
        }
    }
    (a, b)
}

/// Pairwise coupling: class probabilities from `r[i][j] ≈ P(y = i | y ∈ {i, j}, x)`.
pub fn multiclass_probability(r: &[Vec<f64>]) -> Vec<f64> {
    let k = r.len();
    let max_iter = 100.max(k);
    let eps = 0.005 / k as f64;
    let mut p = vec![1.0 / k as f64; k];
    let mut q = vec![vec![0.0; k]; k];
    for t in 0..k {
        for j in 0..t {
            q[t][t] += r[j][t] * r[j][t];
            q[t][j] = q[j][t];
        }
        for j in t + 1..k {
            q[t][t] += r[j][t] * r[j][t];
            q[t][j] = -r[j][t] * r[t][j];
        }
    }
    let mut qp = vec![0.0; k];
    for _ in 0..max_iter {
        // Recompute Qp and pᵀQp for accuracy, then test the optimality condition.
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[t][j] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        let max_error = qp.iter().map(|&v| (v - pqp).abs()).fold(0.0, f64::max);
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t][t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t][t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t][j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

/// Platt `(A, B)` for one binary sub-problem (labels ±1) from a 5-fold CV over the order
/// `perm` (LIBSVM's `svm_binary_svc_probability`; `perm` is its `rand()` shuffle).
pub(crate) fn binary_svc_probability(
    kr: &KernelRows,
    rows: &[usize],
    y: &[f64],
    params: &SvmParams,
    cp: f64,
    cn: f64,
    perm: &[usize],
) -> Result<(f64, f64)> {
    let l = rows.len();
    let nr_fold = 5;
    let mut dec_values = vec![0.0; l];
    let mut sub_params = params.clone();
    sub_params.probability = false;
    sub_params.c = 1.0;
    sub_params.class_weights = vec![(1, cp), (-1, cn)];
    for i in 0..nr_fold {
        let begin = i * l / nr_fold;
        let end = (i + 1) * l / nr_fold;
        let train: Vec<usize> = perm[..begin].iter().chain(&perm[end..]).copied().collect();
        let sub_rows: Vec<usize> = train.iter().map(|&t| rows[t]).collect();
        let sub_y: Vec<f64> = train.iter().map(|&t| y[t]).collect();
        let p_count = sub_y.iter().filter(|&&v| v > 0.0).count();
        let n_count = sub_y.len() - p_count;
        let fill = if p_count == 0 && n_count == 0 {
            Some(0.0)
        } else if n_count == 0 {
            Some(1.0)
        } else if p_count == 0 {
            Some(-1.0)
        } else {
            None
        };
        match fill {
            Some(v) => {
                for &t in &perm[begin..end] {
                    dec_values[t] = v;
                }
            }
            None => {
                let mut unused = GlibcRand::default();
                let sub = train_rows(kr, &sub_rows, &sub_y, &sub_params, &mut unused, None)?;
                for &t in &perm[begin..end] {
                    // Orient to +1/−1 whatever label the sub-model saw first.
                    dec_values[t] = sub.decision_values(kr.row(rows[t]))[0] * sub.labels[0] as f64;
                }
            }
        }
    }
    Ok(sigmoid_train(&dec_values, y))
}

/// σ of the Laplace noise model for SVR (LIBSVM's `svm_svr_probability`).
pub(crate) fn svr_probability(
    kr: &KernelRows,
    rows: &[usize],
    y: &[f64],
    params: &SvmParams,
    rng: &mut GlibcRand,
) -> Result<f64> {
    let mut p = params.clone();
    p.probability = false;
    let pred = cross_validation_rows(kr, rows, y, &p, 5, rng)?;
    let ymv: Vec<f64> = y.iter().zip(&pred).map(|(a, b)| a - b).collect();
    let l = ymv.len() as f64;
    let mae = ymv.iter().map(|v| v.abs()).sum::<f64>() / l;
    let std = (2.0 * mae * mae).sqrt();
    let kept: Vec<f64> = ymv
        .iter()
        .map(|v| v.abs())
        .filter(|&v| v <= 5.0 * std)
        .collect();
    Ok(kept.iter().sum::<f64>() / kept.len() as f64)
}
