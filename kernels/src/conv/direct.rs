//! Direct (im2col-free) convolution for the common case — stride 1, no padding, no dilation —
//! which covers both of LeNet's convolutions.
//!
//! Lowering to GEMM copies every input pixel `KH·KW` times into `cols`; for few input channels
//! (LeNet's first layer has 3) that copy costs more than the multiply. Here the products are
//! formed straight from the input rows, register-tiled like a GEMM microkernel:
//!
//! ```text
//! forward  y[o, oy, ox..ox+16] += w[o, c, i, j] · x[c, oy+i, ox+j..ox+j+16]
//!          a 6-channel × 16-pixel tile of accumulators lives in registers over all C·KH·KW taps
//!          (or, where that wastes fewer lanes, 16 channels × 6 pixels: y[o..o+16, p] +=
//!          w[o..o+16, c, i, j] · x[c, p + (i, j)])
//! dW       dw[o, c, i, j] = Σ_{oy, ox} dy[o, oy, ox] · x[c, oy+i, ox+j]
//!          an outer-product tile of 6 taps × 16 channels, summed over pixels in order
//! ```
//!
//! Both are plain loops over fixed-size arrays that LLVM turns into AVX2/FMA code inside a
//! `#[target_feature(enable = "avx2,fma")]` wrapper; they are used only when the CPU has AVX2+FMA
//! (see [`available`]), otherwise the im2col path runs. The forward reads rows 16 pixels at a
//! time, so the image is first copied into a buffer with a few zeros of slack at the end; lanes
//! past a row's end are computed and discarded.

use super::Conv2dGeometry;
use crate::arch;

/// Output-channel tile.
const OB: usize = 6;
/// Pixel tile of the forward pass.
const PX: usize = 16;

/// Whether the direct path applies to `g` on this CPU.
pub(crate) fn available(g: &Conv2dGeometry) -> bool {
    g.stride == (1, 1)
        && g.padding == (0, 0)
        && g.dilation == (1, 1)
        && arch::active().runs_avx2_fma()
}

/// Output channels rounded up to both forward tiles (6 of the pixel-vectorised tile, 16 of the
/// channel-vectorised one), so either can read whole tiles of transposed weights.
pub(crate) fn padded_channels(g: &Conv2dGeometry) -> usize {
    (g.out_channels.div_ceil(OB) * OB).max(g.out_channels.div_ceil(CV) * CV)
}

/// Channel tile of the channel-vectorised forward (two vectors).
const CV: usize = 16;
/// Pixel tile of the channel-vectorised forward.
const CP: usize = 6;

/// Whether the forward vectorises over output channels (a tile of 16 channels × 6 pixels taken
/// anywhere in the flattened `OH·OW` plane) rather than over pixels (6 channels × 16 pixels of
/// one output row): whichever wastes fewer lanes at this shape. LeNet's conv2 (16 channels,
/// 10-pixel rows) uses 98 % of its lanes channel-vectorised against 56 % pixel-vectorised; conv1
/// (6 channels, 28-pixel rows) is better pixel-vectorised. Both sum the taps in the same order
/// from zero with FMAs and add the bias last, so they give bit-identical results.
fn channel_vectorised(g: &Conv2dGeometry) -> bool {
    let (o, (_, ow), p) = (g.out_channels, g.out_hw(), g.out_pixels());
    let used = |n: usize, tile: usize| n as f64 / (n.div_ceil(tile) * tile) as f64;
    used(o, CV) * used(p, CP) > used(o, OB) * used(ow, PX)
}

/// Scratch the forward needs per image: the image plus slack.
pub(crate) fn forward_scratch(g: &Conv2dGeometry) -> usize {
    g.in_len() + PX + g.kernel_w
}

/// Scratch the weight gradient needs per image: `dy` transposed to `[OH·OW, 16]` per block of 16
/// output channels (zeros past `O`).
pub(crate) fn dw_scratch(g: &Conv2dGeometry) -> usize {
    g.out_pixels() * DW_OV
}

/// Weights `[O, C·KH·KW]` transposed to `[C·KH·KW, O_padded]` (zeros past `O`), so that one tap's
/// weights for a channel tile are contiguous.
pub(crate) fn transpose_weights(g: &Conv2dGeometry, weight: &[f32]) -> Vec<f32> {
    let (taps, op) = (g.col_rows(), padded_channels(g));
    let mut wt = vec![0.0f32; taps * op];
    for o in 0..g.out_channels {
        for t in 0..taps {
            wt[t * op + o] = weight[o * taps + t];
        }
    }
    wt
}

