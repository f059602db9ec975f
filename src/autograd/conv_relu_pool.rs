//! `max_pool2d(relu(conv2d(x, w) + b))` as one op, by
//! [`lepton_kernels::conv::conv2d_relu_max_pool2d_forward`]: the convolution's output never
//! reaches memory. The numbers are exactly those of the three ops recorded one by one.

use super::conv::{conv2d_geometry, Conv2dOptions};
use super::pool::{self, MaxPool2dOptions};
use super::recycler;
use super::tape::{Backward, Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;
use lepton_kernels::conv::{
    conv2d_relu_max_pool2d_backward, conv2d_relu_max_pool2d_forward, Conv2dGeometry,
};
use lepton_kernels::pool::Pool2dGeometry;

/// ```text
/// z = conv2d(x, w) + b,  p = max_pool2d(max(z, 0))
/// ∂L/∂z[a] = Σ_{windows q with argmax a and p[q] > 0} ∂L/∂p[q]
/// ∂L/∂x, ∂L/∂W, ∂L/∂b from ∂L/∂z as in conv2d's backward
/// ```
struct Conv2dReluMaxPool2d {
    conv: Conv2dGeometry,
    pool: Pool2dGeometry,
    argmax: Vec<u32>,
}
impl Drop for Conv2dReluMaxPool2d {
    fn drop(&mut self) {
        recycler::recycle_u32(std::mem::take(&mut self.argmax));
    }
}

impl Backward for Conv2dReluMaxPool2d {
    fn backward(
        &self,
        inputs: &[&Tensor],
        output: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        let (x, w) = (inputs[0], inputs[1]);
        let n = x.shape()[0];
        let mut dx = needs[0].then(|| recycler::overwritten(x.shape()));
        let mut dw = recycler::overwritten(w.shape());
        let mut db = (inputs.len() == 3 && needs[2])
            .then(|| recycler::overwritten(&[self.conv.out_channels]));
        conv2d_relu_max_pool2d_backward(
            &self.conv,
            &self.pool,
            n,
            x.data(),
            w.data(),
            output.data(),
            &self.argmax,
            grad.data(),
            dx.as_mut().map(|t| t.data_mut()),
            dw.data_mut(),
            db.as_mut().map(|t| t.data_mut()),
        );
        let mut out = vec![dx, needs[1].then_some(dw)];
        if inputs.len() == 3 {
            out.push(db);
        }
        out
    }
}

/// The forward: pooled output `[N, O, PH, PW]`, its argmax, and both geometries.
fn forward(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    conv: Conv2dOptions,
    pool: MaxPool2dOptions,
) -> Result<(Tensor, Vec<u32>, Conv2dGeometry, Pool2dGeometry)> {
    let cg = conv2d_geometry(x.shape(), w.shape(), b.map(|b| b.shape()), conv)?;
    let (oh, ow) = cg.out_hw();
    let n = x.shape()[0];
    let (pg, ph, pw) = pool::geometry(&[n, cg.out_channels, oh, ow], pool)?;
    let mut y = recycler::overwritten(&[n, cg.out_channels, ph, pw]);
    let mut argmax = recycler::overwritten_u32(y.len());
    conv2d_relu_max_pool2d_forward(
        &cg,
        &pg,
        n,
        x.data(),
        w.data(),
        b.map(|b| b.data()),
        y.data_mut(),
        &mut argmax,
    );
    Ok((y, argmax, cg, pg))
}

/// `max_pool2d(relu(conv2d(x, w) + b))` without recording (inference): `x: [N, C, H, W]`,
/// `w: [O, C, KH, KW]`, `b: [O]`, giving `[N, O, PH, PW]`. Equal, number for number, to
/// [`super::conv2d`] → [`super::relu`] → [`super::max_pool2d`].
///
/// # Errors
/// As [`conv2d_geometry`], and [`crate::Error::Shape`] if the pool window does not fit the
/// convolution's output.
pub fn conv2d_relu_max_pool2d(
    x: &Tensor,
    w: &Tensor,
    b: Option<&Tensor>,
    conv: Conv2dOptions,
    pool: MaxPool2dOptions,
) -> Result<Tensor> {
    let (y, argmax, _, _) = forward(x, w, b, conv, pool)?;
    recycler::recycle_u32(argmax);
    Ok(y)
}

impl Tape<'_> {
    /// `max_pool2d(relu(conv2d(x, w) + b))` recorded as ONE op (`x: [N, C, H, W]`,
    /// `w: [O, C, KH, KW]`, `b: [O]`, giving `[N, O, PH, PW]`): the same values and gradients as
    /// recording [`Tape::conv2d`], [`Tape::relu`] and [`Tape::max_pool2d`], without storing the
    /// convolution's output.
    ///
    /// # Errors
    /// As [`conv2d_relu_max_pool2d`].
    pub fn conv2d_relu_max_pool2d(
        &mut self,
        x: Var,
        w: Var,
        b: Option<Var>,
        conv: Conv2dOptions,
        pool: MaxPool2dOptions,
    ) -> Result<Var> {
        let (y, argmax, conv, pool) = forward(
            self.value(x),
            self.value(w),
            b.map(|b| self.value(b)),
            conv,
            pool,
        )?;
        let op = Conv2dReluMaxPool2d { conv, pool, argmax };
        Ok(match b {
            Some(b) => self.push(y, &[x, w, b], op),
            None => self.push(y, &[x, w], op),
        })
    }
}
