//! The streaming path (AVX2 + FMA): `C = α·A·B + β·C` for at most 8 rows of A, a shallow
//! depth (≤ 256) and a long row-major B far larger than L2 — the forward product of LeNet's
//! first convolution at batch 64 (6 × 50 176 × 75: B is 15 MB, each value used once, so the
//! product is bound by how fast B arrives from L3 or memory).
//!
//! A register tile reads a micro-panel of B one row per step, so one tile touches a cache line
//! in each of the k rows of B, 200 KB apart: k streams at once, which the hardware prefetchers
//! do not follow, and the product is bound by the latency of B's lines. Here B is read row by
//! row instead, in contiguous runs of [`block_width`] values, prefetched one pass ahead: for a
//! block of columns, the C block is kept as accumulators in L1 and each pass reads [`STEPS`]
//! rows of the block and applies them to every accumulator, [`VECS`] vectors of 8 columns at a
//! time (each broadcast value of A feeds `VECS` FMAs):
//!
//! ```text
//! for each block of W columns (tasks split the blocks)
//!   for p in 0..k step STEPS                               (one pass)
//!     for each group of 24 columns g, for each row i of C
//!       x[0..3] = acc[i][g]  (zero in the first pass)
//!       x[h] = fma(A[i][p+q], B[p+q][g+8h], x[h]), q = 0, 1, 2
//!       acc[i][g] = x  — or, in the last pass, C[i][g] = α·x (+ β·C)
//! ```
//!
//! Each element of C is the FMA chain `Σₚ aᵢₚ·bₚⱼ` in order p = 0, 1, …, k−1 from zero (an f32
//! accumulator stored to memory and loaded back is the same f32), then `acc·α` (β = 0, C not
//! read) or `fma(C, β, acc·α)`: the same as the blocked path computes for `k ≤ 256`, so which
//! of the two takes a product, the block width and the thread count do not change its bits.
//!
//! Why these sizes (measured in the paired condition, `BENCHMARKS.md`, session 5): B's rows
//! are 200 704 bytes apart here, a multiple of 4 KiB, so a column of B falls in one L1 set for
//! every row: the rows of one pass and the rows prefetched for the next (3 + 3 lines) share a
//! set's 8 ways with the accumulators, and longer passes or a longer prefetch distance evict
//! lines before their use. Runs of 768 values (3 KiB) read memory 5–16 % faster than runs of
//! 512 for up to 6 rows; 1024 was no better for 6 rows and 21 % slower for 8 (24–32 KiB of
//! accumulators fill L1), and 768 4 % slower for 8 rows, which keep 512.

use super::c_ptr::CPtr;
use super::pack::{with_buffer, Buffer};
use super::{MatMut, MatRef};
use crate::arch::cache_sizes;
use rayon::prelude::*;
use std::arch::x86_64::*;

/// Rows of B applied per pass over the accumulators; the rows of the next pass are prefetched
/// during this one.
const STEPS: usize = 3;

/// Vectors of 8 columns updated together: each value of A, broadcast once, feeds this many
/// FMAs (3 × 3 registers of B, 3 accumulators and 1 broadcast: 13 of the 16).
const VECS: usize = 3;

/// The widest block ([`block_width`]); the accumulators hold `m ×` this many values.
const MAX_WIDTH: usize = 768;

/// The fewest columns B must have for this path.
const MIN_COLUMNS: usize = 512;

/// Columns per block for `m` rows: the accumulators take at most 18 KiB, about half of L1
/// (768 columns for up to 6 rows, 512 for 7 or 8).
fn block_width(m: usize) -> usize {
    if m <= 6 {
        MAX_WIDTH
    } else {
        512
    }
}

/// Whether the product goes here: at most 8 rows, depth at most 256 (one depth block of the
/// blocked path), B row-major and larger than a quarter of L3 (8 MB here; smaller ones stay
/// in cache, where the register tile is faster: conv1 at batch 4, B = 0.9 MB, ran at 51 GFLOPS
/// blocked against 41 here), at least 512 columns.
pub(crate) fn suits(m: usize, n: usize, k: usize, b: &MatRef<'_>) -> bool {
    m <= 8
        && k <= 256
        && n >= MIN_COLUMNS
        && b.col_stride == 1
        && k.saturating_mul(n).saturating_mul(4) > cache_sizes().l3 / 4
}

