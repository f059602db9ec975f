//! The microkernels: one generic body for the register tile, one for the inner-product tile.
//! Each ISA file (`kernel_*.rs`) instantiates them inside a `#[target_feature]` wrapper.
//!
//! ## The register tile (AVX2 + FMA, MR × NR = 6 × 16)
//!
//! ```text
//!             B̃ row p:   [ b0 .. b7 ] [ b8 .. b15 ]      two ymm loads per step
//!  Ã col p:
//!   a0 (bcast) ───────▶  [ ab00    ] [ ab01     ]
//!   a1         ───────▶  [ ab10    ] [ ab11     ]
//!   a2         ───────▶  [ ab20    ] [ ab21     ]      12 ymm accumulators,
//!   a3         ───────▶  [ ab30    ] [ ab31     ]      12 FMAs per step,
//!   a4         ───────▶  [ ab40    ] [ ab41     ]      2 loads + 6 broadcasts
//!   a5         ───────▶  [ ab50    ] [ ab51     ]
//! ```
//!
//! The same body gives AVX-512F 14 × 32 (28 zmm accumulators), NEON 8 × 8 (16 q accumulators, A
//! loaded four at a time and used by lane), portable 4 × 8 and scalar 4 × 4.
//!
//! Every element of C is the f32 sum `Σₚ ãᵢₚ·b̃ₚⱼ` taken in order p = 0, 1, …, kc−1 in its own
//! accumulator lane, whatever tile it falls in: that is what makes results independent of the
//! blocking into threads.

use crate::arch::Isa;
use crate::simd::SimdF32;

/// The most accumulator values a register tile may hold (MR·NR); sizes the edge buffer.
pub(crate) const MAX_TILE: usize = 512;

/// Register tile `R × S` of the inner-product kernel (see [`Microkernel::dot_tile`]).
pub(crate) const DOT_R: usize = 3;
/// See [`DOT_R`].
pub(crate) const DOT_S: usize = 4;

/// Arguments of one register-tile call: `C[0..mr, 0..nr] = α·Ã·B̃ + β·C` over `kc` steps, for
/// `tiles` tiles side by side along the columns (same Ã, consecutive B panels) or, with `down`,
/// stacked down the rows (consecutive Ã panels, same B panel).
pub(crate) struct TileArgs {
    /// Depth of the product.
    pub kc: usize,
    /// Packed A micro-panel: `kc` groups of MR values (row i of step p at `p·MR + i`).
    pub a: *const f32,
    /// B micro-panel: `kc` rows of NR values, row p at `b + p·b_rs` (packed: `b_rs = NR`).
    pub b: *const f32,
    /// Distance between consecutive rows of the B micro-panel.
    pub b_rs: usize,
    /// Top-left element of the C tile.
    pub c: *mut f32,
    /// Row stride of C.
    pub rsc: usize,
    /// Column stride of C.
    pub csc: usize,
    /// Valid rows of the tile (`≤ MR`); rows beyond it are computed from zero padding and dropped.
    pub mr: usize,
    /// Valid columns (`≤ NR`).
    pub nr: usize,
    /// α.
    pub alpha: f32,
    /// β; when 0, C is written without being read.
    pub beta: f32,
    /// Tiles computed by this call (≥ 1). Across (`down` false; more than one only when every
    /// tile is `NR` wide): tile `s` reads the B panel at `b + s·b_next` and writes the C tile
    /// `s·NR` columns right. Down (every tile `MR` tall): tile `s` reads the Ã panel at
    /// `a + s·kc·MR` and writes the C tile `s·MR` rows down.
    pub tiles: usize,
    /// Whether the tiles are stacked down the rows (see `tiles`).
    pub down: bool,
    /// Distance between consecutive B panels (in place: NR; packed: `kc·NR`).
    pub b_next: usize,
    /// If nonzero, step p also prefetches `b + p·b_rs + b_prefetch` (B read in place, where the
    /// hardware prefetchers cannot follow dozens of strided rows).
    pub b_prefetch: usize,
    /// Whether the whole-tile in-place kernel ([`PackedSteps::in_place_tiles`]) also prefetches
    /// the last of the NR values at that position: when the prefetch runs rows ahead in the
    /// same panel, both cache lines a row of the panel may touch are new.
    pub b_prefetch_ends: bool,
}

