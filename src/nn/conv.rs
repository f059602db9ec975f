//! [`Conv2d`]: a 2-D convolution layer over NCHW tensors.

use crate::autograd::{self, Conv2dOptions, MaxPool2dOptions, Tape, Var};
use crate::error::Result;
use crate::nn::{init::Initializer, LayerKind, Module, Parameter};
use crate::tensor::Tensor;

/// `y = conv2d(x, W) + b` with `W: [O, C, KH, KW]`, `b: [O]` — PyTorch's `nn.Conv2d` layout and
/// initialisation (`U(±1/√(C·KH·KW))`).
#[derive(Clone, Debug)]
pub struct Conv2d {
    /// `[O, C, KH, KW]`.
    pub weight: Parameter,
    /// `[O]`.
    pub bias: Parameter,
    /// Stride, padding, dilation.
    pub options: Conv2dOptions,
}

impl Conv2d {
    /// `in_channels → out_channels` with a `kernel.0 × kernel.1` kernel, initialised from `init`.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel: (usize, usize),
        options: Conv2dOptions,
        init: &mut Initializer,
    ) -> Self {
        let fan_in = in_channels * kernel.0 * kernel.1;
        let weight =
            init.kaiming_uniform_sqrt5(&[out_channels, in_channels, kernel.0, kernel.1], fan_in);
        let bias = init.uniform(&[out_channels], crate::nn::init::fan_in_bound(fan_in));
        Conv2d {
            weight: Parameter::new(weight),
            bias: Parameter::new(bias),
            options,
        }
    }
}

impl Conv2d {
    /// Records `max_pool2d(relu(self(x)))` as one op ([`Tape::conv2d_relu_max_pool2d`]),
    /// registering `weight` and `bias` as [`Module::forward_tape`] does.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if `x` does not fit the convolution or the pool window does not
    /// fit its output.
    pub fn forward_tape_relu_max_pool2d<'t>(
        &'t self,
        tape: &mut Tape<'t>,
        x: Var,
        pool: MaxPool2dOptions,
        params: &mut Vec<Var>,
    ) -> Result<Var> {
        let w = tape.param_ref(&self.weight.value);
        let b = tape.param_ref(&self.bias.value);
        params.extend([w, b]);
        tape.conv2d_relu_max_pool2d(x, w, Some(b), self.options, pool)
    }
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        autograd::conv2d(x, &self.weight.value, Some(&self.bias.value), self.options)
    }

    fn forward_tape<'t>(
        &'t self,
        tape: &mut Tape<'t>,
        x: Var,
        params: &mut Vec<Var>,
    ) -> Result<Var> {
        let w = tape.param_ref(&self.weight.value);
        let b = tape.param_ref(&self.bias.value);
        params.extend([w, b]);
        tape.conv2d(x, w, Some(b), self.options)
    }

    fn parameters(&self) -> Vec<(String, &Parameter)> {
        vec![("weight".into(), &self.weight), ("bias".into(), &self.bias)]
    }

    fn kind(&self) -> Option<LayerKind<'_>> {
        Some(LayerKind::Conv2d(self))
    }

    fn parameters_mut(&mut self) -> Vec<(String, &mut Parameter)> {
        vec![
            ("weight".into(), &mut self.weight),
            ("bias".into(), &mut self.bias),
        ]
    }
}
