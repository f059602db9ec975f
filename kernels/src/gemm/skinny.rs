//! The skinny path (AVX2 + FMA): `C = α·A·B + β·C` for 9 to 16 rows of A and a row-major B —
//! the forward product of a convolution (conv2: 16 × 100·batch × 150).
//!
//! With 16 rows the usual tiles (6 × 16, 4 × 24 with vectors along the columns of C) need three
//! or four row panels, so each B micro-panel is read three or four times, from wherever it
//! lives: B is read in place here (packing it would copy every value for a single use), and
//! when its row stride is a multiple of 1 KiB (n = 6400: 25 600 bytes) a micro-panel's rows
//! fall into a few L1 sets and are evicted between the passes. This path puts the vectors
//! along the *rows* of C instead, so one tile covers every row and each value of B is loaded
//! exactly once, as a broadcast:
//!
//! ```text
//!   Ãᵀ step p: [a0 .. a7] [a8 .. a15]      two loads (A packed once: k × 16, zero-padded)
//!   B row p:   b0 b1 b2 b3 b4 b5            six broadcasts, read in place
//!   acc[v][j] += Ã[p][8v..8v+8] · b_j       12 accumulators = C[0..16, j0..j0+6] as columns
//! ```
//!
//! then the two 8 × 6 halves are transposed in registers and stored as rows of C. The last
//! `n mod 6` columns are copied into a zero-padded panel first, so no tile reads past B.
//!
//! Each element of C is the FMA chain `Σₚ aᵢₚ·bₚⱼ` in order p = 0, 1, …, k−1 from zero, then
//! `acc·α` (β = 0, C not read) or `fma(C, β, acc·α)`: the same arithmetic as the blocked path
//! for a single depth block, whatever tile or thread computes it. Tasks split the columns only.

use super::pack::{with_buffer, Buffer};
use super::{MatMut, MatRef};
use rayon::prelude::*;
use std::arch::x86_64::*;

/// Columns of C per tile.
const NT: usize = 6;

/// Each step prefetches the B row this many rows further down the current tile.
const PREFETCH_ROWS: usize = 8;

/// Whether the shape and layout suit this path: 9 to 16 rows, B row-major (unit column
/// stride), at least one whole tile of columns and a depth worth a tile.
pub(crate) fn suits(m: usize, n: usize, k: usize, b: &MatRef<'_>) -> bool {
    (9..=16).contains(&m) && n >= NT && k >= 16 && b.col_stride == 1
}

#[derive(Clone, Copy)]
struct CPtr(*mut f32);
// SAFETY: tasks write disjoint column ranges of C, and the pointer outlives the parallel loop.
unsafe impl Send for CPtr {}
// SAFETY: as above.
unsafe impl Sync for CPtr {}

impl CPtr {
    /// The element `offset` past the start of C.
    ///
    /// # Safety
    /// `offset` is inside C's storage.
    #[inline]
    unsafe fn at(self, offset: usize) -> *mut f32 {
        // SAFETY: the caller keeps the offset inside the allocation.
        unsafe { self.0.add(offset) }
    }
}

/// `C = α·A·B + β·C` (`m, n, k > 0`, [`suits`] holds, the CPU runs AVX2 + FMA).
pub(crate) fn gemm(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    debug_assert!(suits(m, n, k, b));
    let tiles = n.div_ceil(NT);
    let full = n / NT;
    let (rsc, csc) = (c.row_stride, c.col_stride);
    let cptr = CPtr(c.data.as_mut_ptr());
    let ldb = b.row_stride;
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let per_task = tiles.div_ceil(4 * threads).max(1);
    let tasks = tiles.div_ceil(per_task);
    // Ã (k × 16) then the ragged last panel of B (k × NT), both zero-padded.
    with_buffer(Buffer::A, 16 * k + NT * k, |buf| {
        let (ap, edge) = buf.split_at_mut(16 * k);
        for p in 0..k {
            for i in 0..16 {
                ap[p * 16 + i] = if i < m { a.at(i, p) } else { 0.0 };
            }
        }
        let rest = n - full * NT;
        if rest > 0 {
            for p in 0..k {
                for j in 0..NT {
                    edge[p * NT + j] = if j < rest {
                        b.data[p * ldb + full * NT + j]
                    } else {
                        0.0
                    };
                }
            }
        }
        let (ap, edge): (&[f32], &[f32]) = (ap, edge);
        let task = |t: usize| {
            let q0 = t * per_task;
            let q1 = (q0 + per_task).min(tiles);
            for q in q0..q1 {
                let j0 = q * NT;
                let (bp, ld, cols) = if q < full {
                    (b.data[j0..].as_ptr(), ldb, NT)
                } else {
                    (edge.as_ptr(), NT, rest)
                };
                let st = Store {
                    // SAFETY: (0, j0) is inside C.
                    c: unsafe { cptr.at(j0 * csc) },
                    rsc,
                    csc,
                    rows: m,
                    cols,
                    alpha,
                    beta,
                };
                // SAFETY: AVX2 + FMA checked by the dispatcher; Ã holds 16·k values; the B
                // panel has k rows of NT values at stride `ld` (a full tile's columns j0..j0+6
                // are inside B: q < full); the C tile (m rows, `cols` columns from j0) is this
                // task's alone.
                unsafe { tile(k, ap.as_ptr(), bp, ld, &st) };
            }
        };
        if threads > 1 && tasks > 1 {
            (0..tasks).into_par_iter().for_each(task);
        } else {
            (0..tasks).for_each(task);
        }
    });
}

