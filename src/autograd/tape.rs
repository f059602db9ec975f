//! The tape: a Wengert list of the operations of one forward pass, walked back once.
//!
//! Every value computed while recording is a node. A node remembers the op that made it, the
//! nodes it was made from, and whatever the op saved for its backward (an argmax, a mask). Nodes
//! are appended in the order they are computed, so the list is already topologically sorted:
//! walking it from the end visits every node after all of its consumers. For each node the walk
//! hands the op its output gradient; the op returns its inputs' gradients (the chain rule, one
//! vector–Jacobian product), which are ADDED to what those inputs already hold — a value used
//! twice receives the sum of both uses. Each node is popped off the tape as soon as it has been
//! visited, so the tape's memory is released during the walk and gone when it ends.

use super::recycler;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use std::borrow::Cow;

/// A handle to a value recorded on a [`Tape`]. Only meaningful for the tape that returned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Var(pub(crate) usize);

/// What an op keeps for its backward pass, and the backward itself.
pub(crate) trait Backward {
    /// Given `grad = ∂L/∂output`, the forward's `inputs` and `output`, return `∂L/∂input` for each
    /// input whose `needs_grad` is true (`None` for the others).
    fn backward(
        &self,
        inputs: &[&Tensor],
        output: &Tensor,
        grad: &Tensor,
        needs_grad: &[bool],
    ) -> Vec<Option<Tensor>>;
}

struct Node<'a> {
    /// Owned for computed values; borrowed for inputs and parameters the caller keeps.
    value: Cow<'a, Tensor>,
    /// `None` for a leaf (an input or a parameter).
    op: Option<Box<dyn Backward>>,
    inputs: Vec<Var>,
    requires_grad: bool,
}

/// A recording of one forward pass. Create one per pass, build the computation with its op
/// methods (`tape.matmul(a, b)`, `tape.conv2d(..)`, …), then call [`Tape::backward`].
///
/// For inference, don't record at all: the layers in [`crate::nn`] have a plain `forward` on
/// tensors that keeps nothing.
///
/// ```
/// use lepton::{autograd::Tape, Tensor};
/// let mut tape = Tape::new();
/// let x = tape.param(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3])?);
/// let y = tape.mul(x, x)?; // y = x², used twice: the gradients add
/// let s = tape.sum(y)?;
/// let grads = tape.backward(s)?;
/// assert_eq!(grads.get(x).unwrap().data(), &[2.0, 4.0, 6.0]); // ∂Σx²/∂x = 2x
/// # Ok::<(), lepton::Error>(())
/// ```
///
/// Leaves can be borrowed ([`Tape::input_ref`], [`Tape::param_ref`]) so that a training step does
/// not copy its batch or its parameters; the tape then lives no longer than they do.
#[derive(Default)]
pub struct Tape<'a> {
    nodes: Vec<Node<'a>>,
}

impl<'a> Tape<'a> {
    /// An empty tape.
    pub fn new() -> Self {
        Tape::default()
    }

    /// Records a constant input (no gradient is computed for it).
    pub fn input(&mut self, value: Tensor) -> Var {
        self.leaf(value, false)
    }

    /// Records a leaf whose gradient [`Tape::backward`] returns (a parameter).
    pub fn param(&mut self, value: Tensor) -> Var {
        self.leaf(value, true)
    }

    /// Records a borrowed constant input (no copy).
    pub fn input_ref(&mut self, value: &'a Tensor) -> Var {
        self.leaf_cow(Cow::Borrowed(value), false)
    }

    /// Records a borrowed parameter (no copy); its gradient is returned by [`Tape::backward`].
    pub fn param_ref(&mut self, value: &'a Tensor) -> Var {
        self.leaf_cow(Cow::Borrowed(value), true)
    }

    /// Records a leaf, with or without a gradient.
    pub fn leaf(&mut self, value: Tensor, requires_grad: bool) -> Var {
        self.leaf_cow(Cow::Owned(value), requires_grad)
    }

    /// Records a borrowed leaf, with or without a gradient.
    pub fn leaf_ref(&mut self, value: &'a Tensor, requires_grad: bool) -> Var {
        self.leaf_cow(Cow::Borrowed(value), requires_grad)
    }

    fn leaf_cow(&mut self, value: Cow<'a, Tensor>, requires_grad: bool) -> Var {
        self.nodes.push(Node {
            value,
            op: None,
            inputs: Vec::new(),
            requires_grad,
        });
        Var(self.nodes.len() - 1)
    }