/// `C = α·A·B + β·C` (`m, k > 0`, [`suits`] holds, the CPU runs AVX2 + FMA).
pub(crate) fn gemm(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    assert!(m > 0 && m <= 8 && k > 0 && k <= 256 && b.col_stride == 1);
    let width = block_width(m);
    let blocks = n.div_ceil(width);
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let per_task = blocks.div_ceil(4 * threads).max(1);
    let tasks = blocks.div_ceil(per_task);
    // Tasks write disjoint column blocks of C.
    let cptr = CPtr(c.data.as_mut_ptr());
    let (rsc, csc, ldb) = (c.row_stride, c.col_stride, b.row_stride);
    // A by depth: `ap[p·8 + i] = A[i][p]` (rows ≥ m zero), one 32-byte row per step.
    with_buffer(Buffer::A, k * 8, |ap| {
        for p in 0..k {
            for i in 0..8 {
                ap[p * 8 + i] = if i < m { a.at(i, p) } else { 0.0 };
            }
        }
        let ap: &[f32] = ap;
        run_tasks(tasks, threads > 1, |t: usize| {
            let mut acc = Acc([0.0f32; 6 * MAX_WIDTH]);
            for q in t * per_task..((t + 1) * per_task).min(blocks) {
                let j0 = q * width;
                let w = width.min(n - j0);
                let blk = Block {
                    b: b.data[j0..].as_ptr(),
                    ldb,
                    k,
                    m,
                    w,
                    acc: acc.0.as_mut_ptr(),
                    acc_stride: width,
                    // SAFETY: (0, j0) is inside C.
                    c: unsafe { cptr.at(j0 * csc) },
                    rsc,
                    csc,
                    alpha,
                    beta,
                };
                // SAFETY: AVX2 + FMA (the dispatcher's check); B's rows 0..k hold columns
                // j0..j0+w; `ap` holds k·8 values; `acc` holds m rows of `width` values
                // (m · width ≤ 6 · 768), 64-byte aligned; the C block is this task's alone.
                unsafe { block(&blk, ap.as_ptr()) };
            }
        });
    });
}

/// Runs `task(0..tasks)`, on rayon if `parallel`.
fn run_tasks(tasks: usize, parallel: bool, task: impl Fn(usize) + Sync + Send) {
    if parallel && tasks > 1 {
        (0..tasks).into_par_iter().for_each(task);
    } else {
        (0..tasks).for_each(task);
    }
}

/// The accumulators of one block: `m` rows of [`block_width`] values (at most 6 · 768), aligned
/// for vector loads.
#[repr(C, align(64))]
struct Acc([f32; 6 * MAX_WIDTH]);

/// One block of columns: B's columns `0..w` at `b` (rows `ldb` apart), the accumulators at
/// `acc` (rows `acc_stride` apart, a multiple of 8), C's columns at `c`.
struct Block {
    b: *const f32,
    ldb: usize,
    k: usize,
    m: usize,
    w: usize,
    acc: *mut f32,
    acc_stride: usize,
    c: *mut f32,
    rsc: usize,
    csc: usize,
    alpha: f32,
    beta: f32,
}

/// Computes one block, pass by pass, the last pass writing C.
///
/// # Safety
/// AVX2 + FMA; `b + p·ldb + j` readable for p < k, j < w; `ap` valid for `8·k` reads; `acc`
/// 32-byte aligned and valid for reads and writes of `m` rows of `w` values, `acc_stride ≥ w`
/// (a multiple of 8) apart; the `m × w` block of C valid for reads and writes.
#[target_feature(enable = "avx2,fma")]
unsafe fn block(t: &Block, ap: *const f32) {
    let mut p = 0;
    while p < t.k {
        let d = STEPS.min(t.k - p);
        // SAFETY: the caller's contract, for rows p..p+d (inside 0..k).
        unsafe {
            // Only the last pass has fewer than 3 rows.
            match (d, p == 0, p + d == t.k) {
                (3, false, false) => pass::<3, false, false>(t, ap, p),
                (3, true, false) => pass::<3, true, false>(t, ap, p),
                (3, false, true) => pass::<3, false, true>(t, ap, p),
                (3, true, true) => pass::<3, true, true>(t, ap, p),
                (2, false, _) => pass::<2, false, true>(t, ap, p),
                (2, true, _) => pass::<2, true, true>(t, ap, p),
                (_, false, _) => pass::<1, false, true>(t, ap, p),
                (_, true, _) => pass::<1, true, true>(t, ap, p),
            }
        }
        p += d;
    }
}

