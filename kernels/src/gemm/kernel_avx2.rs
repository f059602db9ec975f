//! AVX2 + FMA microkernels: a 6 × 16 register tile (12 ymm accumulators) and the 3 × 4
//! inner-product tile. Thin `#[target_feature]` wrappers around the generic bodies.

use super::microkernel::{
    dot_tile_body, tile_body, GenericSteps, Microkernel, PackedSteps, TileArgs, DOT_R, DOT_S,
};
use crate::arch::Isa;
use std::arch::asm;
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

/// Deep tiles run the assembly depth loop; shallow ones (≤ [`SHALLOW_KC`] steps) the
/// compiler's, in a function of their own: around the assembly the compiler keeps the
/// accumulators in memory between the loop and the store of C, which costs little against a
/// deep loop but a lot against a few steps.
unsafe fn tile_avx2(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe {
        if args.kc <= SHALLOW_KC {
            tile_avx2_generic(args)
        } else {
            tile_avx2_asm(args)
        }
    }
}

#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2_asm(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<__m256, 6, 2, AsmSteps>(args) }
}

#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2_generic(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<__m256, 6, 2, GenericSteps>(args) }
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

/// Deep tiles run the assembly depth loop; shallow ones (≤ [`SHALLOW_KC`] steps) the
/// compiler's, in a function of their own: around the assembly the compiler keeps the
/// accumulators in memory between the loop and the store of C, which costs little against a
/// deep loop but a lot against a few steps.
unsafe fn tile_avx2_wide(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe {
        if args.kc <= SHALLOW_KC {
            tile_avx2_wide_generic(args)
        } else {
            tile_avx2_wide_asm(args)
        }
    }
}

#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2_wide_asm(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<__m256, 4, 3, AsmSteps>(args) }
}

#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2_wide_generic(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe { tile_body::<__m256, 4, 3, GenericSteps>(args) }
}

/// Depths up to this take the compiler-scheduled tile (see [`tile_avx2`]).
const SHALLOW_KC: usize = 32;

/// The AVX2 depth loops over a packed B panel in inline assembly: the generic loop, left to the
/// compiler, spilled an accumulator of the 4 × 24 tile to the stack (a store-to-load round trip
/// on every step of that accumulator's FMA chain). Here the twelve accumulators, the B row and
/// the broadcast A value are registers by construction; four steps per iteration, the packed A
/// stream prefetched 16 steps ahead. Same FMAs in the same order as the generic loop.
pub(crate) struct AsmSteps;

