//! 2-D max pooling (NCHW), by [`lepton_kernels::pool`].

use super::recycler;
use super::tape::{shape_error, Backward, Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;
use lepton_kernels::pool::{max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};

/// Window, stride and padding of a max pool, each `(vertical, horizontal)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool2dOptions {
    /// Window size.
    pub kernel: (usize, usize),
    /// Step between windows (PyTorch's default is the window size).
    pub stride: (usize, usize),
    /// Padding (reads as −∞) on both sides, at most half the window.
    pub padding: (usize, usize),
}

impl MaxPool2dOptions {
    /// A `k×k` window with stride `k` and no padding (LeNet's pooling for `k = 2`).
    pub fn square(k: usize) -> Self {
        MaxPool2dOptions {
            kernel: (k, k),
            stride: (k, k),
            padding: (0, 0),
        }
    }
}

/// The kernel geometry of a max pool of `x: [N, C, H, W]`, and `(OH, OW)`.
pub(super) fn geometry(
    x: &[usize],
    opts: MaxPool2dOptions,
) -> Result<(Pool2dGeometry, usize, usize)> {
    if x.len() != 4 {
        return Err(shape_error("max_pool2d", x, &[], "input [N, C, H, W]"));
    }
    let g = Pool2dGeometry {
        in_h: x[2],
        in_w: x[3],
        kernel: opts.kernel,
        stride: opts.stride,
        padding: opts.padding,
    };
    match g.out_hw() {
        Some((oh, ow)) => Ok((g, oh, ow)),
        None => Err(shape_error(
            "max_pool2d",
            x,
            &[opts.kernel.0, opts.kernel.1],
            format!(
                "a window that fits the padded input, padding at most half the window ({opts:?})"
            ),
        )),
    }
}

fn forward(x: &Tensor, opts: MaxPool2dOptions) -> Result<(Tensor, Vec<u32>, Pool2dGeometry)> {
    let (g, oh, ow) = geometry(x.shape(), opts)?;
    let s = x.shape();
    let mut y = recycler::overwritten(&[s[0], s[1], oh, ow]);
    let mut argmax = recycler::overwritten_u32(y.len());
    max_pool2d_forward(&g, s[0] * s[1], x.data(), y.data_mut(), &mut argmax);
    Ok((y, argmax, g))
}

/// Max pool without recording (inference): `x: [N, C, H, W]` → `[N, C, OH, OW]`.
///
/// # Errors
/// [`crate::Error::Shape`] if `x` is not 4-D or the window does not fit.
pub fn max_pool2d(x: &Tensor, opts: MaxPool2dOptions) -> Result<Tensor> {
    Ok(forward(x, opts)?.0)
}

/// `y = max over each window`; `∂L/∂x[a] = Σ_{windows with argmax a} ∂L/∂y[window]` (the first
/// maximum in row-major window order takes the whole gradient on ties).
struct MaxPool2d {
    geometry: Pool2dGeometry,
    argmax: Vec<u32>,
}
impl Drop for MaxPool2d {
    fn drop(&mut self) {
        recycler::recycle_u32(std::mem::take(&mut self.argmax));
    }
}

impl Backward for MaxPool2d {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        _: &[bool],
    ) -> Vec<Option<Tensor>> {
        let x = inputs[0];
        let mut dx = recycler::overwritten(x.shape());
        let planes = x.shape()[0] * x.shape()[1];
        max_pool2d_backward(
            &self.geometry,
            planes,
            grad.data(),
            &self.argmax,
            dx.data_mut(),
        );
        vec![Some(dx)]
    }
}

impl Tape<'_> {
    /// Max pool of `x: [N, C, H, W]`, giving `[N, C, OH, OW]`.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if `x` is not 4-D or the window does not fit.
    pub fn max_pool2d(&mut self, x: Var, opts: MaxPool2dOptions) -> Result<Var> {
        let (y, argmax, geometry) = forward(self.value(x), opts)?;
        Ok(self.push(y, &[x], MaxPool2d { geometry, argmax }))
    }
}
