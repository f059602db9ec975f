//! sgemm on the shapes of the short-side paths, against the reference math.
//!
//! `C ← α·A·B + β·C`, elementwise `cᵢⱼ ← α·Σₚ aᵢₚ·bₚⱼ + β·cᵢⱼ`, checked on every instruction
//! set this CPU supports against `reference::sgemm` (f64 accumulation) with the bound of
//! `tests/gemm.rs`: `2ε·((k + 2)·|α|·Σₚ|aᵢₚ·bₚⱼ| + 2·|β·cᵢⱼ|)`, ε = 2⁻²⁴.
//!
//! The shapes are the ones the AVX2 short-side paths take: the skinny path
//! (`kernels/src/gemm/skinny.rs`: 9 to 64 rows of A times a row-major B — 9 to 16 rows at any
//! width of B; `A·Bᵀ` with a short side of at most 32 and a long side of at least 128, or a
//! short side of 33 to 64) and the streaming path (`stream_b.rs`: at most 8 rows times a shallow row-major B of over 8 MB) —
//! every row count, column counts with each remainder modulo the 6-column tile, both
//! orientations, depths past the 2048-step depth block, padded leading dimensions, C
//! transposed (strided store), α and β including 0 (β = 0 over a NaN-poisoned C) — and on the
//! other ISAs the same shapes through their own paths. Bit-level properties: a column's values
//! do not depend on which tile (full or ragged) or path it falls in, nor a row's on how many
//! rows the product has.

mod common;

use common::fill;
use lepton_kernels::{arch, reference, sgemm_with, Isa, MatMut, MatRef};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    m: usize,
    n: usize,
    k: usize,
    /// A stored transposed (column-major).
    ta: bool,
    /// B stored transposed (its columns contiguous: `A·Bᵀ` with row-major operands).
    tb: bool,
    /// C stored transposed (the strided store).
    tc: bool,
    /// Padding added to every leading dimension.
    pad: usize,
    alpha: f32,
    beta: f32,
    seed: u64,
}

