//! Convolution → ReLU → max pool, fused per image (LeNet's `conv → relu → pool` blocks).
//!
//! ```text
//! z = conv2d(x, w) + b          [N, O, OH, OW]   per image, in a scratch buffer only
//! r = max(z, 0)                                  (in place, in the same buffer)
//! p, argmax = max_pool2d(r)     [N, O, PH, PW]   the only activation written to memory
//! ```
//!
//! Backward, per image: the gradient at the convolution's output is rebuilt from the pooled one,
//!
//! ```text
//! ∂L/∂z[n, o, a] = Σ_{q : argmax[n, o, q] = a, p[n, o, q] > 0} ∂L/∂p[n, o, q]
//! ```
//!
//! (the max pool routes each pooled gradient to its window's argmax; the ReLU passes it where
//! `r[a] > 0`, and `r[argmax q] = p[q]`), and then fed to the convolution's backward exactly as
//! [`conv2d_backward`](super::conv2d_backward) does with a stored `∂L/∂z`. Every number is the
//! one the unfused `conv2d_forward` → ReLU → `max_pool2d_forward` chain and its backward produce,
//! in the same order: the fusion only removes the `[N, O, OH, OW]` activations and gradients
//! from memory (the pre-activation, the ReLU output, the pool's input gradient and the ReLU's):
//! at LeNet's first layer 18.8 KB per image, 4.8 MB for a batch of 256, each written and read
//! again by separate passes. Here they live in a per-thread scratch buffer that stays in L1/L2.

use super::{backward_batch, check_len, with_scratch, Conv2dGeometry, ForwardPlan, Upstream};
use crate::pool::{max_pool2d_plane, Pool2dGeometry};
use rayon::prelude::*;

/// Checks that `pool` takes the convolution's output planes, and returns the pooled plane size.
fn pooled_plane(g: &Conv2dGeometry, pool: &Pool2dGeometry) -> usize {
    let (oh, ow) = g.out_hw();
    assert!(
        pool.in_h == oh && pool.in_w == ow,
        "conv2d_relu_max_pool2d: the pool's input {}×{} is not the convolution's output {oh}×{ow}",
        pool.in_h,
        pool.in_w
    );
    let (ph, pw) = pool
        .out_hw()
        .unwrap_or_else(|| panic!("conv2d_relu_max_pool2d: invalid pool geometry {pool:?}"));
    ph * pw
}

/// `pooled, argmax = max_pool2d(relu(conv2d(x, weight) + bias))` over a batch: `x` is
/// `[N, C, H, W]`, `weight` `[O, C, KH, KW]`, `bias` `[O]` (optional); `pooled` and `argmax` are
/// `[N, O, PH, PW]` (overwritten), `argmax` holding the flat index in the `[OH, OW]` plane of each
/// window's first maximum, as [`crate::pool::max_pool2d_forward`]. Images run in parallel; the
/// result equals the unfused chain exactly.
///
/// # Panics
/// If a geometry is invalid, the pool's input is not the convolution's output size, or a slice
/// length disagrees with the geometries and `batch`.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_relu_max_pool2d_forward(
    g: &Conv2dGeometry,
    pool: &Pool2dGeometry,
    batch: usize,
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    pooled: &mut [f32],
    argmax: &mut [u32],
) {
    let q = pooled_plane(g, pool);
    let o = g.out_channels;
    check_len(
        "conv2d_relu_max_pool2d_forward: x",
        x.len(),
        batch * g.in_len(),
    );
    check_len(
        "conv2d_relu_max_pool2d_forward: weight",
        weight.len(),
        g.weight_len(),
    );
    check_len(
        "conv2d_relu_max_pool2d_forward: pooled",
        pooled.len(),
        batch * o * q,
    );
    check_len(
        "conv2d_relu_max_pool2d_forward: argmax",
        argmax.len(),
        batch * o * q,
    );
    if let Some(b) = bias {
        check_len("conv2d_relu_max_pool2d_forward: bias", b.len(), o);
    }
    if pooled.is_empty() {
        return;
    }
    let plan = ForwardPlan::new(g, weight);
    let (scratch, z_len, p) = (plan.scratch_len(g), g.out_len(), g.out_pixels());
    let two_by_two = pool.kernel == (2, 2) && pool.stride == (2, 2) && pool.padding == (0, 0);
    pooled
        .par_chunks_mut(o * q)
        .zip(argmax.par_chunks_mut(o * q))
        .zip(x.par_chunks(g.in_len()))
        .for_each(|((pn, an), xn)| {
            with_scratch(scratch + z_len, |buf| {
                let (s, z) = buf.split_at_mut(scratch);
                plan.image(g, weight, xn, bias, s, z);
                for ((zp, yp), ap) in z
                    .chunks_exact_mut(p)
                    .zip(pn.chunks_exact_mut(q))
                    .zip(an.chunks_exact_mut(q))
                {
                    if two_by_two {
                        relu_pool_2x2(pool.in_w, zp, yp, ap);
                        continue;
                    }
                    for v in zp.iter_mut() {
                        // As `vector::relu`: 0 for x ≤ 0 (and for NaN).
                        *v = if *v > 0.0 { *v } else { 0.0 };
                    }
                    max_pool2d_plane(pool, zp, yp, ap);
                }
            })
        });
}

