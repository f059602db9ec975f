//! 2-D convolution (NCHW), lowered to GEMM by [`lepton_kernels::conv`].

use super::recycler;
use super::tape::{shape_error, Backward, Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;
use lepton_kernels::conv::{conv2d_backward, conv2d_forward, Conv2dGeometry};

/// Stride, zero padding and dilation of a convolution, each `(vertical, horizontal)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dOptions {
    /// Step between output positions, each ≥ 1. Default `(1, 1)`.
    pub stride: (usize, usize),
    /// Zeros added on both sides. Default `(0, 0)`.
    pub padding: (usize, usize),
    /// Distance between kernel taps, each ≥ 1. Default `(1, 1)`.
    pub dilation: (usize, usize),
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            stride: (1, 1),
            padding: (0, 0),
            dilation: (1, 1),
        }
    }
}

/// The kernel geometry for input `x: [N, C, H, W]` and weight `w: [O, C, KH, KW]`, checked.
///
/// # Errors
/// [`crate::Error::Shape`] naming both shapes if they are not 4-D, the channels differ, the bias is
/// not `[O]`, or the (dilated) kernel does not fit the padded input.
pub fn conv2d_geometry(
    x: &[usize],
    w: &[usize],
    bias: Option<&[usize]>,
    opts: Conv2dOptions,
) -> Result<Conv2dGeometry> {
    if x.len() != 4 || w.len() != 4 {
        return Err(shape_error(
            "conv2d",
            x,
            w,
            "input [N, C, H, W] and weight [O, C, KH, KW]",
        ));
    }
    if x[1] != w[1] {
        return Err(shape_error(
            "conv2d",
            x,
            w,
            format!(
                "input with {} channels to match weight [O, C, KH, KW]",
                w[1]
            ),
        ));
    }
    if let Some(b) = bias {
        if b != [w[0]] {
            return Err(shape_error("conv2d", w, b, format!("bias [{}]", w[0])));
        }
    }
    let g = Conv2dGeometry {
        in_channels: x[1],
        out_channels: w[0],
        in_h: x[2],
        in_w: x[3],
        kernel_h: w[2],
        kernel_w: w[3],
        stride: opts.stride,
        padding: opts.padding,
        dilation: opts.dilation,
    };
    if g.out_h().is_none() || g.out_w().is_none() {
        return Err(shape_error(
            "conv2d",
            x,
            w,
            format!("a kernel that fits the padded input ({opts:?}, stride and dilation ≥ 1)"),
        ));
    }
    Ok(g)
}

/// `y = conv2d(x, w) + b` without recording (inference): `x: [N, C, H, W]`, `w: [O, C, KH, KW]`,
/// `b: [O]`, `y: [N, O, OH, OW]`.
///
/// # Errors
/// As [`conv2d_geometry`].
pub fn conv2d(x: &Tensor, w: &Tensor, b: Option<&Tensor>, opts: Conv2dOptions) -> Result<Tensor> {
    let g = conv2d_geometry(x.shape(), w.shape(), b.map(|b| b.shape()), opts)?;
    let (oh, ow) = g.out_hw();
    let n = x.shape()[0];
    let mut y = recycler::zeros(&[n, g.out_channels, oh, ow]);
    conv2d_forward(&g, n, x.data(), w.data(), b.map(|b| b.data()), y.data_mut());
    Ok(y)
}

/// ```text
/// y[n, o, p] = b[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, p·s − pad + (i, j)·dil]
/// ∂L/∂x = col2im(Wᵀ · ∂L/∂Y_n)                   per image
/// ∂L/∂W = Σ_n ∂L/∂Y_n · im2col(x_n)ᵀ              summed in image order
/// ∂L/∂b = Σ_{n, p} ∂L/∂y[n, ·, p]
/// ```
struct Conv2d {
    geometry: Conv2dGeometry,
}
impl Backward for Conv2d {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        let (x, w) = (inputs[0], inputs[1]);
        let n = x.shape()[0];
        let mut dx = needs[0].then(|| recycler::zeros(x.shape()));
        let mut dw = recycler::zeros(w.shape());
        let mut db =
            (inputs.len() == 3 && needs[2]).then(|| recycler::zeros(&[self.geometry.out_channels]));
        conv2d_backward(
            &self.geometry,
            n,
            x.data(),
            w.data(),
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

impl Tape<'_> {
    /// 2-D convolution of `x: [N, C, H, W]` with `w: [O, C, KH, KW]` plus bias `b: [O]`, giving
    /// `[N, O, OH, OW]`.
    ///
    /// # Errors
    /// As [`conv2d_geometry`].
    pub fn conv2d(&mut self, x: Var, w: Var, b: Option<Var>, opts: Conv2dOptions) -> Result<Var> {
        let y = conv2d(self.value(x), self.value(w), b.map(|b| self.value(b)), opts)?;
        let geometry = conv2d_geometry(self.value(x).shape(), self.value(w).shape(), None, opts)?;
        let op = Conv2d { geometry };
        Ok(match b {
            Some(b) => self.push(y, &[x, w, b], op),
            None => self.push(y, &[x, w], op),
        })
    }
}
