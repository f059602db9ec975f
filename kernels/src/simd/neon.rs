//! [`SimdF32`] for aarch64 NEON: `float32x4_t`, 4 lanes. The microkernel's A operand is a whole
//! vector of four consecutive A values, used lane by lane with `vfmaq_laneq_f32` (one load feeds
//! four rows), as in the classic 8×8 NEON sgemm kernels.

use super::SimdF32;
use std::arch::aarch64::*;

impl SimdF32 for float32x4_t {
    const LANES: usize = 4;
    const A_GROUP: usize = 4;
    type A = float32x4_t;

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: NEON is part of the aarch64 baseline.
        unsafe { vdupq_n_f32(0.0) }
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: NEON is available.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable values at `p`.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 4 writable values at `p`.
        unsafe { vst1q_f32(p, self) }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: NEON is available.
        unsafe { vaddq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        // SAFETY: NEON is available.
        unsafe { vsubq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: NEON is available.
        unsafe { vmulq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn max(self, o: Self) -> Self {
        // SAFETY: NEON is available.
        unsafe { vmaxq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: NEON is available; vfmaq computes c + self·b fused.
        unsafe { vfmaq_f32(c, self, b) }
    }
    #[inline(always)]
    unsafe fn load_a(p: *const f32) -> Self {
        // SAFETY: the caller guarantees A_GROUP = 4 readable values at `p`.
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn fma_a(acc: Self, b: Self, a: Self, lane: usize) -> Self {
        // SAFETY: NEON is available; the lane index is a constant after unrolling.
        unsafe {
            match lane {
                0 => vfmaq_laneq_f32::<0>(acc, b, a),
                1 => vfmaq_laneq_f32::<1>(acc, b, a),
                2 => vfmaq_laneq_f32::<2>(acc, b, a),
                _ => vfmaq_laneq_f32::<3>(acc, b, a),
            }
        }
    }
    #[inline(always)]
    unsafe fn reduce_sum(self) -> f32 {
        // SAFETY: NEON is available. Fixed order: (0+2) + (1+3), as the portable path.
        unsafe {
            let lo = vget_low_f32(self);
            let hi = vget_high_f32(self);
            let s = vadd_f32(lo, hi);
            vget_lane_f32::<0>(s) + vget_lane_f32::<1>(s)
        }
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f32 {
        // SAFETY: NEON is available.
        unsafe { vmaxvq_f32(self) }
    }
}