impl PackedSteps<__m256, 6, 2> for AsmSteps {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run(ab: &mut [[__m256; 2]; 6], a: *const f32, b: *const f32, kc: usize) {
        let (quads, rest) = (kc / 4, kc % 4);
        // SAFETY: AVX2 + FMA are enabled in the calling `#[target_feature]` function; the loop
        // reads kc·6 values at `a` and kc·16 at `b`, which the caller vouched for
        // (prefetches never fault); only the named registers are written.
        unsafe {
            asm!(
                "test {q}, {q}",
                "jz 3f",
                "2:",
                "prefetcht0 [{a} + 384]",
                "prefetcht0 [{a} + 448]",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 16]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 20]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 64]",
                "vmovups {b1}, ymmword ptr [{b} + 96]",
                "vbroadcastss {t}, dword ptr [{a} + 24]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 28]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 32]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 36]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 40]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 44]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 128]",
                "vmovups {b1}, ymmword ptr [{b} + 160]",
                "vbroadcastss {t}, dword ptr [{a} + 48]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 52]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 56]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 60]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 64]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 68]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 192]",
                "vmovups {b1}, ymmword ptr [{b} + 224]",
                "vbroadcastss {t}, dword ptr [{a} + 72]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 76]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 80]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 84]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 88]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 92]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "add {a}, 96",
                "add {b}, 256",
                "dec {q}",
                "jnz 2b",
                "3:",
                "test {r}, {r}",
                "jz 5f",
                "4:",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 16]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 20]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "add {a}, 24",
                "add {b}, 64",
                "dec {r}",
                "jnz 4b",
                "5:",
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                q = inout(reg) quads => _,
                r = inout(reg) rest => _,
                t = out(ymm_reg) _,
                b0 = out(ymm_reg) _,
                b1 = out(ymm_reg) _,
                c00 = inout(ymm_reg) ab[0][0],
                c01 = inout(ymm_reg) ab[0][1],
                c10 = inout(ymm_reg) ab[1][0],
                c11 = inout(ymm_reg) ab[1][1],
                c20 = inout(ymm_reg) ab[2][0],
                c21 = inout(ymm_reg) ab[2][1],
                c30 = inout(ymm_reg) ab[3][0],
                c31 = inout(ymm_reg) ab[3][1],
                c40 = inout(ymm_reg) ab[4][0],
                c41 = inout(ymm_reg) ab[4][1],
                c50 = inout(ymm_reg) ab[5][0],
                c51 = inout(ymm_reg) ab[5][1],
                options(nostack, readonly),
            );
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_in_place(
        ab: &mut [[__m256; 2]; 6],
        a: *const f32,
        b: *const f32,
        kc: usize,
        b_rs: usize,
        prefetch: usize,
    ) {
        // SAFETY: AVX2 + FMA are enabled here; step p reads 6 values at `a + 6p` and 16 at
        // `b + p·b_rs`, which the caller vouched for (prefetches never fault); only the named
        // registers are written.
        unsafe {
            asm!(
                "test {k}, {k}",
                "jz 3f",
                "2:",
                "prefetcht0 [{b} + {pf}]",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 16]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 20]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "add {a}, 24",
                "add {b}, {rs}",
                "dec {k}",
                "jnz 2b",
                "3:",
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                k = inout(reg) kc => _,
                rs = in(reg) b_rs * 4,
                pf = in(reg) prefetch * 4,
                t = out(ymm_reg) _,
                b0 = out(ymm_reg) _,
                b1 = out(ymm_reg) _,
                c00 = inout(ymm_reg) ab[0][0],
                c01 = inout(ymm_reg) ab[0][1],
                c10 = inout(ymm_reg) ab[1][0],
                c11 = inout(ymm_reg) ab[1][1],
                c20 = inout(ymm_reg) ab[2][0],
                c21 = inout(ymm_reg) ab[2][1],
                c30 = inout(ymm_reg) ab[3][0],
                c31 = inout(ymm_reg) ab[3][1],
                c40 = inout(ymm_reg) ab[4][0],
                c41 = inout(ymm_reg) ab[4][1],
                c50 = inout(ymm_reg) ab[5][0],
                c51 = inout(ymm_reg) ab[5][1],
                options(nostack, readonly),
            );
        }
    }
    /// The whole 6 × 16 tile in one `asm!` block: zero the accumulators, the depth loop
    /// (four steps per iteration, A prefetched 16 steps ahead, loop head 32-byte aligned),
    /// then `acc·α` (β = 0: C only written) or `fma(C, β, acc·α)` stored row by row. Around the
    /// separate depth loop the compiler passed the twelve accumulators through the stack on
    /// every tile; here they never leave their registers.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn full_tile(
        a: *const f32,
        b: *const f32,
        kc: usize,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) -> bool {
        let (quads, rest) = (kc / 4, kc % 4);
        let beta_is_zero = usize::from(beta == 0.0);
        // SAFETY: AVX2 + FMA are enabled in the calling `#[target_feature]` function; the loop
        // reads kc·6 values at `a` and kc·16 at `b`, the update reads (β ≠ 0) and writes 16
        // values at `c + i·rsc` for i < 6 — all vouched for by the caller (prefetches never
        // fault); α and β are read from the locals; only the named registers are written.
        unsafe {
            asm!(
                "vxorps {c00}, {c00}, {c00}",
                "vxorps {c01}, {c01}, {c01}",
                "vxorps {c10}, {c10}, {c10}",
                "vxorps {c11}, {c11}, {c11}",
                "vxorps {c20}, {c20}, {c20}",
                "vxorps {c21}, {c21}, {c21}",
                "vxorps {c30}, {c30}, {c30}",
                "vxorps {c31}, {c31}, {c31}",
                "vxorps {c40}, {c40}, {c40}",
                "vxorps {c41}, {c41}, {c41}",
                "vxorps {c50}, {c50}, {c50}",
                "vxorps {c51}, {c51}, {c51}",
                // The C tile for writing (β = 0 too: the stores would otherwise miss), both
                // ends of each row, which may straddle two lines.
                "prefetchw [{c}]",
                "prefetchw [{c} + 60]",
                "prefetchw [{c} + {rs}]",
                "prefetchw [{c} + {rs} + 60]",
                "prefetchw [{c} + {rs}*2]",
                "prefetchw [{c} + {rs}*2 + 60]",
                "prefetchw [{c} + {rs3}]",
                "prefetchw [{c} + {rs3} + 60]",
                "prefetchw [{c} + {rs}*4]",
                "prefetchw [{c} + {rs}*4 + 60]",
                "prefetchw [{c5}]",
                "prefetchw [{c5} + 60]",
                "test {q}, {q}",
                "jz 3f",
                ".p2align 5",
                "2:",
                "prefetcht0 [{a} + 384]",
                "prefetcht0 [{a} + 448]",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 16]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 20]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 64]",
                "vmovups {b1}, ymmword ptr [{b} + 96]",
                "vbroadcastss {t}, dword ptr [{a} + 24]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 28]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 32]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 36]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 40]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 44]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 128]",
                "vmovups {b1}, ymmword ptr [{b} + 160]",
                "vbroadcastss {t}, dword ptr [{a} + 48]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 52]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 56]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 60]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 64]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 68]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 192]",
                "vmovups {b1}, ymmword ptr [{b} + 224]",
                "vbroadcastss {t}, dword ptr [{a} + 72]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 76]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 80]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 84]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 88]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 92]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "add {a}, 96",
                "add {b}, 256",
                "dec {q}",
                "jnz 2b",
                "3:",
                "test {r}, {r}",
                "jz 5f",
                "4:",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 16]",
                "vfmadd231ps {c40}, {b0}, {t}",
                "vfmadd231ps {c41}, {b1}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 20]",
                "vfmadd231ps {c50}, {b0}, {t}",
                "vfmadd231ps {c51}, {b1}, {t}",
                "add {a}, 24",
                "add {b}, 64",
                "dec {r}",
                "jnz 4b",
                "5:",
                "vbroadcastss {b0}, dword ptr [{alpha}]",
                "vmulps {c00}, {c00}, {b0}",
                "vmulps {c01}, {c01}, {b0}",
                "vmulps {c10}, {c10}, {b0}",
                "vmulps {c11}, {c11}, {b0}",
                "vmulps {c20}, {c20}, {b0}",
                "vmulps {c21}, {c21}, {b0}",
                "vmulps {c30}, {c30}, {b0}",
                "vmulps {c31}, {c31}, {b0}",
                "vmulps {c40}, {c40}, {b0}",
                "vmulps {c41}, {c41}, {b0}",
                "vmulps {c50}, {c50}, {b0}",
                "vmulps {c51}, {c51}, {b0}",
                "test {bz}, {bz}",
                "jnz 6f",
                "vbroadcastss {b1}, dword ptr [{beta}]",
                "vfmadd231ps {c00}, {b1}, ymmword ptr [{c} + 0]",
                "vmovups ymmword ptr [{c} + 0], {c00}",
                "vfmadd231ps {c01}, {b1}, ymmword ptr [{c} + 32]",
                "vmovups ymmword ptr [{c} + 32], {c01}",
                "vfmadd231ps {c10}, {b1}, ymmword ptr [{c} + {rs} + 0]",
                "vmovups ymmword ptr [{c} + {rs} + 0], {c10}",
                "vfmadd231ps {c11}, {b1}, ymmword ptr [{c} + {rs} + 32]",
                "vmovups ymmword ptr [{c} + {rs} + 32], {c11}",
                "vfmadd231ps {c20}, {b1}, ymmword ptr [{c} + {rs}*2 + 0]",
                "vmovups ymmword ptr [{c} + {rs}*2 + 0], {c20}",
                "vfmadd231ps {c21}, {b1}, ymmword ptr [{c} + {rs}*2 + 32]",
                "vmovups ymmword ptr [{c} + {rs}*2 + 32], {c21}",
                "add {c}, {rs3}",
                "vfmadd231ps {c30}, {b1}, ymmword ptr [{c} + 0]",
                "vmovups ymmword ptr [{c} + 0], {c30}",
                "vfmadd231ps {c31}, {b1}, ymmword ptr [{c} + 32]",
                "vmovups ymmword ptr [{c} + 32], {c31}",
                "vfmadd231ps {c40}, {b1}, ymmword ptr [{c} + {rs} + 0]",
                "vmovups ymmword ptr [{c} + {rs} + 0], {c40}",
                "vfmadd231ps {c41}, {b1}, ymmword ptr [{c} + {rs} + 32]",
                "vmovups ymmword ptr [{c} + {rs} + 32], {c41}",
                "vfmadd231ps {c50}, {b1}, ymmword ptr [{c} + {rs}*2 + 0]",
                "vmovups ymmword ptr [{c} + {rs}*2 + 0], {c50}",
                "vfmadd231ps {c51}, {b1}, ymmword ptr [{c} + {rs}*2 + 32]",
                "vmovups ymmword ptr [{c} + {rs}*2 + 32], {c51}",
                "jmp 7f",
                "6:",
                "vmovups ymmword ptr [{c} + 0], {c00}",
                "vmovups ymmword ptr [{c} + 32], {c01}",
                "vmovups ymmword ptr [{c} + {rs} + 0], {c10}",
                "vmovups ymmword ptr [{c} + {rs} + 32], {c11}",
                "vmovups ymmword ptr [{c} + {rs}*2 + 0], {c20}",
                "vmovups ymmword ptr [{c} + {rs}*2 + 32], {c21}",
                "add {c}, {rs3}",
                "vmovups ymmword ptr [{c} + 0], {c30}",
                "vmovups ymmword ptr [{c} + 32], {c31}",
                "vmovups ymmword ptr [{c} + {rs} + 0], {c40}",
                "vmovups ymmword ptr [{c} + {rs} + 32], {c41}",
                "vmovups ymmword ptr [{c} + {rs}*2 + 0], {c50}",
                "vmovups ymmword ptr [{c} + {rs}*2 + 32], {c51}",
                "7:",
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                c = inout(reg) c => _,
                q = inout(reg) quads => _,
                r = inout(reg) rest => _,
                rs = in(reg) rsc * 4,
                rs3 = in(reg) rsc * 12,
                c5 = in(reg) c.wrapping_add(5 * rsc),
                bz = in(reg) beta_is_zero,
                alpha = in(reg) &alpha,
                beta = in(reg) &beta,
                t = out(ymm_reg) _,
                b0 = out(ymm_reg) _,
                b1 = out(ymm_reg) _,
                c00 = out(ymm_reg) _,
                c01 = out(ymm_reg) _,
                c10 = out(ymm_reg) _,
                c11 = out(ymm_reg) _,
                c20 = out(ymm_reg) _,
                c21 = out(ymm_reg) _,
                c30 = out(ymm_reg) _,
                c31 = out(ymm_reg) _,
                c40 = out(ymm_reg) _,
                c41 = out(ymm_reg) _,
                c50 = out(ymm_reg) _,
                c51 = out(ymm_reg) _,
                options(nostack),
            );
        }
        true
    }
}

