//! [`SimdF32`] for AVX-512F: `__m512`, 16 lanes. Only executed after
//! `is_x86_feature_detected!("avx512f")`, inside `#[target_feature(enable = "avx512f")]` functions.

use super::SimdF32;
use std::arch::x86_64::*;

impl SimdF32 for __m512 {
    const LANES: usize = 16;
    const A_GROUP: usize = 1;
    type A = __m512;

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller runs on a CPU with AVX-512F.
        unsafe { _mm512_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: AVX-512F is available.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable values at `p`; loadu needs no alignment.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 16 writable values at `p`.
        unsafe { _mm512_storeu_ps(p, self) }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX-512F is available.
        unsafe { _mm512_add_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        // SAFETY: AVX-512F is available.
        unsafe { _mm512_sub_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: AVX-512F is available.
        unsafe { _mm512_mul_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn max(self, o: Self) -> Self {
        // SAFETY: AVX-512F is available.
        unsafe { _mm512_max_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: AVX-512F includes FMA on 512-bit registers.
        unsafe { _mm512_fmadd_ps(self, b, c) }
    }
    #[inline(always)]
    unsafe fn load_a(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `p` is readable.
        unsafe { _mm512_set1_ps(*p) }
    }
    #[inline(always)]
    unsafe fn fma_a(acc: Self, b: Self, a: Self, _lane: usize) -> Self {
        // SAFETY: AVX-512F is available.
        unsafe { _mm512_fmadd_ps(b, a, acc) }
    }
    #[inline(always)]
    unsafe fn reduce_sum(self) -> f32 {
        // SAFETY: AVX-512F is available. Fixed order: lanes added pairwise through a buffer.
        let mut v = [0.0f32; 16];
        unsafe { _mm512_storeu_ps(v.as_mut_ptr(), self) };
        super::sum_pairwise16(v)
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f32 {
        let mut v = [0.0f32; 16];
        // SAFETY: AVX-512F is available; `v` holds 16 values.
        unsafe { _mm512_storeu_ps(v.as_mut_ptr(), self) };
        v.into_iter().fold(v[0], |m, x| if x > m { x } else { m })
    }
    #[inline(always)]
    fn prefetch(p: *const f32) {
        // SAFETY: prefetch is a hint; it never faults, even on an invalid address (SSE baseline).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p as *const i8) }
    }
}