/// A microkernel family for one ISA: the register tile and the inner-product tile.
pub(crate) trait Microkernel: Sync {
    /// The instruction set the kernels need.
    const ISA: Isa;
    /// Rows of the register tile.
    const MR: usize;
    /// Columns of the register tile.
    const NR: usize;

    /// `C[0..mr, 0..nr] = α·Ã·B̃ + β·C`.
    ///
    /// # Safety
    /// The CPU supports [`Microkernel::ISA`]; `a` is valid for `kc·MR` reads, `b` for rows
    /// `0..kc` of NR values at stride `b_rs` (of `nr` values for a ragged panel read in place,
    /// see [`Microkernel::ragged_in_place`]), and the `mr × nr` tile of C at `c` with strides
    /// `rsc`, `csc` is valid for reads and writes and touched by no other thread.
    unsafe fn tile(args: &TileArgs);

    /// Whether [`Microkernel::tile`] takes a ragged last panel of `cols < NR` columns of B read
    /// in place (`b_prefetch ≠ 0`, `nr = cols`) and reads only those columns; otherwise the
    /// caller copies such a panel into a zero-padded one.
    fn ragged_in_place(_cols: usize) -> bool {
        false
    }

    /// `out[r·DOT_S + s] = Σ_{p<kc} a[r][p]·b[s][p]` for `DOT_R` rows of A and `DOT_S` rows of
    /// Bᵀ, each contiguous over p.
    ///
    /// # Safety
    /// The CPU supports [`Microkernel::ISA`]; every pointer is valid for `kc` reads.
    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    );
}

/// The register-tile body: `MR` rows, `NV` registers of `V::LANES` columns.
///
/// # Safety
/// As [`Microkernel::tile`] with `MR`, `NR = NV·V::LANES`; `MR` is a multiple of `V::A_GROUP`.
#[inline(always)]
pub(crate) unsafe fn tile_body<
    V: SimdF32,
    const MR: usize,
    const NV: usize,
    P: PackedSteps<V, MR, NV>,
>(
    t: &TileArgs,
) {
    debug_assert!(MR.is_multiple_of(V::A_GROUP) && MR * NV * V::LANES <= MAX_TILE);
    debug_assert!(t.tiles >= 1 && (t.tiles == 1 || t.nr == NV * V::LANES || t.down));
    debug_assert!(!t.down || t.mr == MR);
    // SAFETY: tile s reads the B panel at `b + s·b_next` and writes the C tile NR·s columns
    // right of `c` (across), or reads the Ã panel at `a + s·kc·MR` and writes the C tile MR·s
    // rows down (down), all inside what the caller vouched for.
    unsafe {
        if t.down {
            if t.b_prefetch == 0
                && t.nr == NV * V::LANES
                && t.csc == 1
                && P::full_tile(t.a, t.b, t.kc, t.c, t.rsc, t.alpha, t.beta, t.tiles)
            {
                return;
            }
            for s in 0..t.tiles {
                let a = t.a.add(s * t.kc * MR);
                let c = t.c.add(s * MR * t.rsc);
                one_tile::<V, MR, NV, P>(t, a, t.b, c);
            }
        } else {
            if in_place_whole::<MR>(t, NV * V::LANES)
                && P::in_place_tiles(
                    t.a,
                    t.b,
                    t.b_rs,
                    t.kc,
                    t.c,
                    t.rsc,
                    t.alpha,
                    t.beta,
                    t.tiles,
                    t.b_prefetch,
                    t.b_prefetch_ends,
                )
            {
                return;
            }
            for s in 0..t.tiles {
                let b = t.b.add(s * t.b_next);
                let c = t.c.add(s * NV * V::LANES * t.csc);
                one_tile::<V, MR, NV, P>(t, t.a, b, c);
            }
        }
    }
}

/// Whether the call is whole `MR × nr` tiles side by side over B read in place (adjacent
/// panels, or a single one), into unit-stride rows of C: what [`PackedSteps::in_place_tiles`]
/// computes.
#[inline(always)]
pub(crate) fn in_place_whole<const MR: usize>(t: &TileArgs, nr: usize) -> bool {
    !t.down
        && t.b_prefetch != 0
        && t.mr == MR
        && t.nr == nr
        && t.csc == 1
        && (t.tiles == 1 || t.b_next == nr)
}

