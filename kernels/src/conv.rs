//! 2-D convolution over NCHW tensors: `im2col` / `col2im` and a convolution built on them and
//! [`sgemm`](crate::gemm::sgemm).
//!
//! ## The lowering
//!
//! For one image `x` of shape `[C, H, W]` and weights `w` of shape `[O, C, KH, KW]`,
//!
//! ```text
//! y[o, oy, ox] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x[c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]
//! ```
//!
//! (out-of-range input positions read as 0: zero padding). `im2col` copies, for every row
//! `r = (c, i, j)` of the `[C·KH·KW, OH·OW]` matrix `cols`, the input value each output pixel sees
//! through that kernel tap; the convolution is then one matrix product,
//! `Y[O, OH·OW] = W[O, C·KH·KW] · cols`. Backwards,
//!
//! ```text
//! dW  = Σ_images dY · colsᵀ          (reduced over the batch in a fixed order)
//! dcols = Wᵀ · dY,   dx = col2im(dcols)   (col2im sums every tap back onto its input pixel)
//! db[o] = Σ_{images, pixels} dY[o, ·]
//! ```
//!
//! ## Parallelism and determinism
//!
//! Images are independent in the forward pass and in `dx`, so they run in parallel (rayon), each
//! with its own `cols` buffer small enough to stay in L2. `dW` is computed per image into its own
//! slot and the slots are then summed in image order, so the result does not depend on how many
//! threads ran.

use crate::gemm::{sgemm, MatMut, MatRef};
use rayon::prelude::*;

/// The geometry of a 2-D convolution: input size, kernel size, stride, zero padding and dilation
/// (each given as `(vertical, horizontal)`), and the channel counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dGeometry {
    /// Input channels `C`.
    pub in_channels: usize,
    /// Output channels `O`.
    pub out_channels: usize,
    /// Input height `H`.
    pub in_h: usize,
    /// Input width `W`.
    pub in_w: usize,
    /// Kernel height `KH`.
    pub kernel_h: usize,
    /// Kernel width `KW`.
    pub kernel_w: usize,
    /// Stride `(sh, sw)`, each ≥ 1.
    pub stride: (usize, usize),
    /// Zero padding `(ph, pw)` added on both sides.
    pub padding: (usize, usize),
    /// Dilation `(dh, dw)`, each ≥ 1: the distance between kernel taps.
    pub dilation: (usize, usize),
}

impl Conv2dGeometry {
    /// Output height `OH = ⌊(H + 2·ph − dh·(KH − 1) − 1) / sh⌋ + 1`, or `None` if the dilated
    /// kernel does not fit in the padded input or a stride/dilation is 0.
    pub fn out_h(&self) -> Option<usize> {
        out_len(
            self.in_h,
            self.kernel_h,
            self.stride.0,
            self.padding.0,
            self.dilation.0,
        )
    }

    /// Output width `OW`, as [`out_h`](Self::out_h).
    pub fn out_w(&self) -> Option<usize> {
        out_len(
            self.in_w,
            self.kernel_w,
            self.stride.1,
            self.padding.1,
            self.dilation.1,
        )
    }

    /// Rows of the `cols` matrix: `C·KH·KW` (also the length of one output channel's weights).
    pub fn col_rows(&self) -> usize {
        self.in_channels * self.kernel_h * self.kernel_w
    }

    /// Output pixels per channel, `OH·OW`.
    ///
    /// # Panics
    /// If the geometry is invalid (see [`out_h`](Self::out_h)).
    pub fn out_pixels(&self) -> usize {
        let (oh, ow) = self.out_hw();
        oh * ow
    }

    /// `(OH, OW)`.
    ///
    /// # Panics
    /// If the geometry is invalid (see [`out_h`](Self::out_h)).
    pub fn out_hw(&self) -> (usize, usize) {
        match (self.out_h(), self.out_w()) {
            (Some(h), Some(w)) => (h, w),
            _ => panic!("conv2d: invalid geometry {self:?}: the kernel does not fit the input"),
        }
    }

    /// Elements of one input image, `C·H·W`.
    pub fn in_len(&self) -> usize {
        self.in_channels * self.in_h * self.in_w
    }

    /// Elements of one output image, `O·OH·OW`.
    pub fn out_len(&self) -> usize {
        self.out_channels * self.out_pixels()
    }

