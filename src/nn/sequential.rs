//! [`Sequential`]: named layers applied one after another.

use crate::autograd::{Tape, Var};
use crate::error::Result;
use crate::nn::{LayerKind, Module, Parameter};
use crate::tensor::Tensor;

/// A chain of named layers; parameter names are `<layer>.<param>` (`conv1.weight`), as in
/// PyTorch's named modules.
///
/// When recording for training, a [`crate::nn::Conv2d`] directly followed by a
/// [`crate::nn::ReLU`] and a [`crate::nn::MaxPool2d`] is recorded as one fused op
/// ([`Tape::conv2d_relu_max_pool2d`]): the same numbers, without storing the convolution's output.
#[derive(Default)]
pub struct Sequential {
    layers: Vec<(String, Box<dyn Module>)>,
}

impl Sequential {
    /// An empty chain.
    pub fn new() -> Self {
        Sequential::default()
    }

    /// Appends `layer` under `name`.
    pub fn push(mut self, name: &str, layer: impl Module + 'static) -> Self {
        self.layers.push((name.to_string(), Box::new(layer)));
        self
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Inference through the first `count` layers only (all of them if `count ≥ len`).
    ///
    /// # Errors
    /// As the layers' `forward`.
    pub fn forward_prefix(&self, x: &Tensor, count: usize) -> Result<Tensor> {
        let mut layers = self.layers.iter().take(count);
        let Some((_, first)) = layers.next() else {
            return Ok(x.clone());
        };
        let mut h = first.forward(x)?;
        for (_, layer) in layers {
            h = layer.forward(&h)?;
        }
        Ok(h)
    }
}

impl Module for Sequential {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_prefix(x, self.layers.len())
    }

    fn forward_tape<'t>(
        &'t self,
        tape: &mut Tape<'t>,
        x: Var,
        params: &mut Vec<Var>,
    ) -> Result<Var> {
        let mut h = x;
        let mut rest = &self.layers[..];
        while let Some(((_, layer), after)) = rest.split_first() {
            // conv → relu → pool: one fused op (the same numbers, no stored conv output).
            if let [(_, relu), (_, pool), tail @ ..] = after {
                if let (
                    Some(LayerKind::Conv2d(conv)),
                    Some(LayerKind::ReLU),
                    Some(LayerKind::MaxPool2d(opts)),
                ) = (layer.kind(), relu.kind(), pool.kind())
                {
                    h = conv.forward_tape_relu_max_pool2d(tape, h, opts, params)?;
                    rest = tail;
                    continue;
                }
            }
            h = layer.forward_tape(tape, h, params)?;
            rest = after;
        }
        Ok(h)
    }

    fn parameters(&self) -> Vec<(String, &Parameter)> {
        let mut out = Vec::new();
        for (name, layer) in &self.layers {
            for (p, t) in layer.parameters() {
                out.push((format!("{name}.{p}"), t));
            }
        }
        out
    }

    fn parameters_mut(&mut self) -> Vec<(String, &mut Parameter)> {
        let mut out = Vec::new();
        for (name, layer) in &mut self.layers {
            for (p, t) in layer.parameters_mut() {
                out.push((format!("{name}.{p}"), t));
            }
        }
        out
    }
}