/// ReLU then 2×2 max pool with stride 2 of one plane `z` (`[H, w]`, `w` wide) into `y` and
/// `argmax` (`[H/2, w/2]`): the same first-strict-maximum rule as
/// [`max_pool2d_plane`], in one pass. After the ReLU no value is NaN, so no NaN case is needed.
fn relu_pool_2x2(w: usize, z: &[f32], y: &mut [f32], argmax: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    if crate::arch::active().runs_avx2_fma() {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above); the body is safe code.
        unsafe { relu_pool_2x2_avx2(w, z, y, argmax) };
        return;
    }
    relu_pool_2x2_body(w, z, y, argmax)
}

/// [`relu_pool_2x2_body`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn relu_pool_2x2_avx2(w: usize, z: &[f32], y: &mut [f32], argmax: &mut [u32]) {
    relu_pool_2x2_body(w, z, y, argmax)
}

#[inline(always)]
fn relu_pool_2x2_body(w: usize, z: &[f32], y: &mut [f32], argmax: &mut [u32]) {
    let ow = w / 2;
    let relu = |v: f32| if v > 0.0 { v } else { 0.0 };
    for (oy, (yr, ar)) in y
        .chunks_exact_mut(ow)
        .zip(argmax.chunks_exact_mut(ow))
        .enumerate()
    {
        let r0 = &z[2 * oy * w..][..2 * ow];
        let r1 = &z[(2 * oy + 1) * w..][..2 * ow];
        let base = (2 * oy * w) as u32;
        for (ox, ((yv, av), (p0, p1))) in yr
            .iter_mut()
            .zip(ar.iter_mut())
            .zip(r0.chunks_exact(2).zip(r1.chunks_exact(2)))
            .enumerate()
        {
            let at0 = base + 2 * ox as u32;
            let (mut best, mut at) = (relu(p0[0]), at0);
            let v = relu(p0[1]);
            (best, at) = if v > best { (v, at0 + 1) } else { (best, at) };
            let v = relu(p1[0]);
            (best, at) = if v > best {
                (v, at0 + w as u32)
            } else {
                (best, at)
            };
            let v = relu(p1[1]);
            (best, at) = if v > best {
                (v, at0 + w as u32 + 1)
            } else {
                (best, at)
            };
            *yv = best;
            *av = at;
        }
    }
}

/// The backward of [`conv2d_relu_max_pool2d_forward`]: given its `x`, `weight`, `pooled` output
/// and `argmax`, and the gradient `dpooled` (`[N, O, PH, PW]`), writes (overwrites) `dx`
/// (`[N, C, H, W]`, if asked for), `dw` (`[O, C, KH, KW]`) and `db` (`[O]`, if asked for) — the
/// same numbers as the unfused chain's backward, with the same fixed reduction order (see
/// [`conv2d_backward`](super::conv2d_backward)).
///
/// # Panics
/// As the forward; also if an argmax lies outside its `[OH, OW]` plane.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_relu_max_pool2d_backward(
    g: &Conv2dGeometry,
    pool: &Pool2dGeometry,
    batch: usize,
    x: &[f32],
    weight: &[f32],
    pooled: &[f32],
    argmax: &[u32],
    dpooled: &[f32],
    dx: Option<&mut [f32]>,
    dw: &mut [f32],
    db: Option<&mut [f32]>,
) {
    let len = batch * g.out_channels * pooled_plane(g, pool);
    check_len("conv2d_relu_max_pool2d_backward: pooled", pooled.len(), len);
    check_len("conv2d_relu_max_pool2d_backward: argmax", argmax.len(), len);
    check_len(
        "conv2d_relu_max_pool2d_backward: dpooled",
        dpooled.len(),
        len,
    );
    let up = Upstream::ReluPool {
        pool,
        pooled,
        argmax,
        dp: dpooled,
    };
    backward_batch(g, batch, x, weight, up, dx, dw, db);
}

/// One image's `∂L/∂z` (`dz`, `[O, OH·OW]`, overwritten) from its pooled output, argmax and
/// pooled gradient (each `[O, PH·PW]`): the max pool's backward masked by the ReLU.
pub(super) fn route_image(
    pool: &Pool2dGeometry,
    pooled: &[f32],
    argmax: &[u32],
    dp: &[f32],
    dz: &mut [f32],
) {
    let p = pool.in_h * pool.in_w;
    let q = pool.out_hw().map_or(0, |(h, w)| h * w);
    dz.fill(0.0);
    for (((zp, yp), ap), gp) in dz
        .chunks_exact_mut(p)
        .zip(pooled.chunks_exact(q))
        .zip(argmax.chunks_exact(q))
        .zip(dp.chunks_exact(q))
    {
        for ((&y, &a), &g) in yp.iter().zip(ap).zip(gp) {
            if y > 0.0 {
                zp[a as usize] += g;
            }
        }
    }
}
