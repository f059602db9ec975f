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
//! For stride 1 without padding or dilation (LeNet's case) on AVX2+FMA CPUs, the forward pass,
//! the weight gradient and the input gradient skip `cols` and run register-tiled direct
//! convolutions (`direct.rs`; the input gradient as a convolution of the zero-padded `dY` with the
//! flipped weights). `relu_pool.rs` fuses a convolution with the ReLU and max pool after it.
//!
//! ## Parallelism and determinism
//!
//! Images are independent in the forward pass and in `dx`, so they run in parallel (rayon), each
//! with its own `cols` buffer small enough to stay in L2. `dW` is computed per image into its own
//! slot and the slots are then summed in image order, so the result does not depend on how many
//! threads ran.

use crate::gemm::{sgemm, MatMut, MatRef};
use crate::pool::Pool2dGeometry;
use rayon::prelude::*;

mod relu_pool;
pub use relu_pool::{conv2d_relu_max_pool2d_backward, conv2d_relu_max_pool2d_forward};

#[cfg(target_arch = "x86_64")]
mod direct;

/// Other architectures: the direct path is x86-64 only, so it is never available.
#[cfg(not(target_arch = "x86_64"))]
mod direct {
    use super::Conv2dGeometry;
    pub(crate) fn available(_: &Conv2dGeometry) -> bool {
        false
    }
    pub(crate) fn forward_scratch(_: &Conv2dGeometry) -> usize {
        unreachable!()
    }
    pub(crate) fn dw_scratch(_: &Conv2dGeometry) -> usize {
        unreachable!()
    }
    pub(crate) fn transpose_weights(_: &Conv2dGeometry, _: &[f32]) -> Vec<f32> {
        unreachable!()
    }
    pub(crate) fn forward_image(
        _: &Conv2dGeometry,
        _: &[f32],
        _: &[f32],
        _: Option<&[f32]>,
        _: &mut [f32],
        _: &mut [f32],
    ) {
        unreachable!()
    }
    pub(crate) fn input_grad_scratch(_: &Conv2dGeometry) -> usize {
        unreachable!()
    }
    pub(crate) fn input_grad_weights(_: &Conv2dGeometry, _: &[f32]) -> Vec<f32> {
        unreachable!()
    }
    pub(crate) fn input_grad_image(
        _: &Conv2dGeometry,
        _: &[f32],
        _: &[f32],
        _: &mut [f32],
        _: &mut [f32],
    ) {
        unreachable!()
    }
    pub(crate) fn weight_grad_image(
        _: &Conv2dGeometry,
        _: &[f32],
        _: &[f32],
        _: &mut [f32],
        _: &mut [f32],
        _: bool,
    ) {
        unreachable!()
    }
}

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
    #[cfg(target_arch = "x86_64")]
    if crate::arch::active().runs_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above); the body is safe code.
        unsafe { col2im_avx2(g, cols, dx) };
        return;
    }
    col2im_body(g, cols, dx)
}

/// [`col2im_body`] compiled for AVX2 (its short row additions vectorise 8 wide).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn col2im_avx2(g: &Conv2dGeometry, cols: &[f32], dx: &mut [f32]) {
    col2im_body(g, cols, dx)
}

#[inline(always)]
fn col2im_body(g: &Conv2dGeometry, cols: &[f32], dx: &mut [f32]) {
    let (oh, ow) = g.out_hw();
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

/// `Σ x` in a fixed order that vectorises: eight running sums (element `i` goes to sum `i mod 8`,
/// the tail to the first ones), then added pairwise. Depends only on `x`.
fn plane_sum(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l += v;
        }
    }
    for (l, &v) in lanes.iter_mut().zip(tail) {
        *l += v;
    }
    let q = [
        lanes[0] + lanes[4],
        lanes[1] + lanes[5],
        lanes[2] + lanes[6],
        lanes[3] + lanes[7],
    ];
    (q[0] + q[2]) + (q[1] + q[3])
}

fn is_one_by_one(g: &Conv2dGeometry) -> bool {
    g.kernel_h == 1 && g.kernel_w == 1 && g.stride == (1, 1) && g.padding == (0, 0)
}

/// Images per weight-gradient partial sum: a function of the batch size only (never of the thread
/// count), so the order of the final sum is fixed.
pub fn images_per_group(batch: usize) -> usize {
    batch.div_ceil(16).max(1)
}

/// How one image's forward is computed: the direct kernel (with the weights transposed once per
/// batch) or `im2col` + [`sgemm`].
enum ForwardPlan {
    Direct(Vec<f32>),
    Lowered,
}

impl ForwardPlan {
    fn new(g: &Conv2dGeometry, weight: &[f32]) -> Self {
        if direct::available(g) && !is_one_by_one(g) {
            ForwardPlan::Direct(direct::transpose_weights(g, weight))
        } else {
            ForwardPlan::Lowered
        }
    }

