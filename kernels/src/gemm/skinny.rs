//! The skinny path (AVX2 + FMA): `C = α·A·B + β·C` with few rows of C, vectors along the rows.
//!
//! Two families of LeNet products have a short side of at most a few dozen:
//! * the forward product of a convolution, `W·cols` (conv2: 16 × 100·batch × 150, B row-major);
//! * the weight gradient `dY·colsᵀ` (16 × 150 × 100·batch) and the forward product of a dense
//!   layer `X·Wᵀ` (batch × 120 × 400), where both operands are contiguous along the depth.
//!
//! The usual register tiles (6 × 16, 4 × 24: vectors along the columns of C) need three or four
//! row panels for 16 rows, so each B micro-panel is read three or four times from wherever it
//! lives (B read in place: its rows 25 600 bytes apart at n = 6400 fall into a few L1 sets and
//! are evicted between the passes), or packed at a cost of one copy per use; dot-product tiles
//! need a horizontal sum per element and stream their rows from L2 once per tile. Here the
//! vectors run along the *rows* of C: A is packed once, transposed (`Ã[p][i] = A[i][p]`, 16 or 8
//! rows, zero-padded — `m·k` copies against `2·m·n·k` flops), and every value of B is loaded
//! exactly once per row group, as a broadcast, wherever it lives (any strides):
//!
//! ```text
//!   Ã step p: [a0 .. a7] [a8 .. a15]     two loads          (8-row groups: one load)
//!   B row p:  b0 b1 b2 b3 b4 b5          six broadcasts
//!   acc[v][j] += Ã[p][8v..8v+8] · b_j    12 accumulators = C[0..16, j0..j0+6], by columns
//! ```
//!
//! The 8 × 6 blocks of accumulators are transposed in registers and stored as rows of C. Rows
//! go in groups of 16 (the last group 8 wide when at most 8 rows remain). A ragged last tile of
//! columns is computed over the last six columns of B (some columns twice, written once), so no
//! tile reads past B and nothing is copied.
//!
//! The depth runs in blocks of [`KD`] (the packed Ã block stays in L2): each element of C is
//! the FMA chain `Σₚ aᵢₚ·bₚⱼ` in order p = 0, 1, … within a block, from zero, then `acc·α`
//! (β = 0, C not read) or `fma(C, β, acc·α)` — with β = 1 for every block after the first.
//! That depends on the depth only: not on the row group, the tile, the number of rows or
//! columns, or the thread (tasks split the columns). For `k ≤ 256` it is also exactly what the
//! blocked path computes.

use super::c_ptr::CPtr;
use super::pack::{transpose_copy, with_buffer, Buffer};
use super::{MatMut, MatRef};
use crate::arch::Isa;
use rayon::prelude::*;
use std::arch::x86_64::*;

/// Columns of C per tile (both row-group widths).
const NT: usize = 6;

/// Depth block: a fixed constant (never a function of the thread count or the shape), so the
/// summation order depends on k alone. 2048 steps of a 16-row Ã are 128 KiB, a quarter of L2.
pub(crate) const KD: usize = 2048;

/// Each step prefetches the B value this many steps further down the first column.
const PREFETCH_STEPS: usize = 8;

/// Whether a product with row-major B goes here rather than to the blocked path: at least one
/// tile of columns, a depth worth a tile, and 9 to 16 rows over any B (one row group: each
/// value of B is read once; conv2's forward product at batch 4, 16 × 400 × 150, ran at 64
/// GFLOPS here against 48 blocked, fastest calls 86 against 65), or 17 to 64 rows over a B that
/// fits in half of L2 (read once per group of 16 rows, from L2: LeNet's fc1 input gradient at
/// batch 64, 64 × 400 × 120, 66 against 64, fastest calls 88 against 79).
///
/// A B larger than L2 comes here too since session 4: conv2 at batch 64 (16 × 6400 × 150, B
/// 3.8 MB, rows 25 600 bytes apart) ran here at 1.06–1.22× OpenBLAS against 0.97–1.00× on the
/// blocked path (four alternating pairs of runs, each the median of ~800 call pairs timed
/// alternately in one process: `kernels/paired-bench`). Its speed swings between processes
/// (40 to 73 GFLOPS; OpenBLAS 40 to 59 in the same processes) with the state of the shared L3,
/// the "slow mode" session 3 saw in separate-process timings and that kept it off this path.
/// Copying strips of B into a contiguous buffer first (with prefetching) was slower (0.90–0.98×).
pub(crate) fn suits_row_major_b(m: usize, n: usize, k: usize, b: &MatRef<'_>) -> bool {
    n >= NT
        && k >= 16
        && b.col_stride == 1
        && ((9..=16).contains(&m) || (17..=64).contains(&m) && fits_half_l2(k, n))
}

