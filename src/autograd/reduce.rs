//! Reductions to a scalar: `sum` and `mean` over all elements.

use super::tape::{Backward, Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;

/// `s = scale · Σᵢ xᵢ` (scale 1 for sum, 1/n for mean); `∂L/∂xᵢ = scale · ∂L/∂s` for every `i`.
struct ScaledSum {
    scale: f32,
}
impl Backward for ScaledSum {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        _: &[bool],
    ) -> Vec<Option<Tensor>> {
        vec![Some(Tensor::full(
            inputs[0].shape(),
            self.scale * grad.data()[0],
        ))]
    }
}

fn sum_f64(x: &Tensor) -> f64 {
    x.data().iter().map(|&v| v as f64).sum()
}

impl Tape<'_> {
    /// `Σᵢ xᵢ` over all elements, a scalar (shape `[]`), accumulated in f64.
    ///
    /// # Errors
    /// None today; returns `Result` like every op.
    pub fn sum(&mut self, x: Var) -> Result<Var> {
        let s = sum_f64(self.value(x)) as f32;
        Ok(self.push(Tensor::full(&[], s), &[x], ScaledSum { scale: 1.0 }))
    }

    /// `(1/n)·Σᵢ xᵢ` over all `n` elements, a scalar (shape `[]`). The mean of nothing is NaN.
    ///
    /// # Errors
    /// None today; returns `Result` like every op.
    pub fn mean(&mut self, x: Var) -> Result<Var> {
        let n = self.value(x).len();
        let s = (sum_f64(self.value(x)) / n as f64) as f32;
        let scale = 1.0 / n as f32;
        Ok(self.push(Tensor::full(&[], s), &[x], ScaledSum { scale }))
    }
}
