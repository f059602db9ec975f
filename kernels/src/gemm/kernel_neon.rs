//! NEON microkernels (aarch64): an 8 × 8 register tile (16 q accumulators), A loaded four values
//! at a time and applied with lane-indexed FMAs (`fmla v.4s, v.4s, v.s[l]`), and the 3 × 4
//! inner-product tile.

use super::microkernel::{
    dot_tile_body, tile_body, GenericSteps, Microkernel, TileArgs, DOT_R, DOT_S,
};
use crate::arch::Isa;
use std::arch::aarch64::float32x4_t;

/// The NEON kernel family.
pub(crate) struct Neon;

impl Microkernel for Neon {
    const ISA: Isa = Isa::Neon;
    const MR: usize = 8;
    const NR: usize = 8;

    #[inline]
    unsafe fn tile(args: &TileArgs) {
        // SAFETY: the caller guarantees NEON and valid pointers (trait contract).
        unsafe { tile_neon(args) }
    }

    #[inline]
    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    ) {
        // SAFETY: as above.
        unsafe { dot_neon(kc, a, b, out) }
    }
}

#[target_feature(enable = "neon")]
unsafe fn tile_neon(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<float32x4_t, 8, 2, GenericSteps>(args) }
}

#[target_feature(enable = "neon")]
unsafe fn dot_neon(
    kc: usize,
    a: &[*const f32; DOT_R],
    b: &[*const f32; DOT_S],
    out: &mut [f32; DOT_R * DOT_S],
) {
    // SAFETY: forwarded contract of `Microkernel::dot_tile`.
    unsafe { dot_tile_body::<float32x4_t>(kc, a, b, out) }
}
