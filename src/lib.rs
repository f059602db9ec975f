//! # Lepton
//!
//! A small, dependency-light, pure-Rust numerical engine: a runtime-dispatched SIMD GEMM
//! ([`lepton_kernels`]), tensors, reverse-mode autograd, LeNet-style convolutional networks,
//! data readers (CIFAR-10/100, IDX, CSV, LIBSVM), preprocessing, an SMO-trained support vector
//! machine with LIBSVM-compatible files, metrics and SVG reports.
//!
//! The pipeline it exists for: CIFAR-10 → LeNet → penultimate-layer features → z-score → SVM →
//! metrics → report. Tabular data enters at the standardisation step.
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod atomic_file;
pub mod autograd;
pub mod data;
pub mod error;
pub mod metrics;
pub mod nn;
pub mod optim;
pub mod pipeline;
pub mod preprocess;
#[cfg(feature = "cli")]
pub mod report;
pub mod risk;
pub mod svm;
pub mod tensor;
pub mod training;

pub use error::{Error, Result};
pub use lepton_kernels as kernels;
pub use tensor::Tensor;
