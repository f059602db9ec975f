//! A slow, plain reference solver for tests: the same dual, no shrinking, no cache.
//!
//! It evaluates the full `l × l` matrix `Q` up front in `f64` and runs SMO with the
//! maximal-violating-pair rule (Keerthi et al. 2001; FCL WSS 1) until `m(α) − M(α) < eps`.
//! Being a different algorithm on the same convex problem, it reaches the same optimum value
//! of the dual objective; tests compare objective values with it.

// Index loops mirror LIBSVM's svm.cpp line by line, so a reader can follow along.
#![allow(clippy::needless_range_loop)]

/// Solves `min ½αᵀQα + pᵀα, yᵀα = yᵀα₀, 0 ≤ α_t ≤ c[t]` from the feasible start `alpha`.
///
/// `q` is the dense `l × l` matrix (row-major), `y` the ±1 labels. Returns the final objective
/// value; `alpha` holds the solution.
///
/// # Panics
/// If the slices' lengths disagree.
pub fn solve_dual(q: &[f64], p: &[f64], y: &[f64], c: &[f64], alpha: &mut [f64], eps: f64) -> f64 {
    let l = alpha.len();
    assert!(q.len() == l * l && p.len() == l && y.len() == l && c.len() == l);
    // Gradient G = Qα + p, recomputed from scratch every so often to avoid drift.
    let gradient = |alpha: &[f64]| -> Vec<f64> {
        (0..l)
            .map(|i| p[i] + (0..l).map(|j| q[i * l + j] * alpha[j]).sum::<f64>())
            .collect()
    };
    let mut g = gradient(alpha);
    for iter in 0..10_000_000usize {
        if iter % 1000 == 999 {
            g = gradient(alpha);
        }
        // I_up: y=+1, α<C or y=−1, α>0; I_low: y=+1, α>0 or y=−1, α<C.
        let (mut i, mut gmax) = (usize::MAX, f64::NEG_INFINITY);
        let (mut j, mut gmin) = (usize::MAX, f64::INFINITY);
        for t in 0..l {
            let v = -y[t] * g[t];
            let up = (y[t] > 0.0 && alpha[t] < c[t]) || (y[t] < 0.0 && alpha[t] > 0.0);
            let low = (y[t] > 0.0 && alpha[t] > 0.0) || (y[t] < 0.0 && alpha[t] < c[t]);
            if up && v > gmax {
                gmax = v;
                i = t;
            }
            if low && v < gmin {
                gmin = v;
                j = t;
            }
        }
        if i == usize::MAX || j == usize::MAX || gmax - gmin < eps {
            break;
        }
        // Move along d_i = y_i, d_j = −y_j: α_i += y_i·t, α_j −= y_j·t, t ≥ 0.
        let a = (q[i * l + i] + q[j * l + j] - 2.0 * y[i] * y[j] * q[i * l + j]).max(1e-12);
        let mut t = (gmax - gmin) / a;
        // Box limits for t.
        t = t.min(if y[i] > 0.0 {
            c[i] - alpha[i]
        } else {
            alpha[i]
        });
        t = t.min(if y[j] > 0.0 {
            alpha[j]
        } else {
            c[j] - alpha[j]
        });
        let (di, dj) = (y[i] * t, -y[j] * t);
        alpha[i] += di;
        alpha[j] += dj;
        // Snap to the bounds the step was clipped to (rounding would leave 1e-17 gaps).
        for t in [i, j] {
            if alpha[t].abs() <= 1e-13 * c[t] {
                alpha[t] = 0.0;
            } else if (alpha[t] - c[t]).abs() <= 1e-13 * c[t] {
                alpha[t] = c[t];
            }
        }
        for k in 0..l {
            g[k] += q[k * l + i] * di + q[k * l + j] * dj;
        }
    }
    let g = gradient(alpha);
    (0..l).map(|i| alpha[i] * (g[i] + p[i])).sum::<f64>() / 2.0
}
