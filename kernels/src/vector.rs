//! Level-1 vector kernels, dispatched like [`crate::gemm`].
//!
//! NOTE (skeleton): plain loops for now; the SIMD versions replace them (issue 2). The signatures
//! are the contract other modules build on.

fn same_len(what: &str, a: usize, b: usize) {
    assert!(a == b, "{what}: slices differ in length ({a} vs {b})");
}

/// `Σ xᵢ·yᵢ`.
///
/// # Panics
/// If the slices differ in length.
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    same_len("dot", x.len(), y.len());
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// `y ← α·x + y`.
///
/// # Panics
/// If the slices differ in length.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    same_len("axpy", x.len(), y.len());
    for (y, x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// `x ← α·x`.
pub fn scale(alpha: f32, x: &mut [f32]) {
    for v in x {
        *v *= alpha;
    }
}

/// `Σ xᵢ` (0 for an empty slice).
pub fn sum(x: &[f32]) -> f32 {
    x.iter().sum()
}

/// `max xᵢ` (−∞ for an empty slice; NaN if any element is NaN).
pub fn max(x: &[f32]) -> f32 {
    let mut m = f32::NEG_INFINITY;
    for &v in x {
        if v.is_nan() {
            return f32::NAN;
        }
        m = m.max(v);
    }
    m
}

/// `yᵢ = max(xᵢ, 0)`.
///
/// # Panics
/// If the slices differ in length.
pub fn relu(x: &[f32], y: &mut [f32]) {
    same_len("relu", x.len(), y.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x } else { 0.0 };
    }
}

/// `xᵢ ← exp(xᵢ)` in place.
pub fn exp(x: &mut [f32]) {
    for v in x {
        *v = v.exp();
    }
}

/// `Σ (xᵢ − yᵢ)²`.
///
/// # Panics
/// If the slices differ in length.
pub fn squared_distance(x: &[f32], y: &[f32]) -> f32 {
    same_len("squared_distance", x.len(), y.len());
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
}
