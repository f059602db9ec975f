//! The five duals, each cast into the solver's form `min ½αᵀQα + pᵀα, yᵀα = Δ, 0 ≤ α ≤ C`
//! (LIBSVM's `solve_c_svc`, `solve_nu_svc`, `solve_one_class`, `solve_epsilon_svr`,
//! `solve_nu_svr`, and `svm_train_one`).
//!
//! * C-SVC: `p = −e`, `y` the labels, bounds `C₊ = C·w₊`, `C₋ = C·w₋`, start `α = 0`.
//! * ν-SVC: `p = 0`, bounds 1, start with `Σ_{y=±1} α = νl/2` each; the solution is scaled by
//!   `1/r` so that the decision function matches C-SVC with `C = 1/r`.
//! * one-class: `p = 0`, `y = +1`, bounds 1, `eᵀα = νl`, start with the first `⌊νl⌋` at 1.
//! * ε-SVR: variables `(α, α*)`, `p = (ε − z, ε + z)`, `y = (+1, −1)`, bound C.
//! * ν-SVR: `p = (−z, z)`, bounds C, `eᵀ(α + α*) = Cνl`, solved by the ν solver; `ε = −r`.

// Index loops mirror LIBSVM's svm.cpp line by line, so a reader can follow along.
#![allow(clippy::needless_range_loop)]

use super::kernel::KernelRows;
use super::params::{SvmParams, SvmType};
use super::q_matrix::{SvcQ, SvrQ};
use super::solver::{Solver, Variant};

/// One trained binary (or one-class / regression) decision function
/// `f(x) = Σ_t alpha_t K(x_t, x) − rho`.
pub(crate) struct DecisionFunction {
    /// Signed coefficients (`y_t α_t` for classification, `α_t − α*_t` for regression).
    pub alpha: Vec<f64>,
    pub rho: f64,
}

/// What one binary sub-problem reported (LIBSVM prints these lines while training).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SubproblemSummary {
    /// Dual objective value at the solution (`obj = …` in svm-train's output).
    pub obj: f64,
    /// The bias `rho`.
    pub rho: f64,
    /// Number of support vectors of this sub-problem.
    pub n_sv: usize,
    /// Number of bounded support vectors (`|α| = C`).
    pub n_bsv: usize,
    /// ν-SVC: the equivalent C (`1/r`); ν-SVR: the ε found (`−r`); otherwise the ν implied by
    /// the solution (`Σ|α| / (C·l)`, C-SVC and ε-SVR).
    pub nu_c_or_epsilon: f64,
    /// True if the solver stopped at its iteration bound before meeting the tolerance.
    pub reached_max_iter: bool,
    /// Work and time counters of the solver.
    pub counters: super::solver::SolverCounters,
}

