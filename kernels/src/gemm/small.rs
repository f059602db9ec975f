//! The small-product path (AVX2 + FMA): `C = α·A·B + β·C` for products of at most
//! [`MAX_FLOPS`] flops and a depth of at most [`MAX_DEPTH`], computed straight from the operands
//! — no packing, no thread-local buffers, no threads.
//!
//! Calls of a few microseconds or less (an SVM kernel tile, a small layer, 8 × 8 × 8) are made
//! of fixed costs on the blocked path: packing both operands, the edge tiles' buffers, looking
//! up the thread-local buffers and the pool. Here A is read in place (one broadcast per value
//! and tile, any strides) and B in place when its rows are contiguous (`A·B`, `Aᵀ·B`); a B
//! contiguous only along the depth (`A·Bᵀ`) is first copied, transposed, into a buffer on the
//! stack of at most [`COPY_MAX`] values. Vectors run along the contiguous side of C (its rows;
//! for a column-major C the product is computed as `Cᵀ = Bᵀ·Aᵀ`):
//!
//! ```text
//!             B row p:  [ b0 .. b7 ] [ b8 .. b15 ]     two loads (the last one masked
//!  A col p:                                           when the columns run out)
//!   a0 (bcast) ──────▶  [ c00      ] [ c01       ]
//!   …                                                 up to 6 × 2 accumulators
//!   a5 (bcast) ──────▶  [ c50      ] [ c51       ]
//! ```
//!
//! C goes in column blocks of 16 (8 when at most 8 columns remain), each block down its rows in
//! tiles of 6 (the last tile 1–5 rows). A ragged last vector of columns reads B and reads and
//! writes C with AVX2 masked loads and stores, so nothing past the matrices is touched.
//!
//! Every element of C is the FMA chain `Σₚ aᵢₚ·bₚⱼ` in order p = 0, 1, …, k−1 from zero, then
//! `acc·α` (β = 0: C is not read) or `fma(C, β, acc·α)` — exactly what the blocked path
//! computes for `k ≤ 256` (one depth block), so which of the two paths a shape takes never
//! changes its bits.

use super::pack_avx2::transpose_lines;
use super::{inner_product, skinny, MatMut, MatRef};
use std::arch::x86_64::*;
use std::mem::MaybeUninit;

/// Lanes of an AVX2 vector.
const LANES: usize = 8;

/// Rows of C per register tile: 6 × 2 accumulators, two B vectors and a broadcast fill 15 of
/// the 16 ymm registers.
const MR: usize = 6;

/// The deepest product taken: one depth block of the blocked path (whose bits these are).
pub(crate) const MAX_DEPTH: usize = 256;

/// The largest product taken, in flops (`2·m·n·k`): below LeNet's smallest products (fc1's
/// gradients at batch 4, 4 × 400 × 120 and `Aᵀ·B` 120 × 400 × 4, 384 000 flops), which the
/// tuned paths run faster — forced here they measured 1.54–1.65× and 2.39–2.56× OpenBLAS
/// against 1.80× and 2.72× (conv2 at batch 4, 16 × 400 × 150: 0.93–1.05× against 1.28×).
/// Some products just above it would gain (64 × 64 × 64: 1.11–1.32× here, 1.01–1.10×
/// blocked), but not by a rule of shape this path could state simply. Paired, one thread,
/// 2026-11-27.
pub(crate) const MAX_FLOPS: usize = 1 << 18;

/// The most values of a copied operand (the stack buffer: 16 KiB).
const COPY_MAX: usize = 4096;

/// Computes `C = α·A·B + β·C` here and returns `true` if the product suits this path (the CPU
/// runs AVX2 + FMA, the views are checked): `m, n, k ≥ 1`, `α ≠ 0`, a depth of at most
/// [`MAX_DEPTH`] and at most [`MAX_FLOPS`] flops, a C contiguous along its rows or its
/// columns, an operand along C's vectors that is contiguous or small enough to copy — and not
/// a shape of the inner-product or the skinny short-side path (their sums are ordered
/// differently, and their routing keeps a dense layer's rows on one path at every batch size:
/// see `skinny::MIN_LONG_SIDE`). Otherwise returns `false` and does nothing.
pub(crate) fn try_gemm(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
) -> bool {
    debug_assert!(crate::arch::Isa::Avx2.is_supported());
    let (m, n, k) = (c.rows, c.cols, a.cols);
    if m == 0
        || n == 0
        || k == 0
        || k > MAX_DEPTH
        || alpha == 0.0
        || 2usize.saturating_mul(m).saturating_mul(n).saturating_mul(k) > MAX_FLOPS
    {
        return false;
    }
    let Some(transposed) = orientation(a, b, c) else {
        return false;
    };
    if inner_product::suits(m, n, k, a, b) || skinny::suits_mid_short_side(m, n, k, a, b) {
        return false;
    }
    if transposed {
        // `Cᵀ = Bᵀ·Aᵀ`: each element is the same FMA chain (the two factors of every product
        // swap places, which does not change an FMA), so the same bits.
        oriented(alpha, &b.t(), &a.t(), beta, &mut c.rb().t());
    } else {
        oriented(alpha, a, b, beta, c);
    }
    true
}

