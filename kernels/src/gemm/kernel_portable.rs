//! Portable microkernels through `wide::f32x4` (SSE2 on x86-64, NEON on aarch64, fixed at
//! compile time): a 4 × 8 register tile, and the 3 × 4 inner-product tile.

use super::microkernel::{
    dot_tile_body, tile_body, GenericSteps, Microkernel, TileArgs, DOT_R, DOT_S,
};
use crate::arch::Isa;
use wide::f32x4;

/// The portable kernel family.
pub(crate) struct Portable;

impl Microkernel for Portable {
    const ISA: Isa = Isa::Portable;
    const MR: usize = 4;
    const NR: usize = 8;

    #[inline]
    unsafe fn tile(args: &TileArgs) {
        // SAFETY: forwarded contract (no CPU feature beyond the compile-time baseline).
        unsafe { tile_body::<f32x4, 4, 2, GenericSteps>(args) }
    }

    #[inline]
    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    ) {
        // SAFETY: forwarded contract.
        unsafe { dot_tile_body::<f32x4>(kc, a, b, out) }
    }
}