/// One image forward: `y` (`[O, OH, OW]`) = bias + direct convolution of `x` (`[C, H, W]`).
///
/// # Panics
/// If a slice is shorter than the geometry needs, or the path is not [`available`].
pub(crate) fn forward_image(
    g: &Conv2dGeometry,
    x: &[f32],
    wt: &[f32],
    bias: Option<&[f32]>,
    scratch: &mut [f32],
    y: &mut [f32],
) {
    assert!(available(g), "direct conv: unsupported geometry or CPU");
    assert!(x.len() == g.in_len() && y.len() == g.out_len() && scratch.len() >= forward_scratch(g));
    assert!(wt.len() == g.col_rows() * padded_channels(g));
    // SAFETY: `available` checked that the CPU supports AVX2 and FMA.
    unsafe { forward_image_avx2(g, x, wt, bias, scratch, y) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn forward_image_avx2(
    g: &Conv2dGeometry,
    x: &[f32],
    wt: &[f32],
    bias: Option<&[f32]>,
    scratch: &mut [f32],
    y: &mut [f32],
) {
    forward_image_body(g, x, wt, bias, scratch, y)
}

#[inline(always)]
fn forward_image_body(
    g: &Conv2dGeometry,
    x: &[f32],
    wt: &[f32],
    bias: Option<&[f32]>,
    scratch: &mut [f32],
    y: &mut [f32],
) {
    let (oh, ow) = g.out_hw();
    let (h, w, c_in) = (g.in_h, g.in_w, g.in_channels);
    let (kh, kw) = (g.kernel_h, g.kernel_w);
    let (o_n, op, p) = (g.out_channels, padded_channels(g), oh * ow);
    if channel_vectorised(g) {
        let taps = g.col_rows();
        // Input offset of tap (c, i, j) relative to an output pixel's first input pixel.
        let last_tap = (c_in - 1) * h * w + (kh - 1) * w + (kw - 1);
        for o0 in (0..o_n).step_by(CV) {
            let on = CV.min(o_n - o0);
            for p0 in (0..p).step_by(CP) {
                let pn = CP.min(p - p0);
                // Pixels past the plane's end repeat its last pixel (computed, discarded).
                let offs: [usize; CP] = std::array::from_fn(|k| {
                    let q = (p0 + k).min(p - 1);
                    (q / ow) * w + q % ow
                });
                let reach = offs.iter().max().copied().unwrap_or(0) + last_tap;
                assert!(reach < x.len() && (taps - 1) * op + o0 + CV <= wt.len());
                let mut acc = [[0.0f32; CV]; CP];
                // SAFETY: the caller runs on an AVX2+FMA CPU (`available`); every x read is at
                // most `reach` (asserted), every w read within `wt` (asserted).
                unsafe {
                    forward_tile_channels(x.as_ptr(), wt.as_ptr(), g, op, o0, &offs, &mut acc)
                };
                for (k, px) in acc.iter().enumerate().take(pn) {
                    for (b, &a) in px.iter().enumerate().take(on) {
                        let bo = bias.map_or(0.0, |bb| bb[o0 + b]);
                        y[(o0 + b) * p + p0 + k] = a + bo;
                    }
                }
            }
        }
        return;
    }
    let xs = &mut scratch[..forward_scratch(g)];
    xs[..x.len()].copy_from_slice(x);
    xs[x.len()..].fill(0.0);
    let xs = &*xs;
    let taps = g.col_rows();
    for o0 in (0..o_n).step_by(OB) {
        let ob = OB.min(o_n - o0);
        for oy in 0..oh {
            for ox0 in (0..ow).step_by(PX) {
                // Offsets of every tap's first input pixel for this tile, checked once.
                let mut acc = [[0.0f32; PX]; OB];
                let base = oy * w + ox0;
                let last = (c_in - 1) * h * w + (kh - 1) * w + (kw - 1) + base + PX;
                assert!(last <= xs.len() && (taps - 1) * op + o0 + OB <= wt.len());
                // SAFETY: the caller runs on an AVX2+FMA CPU (`available`); every x read is at
                // most `last` (asserted above), every w read within `wt` (asserted above).
                unsafe {
                    forward_tile(xs.as_ptr(), wt.as_ptr(), g, op, o0, base, (0, kh), &mut acc)
                };
                let n = PX.min(ow - ox0);
                for (b, row) in acc.iter().enumerate().take(ob) {
                    let bo = bias.map_or(0.0, |bb| bb[o0 + b]);
                    let dst = &mut y[(o0 + b) * p + oy * ow + ox0..][..n];
                    for (d, &a) in dst.iter_mut().zip(row) {
                        *d = a + bo;
                    }
                }
            }
        }
    }
}

/// The geometry of the input gradient as a forward convolution: `∂L/∂x[c, y, x] =
/// Σ_{o,i,j} w[o, c, KH−1−i, KW−1−j] · dyp[o, y + i, x + j]`, where `dyp` is `dy` with `KH − 1`
/// rows and `KW − 1` columns of zeros on each side: `O` input channels, `C` output channels.
fn input_grad_geometry(g: &Conv2dGeometry) -> Conv2dGeometry {
    let (oh, ow) = g.out_hw();
    Conv2dGeometry {
        in_channels: g.out_channels,
        out_channels: g.in_channels,
        in_h: oh + 2 * (g.kernel_h - 1),
        in_w: ow + 2 * (g.kernel_w - 1),
        ..*g
    }
}

/// Scratch [`input_grad_image`] needs: the zero-padded `dy` plus slack.
pub(crate) fn input_grad_scratch(g: &Conv2dGeometry) -> usize {
    let gt = input_grad_geometry(g);
    gt.in_len() + PX + gt.kernel_w
}

/// The weights of [`input_grad_geometry`], flipped and transposed: `[O·KH·KW, C_padded]` with
/// entry `((o·KH + i)·KW + j, c) = w[o, c, KH−1−i, KW−1−j]` (zeros past `C`).
pub(crate) fn input_grad_weights(g: &Conv2dGeometry, weight: &[f32]) -> Vec<f32> {
    let gt = input_grad_geometry(g);
    let (kh, kw, c_n) = (g.kernel_h, g.kernel_w, g.in_channels);
    let (taps, cp) = (gt.col_rows(), padded_channels(&gt));
    let mut wt = vec![0.0f32; taps * cp];
    for o in 0..g.out_channels {
        for c in 0..c_n {
            for i in 0..kh {
                for j in 0..kw {
                    let t = (o * kh + (kh - 1 - i)) * kw + (kw - 1 - j);
                    wt[t * cp + c] = weight[((o * c_n + c) * kh + i) * kw + j];
                }
            }
        }
    }
    wt
}

/// One image's input gradient `dx` (`[C, H, W]`, overwritten) from its `dy` (`[O, OH, OW]`):
/// the direct forward tile run over the zero-padded `dy` with [`input_grad_weights`], skipping
/// the kernel rows that only see padding rows. Replaces `Wᵀ·dY` and `col2im`.
///
/// # Panics
/// If a slice is shorter than the geometry needs, or the path is not [`available`].
pub(crate) fn input_grad_image(
    g: &Conv2dGeometry,
    dy: &[f32],
    wt: &[f32],
    scratch: &mut [f32],
    dx: &mut [f32],
) {
    assert!(available(g), "direct conv: unsupported geometry or CPU");
    let gt = input_grad_geometry(g);
    assert!(dy.len() == g.out_len() && dx.len() == g.in_len());
    assert!(
        scratch.len() >= input_grad_scratch(g) && wt.len() == gt.col_rows() * padded_channels(&gt)
    );
    // SAFETY: `available` checked that the CPU supports AVX2 and FMA.
    unsafe { input_grad_image_avx2(g, &gt, dy, wt, scratch, dx) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn input_grad_image_avx2(
    g: &Conv2dGeometry,
    gt: &Conv2dGeometry,
    dy: &[f32],
    wt: &[f32],
    scratch: &mut [f32],
    dx: &mut [f32],
) {
    let (oh, ow) = g.out_hw();
    let (kh, kw) = (g.kernel_h, g.kernel_w);
    let (ph, pw) = (gt.in_h, gt.in_w);
    let xs = &mut scratch[..input_grad_scratch(g)];
    xs.fill(0.0);
    for (o, plane) in dy.chunks_exact(oh * ow).enumerate() {
        for (r, src) in plane.chunks_exact(ow).enumerate() {
            let at = (o * ph + r + kh - 1) * pw + kw - 1;
            xs[at..at + ow].copy_from_slice(src);
        }
    }
    let xs = &*xs;
    let (h, w, c_n) = (g.in_h, g.in_w, g.in_channels);
    let (op, taps) = (padded_channels(gt), gt.col_rows());
    for c0 in (0..c_n).step_by(OB) {
        let cb = OB.min(c_n - c0);
        for y in 0..h {
            // Kernel rows i reading padded row y + i inside [KH − 1, KH − 1 + OH).
            let rows = ((kh - 1).saturating_sub(y), kh.min(kh - 1 + oh - y));
            for x0 in (0..w).step_by(PX) {
                let mut acc = [[0.0f32; PX]; OB];
                let base = y * pw + x0;
                let last = (gt.in_channels - 1) * ph * pw + (kh - 1) * pw + (kw - 1) + base + PX;
                assert!(last <= xs.len() && (taps - 1) * op + c0 + OB <= wt.len());
                // SAFETY: AVX2+FMA are available (the caller's contract); every read of the
                // padded dy is at most `last`, every weight read within `wt` (asserted above).
                unsafe { forward_tile(xs.as_ptr(), wt.as_ptr(), gt, op, c0, base, rows, &mut acc) };
                let n = PX.min(w - x0);
                for (b, row) in acc.iter().enumerate().take(cb) {
                    dx[(c0 + b) * h * w + y * w + x0..][..n].copy_from_slice(&row[..n]);
                }
            }
        }
    }
}

/// The forward register tile: 6 channels × 16 pixels in 12 `ymm` accumulators over every tap
/// whose kernel row lies in `rows` (all of them, `(0, KH)`, except in [`input_grad_image`]).
///
/// # Safety
/// AVX2+FMA must be available; `x` must be readable up to the offsets asserted by the caller.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn forward_tile(
    x: *const f32,
    wt: *const f32,
    g: &Conv2dGeometry,
    op: usize,
    o0: usize,
    base: usize,
    rows: (usize, usize),
    out: &mut [[f32; PX]; OB],
) {
    use std::arch::x86_64::*;
    let (h, w, kh, kw) = (g.in_h, g.in_w, g.kernel_h, g.kernel_w);
    let z = _mm256_setzero_ps();
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5) = (z, z, z, z, z, z);
    let (mut b0, mut b1, mut b2, mut b3, mut b4, mut b5) = (z, z, z, z, z, z);
    for c in 0..g.in_channels {
        for i in rows.0..rows.1 {
            let row = x.add((c * h + i) * w + base);
            let wrow = wt.add((c * kh + i) * kw * op + o0);
            for j in 0..kw {
                let x0 = _mm256_loadu_ps(row.add(j));
                let x1 = _mm256_loadu_ps(row.add(j + 8));
                let wp = wrow.add(j * op);
                let v = _mm256_broadcast_ss(&*wp);
                a0 = _mm256_fmadd_ps(v, x0, a0);
                b0 = _mm256_fmadd_ps(v, x1, b0);
                let v = _mm256_broadcast_ss(&*wp.add(1));
                a1 = _mm256_fmadd_ps(v, x0, a1);
                b1 = _mm256_fmadd_ps(v, x1, b1);
                let v = _mm256_broadcast_ss(&*wp.add(2));
                a2 = _mm256_fmadd_ps(v, x0, a2);
                b2 = _mm256_fmadd_ps(v, x1, b2);
                let v = _mm256_broadcast_ss(&*wp.add(3));
                a3 = _mm256_fmadd_ps(v, x0, a3);
                b3 = _mm256_fmadd_ps(v, x1, b3);
                let v = _mm256_broadcast_ss(&*wp.add(4));
                a4 = _mm256_fmadd_ps(v, x0, a4);
                b4 = _mm256_fmadd_ps(v, x1, b4);
                let v = _mm256_broadcast_ss(&*wp.add(5));
                a5 = _mm256_fmadd_ps(v, x0, a5);
                b5 = _mm256_fmadd_ps(v, x1, b5);
            }
        }
    }
    for (r, (lo, hi)) in [(a0, b0), (a1, b1), (a2, b2), (a3, b3), (a4, b4), (a5, b5)]
        .into_iter()
        .enumerate()
    {
        _mm256_storeu_ps(out[r].as_mut_ptr(), lo);
        _mm256_storeu_ps(out[r].as_mut_ptr().add(8), hi);
    }
}

/// The channel-vectorised forward tile: 16 channels × 6 pixels in 12 `ymm` accumulators over
/// every tap; `offs[k]` is pixel k's first input position (`oy·W + ox`).
///
/// # Safety
/// AVX2+FMA must be available; `x` must be readable at `offs[k]` plus every tap's offset, and
/// `wt` at `tap·op + o0 + 15` for every tap.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn forward_tile_channels(
    x: *const f32,
    wt: *const f32,
    g: &Conv2dGeometry,
    op: usize,
    o0: usize,
    offs: &[usize; CP],
    out: &mut [[f32; CV]; CP],
) {
    use std::arch::x86_64::*;
    let (h, w, kh, kw) = (g.in_h, g.in_w, g.kernel_h, g.kernel_w);
    let z = _mm256_setzero_ps();
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5) = (z, z, z, z, z, z);
    let (mut b0, mut b1, mut b2, mut b3, mut b4, mut b5) = (z, z, z, z, z, z);
    let xr: [*const f32; CP] = std::array::from_fn(|k| x.add(offs[k]));
    let mut tap = 0;
    for c in 0..g.in_channels {
        for i in 0..kh {
            let row = (c * h + i) * w;
            for j in 0..kw {
                let q = row + j;
                let wp = wt.add(tap * op + o0);
                let w0 = _mm256_loadu_ps(wp);
                let w1 = _mm256_loadu_ps(wp.add(8));
                let v = _mm256_broadcast_ss(&*xr[0].add(q));
                a0 = _mm256_fmadd_ps(v, w0, a0);
                b0 = _mm256_fmadd_ps(v, w1, b0);
                let v = _mm256_broadcast_ss(&*xr[1].add(q));
                a1 = _mm256_fmadd_ps(v, w0, a1);
                b1 = _mm256_fmadd_ps(v, w1, b1);
                let v = _mm256_broadcast_ss(&*xr[2].add(q));
                a2 = _mm256_fmadd_ps(v, w0, a2);
                b2 = _mm256_fmadd_ps(v, w1, b2);
                let v = _mm256_broadcast_ss(&*xr[3].add(q));
                a3 = _mm256_fmadd_ps(v, w0, a3);
                b3 = _mm256_fmadd_ps(v, w1, b3);
                let v = _mm256_broadcast_ss(&*xr[4].add(q));
                a4 = _mm256_fmadd_ps(v, w0, a4);
                b4 = _mm256_fmadd_ps(v, w1, b4);
                let v = _mm256_broadcast_ss(&*xr[5].add(q));
                a5 = _mm256_fmadd_ps(v, w0, a5);
                b5 = _mm256_fmadd_ps(v, w1, b5);
                tap += 1;
            }
        }
    }
    for (r, (lo, hi)) in [(a0, b0), (a1, b1), (a2, b2), (a3, b3), (a4, b4), (a5, b5)]
        .into_iter()
        .enumerate()
    {
        _mm256_storeu_ps(out[r].as_mut_ptr(), lo);
        _mm256_storeu_ps(out[r].as_mut_ptr().add(8), hi);
    }
}