    /// Elements of the weight tensor, `O·C·KH·KW`.
    pub fn weight_len(&self) -> usize {
        self.out_channels * self.col_rows()
    }
}

fn out_len(n: usize, k: usize, s: usize, p: usize, d: usize) -> Option<usize> {
    if s == 0 || d == 0 || k == 0 {
        return None;
    }
    let span = d * (k - 1) + 1;
    let padded = n + 2 * p;
    if padded < span {
        return None;
    }
    Some((padded - span) / s + 1)
}

fn check_len(what: &str, got: usize, need: usize) {
    assert!(
        got == need,
        "{what}: expected a slice of {need} elements, got {got}"
    );
}

/// For kernel tap offset `k·d − p` along one axis, the range of output positions `o` whose input
/// position `o·s + k·d − p` lies inside `[0, n)`.
#[inline]
fn valid_range(n: usize, out: usize, s: usize, offset: isize) -> (usize, usize) {
    // first o with o*s + offset >= 0
    let lo = if offset >= 0 {
        0
    } else {
        ((-offset) as usize).div_ceil(s)
    };
    // last o with o*s + offset <= n-1  →  o <= (n-1-offset)/s
    let hi = if (n as isize) - 1 - offset < 0 {
        0
    } else {
        (((n as isize - 1 - offset) as usize) / s + 1).min(out)
    };
    (lo.min(hi), hi)
}