    /// Scratch one image needs.
    fn scratch_len(&self, g: &Conv2dGeometry) -> usize {
        match self {
            ForwardPlan::Direct(_) => direct::forward_scratch(g),
            ForwardPlan::Lowered if is_one_by_one(g) => 0,
            ForwardPlan::Lowered => g.col_rows() * g.out_pixels(),
        }
    }

    /// One image: `yn` (`[O, OH, OW]`, overwritten) = bias + convolution of `xn` (`[C, H, W]`).
    fn image(
        &self,
        g: &Conv2dGeometry,
        weight: &[f32],
        xn: &[f32],
        bias: Option<&[f32]>,
        scratch: &mut [f32],
        yn: &mut [f32],
    ) {
        let wt = match self {
            ForwardPlan::Direct(wt) => {
                return direct::forward_image(g, xn, wt, bias, scratch, yn);
            }
            ForwardPlan::Lowered => weight,
        };
        let (p, rows, o) = (g.out_pixels(), g.col_rows(), g.out_channels);
        let beta = match bias {
            Some(b) => {
                for (plane, &bo) in yn.chunks_exact_mut(p).zip(b) {
                    plane.fill(bo);
                }
                1.0
            }
            None => 0.0,
        };
        let w = MatRef::row_major(wt, o, rows);
        let src: &[f32] = if is_one_by_one(g) {
            xn
        } else {
            let cols = &mut scratch[..rows * p];
            im2col(g, xn, cols);
            cols
        };
        sgemm(
            1.0,
            w,
            MatRef::row_major(src, rows, p),
            beta,
            MatMut::row_major(yn, o, p),
        );
    }
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
    check_len("conv2d_forward: x", x.len(), batch * g.in_len());
    check_len("conv2d_forward: weight", weight.len(), g.weight_len());
    check_len("conv2d_forward: y", y.len(), batch * g.out_len());
    if let Some(b) = bias {
        check_len("conv2d_forward: bias", b.len(), g.out_channels);
    }
    if batch == 0 || g.out_len() == 0 {
        return;
    }
    let plan = ForwardPlan::new(g, weight);
    y.par_chunks_mut(g.out_len())
        .zip(x.par_chunks(g.in_len()))
        .for_each(|(yn, xn)| {
            with_scratch(plan.scratch_len(g), |s| {
                plan.image(g, weight, xn, bias, s, yn)
            })
        });
}

/// Where the backward gets each image's `∂L/∂y` (the gradient at the convolution's output).
#[derive(Clone, Copy)]
enum Upstream<'a> {
    /// `dy` itself, `[N, O, OH, OW]`.
    Dense(&'a [f32]),
    /// Behind a ReLU and a max pool (see [`relu_pool`]): `dy[n, o, a] = Σ` of the pooled
    /// gradients `dp[n, o, q]` whose window's argmax is `a`, where the pooled output `p > 0`.
    ReluPool {
        pool: &'a Pool2dGeometry,
        pooled: &'a [f32],
        argmax: &'a [u32],
        dp: &'a [f32],
    },
}

/// Convolution backward over a batch. Given the forward's `x` and `weight` and the upstream
/// gradient `dy` (`[N, O, OH, OW]`), writes (overwrites)
///
/// * `dx` (`[N, C, H, W]`, if asked for): `col2im(Wᵀ · dY_n)` per image (on the direct path,
///   the same sums as a direct convolution of the zero-padded `dY_n` with the flipped weights);
/// * `dw` (`[O, C, KH, KW]`): `Σ_n dY_n · cols_nᵀ`, accumulated over consecutive groups of
///   [`images_per_group`] images in parallel, then the group sums added in group order;
/// * `db` (`[O]`, if asked for): `Σ_n Σ_pixels dY_n[o, ·]` (pixel sums per image in parallel,
///   added in image order).
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
    check_len("conv2d_backward: dy", dy.len(), batch * g.out_len());
    backward_batch(g, batch, x, weight, Upstream::Dense(dy), dx, dw, db);
}

