//! SMO decomposition for LIBSVM's dual, with second-order working-set selection.
//!
//! Solves (Fan, Chen & Lin, *Working Set Selection Using Second Order Information for Training
//! Support Vector Machines*, JMLR 6, 2005 — "FCL" below; and Chang & Lin, *LIBSVM*, 2011)
//!
//! ```text
//!     min_α  f(α) = ½ αᵀQα + pᵀα
//!     s.t.   yᵀα = Δ,   0 ≤ α_t ≤ C_t          (FCL eq. 1, with a general linear term p)
//! ```
//!
//! with `y_t = ±1`. Names follow LIBSVM's `svm.cpp`: `G = ∇f(α) = Qα + p`, `G_bar` (Ḡ) the part
//! of `G` due to variables at their upper bound (`Ḡ_t = Σ_{α_j = C_j} C_j Q_tj`, used to rebuild
//! `G` after shrinking; not kept when `Q` computes kernel blocks by matrix products, see
//! `reconstruct_gradient`), `QD` the diagonal of `Q`, `active_size` the number of unshrunk
//! variables, `i`/`j` the working set, `tau` (τ) the floor for non-positive curvature.
//!
//! One step:
//! 1. **Select** (FCL WSS 2 / Algorithm 2, eq. 14 of the paper):
//!    `i ∈ argmax { −y_t G_t : t ∈ I_up(α) }`, then among `t ∈ I_low(α)` with
//!    `−y_t G_t < −y_i G_i`, `j ∈ argmin −b_it² / a_it` where `a_it = Q_ii + Q_tt − 2 y_i y_t Q_it`
//!    (replaced by τ if ≤ 0) and `b_it = −y_i G_i + y_t G_t` — the largest guaranteed decrease of
//!    the objective from a two-variable step.
//! 2. **Stop** when `m(α) − M(α) < ε`, `m(α) = max_{I_up} −y G`, `M(α) = min_{I_low} −y G`
//!    (FCL eq. 7–9: the KKT conditions hold to ε).
//! 3. **Update** `α_i, α_j` along the feasible direction with the exact minimiser of the
//!    two-variable subproblem (FCL eq. 15–16), clipped to the box, and `G += Q_i Δα_i + Q_j Δα_j`.
//!
//! Shrinking (Chang & Lin §5.1): variables at a bound whose gradient says they will stay there are
//! removed from the active set every `min(l, 1000)` iterations; once the violation first drops
//! below `10ε` the full gradient is reconstructed and everything is unshrunk once; before
//! stopping, the whole gradient is reconstructed and the stopping test is repeated on all
//! variables ("unshrink and recheck").
//!
//! [`Variant::Nu`] is LIBSVM's `Solver_NU` for ν-SVC / ν-SVR, whose dual has the extra constraint
//! `eᵀα = const`: working sets are chosen within one class (`y_i = y_j`, Chang & Lin §4.2), and
//! `rho`, `r` are computed per class.

// Index loops mirror LIBSVM's svm.cpp line by line, so a reader can follow along.
#![allow(clippy::needless_range_loop)]

use super::cache::CacheStats;
use super::q_matrix::QMatrix;
use std::time::Instant;

/// Columns computed per pass over the data on a cache miss (see `prefetch_with`) when the cache
/// cannot hold all of `Q`'s active part: speculative columns then evict useful ones.
const PREFETCH_COLUMNS: usize = 8;
/// The same when the cache holds all of `Q`'s active part: a column computed early is never
/// evicted, so speculating wider costs only the (rarely wasted) computation.
const PREFETCH_COLUMNS_ROOMY: usize = 16;

/// Floor for the curvature `a_ij` (LIBSVM's `TAU`).
const TAU: f64 = 1e-12;

/// Which dual: LIBSVM's `Solver` or `Solver_NU`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// One equality constraint `yᵀα = Δ`.
    Standard,
    /// Two equality constraints `yᵀα = Δ₁`, `eᵀα = Δ₂` (ν formulations).
    Nu,
}