impl PackedSteps<__m256, 4, 3> for AsmSteps {
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run(ab: &mut [[__m256; 3]; 4], a: *const f32, b: *const f32, kc: usize) {
        let (quads, rest) = (kc / 4, kc % 4);
        // SAFETY: AVX2 + FMA are enabled in the calling `#[target_feature]` function; the loop
        // reads kc·4 values at `a` and kc·24 at `b`, which the caller vouched for
        // (prefetches never fault); only the named registers are written.
        unsafe {
            asm!(
                "test {q}, {q}",
                "jz 3f",
                "2:",
                "prefetcht0 [{a} + 256]",
                "prefetcht0 [{a} + 320]",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vmovups {b2}, ymmword ptr [{b} + 64]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 96]",
                "vmovups {b1}, ymmword ptr [{b} + 128]",
                "vmovups {b2}, ymmword ptr [{b} + 160]",
                "vbroadcastss {t}, dword ptr [{a} + 16]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 20]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 24]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 28]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 192]",
                "vmovups {b1}, ymmword ptr [{b} + 224]",
                "vmovups {b2}, ymmword ptr [{b} + 256]",
                "vbroadcastss {t}, dword ptr [{a} + 32]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 36]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 40]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 44]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 288]",
                "vmovups {b1}, ymmword ptr [{b} + 320]",
                "vmovups {b2}, ymmword ptr [{b} + 352]",
                "vbroadcastss {t}, dword ptr [{a} + 48]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 52]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 56]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 60]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "add {a}, 64",
                "add {b}, 384",
                "dec {q}",
                "jnz 2b",
                "3:",
                "test {r}, {r}",
                "jz 5f",
                "4:",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vmovups {b2}, ymmword ptr [{b} + 64]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "add {a}, 16",
                "add {b}, 96",
                "dec {r}",
                "jnz 4b",
                "5:",
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                q = inout(reg) quads => _,
                r = inout(reg) rest => _,
                t = out(ymm_reg) _,
                b0 = out(ymm_reg) _,
                b1 = out(ymm_reg) _,
                b2 = out(ymm_reg) _,
                c00 = inout(ymm_reg) ab[0][0],
                c01 = inout(ymm_reg) ab[0][1],
                c02 = inout(ymm_reg) ab[0][2],
                c10 = inout(ymm_reg) ab[1][0],
                c11 = inout(ymm_reg) ab[1][1],
                c12 = inout(ymm_reg) ab[1][2],
                c20 = inout(ymm_reg) ab[2][0],
                c21 = inout(ymm_reg) ab[2][1],
                c22 = inout(ymm_reg) ab[2][2],
                c30 = inout(ymm_reg) ab[3][0],
                c31 = inout(ymm_reg) ab[3][1],
                c32 = inout(ymm_reg) ab[3][2],
                options(nostack, readonly),
            );
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_in_place(
        ab: &mut [[__m256; 3]; 4],
        a: *const f32,
        b: *const f32,
        kc: usize,
        b_rs: usize,
        prefetch: usize,
    ) {
        // SAFETY: AVX2 + FMA are enabled here; step p reads 4 values at `a + 4p` and 24 at
        // `b + p·b_rs`, which the caller vouched for (prefetches never fault); only the named
        // registers are written.
        unsafe {
            asm!(
                "test {k}, {k}",
                "jz 3f",
                "2:",
                "prefetcht0 [{b} + {pf}]",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vmovups {b2}, ymmword ptr [{b} + 64]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "add {a}, 16",
                "add {b}, {rs}",
                "dec {k}",
                "jnz 2b",
                "3:",
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                k = inout(reg) kc => _,
                rs = in(reg) b_rs * 4,
                pf = in(reg) prefetch * 4,
                t = out(ymm_reg) _,
                b0 = out(ymm_reg) _,
                b1 = out(ymm_reg) _,
                b2 = out(ymm_reg) _,
                c00 = inout(ymm_reg) ab[0][0],
                c01 = inout(ymm_reg) ab[0][1],
                c02 = inout(ymm_reg) ab[0][2],
                c10 = inout(ymm_reg) ab[1][0],
                c11 = inout(ymm_reg) ab[1][1],
                c12 = inout(ymm_reg) ab[1][2],
                c20 = inout(ymm_reg) ab[2][0],
                c21 = inout(ymm_reg) ab[2][1],
                c22 = inout(ymm_reg) ab[2][2],
                c30 = inout(ymm_reg) ab[3][0],
                c31 = inout(ymm_reg) ab[3][1],
                c32 = inout(ymm_reg) ab[3][2],
                options(nostack, readonly),
            );
        }
    }

    /// The whole 4 × 24 tile in one `asm!` block, as the 6 × 16 one: zero the accumulators,
    /// prefetch the C tile for writing, the depth loop (four steps per iteration, A prefetched
    /// 16 steps ahead), then `acc·α` (β = 0: C only written) or `fma(C, β, acc·α)` stored row
    /// by row.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn full_tile(
        a: *const f32,
        b: *const f32,
        kc: usize,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) -> bool {
        let (quads, rest) = (kc / 4, kc % 4);
        let beta_is_zero = usize::from(beta == 0.0);
        // SAFETY: AVX2 + FMA are enabled in the calling `#[target_feature]` function; the loop
        // reads kc·4 values at `a` and kc·24 at `b`, the update reads (β ≠ 0) and writes 24
        // values at `c + i·rsc` for i < 4 — all vouched for by the caller (prefetches never
        // fault); α and β are read from the locals; only the named registers are written.
        unsafe {
            asm!(
                "vxorps {c00}, {c00}, {c00}",
                "vxorps {c01}, {c01}, {c01}",
                "vxorps {c02}, {c02}, {c02}",
                "vxorps {c10}, {c10}, {c10}",
                "vxorps {c11}, {c11}, {c11}",
                "vxorps {c12}, {c12}, {c12}",
                "vxorps {c20}, {c20}, {c20}",
                "vxorps {c21}, {c21}, {c21}",
                "vxorps {c22}, {c22}, {c22}",
                "vxorps {c30}, {c30}, {c30}",
                "vxorps {c31}, {c31}, {c31}",
                "vxorps {c32}, {c32}, {c32}",
                // The C tile for writing (β = 0 too: the stores would otherwise miss); a row of
                // 96 bytes touches at most three lines.
                "prefetchw [{c} + 0]",
                "prefetchw [{c} + 64]",
                "prefetchw [{c} + 92]",
                "prefetchw [{c} + {rs} + 0]",
                "prefetchw [{c} + {rs} + 64]",
                "prefetchw [{c} + {rs} + 92]",
                "prefetchw [{c} + {rs}*2 + 0]",
                "prefetchw [{c} + {rs}*2 + 64]",
                "prefetchw [{c} + {rs}*2 + 92]",
                "prefetchw [{c} + {rs3} + 0]",
                "prefetchw [{c} + {rs3} + 64]",
                "prefetchw [{c} + {rs3} + 92]",
                "test {q}, {q}",
                "jz 3f",
                ".p2align 5",
                "2:",
                "prefetcht0 [{a} + 256]",
                "prefetcht0 [{a} + 320]",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vmovups {b2}, ymmword ptr [{b} + 64]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 96]",
                "vmovups {b1}, ymmword ptr [{b} + 128]",
                "vmovups {b2}, ymmword ptr [{b} + 160]",
                "vbroadcastss {t}, dword ptr [{a} + 16]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 20]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 24]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 28]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 192]",
                "vmovups {b1}, ymmword ptr [{b} + 224]",
                "vmovups {b2}, ymmword ptr [{b} + 256]",
                "vbroadcastss {t}, dword ptr [{a} + 32]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 36]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 40]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 44]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "vmovups {b0}, ymmword ptr [{b} + 288]",
                "vmovups {b1}, ymmword ptr [{b} + 320]",
                "vmovups {b2}, ymmword ptr [{b} + 352]",
                "vbroadcastss {t}, dword ptr [{a} + 48]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 52]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 56]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 60]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "add {a}, 64",
                "add {b}, 384",
                "dec {q}",
                "jnz 2b",
                "3:",
                "test {r}, {r}",
                "jz 5f",
                "4:",
                "vmovups {b0}, ymmword ptr [{b} + 0]",
                "vmovups {b1}, ymmword ptr [{b} + 32]",
                "vmovups {b2}, ymmword ptr [{b} + 64]",
                "vbroadcastss {t}, dword ptr [{a} + 0]",
                "vfmadd231ps {c00}, {b0}, {t}",
                "vfmadd231ps {c01}, {b1}, {t}",
                "vfmadd231ps {c02}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 4]",
                "vfmadd231ps {c10}, {b0}, {t}",
                "vfmadd231ps {c11}, {b1}, {t}",
                "vfmadd231ps {c12}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 8]",
                "vfmadd231ps {c20}, {b0}, {t}",
                "vfmadd231ps {c21}, {b1}, {t}",
                "vfmadd231ps {c22}, {b2}, {t}",
                "vbroadcastss {t}, dword ptr [{a} + 12]",
                "vfmadd231ps {c30}, {b0}, {t}",
                "vfmadd231ps {c31}, {b1}, {t}",
                "vfmadd231ps {c32}, {b2}, {t}",
                "add {a}, 16",
                "add {b}, 96",
                "dec {r}",
                "jnz 4b",
                "5:",
                "vbroadcastss {b0}, dword ptr [{alpha}]",
                "vmulps {c00}, {c00}, {b0}",
                "vmulps {c01}, {c01}, {b0}",
                "vmulps {c02}, {c02}, {b0}",
                "vmulps {c10}, {c10}, {b0}",
                "vmulps {c11}, {c11}, {b0}",
                "vmulps {c12}, {c12}, {b0}",
                "vmulps {c20}, {c20}, {b0}",
                "vmulps {c21}, {c21}, {b0}",
                "vmulps {c22}, {c22}, {b0}",
                "vmulps {c30}, {c30}, {b0}",
                "vmulps {c31}, {c31}, {b0}",
                "vmulps {c32}, {c32}, {b0}",
                "test {bz}, {bz}",
                "jnz 6f",
                "vbroadcastss {b1}, dword ptr [{beta}]",
                "vfmadd231ps {c00}, {b1}, ymmword ptr [{c} + 0]",
                "vmovups ymmword ptr [{c} + 0], {c00}",
                "vfmadd231ps {c01}, {b1}, ymmword ptr [{c} + 32]",
                "vmovups ymmword ptr [{c} + 32], {c01}",
                "vfmadd231ps {c02}, {b1}, ymmword ptr [{c} + 64]",
                "vmovups ymmword ptr [{c} + 64], {c02}",
                "vfmadd231ps {c10}, {b1}, ymmword ptr [{c} + {rs} + 0]",
                "vmovups ymmword ptr [{c} + {rs} + 0], {c10}",
                "vfmadd231ps {c11}, {b1}, ymmword ptr [{c} + {rs} + 32]",
                "vmovups ymmword ptr [{c} + {rs} + 32], {c11}",
                "vfmadd231ps {c12}, {b1}, ymmword ptr [{c} + {rs} + 64]",
                "vmovups ymmword ptr [{c} + {rs} + 64], {c12}",
                "vfmadd231ps {c20}, {b1}, ymmword ptr [{c} + {rs}*2 + 0]",
                "vmovups ymmword ptr [{c} + {rs}*2 + 0], {c20}",
                "vfmadd231ps {c21}, {b1}, ymmword ptr [{c} + {rs}*2 + 32]",
                "vmovups ymmword ptr [{c} + {rs}*2 + 32], {c21}",
                "vfmadd231ps {c22}, {b1}, ymmword ptr [{c} + {rs}*2 + 64]",
                "vmovups ymmword ptr [{c} + {rs}*2 + 64], {c22}",
                "vfmadd231ps {c30}, {b1}, ymmword ptr [{c} + {rs3} + 0]",
                "vmovups ymmword ptr [{c} + {rs3} + 0], {c30}",
                "vfmadd231ps {c31}, {b1}, ymmword ptr [{c} + {rs3} + 32]",
                "vmovups ymmword ptr [{c} + {rs3} + 32], {c31}",
                "vfmadd231ps {c32}, {b1}, ymmword ptr [{c} + {rs3} + 64]",
                "vmovups ymmword ptr [{c} + {rs3} + 64], {c32}",
                "jmp 7f",
                "6:",
                "vmovups ymmword ptr [{c} + 0], {c00}",
                "vmovups ymmword ptr [{c} + 32], {c01}",
                "vmovups ymmword ptr [{c} + 64], {c02}",
                "vmovups ymmword ptr [{c} + {rs} + 0], {c10}",
                "vmovups ymmword ptr [{c} + {rs} + 32], {c11}",
                "vmovups ymmword ptr [{c} + {rs} + 64], {c12}",
                "vmovups ymmword ptr [{c} + {rs}*2 + 0], {c20}",
                "vmovups ymmword ptr [{c} + {rs}*2 + 32], {c21}",
                "vmovups ymmword ptr [{c} + {rs}*2 + 64], {c22}",
                "vmovups ymmword ptr [{c} + {rs3} + 0], {c30}",
                "vmovups ymmword ptr [{c} + {rs3} + 32], {c31}",
                "vmovups ymmword ptr [{c} + {rs3} + 64], {c32}",
                "7:",
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                q = inout(reg) quads => _,
                r = inout(reg) rest => _,
                c = in(reg) c,
                rs = in(reg) rsc * 4,
                rs3 = in(reg) rsc * 12,
                bz = in(reg) beta_is_zero,
                alpha = in(reg) &alpha,
                beta = in(reg) &beta,
                t = out(ymm_reg) _,
                b0 = out(ymm_reg) _,
                b1 = out(ymm_reg) _,
                b2 = out(ymm_reg) _,
                c00 = out(ymm_reg) _,
                c01 = out(ymm_reg) _,
                c02 = out(ymm_reg) _,
                c10 = out(ymm_reg) _,
                c11 = out(ymm_reg) _,
                c12 = out(ymm_reg) _,
                c20 = out(ymm_reg) _,
                c21 = out(ymm_reg) _,
                c22 = out(ymm_reg) _,
                c30 = out(ymm_reg) _,
                c31 = out(ymm_reg) _,
                c32 = out(ymm_reg) _,
                options(nostack),
            );
        }
        true
    }
}