/// Solves the formulation of `params` on the examples at matrix rows `rows` with targets `y`
/// (±1 for the classifiers). `cp`/`cn` are the (weighted) costs of C-SVC.
pub(crate) fn train_one(
    kr: &KernelRows,
    rows: &[usize],
    y: &[f64],
    params: &SvmParams,
    cp: f64,
    cn: f64,
) -> (DecisionFunction, SubproblemSummary) {
    let l = rows.len();
    let eps = params.eps;
    let shrinking = params.shrinking;
    let cache = params.cache_size_mb;
    let (alpha, info, extra) = match params.svm_type {
        SvmType::CSvc => {
            let ys: Vec<i8> = y.iter().map(|&v| if v > 0.0 { 1 } else { -1 }).collect();
            let mut alpha = vec![0.0; l];
            let minus_ones = vec![-1.0; l];
            let mut q = SvcQ::new(kr, rows, &ys, cache);
            let info = Solver::solve(
                Variant::Standard,
                &mut q,
                &minus_ones,
                &ys,
                &mut alpha,
                cp,
                cn,
                eps,
                shrinking,
            );
            let sum_alpha: f64 = alpha.iter().sum();
            for (a, &s) in alpha.iter_mut().zip(&ys) {
                *a *= s as f64;
            }
            (alpha, info, sum_alpha / (cp * l as f64))
        }
        SvmType::NuSvc => {
            let ys: Vec<i8> = y.iter().map(|&v| if v > 0.0 { 1 } else { -1 }).collect();
            let mut sum_pos = params.nu * l as f64 / 2.0;
            let mut sum_neg = sum_pos;
            let mut alpha: Vec<f64> = ys
                .iter()
                .map(|&s| {
                    let sum = if s == 1 { &mut sum_pos } else { &mut sum_neg };
                    let a = sum.min(1.0);
                    *sum -= a;
                    a
                })
                .collect();
            let zeros = vec![0.0; l];
            let mut q = SvcQ::new(kr, rows, &ys, cache);
            let mut info = Solver::solve(
                Variant::Nu,
                &mut q,
                &zeros,
                &ys,
                &mut alpha,
                1.0,
                1.0,
                eps,
                shrinking,
            );
            let r = info.r;
            for (a, &s) in alpha.iter_mut().zip(&ys) {
                *a *= s as f64 / r;
            }
            info.rho /= r;
            info.obj /= r * r;
            info.upper_bound_p = 1.0 / r;
            info.upper_bound_n = 1.0 / r;
            (alpha, info, 1.0 / r)
        }
        SvmType::OneClass => {
            let nu_l = params.nu * l as f64;
            let n = nu_l as usize;
            let mut alpha = vec![0.0; l];
            for a in alpha.iter_mut().take(n) {
                *a = 1.0;
            }
            if n < l {
                alpha[n] = nu_l - n as f64;
            }
            let zeros = vec![0.0; l];
            let ones = vec![1i8; l];
            let mut q = SvcQ::new(kr, rows, &ones, cache);
            let info = Solver::solve(
                Variant::Standard,
                &mut q,
                &zeros,
                &ones,
                &mut alpha,
                1.0,
                1.0,
                eps,
                shrinking,
            );
            (alpha, info, params.nu)
        }
        SvmType::EpsilonSvr => {
            let mut alpha2 = vec![0.0; 2 * l];
            let mut linear_term = vec![0.0; 2 * l];
            let mut ys = vec![1i8; 2 * l];
            for i in 0..l {
                linear_term[i] = params.p - y[i];
                linear_term[i + l] = params.p + y[i];
                ys[i + l] = -1;
            }
            let mut q = SvrQ::new(kr, rows, cache);
            let info = Solver::solve(
                Variant::Standard,
                &mut q,
                &linear_term,
                &ys,
                &mut alpha2,
                params.c,
                params.c,
                eps,
                shrinking,
            );
            let alpha: Vec<f64> = (0..l).map(|i| alpha2[i] - alpha2[i + l]).collect();
            let sum_alpha: f64 = alpha.iter().map(|a| a.abs()).sum();
            (alpha, info, sum_alpha / (params.c * l as f64))
        }
        SvmType::NuSvr => {
            let c = params.c;
            let mut sum = c * params.nu * l as f64 / 2.0;
            let mut alpha2 = vec![0.0; 2 * l];
            let mut linear_term = vec![0.0; 2 * l];
            let mut ys = vec![1i8; 2 * l];
            for i in 0..l {
                let a = sum.min(c);
                alpha2[i] = a;
                alpha2[i + l] = a;
                sum -= a;
                linear_term[i] = -y[i];
                linear_term[i + l] = y[i];
                ys[i + l] = -1;
            }
            let mut q = SvrQ::new(kr, rows, cache);
            let info = Solver::solve(
                Variant::Nu,
                &mut q,
                &linear_term,
                &ys,
                &mut alpha2,
                c,
                c,
                eps,
                shrinking,
            );
            let alpha: Vec<f64> = (0..l).map(|i| alpha2[i] - alpha2[i + l]).collect();
            (alpha, info, -info.r)
        }
    };

    let mut n_sv = 0;
    let mut n_bsv = 0;
    for (a, &yi) in alpha.iter().zip(y) {
        if a.abs() > 0.0 {
            n_sv += 1;
            let ub = if yi > 0.0 {
                info.upper_bound_p
            } else {
                info.upper_bound_n
            };
            if a.abs() >= ub {
                n_bsv += 1;
            }
        }
    }
    let summary = SubproblemSummary {
        obj: info.obj,
        rho: info.rho,
        n_sv,
        n_bsv,
        nu_c_or_epsilon: extra,
        reached_max_iter: info.reached_max_iter,
        counters: info.counters,
    };
    (
        DecisionFunction {
            alpha,
            rho: info.rho,
        },
        summary,
    )
}
