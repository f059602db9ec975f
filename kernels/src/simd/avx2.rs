//! [`SimdF32`] for AVX2 + FMA: `__m256`, 8 lanes. Only executed after
//! `is_x86_feature_detected!("avx2")` and `("fma")`, inside `#[target_feature(enable = "avx2,fma")]`
//! functions.

use super::SimdF32;
use std::arch::x86_64::*;

impl SimdF32 for __m256 {
    const LANES: usize = 8;
    const A_GROUP: usize = 1;
    type A = __m256;

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller runs on a CPU with AVX (implied by AVX2).
        unsafe { _mm256_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: as above.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable values at `p`; loadu needs no alignment.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 8 writable values at `p`.
        unsafe { _mm256_storeu_ps(p, self) }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX is available (see the module doc).
        unsafe { _mm256_add_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        // SAFETY: AVX is available.
        unsafe { _mm256_sub_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: AVX is available.
        unsafe { _mm256_mul_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn max(self, o: Self) -> Self {
        // SAFETY: AVX is available.
        unsafe { _mm256_max_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: FMA is available (see the module doc).
        unsafe { _mm256_fmadd_ps(self, b, c) }
    }
    #[inline(always)]
    unsafe fn load_a(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `p` is readable; vbroadcastss reads one f32.
        unsafe { _mm256_broadcast_ss(&*p) }
    }
    #[inline(always)]
    unsafe fn fma_a(acc: Self, b: Self, a: Self, _lane: usize) -> Self {
        // SAFETY: FMA is available.
        unsafe { _mm256_fmadd_ps(b, a, acc) }
    }
    #[inline(always)]
    unsafe fn reduce_sum(self) -> f32 {
        // SAFETY: AVX is available. Fixed order: halves, then pairs, then the last two.
        unsafe {
            let hi = _mm256_extractf128_ps(self, 1);
            let s = _mm_add_ps(_mm256_castps256_ps128(self), hi);
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f32 {
        // SAFETY: AVX is available.
        unsafe {
            let hi = _mm256_extractf128_ps(self, 1);
            let s = _mm_max_ps(_mm256_castps256_ps128(self), hi);
            let s = _mm_max_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    fn prefetch(p: *const f32) {
        // SAFETY: prefetch is a hint; it never faults, even on an invalid address (SSE baseline).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p as *const i8) }
    }
}