/// One register tile of [`tile_body`]: Ã panel at `a`, B panel at `b`, C tile at `c`, the rest
/// from `t`.
///
/// # Safety
/// As [`tile_body`], for this tile's panels and C tile.
#[inline(always)]
unsafe fn one_tile<V: SimdF32, const MR: usize, const NV: usize, P: PackedSteps<V, MR, NV>>(
    t: &TileArgs,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
) {
    // SAFETY: every pointer offset below stays within the panels and tile the caller vouched for.
    unsafe {
        if t.b_prefetch == 0 && t.mr == MR && t.nr == NV * V::LANES && t.csc == 1 {
            // Full tile over a packed panel into unit-stride rows: the family's whole-tile
            // kernel, if it has one (the same FMAs in the same order as below; it prefetches C
            // itself).
            if P::full_tile(a, b, t.kc, c, t.rsc, t.alpha, t.beta, 1) {
                return;
            }
        }
        if t.beta != 0.0 {
            // Ask for the C tile early: its rows are far apart and rarely cached. (With β = 0
            // it is only written, and the store buffer hides the misses.)
            for i in 0..t.mr {
                V::prefetch(c.wrapping_add(i * t.rsc));
                V::prefetch(c.wrapping_add(i * t.rsc + (t.nr - 1) * t.csc));
            }
        }
        let mut ab = [[V::zero(); NV]; MR];
        if t.b_prefetch != 0 {
            P::run_in_place(&mut ab, a, b, t.kc, t.b_rs, t.b_prefetch);
        } else {
            debug_assert_eq!(t.b_rs, NV * V::LANES);
            P::run(&mut ab, a, b, t.kc);
        }
        let nr_full = NV * V::LANES;
        if t.nr == nr_full && t.csc == 1 {
            // Whole rows of the tile contiguous in C: vector read-modify-write of the valid rows.
            // `black_box`: broadcast α (and β) per tile; hoisted out of the loop over tiles they
            // would pin two vector registers and force an accumulator to spill.
            let alpha = V::splat(std::hint::black_box(t.alpha));
            if t.beta == 0.0 {
                // A loop of constant trip count (fully unrolled) with a test per row: `ab`
                // stays in registers, where `take(t.mr)` would make it live in memory.
                for (i, row) in ab.iter().enumerate() {
                    if i < t.mr {
                        let c = c.add(i * t.rsc);
                        for (v, acc) in row.iter().enumerate() {
                            acc.mul(alpha).store(c.add(v * V::LANES));
                        }
                    }
                }
            } else {
                let beta = V::splat(std::hint::black_box(t.beta));
                for (i, row) in ab.iter().enumerate() {
                    if i < t.mr {
                        let c = c.add(i * t.rsc);
                        for (v, acc) in row.iter().enumerate() {
                            let p = c.add(v * V::LANES);
                            V::load(p).mul_add(beta, acc.mul(alpha)).store(p);
                        }
                    }
                }
            }
        } else {
            // Ragged or strided tile: the same vector operations as a full tile (`acc·α`, or
            // `fma(C, β, acc·α)` — so an element's bits do not depend on its tile kind) on
            // tile-shaped buffers: `acc·α` is stored out, the valid part of C gathered, updated
            // and scattered back. Only this path spills the accumulators, and only through
            // explicit stores: reading `ab` by reference (e.g. through an iterator) would make
            // the compiler keep it in memory for the whole depth loop, on every tile.
            let alpha = V::splat(t.alpha);
            let mut buf = [[V::zero(); NV]; MR];
            for (dst, src) in buf.iter_mut().zip(ab.iter()) {
                for (d, s) in dst.iter_mut().zip(src.iter()) {
                    s.mul(alpha).store(d as *mut V as *mut f32);
                }
            }
            let cbuf = buf.as_mut_ptr() as *mut f32;
            if t.beta != 0.0 {
                let mut old = [[V::zero(); NV]; MR];
                let obuf = old.as_mut_ptr() as *mut f32;
                for i in 0..t.mr {
                    for j in 0..t.nr {
                        *obuf.add(i * nr_full + j) = *c.add(i * t.rsc + j * t.csc);
                    }
                }
                let beta = V::splat(t.beta);
                for (x, c_old) in buf.iter_mut().zip(old.iter()) {
                    for (x, c_old) in x.iter_mut().zip(c_old.iter()) {
                        *x = c_old.mul_add(beta, *x);
                    }
                }
            }
            for i in 0..t.mr {
                for j in 0..t.nr {
                    *c.add(i * t.rsc + j * t.csc) = *cbuf.add(i * nr_full + j);
                }
            }
        }
    }
}

