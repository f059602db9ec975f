//! # lepton-kernels
//!
//! Every SIMD instruction and every `unsafe` line of Lepton lives in this crate. It exposes safe
//! functions over slices with explicit dimensions and strides; a call that violates a function's
//! contract (a slice too short for the stated shape, a zero-sized stride where one is needed)
//! panics with a message that names the argument — it never reads or writes out of bounds.
//!
//! * [`arch`] detects the CPU once and picks the instruction set (ISA) every kernel dispatches on;
//!   `LEPTON_ISA=scalar|portable|avx2|avx512|neon` forces a lower one.
//! * [`gemm`] is a BLIS-style single-precision matrix multiply, `C = α·op(A)·op(B) + β·C`.
//! * [`conv`] lowers 2-D convolutions to GEMM (`im2col` / `col2im`); [`pool`] is max pooling with
//!   argmax; [`softmax`] is a stable log-softmax and cross-entropy; [`activation`] the ReLU backward.
//! * [`vector`] holds the level-1 kernels (dot, axpy, scale, sums, relu, exp, distances).
//! * [`reference`] holds plain, obviously-correct versions of all of them, accumulating in `f64`:
//!   the math the fast kernels are tested against.
#![warn(missing_docs)]

pub mod activation;
pub mod arch;
pub mod conv;
pub mod convert;
pub mod gemm;
pub mod pool;
pub mod reference;
mod simd;
pub mod softmax;
pub mod vector;

pub use arch::Isa;
pub use gemm::{sgemm, sgemm_with, MatMut, MatRef};