/// Whether the product is computed as `Cᵀ = Bᵀ·Aᵀ` (`Some(true)`) or as given, or `None` if
/// neither suits: vectors run along a contiguous side of C (the longer one when both are), and
/// the operand read along them must be contiguous there or fit the copy buffer.
fn orientation(a: &MatRef<'_>, b: &MatRef<'_>, c: &MatMut<'_>) -> Option<bool> {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    let along_rows = c.col_stride == 1 || n == 1;
    let along_cols = c.row_stride == 1 || m == 1;
    let transposed = match (along_rows, along_cols) {
        (true, true) => m > n,
        (true, false) => false,
        (false, true) => true,
        (false, false) => return None,
    };
    // The operand along the vectors: B's rows, or for `Cᵀ` the rows of `Aᵀ` (columns of A).
    let (len, contiguous) = if transposed {
        (m, a.row_stride == 1 || m == 1)
    } else {
        (n, b.col_stride == 1 || n == 1)
    };
    (contiguous || k * len.div_ceil(LANES) * LANES <= COPY_MAX).then_some(transposed)
}

/// [`try_gemm`]'s product with vectors along the rows of C (`c.col_stride == 1` or one column).
fn oriented(alpha: f32, a: &MatRef<'_>, b: &MatRef<'_>, beta: f32, c: &mut MatMut<'_>) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    debug_assert!(c.col_stride == 1 || n == 1);
    let ops = Operands {
        a: a.data.as_ptr(),
        ars: a.row_stride,
        acs: a.col_stride,
        b: b.data.as_ptr(),
        brs: b.row_stride,
        c: c.data.as_mut_ptr(),
        rsc: c.row_stride,
        m,
        n,
        k,
        alpha,
        beta,
    };
    if b.col_stride == 1 || n == 1 {
        // SAFETY: AVX2 + FMA (the dispatcher's check); the views were checked by `sgemm_with`,
        // so every (i, p) of A, (p, j) of B at row stride `brs` and unit column stride, and
        // (i, j) of C at unit column stride is inside its slice.
        unsafe { run(&ops) };
        return;
    }
    // SAFETY: as above; B's values are read from a copy.
    unsafe { run_on_copy(ops, b) };
}

/// [`run`] with B (contiguous along the depth only) first copied into rows of `ld ≥ n` values
/// on the stack. Only the first n values of a row are written and read (the last vector of a
/// row is a masked load), so the buffer needs no zeroing. (A function of its own: the 16 KiB
/// frame is set up only when a copy is made.)
///
/// # Safety
/// As [`run`] for `o`, with B the view `b` (`k × n`, `k·ld ≤ COPY_MAX`).
#[inline(never)]
unsafe fn run_on_copy(mut o: Operands, b: &MatRef<'_>) {
    let ld = o.n.div_ceil(LANES) * LANES;
    debug_assert!(o.k * ld <= COPY_MAX);
    let mut buf = MaybeUninit::<[f32; COPY_MAX]>::uninit();
    let copy = buf.as_mut_ptr() as *mut f32;
    // SAFETY: AVX2 (the caller's contract); B(p, j) for p < k, j < n is inside B, and
    // `copy + p·ld + j` inside the buffer (k·ld ≤ COPY_MAX).
    unsafe { copy_rows(b, copy, ld) };
    o.b = copy;
    o.brs = ld;
    // SAFETY: as the caller's, with B's rows in the copy (k rows of n written values, ld
    // apart).
    unsafe { run(&o) };
}

/// Copies B (`k × n`, any strides) into `dst` row by row, row p at `dst + p·ld`: when B's
/// columns are contiguous and at least 8 deep, eight columns at a time through the AVX2 8 × 8
/// register transpose, otherwise value by value.
///
/// # Safety
/// AVX2; `dst + p·ld + j` is valid for writes for p < k, j < n.
#[target_feature(enable = "avx2")]
unsafe fn copy_rows(b: &MatRef<'_>, dst: *mut f32, ld: usize) {
    let (k, n) = (b.rows, b.cols);
    let (brs, bcs) = (b.row_stride, b.col_stride);
    let src = b.data.as_ptr();
    let mut j0 = 0;
    let mut p0 = 0;
    // SAFETY: every read is an element of B, every write `dst + p·ld + j` with p < k, j < n.
    unsafe {
        if brs == 1 && k >= LANES {
            // Column j of B: k contiguous values at `src + j·bcs`.
            while j0 + LANES <= n {
                p0 = transpose_lines::<LANES>(src.add(j0 * bcs), bcs, k, dst.add(j0), ld);
                j0 += LANES;
            }
        }
        // The rest: columns j0.. at every depth, and depths p0.. of columns before j0.
        for p in 0..k {
            let s = src.add(p * brs);
            let d = dst.add(p * ld);
            let from = if p < p0 { j0 } else { 0 };
            for j in from..n {
                *d.add(j) = *s.add(j * bcs);
            }
        }
    }
}

