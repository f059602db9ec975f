//! Activation backward kernels (the forward ReLU is [`crate::vector::relu`]).
//!
//! ```text
//! relu(x) = max(x, 0)        ∂relu/∂x = [x > 0]   (0 at x = 0, as PyTorch)
//! ```

/// ReLU backward from the forward OUTPUT `y`: `dxᵢ = dyᵢ` where `yᵢ > 0`, else 0 (overwrites `dx`).
/// Using the output is equivalent to using the input, since `y > 0 ⇔ x > 0`.
///
/// # Panics
/// If the slices differ in length.
pub fn relu_backward(y: &[f32], dy: &[f32], dx: &mut [f32]) {
    assert!(
        y.len() == dy.len() && dy.len() == dx.len(),
        "relu_backward: slices differ in length ({}, {}, {})",
        y.len(),
        dy.len(),
        dx.len()
    );
    for ((d, &g), &v) in dx.iter_mut().zip(dy).zip(y) {
        *d = if v > 0.0 { g } else { 0.0 };
    }
}
