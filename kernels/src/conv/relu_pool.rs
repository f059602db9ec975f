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
    pooled
        .par_chunks_mut(o * q)
        .zip(argmax.par_chunks_mut(o * q))
        .zip(x.par_chunks(g.in_len()))
        .for_each(|((pn, an), xn)| {
            with_scratch(scratch + z_len, |buf| {
                let (s, z) = buf.split_at_mut(scratch);
                plan.image(g, weight, xn, bias, s, z);
                for v in z.iter_mut() {
                    // As `vector::relu`: 0 for x ≤ 0 (and for NaN).
                    *v = if *v > 0.0 { *v } else { 0.0 };
                }
                for ((zp, yp), ap) in z
                    .chunks_exact(p)
                    .zip(pn.chunks_exact_mut(q))
                    .zip(an.chunks_exact_mut(q))
                {
                    max_pool2d_plane(pool, zp, yp, ap);
                }
            })
        });
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
