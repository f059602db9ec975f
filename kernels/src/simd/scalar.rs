//! [`SimdF32`] for plain `f32`: one lane, the scalar fallback.

use super::SimdF32;

impl SimdF32 for f32 {
    const LANES: usize = 1;
    const A_GROUP: usize = 1;
    type A = f32;

    #[inline(always)]
    unsafe fn zero() -> Self {
        0.0
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `p` is valid for one read.
        unsafe { *p }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees `p` is valid for one write.
        unsafe { *p = self }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        self - o
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        self * o
    }
    #[inline(always)]
    unsafe fn max(self, o: Self) -> Self {
        if self > o {
            self
        } else {
            o
        }
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    #[inline(always)]
    unsafe fn load_a(p: *const f32) -> f32 {
        // SAFETY: the caller guarantees `p` is valid for one read.
        unsafe { *p }
    }
    #[inline(always)]
    unsafe fn fma_a(acc: Self, b: Self, a: f32, _lane: usize) -> Self {
        b * a + acc
    }
    #[inline(always)]
    unsafe fn reduce_sum(self) -> f32 {
        self
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f32 {
        self
    }
}