/// Where the time went and how much work was done, for benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SolverCounters {
    /// SMO iterations.
    pub iterations: u64,
    /// Seconds in working-set selection (excluding fetching `Q_i`).
    pub select_seconds: f64,
    /// Seconds fetching kernel columns (cache lookups and kernel evaluations on misses).
    pub kernel_seconds: f64,
    /// Seconds updating `α`, `G` and `Ḡ`.
    pub update_seconds: f64,
    /// Seconds in shrinking and gradient reconstruction.
    pub shrink_seconds: f64,
    /// Kernel-column cache counters.
    pub cache: CacheStats,
}

/// What a solve returns besides `α`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct SolutionInfo {
    /// `f(α)` at the solution.
    pub obj: f64,
    /// The bias term `ρ` (decision function `Σ y_i α_i K(x_i, x) − ρ`).
    pub rho: f64,
    /// ν solver only: `r`, the second multiplier.
    pub r: f64,
    /// Upper bounds of positive / negative variables.
    pub upper_bound_p: f64,
    /// Upper bound of negative variables.
    pub upper_bound_n: f64,
    /// True if the iteration bound stopped the solver.
    pub reached_max_iter: bool,
    /// Counters.
    pub counters: SolverCounters,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bound {
    Lower,
    Upper,
    Free,
}

/// The solver's state (LIBSVM names).
pub(crate) struct Solver<'q> {
    variant: Variant,
    active_size: usize,
    y: Vec<i8>,
    /// Gradient of the objective, `G = Qα + p`.
    g: Vec<f64>,
    alpha_status: Vec<Bound>,
    alpha: Vec<f64>,
    q: &'q mut dyn QMatrix,
    qd: Vec<f64>,
    eps: f64,
    cp: f64,
    cn: f64,
    p: Vec<f64>,
    active_set: Vec<usize>,
    /// `Ḡ_t = Σ_{α_j = C_j} C_j Q_tj`.
    g_bar: Vec<f64>,
    l: usize,
    unshrink: bool,
    /// No `Ḡ`: gradients of shrunk variables are rebuilt from all of `α` by kernel blocks
    /// ([`QMatrix::computes_blocks`]); `g_bar` stays zero.
    without_g_bar: bool,
    counters: SolverCounters,
}

impl<'q> Solver<'q> {
    #[inline]
    fn get_c(&self, i: usize) -> f64 {
        if self.y[i] > 0 {
            self.cp
        } else {
            self.cn
        }
    }

    #[inline]
    fn update_alpha_status(&mut self, i: usize) {
        self.alpha_status[i] = if self.alpha[i] >= self.get_c(i) {
            Bound::Upper
        } else if self.alpha[i] <= 0.0 {
            Bound::Lower
        } else {
            Bound::Free
        };
    }

    #[inline]
    fn is_upper_bound(&self, i: usize) -> bool {
        self.alpha_status[i] == Bound::Upper
    }

    #[inline]
    fn is_lower_bound(&self, i: usize) -> bool {
        self.alpha_status[i] == Bound::Lower
    }

    #[inline]
    fn is_free(&self, i: usize) -> bool {
        self.alpha_status[i] == Bound::Free
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.q.swap_index(i, j);
        self.y.swap(i, j);
        self.g.swap(i, j);
        self.alpha_status.swap(i, j);
        self.alpha.swap(i, j);
        self.p.swap(i, j);
        self.active_set.swap(i, j);
        self.g_bar.swap(i, j);
        self.qd.swap(i, j);
    }

