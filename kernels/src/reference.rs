//! The math, written plainly: slow, obviously-correct versions of every kernel in this crate,
//! accumulating in `f64`. The fast kernels are tested against these, never the other way round.

use crate::gemm::{MatMut, MatRef};

/// `C = α·A·B + β·C`, with `cᵢⱼ = α·Σₚ aᵢₚ·bₚⱼ + β·cᵢⱼ` accumulated in f64.
/// When `β = 0`, `C` is not read (BLAS semantics: a NaN in `C` does not survive).
pub fn sgemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: MatMut<'_>) {
    assert!(a.cols == b.rows && a.rows == c.rows && b.cols == c.cols);
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut acc = 0.0f64;
            for p in 0..a.cols {
                acc += a.at(i, p) as f64 * b.at(p, j) as f64;
            }
            let dst = &mut c.data[i * c.row_stride + j * c.col_stride];
            let v = alpha as f64 * acc
                + if beta == 0.0 {
                    0.0
                } else {
                    beta as f64 * *dst as f64
                };
            *dst = v as f32;
        }
    }
}

/// `Σ xᵢ·yᵢ` in f64.
pub fn dot(x: &[f32], y: &[f32]) -> f64 {
    x.iter().zip(y).map(|(&a, &b)| a as f64 * b as f64).sum()
}

/// `Σ (xᵢ − yᵢ)²` in f64.
pub fn squared_distance(x: &[f32], y: &[f32]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
        .sum()
}

/// `Σ xᵢ` in f64.
pub fn sum(x: &[f32]) -> f64 {
    x.iter().map(|&v| v as f64).sum()
}

/// `y ← α·x + y`, each element computed in f64 and rounded once.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = (alpha as f64 * x as f64 + *y as f64) as f32;
    }
}

/// `x ← α·x`.
pub fn scale(alpha: f32, x: &mut [f32]) {
    for v in x {
        *v = (alpha as f64 * *v as f64) as f32;
    }
}

/// `max xᵢ` (−∞ for an empty slice, NaN if any element is NaN).
pub fn max(x: &[f32]) -> f32 {
    if x.iter().any(|v| v.is_nan()) {
        return f32::NAN;
    }
    x.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

/// `yᵢ = max(xᵢ, 0)`.
pub fn relu(x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x } else { 0.0 };
    }
}

/// `eˣ` of each element, in f64 (`std`'s correctly rounded-ish `exp`), as f64.
pub fn exp(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| (v as f64).exp()).collect()
}
