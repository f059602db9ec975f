//! Losses and log-probabilities: `log_softmax`, `cross_entropy` (mean over the batch) and `mse`.

use super::recycler;
use super::tape::{shape_error, Backward, Tape, Var};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use lepton_kernels::softmax;

fn rows_cols(op: &'static str, x: &Tensor) -> Result<(usize, usize)> {
    match x.shape() {
        &[r, c] => Ok((r, c)),
        s => Err(shape_error(op, s, &[], "a 2-D input [N, K]")),
    }
}

/// `y = log_softmax(x)` row-wise; `∂L/∂x = ∂L/∂y − softmax(x) · Σ_k ∂L/∂y_k` per row
/// (`softmax = exp(y)`, read from the saved output).
struct LogSoftmax;
impl Backward for LogSoftmax {
    fn backward(
        &self,
        _: &[&Tensor],
        output: &Tensor,
        grad: &Tensor,
        _: &[bool],
    ) -> Vec<Option<Tensor>> {
        let (r, c) = (output.shape()[0], output.shape()[1]);
        let mut dx = recycler::zeros(output.shape());
        softmax::log_softmax_rows_backward(output.data(), grad.data(), r, c, dx.data_mut());
        vec![Some(dx)]
    }
}

/// `L = (1/N)·Σ_n −log softmax(z_n)_{t_n}`; `∂L/∂z = (softmax(z) − onehot(t)) / N`, computed in
/// the forward pass (fused) and scaled by the upstream gradient.
struct CrossEntropy {
    dlogits: Tensor,
}
impl Backward for CrossEntropy {
    fn backward(
        &self,
        _: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        _: &[bool],
    ) -> Vec<Option<Tensor>> {
        let mut dz = recycler::copy(&self.dlogits);
        let g = grad.data()[0];
        if g != 1.0 {
            dz.data_mut().iter_mut().for_each(|v| *v *= g);
        }
        vec![Some(dz)]
    }
}

/// `L = (1/n)·Σᵢ (pᵢ − tᵢ)²`; `∂L/∂p = 2(p − t)/n`, `∂L/∂t = −2(p − t)/n`.
struct Mse;
impl Backward for Mse {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        let n = inputs[0].len() as f32;
        let k = 2.0 * grad.data()[0] / n;
        let diff = |sign: f32| {
            let d = inputs[0]
                .data()
                .iter()
                .zip(inputs[1].data())
                .map(|(&p, &t)| sign * k * (p - t))
                .collect();
            Tensor::from_vec(d, inputs[0].shape()).expect("same shape")
        };
        vec![needs[0].then(|| diff(1.0)), needs[1].then(|| diff(-1.0))]
    }
}

/// Checks `labels` against logits `[N, K]`.
fn check_labels(logits: &Tensor, labels: &[usize]) -> Result<(usize, usize)> {
    let (r, c) = rows_cols("cross_entropy", logits)?;
    if labels.len() != r {
        return Err(shape_error(
            "cross_entropy",
            logits.shape(),
            &[labels.len()],
            format!("{r} labels, one per row of the logits"),
        ));
    }
    if let Some((i, &t)) = labels.iter().enumerate().find(|(_, &t)| t >= c) {
        return Err(Error::InvalidArgument(format!(
            "cross_entropy: label {t} at position {i} is not a class index below {c}"
        )));
    }
    Ok((r, c))
}

/// Mean cross-entropy of `logits: [N, K]` against class indices `labels: [N]`, without recording.
///
/// # Errors
/// [`crate::Error::Shape`] if the logits are not 2-D or the label count is not `N`;
/// [`crate::Error::InvalidArgument`] if a label is `≥ K`.
pub fn cross_entropy(logits: &Tensor, labels: &[usize]) -> Result<f32> {
    let (r, c) = check_labels(logits, labels)?;
    Ok(softmax::cross_entropy(logits.data(), labels, r, c, None))
}

impl Tape<'_> {
    /// Row-wise log-softmax of `x: [N, K]`.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if `x` is not 2-D.
    pub fn log_softmax(&mut self, x: Var) -> Result<Var> {
        let (r, c) = rows_cols("log_softmax", self.value(x))?;
        let mut y = recycler::zeros(&[r, c]);
        softmax::log_softmax_rows(self.value(x).data(), r, c, y.data_mut());
        Ok(self.push(y, &[x], LogSoftmax))
    }

    /// Mean cross-entropy of `logits: [N, K]` against class indices `labels` (`N` of them, each
    /// `< K`), a scalar (shape `[]`). Fused and stable: logits of any magnitude are fine.
    ///
    /// # Errors
    /// As [`cross_entropy`].
    pub fn cross_entropy(&mut self, logits: Var, labels: &[usize]) -> Result<Var> {
        let z = self.value(logits);
        let (r, c) = check_labels(z, labels)?;
        let mut dlogits = recycler::zeros(&[r, c]);
        let loss = softmax::cross_entropy(z.data(), labels, r, c, Some(dlogits.data_mut()));
        Ok(self.push(Tensor::full(&[], loss), &[logits], CrossEntropy { dlogits }))
    }

    /// Mean squared error `(1/n)·Σ (pred − target)²` over all elements, a scalar.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if the shapes differ.
    pub fn mse(&mut self, pred: Var, target: Var) -> Result<Var> {
        let (p, t) = (self.value(pred), self.value(target));
        if p.shape() != t.shape() {
            return Err(shape_error("mse", p.shape(), t.shape(), "identical shapes"));
        }
        let s: f64 = p
            .data()
            .iter()
            .zip(t.data())
            .map(|(&a, &b)| ((a - b) as f64).powi(2))
            .sum();
        let loss = (s / p.len() as f64) as f32;
        Ok(self.push(Tensor::full(&[], loss), &[pred, target], Mse))
    }
}
