//! The streaming path (AVX2 + FMA): `C = α·A·B + β·C` for at most 8 rows of A, a shallow
//! depth (≤ 256) and a long row-major B far larger than L2 — the forward product of LeNet's
//! first convolution at batch 64 (6 × 50 176 × 75: B is 15 MB, each value used once, so the
//! product is bound by how fast B arrives from L3 or memory).
//!
//! A register tile reads a micro-panel of B one row per step, so one tile touches a cache line
//! in each of the k rows of B, 200 KB apart: k streams at once, which the hardware prefetchers
//! do not follow, and the product is bound by the latency of B's lines. Here B is read row by
//! row instead, in contiguous runs of [`W`] values, prefetched two passes ahead: for a block of
//! `W` columns, the C block is kept as accumulators in L1 and each pass reads [`STEPS`] rows
//! of the block and applies them to every accumulator:
//!
//! ```text
//! for each block of W columns (tasks split the blocks)
//!   acc[0..m][0..W] = 0                               (in L1)
//!   for p in 0..k step STEPS
//!     for each 8 columns v: acc[i][v] = fma(A[i][p+q], B[p+q][v], acc[i][v]), q = 0, 1, …
//!   C[0..m][block] = α·acc (+ β·C)
//! ```
//!
//! Each element of C is the FMA chain `Σₚ aᵢₚ·bₚⱼ` in order p = 0, 1, …, k−1 from zero (an f32
//! accumulator stored to memory and loaded back is the same f32), then `acc·α` (β = 0, C not
//! read) or `fma(C, β, acc·α)`: the same as the blocked path computes for `k ≤ 256`, so which
//! of the two takes a product does not change its bits.

use super::c_ptr::CPtr;
use super::pack::{with_buffer, Buffer};
use super::{MatMut, MatRef};
use crate::arch::cache_sizes;
use rayon::prelude::*;
use std::arch::x86_64::*;

/// Columns per block: the accumulators of 8 rows are 16 KiB, half of L1 (256 and 1024
/// measured no better).
const W: usize = 512;

/// Rows of B applied per pass over the accumulators.
const STEPS: usize = 4;

/// B's rows are prefetched this many passes ahead.
const PREFETCH_PASSES: usize = 2;