    /// Rebuilds `G` of the shrunk variables. LIBSVM's way (kept for SVR): from `Ḡ` and the free
    /// variables, `G_t = Ḡ_t + p_t + Σ_{0 < α_j < C_j} α_j Q_tj`, fetching kernel columns.
    /// Where `Q` computes kernel blocks by matrix products (C-SVC, ν-SVC, one-class:
    /// [`QMatrix::computes_blocks`]), directly `G_t = p_t + Σ_{α_j > 0} α_j Q_tj`, the product of
    /// the block `Q[inactive, support vectors]` with `α`: more entries than the free ones
    /// alone, but each at matrix-product speed, and no `Ḡ` to maintain — LIBSVM fetches a
    /// full-length column `Q_k` every time a variable reaches or leaves its upper bound.
    fn reconstruct_gradient(&mut self) {
        let (active, l) = (self.active_size, self.l);
        if active == l {
            return;
        }
        if self.without_g_bar {
            // G_t = p_t + Σ_{α_j > 0} α_j Q_tj, over every variable off its lower bound.
            self.g[active..l].copy_from_slice(&self.p[active..l]);
            let sv: Vec<usize> = (0..l).filter(|&j| !self.is_lower_bound(j)).collect();
            let coef: Vec<f64> = sv.iter().map(|&j| self.alpha[j]).collect();
            self.q
                .add_columns(&sv, &coef, active, l, &mut self.g[active..l]);
            return;
        }
        for j in active..l {
            self.g[j] = self.g_bar[j] + self.p[j];
        }
        let free: Vec<usize> = (0..active).filter(|&j| self.is_free(j)).collect();
        // LIBSVM's two loop orders, whichever fetches fewer kernel entries.
        let nr_free = free.len();
        if nr_free * l > 2 * active * (l - active) {
            for i in active..l {
                let q_i = self.q.get_q(i, active);
                let mut gi = 0.0;
                for j in 0..active {
                    if self.alpha_status[j] == Bound::Free {
                        gi += self.alpha[j] * q_i[j] as f64;
                    }
                }
                self.g[i] += gi;
            }
        } else {
            for i in 0..active {
                if self.is_free(i) {
                    let alpha_i = self.alpha[i];
                    let q_i = self.q.get_q(i, l);
                    for j in active..l {
                        self.g[j] += alpha_i * q_i[j] as f64;
                    }
                }
            }
        }
    }