/// The depth loop of a register tile over a packed B panel (row stride NR):
/// `ab[i][·] += Σ_{p<kc} ã[p][i] · b̃[p][·]`, steps in order p = 0, 1, … . The generic version
/// is [`GenericSteps`]; an ISA may supply a hand-scheduled one (AVX2: inline assembly, so the
/// twelve accumulators provably stay in registers — the compiler's allocation of the generic
/// loop spilled one on the 4 × 24 tile).
pub(crate) trait PackedSteps<V: SimdF32, const MR: usize, const NV: usize> {
    /// Runs the `kc` steps.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA; `a` is valid for `kc·MR` reads and `b` for `kc·NV·LANES`.
    unsafe fn run(ab: &mut [[V; NV]; MR], a: *const f32, b: *const f32, kc: usize);

    /// The same over B read in place: row p of the panel at `b + p·b_rs`, and each step
    /// prefetches `b + p·b_rs + prefetch`.
    ///
    /// # Safety
    /// As [`PackedSteps::run`], with `b` valid for NV·LANES reads at each of the kc rows.
    unsafe fn run_in_place(
        ab: &mut [[V; NV]; MR],
        a: *const f32,
        b: *const f32,
        kc: usize,
        b_rs: usize,
        prefetch: usize,
    );

    /// Whole full tiles in one piece, if this family has such a kernel (returns `false` and
    /// does nothing otherwise): for each `s < tiles`, `C[s·MR.., 0..NR] = α·Ã_s·B̃ + β·C` over
    /// one packed B panel (row stride NR) and the Ã panels `a + s·kc·MR`, with C rows `rsc`
    /// apart and unit column stride. Must give exactly what [`PackedSteps::run`] followed by the
    /// vector C update of the tile body gives: the steps in order p = 0, 1, … from zero, one FMA
    /// each, then `acc·α` (β = 0, C not read) or `fma(C, β, acc·α)`. It may prefetch past the
    /// B panel (the next packed panel, when there is one).
    ///
    /// # Safety
    /// As [`PackedSteps::run`] for each of the `tiles` Ã panels, and the `tiles·MR × NR` block
    /// of C at `c` (row stride `rsc`, column stride 1) is valid for reads and writes and touched
    /// by no other thread.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn full_tile(
        _a: *const f32,
        _b: *const f32,
        _kc: usize,
        _c: *mut f32,
        _rsc: usize,
        _alpha: f32,
        _beta: f32,
        _tiles: usize,
    ) -> bool {
        false
    }

    /// Whole full tiles side by side over B read in place, if this family has such a kernel
    /// (returns `false` and does nothing otherwise): for each `s < tiles`,
    /// `C[0..MR, s·NR..] = α·Ã·B̃_s + β·C` with the one Ã panel at `a`, row p of the B panel
    /// `B̃_s` at `b + p·b_rs + s·NR`, C rows `rsc` apart and unit column stride; step p of each
    /// tile prefetches the B value `prefetch` past the first of its row (and with
    /// `prefetch_ends` also the one `prefetch + NR − 1` past it). Must give exactly what
    /// [`PackedSteps::run_in_place`] followed by the vector C update of the tile body gives.
    ///
    /// # Safety
    /// As [`PackedSteps::run_in_place`] for each of the `tiles` B panels, and the
    /// `MR × tiles·NR` block of C at `c` (row stride `rsc`, column stride 1) is valid for reads
    /// and writes and touched by no other thread.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn in_place_tiles(
        _a: *const f32,
        _b: *const f32,
        _b_rs: usize,
        _kc: usize,
        _c: *mut f32,
        _rsc: usize,
        _alpha: f32,
        _beta: f32,
        _tiles: usize,
        _prefetch: usize,
        _prefetch_ends: bool,
    ) -> bool {
        false
    }
}

/// The generic depth loop, one step per iteration. (Unrolling it by four with an A prefetch
/// made the compiler spill an accumulator of the AVX2 6 × 16 and AVX-512 14 × 32 tiles to the
/// stack — checked in the disassembly — so the plain loop stays; AVX2 has [`PackedSteps`] in
/// assembly for deep tiles.)
pub(crate) struct GenericSteps;

