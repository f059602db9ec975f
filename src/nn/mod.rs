//! Neural-network layers, their composition, PyTorch-default initialisation, LeNet-5 and
//! safetensors weights.
//!
//! Every layer implements [`Module`]: a no-grad `forward` on tensors for inference and a
//! `forward_tape` that records onto an [`crate::autograd::Tape`] for training.

mod conv;
pub mod init;
mod lenet;
mod linear;
mod module;
mod parameter;
mod sequential;
mod stateless;
pub mod weights;

pub use conv::Conv2d;
pub use lenet::{pad_to, LeNet5};
pub use linear::Linear;
pub use module::{LayerKind, Module};
pub use parameter::Parameter;
pub use sequential::Sequential;
pub use stateless::{Flatten, MaxPool2d, ReLU};
