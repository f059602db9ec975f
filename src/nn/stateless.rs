//! Layers without parameters: [`MaxPool2d`], [`ReLU`], [`Flatten`].

use crate::autograd::{self, MaxPool2dOptions, Tape, Var};
use crate::error::Result;
use crate::nn::{LayerKind, Module};
use crate::tensor::Tensor;

/// Max pooling over NCHW tensors (see [`crate::autograd::MaxPool2dOptions`]).
#[derive(Clone, Copy, Debug)]
pub struct MaxPool2d {
    /// Window, stride, padding.
    pub options: MaxPool2dOptions,
}

impl Module for MaxPool2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        autograd::max_pool2d(x, self.options)
    }
    fn forward_tape<'t>(&'t self, tape: &mut Tape<'t>, x: Var, _: &mut Vec<Var>) -> Result<Var> {
        tape.max_pool2d(x, self.options)
    }
    fn kind(&self) -> Option<LayerKind<'_>> {
        Some(LayerKind::MaxPool2d(self.options))
    }
}

/// `max(x, 0)` element-wise.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReLU;

impl Module for ReLU {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(autograd::relu(x))
    }
    fn forward_tape<'t>(&'t self, tape: &mut Tape<'t>, x: Var, _: &mut Vec<Var>) -> Result<Var> {
        Ok(tape.relu(x))
    }
    fn kind(&self) -> Option<LayerKind<'_>> {
        Some(LayerKind::ReLU)
    }
}

/// `[N, d1, d2, …] → [N, d1·d2·…]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flatten;

impl Module for Flatten {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let shape = autograd::flatten_shape(x.shape())?;
        x.clone().reshape(&shape)
    }
    fn forward_tape<'t>(&'t self, tape: &mut Tape<'t>, x: Var, _: &mut Vec<Var>) -> Result<Var> {
        tape.flatten(x)
    }
}