/// Whether the product goes here: at most 8 rows, depth at most 256 (one depth block of the
/// blocked path), B row-major and larger than a quarter of L3 (8 MB here; smaller ones stay
/// in cache, where the register tile is faster: conv1 at batch 4, B = 0.9 MB, ran at 51 GFLOPS
/// blocked against 41 here), at least one block of columns.
pub(crate) fn suits(m: usize, n: usize, k: usize, b: &MatRef<'_>) -> bool {
    m <= 8
        && k <= 256
        && n >= W
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
    let blocks = n.div_ceil(W);
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
    // A, each value broadcast to 8 lanes: `abc[(p·8 + i)·8 + l] = A[i][p]` (rows ≥ m zero).
    with_buffer(Buffer::A, k * 64, |abc| {
        for p in 0..k {
            for i in 0..8 {
                let x = if i < m { a.at(i, p) } else { 0.0 };
                for v in &mut abc[(p * 8 + i) * 8..(p * 8 + i + 1) * 8] {
                    *v = x;
                }
            }
        }
        let abc: &[f32] = abc;
        run_tasks(tasks, threads > 1, |t: usize| {
            let mut acc = Acc([0.0f32; 8 * W]);
            for q in t * per_task..((t + 1) * per_task).min(blocks) {
                let j0 = q * W;
                let w = W.min(n - j0);
                let blk = Block {
                    b: b.data[j0..].as_ptr(),
                    ldb,
                    k,
                    m,
                    w,
                    // SAFETY: (0, j0) is inside C.
                    c: unsafe { cptr.at(j0 * csc) },
                    rsc,
                    csc,
                    alpha,
                    beta,
                };
                // SAFETY: AVX2 + FMA (the dispatcher's check); B's rows 0..k hold columns
                // j0..j0+w; `abc` holds k·64 values; the C block is this task's alone.
                unsafe { block(&blk, abc.as_ptr(), &mut acc) };
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

/// The accumulators of one block: 8 rows of [`W`] values, aligned for vector loads.
#[repr(C, align(64))]
struct Acc([f32; 8 * W]);

/// One block of columns: B's columns `0..w` at `b` (rows `ldb` apart), C's at `c`.
struct Block {
    b: *const f32,
    ldb: usize,
    k: usize,
    m: usize,
    w: usize,
    c: *mut f32,
    rsc: usize,
    csc: usize,
    alpha: f32,
    beta: f32,
}

/// Computes one block into `acc` (rows of W) and writes it to C.
///
/// # Safety
/// AVX2 + FMA; `b + p·ldb + j` readable for p < k, j < w; `abc` valid for `64·k` reads (64-byte aligned); the
/// `m × w` block of C valid for reads and writes.
#[target_feature(enable = "avx2,fma")]
unsafe fn block(t: &Block, abc: *const f32, acc: &mut Acc) {
    // SAFETY: every access is inside the block the caller vouched for.
    unsafe {
        let (m, w) = (t.m, t.w);
        let vecs = w / 8;
        let accp = acc.0.as_mut_ptr();
        for i in 0..m {
            for j in 0..w {
                *accp.add(i * W + j) = 0.0;
            }
        }
        let mut p = 0;
        while p < t.k {
            let steps = STEPS.min(t.k - p);
            let rows: [*const f32; STEPS] =
                std::array::from_fn(|q| t.b.add((p + q.min(steps - 1)) * t.ldb));
            let ab = abc.add(p * 64);
            // The rows two passes ahead, one line per row every other vector (a hint: the
            // addresses past B are never dereferenced).
            let ahead: [*const f32; STEPS] = std::array::from_fn(|q| {
                t.b.wrapping_add((p + PREFETCH_PASSES * STEPS + q) * t.ldb)
            });
            let prefetch = p + PREFETCH_PASSES * STEPS < t.k;
            for v in 0..vecs {
                if prefetch && v % 2 == 0 {
                    for r in &ahead {
                        _mm_prefetch::<_MM_HINT_T0>(r.wrapping_add(v * 8) as *const i8);
                    }
                }
                let bv: [__m256; STEPS] =
                    std::array::from_fn(|q| _mm256_loadu_ps(rows[q].add(v * 8)));
                for i in 0..m {
                    let dst = accp.add(i * W + v * 8);
                    let mut x = _mm256_load_ps(dst);
                    for (q, bq) in bv.iter().enumerate().take(steps) {
                        x = _mm256_fmadd_ps(_mm256_load_ps(ab.add((q * 8 + i) * 8)), *bq, x);
                    }
                    _mm256_store_ps(dst, x);
                }
            }
            // Columns past the last whole vector: the same chains, one value at a time.
            for j in vecs * 8..w {
                for i in 0..m {
                    let dst = accp.add(i * W + j);
                    let mut x = *dst;
                    for (q, row) in rows.iter().enumerate().take(steps) {
                        x = (*ab.add((q * 8 + i) * 8)).mul_add(*row.add(j), x);
                    }
                    *dst = x;
                }
            }
            p += steps;
        }
        let al = _mm256_set1_ps(t.alpha);
        let be = _mm256_set1_ps(t.beta);
        for i in 0..m {
            let c = t.c.add(i * t.rsc);
            let row = accp.add(i * W);
            let mut j = 0;
            if t.csc == 1 {
                while j + 8 <= w {
                    let x = _mm256_mul_ps(_mm256_load_ps(row.add(j)), al);
                    let out = if t.beta == 0.0 {
                        x
                    } else {
                        _mm256_fmadd_ps(_mm256_loadu_ps(c.add(j)), be, x)
                    };
                    _mm256_storeu_ps(c.add(j), out);
                    j += 8;
                }
            }
            for j in j..w {
                let x = *row.add(j) * t.alpha;
                let dst = c.add(j * t.csc);
                *dst = if t.beta == 0.0 {
                    x
                } else {
                    t.beta.mul_add(*dst, x)
                };
            }
        }
    }
}
