//! PyTorch's default initialisation of `Linear` and `Conv2d`, seeded.
//!
//! PyTorch initialises weights with `kaiming_uniform_(w, a=√5)`: a uniform distribution on
//! `[−bound, bound]` with `bound = gain·√(3/fan_in)` and `gain = √(2/(1 + a²)) = √(1/3)`, which
//! simplifies to `bound = 1/√fan_in`. Biases are drawn from `U(−1/√fan_in, 1/√fan_in)` too.
//! `fan_in` is the number of inputs one output sees: `in` for a linear layer, `C·KH·KW` for a
//! convolution. The distributions are PyTorch's; the random streams are not (different generators).

use crate::tensor::Tensor;
use rand::{Rng, SeedableRng};

/// A seeded source of initial values.
pub struct Initializer {
    rng: rand::rngs::StdRng,
}

impl Initializer {
    /// A generator seeded with `seed`: the same seed gives the same parameters.
    pub fn new(seed: u64) -> Self {
        Initializer {
            rng: rand::rngs::StdRng::seed_from_u64(seed),
        }
    }

    /// A tensor of `shape` with elements from `U(−bound, bound)`.
    pub fn uniform(&mut self, shape: &[usize], bound: f32) -> Tensor {
        let n = shape.iter().product();
        let data = (0..n)
            .map(|_| {
                if bound > 0.0 {
                    self.rng.random_range(-bound..bound)
                } else {
                    0.0
                }
            })
            .collect();
        Tensor::from_vec(data, shape).expect("length matches shape")
    }

    /// PyTorch's default weight init, `kaiming_uniform_(a=√5)`: `U(±1/√fan_in)`.
    pub fn kaiming_uniform_sqrt5(&mut self, shape: &[usize], fan_in: usize) -> Tensor {
        self.uniform(shape, fan_in_bound(fan_in))
    }
}

/// `1/√fan_in` (0 when `fan_in` is 0, as PyTorch).
pub fn fan_in_bound(fan_in: usize) -> f32 {
    if fan_in == 0 {
        0.0
    } else {
        1.0 / (fan_in as f32).sqrt()
    }
}
