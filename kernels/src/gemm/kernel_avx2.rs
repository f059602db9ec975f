//! AVX2 + FMA microkernels: a 6 × 16 register tile (12 ymm accumulators) and the 3 × 4
//! inner-product tile. Thin `#[target_feature]` wrappers around the generic bodies.

use super::microkernel::{
    dot_tile_body, in_place_whole, tile_body, GenericSteps, Microkernel, PackedSteps, TileArgs,
    DOT_R, DOT_S,
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

    /// A ragged panel of whole ymm registers (8 or 16 columns) is read in place by a narrower
    /// tile; others are copied.
    fn ragged_in_place(cols: usize) -> bool {
        cols.is_multiple_of(8)
    }

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
/// deep loop but a lot against a few steps. Whole tiles side by side over B read in place run
/// in assembly at any depth (`in_place_tiles`: the accumulators never leave their registers).
unsafe fn tile_avx2(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe {
        if args.b_prefetch != 0 && args.nr < 16 {
            // A ragged panel read in place ([`Microkernel::ragged_in_place`]): 8 columns.
            debug_assert_eq!(args.nr, 8);
            tile_avx2_narrow::<1>(args)
        } else if args.kc <= SHALLOW_KC && !in_place_whole::<6>(args, 16) {
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

/// The 6 × 8·NV tile over a ragged panel of B read in place, 8·NV columns wide: it reads
/// only those columns (the 6 × 16 tile would read past them).
#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2_narrow<const NV: usize>(args: &TileArgs)
where
    AsmSteps: PackedSteps<__m256, 6, NV>,
{
    // SAFETY: forwarded contract of `Microkernel::tile`, for a tile NV·8 = nr columns wide.
    unsafe { tile_body::<__m256, 6, NV, AsmSteps>(args) }
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

    /// A ragged panel of whole ymm registers (8 or 16 columns) is read in place by a narrower
    /// tile; others are copied.
    fn ragged_in_place(cols: usize) -> bool {
        cols.is_multiple_of(8)
    }

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
/// deep loop but a lot against a few steps. Whole tiles side by side over B read in place run
/// in assembly at any depth (`in_place_tiles`: the accumulators never leave their registers).
unsafe fn tile_avx2_wide(args: &TileArgs) {
    // SAFETY: forwarded contract of `Microkernel::tile`.
    unsafe {
        if args.b_prefetch != 0 && args.nr < 24 {
            // A ragged panel read in place ([`Microkernel::ragged_in_place`]): 8 or 16 columns.
            debug_assert!(args.nr == 8 || args.nr == 16);
            if args.nr == 8 {
                tile_avx2_wide_narrow::<1>(args)
            } else {
                tile_avx2_wide_narrow::<2>(args)
            }
        } else if args.kc <= SHALLOW_KC && !in_place_whole::<4>(args, 24) {
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

/// The 4 × 8·NV tile over a ragged panel of B read in place, 8·NV columns wide: it reads
/// only those columns (the 4 × 24 tile would read past them).
#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2_wide_narrow<const NV: usize>(args: &TileArgs)
where
    AsmSteps: PackedSteps<__m256, 4, NV>,
{
    // SAFETY: forwarded contract of `Microkernel::tile`, for a tile NV·8 = nr columns wide.
    unsafe { tile_body::<__m256, 4, NV, AsmSteps>(args) }
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

// The assembly of both tiles is generated from one description (below, `asm_steps!`): the B
// registers, and per row of the tile its index, the address of its C row, and its accumulators
// with the B register each one multiplies and its column (in ymm registers). The text macros
// build the instruction strings; offsets are left to the assembler as expressions
// (`[{a} + 24*3 + 4*5]`: step 3, row 5 of a 6-row tile).

/// Step `k` of the depth loop as assembly text: load the B row (`{b} + b_step·k`, one ymm per
/// register), then for each row broadcast `ã[k][i]` (`{a} + a_step·k + 4i`) into `{t}` and
/// multiply-add it into the row's accumulators.
macro_rules! step_text {
    ($k:literal, $a_step:literal, $b_step:literal, [$($bv:ident $v:literal),*],
     [$($i:literal [$($acc:ident $bx:ident),*]),*]) => {
        concat!(
            $(
                "vmovups {", stringify!($bv), "}, ymmword ptr [{b} + ",
                stringify!($b_step), "*", stringify!($k), " + 32*", stringify!($v), "]\n",
            )*
            $(
                "vbroadcastss {t}, dword ptr [{a} + ",
                stringify!($a_step), "*", stringify!($k), " + 4*", stringify!($i), "]\n",
                $( "vfmadd231ps {", stringify!($acc), "}, {", stringify!($bx), "}, {t}\n", )*
            )*
        )
    };
}

/// The depth loop over a packed B panel as assembly text: `{q}` iterations of four steps
/// (loop head 32-byte aligned, the packed A stream prefetched 16 steps ahead), then `{r}`
/// single steps. Advances `{a}` and `{b}`; ends at local label `5`.
macro_rules! packed_loop_text {
    ($a_step:literal, $b_step:literal, $bregs:tt, $rows:tt) => {
        concat!(
            "test {q}, {q}\n",
            "jz 3f\n",
            ".p2align 5\n",
            "2:\n",
            "prefetcht0 [{a} + 16*",
            stringify!($a_step),
            "]\n",
            "prefetcht0 [{a} + 16*",
            stringify!($a_step),
            " + 64]\n",
            step_text!(0, $a_step, $b_step, $bregs, $rows),
            step_text!(1, $a_step, $b_step, $bregs, $rows),
            step_text!(2, $a_step, $b_step, $bregs, $rows),
            step_text!(3, $a_step, $b_step, $bregs, $rows),
            "add {a}, 4*",
            stringify!($a_step),
            "\n",
            "add {b}, 4*",
            stringify!($b_step),
            "\n",
            "dec {q}\n",
            "jnz 2b\n",
            "3:\n",
            "test {r}, {r}\n",
            "jz 5f\n",
            "4:\n",
            step_text!(0, $a_step, $b_step, $bregs, $rows),
            "add {a}, ",
            stringify!($a_step),
            "\n",
            "add {b}, ",
            stringify!($b_step),
            "\n",
            "dec {r}\n",
            "jnz 4b\n",
            "5:\n",
        )
    };
}

/// `prefetchw` of one C row (address `$row`) at each byte offset listed.
macro_rules! c_prefetch_text {
    ($row:literal, [$($off:literal),*]) => {
        concat!($( "prefetchw [", $row, " + ", stringify!($off), "]\n", )*)
    };
}

/// `prefetchw` of one C row (address `$row`) at each byte offset listed, `$tiles` tiles of
/// `$step` bytes further right.
macro_rules! c_prefetch_ahead_text {
    ($row:literal, $tiles:literal, $step:literal, [$($off:literal),*]) => {
        concat!($(
            "prefetchw [", $row, " + ", stringify!($tiles), "*", stringify!($step), " + ",
            stringify!($off), "]\n",
        )*)
    };
}

/// One step of the depth loop over B read in place, as assembly text: load the B row at
/// `{b}` (one ymm per register), then for each row of the tile broadcast `ã[·][i]` from
/// `{a} + {ka} + 4i` into `{t}` and multiply-add it into the row's accumulators.
macro_rules! in_place_step_text {
    ([$($bv:ident $v:literal),*], [$($i:literal [$($acc:ident $bx:ident),*]),*]) => {
        concat!(
            $(
                "vmovups {", stringify!($bv), "}, ymmword ptr [{b} + 32*", stringify!($v), "]\n",
            )*
            $(
                "vbroadcastss {t}, dword ptr [{a} + {ka} + 4*", stringify!($i), "]\n",
                $( "vfmadd231ps {", stringify!($acc), "}, {", stringify!($bx), "}, {t}\n", )*
            )*
        )
    };
}

/// The loop over whole tiles side by side over B read in place, as assembly text (see
/// `in_place_tiles` in [`asm_steps!`]): per tile, zero the accumulators, prefetch the C tile
/// four tiles right for writing, run the depth loop (`$prefetch` at the head of each step;
/// `{ka}` counts up to 0 from the value at `{consts} + 16`), update C, and step `{b_start}`
/// and `{c}` one tile right. Uses local labels 2, 6, 7, 8 and 9.
macro_rules! in_place_tiles_text {
    ($prefetch:expr, $a_step:literal, $b_step:literal, $cpf:tt, $bregs:tt,
     [$($i:literal $row:literal [$($acc:ident $bx:ident $w:literal),*]),*]) => {
        concat!(
            "8:\n",
            "lea {c3}, [{c} + {rs}*2]\n",
            "add {c3}, {rs}\n",
            $( $( "vxorps {", stringify!($acc), "}, {", stringify!($acc), "}, {", stringify!($acc),
                "}\n", )* )*
            $( c_prefetch_ahead_text!($row, 4, $b_step, $cpf), )*
            "mov {b}, {b_start}\n",
            "mov {ka}, qword ptr [{consts} + 16]\n",
            ".p2align 4\n",
            "2:\n",
            $prefetch,
            in_place_step_text!($bregs, [$($i [$($acc $bx),*]),*]),
            "add {b}, {brs}\n",
            "add {ka}, ", stringify!($a_step), "\n",
            "jnz 2b\n",
            c_update_text!("{consts}", [$($row [$($acc $w),*]),*]),
            "add {b_start}, ", stringify!($b_step), "\n",
            "add {c}, ", stringify!($b_step), "\n",
            "dec {n}\n",
            "jnz 8b\n",
        )
    };
}

/// The C update of a whole tile as assembly text: the accumulators times α (the f32 at address
/// `$k`, an operand such as `"{scale}"`; skipped when the flag at `$k + 12` says α = 1, which
/// leaves every value's bits as they are: an accumulator is never a signalling NaN), then
/// stored into the tile's rows (β = 0: the flag at `$k + 8` is nonzero, C is not read) or
/// `fma(C, β, acc·α)` stored (β at `$k + 4`). Twelve multiplications per tile are 6 % of the
/// FMA pipes' work at depth 16; skipping them made conv2's input gradient at batch 64
/// (150 × 6400 × 16) 6–14 % faster. Clobbers `{t}`; uses local labels 6, 7 and 9.
macro_rules! c_update_text {
    ($k:literal, [$($row:literal [$($acc:ident $w:literal),*]),*]) => {
        concat!(
            "cmp dword ptr [", $k, " + 12], 0\n",
            "jne 9f\n",
            "vbroadcastss {t}, dword ptr [", $k, "]\n",
            $( $( "vmulps {", stringify!($acc), "}, {", stringify!($acc), "}, {t}\n", )* )*
            "9:\n",
            "cmp dword ptr [", $k, " + 8], 0\n",
            "jne 6f\n",
            "vbroadcastss {t}, dword ptr [", $k, " + 4]\n",
            $( $(
                "vfmadd231ps {", stringify!($acc), "}, {t}, ymmword ptr [", $row, " + 32*",
                stringify!($w), "]\n",
                "vmovups ymmword ptr [", $row, " + 32*", stringify!($w), "], {",
                stringify!($acc), "}\n",
            )* )*
            "jmp 7f\n",
            "6:\n",
            $( $(
                "vmovups ymmword ptr [", $row, " + 32*", stringify!($w), "], {",
                stringify!($acc), "}\n",
            )* )*
            "7:\n",
        )
    };
}

/// `impl PackedSteps<__m256, MR, NV> for AsmSteps` from the tile's description: `a_step` and
/// `b_step` are the bytes of one step of Ã (4·MR) and B̃ (4·NR); `c_prefetch` the byte
/// offsets prefetched in each C row (covering every cache line a row can touch); `c_down` the
/// instructions that move `{c}` down by MR rows.
macro_rules! asm_steps {
    (
        tile: $mr:literal x $nv:literal,
        a_step: $a_step:literal,
        b_step: $b_step:literal,
        b: [$($bv:ident $v:literal),*],
        rows: [$($i:literal $row:literal [$($acc:ident $bx:ident $w:literal),*]),*],
        c_prefetch: $cpf:tt,
        c_down: $c_down:literal,
    ) => {
        impl PackedSteps<__m256, $mr, $nv> for AsmSteps {
            #[inline]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn run(ab: &mut [[__m256; $nv]; $mr], a: *const f32, b: *const f32, kc: usize) {
                let (quads, rest) = (kc / 4, kc % 4);
                // SAFETY: AVX2 + FMA are enabled in the calling `#[target_feature]` function; the
                // loop reads kc·MR values at `a` and kc·NR at `b`, which the caller vouched for
                // (prefetches never fault); only the named registers are written.
                unsafe {
                    asm!(
                        packed_loop_text!(
                            $a_step, $b_step, [$($bv $v),*], [$($i [$($acc $bx),*]),*]
                        ),
                        a = inout(reg) a => _,
                        b = inout(reg) b => _,
                        q = inout(reg) quads => _,
                        r = inout(reg) rest => _,
                        t = out(ymm_reg) _,
                        $( $bv = out(ymm_reg) _, )*
                        $( $( $acc = inout(ymm_reg) ab[$i][$w], )* )*
                        options(nostack, readonly),
                    );
                }
            }

            #[inline]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn run_in_place(
                ab: &mut [[__m256; $nv]; $mr],
                a: *const f32,
                b: *const f32,
                kc: usize,
                b_rs: usize,
                prefetch: usize,
            ) {
                // SAFETY: AVX2 + FMA are enabled here; step p reads MR values at `a + MR·p` and
                // NR at `b + p·b_rs`, which the caller vouched for (prefetches never fault); only
                // the named registers are written.
                unsafe {
                    asm!(
                        "test {k}, {k}",
                        "jz 3f",
                        "2:",
                        "prefetcht0 [{b} + {pf}]",
                        step_text!(0, $a_step, $b_step, [$($bv $v),*], [$($i [$($acc $bx),*]),*]),
                        concat!("add {a}, ", stringify!($a_step)),
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
                        $( $bv = out(ymm_reg) _, )*
                        $( $( $acc = inout(ymm_reg) ab[$i][$w], )* )*
                        options(nostack, readonly),
                    );
                }
            }

            /// `tiles` whole tiles down the rows in one `asm!` block. Per tile: zero the
            /// accumulators, prefetch the C tile for writing (β = 0 too: the stores would
            /// otherwise miss), the depth loop, prefetch the tile's share (eight lines) of the
            /// next packed B panel into L2, then `acc·α` (β = 0: C only written) or
            /// `fma(C, β, acc·α)` stored row by row; the next tile's Ã panel follows the last
            /// step's. Around a separate depth loop the compiler passed the twelve accumulators
            /// through the stack on every tile, and one call per tile cost about 5 % of the
            /// time in set-up; here the accumulators never leave their registers and the set-up
            /// is paid once per B panel.
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
                tiles: usize,
            ) -> bool {
                if tiles == 0 {
                    return true;
                }
                // α, β, whether β is 0 (as bits: nonzero means "do not read C") and whether α
                // is 1 (nonzero: "skip the multiplication by α").
                let scale = [
                    alpha,
                    beta,
                    f32::from_bits(u32::from(beta == 0.0)),
                    f32::from_bits(u32::from(alpha == 1.0)),
                ];
                // SAFETY: AVX2 + FMA are enabled in the calling `#[target_feature]` function;
                // tile s reads kc·MR values at `a + s·kc·MR` and kc·NR at `b`, and its update
                // reads (β ≠ 0) and writes NR values at `c + (s·MR + i)·rsc` for i < MR (rows
                // 3.. of a tile addressed from `c3 = c + 3·rsc`) — all vouched for by the caller
                // (prefetches never fault); α and β are read from `scale`; only the named
                // registers are written.
                unsafe {
                    asm!(
                        "8:",
                        "lea {c3}, [{c} + {rs}*2]",
                        "add {c3}, {rs}",
                        $( $( concat!("vxorps {", stringify!($acc), "}, {", stringify!($acc),
                            "}, {", stringify!($acc), "}"), )* )*
                        $( c_prefetch_text!($row, $cpf), )*
                        "mov {b}, {b_start}",
                        "mov {q}, {kc}",
                        "shr {q}, 2",
                        "mov {r}, {kc}",
                        "and {r}, 3",
                        packed_loop_text!(
                            $a_step, $b_step, [$($bv $v),*], [$($i [$($acc $bx),*]),*]
                        ),
                        // `{b}` is now the end of the panel: the next packed panel.
                        "prefetcht1 [{b} + {pf}]",
                        "prefetcht1 [{b} + {pf} + 64]",
                        "prefetcht1 [{b} + {pf} + 128]",
                        "prefetcht1 [{b} + {pf} + 192]",
                        "prefetcht1 [{b} + {pf} + 256]",
                        "prefetcht1 [{b} + {pf} + 320]",
                        "prefetcht1 [{b} + {pf} + 384]",
                        "prefetcht1 [{b} + {pf} + 448]",
                        "add {pf}, 512",
                        c_update_text!("{scale}", [$($row [$($acc $w),*]),*]),
                        $c_down,
                        "dec {n}",
                        "jnz 8b",
                        a = inout(reg) a => _,
                        b = out(reg) _,
                        b_start = in(reg) b,
                        kc = in(reg) kc,
                        q = out(reg) _,
                        r = out(reg) _,
                        c = inout(reg) c => _,
                        c3 = out(reg) _,
                        rs = in(reg) rsc * 4,
                        scale = in(reg) &scale,
                        n = inout(reg) tiles => _,
                        pf = inout(reg) 0usize => _,
                        t = out(ymm_reg) _,
                        $( $bv = out(ymm_reg) _, )*
                        $( $( $acc = out(ymm_reg) _, )* )*
                        options(nostack),
                    );
                }
                true
            }

            /// `tiles` whole tiles side by side over B read in place, in one `asm!` block.
            /// Per tile: zero the accumulators, prefetch for writing the C tile four tiles to
            /// the right, the depth loop (row p of the B panel at `b + p·b_rs`; each step
            /// prefetches the B values `prefetch` past its first one, and with `prefetch_ends`
            /// also `prefetch + NR − 1` past it: both lines a row of the panel may touch), then
            /// the update as in `full_tile`; the next tile reads the B panel NR columns right
            /// with the same Ã panel. With one call per tile, a shallow product (16 steps a
            /// tile) spent about a fifth of its samples outside the depth loop (set-up, the
            /// accumulators passed through the stack, the update of C).
            #[inline]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn in_place_tiles(
                a: *const f32,
                b: *const f32,
                b_rs: usize,
                kc: usize,
                c: *mut f32,
                rsc: usize,
                alpha: f32,
                beta: f32,
                tiles: usize,
                prefetch: usize,
                prefetch_ends: bool,
            ) -> bool {
                if tiles == 0 || kc == 0 {
                    return kc != 0;
                }
                // α and β (bytes 0..8), whether β is 0 (bytes 8..12, nonzero: "do not read C")
                // and α is 1 (bytes 12..16, nonzero: "skip the multiplication by α"), and minus
                // the bytes of the Ã panel (bytes 16..24): the depth loop counts
                // `{ka}` up from there to 0, reading Ã at `{a} + {ka}` with `{a}` its end.
                let consts: [u64; 3] = [
                    u64::from(alpha.to_bits()) | u64::from(beta.to_bits()) << 32,
                    u64::from(beta == 0.0) | u64::from(alpha == 1.0) << 32,
                    (kc * $a_step).wrapping_neg() as u64,
                ];
                // The two variants differ only in the prefetch line of each step.
                macro_rules! in_place_asm {
                    ($prefetch_line:expr) => {
                        asm!(
                            in_place_tiles_text!(
                                $prefetch_line,
                                $a_step, $b_step, $cpf, [$($bv $v),*],
                                [$($i $row [$($acc $bx $w),*]),*]
                            ),
                            a = in(reg) a.add(kc * $mr),
                            ka = out(reg) _,
                            b = out(reg) _,
                            b_start = inout(reg) b => _,
                            brs = in(reg) b_rs * 4,
                            pf = in(reg) prefetch * 4,
                            c = inout(reg) c => _,
                            c3 = out(reg) _,
                            rs = in(reg) rsc * 4,
                            consts = in(reg) &consts,
                            n = inout(reg) tiles => _,
                            t = out(ymm_reg) _,
                            $( $bv = out(ymm_reg) _, )*
                            $( $( $acc = out(ymm_reg) _, )* )*
                            options(nostack),
                        )
                    };
                }
                // SAFETY: AVX2 + FMA are enabled in the calling `#[target_feature]` function;
                // tile s reads kc·MR values at `a` (addressed back from its end) and NR values
                // at `b + p·b_rs + s·NR` for p < kc, and its update reads (β ≠ 0) and writes NR
                // values at `c + i·rsc + s·NR` for i < MR (rows 3.. addressed from
                // `c3 = c + 3·rsc`) — all vouched for by the caller (prefetches never fault);
                // α, β and the loop start are read from `consts`; only the named registers are
                // written.
                unsafe {
                    if prefetch_ends {
                        in_place_asm!(concat!(
                            "prefetcht0 [{b} + {pf}]\n",
                            "prefetcht0 [{b} + {pf} + ", stringify!($b_step), " - 4]\n",
                        ));
                    } else {
                        in_place_asm!("prefetcht0 [{b} + {pf}]\n");
                    }
                }
                true
            }
        }
    };
}

asm_steps! {
    tile: 6 x 2,
    a_step: 24,
    b_step: 64,
    b: [b0 0, b1 1],
    rows: [
        0 "{c}"           [c00 b0 0, c01 b1 1],
        1 "{c} + {rs}"    [c10 b0 0, c11 b1 1],
        2 "{c} + {rs}*2"  [c20 b0 0, c21 b1 1],
        3 "{c3}"          [c30 b0 0, c31 b1 1],
        4 "{c3} + {rs}"   [c40 b0 0, c41 b1 1],
        5 "{c3} + {rs}*2" [c50 b0 0, c51 b1 1]
    ],
    // A 64-byte row may straddle two lines: prefetch both ends.
    c_prefetch: [0, 60],
    c_down: "lea {c}, [{c} + {rs}*4]\nlea {c}, [{c} + {rs}*2]",
}

asm_steps! {
    tile: 4 x 3,
    a_step: 16,
    b_step: 96,
    b: [b0 0, b1 1, b2 2],
    rows: [
        0 "{c}"          [c00 b0 0, c01 b1 1, c02 b2 2],
        1 "{c} + {rs}"   [c10 b0 0, c11 b1 1, c12 b2 2],
        2 "{c} + {rs}*2" [c20 b0 0, c21 b1 1, c22 b2 2],
        3 "{c3}"         [c30 b0 0, c31 b1 1, c32 b2 2]
    ],
    // A 96-byte row touches at most three lines.
    c_prefetch: [0, 64, 92],
    c_down: "lea {c}, [{c} + {rs}*4]",
}

// The narrower tiles for ragged panels of B read in place (8 or 16 columns): the same rows,
// fewer B registers.
asm_steps! {
    tile: 6 x 1,
    a_step: 24,
    b_step: 32,
    b: [b0 0],
    rows: [
        0 "{c}"           [c00 b0 0],
        1 "{c} + {rs}"    [c10 b0 0],
        2 "{c} + {rs}*2"  [c20 b0 0],
        3 "{c3}"          [c30 b0 0],
        4 "{c3} + {rs}"   [c40 b0 0],
        5 "{c3} + {rs}*2" [c50 b0 0]
    ],
    c_prefetch: [0, 28],
    c_down: "lea {c}, [{c} + {rs}*4]\nlea {c}, [{c} + {rs}*2]",
}

asm_steps! {
    tile: 4 x 1,
    a_step: 16,
    b_step: 32,
    b: [b0 0],
    rows: [
        0 "{c}"          [c00 b0 0],
        1 "{c} + {rs}"   [c10 b0 0],
        2 "{c} + {rs}*2" [c20 b0 0],
        3 "{c3}"         [c30 b0 0]
    ],
    c_prefetch: [0, 28],
    c_down: "lea {c}, [{c} + {rs}*4]",
}

asm_steps! {
    tile: 4 x 2,
    a_step: 16,
    b_step: 64,
    b: [b0 0, b1 1],
    rows: [
        0 "{c}"          [c00 b0 0, c01 b1 1],
        1 "{c} + {rs}"   [c10 b0 0, c11 b1 1],
        2 "{c} + {rs}*2" [c20 b0 0, c21 b1 1],
        3 "{c3}"         [c30 b0 0, c31 b1 1]
    ],
    c_prefetch: [0, 60],
    c_down: "lea {c}, [{c} + {rs}*4]",
}
