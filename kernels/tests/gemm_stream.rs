//! sgemm on the shapes of the AVX2 streaming path, against the reference math and, bit for
//! bit, against the blocked path.
//!
//! `C ← α·A·B + β·C`, elementwise `cᵢⱼ ← α·Σₚ aᵢₚ·bₚⱼ + β·cᵢⱼ`, checked on every instruction
//! set this CPU supports against `reference::sgemm` (f64 accumulation) with the bound of
//! `tests/gemm.rs`: `2ε·((k + 2)·|α|·Σₚ|aᵢₚ·bₚⱼ| + 2·|β·cᵢⱼ|)`, ε = 2⁻²⁴.
//!
//! The streaming path (`kernels/src/gemm/stream_b.rs`) takes at most 8 rows of A times a
//! row-major B of depth ≤ 256 larger than a quarter of L3; the widths here are computed from
//! the L3 size `lepton_kernels::arch::cache_sizes` reports, so every product below takes it on
//! an AVX2 machine. It splits the depth into passes of 3 rows (the last pass has 1, 2 or 3;
//! the first pass starts from zero, the last writes C), the columns into blocks of 768 (1–6
//! rows) or 512 (7–8 rows), and a block into groups of 3 vectors of 8 columns, single vectors
//! and single columns. The shapes below reach every combination: every row count, depths
//! 1–5, 75–77 and 256, a last block ending in a single vector and 5 single columns, C
//! transposed (strided stores) and padded, β = 0 over a NaN-poisoned C, 1 and −0.75.
//!
//! Every element of C is the FMA chain `Σₚ aᵢₚ·bₚⱼ` in order p = 0, 1, …, k−1 from zero, then
//! `acc·α` (β = 0) or `fma(C, β, acc·α)` — the same as the blocked path for `k ≤ 256` —
//! so the first and the last columns of a streamed product equal, bit for bit, the product
//! over those columns of B alone (small, so the blocked path takes it), whatever the number
//! of rows, the depth, and the number of threads.

mod common;

use common::fill;
use lepton_kernels::{arch, reference, sgemm_with, Isa, MatMut, MatRef};

/// Columns past the last whole block: 13 vectors (4 groups of 3 and one single) and 5 single
/// columns.
const TAIL: usize = 13 * 8 + 5;

/// A width at which a `k`-deep row-major B is larger than a quarter of L3 (so the product
/// streams), rounded up to whole blocks of 768 columns, plus [`TAIL`].
fn streamed_width(k: usize) -> usize {
    let l3 = arch::cache_sizes().l3;
    let n = (l3 / 4 / (4 * k) + 1).max(512);
    n.div_ceil(768) * 768 + TAIL
}

/// `C = alpha·A·B + beta·C` on `isa`: A `m × k` row-major, B `k × n` (a view), C from `c0`,
/// stored transposed if `tc` and with `pad` extra elements per line; returns C's storage.
#[allow(clippy::too_many_arguments)]
fn run(
    isa: Isa,
    alpha: f32,
    a: &[f32],
    m: usize,
    b: MatRef<'_>,
    beta: f32,
    c0: &[f32],
    tc: bool,
    pad: usize,
) -> Vec<f32> {
    let (k, n) = (b.rows, b.cols);
    let ldc = if tc { m } else { n } + pad;
    let mut c = c0.to_vec();
    let (rs, cs) = if tc { (1, ldc) } else { (ldc, 1) };
    sgemm_with(
        isa,
        alpha,
        MatRef::row_major(a, m, k),
        b,
        beta,
        MatMut::strided(&mut c, m, n, rs, cs),
    );
    c
}

/// Checks `C = 1.5·A·B + β·C` for one shape against the reference, and that nothing outside
/// C's elements (the padding) was written.
fn check(isa: Isa, m: usize, k: usize, beta: f32, tc: bool, pad: usize, seed: u64) {
    let n = streamed_width(k);
    let alpha = 1.5;
    let a = fill(seed, m * k);
    let bd = fill(seed ^ 1, k * n);
    let ldc = if tc { m } else { n } + pad;
    let lines = if tc { n } else { m };
    let mut c0 = fill(seed ^ 2, lines * ldc);
    if beta == 0.0 {
        c0.iter_mut().for_each(|x| *x = f32::NAN);
    }
    let b = MatRef::row_major(&bd, k, n);
    let got = run(isa, alpha, &a, m, b, beta, &c0, tc, pad);
    let mut want = c0.clone();
    let (rs, cs) = if tc { (1, ldc) } else { (ldc, 1) };
    reference::sgemm(
        alpha,
        MatRef::row_major(&a, m, k),
        b,
        beta,
        MatMut::strided(&mut want, m, n, rs, cs),
    );
    // Σₚ|aᵢₚ·bₚⱼ|, row by row of B.
    let mut terms = vec![0.0f64; m * n];
    for i in 0..m {
        for p in 0..k {
            let x = (a[i * k + p] as f64).abs();
            for (t, y) in terms[i * n..(i + 1) * n]
                .iter_mut()
                .zip(&bd[p * n..(p + 1) * n])
            {
                *t += x * (*y as f64).abs();
            }
        }
    }
    let eps = f32::EPSILON as f64;
    let mut written = vec![false; c0.len()];
    for i in 0..m {
        for j in 0..n {
            let idx = i * rs + j * cs;
            written[idx] = true;
            let terms = terms[i * n + j];
            let old = if beta == 0.0 {
                0.0
            } else {
                (beta as f64 * c0[idx] as f64).abs()
            };
            let tol = 2.0 * eps * ((k as f64 + 2.0) * alpha as f64 * terms + 2.0 * old) + 1e-30;
            let (g, w) = (got[idx] as f64, want[idx] as f64);
            assert!(
                (g - w).abs() <= tol,
                "{isa}: {m}×{n}×{k}, β = {beta}, C transposed {tc}, pad {pad}: \
                 C[{i},{j}] = {g}, reference {w}, tolerance {tol:e}"
            );
        }
    }
    for (idx, w) in written.iter().enumerate() {
        if !w {
            assert!(
                got[idx].to_bits() == c0[idx].to_bits(),
                "{isa}: {m}×{n}×{k}: padding element {idx} of C was written"
            );
        }
    }
}

