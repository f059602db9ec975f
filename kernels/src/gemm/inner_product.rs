//! The inner-product path for shapes with a small output and a long depth, when A's rows and
//! Bᵀ's rows (B's columns) are both contiguous — `C = A·Bᵀ` with row-major A and B, the
//! weight-gradient shape of a convolution (`dW = dY · colsᵀ`: 6×75 outputs over 784·B terms).
//!
//! Packing costs `(m + n)·k` copies against `2·m·n·k` flops; when `min(m, n)` is a few dozen the
//! copies cost as much as the arithmetic. Here nothing is copied: each `DOT_R × DOT_S` tile of C
//! is a set of lane-parallel dot products over contiguous memory.
//!
//! ```text
//! for pc in 0..k step KD               depth chunk (A and Bᵀ rows of the chunk stay in cache)
//!   for each DOT_S columns of C        (tasks split over column groups only)
//!     for each DOT_R rows of C
//!       out = dot_tile(A[r, pc..], Bᵀ[s, pc..]);  C = α·out + (β·C | C)
//! ```
//! Depth chunks are fixed by the shape, never by the thread count.
//!
//! On AVX2, products of these shapes whose long side is at least 128 (conv2's weight gradient,
//! 16 × 150 × 100·batch) go to the skinny path instead (outer products along the short side,
//! no horizontal sums: 88 against 49 GFLOPS at batch 4); the choice depends on the long side
//! only, so a dense layer's rows never change path with the batch size — see
//! `skinny::MIN_LONG_SIDE`.

use super::c_ptr::CPtr;
use super::microkernel::{Microkernel, DOT_R, DOT_S};
use super::{MatMut, MatRef};
use crate::arch::cache_sizes;
use rayon::prelude::*;

/// Depth chunk: as long as a chunk of the long side — the side re-read once per tile of the
/// other — fits in half of L2, between 256 and 16 384 steps, in multiples of 64. It depends on
/// the long side alone, counted as at least 32 (the longest short side this path takes), so
/// never on the short side: for a dense layer's `X·Wᵀ` that is the batch, and a row's bits must
/// not change with the batch size. (It was `L2 / 2 / (4·(m + n))`: LeNet's fc1 at depth 400
/// was chunked from 27 rows on, so rows of batches of 27–32 differed from smaller ones.)
fn depth_chunk(m: usize, n: usize) -> usize {
    let long = m.max(n).max(32);
    (cache_sizes().l2 / 2 / (4 * long)).clamp(256, 16384) / 64 * 64
}

/// Whether the shape and layout suit the inner-product path: a short side of at most 32. (With
/// the AVX2 transposing packers the blocked path wins from about 24 rows on — 64×120×400 ran
/// at 74 GFLOPS blocked against 58 here, 32×120×400 at 69 against 58, 16×150×400 at 54 against
/// 60 — but which path a product takes decides how its sums are rounded, and `lepton`'s tests
/// compare features computed in batches of 7 and of 20 bit for bit; 32 keeps LeNet's fc1 at
/// batch 64 off this path — on AVX2 it takes the skinny path, `skinny::suits_mid_short_side`
/// — and small batches together on this one.)
pub(crate) fn suits(m: usize, n: usize, k: usize, a: &MatRef<'_>, b: &MatRef<'_>) -> bool {
    (a.col_stride == 1 || a.cols == 1)
        && (b.row_stride == 1 || b.rows == 1)
        && k >= 64
        && m.min(n) <= 32
        && m.max(n) <= 512
}

/// `C = α·A·B + β·C` by dot products (`m, n, k > 0`, [`suits`] holds).
///
/// The tile is `DOT_R × DOT_S`; if covering `Cᵀ = Bᵀ·Aᵀ` wastes fewer lanes on padding (16×150
/// is 4 × 3 groups with no padding one way, 6 × 38 with padding the other), that product is
/// computed instead — the same dot products, so the same bits.
pub(crate) fn gemm<K: Microkernel>(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) {
    let (m, n) = (c.rows, c.cols);
    let pad = |x: usize, t: usize| x.div_ceil(t) * t;
    if pad(n, DOT_R) * pad(m, DOT_S) < pad(m, DOT_R) * pad(n, DOT_S) {
        oriented::<K>(alpha, &b.t(), &a.t(), beta, &mut c.rb().t(), parallel);
    } else {
        oriented::<K>(alpha, a, b, beta, c, parallel);
    }
}

fn oriented<K: Microkernel>(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    let kd = depth_chunk(m, n);
    let (lda, ldb) = (a.row_stride, b.col_stride);
    let (rsc, csc) = (c.row_stride, c.col_stride);
    // Tasks write disjoint column groups of C.
    let cptr = CPtr(c.data.as_mut_ptr());
    let groups = n.div_ceil(DOT_S);
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let per_task = groups.div_ceil(8 * threads).max(1);
    let tasks = groups.div_ceil(per_task);
    let (adata, bdata) = (a.data, b.data);

    let task = |t: usize| {
        let g0 = t * per_task;
        let g1 = (g0 + per_task).min(groups);
        let mut out = [0.0f32; DOT_R * DOT_S];
        for pc in (0..k).step_by(kd) {
            let kc = kd.min(k - pc);
            for g in g0..g1 {
                let j0 = g * DOT_S;
                // Missing columns repeat the last one; their results are dropped.
                let bp: [*const f32; DOT_S] =
                    std::array::from_fn(|s| bdata[(j0 + s).min(n - 1) * ldb + pc..].as_ptr());
                for i0 in (0..m).step_by(DOT_R) {
                    let ap: [*const f32; DOT_R] =
                        std::array::from_fn(|r| adata[(i0 + r).min(m - 1) * lda + pc..].as_ptr());
                    // SAFETY: the ISA was checked by the dispatcher; each row pointer starts at
                    // depth pc of a row of A (or column of B) that holds k ≥ pc + kc values.
                    unsafe { K::dot_tile(kc, &ap, &bp, &mut out) };
                    let cols = DOT_S.min(n - j0);
                    for (r, out) in out.chunks_exact(DOT_S).take(DOT_R.min(m - i0)).enumerate() {
                        // SAFETY: (i0+r, j0) is inside C, and so are the `cols` elements from
                        // it at stride csc; they are in this task's columns.
                        let row = unsafe { cptr.at((i0 + r) * rsc + j0 * csc) };
                        // One loop per update (the test hoisted out of the elements).
                        // SAFETY (all three): as above.
                        if pc > 0 {
                            for (s, &o) in out.iter().enumerate().take(cols) {
                                unsafe { *row.add(s * csc) += alpha * o };
                            }
                        } else if beta == 0.0 {
                            for (s, &o) in out.iter().enumerate().take(cols) {
                                unsafe { *row.add(s * csc) = alpha * o };
                            }
                        } else {
                            for (s, &o) in out.iter().enumerate().take(cols) {
                                let dst = unsafe { &mut *row.add(s * csc) };
                                *dst = beta * *dst + alpha * o;
                            }
                        }
                    }
                }
            }
        }
    };
    if threads > 1 && tasks > 1 {
        (0..tasks).into_par_iter().for_each(task);
    } else {
        (0..tasks).for_each(task);
    }
}
