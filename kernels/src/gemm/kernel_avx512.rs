//! AVX-512F microkernels: a 14 × 32 register tile (28 zmm accumulators) and the 3 × 4
//! inner-product tile. Thin `#[target_feature]` wrappers around the generic bodies.
//!
//! The development machine has no AVX-512, so these wrappers have not been executed there. The
//! same generic bodies at this geometry, with the same block sizes and path choices, run in the
//! tests on emulated 16-lane registers (`kernel_emulated.rs`); what stays untested is the 1:1
//! intrinsic mapping in `simd/avx512.rs`.

use super::microkernel::{
    dot_tile_body, tile_body, GenericSteps, Microkernel, TileArgs, DOT_R, DOT_S,
};
use crate::arch::Isa;
use std::arch::x86_64::__m512;

/// The AVX-512F kernel family, dispatched only where `avx512f` is detected.
pub(crate) struct Avx512;

impl Microkernel for Avx512 {
    const ISA: Isa = Isa::Avx512;
    const MR: usize = 14;
    const NR: usize = 32;

    #[inline]
    unsafe fn tile(args: &TileArgs) {
        // SAFETY: the caller guarantees AVX-512F and valid pointers (trait contract).
        unsafe { tile_avx512(args) }
    }

    #[inline]
    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    ) {
        // SAFETY: as above.
        unsafe { dot_avx512(kc, a, b, out) }
    }
}

#[target_feature(enable = "avx512f")]
unsafe fn tile_avx512(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<__m512, 14, 2, GenericSteps>(args) }
}

#[target_feature(enable = "avx512f")]
unsafe fn dot_avx512(
    kc: usize,
    a: &[*const f32; DOT_R],
    b: &[*const f32; DOT_S],
    out: &mut [f32; DOT_R * DOT_S],
) {
    // SAFETY: forwarded contract of `Microkernel::dot_tile`.
    unsafe { dot_tile_body::<__m512>(kc, a, b, out) }
}
