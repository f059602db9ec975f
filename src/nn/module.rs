//! [`Module`]: what every layer can do.

use crate::autograd::{MaxPool2dOptions, Tape, Var};
use crate::error::Result;
use crate::nn::{Conv2d, Parameter};
use crate::tensor::Tensor;

/// A layer or a composition of layers.
pub trait Module: Send + Sync {
    /// The inference (no-grad) forward: computes on tensors and records nothing.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if `x` does not fit the layer.
    fn forward(&self, x: &Tensor) -> Result<Tensor>;

    /// The training forward: records onto `tape`, registering each parameter as a tape leaf and
    /// pushing its [`Var`] onto `params` in the order of [`Module::parameters`].
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if `x` does not fit the layer.
    fn forward_tape<'t>(
        &'t self,
        tape: &mut Tape<'t>,
        x: Var,
        params: &mut Vec<Var>,
    ) -> Result<Var>;

    /// The learnable parameters with their PyTorch names (`weight`, `bias`, prefixed by the layer
    /// name inside a [`crate::nn::Sequential`]), in a fixed order.
    fn parameters(&self) -> Vec<(String, &Parameter)> {
        Vec::new()
    }

    /// [`Module::parameters`], mutably, in the same order.
    fn parameters_mut(&mut self) -> Vec<(String, &mut Parameter)> {
        Vec::new()
    }

    /// What this layer is, if it can take part in a fused chain of layers (see [`LayerKind`]);
    /// `None` (the default) for every other layer.
    fn kind(&self) -> Option<LayerKind<'_>> {
        None
    }
}

/// The layers that [`crate::nn::Sequential`] can run as one fused op: a [`Conv2d`] followed by a
/// [`crate::nn::ReLU`] and a [`crate::nn::MaxPool2d`] is recorded as
/// [`Tape::conv2d_relu_max_pool2d`] (same numbers, less memory traffic).
#[derive(Clone, Copy, Debug)]
pub enum LayerKind<'a> {
    /// A convolution layer.
    Conv2d(&'a Conv2d),
    /// `max(x, 0)`.
    ReLU,
    /// A max pool with these options.
    MaxPool2d(MaxPool2dOptions),
}
