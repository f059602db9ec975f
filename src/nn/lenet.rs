//! [`LeNet5`]: the network of PyTorch's CIFAR-10 tutorial.
//!
//! ```text
//! [N, C, 32, 32] ─conv1 5×5→ [N, 6, 28, 28] ─relu─pool 2→ [N, 6, 14, 14]
//!                ─conv2 5×5→ [N, 16, 10, 10] ─relu─pool 2→ [N, 16, 5, 5] ─flatten→ [N, 400]
//!                ─fc1→ [N, 120] ─relu─fc2→ [N, 84] ─relu (the features)─fc3→ [N, classes] (logits)
//! ```
//!
//! `C` is 3 for CIFAR-10 and 1 for Fashion-MNIST, whose 28×28 images are zero-padded to 32×32
//! first ([`pad_to`]).

use crate::autograd::{self, Conv2dOptions, MaxPool2dOptions, Tape};
use crate::error::{Error, Result};
use crate::nn::{
    init::Initializer, Conv2d, Flatten, Linear, MaxPool2d, Module, Parameter, ReLU, Sequential,
};
use crate::optim::Optimizer;
use crate::tensor::Tensor;

/// Number of layers up to and including the ReLU after `fc2` (the feature layer).
const FEATURE_LAYERS: usize = 11;

/// LeNet-5 as in PyTorch's CIFAR-10 tutorial, with parameters named `conv1.weight`, `conv1.bias`,
/// `conv2.*`, `fc1.*`, `fc2.*`, `fc3.*`.
pub struct LeNet5 {
    body: Sequential,
    in_channels: usize,
    num_classes: usize,
}

impl LeNet5 {
    /// Side of the (square) input images.
    pub const INPUT_SIZE: usize = 32;
    /// Length of the penultimate (feature) activation.
    pub const FEATURES: usize = 84;

    /// A network for `in_channels`-channel 32×32 images and `num_classes` classes, initialised as
    /// PyTorch does, from `seed`.
    pub fn new(in_channels: usize, num_classes: usize, seed: u64) -> Self {
        let mut init = Initializer::new(seed);
        let conv = Conv2dOptions::default();
        let body = Sequential::new()
            .push(
                "conv1",
                Conv2d::new(in_channels, 6, (5, 5), conv, &mut init),
            )
            .push("relu1", ReLU)
            .push(
                "pool1",
                MaxPool2d {
                    options: MaxPool2dOptions::square(2),
                },
            )
            .push("conv2", Conv2d::new(6, 16, (5, 5), conv, &mut init))
            .push("relu2", ReLU)
            .push(
                "pool2",
                MaxPool2d {
                    options: MaxPool2dOptions::square(2),
                },
            )
            .push("flatten", Flatten)
            .push("fc1", Linear::new(16 * 5 * 5, 120, &mut init))
            .push("relu3", ReLU)
            .push("fc2", Linear::new(120, 84, &mut init))
            .push("relu4", ReLU)
            .push("fc3", Linear::new(84, num_classes, &mut init));
        LeNet5 {
            body,
            in_channels,
            num_classes,
        }
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// Output classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    fn check_input(&self, x: &Tensor) -> Result<()> {
        let s = LeNet5::INPUT_SIZE;
        match x.shape() {
            [_, c, h, w] if *c == self.in_channels && *h == s && *w == s => Ok(()),
            other => Err(Error::Shape {
                op: "LeNet5",
                lhs: other.to_vec(),
                rhs: vec![0, self.in_channels, s, s],
                expected: format!("images [N, {}, {s}, {s}]", self.in_channels),
            }),
        }
    }

    /// Class scores `[N, classes]` for images `[N, C, 32, 32]`, without recording (inference).
    ///
    /// # Errors
    /// [`Error::Shape`] if the images are not `[N, C, 32, 32]`.
    pub fn logits(&self, images: &Tensor) -> Result<Tensor> {
        self.check_input(images)?;
        self.body.forward(images)
    }

    /// The penultimate activations `[N, 84]` (after `fc2` and its ReLU), without recording.
    ///
    /// # Errors
    /// [`Error::Shape`] if the images are not `[N, C, 32, 32]`.
    pub fn features(&self, images: &Tensor) -> Result<Tensor> {
        self.check_input(images)?;
        self.body.forward_prefix(images, FEATURE_LAYERS)
    }

