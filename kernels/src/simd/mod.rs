//! One vocabulary of SIMD operations, implemented once per instruction set.
//!
//! The GEMM microkernels and the vector kernels are each written once, generically over
//! [`SimdF32`]; every instruction set gets a thin `#[target_feature]` wrapper that instantiates
//! the generic body, so the intrinsics inline into code compiled for that ISA.
//!
//! | ISA        | type                     | lanes | A operand in the microkernel          |
//! |------------|--------------------------|-------|---------------------------------------|
//! | scalar     | `f32`                    | 1     | one value                             |
//! | portable   | `wide::f32x4`            | 4     | one value, broadcast                  |
//! | AVX2 + FMA | `__m256`                 | 8     | one value, broadcast (`vbroadcastss`) |
//! | AVX-512F   | `__m512`                 | 16    | one value, broadcast                  |
//! | NEON       | `float32x4_t`            | 4     | four values, used lane by lane        |

pub(crate) mod portable;
pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
#[cfg(all(test, target_arch = "x86_64"))]
pub(crate) mod emulated;
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon;

/// A register of `LANES` f32 values and the operations the kernels need.
///
/// # Safety
/// Every method is `unsafe` because it may only run on a CPU with the implementing ISA (and,
/// for the best code, inside a function compiled with that ISA's `#[target_feature]`). Pointer
/// arguments must be valid for `LANES` (or [`SimdF32::A_GROUP`]) consecutive f32 values.
pub(crate) trait SimdF32: Copy {
    /// f32 values per register.
    const LANES: usize;
    /// How many consecutive A values one [`SimdF32::load_a`] reads.
    const A_GROUP: usize;
    /// What [`SimdF32::load_a`] returns: a broadcast value, or a vector used lane by lane.
    type A: Copy;

    /// All lanes zero.
    unsafe fn zero() -> Self;
    /// All lanes `x`.
    unsafe fn splat(x: f32) -> Self;
    /// Loads `LANES` values from `p` (no alignment needed).
    unsafe fn load(p: *const f32) -> Self;
    /// Stores `LANES` values to `p` (no alignment needed).
    unsafe fn store(self, p: *mut f32);
    /// Lane-wise `self + o`.
    unsafe fn add(self, o: Self) -> Self;
    /// Lane-wise `self − o`.
    unsafe fn sub(self, o: Self) -> Self;
    /// Lane-wise `self · o`.
    unsafe fn mul(self, o: Self) -> Self;
    /// Lane-wise maximum; if either lane is NaN the result lane may be either operand.
    unsafe fn max(self, o: Self) -> Self;
    /// Lane-wise `self · b + c` (fused where the ISA has FMA).
    unsafe fn mul_add(self, b: Self, c: Self) -> Self;
    /// Reads the A operand(s) of one microkernel step starting at `p`.
    unsafe fn load_a(p: *const f32) -> Self::A;
    /// `acc + b · a[lane]`.
    unsafe fn fma_a(acc: Self, b: Self, a: Self::A, lane: usize) -> Self;
    /// The lanes summed in a fixed order (lane 0 first, pairwise halves for wide registers).
    unsafe fn reduce_sum(self) -> f32;
    /// The largest lane (NaN handling as [`SimdF32::max`]).
    unsafe fn reduce_max(self) -> f32;
    /// Hints that the cache line holding `p` will be read soon. Never faults, whatever `p` is;
    /// a no-op where the ISA has no stable prefetch intrinsic.
    #[inline(always)]
    fn prefetch(_p: *const f32) {}
}

/// The sum of 16 lanes in the fixed order of the 16-lane `reduce_sum`s (AVX-512 and its test
/// emulation): lane `l + 8` added into lane `l`, then `l + 4`, `l + 2`, `l + 1`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn sum_pairwise16(mut v: [f32; 16]) -> f32 {
    let mut w = 16;
    while w > 1 {
        w /= 2;
        for i in 0..w {
            v[i] += v[i + w];
        }
    }
    v[0]
}