/// The backward of [`conv2d_backward`] and [`conv2d_relu_max_pool2d_backward`]; `up` says where
/// each image's `∂L/∂y` comes from (already checked by the caller).
#[allow(clippy::too_many_arguments)]
fn backward_batch(
    g: &Conv2dGeometry,
    batch: usize,
    x: &[f32],
    weight: &[f32],
    up: Upstream<'_>,
    dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: Option<&mut [f32]>,
) {
    let p = g.out_pixels();
    let (rows, o) = (g.col_rows(), g.out_channels);
    check_len("conv2d_backward: x", x.len(), batch * g.in_len());
    check_len("conv2d_backward: weight", weight.len(), g.weight_len());
    check_len("conv2d_backward: dw", dw.len(), g.weight_len());
    if let Some(dx) = dx.as_deref() {
        check_len("conv2d_backward: dx", dx.len(), batch * g.in_len());
    }
    if let Some(db) = db.as_deref() {
        check_len("conv2d_backward: db", db.len(), o);
    }
    dw.fill(0.0);
    if batch == 0 || g.out_len() == 0 {
        if let Some(dx) = dx {
            dx.fill(0.0);
        }
        if let Some(db) = db {
            db.fill(0.0);
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
    // Per group: its dW partial sum; per image: its bias-gradient pixel sums.
    let (parts_len, db_len) = (groups * wlen, batch * o);
    if cached.len() < parts_len + db_len {
        cached.resize(parts_len + db_len, 0.0);
    }
    std::mem::swap(&mut owned, &mut cached);
    let (dw_parts, db_images) = owned[..parts_len + db_len].split_at_mut(parts_len);
    let want_db = db.is_some();
    let use_direct = direct::available(g) && !one_by_one;
    let cols_len = if one_by_one {
        0
    } else if use_direct {
        direct::dw_scratch(g)
    } else {
        rows * p
    };
    // The input gradient: direct (over the zero-padded dy) where the direct path runs,
    // otherwise `Wᵀ·dY` (into `dcols`, then `col2im`).
    let dx_weights = (use_direct && dx.is_some()).then(|| direct::input_grad_weights(g, weight));
    let dcols_len = if one_by_one || dx.is_none() {
        0
    } else if use_direct {
        direct::input_grad_scratch(g)
    } else {
        rows * p
    };
    let dy_len = match up {
        Upstream::Dense(_) => 0,
        Upstream::ReluPool { .. } => g.out_len(),
    };
    // One group: its images in order, dW accumulated into the group's slot.
    let work = |gi: usize, dw_g: &mut [f32], db_g: &mut [f32], mut dx_g: Option<&mut [f32]>| {
        with_scratch(cols_len + dcols_len + dy_len, |buf| {
            let (cols, rest) = buf.split_at_mut(cols_len);
            let (dcols, dy_buf) = rest.split_at_mut(dcols_len);
            for (k, n) in (gi * group..((gi + 1) * group).min(batch)).enumerate() {
                let xn = &x[n * g.in_len()..(n + 1) * g.in_len()];
                let dy_n: &[f32] = match up {
                    Upstream::Dense(dy) => &dy[n * g.out_len()..(n + 1) * g.out_len()],
                    Upstream::ReluPool {
                        pool,
                        pooled,
                        argmax,
                        dp,
                    } => {
                        let q = pooled.len() / batch;
                        let r = n * q..(n + 1) * q;
                        relu_pool::route_image(
                            pool,
                            &pooled[r.clone()],
                            &argmax[r.clone()],
                            &dp[r],
                            dy_buf,
                        );
                        dy_buf
                    }
                };
                if want_db {
                    for (acc, plane) in db_g[k * o..(k + 1) * o]
                        .iter_mut()
                        .zip(dy_n.chunks_exact(p))
                    {
                        *acc = plane_sum(plane);
                    }
                }
                let dyn_ = MatRef::row_major(dy_n, o, p);
                if use_direct {
                    direct::weight_grad_image(g, xn, dy_n, cols, dw_g, k > 0);
                } else {
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
                }
                if let Some(dx_g) = dx_g.as_deref_mut() {
                    let dx_n = &mut dx_g[k * g.in_len()..(k + 1) * g.in_len()];
                    if let Some(wt) = &dx_weights {
                        direct::input_grad_image(g, dy_n, wt, dcols, dx_n);
                    } else if one_by_one {
                        sgemm(1.0, w.t(), dyn_, 0.0, MatMut::row_major(dx_n, rows, p));
                    } else {
                        sgemm(1.0, w.t(), dyn_, 0.0, MatMut::row_major(dcols, rows, p));
                        col2im(g, dcols, dx_n);
                    }
                }
            }
        });
    };
    let parts = dw_parts
        .par_chunks_mut(wlen)
        .zip(db_images.par_chunks_mut(group * o));
    match dx {
        Some(dx) => parts
            .zip(dx.par_chunks_mut(group * g.in_len()))
            .enumerate()
            .for_each(|(gi, ((dw_g, db_g), dx_g))| work(gi, dw_g, db_g, Some(dx_g))),
        None => parts
            .enumerate()
            .for_each(|(gi, (dw_g, db_g))| work(gi, dw_g, db_g, None)),
    }
    for part in dw_parts.chunks_exact(wlen) {
        for (acc, v) in dw.iter_mut().zip(part) {
            *acc += v;
        }
    }
    if let Some(db) = db {
        db.fill(0.0);
        for image in db_images.chunks_exact(o) {
            for (acc, v) in db.iter_mut().zip(image) {
                *acc += v;
            }
        }
    }
    PARTIALS.with(|c| {
        if let Ok(mut v) = c.try_borrow_mut() {
            *v = owned;
        }
    });
}
