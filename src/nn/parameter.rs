//! [`Parameter`]: a learnable tensor and the gradient accumulated for it.

use crate::tensor::Tensor;

/// A learnable tensor with its gradient, as in PyTorch: backward passes ADD into `grad`
/// ([`Parameter::accumulate_grad`]) until [`crate::optim::zero_grad`] clears it.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The current value.
    pub value: Tensor,
    /// `∂loss/∂value` summed over the backward passes since the last `zero_grad`; `None` if none.
    pub grad: Option<Tensor>,
}

impl Parameter {
    /// A parameter with no gradient yet.
    pub fn new(value: Tensor) -> Self {
        Parameter { value, grad: None }
    }

    /// `grad += g` (or `grad = g` if there is none).
    ///
    /// # Panics
    /// If `g`'s shape differs from the value's (a gradient always has its parameter's shape).
    pub fn accumulate_grad(&mut self, g: Tensor) {
        assert_eq!(
            g.shape(),
            self.value.shape(),
            "gradient shape differs from parameter"
        );
        match &mut self.grad {
            Some(acc) => lepton_kernels::vector::axpy(1.0, g.data(), acc.data_mut()),
            None => self.grad = Some(g),
        }
    }
}