/// Output channels per weight-gradient tile (two AVX2 vectors).
const DW_OV: usize = 16;
/// Taps per weight-gradient tile: 6 taps × 16 channels = 12 vector accumulators.
const DW_TB: usize = 6;

/// One image's weight gradient, ADDED to `dw` (`[O, C·KH·KW]`) if `accumulate`, else written.
///
/// `dw[o, t] = Σ_p dy[o, p] · x[off(t) + p']` as an outer-product tile: for each output pixel,
/// one 16-channel vector of `dy` times 6 broadcast input values (one per tap), summed over pixels
/// in order.
///
/// # Panics
/// If a slice is shorter than the geometry needs, or the path is not [`available`].
pub(crate) fn weight_grad_image(
    g: &Conv2dGeometry,
    x: &[f32],
    dy: &[f32],
    scratch: &mut [f32],
    dw: &mut [f32],
    accumulate: bool,
) {
    assert!(available(g), "direct conv: unsupported geometry or CPU");
    assert!(x.len() == g.in_len() && dy.len() == g.out_len() && scratch.len() >= dw_scratch(g));
    assert!(dw.len() == g.weight_len());
    // SAFETY: `available` checked that the CPU supports AVX2 and FMA.
    unsafe { weight_grad_image_avx2(g, x, dy, scratch, dw, accumulate) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn weight_grad_image_avx2(
    g: &Conv2dGeometry,
    x: &[f32],
    dy: &[f32],
    scratch: &mut [f32],
    dw: &mut [f32],
    accumulate: bool,
) {
    weight_grad_image_body(g, x, dy, scratch, dw, accumulate)
}

#[inline(always)]
fn weight_grad_image_body(
    g: &Conv2dGeometry,
    x: &[f32],
    dy: &[f32],
    scratch: &mut [f32],
    dw: &mut [f32],
    accumulate: bool,
) {
    let (oh, ow) = g.out_hw();
    let (h, w) = (g.in_h, g.in_w);
    let (kh, kw) = (g.kernel_h, g.kernel_w);
    let (o_n, taps, p) = (g.out_channels, g.col_rows(), oh * ow);
    // Input offset of each tap t = (c, i, j): x[c, oy + i, ox + j] = x[off(t) + oy·W + ox].
    let off = |t: usize| {
        let (c, i, j) = (t / (kh * kw), (t / kw) % kh, t % kw);
        (c * h + i) * w + j
    };
    // Every read is x[off(t) + oy·W + ox] with oy < OH, ox < OW: inside the image.
    if dw_pixel_vectorised(g) {
        for o0 in (0..o_n).step_by(OB) {
            let on = OB.min(o_n - o0);
            for t0 in (0..taps).step_by(DW_PT) {
                let tn = DW_PT.min(taps - t0);
                // Channels and taps past the end repeat the last one (computed, discarded).
                let offs = [off(t0), off((t0 + 1).min(taps - 1))];
                let chans: [usize; OB] = std::array::from_fn(|b| (o0 + b).min(o_n - 1) * p);
                let reach = offs[0].max(offs[1]) + (oh - 1) * w + ow;
                assert!(reach <= x.len() && chans[OB - 1] + p <= dy.len());
                let mut acc = [[0.0f32; DW_PT]; OB];
                // SAFETY: AVX2+FMA are available (`available`); every x read is below `reach`,
                // every dy read inside the channel planes `chans[b]..chans[b] + p` (asserted);
                // the row tails are read with masked loads that touch only lanes `< ow`.
                unsafe {
                    weight_grad_tile_pixels(
                        x.as_ptr(),
                        offs,
                        dy.as_ptr(),
                        chans,
                        w,
                        oh,
                        ow,
                        &mut acc,
                    )
                };
                for (b, a) in acc.iter().enumerate().take(on) {
                    for (k, &v) in a.iter().enumerate().take(tn) {
                        let d = &mut dw[(o0 + b) * taps + t0 + k];
                        *d = if accumulate { *d + v } else { v };
                    }
                }
            }
        }
        return;
    }
    let dyt = &mut scratch[..p * DW_OV];
    // Up to 8 channels: one vector of channels × 12 taps; otherwise two vectors × 6 taps.
    let (ov, tb) = if o_n <= 8 { (8, 12) } else { (DW_OV, DW_TB) };
    for o0 in (0..o_n).step_by(ov) {
        let on = ov.min(o_n - o0);
        dyt.fill(0.0);
        for b in 0..on {
            for (q, &v) in dy[(o0 + b) * p..][..p].iter().enumerate() {
                dyt[q * ov + b] = v;
            }
        }
        for t0 in (0..taps).step_by(tb) {
            let tn = tb.min(taps - t0);
            let mut offs = [0usize; 12];
            for (k, o) in offs.iter_mut().enumerate().take(tn) {
                *o = off(t0 + k);
            }
            let mut acc = [[0.0f32; DW_OV]; 12];
            let reach = offs.iter().max().copied().unwrap_or(0) + (oh - 1) * w + ow;
            assert!(reach <= x.len() && dyt.len() >= p * ov);
            // SAFETY: AVX2+FMA are available (`available`); every x read is below `reach`
            // (asserted), every dy read within the `p·ov` transposed buffer (asserted).
            unsafe {
                if ov == 8 {
                    weight_grad_tile8(x.as_ptr(), &offs, dyt.as_ptr(), w, oh, ow, &mut acc)
                } else {
                    weight_grad_tile(x.as_ptr(), &offs, dyt.as_ptr(), w, oh, ow, &mut acc)
                }
            };
            for (k, a) in acc.iter().enumerate().take(tn) {
                for (b, &v) in a.iter().enumerate().take(on) {
                    let d = &mut dw[(o0 + b) * taps + t0 + k];
                    *d = if accumulate { *d + v } else { v };
                }
            }
        }
    }
}

/// Taps per pixel-vectorised weight-gradient tile: 6 channels × 2 taps = 12 accumulators.
const DW_PT: usize = 2;

/// Whether the weight gradient vectorises over output pixels (6 channels × 2 taps, 8 pixels of
/// one row per vector, each accumulator summed across its lanes at the end) rather than over
/// channels (8 or 16 channels × 12 or 6 taps, one pixel at a time): whichever wastes fewer
/// lanes. LeNet's conv1 (6 channels, 28-pixel rows) uses 86 % of its lanes pixel-vectorised
/// against 67 % channel-vectorised, and needs no transposed copy of `dy`; conv2 (16 channels,
/// 10-pixel rows) stays channel-vectorised.
fn dw_pixel_vectorised(g: &Conv2dGeometry) -> bool {
    let (o, taps, (_, ow)) = (g.out_channels, g.col_rows(), g.out_hw());
    let used = |n: usize, tile: usize| n as f64 / (n.div_ceil(tile) * tile) as f64;
    let channels = if o <= 8 {
        used(o, 8) * used(taps, 12)
    } else {
        used(o, DW_OV) * used(taps, DW_TB)
    };
    used(o, OB) * used(taps, DW_PT) * used(ow, 8) > channels
}

/// The pixel-vectorised weight-gradient tile: `out[b][k] = Σ_{oy, ox} dy[chans[b] + oy·ow + ox] ·
/// x[offs[k] + oy·w + ox]`, 8 pixels of a row per FMA in 12 `ymm` accumulators (lane `l` sums
/// the pixels `ox ≡ l mod 8`, in row order), the lanes then added in a fixed order.
///
/// # Safety
/// AVX2+FMA must be available; `x` readable at `offs[k] + oy·w + ox` and `dy` at
/// `chans[b] + oy·ow + ox` for all `oy < oh`, `ox < ow` (nothing past a row's end is read).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn weight_grad_tile_pixels(
    x: *const f32,
    offs: [usize; DW_PT],
    dy: *const f32,
    chans: [usize; OB],
    w: usize,
    oh: usize,
    ow: usize,
    out: &mut [[f32; DW_PT]; OB],
) {
    use std::arch::x86_64::*;
    let z = _mm256_setzero_ps();
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5) = (z, z, z, z, z, z);
    let (mut b0, mut b1, mut b2, mut b3, mut b4, mut b5) = (z, z, z, z, z, z);
    let tail = ow % 8;
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(tail as i32), lanes);
    let d: [*const f32; OB] = std::array::from_fn(|b| dy.add(chans[b]));
    for oy in 0..oh {
        let (xr0, xr1) = (x.add(offs[0] + oy * w), x.add(offs[1] + oy * w));
        let dr = oy * ow;
        let mut ox = 0;
        macro_rules! load {
            (full, $p:expr) => {
                _mm256_loadu_ps($p)
            };
            (tail, $p:expr) => {
                _mm256_maskload_ps($p, mask)
            };
        }
        macro_rules! step {
            ($mode:ident) => {{
                let x0 = load!($mode, xr0.add(ox));
                let x1 = load!($mode, xr1.add(ox));
                let v = load!($mode, d[0].add(dr + ox));
                a0 = _mm256_fmadd_ps(v, x0, a0);
                b0 = _mm256_fmadd_ps(v, x1, b0);
                let v = load!($mode, d[1].add(dr + ox));
                a1 = _mm256_fmadd_ps(v, x0, a1);
                b1 = _mm256_fmadd_ps(v, x1, b1);
                let v = load!($mode, d[2].add(dr + ox));
                a2 = _mm256_fmadd_ps(v, x0, a2);
                b2 = _mm256_fmadd_ps(v, x1, b2);
                let v = load!($mode, d[3].add(dr + ox));
                a3 = _mm256_fmadd_ps(v, x0, a3);
                b3 = _mm256_fmadd_ps(v, x1, b3);
                let v = load!($mode, d[4].add(dr + ox));
                a4 = _mm256_fmadd_ps(v, x0, a4);
                b4 = _mm256_fmadd_ps(v, x1, b4);
                let v = load!($mode, d[5].add(dr + ox));
                a5 = _mm256_fmadd_ps(v, x0, a5);
                b5 = _mm256_fmadd_ps(v, x1, b5);
            }};
        }
        while ox + 8 <= ow {
            step!(full);
            ox += 8;
        }
        if tail > 0 {
            // Masked-off lanes read nothing and load 0.
            step!(tail);
        }
    }
    let hsum = |v: __m256| -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    };
    for (r, (lo, hi)) in [(a0, b0), (a1, b1), (a2, b2), (a3, b3), (a4, b4), (a5, b5)]
        .into_iter()
        .enumerate()
    {
        out[r] = [hsum(lo), hsum(hi)];
    }
}