/// Whether `A·Bᵀ` with both operands contiguous along the depth and a short side of 33 to 64
/// (beyond the inner-product path's 32) goes here rather than to the blocked path: the long
/// operand fits in half of L2 (read once per group of 16 short rows). LeNet's fc1 forward
/// product at batch 64 (64 × 120 × 400) ran at 86 GFLOPS here against 73 blocked (fastest
/// calls 90 against 77).
pub(crate) fn suits_mid_short_side(
    m: usize,
    n: usize,
    k: usize,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
) -> bool {
    a.col_stride == 1
        && b.row_stride == 1
        && (33..=64).contains(&m.min(n))
        && k >= 64
        && fits_half_l2(k, m.max(n))
}

/// Whether `rows × cols` f32 values fit in half of L2.
fn fits_half_l2(rows: usize, cols: usize) -> bool {
    rows.saturating_mul(cols).saturating_mul(4) <= crate::arch::cache_sizes().l2 / 2
}

/// On the shapes of the inner-product path ([`super::inner_product::suits`]), whether this
/// path takes them instead: when the long side of C has at least this many elements.
///
/// Measured (one thread, 2026-11-27): 16 × 150 × 400 `A·Bᵀ` runs at 88 GFLOPS here against 49
/// as dot products, 16 × 120 × 400 at 76 against 47; but a short side of at most 8 fills only
/// part of the 8 lanes (4 × 120 × 400: 22 against 48; 6 × 75 × 3136: 39 against 50). The choice
/// must not depend on the short side, though: for a dense layer `X·Wᵀ` the short side is the
/// batch, and features computed in batches of different sizes must agree bit for bit (each
/// path sums in its own order). So it depends on the long side — a layer's width — alone:
/// LeNet's conv2 weight gradient (150) comes here; its conv1 weight gradient (75), its dense
/// layers (120, 84, 10) and the SVM's kernel tiles (64) stay dot products.
pub(crate) const MIN_LONG_SIDE: usize = 128;

/// Whether a product of the inner-product path's shapes comes here (see [`MIN_LONG_SIDE`]).
pub(crate) fn suits_short_side(m: usize, n: usize) -> bool {
    m.max(n) >= MIN_LONG_SIDE
}

/// [`gemm`] on whichever of `C = A·B` and `Cᵀ = Bᵀ·Aᵀ` has fewer rows (the short side along
/// the vectors). The same products either way: each element is the same FMA chain.
pub(crate) fn gemm_short_side(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) {
    if c.cols < c.rows {
        gemm(alpha, &b.t(), &a.t(), beta, &mut c.rb().t(), parallel);
    } else {
        gemm(alpha, a, b, beta, c, parallel);
    }
}

/// A group of rows of C: `rows` rows from `row0`, packed `width` (16 or 8) wide at `offset`.
#[derive(Clone, Copy)]
struct Group {
    row0: usize,
    rows: usize,
    width: usize,
    offset: usize,
}

