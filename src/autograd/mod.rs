//! Reverse-mode automatic differentiation: a tape of recorded operations, walked back once.
//!
//! [`Tape`] is the whole mechanism (read `tape.rs` first, it fits on a page). Each family of ops
//! lives in its own file, every op's forward (a `Tape` method) next to its backward (a small struct
//! with the op's math in its doc comment):
//!
//! | file | ops |
//! | --- | --- |
//! | `elementwise.rs` | `add`, `sub`, `mul`, `relu` |
//! | `linear_algebra.rs` | `matmul`, `linear` |
//! | `conv.rs` | `conv2d` |
//! | `conv_relu_pool.rs` | `conv2d_relu_max_pool2d` (the three fused) |
//! | `pool.rs` | `max_pool2d` |
//! | `shape.rs` | `reshape`, `flatten` |
//! | `reduce.rs` | `sum`, `mean` |
//! | `loss.rs` | `log_softmax`, `cross_entropy`, `mse` |
//!
//! The no-grad (inference) path is the plain functions re-exported here ([`conv2d`], [`linear`],
//! [`max_pool2d`], [`relu`], [`cross_entropy`]): they compute on tensors and record nothing.

mod conv;
mod conv_relu_pool;
mod elementwise;
mod linear_algebra;
mod loss;
mod pool;
mod recycler;
mod reduce;
mod shape;
mod tape;

pub use conv::{conv2d, conv2d_geometry, Conv2dOptions};
pub use conv_relu_pool::conv2d_relu_max_pool2d;
pub use elementwise::relu;
pub use linear_algebra::linear;
pub use loss::cross_entropy;
pub use pool::{max_pool2d, MaxPool2dOptions};
pub use shape::flatten_shape;
pub use tape::{Gradients, Tape, Var};

/// Gives a tensor's storage back to this thread's buffer pool (see `recycler.rs`), for a caller
/// done with a gradient the tape produced.
pub(crate) fn recycle(t: crate::tensor::Tensor) {
    recycler::recycle(t)
}