/// Runs `c` on `isa` and on the reference and compares every element; checks that nothing
/// outside C's elements was written.
fn check(isa: Isa, c: &Case) {
    let (m, n, k) = (c.m, c.n, c.k);
    let (lda, ldb, ldc) = (
        if c.ta { m } else { k } + c.pad,
        if c.tb { k } else { n } + c.pad,
        if c.tc { m } else { n } + c.pad,
    );
    let ad = fill(c.seed, if c.ta { k * lda } else { m * lda });
    let bd = fill(c.seed ^ 1, if c.tb { n * ldb } else { k * ldb });
    let mut cd = fill(c.seed ^ 2, if c.tc { n * ldc } else { m * ldc });
    if c.beta == 0.0 {
        cd.iter_mut().for_each(|x| *x = f32::NAN);
    }
    let orig = cd.clone();
    let mut expect = cd.clone();
    let a = if c.ta {
        MatRef::strided(&ad, m, k, 1, lda)
    } else {
        MatRef::strided(&ad, m, k, lda, 1)
    };
    let b = if c.tb {
        MatRef::strided(&bd, k, n, 1, ldb)
    } else {
        MatRef::strided(&bd, k, n, ldb, 1)
    };
    let (crs, ccs) = if c.tc { (1, ldc) } else { (ldc, 1) };
    sgemm_with(
        isa,
        c.alpha,
        a,
        b,
        c.beta,
        MatMut::strided(&mut cd, m, n, crs, ccs),
    );
    reference::sgemm(
        c.alpha,
        a,
        b,
        c.beta,
        MatMut::strided(&mut expect, m, n, crs, ccs),
    );
    let eps = f32::EPSILON as f64;
    let mut written = vec![false; cd.len()];
    for i in 0..m {
        for j in 0..n {
            let idx = i * crs + j * ccs;
            written[idx] = true;
            let terms: f64 = (0..k)
                .map(|p| (a.at(i, p) as f64 * b.at(p, j) as f64).abs())
                .sum();
            let old = if c.beta == 0.0 {
                0.0
            } else {
                (c.beta as f64 * orig[idx] as f64).abs()
            };
            let tol =
                2.0 * eps * ((k as f64 + 2.0) * c.alpha.abs() as f64 * terms + 2.0 * old) + 1e-30;
            let (got, want) = (cd[idx] as f64, expect[idx] as f64);
            assert!(
                (got - want).abs() <= tol,
                "{isa}: C[{i},{j}] = {got}, reference {want}, tolerance {tol:e} ({c:?})"
            );
        }
    }
    for (idx, w) in written.iter().enumerate() {
        if !w {
            assert!(
                cd[idx].to_bits() == orig[idx].to_bits(),
                "{isa}: padding element {idx} of C was written ({c:?})"
            );
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    (
        (9usize..=64, 6usize..=80, 16usize..=200),
        (any::<bool>(), prop::bool::weighted(0.25)),
        prop::sample::select(vec![0usize, 0, 5]),
        prop::sample::select(vec![1.0f32, -0.5, 2.5]),
        prop::sample::select(vec![0.0f32, 0.0, 1.0, -0.75]),
        any::<u64>(),
    )
        .prop_map(|((m, n, k), (ta, tc), pad, alpha, beta, seed)| Case {
            m,
            n,
            k,
            ta,
            tb: false,
            tc,
            pad,
            alpha,
            beta,
            seed,
        })
}

/// `A·Bᵀ` with both operands contiguous along the depth, a short side of 1 to 64 (rows or
/// columns of C) and a long side of 100 to 260: on AVX2 the skinny path's outer products
/// (16- and 8-row groups, both orientations) where the long side is at least 128 or the
/// short side more than 32 and the long operand fits in half of L2; elsewhere the
/// inner-product or the blocked path.
fn case_abt() -> impl Strategy<Value = Case> {
    (
        (1usize..=64, 100usize..=260, 64usize..=300, any::<bool>()),
        prop::bool::weighted(0.25),
        prop::sample::select(vec![0usize, 0, 3]),
        prop::sample::select(vec![1.0f32, -0.5, 2.5]),
        prop::sample::select(vec![0.0f32, 0.0, 1.0, -0.75]),
        any::<u64>(),
    )
        .prop_map(
            |((short, long, k, short_rows), tc, pad, alpha, beta, seed)| {
                let (m, n) = if short_rows {
                    (short, long)
                } else {
                    (long, short)
                };
                Case {
                    m,
                    n,
                    k,
                    ta: false,
                    tb: true,
                    tc,
                    pad,
                    alpha,
                    beta,
                    seed,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// 9–64 rows × row-major B on every ISA path.
    #[test]
    fn short_a_times_row_major_b_matches_reference(c in case()) {
        for isa in arch::supported() {
            check(isa, &c);
        }
    }

    /// A short side times a long one, both contiguous along the depth, on every ISA path.
    #[test]
    fn short_side_a_times_bt_matches_reference(c in case_abt()) {
        for isa in arch::supported() {
            check(isa, &c);
        }
    }
}

/// Depths past one and two depth blocks (2048 steps), 16- and 8-row groups together (20 rows),
/// both orientations, β = 0 and β ≠ 0; and conv2's weight gradient at batch 4.
#[test]
fn deep_short_side_products_match_reference() {
    let shapes = [
        (20, 130, 2049, 0.0f32),
        (16, 150, 4133, -0.75),
        (140, 9, 2100, 1.0),
        (16, 150, 400, 0.0),
    ];
    for isa in arch::supported() {
        for (s, &(m, n, k, beta)) in shapes.iter().enumerate() {
            let c = Case {
                m,
                n,
                k,
                ta: false,
                tb: true,
                tc: false,
                pad: 1,
                alpha: 1.0,
                beta,
                seed: 40 + s as u64,
            };
            check(isa, &c);
        }
    }
}

/// Every row count the skinny path takes with every column remainder modulo its 6-wide tile,
/// at the depth of LeNet's conv2 (150), β = 0 and β ≠ 0; and conv2's forward shape at batch 4.
#[test]
fn every_row_count_and_column_remainder() {
    for isa in arch::supported() {
        for m in 9..=16 {
            for n in 6..=12 {
                for (s, beta) in [0.0f32, 0.5].into_iter().enumerate() {
                    let c = Case {
                        m,
                        n,
                        k: 150,
                        ta: false,
                        tb: false,
                        tc: false,
                        pad: 0,
                        alpha: 1.0,
                        beta,
                        seed: (m * 100 + n * 2 + s) as u64,
                    };
                    check(isa, &c);
                }
            }
        }
        let conv2 = Case {
            m: 16,
            n: 400,
            k: 150,
            ta: false,
            tb: false,
            tc: false,
            pad: 0,
            alpha: 1.0,
            beta: 0.0,
            seed: 7,
        };
        check(isa, &conv2);
    }
}

/// `C = α·A·B + β·C` over `c0`, as bits.
fn run_bits(
    isa: Isa,
    a: &[f32],
    m: usize,
    b: MatRef<'_>,
    alpha: f32,
    beta: f32,
    c0: &[f32],
) -> Vec<u32> {
    let (k, n) = (b.rows, b.cols);
    let mut c = c0.to_vec();
    sgemm_with(
        isa,
        alpha,
        MatRef::row_major(a, m, k),
        b,
        beta,
        MatMut::row_major(&mut c, m, n),
    );
    c.iter().map(|x| x.to_bits()).collect()
}

/// Asserts that the first `narrow` columns of `C = 1.5·A·B + β·C` (A `m × k` in `a`, B `k × n`
/// row-major in `bd`, C from `c0`) equal, bit for bit, the product over those columns of B
/// alone (a strided view) updating the same part of `c0`.
#[allow(clippy::too_many_arguments)]
fn assert_leading_columns_agree(
    isa: Isa,
    a: &[f32],
    m: usize,
    bd: &[f32],
    k: usize,
    n: usize,
    narrow: usize,
    beta: f32,
    c0: &[f32],
    what: &str,
) {
    let wide = run_bits(isa, a, m, MatRef::row_major(bd, k, n), 1.5, beta, c0);
    let c_narrow: Vec<f32> = (0..m)
        .flat_map(|i| c0[i * n..i * n + narrow].to_vec())
        .collect();
    let part = run_bits(
        isa,
        a,
        m,
        MatRef::strided(bd, k, narrow, n, 1),
        1.5,
        beta,
        &c_narrow,
    );
    for i in 0..m {
        assert_eq!(
            wide[i * n..i * n + narrow],
            part[i * narrow..(i + 1) * narrow],
            "{what} (row {i})"
        );
    }
}

/// A column's bits do not depend on its tile: B with one extra leading column shifts every
/// column of C by one, moving columns between full 6-wide tiles and the ragged last tile.
/// A row's bits do not depend on the number of rows (9 rows are the first 9 of 16).
/// (On AVX2 both products take the skinny path.)
#[test]
fn columns_and_rows_bit_identical_across_tiles() {
    let (m, k, n) = (16, 75, 41);
    let a = fill(31, m * k);
    let bw = fill(32, k * (n + 1));
    let c0 = fill(33, m * (n + 1));
    for isa in arch::supported() {
        // β ∉ {0, 1} only on the skinny path itself: the blocked path's ragged-tile update
        // rounds `β·c + x` in two steps where its vector update fuses them.
        let betas: &[f32] = if isa == Isa::Avx2 {
            &[0.0, 1.0, -0.75]
        } else {
            &[0.0, 1.0]
        };
        for &beta in betas {
            let wide = run_bits(isa, &a, m, MatRef::row_major(&bw, k, n + 1), 1.5, beta, &c0);
            let c_narrow: Vec<f32> = (0..m)
                .flat_map(|i| c0[i * (n + 1) + 1..(i + 1) * (n + 1)].to_vec())
                .collect();
            let narrow = run_bits(
                isa,
                &a,
                m,
                MatRef::strided(&bw[1..], k, n, n + 1, 1),
                1.5,
                beta,
                &c_narrow,
            );
            for i in 0..m {
                assert_eq!(
                    wide[i * (n + 1) + 1..(i + 1) * (n + 1)],
                    narrow[i * n..(i + 1) * n],
                    "{isa}, β = {beta}: row {i} depends on the column tiling"
                );
            }
            let few = run_bits(
                isa,
                &a[..9 * k],
                9,
                MatRef::row_major(&bw, k, n + 1),
                1.5,
                beta,
                &c0[..9 * (n + 1)],
            );
            assert_eq!(
                few,
                wide[..9 * (n + 1)],
                "{isa}, β = {beta}: a row depends on the number of rows"
            );
        }
    }
}

/// A row of `A·Bᵀ` does not depend on how many rows are computed with it (a dense layer's
/// features do not depend on the batch size): 7 and 6 rows give the first rows of 20 bit for
/// bit, at a long side that takes the skinny path on AVX2 (150) and one that does not (120).
#[test]
fn rows_of_a_times_bt_do_not_depend_on_the_row_count() {
    let k = 400;
    let a = fill(51, 20 * k);
    for n in [150, 120] {
        let w = fill(52, n * k);
        for isa in arch::supported() {
            let run = |m: usize| {
                let mut c = vec![f32::NAN; m * n];
                sgemm_with(
                    isa,
                    1.0,
                    MatRef::row_major(&a[..m * k], m, k),
                    MatRef::row_major(&w, n, k).t(),
                    0.0,
                    MatMut::row_major(&mut c, m, n),
                );
                c.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
            };
            let all = run(20);
            for m in [7, 6] {
                assert_eq!(
                    run(m),
                    all[..m * n],
                    "{isa}, n = {n}: the first {m} rows differ from those of 20"
                );
            }
        }
    }
}

/// At most 8 rows times a shallow, long row-major B of more than 8 MB: the AVX2 streaming path
/// (on machines whose L3 is at most 32 MB) — ragged vector and block tails, depths not a
/// multiple of its 4-row passes, C strided, β = 0, 1 and −0.75.
#[test]
fn few_rows_times_a_long_b_match_reference() {
    let shapes = [
        (6, 28_001, 75, false, 0.0f32, 0),
        (1, 27_999, 77, true, -0.75, 0),
        (8, 16_389, 130, false, 1.0, 3),
    ];
    for isa in arch::supported() {
        for (s, &(m, n, k, tc, beta, pad)) in shapes.iter().enumerate() {
            let c = Case {
                m,
                n,
                k,
                ta: false,
                tb: false,
                tc,
                pad,
                alpha: 1.5,
                beta,
                seed: 60 + s as u64,
            };
            check(isa, &c);
        }
    }
}

/// A column's bits do not depend on which path computes it: the first 200 columns of a
/// 6 × 28 001 × 75 product (streamed on AVX2) equal the 6 × 200 × 75 product over the same
/// rows of B (the blocked path), for β = 0 and β = 1.
#[test]
fn streamed_columns_equal_blocked_ones() {
    let (m, n, k, narrow) = (6, 28_001, 75, 200);
    let a = fill(71, m * k);
    let bd = fill(72, k * n);
    let c0 = fill(73, m * n);
    for isa in arch::supported() {
        for beta in [0.0f32, 1.0] {
            let what = format!("{isa}, β = {beta}: the paths differ");
            assert_leading_columns_agree(isa, &a, m, &bd, k, n, narrow, beta, &c0, &what);
        }
    }
}

/// 9 to 16 rows take one path whatever the width of B: a column's bits do not depend on how
/// many columns B has. The first 60 columns of a 16 × 2000 × 300 product (B 2.4 MB, larger
/// than L2 on most machines; depth past the blocked path's 256-step depth block, so its
/// rounding would differ) equal the 16 × 60 × 300 product over the same rows of B; the wide
/// product also matches the reference (β = 0 over NaN, β = −0.75 with C padded).
#[test]
fn columns_do_not_depend_on_the_width_of_b() {
    let (m, n, k, narrow) = (16, 2000, 300, 60);
    let a = fill(81, m * k);
    let bd = fill(82, k * n);
    let c0 = fill(83, m * n);
    for isa in arch::supported() {
        let what = format!("{isa}: the width of B matters");
        assert_leading_columns_agree(isa, &a, m, &bd, k, n, narrow, 1.0, &c0, &what);
        for (s, (beta, pad)) in [(0.0f32, 0), (-0.75, 5)].into_iter().enumerate() {
            let c = Case {
                m: 12,
                n: 1999,
                k,
                ta: false,
                tb: false,
                tc: false,
                pad,
                alpha: 1.5,
                beta,
                seed: 90 + s as u64,
            };
            check(isa, &c);
        }
    }
}