impl<V: SimdF32, const MR: usize, const NV: usize> PackedSteps<V, MR, NV> for GenericSteps {
    #[inline(always)]
    unsafe fn run(ab: &mut [[V; NV]; MR], mut a: *const f32, mut b: *const f32, kc: usize) {
        let nr = NV * V::LANES;
        // SAFETY: the reads stay within the kc steps the caller vouched for.
        unsafe {
            for _ in 0..kc {
                step::<V, MR, NV>(ab, a, b);
                a = a.add(MR);
                b = b.add(nr);
            }
        }
    }

    #[inline(always)]
    unsafe fn run_in_place(
        ab: &mut [[V; NV]; MR],
        mut a: *const f32,
        mut b: *const f32,
        kc: usize,
        b_rs: usize,
        prefetch: usize,
    ) {
        // SAFETY: as `run`.
        unsafe {
            for _ in 0..kc {
                V::prefetch(b.wrapping_add(prefetch));
                step::<V, MR, NV>(ab, a, b);
                a = a.add(MR);
                b = b.add(b_rs);
            }
        }
    }
}

/// One step p of the register tile: `ab[i][·] += ã[p][i] · b̃[p][·]`.
///
/// # Safety
/// `a` is valid for MR reads and `b` for NV·LANES reads.
#[inline(always)]
unsafe fn step<V: SimdF32, const MR: usize, const NV: usize>(
    ab: &mut [[V; NV]; MR],
    a: *const f32,
    b: *const f32,
) {
    // SAFETY: forwarded.
    unsafe {
        let mut bv = [V::zero(); NV];
        for (v, slot) in bv.iter_mut().enumerate() {
            *slot = V::load(b.add(v * V::LANES));
        }
        let mut g = 0;
        while g < MR {
            let av = V::load_a(a.add(g));
            for l in 0..V::A_GROUP {
                for v in 0..NV {
                    ab[g + l][v] = V::fma_a(ab[g + l][v], bv[v], av, l);
                }
            }
            g += V::A_GROUP;
        }
    }
}

/// The inner-product body: `DOT_R × DOT_S` independent lane-parallel dot products, each reduced
/// in a fixed order, then the scalar tail `p ≥ kc − kc mod LANES` added in order.
///
/// # Safety
/// As [`Microkernel::dot_tile`].
#[inline(always)]
pub(crate) unsafe fn dot_tile_body<V: SimdF32>(
    kc: usize,
    a: &[*const f32; DOT_R],
    b: &[*const f32; DOT_S],
    out: &mut [f32; DOT_R * DOT_S],
) {
    // SAFETY: all reads are at offsets `< kc` from pointers valid for `kc` reads.
    unsafe {
        let mut acc = [[V::zero(); DOT_S]; DOT_R];
        let mut p = 0;
        while p + V::LANES <= kc {
            let mut av = [V::zero(); DOT_R];
            for (r, slot) in av.iter_mut().enumerate() {
                *slot = V::load(a[r].add(p));
            }
            for s in 0..DOT_S {
                let bv = V::load(b[s].add(p));
                for r in 0..DOT_R {
                    acc[r][s] = av[r].mul_add(bv, acc[r][s]);
                }
            }
            p += V::LANES;
        }
        let mut x = [[0.0f32; DOT_S]; DOT_R];
        for r in 0..DOT_R {
            for s in 0..DOT_S {
                x[r][s] = acc[r][s].reduce_sum();
            }
        }
        // The tail step by step (each value of A and B loaded once), every element in order.
        for q in p..kc {
            let bq: [f32; DOT_S] = std::array::from_fn(|s| *b[s].add(q));
            for r in 0..DOT_R {
                let aq = *a[r].add(q);
                for s in 0..DOT_S {
                    x[r][s] = aq.mul_add_f(bq[s], x[r][s]);
                }
            }
        }
        for r in 0..DOT_R {
            for s in 0..DOT_S {
                out[r * DOT_S + s] = x[r][s];
            }
        }
    }
}

/// `self·b + c` in f32, unfused: the same arithmetic on every ISA path for the scalar parts.
trait MulAddF {
    fn mul_add_f(self, b: f32, c: f32) -> f32;
}

impl MulAddF for f32 {
    #[inline(always)]
    fn mul_add_f(self, b: f32, c: f32) -> f32 {
        self * b + c
    }
}
