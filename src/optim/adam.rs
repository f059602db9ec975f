//! Adam and AdamW, PyTorch's `torch.optim.Adam` / `torch.optim.AdamW`.
//!
//! For each parameter `p` with gradient `g`, at step `t = 1, 2, …`:
//!
//! ```text
//! Adam:   g ← g + λ·p                         (L2 weight decay, in the gradient)
//! AdamW:  p ← p·(1 − lr·λ)                    (decoupled weight decay)
//! m ← β₁·m + (1 − β₁)·g
//! v ← β₂·v + (1 − β₂)·g²
//! p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//! ```

use super::{check_state, put, state_index, Optimizer};
use crate::error::{Error, Result};
use crate::nn::Parameter;
use crate::tensor::Tensor;

/// Adam hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate (PyTorch default 1e-3).
    pub lr: f32,
    /// `(β₁, β₂)`, default `(0.9, 0.999)`.
    pub betas: (f32, f32),
    /// `ε`, default 1e-8.
    pub eps: f32,
    /// Weight decay `λ` (Adam default 0; AdamW default 0.01).
    pub weight_decay: f32,
    /// `true` for AdamW's decoupled decay, `false` for Adam's L2 decay.
    pub decoupled_weight_decay: bool,
}

impl AdamConfig {
    /// Adam with PyTorch's defaults and learning rate `lr`.
    pub fn adam(lr: f32) -> Self {
        AdamConfig {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            decoupled_weight_decay: false,
        }
    }

    /// AdamW with PyTorch's defaults (`weight_decay` 0.01) and learning rate `lr`.
    pub fn adamw(lr: f32) -> Self {
        AdamConfig {
            weight_decay: 0.01,
            decoupled_weight_decay: true,
            ..AdamConfig::adam(lr)
        }
    }
}

/// Adam / AdamW with first and second moment buffers per parameter position.
#[derive(Clone, Debug)]
pub struct Adam {
    config: AdamConfig,
    steps: Vec<u64>,
    exp_avg: Vec<Option<Tensor>>,
    exp_avg_sq: Vec<Option<Tensor>>,
}

impl Adam {
    /// An optimizer with `config`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a negative/non-finite lr, eps or weight decay, or a β
    /// outside `[0, 1)`.
    pub fn new(config: AdamConfig) -> Result<Self> {
        let c = config;
        for (what, v) in [
            ("lr", c.lr),
            ("eps", c.eps),
            ("weight_decay", c.weight_decay),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::InvalidArgument(format!(
                    "Adam: {what} must be finite and ≥ 0, got {v}"
                )));
            }
        }
        for b in [c.betas.0, c.betas.1] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::InvalidArgument(format!(
                    "Adam: betas must be in [0, 1), got {b}"
                )));
            }
        }
        Ok(Adam {
            config,
            steps: Vec::new(),
            exp_avg: Vec::new(),
            exp_avg_sq: Vec::new(),
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> AdamConfig {
        self.config
    }
}

impl Optimizer for Adam {
    fn step(&mut self, params: &mut [&mut Parameter]) -> Result<()> {
        let c = self.config;
        let n = params.len().max(self.steps.len());
        self.steps.resize(n, 0);
        self.exp_avg.resize(n, None);
        self.exp_avg_sq.resize(n, None);
        for (i, p) in params.iter_mut().enumerate() {
            let Some(grad) = &p.grad else { continue };
            check_state("Adam", i, &p.value, grad)?;
            let shape = p.value.shape().to_vec();
            let m = self.exp_avg[i].get_or_insert_with(|| Tensor::zeros(&shape));
            check_state("Adam", i, &p.value, m)?;
            let v = self.exp_avg_sq[i].get_or_insert_with(|| Tensor::zeros(&shape));
            check_state("Adam", i, &p.value, v)?;
            self.steps[i] += 1;
            let t = self.steps[i] as i32;
            let bc1 = 1.0 - c.betas.0.powi(t);
            let bc2_sqrt = (1.0 - c.betas.1.powi(t)).sqrt();
            let step_size = c.lr / bc1;
            let m = self.exp_avg[i].as_mut().expect("set").data_mut();
            let v = self.exp_avg_sq[i].as_mut().expect("set").data_mut();
            for (((w, &g), m), v) in p.value.data_mut().iter_mut().zip(grad.data()).zip(m).zip(v) {
                let mut g = g;
                if c.weight_decay != 0.0 {
                    if c.decoupled_weight_decay {
                        *w *= 1.0 - c.lr * c.weight_decay;
                    } else {
                        g += c.weight_decay * *w;
                    }
                }
                *m += (g - *m) * (1.0 - c.betas.0);
                *v = c.betas.1 * *v + (1.0 - c.betas.1) * g * g;
                let denom = v.sqrt() / bc2_sqrt + c.eps;
                *w -= step_size * *m / denom;
            }
        }
        Ok(())
    }

    fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for i in 0..self.steps.len() {
            if let (Some(m), Some(v)) = (&self.exp_avg[i], &self.exp_avg_sq[i]) {
                out.push((
                    format!("step.{i}"),
                    Tensor::full(&[1], self.steps[i] as f32),
                ));
                out.push((format!("exp_avg.{i}"), m.clone()));
                out.push((format!("exp_avg_sq.{i}"), v.clone()));
            }
        }
        out
    }

    fn load_state(&mut self, state: Vec<(String, Tensor)>) -> Result<()> {
        let (mut steps, mut m, mut v) = (Vec::<Option<Tensor>>::new(), Vec::new(), Vec::new());
        for (name, t) in state {
            if let Some(i) = state_index(&name, "step") {
                put(&mut steps, i, t);
            } else if let Some(i) = state_index(&name, "exp_avg") {
                put(&mut m, i, t);
            } else if let Some(i) = state_index(&name, "exp_avg_sq") {
                put(&mut v, i, t);
            } else {
                return Err(Error::InvalidArgument(format!(
                    "Adam state: unknown entry `{name}`"
                )));
            }
        }
        let n = steps.len().max(m.len()).max(v.len());
        steps.resize(n, None);
        m.resize(n, None);
        v.resize(n, None);
        let mut step_counts = vec![0u64; n];
        for i in 0..n {
            match (&steps[i], &m[i], &v[i]) {
                (Some(s), Some(_), Some(_)) => {
                    let s = s.data().first().copied().unwrap_or(-1.0);
                    if !(s >= 0.0 && s.fract() == 0.0) {
                        return Err(Error::InvalidArgument(format!(
                            "Adam state: step.{i} is not a step count ({s})"
                        )));
                    }
                    step_counts[i] = s as u64;
                }
                (None, None, None) => {}
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "Adam state: parameter {i} lacks one of step, exp_avg, exp_avg_sq"
                    )))
                }
            }
        }
        self.steps = step_counts;
        self.exp_avg = m;
        self.exp_avg_sq = v;
        Ok(())
    }
}
