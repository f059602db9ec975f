//! Stochastic gradient descent, PyTorch's `torch.optim.SGD`.
//!
//! For each parameter `p` with gradient `g`, momentum `μ`, dampening `τ`, weight decay `λ`:
//!
//! ```text
//! g ← g + λ·p
//! b ← g                        on the first step
//! b ← μ·b + (1 − τ)·g          afterwards                (if μ ≠ 0)
//! g ← g + μ·b  (Nesterov)  or  g ← b                     (if μ ≠ 0)
//! p ← p − lr·g
//! ```

use super::{check_state, put, state_index, Optimizer};
use crate::error::{Error, Result};
use crate::nn::Parameter;
use crate::tensor::Tensor;

/// SGD hyper-parameters (PyTorch's defaults apart from `lr`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate.
    pub lr: f32,
    /// Momentum `μ` (0: plain SGD).
    pub momentum: f32,
    /// Dampening `τ` of the momentum.
    pub dampening: f32,
    /// Nesterov momentum (needs `μ > 0` and `τ = 0`).
    pub nesterov: bool,
    /// L2 weight decay `λ`, added to the gradient.
    pub weight_decay: f32,
}

impl SgdConfig {
    /// Plain SGD with learning rate `lr`.
    pub fn new(lr: f32) -> Self {
        SgdConfig {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }
}

/// SGD with momentum buffers, one per parameter position.
#[derive(Clone, Debug)]
pub struct Sgd {
    config: SgdConfig,
    momentum_buffers: Vec<Option<Tensor>>,
}

impl Sgd {
    /// An optimizer with `config`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a negative or non-finite hyper-parameter, or Nesterov
    /// without momentum or with dampening (as PyTorch).
    pub fn new(config: SgdConfig) -> Result<Self> {
        let c = config;
        let bad = |what: &str, v: f32| {
            Error::InvalidArgument(format!("SGD: {what} must be finite and ≥ 0, got {v}"))
        };
        for (what, v) in [
            ("lr", c.lr),
            ("momentum", c.momentum),
            ("dampening", c.dampening),
            ("weight_decay", c.weight_decay),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(what, v));
            }
        }
        if c.nesterov && (c.momentum <= 0.0 || c.dampening != 0.0) {
            return Err(Error::InvalidArgument(
                "SGD: Nesterov momentum requires momentum > 0 and dampening = 0".into(),
            ));
        }
        Ok(Sgd {
            config,
            momentum_buffers: Vec::new(),
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> SgdConfig {
        self.config
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &mut [&mut Parameter]) -> Result<()> {
        let c = self.config;
        if self.momentum_buffers.len() < params.len() {
            self.momentum_buffers.resize(params.len(), None);
        }
        for (i, p) in params.iter_mut().enumerate() {
            let Some(grad) = &p.grad else { continue };
            check_state("SGD", i, &p.value, grad)?;
            let w = p.value.data_mut();
            let g = grad.data();
            if c.momentum == 0.0 {
                for (w, &g) in w.iter_mut().zip(g) {
                    let d = g + c.weight_decay * *w;
                    *w -= c.lr * d;
                }
                continue;
            }
            let first = self.momentum_buffers[i].is_none();
            let buf = self.momentum_buffers[i].get_or_insert_with(|| Tensor::zeros(grad.shape()));
            if buf.shape() != grad.shape() {
                return Err(crate::error::Error::Shape {
                    op: "SGD",
                    lhs: grad.shape().to_vec(),
                    rhs: buf.shape().to_vec(),
                    expected: format!("parameter {i} to keep the shape of its momentum buffer"),
                });
            }
            for ((w, &g), b) in w.iter_mut().zip(g).zip(buf.data_mut()) {
                let d = g + c.weight_decay * *w;
                *b = if first {
                    d
                } else {
                    c.momentum * *b + (1.0 - c.dampening) * d
                };
                let step = if c.nesterov { d + c.momentum * *b } else { *b };
                *w -= c.lr * step;
            }
        }
        Ok(())
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        self.momentum_buffers
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.clone().map(|b| (format!("momentum_buffer.{i}"), b)))
            .collect()
    }

    fn load_state(&mut self, state: Vec<(String, Tensor)>) -> Result<()> {
        let mut buffers = Vec::new();
        for (name, t) in state {
            let i = state_index(&name, "momentum_buffer").ok_or_else(|| {
                Error::InvalidArgument(format!("SGD state: unknown entry `{name}`"))
            })?;
            put(&mut buffers, i, t);
        }
        self.momentum_buffers = buffers;
        Ok(())
    }
}
