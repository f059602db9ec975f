//! AVX2 + FMA microkernels: a 6 × 16 register tile (12 ymm accumulators) and the 3 × 4
//! inner-product tile. Thin `#[target_feature]` wrappers around the generic bodies.

use super::microkernel::{dot_tile_body, tile_body, Microkernel, TileArgs, DOT_R, DOT_S};
use crate::arch::Isa;
use std::arch::x86_64::__m256;

/// The AVX2 + FMA kernel family.
pub(crate) struct Avx2;

impl Microkernel for Avx2 {
    const ISA: Isa = Isa::Avx2;
    const MR: usize = 6;
    const NR: usize = 16;

    #[inline]
    unsafe fn tile(args: &TileArgs) {
        // SAFETY: the caller guarantees AVX2 + FMA and valid pointers (trait contract).
        unsafe { tile_avx2(args) }
    }

    #[inline]
    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    ) {
        // SAFETY: as above.
        unsafe { dot_avx2(kc, a, b, out) }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<__m256, 6, 2>(args) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn dot_avx2(
    kc: usize,
    a: &[*const f32; DOT_R],
    b: &[*const f32; DOT_S],
    out: &mut [f32; DOT_R * DOT_S],
) {
    // SAFETY: forwarded contract of `Microkernel::dot_tile`.
    unsafe { dot_tile_body::<__m256>(kc, a, b, out) }
}

/// The AVX2 + FMA family with a 4 × 24 register tile (12 ymm accumulators, three B loads and
/// four broadcasts per step): chosen when it pads the output less than 6 × 16 does — e.g.
/// LeNet's 16-channel convolution (16 rows = 4 × 4, against 3 × 6 = 18).
pub(crate) struct Avx2Wide;

impl Microkernel for Avx2Wide {
    const ISA: Isa = Isa::Avx2;
    const MR: usize = 4;
    const NR: usize = 24;

    #[inline]
    unsafe fn tile(args: &TileArgs) {
        // SAFETY: the caller guarantees AVX2 + FMA and valid pointers (trait contract).
        unsafe { tile_avx2_wide(args) }
    }

    #[inline]
    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    ) {
        // SAFETY: as above.
        unsafe { dot_avx2(kc, a, b, out) }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2_wide(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<__m256, 4, 3>(args) }
}