    /// Records the forward pass of `images` and the mean cross-entropy against `labels` on a new
    /// tape, walks it back, and ADDS each parameter's gradient to its `grad`. Returns the loss.
    /// With `input_grad`, also returns `∂loss/∂images`.
    ///
    /// # Errors
    /// [`Error::Shape`] for images that are not `[N, C, 32, 32]` or a label count other than `N`;
    /// [`Error::InvalidArgument`] for a label `≥ classes`.
    pub fn backward(
        &mut self,
        images: &Tensor,
        labels: &[usize],
        input_grad: bool,
    ) -> Result<(f32, Option<Tensor>)> {
        self.check_input(images)?;
        let mut tape = Tape::new();
        let x = tape.leaf_ref(images, input_grad);
        let mut vars = Vec::with_capacity(10);
        let logits = self.body.forward_tape(&mut tape, x, &mut vars)?;
        let loss = tape.cross_entropy(logits, labels)?;
        let loss_value = tape.value(loss).data()[0];
        let mut grads = tape.backward(loss)?;
        for ((_, p), v) in self.body.parameters_mut().into_iter().zip(vars) {
            if let Some(g) = grads.take(v) {
                p.accumulate_grad(g);
            }
        }
        Ok((loss_value, if input_grad { grads.take(x) } else { None }))
    }

    /// One training step, as PyTorch's `zero_grad(); loss = CE(net(x), y); loss.backward();
    /// opt.step()`. Returns the loss before the step.
    ///
    /// # Errors
    /// As [`LeNet5::backward`], and the optimizer's errors.
    pub fn train_step(
        &mut self,
        images: &Tensor,
        labels: &[usize],
        optimizer: &mut dyn Optimizer,
    ) -> Result<f32> {
        // zero_grad, giving the old gradients' storage back to the tape's buffer pool (dropping
        // them made the next step allocate, zero and page-fault fresh buffers).
        for (_, p) in self.body.parameters_mut() {
            if let Some(g) = p.grad.take() {
                autograd::recycle(g);
            }
        }
        let (loss, _) = self.backward(images, labels, false)?;
        let mut params = self.parameters_mut();
        optimizer.step(&mut params)?;
        Ok(loss)
    }

    /// The parameters with their PyTorch names, in `conv1.weight, conv1.bias, … fc3.bias` order.
    pub fn named_parameters(&self) -> Vec<(String, &Parameter)> {
        self.body.parameters()
    }

    /// The parameters, mutably, in [`LeNet5::named_parameters`] order.
    pub fn parameters_mut(&mut self) -> Vec<&mut Parameter> {
        self.body
            .parameters_mut()
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    /// The parameters with their names, mutably.
    pub fn named_parameters_mut(&mut self) -> Vec<(String, &mut Parameter)> {
        self.body.parameters_mut()
    }

    /// Writes the parameters to a safetensors file with PyTorch's names, atomically.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::nn::weights::save_parameters(path, &self.named_parameters())
    }

    /// Reads parameters from a safetensors file with PyTorch's names (e.g. written by
    /// `safetensors.torch.save_file(net.state_dict(), path)`).
    ///
    /// # Errors
    /// [`Error::Io`] / [`Error::Weights`] naming the file and the tensor that is missing,
    /// mis-typed or mis-shaped; the model is unchanged then.
    pub fn load(&mut self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::nn::weights::load_parameters(path, self.named_parameters_mut())
    }
}

/// Zero-pads images `[N, C, H, W]` to `[N, C, height, width]`, centred (extra row/column at the
/// bottom/right): Fashion-MNIST's 28×28 becomes LeNet's 32×32 with 2 pixels on each side.
///
/// # Errors
/// [`Error::Shape`] if the input is not 4-D or larger than the target.
pub fn pad_to(images: &Tensor, height: usize, width: usize) -> Result<Tensor> {
    let &[n, c, h, w] = images.shape() else {
        return Err(Error::Shape {
            op: "pad_to",
            lhs: images.shape().to_vec(),
            rhs: vec![height, width],
            expected: "images [N, C, H, W]".into(),
        });
    };
    if h > height || w > width {
        return Err(Error::Shape {
            op: "pad_to",
            lhs: images.shape().to_vec(),
            rhs: vec![height, width],
            expected: "images no larger than the target".into(),
        });
    }
    let (top, left) = ((height - h) / 2, (width - w) / 2);
    let mut out = Tensor::zeros(&[n, c, height, width]);
    let src = images.data();
    let dst = out.data_mut();
    for plane in 0..n * c {
        for y in 0..h {
            let s = &src[(plane * h + y) * w..(plane * h + y + 1) * w];
            let d0 = (plane * height + y + top) * width + left;
            dst[d0..d0 + w].copy_from_slice(s);
        }
    }
    Ok(out)
}