/// One pass: rows `p..p+S` of B applied to the block's accumulators (starting from zero if
/// `FIRST`; writing C instead of the accumulators if `LAST`), the next pass's rows prefetched.
///
/// # Safety
/// As [`block`], with `p + S ≤ k`.
#[target_feature(enable = "avx2,fma")]
unsafe fn pass<const S: usize, const FIRST: bool, const LAST: bool>(
    t: &Block,
    ap: *const f32,
    p: usize,
) {
    // SAFETY: every access is inside the block the caller vouched for.
    unsafe {
        let rows: [*const f32; S] = std::array::from_fn(|q| t.b.add((p + q) * t.ldb));
        // The next pass's rows (a hint: addresses past B are never dereferenced).
        let ahead: [*const f32; S] = std::array::from_fn(|q| t.b.wrapping_add((p + S + q) * t.ldb));
        let pass = Pass {
            rows,
            ahead,
            prefetch: p + S < t.k,
            a: ap.add(p * 8),
        };
        let vecs = t.w / 8;
        let v = columns::<S, FIRST, LAST, VECS>(t, &pass, 0, vecs);
        columns::<S, FIRST, LAST, 1>(t, &pass, v, vecs);
        // Columns past the last whole vector: the same chains, one value at a time.
        for j in vecs * 8..t.w {
            for i in 0..t.m {
                let dst = t.acc.add(i * t.acc_stride + j);
                let mut x = if FIRST { 0.0 } else { *dst };
                for (q, row) in rows.iter().enumerate() {
                    x = (*pass.a.add(q * 8 + i)).mul_add(*row.add(j), x);
                }
                if LAST {
                    let x = x * t.alpha;
                    let c = t.c.add(i * t.rsc + j * t.csc);
                    *c = if t.beta == 0.0 {
                        x
                    } else {
                        t.beta.mul_add(*c, x)
                    };
                } else {
                    *dst = x;
                }
            }
        }
    }
}

/// The rows of one pass.
struct Pass<const S: usize> {
    /// B's rows `p..p+S` at the block's first column.
    rows: [*const f32; S],
    /// The next pass's rows, to prefetch.
    ahead: [*const f32; S],
    /// Whether there is a next pass.
    prefetch: bool,
    /// A's values of this pass: `a[q·8 + i] = A[i][p+q]`.
    a: *const f32,
}

/// Vectors `from, from + NV, …` of 8 columns while `NV` whole vectors remain before `to`;
/// returns the first vector not done.
///
/// # Safety
/// As [`pass`], with `to ≤ w / 8`.
#[target_feature(enable = "avx2,fma")]
unsafe fn columns<const S: usize, const FIRST: bool, const LAST: bool, const NV: usize>(
    t: &Block,
    pass: &Pass<S>,
    from: usize,
    to: usize,
) -> usize {
    // SAFETY: vectors below `to` are inside the block's rows of B, its accumulators and C.
    unsafe {
        let al = _mm256_set1_ps(t.alpha);
        let mut v = from;
        while v + NV <= to {
            // One line per row every 16 columns (NV = 3: at 0 and 64 bytes of 96).
            if pass.prefetch {
                for h in (0..NV).step_by(2) {
                    if NV > 1 || v.is_multiple_of(2) {
                        for r in &pass.ahead {
                            _mm_prefetch::<_MM_HINT_T0>(r.wrapping_add((v + h) * 8) as *const i8);
                        }
                    }
                }
            }
            let bv: [[__m256; NV]; S] = std::array::from_fn(|q| {
                std::array::from_fn(|h| _mm256_loadu_ps(pass.rows[q].add((v + h) * 8)))
            });
            for i in 0..t.m {
                let dst = t.acc.add(i * t.acc_stride + v * 8);
                let mut x: [__m256; NV] = std::array::from_fn(|h| {
                    if FIRST {
                        _mm256_setzero_ps()
                    } else {
                        _mm256_load_ps(dst.add(h * 8))
                    }
                });
                for (q, bq) in bv.iter().enumerate() {
                    let aq = _mm256_broadcast_ss(&*pass.a.add(q * 8 + i));
                    for (xh, bh) in x.iter_mut().zip(bq) {
                        *xh = _mm256_fmadd_ps(aq, *bh, *xh);
                    }
                }
                for (h, &xh) in x.iter().enumerate() {
                    if LAST {
                        store_c(t, i, (v + h) * 8, _mm256_mul_ps(xh, al));
                    } else {
                        _mm256_store_ps(dst.add(h * 8), xh);
                    }
                }
            }
            v += NV;
        }
        v
    }
}

/// `C[i][j..j+8] = y` (β = 0) or `fma(C, β, y)`.
///
/// # Safety
/// AVX2 + FMA; the 8 elements are inside the block of C.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn store_c(t: &Block, i: usize, j: usize, y: __m256) {
    // SAFETY: the caller vouches for the 8 elements.
    unsafe {
        let c = t.c.add(i * t.rsc + j * t.csc);
        if t.csc == 1 {
            let out = if t.beta == 0.0 {
                y
            } else {
                _mm256_fmadd_ps(_mm256_loadu_ps(c), _mm256_set1_ps(t.beta), y)
            };
            _mm256_storeu_ps(c, out);
        } else {
            let mut lanes = [0.0f32; 8];
            _mm256_storeu_ps(lanes.as_mut_ptr(), y);
            for (l, &x) in lanes.iter().enumerate() {
                let dst = c.add(l * t.csc);
                *dst = if t.beta == 0.0 {
                    x
                } else {
                    t.beta.mul_add(*dst, x)
                };
            }
        }
    }
}
