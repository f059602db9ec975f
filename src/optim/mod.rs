//! Optimizers: SGD (momentum, dampening, Nesterov, weight decay) and Adam / AdamW, with
//! PyTorch's exact update rules, and [`zero_grad`].
//!
//! An optimizer sees the parameters as a slice in a fixed order (its state is kept per position)
//! and reads each [`Parameter::grad`]; a parameter without a gradient is skipped, as in PyTorch.

mod adam;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use sgd::{Sgd, SgdConfig};

use crate::error::{Error, Result};
use crate::nn::Parameter;
use crate::tensor::Tensor;

/// Updates parameters from their gradients.
pub trait Optimizer {
    /// One update of every parameter that has a gradient. `params` must be given in the same
    /// order on every call.
    ///
    /// # Errors
    /// [`Error::Shape`] if a parameter's shape differs from the state kept for its position.
    fn step(&mut self, params: &mut [&mut Parameter]) -> Result<()>;

    /// The optimizer's state (step counts, moment buffers) as named tensors, for checkpoints.
    fn state(&self) -> Vec<(String, Tensor)>;

    /// Restores a state produced by [`Optimizer::state`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if a name is unknown or a value is malformed.
    fn load_state(&mut self, state: Vec<(String, Tensor)>) -> Result<()>;
}

/// Clears every gradient (PyTorch's `zero_grad(set_to_none=True)`).
pub fn zero_grad(params: &mut [&mut Parameter]) {
    for p in params {
        p.grad = None;
    }
}

/// Checks that a state buffer kept for parameter `i` still has the parameter's shape.
fn check_state(op: &'static str, i: usize, param: &Tensor, state: &Tensor) -> Result<()> {
    if param.shape() != state.shape() {
        return Err(Error::Shape {
            op,
            lhs: param.shape().to_vec(),
            rhs: state.shape().to_vec(),
            expected: format!("parameter {i} to keep the shape of its optimizer state"),
        });
    }
    Ok(())
}

/// Parses `"<prefix>.<index>"` state names.
fn state_index(name: &str, prefix: &str) -> Option<usize> {
    name.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()
}

/// Places `t` at `slots[i]`, growing `slots`.
fn put(slots: &mut Vec<Option<Tensor>>, i: usize, t: Tensor) {
    if slots.len() <= i {
        slots.resize(i + 1, None);
    }
    slots[i] = Some(t);
}