/// `C = α·A·B + β·C` (`m, k > 0`, `n ≥ 6`; the CPU runs AVX2 + FMA; any layouts). Meant for a
/// few dozen rows at most: A is packed whole.
///
/// # Panics
/// If `n < 6` or `m > 1024`.
pub(crate) fn gemm(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    assert!(m > 0 && n >= NT && k > 0 && Isa::Avx2.is_supported());
    // Row groups: 16 wide while more than 8 rows remain, then one 8-wide group.
    let mut groups = [Group {
        row0: 0,
        rows: 0,
        width: 0,
        offset: 0,
    }; 64];
    let mut count = 0;
    let mut row0 = 0;
    let mut offset = 0;
    while row0 < m {
        let left = m - row0;
        let width = if left > 8 { 16 } else { 8 };
        assert!(count < groups.len(), "skinny: too many rows ({m})");
        groups[count] = Group {
            row0,
            rows: left.min(width),
            width,
            offset,
        };
        count += 1;
        row0 += width;
        offset += width * k;
    }
    let groups = &groups[..count];
    let a_len = offset;
    let (rsc, csc) = (c.row_stride, c.col_stride);
    // Tasks write disjoint column ranges of C.
    let cptr = CPtr(c.data.as_mut_ptr());
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    // Tasks: ranges of whole tiles of columns.
    let chunks = n.div_ceil(NT);
    let per_task = chunks.div_ceil(4 * threads).max(1);
    let tasks = chunks.div_ceil(per_task);
    with_buffer(Buffer::A, a_len, |ap| {
        for g in groups {
            pack_rows(a, g, k, &mut ap[g.offset..g.offset + g.width * k]);
        }
        let (bdata, ss, cs) = (b.data, b.row_stride, b.col_stride);
        let ap: &[f32] = ap;
        let task = |t: usize| {
            let c0 = t * per_task * NT;
            let c1 = (c0 + per_task * NT).min(n);
            for pc in (0..k).step_by(KD) {
                let kc = KD.min(k - pc);
                let beta_p = if pc == 0 { beta } else { 1.0 };
                for g in groups {
                    let a_block = ap[g.offset + pc * g.width..].as_ptr();
                    for j0 in (c0..c1).step_by(NT) {
                        // The tile's first column: j0, or moved left to end at the last
                        // column of B (a ragged tile); columns before j0 are not written.
                        let jt = if j0 + NT <= n { j0 } else { n - NT };
                        let st = Store {
                            // SAFETY: (row0, jt) is inside C.
                            c: unsafe { cptr.at(g.row0 * rsc + jt * csc) },
                            rsc,
                            csc,
                            rows: g.rows,
                            first: j0 - jt,
                            alpha,
                            beta: beta_p,
                        };
                        let b_tile = bdata[pc * ss + jt * cs..].as_ptr();
                        // SAFETY: AVX2 + FMA (the dispatcher's check); Ã holds kc steps of
                        // `width` values from `a_block`; B's values (p, jt + j) for p < kc,
                        // j < NT are inside B (jt + NT ≤ n); the written columns
                        // [j0, jt + NT) of these rows are this task's.
                        unsafe {
                            if g.width == 16 {
                                tile16(kc, a_block, b_tile, ss, cs, &st)
                            } else {
                                tile8(kc, a_block, b_tile, ss, cs, &st)
                            }
                        };
                    }
                }
            }
        };
        if threads > 1 && tasks > 1 {
            (0..tasks).into_par_iter().for_each(task);
        } else {
            (0..tasks).for_each(task);
        }
    });
}

/// Packs the rows of group `g` of `a` transposed: `dst[p·width + i] = A[row0 + i][p]`, zero for
/// `i ≥ rows`.
fn pack_rows(a: &MatRef<'_>, g: &Group, k: usize, dst: &mut [f32]) {
    let w = g.width;
    if a.col_stride == 1 {
        // Row-major rows: an in-register transposing copy, then the zero padding.
        transpose_copy(
            Isa::Avx2,
            a.data,
            g.row0 * a.row_stride,
            a.row_stride,
            g.rows,
            k,
            dst,
            w,
            0,
        );
        if g.rows < w {
            for step in dst.chunks_exact_mut(w) {
                for v in &mut step[g.rows..] {
                    *v = 0.0;
                }
            }
        }
    } else if a.row_stride == 1 {
        // A stored transposed (`Aᵀ·B`): each step's values are already contiguous.
        for (p, step) in dst.chunks_exact_mut(w).enumerate() {
            let src = p * a.col_stride + g.row0;
            step[..g.rows].copy_from_slice(&a.data[src..src + g.rows]);
            step[g.rows..].fill(0.0);
        }
    } else {
        for (p, step) in dst.chunks_exact_mut(w).enumerate() {
            for (i, v) in step.iter_mut().enumerate() {
                *v = if i < g.rows { a.at(g.row0 + i, p) } else { 0.0 };
            }
        }
    }
}

/// Where a tile's result goes: rows `0..rows` and tile columns `first..6` of
/// `C = α·acc + β·C`, the tile's column 0 at `c`.
struct Store {
    c: *mut f32,
    rsc: usize,
    csc: usize,
    rows: usize,
    first: usize,
    alpha: f32,
    beta: f32,
}