    /// Solves the dual from the feasible start `alpha` (overwritten with the solution, in the
    /// caller's order). `p` is the linear term, `y` the ±1 labels, `cp`/`cn` the upper bounds of
    /// positive/negative variables.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn solve(
        variant: Variant,
        q: &'q mut dyn QMatrix,
        p: &[f64],
        y: &[i8],
        alpha: &mut [f64],
        cp: f64,
        cn: f64,
        eps: f64,
        shrinking: bool,
    ) -> SolutionInfo {
        let l = alpha.len();
        let qd = q.qd().to_vec();
        let mut s = Solver {
            variant,
            active_size: l,
            y: y.to_vec(),
            g: p.to_vec(),
            alpha_status: vec![Bound::Free; l],
            alpha: alpha.to_vec(),
            q,
            qd,
            eps,
            cp,
            cn,
            p: p.to_vec(),
            active_set: (0..l).collect(),
            g_bar: vec![0.0; l],
            l,
            unshrink: false,
            without_g_bar: false,
            counters: SolverCounters::default(),
        };
        s.without_g_bar = s.q.computes_blocks();
        for i in 0..l {
            s.update_alpha_status(i);
        }
        // Initial gradient G = Qα + p and Ḡ, from the (few) nonzero starting α.
        for i in 0..l {
            if !s.is_lower_bound(i) {
                let alpha_i = s.alpha[i];
                let upper = s.is_upper_bound(i);
                let c_i = s.get_c(i);
                let q_i = s.q.get_q(i, l);
                for j in 0..l {
                    s.g[j] += alpha_i * q_i[j] as f64;
                }
                if upper && !s.without_g_bar {
                    for j in 0..l {
                        s.g_bar[j] += c_i * q_i[j] as f64;
                    }
                }
            }
        }

        let max_iter = 10_000_000usize.max(l.saturating_mul(100));
        let mut counter = l.min(1000) + 1;
        let mut iter = 0usize;
        while iter < max_iter {
            counter -= 1;
            if counter == 0 {
                counter = l.min(1000);
                if shrinking {
                    let t = Instant::now();
                    s.do_shrinking();
                    s.counters.shrink_seconds += t.elapsed().as_secs_f64();
                }
            }
            let (i, j) = match s.select_working_set() {
                Some(ij) => ij,
                None => {
                    // Unshrink and recheck: the stopping test must hold on all variables.
                    let t = Instant::now();
                    s.reconstruct_gradient();
                    s.active_size = l;
                    s.counters.shrink_seconds += t.elapsed().as_secs_f64();
                    match s.select_working_set() {
                        Some(ij) => {
                            counter = 1; // shrink at the next iteration
                            ij
                        }
                        None => break,
                    }
                }
            };
            iter += 1;
            s.take_step(i, j);
        }
        let reached_max_iter = iter >= max_iter;
        if reached_max_iter && s.active_size < l {
            s.reconstruct_gradient();
            s.active_size = l;
        }

        let (rho, r) = s.calculate_rho();
        // f(α) = ½αᵀQα + pᵀα = ½ Σ α_i (G_i + p_i).
        let obj = (0..l).map(|i| s.alpha[i] * (s.g[i] + s.p[i])).sum::<f64>() / 2.0;
        for i in 0..l {
            alpha[s.active_set[i]] = s.alpha[i];
        }
        s.counters.iterations = iter as u64;
        s.counters.cache = s.q.stats();
        SolutionInfo {
            obj,
            rho,
            r,
            upper_bound_p: cp,
            upper_bound_n: cn,
            reached_max_iter,
            counters: s.counters,
        }
    }

    /// Two-variable update (FCL eq. 15–16 with clipping to the box), then `G` and `Ḡ`.
    fn take_step(&mut self, i: usize, j: usize) {
        let active = self.active_size;
        let t = Instant::now();
        let (c_i, c_j) = (self.get_c(i), self.get_c(j));
        let (old_alpha_i, old_alpha_j) = (self.alpha[i], self.alpha[j]);
        let (qd_i, qd_j) = (self.qd[i], self.qd[j]);
        let (g_i, g_j) = (self.g[i], self.g[j]);
        if !self.q.is_cached(j, active) {
            self.prefetch_with(j);
        }
        let (q_i, q_j) = self.q.get_q_pair(i, j, active);
        let q_ij = q_i[j] as f64;
        self.counters.kernel_seconds += t.elapsed().as_secs_f64();
        let (mut ai, mut aj) = (old_alpha_i, old_alpha_j);
        if self.y[i] != self.y[j] {
            // Direction d = (+1, +1) keeps y_i α_i + y_j α_j fixed.
            let mut quad_coef = qd_i + qd_j + 2.0 * q_ij;
            if quad_coef <= 0.0 {
                quad_coef = TAU;
            }
            let delta = (-g_i - g_j) / quad_coef;
            let diff = ai - aj;
            ai += delta;
            aj += delta;
            if diff > 0.0 {
                if aj < 0.0 {
                    aj = 0.0;
                    ai = diff;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = -diff;
            }
            if diff > c_i - c_j {
                if ai > c_i {
                    ai = c_i;
                    aj = c_i - diff;
                }
            } else if aj > c_j {
                aj = c_j;
                ai = c_j + diff;
            }
        } else {
            // Direction d = (−1, +1).
            let mut quad_coef = qd_i + qd_j - 2.0 * q_ij;
            if quad_coef <= 0.0 {
                quad_coef = TAU;
            }
            let delta = (g_i - g_j) / quad_coef;
            let sum = ai + aj;
            ai -= delta;
            aj += delta;
            if sum > c_i {
                if ai > c_i {
                    ai = c_i;
                    aj = sum - c_i;
                }
            } else if aj < 0.0 {
                aj = 0.0;
                ai = sum;
            }
            if sum > c_j {
                if aj > c_j {
                    aj = c_j;
                    ai = sum - c_j;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = sum;
            }
        }
        self.alpha[i] = ai;
        self.alpha[j] = aj;
        let delta_alpha_i = ai - old_alpha_i;
        let delta_alpha_j = aj - old_alpha_j;
        let t = Instant::now();
        for ((g, &qi), &qj) in self.g[..active].iter_mut().zip(q_i).zip(q_j) {
            *g += qi as f64 * delta_alpha_i + qj as f64 * delta_alpha_j;
        }
        self.counters.update_seconds += t.elapsed().as_secs_f64();

        // Ḡ changes when a variable enters or leaves its upper bound (if Ḡ is kept).
        let ui = self.is_upper_bound(i);
        let uj = self.is_upper_bound(j);
        self.update_alpha_status(i);
        self.update_alpha_status(j);
        let l = self.l;
        for (k, was_upper, c_k) in [(i, ui, c_i), (j, uj, c_j)] {
            if was_upper != self.is_upper_bound(k) && !self.without_g_bar {
                let t = Instant::now();
                let q_k = self.q.get_q(k, l);
                self.counters.kernel_seconds += t.elapsed().as_secs_f64();
                let t = Instant::now();
                let s = if was_upper { -c_k } else { c_k };
                for (gb, &q) in self.g_bar.iter_mut().zip(q_k) {
                    *gb += s * q as f64;
                }
                self.counters.update_seconds += t.elapsed().as_secs_f64();
            }
        }
    }

    fn select_working_set(&mut self) -> Option<(usize, usize)> {
        match self.variant {
            Variant::Standard => self.select_working_set_standard(),
            Variant::Nu => self.select_working_set_nu(),
        }
    }

    /// FCL WSS 2: `i` maximises `−y_t G_t` over `I_up`; `j` minimises `−b_it²/a_it` over `I_low`.
    fn select_working_set_standard(&mut self) -> Option<(usize, usize)> {
        let t0 = Instant::now();
        let active = self.active_size;
        let mut gmax = f64::NEG_INFINITY; // m(α) = max_{t ∈ I_up} −y_t G_t
        let mut gmax2 = f64::NEG_INFINITY; // −M(α) = max_{t ∈ I_low} y_t G_t
        let mut gmax_idx = None;
        let mut gmin_idx = None;
        let mut obj_diff_min = f64::INFINITY;
        for t in 0..active {
            if self.y[t] == 1 {
                if !self.is_upper_bound(t) && -self.g[t] >= gmax {
                    gmax = -self.g[t];
                    gmax_idx = Some(t);
                }
            } else if !self.is_lower_bound(t) && self.g[t] >= gmax {
                gmax = self.g[t];
                gmax_idx = Some(t);
            }
        }
        let t1 = Instant::now();
        self.counters.select_seconds += (t1 - t0).as_secs_f64();
        let i = gmax_idx?;
        if !self.q.is_cached(i, active) {
            self.prefetch_with(i);
        }
        let q_i = self.q.get_q(i, active);
        let t2 = Instant::now();
        self.counters.kernel_seconds += (t2 - t1).as_secs_f64();
        let (qd, g, y, status) = (&self.qd, &self.g, &self.y, &self.alpha_status);
        let (qd_i, y_i) = (qd[i], y[i] as f64);
        for j in 0..active {
            if y[j] == 1 {
                if status[j] != Bound::Lower {
                    let grad_diff = gmax + g[j];
                    if g[j] >= gmax2 {
                        gmax2 = g[j];
                    }
                    if grad_diff > 0.0 {
                        // a_ij = Q_ii + Q_jj − 2 y_i y_j Q_ij with y_j = +1.
                        let quad_coef = qd_i + qd[j] - 2.0 * y_i * q_i[j] as f64;
                        let obj_diff = if quad_coef > 0.0 {
                            -(grad_diff * grad_diff) / quad_coef
                        } else {
                            -(grad_diff * grad_diff) / TAU
                        };
                        if obj_diff <= obj_diff_min {
                            gmin_idx = Some(j);
                            obj_diff_min = obj_diff;
                        }
                    }
                }
            } else if status[j] != Bound::Upper {
                let grad_diff = gmax - g[j];
                if -g[j] >= gmax2 {
                    gmax2 = -g[j];
                }
                if grad_diff > 0.0 {
                    let quad_coef = qd_i + qd[j] + 2.0 * y_i * q_i[j] as f64;
                    let obj_diff = if quad_coef > 0.0 {
                        -(grad_diff * grad_diff) / quad_coef
                    } else {
                        -(grad_diff * grad_diff) / TAU
                    };
                    if obj_diff <= obj_diff_min {
                        gmin_idx = Some(j);
                        obj_diff_min = obj_diff;
                    }
                }
            }
        }
        self.counters.select_seconds += t2.elapsed().as_secs_f64();
        // Stopping condition m(α) − M(α) < ε (FCL eq. 9).
        match gmin_idx {
            Some(j) if gmax + gmax2 >= self.eps => Some((i, j)),
            _ => None,
        }
    }

    /// On a cache miss for a working-set column `Q_i` (of `i` in selection, of `j` in the
    /// update), computes `Q_i` together with the columns of the next most violating variables
    /// (the likely next `i` and `j`) in one pass over the data: [`PREFETCH_COLUMNS`] in all, or
    /// [`PREFETCH_COLUMNS_ROOMY`] when the cache can hold every active column.
    fn prefetch_with(&mut self, i: usize) {
        let active = self.active_size;
        // Violation of t as a candidate: −y_t G_t on I_up, y_t G_t on I_low.
        let mut cand: Vec<(f64, usize)> = Vec::new();
        for t in 0..active {
            if t == i || self.q.is_cached(t, active) {
                continue;
            }
            let yg = self.y[t] as f64 * self.g[t];
            let up = if self.y[t] == 1 {
                !self.is_upper_bound(t)
            } else {
                !self.is_lower_bound(t)
            };
            let low = if self.y[t] == 1 {
                !self.is_lower_bound(t)
            } else {
                !self.is_upper_bound(t)
            };
            let v = match (up, low) {
                (true, true) => yg.abs(),
                (true, false) => -yg,
                (false, true) => yg,
                (false, false) => continue,
            };
            cand.push((v, t));
        }
        let batch = if active.saturating_mul(active) <= self.q.cache_capacity() {
            PREFETCH_COLUMNS_ROOMY
        } else {
            PREFETCH_COLUMNS
        };
        let extra = batch - 1;
        if cand.len() > extra {
            cand.select_nth_unstable_by(extra, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            cand.truncate(extra);
        }
        let mut idx = vec![i];
        idx.extend(cand.iter().map(|&(_, t)| t));
        self.q.prefetch(&idx, active);
    }

    /// `Solver_NU`: the same rule applied within each class; the pair with the better
    /// second-order decrease wins.
    fn select_working_set_nu(&mut self) -> Option<(usize, usize)> {
        let t0 = Instant::now();
        let active = self.active_size;
        let mut gmaxp = f64::NEG_INFINITY;
        let mut gmaxp2 = f64::NEG_INFINITY;
        let mut gmaxp_idx = None;
        let mut gmaxn = f64::NEG_INFINITY;
        let mut gmaxn2 = f64::NEG_INFINITY;
        let mut gmaxn_idx = None;
        let mut gmin_idx = None;
        let mut obj_diff_min = f64::INFINITY;
        for t in 0..active {
            if self.y[t] == 1 {
                if !self.is_upper_bound(t) && -self.g[t] >= gmaxp {
                    gmaxp = -self.g[t];
                    gmaxp_idx = Some(t);
                }
            } else if !self.is_lower_bound(t) && self.g[t] >= gmaxn {
                gmaxn = self.g[t];
                gmaxn_idx = Some(t);
            }
        }
        let t1 = Instant::now();
        self.counters.select_seconds += (t1 - t0).as_secs_f64();
        let (q_ip, q_in): (&[f32], &[f32]) = match (gmaxp_idx, gmaxn_idx) {
            (Some(ip), Some(i_n)) => self.q.get_q_pair(ip, i_n, active),
            (Some(ip), None) => (self.q.get_q(ip, active), &[]),
            (None, Some(i_n)) => (&[], self.q.get_q(i_n, active)),
            (None, None) => (&[], &[]),
        };
        let t2 = Instant::now();
        self.counters.kernel_seconds += (t2 - t1).as_secs_f64();
        let (qd, g, y, status) = (&self.qd, &self.g, &self.y, &self.alpha_status);
        for j in 0..active {
            if y[j] == 1 {
                if status[j] != Bound::Lower {
                    let grad_diff = gmaxp + g[j];
                    if g[j] >= gmaxp2 {
                        gmaxp2 = g[j];
                    }
                    if grad_diff > 0.0 {
                        // grad_diff > 0 implies gmaxp > −∞, so ip exists.
                        let ip = gmaxp_idx.unwrap_or(0);
                        let quad_coef = qd[ip] + qd[j] - 2.0 * q_ip[j] as f64;
                        let obj_diff = if quad_coef > 0.0 {
                            -(grad_diff * grad_diff) / quad_coef
                        } else {
                            -(grad_diff * grad_diff) / TAU
                        };
                        if obj_diff <= obj_diff_min {
                            gmin_idx = Some(j);
                            obj_diff_min = obj_diff;
                        }
                    }
                }
            } else if status[j] != Bound::Upper {
                let grad_diff = gmaxn - g[j];
                if -g[j] >= gmaxn2 {
                    gmaxn2 = -g[j];
                }
                if grad_diff > 0.0 {
                    let i_n = gmaxn_idx.unwrap_or(0);
                    let quad_coef = qd[i_n] + qd[j] - 2.0 * q_in[j] as f64;
                    let obj_diff = if quad_coef > 0.0 {
                        -(grad_diff * grad_diff) / quad_coef
                    } else {
                        -(grad_diff * grad_diff) / TAU
                    };
                    if obj_diff <= obj_diff_min {
                        gmin_idx = Some(j);
                        obj_diff_min = obj_diff;
                    }
                }
            }
        }
        self.counters.select_seconds += t2.elapsed().as_secs_f64();
        if (gmaxp + gmaxp2).max(gmaxn + gmaxn2) < self.eps {
            return None;
        }
        let j = gmin_idx?;
        let i = if self.y[j] == 1 { gmaxp_idx } else { gmaxn_idx }?;
        Some((i, j))
    }

    /// A bounded variable leaves the active set when its gradient says it cannot enter a
    /// violating pair (Chang & Lin §5.1, eq. 5.3).
    fn be_shrunk(&self, i: usize, gmax1: f64, gmax2: f64) -> bool {
        if self.is_upper_bound(i) {
            if self.y[i] == 1 {
                -self.g[i] > gmax1
            } else {
                -self.g[i] > gmax2
            }
        } else if self.is_lower_bound(i) {
            if self.y[i] == 1 {
                self.g[i] > gmax2
            } else {
                self.g[i] > gmax1
            }
        } else {
            false
        }
    }

    fn be_shrunk_nu(&self, i: usize, gmax: [f64; 4]) -> bool {
        let [gmax1, gmax2, gmax3, gmax4] = gmax;
        if self.is_upper_bound(i) {
            if self.y[i] == 1 {
                -self.g[i] > gmax1
            } else {
                -self.g[i] > gmax4
            }
        } else if self.is_lower_bound(i) {
            if self.y[i] == 1 {
                self.g[i] > gmax2
            } else {
                self.g[i] > gmax3
            }
        } else {
            false
        }
    }

    fn do_shrinking(&mut self) {
        let active = self.active_size;
        match self.variant {
            Variant::Standard => {
                let mut gmax1 = f64::NEG_INFINITY; // max { −y_i G_i | i ∈ I_up }
                let mut gmax2 = f64::NEG_INFINITY; // max { y_i G_i | i ∈ I_low }
                for i in 0..active {
                    let g = self.g[i];
                    if self.y[i] == 1 {
                        if !self.is_upper_bound(i) && -g >= gmax1 {
                            gmax1 = -g;
                        }
                        if !self.is_lower_bound(i) && g >= gmax2 {
                            gmax2 = g;
                        }
                    } else {
                        if !self.is_upper_bound(i) && -g >= gmax2 {
                            gmax2 = -g;
                        }
                        if !self.is_lower_bound(i) && g >= gmax1 {
                            gmax1 = g;
                        }
                    }
                }
                if !self.unshrink && gmax1 + gmax2 <= self.eps * 10.0 {
                    self.unshrink = true;
                    self.reconstruct_gradient();
                    self.active_size = self.l;
                }
                self.shrink_by(|s, i| s.be_shrunk(i, gmax1, gmax2));
            }
            Variant::Nu => {
                let mut gm = [f64::NEG_INFINITY; 4];
                for i in 0..active {
                    let g = self.g[i];
                    if !self.is_upper_bound(i) {
                        if self.y[i] == 1 {
                            gm[0] = gm[0].max(-g);
                        } else {
                            gm[3] = gm[3].max(-g);
                        }
                    }
                    if !self.is_lower_bound(i) {
                        if self.y[i] == 1 {
                            gm[1] = gm[1].max(g);
                        } else {
                            gm[2] = gm[2].max(g);
                        }
                    }
                }
                if !self.unshrink && (gm[0] + gm[1]).max(gm[2] + gm[3]) <= self.eps * 10.0 {
                    self.unshrink = true;
                    self.reconstruct_gradient();
                    self.active_size = self.l;
                }
                self.shrink_by(|s, i| s.be_shrunk_nu(i, gm));
            }
        }
    }

    /// Moves every variable with `shrink(i)` behind the active set (LIBSVM's two-pointer loop).
    fn shrink_by(&mut self, shrink: impl Fn(&Self, usize) -> bool) {
        let mut i = 0;
        while i < self.active_size {
            if shrink(self, i) {
                self.active_size -= 1;
                while self.active_size > i {
                    if !shrink(self, self.active_size) {
                        self.swap_index(i, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            i += 1;
        }
    }

    /// `ρ` (and `r` for the ν variant): the average of `y_i G_i` over free variables, or the
    /// midpoint of the feasible interval when none is free (Chang & Lin §4.1.5, §4.2).
    fn calculate_rho(&self) -> (f64, f64) {
        match self.variant {
            Variant::Standard => {
                let (mut ub, mut lb) = (f64::INFINITY, f64::NEG_INFINITY);
                let (mut nr_free, mut sum_free) = (0usize, 0.0);
                for i in 0..self.active_size {
                    let yg = self.y[i] as f64 * self.g[i];
                    if self.is_upper_bound(i) {
                        if self.y[i] == -1 {
                            ub = ub.min(yg);
                        } else {
                            lb = lb.max(yg);
                        }
                    } else if self.is_lower_bound(i) {
                        if self.y[i] == 1 {
                            ub = ub.min(yg);
                        } else {
                            lb = lb.max(yg);
                        }
                    } else {
                        nr_free += 1;
                        sum_free += yg;
                    }
                }
                let rho = if nr_free > 0 {
                    sum_free / nr_free as f64
                } else {
                    (ub + lb) / 2.0
                };
                (rho, 0.0)
            }
            Variant::Nu => {
                let (mut nr_free1, mut nr_free2) = (0usize, 0usize);
                let (mut ub1, mut ub2) = (f64::INFINITY, f64::INFINITY);
                let (mut lb1, mut lb2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
                let (mut sum_free1, mut sum_free2) = (0.0, 0.0);
                for i in 0..self.active_size {
                    let g = self.g[i];
                    if self.y[i] == 1 {
                        if self.is_upper_bound(i) {
                            lb1 = lb1.max(g);
                        } else if self.is_lower_bound(i) {
                            ub1 = ub1.min(g);
                        } else {
                            nr_free1 += 1;
                            sum_free1 += g;
                        }
                    } else if self.is_upper_bound(i) {
                        lb2 = lb2.max(g);
                    } else if self.is_lower_bound(i) {
                        ub2 = ub2.min(g);
                    } else {
                        nr_free2 += 1;
                        sum_free2 += g;
                    }
                }
                let r1 = if nr_free1 > 0 {
                    sum_free1 / nr_free1 as f64
                } else {
                    (ub1 + lb1) / 2.0
                };
                let r2 = if nr_free2 > 0 {
                    sum_free2 / nr_free2 as f64
                } else {
                    (ub2 + lb2) / 2.0
                };
                ((r1 - r2) / 2.0, (r1 + r2) / 2.0)
            }
        }
    }
}
