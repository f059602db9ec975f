//! 2-D max pooling over planes (the `N·C` planes of an NCHW tensor): forward with argmax,
//! backward by routing each upstream gradient to its window's argmax.
//!
//! ```text
//! y[oy, ox]      = max_{i<KH, j<KW} x[oy·sh − ph + i, ox·sw − pw + j]   (padding reads as −∞)
//! argmax[oy, ox] = the flat index y·W + x of the FIRST maximum in row-major window order
//! dx[a]          = Σ_{windows whose argmax is a} dy[window]             (overlapping windows add)
//! ```
//!
//! Ties go to the first maximum (strict `>` while scanning), and a NaN in a window wins it, as in
//! PyTorch. Planes are independent, so they run in parallel (rayon) with no effect on the result.

use rayon::prelude::*;

/// The geometry of a 2-D max pool: input plane size, window, stride and padding, each
/// `(vertical, horizontal)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dGeometry {
    /// Input height `H`.
    pub in_h: usize,
    /// Input width `W`.
    pub in_w: usize,
    /// Window `(KH, KW)`, each ≥ 1.
    pub kernel: (usize, usize),
    /// Stride `(sh, sw)`, each ≥ 1.
    pub stride: (usize, usize),
    /// Padding `(ph, pw)` on both sides, at most half the window (as PyTorch requires).
    pub padding: (usize, usize),
}

impl Pool2dGeometry {
    /// `(OH, OW)` with `OH = ⌊(H + 2·ph − KH) / sh⌋ + 1`, or `None` if the geometry is invalid
    /// (zero window or stride, padding over half the window, window larger than the padded input).
    pub fn out_hw(&self) -> Option<(usize, usize)> {
        let one = |n: usize, k: usize, s: usize, p: usize| {
            if k == 0 || s == 0 || 2 * p > k || n + 2 * p < k {
                None
            } else {
                Some((n + 2 * p - k) / s + 1)
            }
        };
        Some((
            one(self.in_h, self.kernel.0, self.stride.0, self.padding.0)?,
            one(self.in_w, self.kernel.1, self.stride.1, self.padding.1)?,
        ))
    }

    fn out_hw_or_panic(&self) -> (usize, usize) {
        self.out_hw()
            .unwrap_or_else(|| panic!("max_pool2d: invalid geometry {self:?}"))
    }
}

/// Max-pool forward over `planes` planes: `x` is `[planes, H, W]`, `y` and `argmax` are
/// `[planes, OH, OW]` (overwritten). `argmax` holds the flat in-plane index of each window's first
/// maximum.
///
/// # Panics
/// If the geometry is invalid or a slice length disagrees with it.
pub fn max_pool2d_forward(
    g: &Pool2dGeometry,
    planes: usize,
    x: &[f32],
    y: &mut [f32],
    argmax: &mut [u32],
) {
    let (oh, ow) = g.out_hw_or_panic();
    let (h, w) = (g.in_h, g.in_w);
    assert_eq!(x.len(), planes * h * w, "max_pool2d_forward: x length");
    assert_eq!(y.len(), planes * oh * ow, "max_pool2d_forward: y length");
    assert_eq!(argmax.len(), y.len(), "max_pool2d_forward: argmax length");
    assert!(
        h * w <= u32::MAX as usize,
        "max_pool2d_forward: plane too large"
    );
    if y.is_empty() {
        return;
    }
    let body = |((yp, ap), xp): ((&mut [f32], &mut [u32]), &[f32])| max_pool2d_plane(g, xp, yp, ap);
    let chunk = oh * ow;
    if planes * chunk * g.kernel.0 * g.kernel.1 < 32 * 1024 {
        y.chunks_mut(chunk)
            .zip(argmax.chunks_mut(chunk))
            .zip(x.chunks(h * w))
            .for_each(body);
    } else {
        y.par_chunks_mut(chunk)
            .zip(argmax.par_chunks_mut(chunk))
            .zip(x.par_chunks(h * w))
            .for_each(body);
    }
}

/// Max-pool forward of ONE plane: `x` is `[H, W]`, `y` and `argmax` are `[OH, OW]` (overwritten),
/// by the same rules as [`max_pool2d_forward`] (which runs this on every plane).
///
/// # Panics
/// If the geometry is invalid or a slice length disagrees with it.
pub fn max_pool2d_plane(g: &Pool2dGeometry, xp: &[f32], yp: &mut [f32], ap: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::arch::active().runs_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above); the body is safe code.
        unsafe { plane_avx2(g, xp, yp, ap) };
        return;
    }
    plane_body(g, xp, yp, ap)
}

