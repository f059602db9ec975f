//! Shape ops: `reshape` and `flatten` move no numbers, only reinterpret them.

use super::recycler;
use super::tape::{Backward, Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;

/// `y = reshape(x)`; `∂L/∂x = reshape(∂L/∂y, shape(x))` — the same numbers in the old shape.
struct Reshape;
impl Backward for Reshape {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        _: &[bool],
    ) -> Vec<Option<Tensor>> {
        let dx = recycler::copy(grad)
            .reshape(inputs[0].shape())
            .expect("same element count");
        vec![Some(dx)]
    }
}

impl Tape<'_> {
    /// The same elements under a new shape.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if the element counts differ.
    pub fn reshape(&mut self, x: Var, shape: &[usize]) -> Result<Var> {
        let y = recycler::copy(self.value(x)).reshape(shape)?;
        Ok(self.push(y, &[x], Reshape))
    }

    /// `[N, d1, d2, …] → [N, d1·d2·…]` (PyTorch's `flatten(x, 1)`); a 1-D input becomes `[N, 1]`.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if `x` is a scalar.
    pub fn flatten(&mut self, x: Var) -> Result<Var> {
        let shape = flatten_shape(self.value(x).shape())?;
        self.reshape(x, &shape)
    }
}

/// The shape of `flatten(x, 1)`: `[N, rest]`.
///
/// # Errors
/// [`crate::Error::Shape`] if `shape` is empty.
pub fn flatten_shape(shape: &[usize]) -> Result<[usize; 2]> {
    match shape.split_first() {
        Some((&n, rest)) => Ok([n, rest.iter().product()]),
        None => Err(super::tape::shape_error(
            "flatten",
            shape,
            &[],
            "at least one dimension",
        )),
    }
}