/// The weight-gradient register tile for at most 8 channels: 12 taps × 8 channels in 12 `ymm`
/// accumulators, summed over all output pixels in order.
///
/// # Safety
/// AVX2+FMA must be available; `x` readable at `offs[k] + oy·w + ox` and `dyt` at
/// `(oy·ow + ox)·8 + 7` for all `oy < oh`, `ox < ow`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn weight_grad_tile8(
    x: *const f32,
    offs: &[usize; 12],
    dyt: *const f32,
    w: usize,
    oh: usize,
    ow: usize,
    out: &mut [[f32; DW_OV]; 12],
) {
    use std::arch::x86_64::*;
    let z = _mm256_setzero_ps();
    let mut a = [z; 12];
    let xr: [*const f32; 12] = std::array::from_fn(|k| x.add(offs[k]));
    for oy in 0..oh {
        let row = oy * w;
        let drow = dyt.add(oy * ow * 8);
        for ox in 0..ow {
            let d = _mm256_loadu_ps(drow.add(ox * 8));
            let q = row + ox;
            a[0] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[0].add(q)), a[0]);
            a[1] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[1].add(q)), a[1]);
            a[2] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[2].add(q)), a[2]);
            a[3] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[3].add(q)), a[3]);
            a[4] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[4].add(q)), a[4]);
            a[5] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[5].add(q)), a[5]);
            a[6] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[6].add(q)), a[6]);
            a[7] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[7].add(q)), a[7]);
            a[8] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[8].add(q)), a[8]);
            a[9] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[9].add(q)), a[9]);
            a[10] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[10].add(q)), a[10]);
            a[11] = _mm256_fmadd_ps(d, _mm256_broadcast_ss(&*xr[11].add(q)), a[11]);
        }
    }
    for (r, v) in a.into_iter().enumerate() {
        _mm256_storeu_ps(out[r].as_mut_ptr(), v);
    }
}