/// [`plane_body`] compiled for AVX2 (its selects vectorise 8 windows wide).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn plane_avx2(g: &Pool2dGeometry, xp: &[f32], yp: &mut [f32], ap: &mut [u32]) {
    plane_body(g, xp, yp, ap)
}

#[inline(always)]
fn plane_body(g: &Pool2dGeometry, xp: &[f32], yp: &mut [f32], ap: &mut [u32]) {
    let (oh, ow) = g.out_hw_or_panic();
    let (h, w) = (g.in_h, g.in_w);
    assert_eq!(xp.len(), h * w, "max_pool2d_plane: x length");
    assert_eq!(yp.len(), oh * ow, "max_pool2d_plane: y length");
    assert_eq!(ap.len(), oh * ow, "max_pool2d_plane: argmax length");
    assert!(
        h * w <= u32::MAX as usize,
        "max_pool2d_plane: plane too large"
    );
    let (kh, kw) = g.kernel;
    let (sh, sw) = g.stride;
    let (ph, pw) = g.padding;
    if g.kernel == (2, 2) && g.stride == (2, 2) && g.padding == (0, 0) {
        // LeNet's pool: no padding, no overlap; the same first-maximum rule, unrolled.
        for oy in 0..oh {
            let (r0, r1) = (2 * oy * w, (2 * oy + 1) * w);
            for ox in 0..ow {
                let i = [r0 + 2 * ox, r0 + 2 * ox + 1, r1 + 2 * ox, r1 + 2 * ox + 1];
                let v = [xp[i[0]], xp[i[1]], xp[i[2]], xp[i[3]]];
                // Branch-free selects (random data makes the winner unpredictable); a
                // window holding a NaN takes the rare path: its first NaN wins.
                let (mut best, mut at) = (v[0], i[0]);
                for k in 1..4 {
                    let take = v[k] > best;
                    best = if take { v[k] } else { best };
                    at = if take { i[k] } else { at };
                }
                if v.iter().any(|x| x.is_nan()) {
                    let k = v.iter().position(|x| x.is_nan()).unwrap_or(0);
                    best = v[k];
                    at = i[k];
                }
                yp[oy * ow + ox] = best;
                ap[oy * ow + ox] = at as u32;
            }
        }
        return;
    }
    for oy in 0..oh {
        let ys = (oy * sh) as isize - ph as isize;
        let (i0, i1) = (ys.max(0) as usize, ((ys + kh as isize) as usize).min(h));
        for ox in 0..ow {
            let xs = (ox * sw) as isize - pw as isize;
            let (j0, j1) = (xs.max(0) as usize, ((xs + kw as isize) as usize).min(w));
            let mut best = f32::NEG_INFINITY;
            let mut at = i0 * w + j0;
            'scan: for iy in i0..i1 {
                for ix in j0..j1 {
                    let v = xp[iy * w + ix];
                    if v > best || v.is_nan() {
                        best = v;
                        at = iy * w + ix;
                        if v.is_nan() {
                            break 'scan;
                        }
                    }
                }
            }
            yp[oy * ow + ox] = best;
            ap[oy * ow + ox] = at as u32;
        }
    }
}

/// Max-pool backward: `dx` (`[planes, H, W]`, overwritten) receives each `dy` (`[planes, OH, OW]`)
/// at its window's `argmax`; where windows overlap the contributions add, in window order.
///
/// # Panics
/// If the geometry is invalid, a slice length disagrees with it, or an argmax is out of its plane.
pub fn max_pool2d_backward(
    g: &Pool2dGeometry,
    planes: usize,
    dy: &[f32],
    argmax: &[u32],
    dx: &mut [f32],
) {
    let (oh, ow) = g.out_hw_or_panic();
    let hw = g.in_h * g.in_w;
    assert_eq!(dx.len(), planes * hw, "max_pool2d_backward: dx length");
    assert_eq!(dy.len(), planes * oh * ow, "max_pool2d_backward: dy length");
    assert_eq!(argmax.len(), dy.len(), "max_pool2d_backward: argmax length");
    if dy.is_empty() {
        dx.fill(0.0);
        return;
    }
    let chunk = oh * ow;
    let body = |((dxp, dyp), ap): ((&mut [f32], &[f32]), &[u32])| {
        dxp.fill(0.0);
        for (&g, &a) in dyp.iter().zip(ap) {
            dxp[a as usize] += g;
        }
    };
    if planes * hw < 64 * 1024 {
        dx.chunks_mut(hw)
            .zip(dy.chunks(chunk))
            .zip(argmax.chunks(chunk))
            .for_each(body);
    } else {
        dx.par_chunks_mut(hw)
            .zip(dy.par_chunks(chunk))
            .zip(argmax.par_chunks(chunk))
            .for_each(body);
    }
}