    /// The value of a recorded node.
    ///
    /// # Panics
    /// If `v` is not from this tape.
    pub fn value(&self, v: Var) -> &Tensor {
        &self.nodes[v.0].value
    }

    /// Whether a gradient flows to `v` (it is a parameter or depends on one).
    pub fn requires_grad(&self, v: Var) -> bool {
        self.nodes[v.0].requires_grad
    }

    /// The number of recorded nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Appends the result of an op: its value, its inputs, and its backward.
    pub(crate) fn push(
        &mut self,
        value: Tensor,
        inputs: &[Var],
        op: impl Backward + 'static,
    ) -> Var {
        let requires_grad = inputs.iter().any(|v| self.nodes[v.0].requires_grad);
        self.nodes.push(Node {
            value: Cow::Owned(value),
            op: requires_grad.then(|| Box::new(op) as Box<dyn Backward>),
            inputs: inputs.to_vec(),
            requires_grad,
        });
        Var(self.nodes.len() - 1)
    }

    /// Reverse mode: seeds `∂loss/∂loss = 1`, walks the tape backwards once, and returns the
    /// gradient of `loss` with respect to every leaf recorded with [`Tape::param`]. Consumes the
    /// tape: its values are freed as the walk passes them.
    ///
    /// # Errors
    /// [`Error::Shape`] if `loss` does not hold exactly one element.
    pub fn backward(mut self, loss: Var) -> Result<Gradients> {
        let shape = self.nodes[loss.0].value.shape().to_vec();
        if self.nodes[loss.0].value.len() != 1 {
            return Err(Error::Shape {
                op: "backward",
                lhs: shape,
                rhs: vec![],
                expected: "a scalar loss (one element)".into(),
            });
        }
        let mut grads: Vec<Option<Tensor>> = (0..self.nodes.len()).map(|_| None).collect();
        grads[loss.0] = Some(Tensor::full(&shape, 1.0));
        self.nodes.truncate(loss.0 + 1); // nothing after the loss can influence it
        let mut leaf_grads: Vec<Option<Tensor>> = (0..grads.len()).map(|_| None).collect();

        while let Some(node) = self.nodes.pop() {
            let i = self.nodes.len();
            let Some(grad) = grads[i].take() else {
                continue; // nothing downstream of the loss used this node
            };
            let Some(op) = node.op else {
                if node.requires_grad {
                    leaf_grads[i] = Some(grad);
                }
                continue;
            };
            let inputs: Vec<&Tensor> = node
                .inputs
                .iter()
                .map(|v| self.nodes[v.0].value.as_ref())
                .collect();
            let needs: Vec<bool> = node
                .inputs
                .iter()
                .map(|v| self.nodes[v.0].requires_grad)
                .collect();
            let input_grads = op.backward(&inputs, node.value.as_ref(), &grad, &needs);
            for (v, g) in node.inputs.iter().zip(input_grads) {
                if let Some(g) = g {
                    accumulate(&mut grads[v.0], g);
                }
            }
            recycler::recycle(grad);
            if let Cow::Owned(value) = node.value {
                recycler::recycle(value);
            }
        }
        Ok(Gradients { grads: leaf_grads })
    }
}

/// `slot += g`, or `slot = g` if empty.
fn accumulate(slot: &mut Option<Tensor>, g: Tensor) {
    match slot {
        Some(acc) => {
            lepton_kernels::vector::axpy(1.0, g.data(), acc.data_mut());
            recycler::recycle(g);
        }
        None => *slot = Some(g),
    }
}

/// The gradients [`Tape::backward`] computed, one per parameter leaf that the loss depends on.
#[derive(Debug)]
pub struct Gradients {
    grads: Vec<Option<Tensor>>,
}

impl Gradients {
    /// `∂loss/∂v`, or `None` if `v` is not a parameter or the loss does not depend on it.
    pub fn get(&self, v: Var) -> Option<&Tensor> {
        self.grads.get(v.0).and_then(Option::as_ref)
    }

    /// Moves `∂loss/∂v` out (see [`Gradients::get`]).
    pub fn take(&mut self, v: Var) -> Option<Tensor> {
        self.grads.get_mut(v.0).and_then(Option::take)
    }
}

/// An [`Error::Shape`] for `op`.
pub(crate) fn shape_error(
    op: &'static str,
    lhs: &[usize],
    rhs: &[usize],
    expected: impl Into<String>,
) -> Error {
    Error::Shape {
        op,
        lhs: lhs.to_vec(),
        rhs: rhs.to_vec(),
        expected: expected.into(),
    }
}