/// Where and how a tile's result goes: `C[0..rows, 0..cols] = α·acc + β·C` at `c`.
struct Store {
    c: *mut f32,
    rsc: usize,
    csc: usize,
    rows: usize,
    cols: usize,
    alpha: f32,
    beta: f32,
}

/// One 16 × 6 tile: `acc[v][j] = Σₚ Ã[p][8v..8v+8]·B[p][j]`, then the transposed store.
///
/// # Safety
/// AVX2 + FMA; `ap` valid for `16·kc` reads, `b + p·ldb + j` for p < kc, j < 6; the store's
/// `rows × cols` tile of C valid for reads and writes.
#[inline(never)]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile(kc: usize, ap: *const f32, b: *const f32, ldb: usize, st: &Store) {
    // SAFETY: all reads stay in the kc rows the caller vouched for; the prefetch is a hint
    // and may point anywhere.
    unsafe {
        let z = _mm256_setzero_ps();
        let (mut c00, mut c01, mut c02, mut c03, mut c04, mut c05) = (z, z, z, z, z, z);
        let (mut c10, mut c11, mut c12, mut c13, mut c14, mut c15) = (z, z, z, z, z, z);
        let mut a = ap;
        let mut bp = b;
        let pf = PREFETCH_ROWS * ldb;
        for _ in 0..kc {
            let a0 = _mm256_load_ps(a);
            let a1 = _mm256_load_ps(a.add(8));
            _mm_prefetch::<_MM_HINT_T0>(bp.wrapping_add(pf) as *const i8);
            let x = _mm256_broadcast_ss(&*bp);
            c00 = _mm256_fmadd_ps(a0, x, c00);
            c10 = _mm256_fmadd_ps(a1, x, c10);
            let x = _mm256_broadcast_ss(&*bp.add(1));
            c01 = _mm256_fmadd_ps(a0, x, c01);
            c11 = _mm256_fmadd_ps(a1, x, c11);
            let x = _mm256_broadcast_ss(&*bp.add(2));
            c02 = _mm256_fmadd_ps(a0, x, c02);
            c12 = _mm256_fmadd_ps(a1, x, c12);
            let x = _mm256_broadcast_ss(&*bp.add(3));
            c03 = _mm256_fmadd_ps(a0, x, c03);
            c13 = _mm256_fmadd_ps(a1, x, c13);
            let x = _mm256_broadcast_ss(&*bp.add(4));
            c04 = _mm256_fmadd_ps(a0, x, c04);
            c14 = _mm256_fmadd_ps(a1, x, c14);
            let x = _mm256_broadcast_ss(&*bp.add(5));
            c05 = _mm256_fmadd_ps(a0, x, c05);
            c15 = _mm256_fmadd_ps(a1, x, c15);
            a = a.add(16);
            bp = bp.add(ldb);
        }
        store_half(st, 0, [c00, c01, c02, c03, c04, c05]);
        if st.rows > 8 {
            store_half(st, 8, [c10, c11, c12, c13, c14, c15]);
        }
    }
}

/// Stores rows `r0..r0+8` (those below `st.rows`) of a tile whose columns are `cols`:
/// scales by α, transposes the 8 × 6 block in registers and writes each row of C.
///
/// # Safety
/// As [`tile`], AVX2 + FMA.
#[inline(always)]
unsafe fn store_half(st: &Store, r0: usize, cols: [__m256; NT]) {
    // SAFETY: only rows < st.rows and columns < st.cols of the caller's tile are touched.
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
        if st.cols == NT && st.csc == 1 {
            if st.beta == 0.0 {
                for r in 0..8 {
                    if r < n_rows {
                        let (four, two) = row(r);
                        let p = st.c.add((r0 + r) * st.rsc);
                        _mm_storeu_ps(p, four);
                        _mm_storel_epi64(p.add(4) as *mut __m128i, _mm_castps_si128(two));
                    }
                }
            } else {
                let be = _mm_set1_ps(st.beta);
                for r in 0..8 {
                    if r < n_rows {
                        let (four, two) = row(r);
                        let p = st.c.add((r0 + r) * st.rsc);
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
                for (j, &x) in v.iter().enumerate().take(st.cols) {
                    let p = st.c.add((r0 + r) * st.rsc + j * st.csc);
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