/// The weight-gradient register tile: 6 taps × 16 channels in 12 `ymm` accumulators, summed over
/// all output pixels in order.
///
/// # Safety
/// AVX2+FMA must be available; `x` readable at `offs[k] + oy·w + ox` and `dyt` at
/// `(oy·ow + ox)·16 + 15` for all `oy < oh`, `ox < ow`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn weight_grad_tile(
    x: *const f32,
    offs: &[usize; 12],
    dyt: *const f32,
    w: usize,
    oh: usize,
    ow: usize,
    out: &mut [[f32; DW_OV]; 12],
) {
    use std::arch::x86_64::*;
    let z = _mm256_setzero_ps();
    let (mut a0, mut a1, mut a2, mut a3, mut a4, mut a5) = (z, z, z, z, z, z);
    let (mut b0, mut b1, mut b2, mut b3, mut b4, mut b5) = (z, z, z, z, z, z);
    let xr = [
        x.add(offs[0]),
        x.add(offs[1]),
        x.add(offs[2]),
        x.add(offs[3]),
        x.add(offs[4]),
        x.add(offs[5]),
    ];
    for oy in 0..oh {
        let row = oy * w;
        let drow = dyt.add(oy * ow * DW_OV);
        for ox in 0..ow {
            let d0 = _mm256_loadu_ps(drow.add(ox * DW_OV));
            let d1 = _mm256_loadu_ps(drow.add(ox * DW_OV + 8));
            let q = row + ox;
            let v = _mm256_broadcast_ss(&*xr[0].add(q));
            a0 = _mm256_fmadd_ps(d0, v, a0);
            b0 = _mm256_fmadd_ps(d1, v, b0);
            let v = _mm256_broadcast_ss(&*xr[1].add(q));
            a1 = _mm256_fmadd_ps(d0, v, a1);
            b1 = _mm256_fmadd_ps(d1, v, b1);
            let v = _mm256_broadcast_ss(&*xr[2].add(q));
            a2 = _mm256_fmadd_ps(d0, v, a2);
            b2 = _mm256_fmadd_ps(d1, v, b2);
            let v = _mm256_broadcast_ss(&*xr[3].add(q));
            a3 = _mm256_fmadd_ps(d0, v, a3);
            b3 = _mm256_fmadd_ps(d1, v, b3);
            let v = _mm256_broadcast_ss(&*xr[4].add(q));
            a4 = _mm256_fmadd_ps(d0, v, a4);
            b4 = _mm256_fmadd_ps(d1, v, b4);
            let v = _mm256_broadcast_ss(&*xr[5].add(q));
            a5 = _mm256_fmadd_ps(d0, v, a5);
            b5 = _mm256_fmadd_ps(d1, v, b5);
        }
    }
    for (r, (lo, hi)) in [(a0, b0), (a1, b1), (a2, b2), (a3, b3), (a4, b4), (a5, b5)]
        .into_iter()
        .enumerate()
    {
        _mm256_storeu_ps(out[r].as_mut_ptr(), lo);
        _mm256_storeu_ps(out[r].as_mut_ptr().add(8), hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenet(c: usize, o: usize, side: usize) -> Conv2dGeometry {
        Conv2dGeometry {
            in_channels: c,
            out_channels: o,
            in_h: side,
            in_w: side,
            kernel_h: 5,
            kernel_w: 5,
            stride: (1, 1),
            padding: (0, 0),
            dilation: (1, 1),
        }
    }

    #[test]
    fn lenet_conv1_is_pixel_vectorised_and_conv2_channel_vectorised() {
        // Both tiles of each pass are exercised by the property tests over `direct_geometry`
        // (which covers these shapes); this pins which one LeNet's layers take.
        assert!(!channel_vectorised(&lenet(3, 6, 32)));
        assert!(channel_vectorised(&lenet(6, 16, 14)));
        assert!(dw_pixel_vectorised(&lenet(3, 6, 32)));
        assert!(!dw_pixel_vectorised(&lenet(6, 16, 14)));
    }
}
