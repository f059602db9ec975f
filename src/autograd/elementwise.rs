//! Element-wise ops on tensors of identical shape: `add`, `sub`, `mul`, and `relu`.

use super::recycler;
use super::tape::{shape_error, Backward, Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;

fn same_shape(op: &'static str, tape: &Tape, a: Var, b: Var) -> Result<()> {
    let (sa, sb) = (tape.value(a).shape(), tape.value(b).shape());
    if sa != sb {
        return Err(shape_error(op, sa, sb, "identical shapes"));
    }
    Ok(())
}

fn zip_map(a: &Tensor, b: &Tensor, f: impl Fn(f32, f32) -> f32) -> Tensor {
    let data = a
        .data()
        .iter()
        .zip(b.data())
        .map(|(&x, &y)| f(x, y))
        .collect();
    Tensor::from_vec(data, a.shape()).expect("same shape")
}

/// `c = a + b`;  `∂L/∂a = ∂L/∂c`, `∂L/∂b = ∂L/∂c`.
struct Add;
impl Backward for Add {
    fn backward(
        &self,
        _: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        vec![
            needs[0].then(|| recycler::copy(grad)),
            needs[1].then(|| recycler::copy(grad)),
        ]
    }
}

/// `c = a − b`;  `∂L/∂a = ∂L/∂c`, `∂L/∂b = −∂L/∂c`.
struct Sub;
impl Backward for Sub {
    fn backward(
        &self,
        _: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        let neg = || {
            let mut g = recycler::copy(grad);
            g.data_mut().iter_mut().for_each(|v| *v = -*v);
            g
        };
        vec![needs[0].then(|| recycler::copy(grad)), needs[1].then(neg)]
    }
}

/// `c = a ⊙ b` (element-wise);  `∂L/∂a = ∂L/∂c ⊙ b`, `∂L/∂b = ∂L/∂c ⊙ a`.
struct Mul;
impl Backward for Mul {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        vec![
            needs[0].then(|| zip_map(grad, inputs[1], |g, b| g * b)),
            needs[1].then(|| zip_map(grad, inputs[0], |g, a| g * a)),
        ]
    }
}

/// `y = max(x, 0)`;  `∂L/∂x = ∂L/∂y ⊙ [y > 0]` (the output's sign is the mask; 0 at x = 0).
struct Relu;
impl Backward for Relu {
    fn backward(
        &self,
        _: &[&Tensor],
        output: &Tensor,
        grad: &Tensor,
        _: &[bool],
    ) -> Vec<Option<Tensor>> {
        let mut dx = recycler::zeros(grad.shape());
        lepton_kernels::activation::relu_backward(output.data(), grad.data(), dx.data_mut());
        vec![Some(dx)]
    }
}

/// `relu(x) = max(x, 0)` element-wise, without recording (inference).
pub fn relu(x: &Tensor) -> Tensor {
    let mut y = recycler::zeros(x.shape());
    lepton_kernels::vector::relu(x.data(), y.data_mut());
    y
}

impl Tape<'_> {
    /// `a + b` element-wise.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if the shapes differ.
    pub fn add(&mut self, a: Var, b: Var) -> Result<Var> {
        same_shape("add", self, a, b)?;
        let c = zip_map(self.value(a), self.value(b), |x, y| x + y);
        Ok(self.push(c, &[a, b], Add))
    }

    /// `a − b` element-wise.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if the shapes differ.
    pub fn sub(&mut self, a: Var, b: Var) -> Result<Var> {
        same_shape("sub", self, a, b)?;
        let c = zip_map(self.value(a), self.value(b), |x, y| x - y);
        Ok(self.push(c, &[a, b], Sub))
    }

    /// `a ⊙ b` element-wise.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if the shapes differ.
    pub fn mul(&mut self, a: Var, b: Var) -> Result<Var> {
        same_shape("mul", self, a, b)?;
        let c = zip_map(self.value(a), self.value(b), |x, y| x * y);
        Ok(self.push(c, &[a, b], Mul))
    }

    /// `max(x, 0)` element-wise.
    pub fn relu(&mut self, x: Var) -> Var {
        let y = relu(self.value(x));
        self.push(y, &[x], Relu)
    }
}