/// One 16 × 6 tile: `acc[v][j] = Σₚ Ã[p][8v..8v+8]·B(p, j)` with `B(p, j)` at
/// `b + p·ss + j·cs`, then the transposed store.
///
/// # Safety
/// AVX2 + FMA; `ap` valid for `16·kc` reads (32-byte aligned); `b + p·ss + j·cs` readable for
/// p < kc, j < 6; the store's rows and columns of C valid for reads and writes.
#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile16(kc: usize, ap: *const f32, b: *const f32, ss: usize, cs: usize, st: &Store) {
    // SAFETY: the assembly reads Ã's 16·kc values and B's six columns over kc rows, all
    // inside what the caller vouched for, and writes only the named registers; the prefetch
    // is a hint and may point anywhere.
    unsafe {
        let z = _mm256_setzero_ps();
        let (mut c00, mut c01, mut c02, mut c03, mut c04, mut c05) = (z, z, z, z, z, z);
        let (mut c10, mut c11, mut c12, mut c13, mut c14, mut c15) = (z, z, z, z, z, z);
        if kc > 0 {
            // The depth loop in assembly, its head aligned to a cache line: as compiled Rust
            // its 118 bytes started wherever the code before them ended, and when they spanned
            // three lines instead of two the LeNet shapes on this path ran 4–8 % slower (a
            // change elsewhere in the crate moved them). Per step: Ã's two vectors, a prefetch
            // of B `PREFETCH_STEPS` rows down the first column, and for each of the six columns
            // one broadcast of B and two FMAs — the same FMAs in the same order as before.
            let cs4 = cs * 4;
            std::arch::asm!(
                ".p2align 6",
                "2:",
                "vmovaps {a0}, [{a}]",
                "vmovaps {a1}, [{a} + 32]",
                "prefetcht0 [{b} + {pf}]",
                "vbroadcastss {x}, [{b}]",
                "vfmadd231ps {c00}, {a0}, {x}",
                "vfmadd231ps {c10}, {a1}, {x}",
                "vbroadcastss {x}, [{b} + {cs4}]",
                "vfmadd231ps {c01}, {a0}, {x}",
                "vfmadd231ps {c11}, {a1}, {x}",
                "vbroadcastss {x}, [{b} + 2*{cs4}]",
                "vfmadd231ps {c02}, {a0}, {x}",
                "vfmadd231ps {c12}, {a1}, {x}",
                "vbroadcastss {x}, [{b} + {cs12}]",
                "vfmadd231ps {c03}, {a0}, {x}",
                "vfmadd231ps {c13}, {a1}, {x}",
                "vbroadcastss {x}, [{b} + 4*{cs4}]",
                "vfmadd231ps {c04}, {a0}, {x}",
                "vfmadd231ps {c14}, {a1}, {x}",
                "vbroadcastss {x}, [{b} + {cs20}]",
                "vfmadd231ps {c05}, {a0}, {x}",
                "vfmadd231ps {c15}, {a1}, {x}",
                "add {a}, 64",
                "add {b}, {ss4}",
                "dec {n}",
                "jnz 2b",
                a = inout(reg) ap => _,
                b = inout(reg) b => _,
                n = inout(reg) kc => _,
                cs4 = in(reg) cs4,
                cs12 = in(reg) 3 * cs4,
                cs20 = in(reg) 5 * cs4,
                ss4 = in(reg) ss * 4,
                pf = in(reg) PREFETCH_STEPS * ss * 4,
                a0 = out(ymm_reg) _,
                a1 = out(ymm_reg) _,
                x = out(ymm_reg) _,
                c00 = inout(ymm_reg) c00,
                c01 = inout(ymm_reg) c01,
                c02 = inout(ymm_reg) c02,
                c03 = inout(ymm_reg) c03,
                c04 = inout(ymm_reg) c04,
                c05 = inout(ymm_reg) c05,
                c10 = inout(ymm_reg) c10,
                c11 = inout(ymm_reg) c11,
                c12 = inout(ymm_reg) c12,
                c13 = inout(ymm_reg) c13,
                c14 = inout(ymm_reg) c14,
                c15 = inout(ymm_reg) c15,
                options(nostack, readonly),
            );
        }
        store_block(st, 0, [c00, c01, c02, c03, c04, c05]);
        if st.rows > 8 {
            store_block(st, 8, [c10, c11, c12, c13, c14, c15]);
        }
    }
}

/// One 8 × 6 tile: `acc[j] = Σₚ Ã[p][0..8]·B(p, j)`, as [`tile16`] for an 8-row group.
///
/// # Safety
/// As [`tile16`] with `8·kc` values of Ã.
#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile8(kc: usize, ap: *const f32, b: *const f32, ss: usize, cs: usize, st: &Store) {
    // SAFETY: as `tile16`.
    unsafe {
        let mut acc = [_mm256_setzero_ps(); NT];
        let mut a = ap;
        let mut bp = b;
        let pf = PREFETCH_STEPS * ss;
        for _ in 0..kc {
            let a0 = _mm256_load_ps(a);
            _mm_prefetch::<_MM_HINT_T0>(bp.wrapping_add(pf) as *const i8);
            for (j, c) in acc.iter_mut().enumerate() {
                *c = _mm256_fmadd_ps(a0, _mm256_broadcast_ss(&*bp.add(j * cs)), *c);
            }
            a = a.add(8);
            bp = bp.add(ss);
        }
        store_block(st, 0, acc);
    }
}

