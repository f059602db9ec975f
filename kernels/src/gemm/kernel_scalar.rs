//! Scalar microkernels: plain f32 arithmetic, a 4 × 4 register tile and the 3 × 4
//! inner-product tile. The fallback every CPU runs.

use super::microkernel::{
    dot_tile_body, tile_body, GenericSteps, Microkernel, TileArgs, DOT_R, DOT_S,
};
use crate::arch::Isa;

/// The scalar kernel family.
pub(crate) struct Scalar;

impl Microkernel for Scalar {
    const ISA: Isa = Isa::Scalar;
    const MR: usize = 4;
    const NR: usize = 4;

    #[inline]
    unsafe fn tile(args: &TileArgs) {
        // SAFETY: forwarded contract (no CPU feature beyond the compile-time baseline).
        unsafe { tile_body::<f32, 4, 4, GenericSteps>(args) }
    }

    #[inline]
    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    ) {
        // SAFETY: forwarded contract.
        unsafe { dot_tile_body::<f32>(kc, a, b, out) }
    }
}