/// Pointers and strides of one product, vectors along the rows of C: `A(i, p)` at
/// `a + i·ars + p·acs`, `B(p, j)` at `b + p·brs + j`, `C(i, j)` at `c + i·rsc + j`.
struct Operands {
    a: *const f32,
    ars: usize,
    acs: usize,
    b: *const f32,
    brs: usize,
    c: *mut f32,
    rsc: usize,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    beta: f32,
}

/// All of C, column block by column block.
///
/// # Safety
/// AVX2 + FMA; every `A(i, p)`, `B(p, j)` and `C(i, j)` of an `m × n × k` product at the
/// addresses [`Operands`] gives is valid (C for reads and writes, and not aliased).
#[target_feature(enable = "avx2,fma")]
unsafe fn run(o: &Operands) {
    let mut j = 0;
    while j < o.n {
        let cols = (2 * LANES).min(o.n - j);
        // SAFETY: the block's columns j..j+cols are inside C and B (forwarded).
        unsafe {
            match cols {
                16 => column_block::<2, false>(o, j, cols),
                9..=15 => column_block::<2, true>(o, j, cols),
                8 => column_block::<1, false>(o, j, cols),
                _ => column_block::<1, true>(o, j, cols),
            }
        }
        j += 2 * LANES;
    }
}

/// The columns `j0..j0+cols` of C (`cols` is `NV·8`, or fewer with `MASKED`), down the rows in
/// tiles of [`MR`].
///
/// # Safety
/// As [`run`], the columns inside C.
#[inline(always)]
unsafe fn column_block<const NV: usize, const MASKED: bool>(o: &Operands, j0: usize, cols: usize) {
    // SAFETY: forwarded; the masked vector's lanes are the columns left of `cols`.
    unsafe {
        let last = (cols - (NV - 1) * LANES) as i32;
        let mask = _mm256_cmpgt_epi32(
            _mm256_set1_epi32(last),
            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
        );
        let mut i = 0;
        while i + MR <= o.m {
            tile::<MR, NV, MASKED>(o, i, j0, mask);
            i += MR;
        }
        match o.m - i {
            0 => {}
            1 => tile::<1, NV, MASKED>(o, i, j0, mask),
            2 => tile::<2, NV, MASKED>(o, i, j0, mask),
            3 => tile::<3, NV, MASKED>(o, i, j0, mask),
            4 => tile::<4, NV, MASKED>(o, i, j0, mask),
            _ => tile::<5, NV, MASKED>(o, i, j0, mask),
        }
    }
}

/// One `R × NV·8` tile of C at `(i0, j0)`: the depth loop from zero accumulators, then the
/// update of C. With `MASKED`, the last vector's lanes outside `mask` are neither read from B
/// or C nor written.
///
/// # Safety
/// As [`run`], rows `i0..i0+R` inside C.
#[inline(always)]
unsafe fn tile<const R: usize, const NV: usize, const MASKED: bool>(
    o: &Operands,
    i0: usize,
    j0: usize,
    mask: __m256i,
) {
    // SAFETY: A(i0+r, p) for r < R, p < k; B(p, j0..j0+8·NV) (the last vector masked to the
    // columns inside B); the pointers step with `wrapping_add` because the step after the last
    // may point past the operands (it is never read).
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); NV]; R];
        let mut a = o.a.add(i0 * o.ars);
        let mut b = o.b.add(j0);
        for _ in 0..o.k {
            let mut bv = [_mm256_setzero_ps(); NV];
            for (v, x) in bv.iter_mut().enumerate() {
                *x = if MASKED && v == NV - 1 {
                    _mm256_maskload_ps(b.add(v * LANES), mask)
                } else {
                    _mm256_loadu_ps(b.add(v * LANES))
                };
            }
            for (r, row) in acc.iter_mut().enumerate() {
                let x = _mm256_set1_ps(*a.add(r * o.ars));
                for (acc, bv) in row.iter_mut().zip(bv.iter()) {
                    *acc = _mm256_fmadd_ps(x, *bv, *acc);
                }
            }
            a = a.wrapping_add(o.acs);
            b = b.wrapping_add(o.brs);
        }
        // `black_box`: broadcast α and β here, per tile; hoisted out of the tile loop they
        // would hold two registers through the depth loop.
        let alpha = _mm256_set1_ps(std::hint::black_box(o.alpha));
        let scale = o.alpha != 1.0;
        let beta = o.beta;
        for (r, row) in acc.iter().enumerate() {
            let c = o.c.add((i0 + r) * o.rsc + j0);
            for (v, acc) in row.iter().enumerate() {
                let p = c.add(v * LANES);
                let mut x = if scale {
                    _mm256_mul_ps(*acc, alpha)
                } else {
                    *acc
                };
                let masked = MASKED && v == NV - 1;
                if beta != 0.0 {
                    let old = if masked {
                        _mm256_maskload_ps(p, mask)
                    } else {
                        _mm256_loadu_ps(p)
                    };
                    x = _mm256_fmadd_ps(old, _mm256_set1_ps(beta), x);
                }
                if masked {
                    _mm256_maskstore_ps(p, mask, x);
                } else {
                    _mm256_storeu_ps(p, x);
                }
            }
        }
    }
}
