//! [`SimdF32`] for `wide::f32x4`: SSE2 on x86-64, NEON on aarch64, chosen at compile time.

use super::SimdF32;
use wide::f32x4;

impl SimdF32 for f32x4 {
    const LANES: usize = 4;
    const A_GROUP: usize = 1;
    type A = f32x4;

    #[inline(always)]
    unsafe fn zero() -> Self {
        f32x4::ZERO
    }
    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        f32x4::splat(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable values at `p`; read_unaligned needs no alignment.
        f32x4::from(unsafe { (p as *const [f32; 4]).read_unaligned() })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 4 writable values at `p`.
        unsafe { (p as *mut [f32; 4]).write_unaligned(self.to_array()) }
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
        self.fast_max(o)
    }
    #[inline(always)]
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    #[inline(always)]
    unsafe fn load_a(p: *const f32) -> f32x4 {
        // SAFETY: the caller guarantees `p` is valid for one read.
        f32x4::splat(unsafe { *p })
    }
    #[inline(always)]
    unsafe fn fma_a(acc: Self, b: Self, a: f32x4, _lane: usize) -> Self {
        b * a + acc
    }
    #[inline(always)]
    unsafe fn reduce_sum(self) -> f32 {
        let v = self.to_array();
        (v[0] + v[2]) + (v[1] + v[3])
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f32 {
        let v = self.to_array();
        let a = if v[0] > v[2] { v[0] } else { v[2] };
        let b = if v[1] > v[3] { v[1] } else { v[3] };
        if a > b {
            a
        } else {
            b
        }
    }
}