/// Lowers one image `x` (`[C, H, W]`) to `cols` (`[C·KH·KW, OH·OW]`, row-major): row
/// `r = (c·KH + i)·KW + j`, column `oy·OW + ox` holds `x[c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]`,
/// or 0 where that position is padding.
///
/// # Panics
/// If the geometry is invalid or a slice has the wrong length.
pub fn im2col(g: &Conv2dGeometry, x: &[f32], cols: &mut [f32]) {
    let (oh, ow) = g.out_hw();
    check_len("im2col: x", x.len(), g.in_len());
    check_len("im2col: cols", cols.len(), g.col_rows() * oh * ow);
    let (kh, kw) = (g.kernel_h, g.kernel_w);
    let (sh, sw) = g.stride;
    let (ph, pw) = g.padding;
    let (dh, dw) = g.dilation;
    let (h, w) = (g.in_h, g.in_w);
    for (r, row) in cols.chunks_exact_mut(oh * ow).enumerate() {
        let c = r / (kh * kw);
        let i = (r / kw) % kh;
        let j = r % kw;
        let plane = &x[c * h * w..(c + 1) * h * w];
        let off_y = (i * dh) as isize - ph as isize;
        let off_x = (j * dw) as isize - pw as isize;
        let (y0, y1) = valid_range(h, oh, sh, off_y);
        let (x0, x1) = valid_range(w, ow, sw, off_x);
        row[..y0 * ow].fill(0.0);
        row[y1 * ow..].fill(0.0);
        for oy in y0..y1 {
            let iy = (oy * sh) as isize + off_y;
            let src = &plane[iy as usize * w..(iy as usize + 1) * w];
            let dst = &mut row[oy * ow..(oy + 1) * ow];
            dst[..x0].fill(0.0);
            dst[x1..].fill(0.0);
            if x1 > x0 {
                let ix0 = ((x0 * sw) as isize + off_x) as usize;
                if sw == 1 {
                    dst[x0..x1].copy_from_slice(&src[ix0..ix0 + (x1 - x0)]);
                } else {
                    for (k, d) in dst[x0..x1].iter_mut().enumerate() {
                        *d = src[ix0 + k * sw];
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: `dx[c, y, x] = Σ` of every `cols` entry that `im2col` would have read
/// from `(c, y, x)`. `dx` (`[C, H, W]`) is overwritten.
///
/// # Panics
/// If the geometry is invalid or a slice has the wrong length.
pub fn col2im(g: &Conv2dGeometry, cols: &[f32], dx: &mut [f32]) {
    let (oh, ow) = g.out_hw();
    check_len("col2im: dx", dx.len(), g.in_len());
    check_len("col2im: cols", cols.len(), g.col_rows() * oh * ow);
    let (kh, kw) = (g.kernel_h, g.kernel_w);
    let (sh, sw) = g.stride;
    let (ph, pw) = g.padding;
    let (dh, dw) = g.dilation;
    let (h, w) = (g.in_h, g.in_w);
    dx.fill(0.0);
    for (r, row) in cols.chunks_exact(oh * ow).enumerate() {
        let c = r / (kh * kw);
        let i = (r / kw) % kh;
        let j = r % kw;
        let plane = &mut dx[c * h * w..(c + 1) * h * w];
        let off_y = (i * dh) as isize - ph as isize;
        let off_x = (j * dw) as isize - pw as isize;
        let (y0, y1) = valid_range(h, oh, sh, off_y);
        let (x0, x1) = valid_range(w, ow, sw, off_x);
        if x1 <= x0 {
            continue;
        }
        for oy in y0..y1 {
            let iy = ((oy * sh) as isize + off_y) as usize;
            let dst = &mut plane[iy * w..(iy + 1) * w];
            let src = &row[oy * ow + x0..oy * ow + x1];
            let ix0 = ((x0 * sw) as isize + off_x) as usize;
            if sw == 1 {
                for (d, s) in dst[ix0..ix0 + src.len()].iter_mut().zip(src) {
                    *d += s;
                }
            } else {
                for (k, s) in src.iter().enumerate() {
                    dst[ix0 + k * sw] += s;
                }
            }
        }
    }
}

thread_local! {
    /// Per-thread scratch for `cols` / `dcols`, kept between calls so that a training loop does not
    /// allocate (and page-fault) fresh buffers at every step.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Per-thread storage for the weight-gradient partial sums of [`conv2d_backward`].
    static PARTIALS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch buffer resized to `len` (contents unspecified).
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        // Re-entered on this thread (a nested rayon job): use a fresh buffer.
        Err(_) => f(&mut vec![0.0; len]),
    })
}

fn is_one_by_one(g: &Conv2dGeometry) -> bool {
    g.kernel_h == 1 && g.kernel_w == 1 && g.stride == (1, 1) && g.padding == (0, 0)
}

/// Images per weight-gradient partial sum: a function of the batch size only (never of the thread
/// count), so the order of the final sum is fixed.
pub fn images_per_group(batch: usize) -> usize {
    batch.div_ceil(16).max(1)
}

/// Convolution forward over a batch: `x` is `[N, C, H, W]`, `weight` `[O, C, KH, KW]`, `bias`
/// `[O]` (optional), `y` `[N, O, OH, OW]` (overwritten). Images run in parallel.
///
/// # Panics
/// If the geometry is invalid or a slice length disagrees with it and `batch`.
pub fn conv2d_forward(
    g: &Conv2dGeometry,
    batch: usize,
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    y: &mut [f32],
) {
    let p = g.out_pixels();
    let (rows, o) = (g.col_rows(), g.out_channels);
    check_len("conv2d_forward: x", x.len(), batch * g.in_len());
    check_len("conv2d_forward: weight", weight.len(), g.weight_len());
    check_len("conv2d_forward: y", y.len(), batch * g.out_len());
    if let Some(b) = bias {
        check_len("conv2d_forward: bias", b.len(), o);
    }
    if batch == 0 || g.out_len() == 0 {
        return;
    }
    let one_by_one = is_one_by_one(g);
    let w = MatRef::row_major(weight, o, rows);
    let image = |(yn, xn): (&mut [f32], &[f32])| {
        let beta = match bias {
            Some(b) => {
                for (plane, &bo) in yn.chunks_exact_mut(p).zip(b) {
                    plane.fill(bo);
                }
                1.0
            }
            None => 0.0,
        };
        let mut gemm = |src: &[f32]| {
            sgemm(
                1.0,
                w,
                MatRef::row_major(src, rows, p),
                beta,
                MatMut::row_major(yn, o, p),
            )
        };
        if one_by_one {
            gemm(xn);
        } else {
            with_scratch(rows * p, |cols| {
                im2col(g, xn, cols);
                gemm(cols);
            });
        }
    };
    y.par_chunks_mut(g.out_len())
        .zip(x.par_chunks(g.in_len()))
        .for_each(image);
}

/// Convolution backward over a batch. Given the forward's `x` and `weight` and the upstream
/// gradient `dy` (`[N, O, OH, OW]`), writes (overwrites)
///
/// * `dx` (`[N, C, H, W]`, if asked for): `col2im(Wᵀ · dY_n)` per image;
/// * `dw` (`[O, C, KH, KW]`): `Σ_n dY_n · cols_nᵀ`, accumulated over consecutive groups of
///   [`images_per_group`] images in parallel, then the group sums added in group order;
/// * `db` (`[O]`, if asked for): `Σ_n Σ_pixels dY_n[o, ·]`.
///
/// # Panics
/// If the geometry is invalid or a slice length disagrees with it and `batch`.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward(
    g: &Conv2dGeometry,
    batch: usize,
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: Option<&mut [f32]>,
) {
    let p = g.out_pixels();
    let (rows, o) = (g.col_rows(), g.out_channels);
    check_len("conv2d_backward: x", x.len(), batch * g.in_len());
    check_len("conv2d_backward: weight", weight.len(), g.weight_len());
    check_len("conv2d_backward: dy", dy.len(), batch * g.out_len());
    check_len("conv2d_backward: dw", dw.len(), g.weight_len());
    if let Some(dx) = dx.as_deref() {
        check_len("conv2d_backward: dx", dx.len(), batch * g.in_len());
    }
    if let Some(db) = db {
        check_len("conv2d_backward: db", db.len(), o);
        db.fill(0.0);
        for dyn_ in dy.chunks_exact(g.out_len().max(1)) {
            for (acc, plane) in db.iter_mut().zip(dyn_.chunks_exact(p.max(1))) {
                *acc += plane.iter().sum::<f32>();
            }
        }
    }
    dw.fill(0.0);
    if batch == 0 || g.out_len() == 0 {
        if let Some(dx) = dx {
            dx.fill(0.0);
        }
        return;
    }
    let one_by_one = is_one_by_one(g);
    let wlen = g.weight_len();
    let w = MatRef::row_major(weight, o, rows);
    let group = images_per_group(batch);
    let groups = batch.div_ceil(group);
    let mut owned = Vec::new();
    let mut cached = PARTIALS.with(|c| {
        c.try_borrow_mut()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    });
    if cached.len() < groups * wlen {
        cached.resize(groups * wlen, 0.0);
    }
    std::mem::swap(&mut owned, &mut cached);
    let dw_parts = &mut owned[..groups * wlen];
    // One group: its images in order, dW accumulated into the group's slot.
    let work = |gi: usize, dw_g: &mut [f32], mut dx_g: Option<&mut [f32]>| {
        let scratch = if one_by_one { 0 } else { 2 * rows * p };
        with_scratch(scratch, |buf| {
            let (cols, dcols) = buf.split_at_mut(scratch / 2);
            for (k, n) in (gi * group..((gi + 1) * group).min(batch)).enumerate() {
                let xn = &x[n * g.in_len()..(n + 1) * g.in_len()];
                let dyn_ = MatRef::row_major(&dy[n * g.out_len()..(n + 1) * g.out_len()], o, p);
                let src: &[f32] = if one_by_one {
                    xn
                } else {
                    im2col(g, xn, cols);
                    cols
                };
                let beta = if k == 0 { 0.0 } else { 1.0 };
                sgemm(
                    1.0,
                    dyn_,
                    MatRef::row_major(src, rows, p).t(),
                    beta,
                    MatMut::row_major(dw_g, o, rows),
                );
                if let Some(dx_g) = dx_g.as_deref_mut() {
                    let dx_n = &mut dx_g[k * g.in_len()..(k + 1) * g.in_len()];
                    if one_by_one {
                        sgemm(1.0, w.t(), dyn_, 0.0, MatMut::row_major(dx_n, rows, p));
                    } else {
                        sgemm(1.0, w.t(), dyn_, 0.0, MatMut::row_major(dcols, rows, p));
                        col2im(g, dcols, dx_n);
                    }
                }
            }
        });
    };
    match dx {
        Some(dx) => dw_parts
            .par_chunks_mut(wlen)
            .zip(dx.par_chunks_mut(group * g.in_len()))
            .enumerate()
            .for_each(|(gi, (dw_g, dx_g))| work(gi, dw_g, Some(dx_g))),
        None => dw_parts
            .par_chunks_mut(wlen)
            .enumerate()
            .for_each(|(gi, dw_g)| work(gi, dw_g, None)),
    }
    for part in dw_parts.chunks_exact(wlen) {
        for (acc, v) in dw.iter_mut().zip(part) {
            *acc += v;
        }
    }
    PARTIALS.with(|c| {
        if let Ok(mut v) = c.try_borrow_mut() {
            *v = owned;
        }
    });
}