/// Every row count (both block widths), every length of the last pass (k mod 3 = 0, 1, 2),
/// C row-major, transposed and padded, β = 0, 1 and −0.75.
#[test]
fn streamed_products_match_reference() {
    let cases = [
        // (m, k, β, C transposed, pad)
        (1, 75, 0.0f32, false, 0),
        (2, 76, 1.0, false, 3),
        (3, 77, -0.75, true, 0),
        (4, 4, 0.0, false, 0),
        (5, 5, -0.75, false, 1),
        (6, 75, 1.0, true, 2),
        (6, 256, -0.75, false, 0),
        (7, 76, 0.0, true, 0),
        (8, 77, -0.75, false, 5),
        (8, 255, 0.0, false, 0),
    ];
    for isa in arch::supported() {
        for (s, &(m, k, beta, tc, pad)) in cases.iter().enumerate() {
            check(isa, m, k, beta, tc, pad, 100 + s as u64);
        }
    }
}

/// Depths of one pass only (the first pass is the last): 1, 2 and 3 rows of B.
#[test]
fn single_pass_products_match_reference() {
    for isa in arch::supported() {
        for (k, m, beta) in [(1, 2, 0.0f32), (2, 3, -0.75), (3, 8, 1.0)] {
            check(isa, m, k, beta, false, 0, 200 + k as u64);
        }
    }
}

/// Asserts that columns `from..from + cols` of the streamed `C = 1.5·A·B + β·C` equal, bit
/// for bit, the product over those columns of B alone (a strided view, small enough for the
/// blocked path) updating the same part of `c0`.
#[allow(clippy::too_many_arguments)]
fn assert_columns_equal_narrow_product(
    isa: Isa,
    a: &[f32],
    m: usize,
    bd: &[f32],
    k: usize,
    n: usize,
    wide: &[f32],
    c0: &[f32],
    beta: f32,
    from: usize,
    cols: usize,
) {
    let part_c0: Vec<f32> = (0..m)
        .flat_map(|i| c0[i * n + from..i * n + from + cols].to_vec())
        .collect();
    let part = run(
        isa,
        1.5,
        a,
        m,
        MatRef::strided(&bd[from..], k, cols, n, 1),
        beta,
        &part_c0,
        false,
        0,
    );
    for i in 0..m {
        let w: Vec<u32> = wide[i * n + from..i * n + from + cols]
            .iter()
            .map(|x| x.to_bits())
            .collect();
        let p: Vec<u32> = part[i * cols..(i + 1) * cols]
            .iter()
            .map(|x| x.to_bits())
            .collect();
        assert_eq!(
            w,
            p,
            "{isa}: {m}×{n}×{k}, β = {beta}: row {i}, columns {from}..{} differ from the \
             narrow product",
            from + cols
        );
    }
}

/// A column's bits do not depend on the path, the block width or the place of the column in
/// its block: the first 200 columns (whole groups of 24) and the last 200 (through the last
/// block's single vector and single columns) of a streamed product equal the narrow products
/// over those columns, for every row count and depths that end in passes of 1, 2 and 3 rows.
#[test]
fn streamed_columns_equal_blocked_ones() {
    let narrow = 200;
    for isa in arch::supported() {
        for (m, k) in [
            (1, 75),
            (2, 4),
            (3, 5),
            (4, 256),
            (5, 76),
            (6, 75),
            (7, 77),
            (8, 75),
        ] {
            let n = streamed_width(k);
            let a = fill(300 + m as u64, m * k);
            let bd = fill(310 + k as u64, k * n);
            let c0 = fill(320, m * n);
            for beta in [0.0f32, 1.0] {
                let wide = run(
                    isa,
                    1.5,
                    &a,
                    m,
                    MatRef::row_major(&bd, k, n),
                    beta,
                    &c0,
                    false,
                    0,
                );
                for from in [0, n - narrow] {
                    assert_columns_equal_narrow_product(
                        isa, &a, m, &bd, k, n, &wide, &c0, beta, from, narrow,
                    );
                }
            }
        }
    }
}

/// The same bits at 1, 2 and 3 threads (the tasks split the column blocks differently).
#[test]
fn streamed_products_do_not_depend_on_the_thread_count() {
    let (m, k) = (6, 75);
    let n = streamed_width(k);
    let a = fill(401, m * k);
    let bd = fill(402, k * n);
    let c0 = fill(403, m * n);
    for isa in arch::supported() {
        let bits = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let c = pool.install(|| {
                run(
                    isa,
                    1.5,
                    &a,
                    m,
                    MatRef::row_major(&bd, k, n),
                    -0.75,
                    &c0,
                    false,
                    0,
                )
            });
            c.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
        };
        let one = bits(1);
        for threads in [2, 3] {
            assert!(
                bits(threads) == one,
                "{isa}: {m}×{n}×{k} differs between 1 and {threads} threads"
            );
        }
    }
}
