//! [`Linear`]: `y = x·Wᵀ + b`.

use crate::autograd::{self, Tape, Var};
use crate::error::Result;
use crate::nn::{init::Initializer, Module, Parameter};
use crate::tensor::Tensor;

/// A fully-connected layer, `y = x·Wᵀ + b`, `x: [N, in]`, `W: [out, in]`, `b: [out]` — PyTorch's
/// `nn.Linear` layout and initialisation.
#[derive(Clone, Debug)]
pub struct Linear {
    /// `[out, in]`.
    pub weight: Parameter,
    /// `[out]`.
    pub bias: Parameter,
}

impl Linear {
    /// A layer initialised as PyTorch does (`U(±1/√in)` for both), from `init`.
    pub fn new(inputs: usize, outputs: usize, init: &mut Initializer) -> Self {
        let weight = init.kaiming_uniform_sqrt5(&[outputs, inputs], inputs);
        let bias = init.uniform(&[outputs], crate::nn::init::fan_in_bound(inputs));
        Linear {
            weight: Parameter::new(weight),
            bias: Parameter::new(bias),
        }
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        autograd::linear(x, &self.weight.value, Some(&self.bias.value))
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
        tape.linear(x, w, Some(b))
    }

    fn parameters(&self) -> Vec<(String, &Parameter)> {
        vec![("weight".into(), &self.weight), ("bias".into(), &self.bias)]
    }

    fn parameters_mut(&mut self) -> Vec<(String, &mut Parameter)> {
        vec![
            ("weight".into(), &mut self.weight),
            ("bias".into(), &mut self.bias),
        ]
    }
}