/// Stores rows `r0..r0+8` (those below `st.rows`) of the tile columns `st.first..6`, whose
/// accumulators are `cols`: scales by α, transposes the 8 × 6 block in registers and writes
/// each row of C.
///
/// # Safety
/// As [`tile16`], AVX2 + FMA.
#[inline(always)]
unsafe fn store_block(st: &Store, r0: usize, cols: [__m256; NT]) {
    // SAFETY: only rows < st.rows and tile columns in st.first..NT are touched.
    unsafe {
        let al = _mm256_set1_ps(st.alpha);
        let x: [__m256; NT] = std::array::from_fn(|j| _mm256_mul_ps(cols[j], al));
        // Rows r and r+4 of columns 0–3 are the low and high halves of q[r]; of columns 4–5,
        // the pairs of t4 (rows 0, 1, 4, 5) and t5 (rows 2, 3, 6, 7).
        let t0 = _mm256_unpacklo_ps(x[0], x[1]);
        let t1 = _mm256_unpackhi_ps(x[0], x[1]);
        let t2 = _mm256_unpacklo_ps(x[2], x[3]);
        let t3 = _mm256_unpackhi_ps(x[2], x[3]);
        let t4 = _mm256_unpacklo_ps(x[4], x[5]);
        let t5 = _mm256_unpackhi_ps(x[4], x[5]);
        let q = [
            _mm256_shuffle_ps::<0x44>(t0, t2),
            _mm256_shuffle_ps::<0xEE>(t0, t2),
            _mm256_shuffle_ps::<0x44>(t1, t3),
            _mm256_shuffle_ps::<0xEE>(t1, t3),
        ];
        let halves = |v: __m256| (_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let (t4l, t4h) = halves(t4);
        let (t5l, t5h) = halves(t5);
        // Row r's four and two values: (q, pair), the pair in the low 64 bits.
        let row = |r: usize| -> (__m128, __m128) {
            let (lo, hi) = halves(q[r % 4]);
            let four = if r < 4 { lo } else { hi };
            let src = match r {
                0 | 1 => t4l,
                2 | 3 => t5l,
                4 | 5 => t4h,
                _ => t5h,
            };
            let two = if r.is_multiple_of(2) {
                src
            } else {
                _mm_movehl_ps(src, src)
            };
            (four, two)
        };
        let n_rows = st.rows.saturating_sub(r0).min(8);
        let c = st.c.add(r0 * st.rsc);
        if st.first == 0 && st.csc == 1 {
            if st.beta == 0.0 {
                for r in 0..8 {
                    if r < n_rows {
                        let (four, two) = row(r);
                        let p = c.add(r * st.rsc);
                        _mm_storeu_ps(p, four);
                        _mm_storel_epi64(p.add(4) as *mut __m128i, _mm_castps_si128(two));
                    }
                }
            } else {
                let be = _mm_set1_ps(st.beta);
                for r in 0..8 {
                    if r < n_rows {
                        let (four, two) = row(r);
                        let p = c.add(r * st.rsc);
                        _mm_storeu_ps(p, _mm_fmadd_ps(_mm_loadu_ps(p), be, four));
                        let old = _mm_castpd_ps(_mm_load_sd(p.add(4) as *const f64));
                        _mm_storel_epi64(
                            p.add(4) as *mut __m128i,
                            _mm_castps_si128(_mm_fmadd_ps(old, be, two)),
                        );
                    }
                }
            }
        } else {
            for r in 0..n_rows {
                let (four, two) = row(r);
                let mut v = [0.0f32; 8];
                _mm_storeu_ps(v.as_mut_ptr(), four);
                _mm_storeu_ps(v.as_mut_ptr().add(4), two);
                for (j, &x) in v.iter().enumerate().take(NT).skip(st.first) {
                    let p = c.add(r * st.rsc + j * st.csc);
                    *p = if st.beta == 0.0 {
                        x
                    } else {
                        st.beta.mul_add(*p, x)
                    };
                }
            }
        }
    }
}
