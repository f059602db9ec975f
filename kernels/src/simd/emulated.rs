//! [`SimdF32`] in plain Rust for a 16-lane register — test builds only.
//!
//! The AVX-512 kernels cannot run on a CPU without AVX-512 (the development machine has none,
//! and QEMU's TCG does not emulate it). This type gives the generic kernel bodies the lane
//! semantics of `__m512` as [`super::avx512`] uses them — 16 lanes, a *fused* multiply-add, a
//! broadcast A operand, the pairwise-halves order of `reduce_sum` — with ordinary f32
//! arithmetic, so the bodies can be instantiated and tested at the AVX-512 geometry (the
//! 14 × 32 register tile, 16-lane dot products). Only the 1:1 intrinsic mapping of
//! `simd/avx512.rs` stays unexecuted.

use super::SimdF32;

/// Sixteen f32 lanes, standing in for `__m512`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lanes16(pub(crate) [f32; 16]);

impl Lanes16 {
    fn map2(self, o: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        Lanes16(std::array::from_fn(|l| f(self.0[l], o.0[l])))
    }
}

impl SimdF32 for Lanes16 {
    const LANES: usize = 16;
    const A_GROUP: usize = 1;
    type A = Lanes16;

    unsafe fn zero() -> Self {
        Lanes16([0.0; 16])
    }
    unsafe fn splat(x: f32) -> Self {
        Lanes16([x; 16])
    }
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable values at `p` (no alignment needed).
        Lanes16(std::array::from_fn(|l| unsafe {
            p.add(l).read_unaligned()
        }))
    }
    unsafe fn store(self, p: *mut f32) {
        for (l, x) in self.0.into_iter().enumerate() {
            // SAFETY: the caller guarantees 16 writable values at `p`.
            unsafe { p.add(l).write_unaligned(x) }
        }
    }
    unsafe fn add(self, o: Self) -> Self {
        self.map2(o, |x, y| x + y)
    }
    unsafe fn sub(self, o: Self) -> Self {
        self.map2(o, |x, y| x - y)
    }
    unsafe fn mul(self, o: Self) -> Self {
        self.map2(o, |x, y| x * y)
    }
    unsafe fn max(self, o: Self) -> Self {
        // `vmaxps`: the second operand unless the first is greater (so a NaN gives `o`).
        self.map2(o, |x, y| if x > y { x } else { y })
    }
    unsafe fn mul_add(self, b: Self, c: Self) -> Self {
        Lanes16(std::array::from_fn(|l| self.0[l].mul_add(b.0[l], c.0[l])))
    }
    unsafe fn load_a(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `p` is readable.
        Lanes16([unsafe { *p }; 16])
    }
    unsafe fn fma_a(acc: Self, b: Self, a: Self, _lane: usize) -> Self {
        // SAFETY: plain arithmetic.
        unsafe { b.mul_add(a, acc) }
    }
    unsafe fn reduce_sum(self) -> f32 {
        // The order of `simd/avx512.rs`.
        super::sum_pairwise16(self.0)
    }
    unsafe fn reduce_max(self) -> f32 {
        self.0
            .into_iter()
            .fold(self.0[0], |m, x| if x > m { x } else { m })
    }
}
