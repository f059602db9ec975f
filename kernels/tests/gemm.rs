//! sgemm against the reference math.
//!
//! `C ← α·op(A)·op(B) + β·C`, elementwise `cᵢⱼ ← α·Σₚ aᵢₚ·bₚⱼ + β·cᵢⱼ` (BLAS order and semantics:
//! with `β = 0` the old C is never read, so a NaN in it does not survive).
//!
//! Every instruction-set path this CPU supports is compared with `reference::sgemm`, which
//! accumulates in f64. A fast f32 kernel sums the k products in some other order and rounds at
//! every step, so it may differ from the exact value by about `k·ε·Σₚ|aᵢₚ·bₚⱼ|` (the classic
//! bound for recursive summation, ε = 2⁻²⁴) plus one rounding of `β·cᵢⱼ`. The tolerance below is
//! that bound with a factor of 2 — relative to the size of the terms, not of the result, which
//! may cancel to near zero.
//!
//! Shapes cover 0, 1, primes and non-multiples of every register tile (6×16, 14×32, 8×8, 4×8,
//! 4×4), transposed operands as strided views, padded leading dimensions and non-unit column
//! strides. Determinism: the same product at 1 and 2 threads must agree bit for bit, because
//! work is split over output tiles only, never over k.

mod common;

use common::{cases, fill, layout, Case};
use lepton_kernels::{arch, reference, sgemm_with, Isa, MatMut, MatRef};
use proptest::prelude::*;

fn dim() -> impl Strategy<Value = usize> {
    prop_oneof![
        prop::sample::select(vec![
            0usize, 1, 2, 3, 5, 6, 7, 8, 13, 14, 15, 16, 17, 31, 32, 33, 97, 251, 257, 300
        ]),
        0usize..=300,
    ]
}

/// Runs `case` on `isa` and on the reference; checks every element against the error bound.
fn check(isa: Isa, c: &Case) {
    let (ad, ars, acs) = layout(c.m, c.k, c.ta, c.pad, c.cs, c.seed);
    let (bd, brs, bcs) = layout(c.k, c.n, c.tb, c.pad, c.cs, c.seed ^ 1);
    let (mut cd, crs, ccs) = layout(c.m, c.n, c.tc, c.pad, c.cs, c.seed ^ 2);
    if c.beta == 0.0 {
        // β = 0 must overwrite: poison the old C.
        cd.iter_mut().for_each(|x| *x = f32::NAN);
    }
    let orig = cd.clone();
    let mut expect = cd.clone();
    let a = MatRef::strided(&ad, c.m, c.k, ars, acs);
    let b = MatRef::strided(&bd, c.k, c.n, brs, bcs);
    sgemm_with(
        isa,
        c.alpha,
        a,
        b,
        c.beta,
        MatMut::strided(&mut cd, c.m, c.n, crs, ccs),
    );
    reference::sgemm(
        c.alpha,
        a,
        b,
        c.beta,
        MatMut::strided(&mut expect, c.m, c.n, crs, ccs),
    );
    let eps = f32::EPSILON as f64;
    for i in 0..c.m {
        for j in 0..c.n {
            let idx = i * crs + j * ccs;
            let terms: f64 = (0..c.k)
                .map(|p| (a.at(i, p) as f64 * b.at(p, j) as f64).abs())
                .sum();
            let old = if c.beta == 0.0 {
                0.0
            } else {
                (c.beta as f64 * orig[idx] as f64).abs()
            };
            let tol =
                2.0 * eps * ((c.k as f64 + 2.0) * c.alpha.abs() as f64 * terms + 2.0 * old) + 1e-30;
            let (got, want) = (cd[idx] as f64, expect[idx] as f64);
            assert!(
                (got - want).abs() <= tol,
                "{isa}: C[{i},{j}] = {got}, reference {want}, tolerance {tol:e} ({c:?})"
            );
        }
    }
    // Padding between and after elements is untouched.
    let mut written = vec![false; cd.len()];
    for i in 0..c.m {
        for j in 0..c.n {
            written[i * crs + j * ccs] = true;
        }
    }
    for (idx, w) in written.iter().enumerate() {
        if !w {
            let same = if c.beta == 0.0 {
                cd[idx].is_nan()
            } else {
                cd[idx].to_bits() == orig[idx].to_bits()
            };
            assert!(
                same,
                "{isa}: padding element {idx} of C was written ({c:?})"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_isa_matches_reference(c in cases(dim, dim(), 0.15)) {
        for isa in arch::supported() {
            check(isa, &c);
        }
    }
}

/// LeNet's im2col shapes, forward and both backward products, at batch 4, on every path.
#[test]
fn lenet_shapes_match_reference() {
    let b = 4;
    let shapes = [
        // (m, n, k, ta, tb): forward, dW = dY·colsᵀ, dcols = Wᵀ·dY
        (6, 784 * b, 75, false, false),
        (6, 75, 784 * b, false, true),
        (75, 784 * b, 6, true, false),
        (16, 100 * b, 150, false, false),
        (16, 150, 100 * b, false, true),
        (150, 100 * b, 16, true, false),
        (b, 120, 400, false, true),
        (b, 400, 120, false, false),
        (120, 400, b, true, false),
    ];
    for isa in arch::supported() {
        for (s, &(m, n, k, ta, tb)) in shapes.iter().enumerate() {
            let c = Case {
                m,
                n,
                k,
                ta,
                tb,
                tc: false,
                pad: 0,
                cs: 1,
                alpha: 1.0,
                beta: 0.0,
                seed: s as u64,
            };
            check(isa, &c);
        }
    }
}

/// β = 0 overwrites C, even where C holds NaN or infinity; α = 0 reads neither A nor B.
#[test]
fn beta_zero_overwrites_and_alpha_zero_scales() {
    for isa in arch::supported() {
        let a = vec![1.0f32; 20 * 30];
        let bm = vec![2.0f32; 30 * 40];
        let mut c = vec![f32::NAN; 20 * 40];
        c[7] = f32::INFINITY;
        sgemm_with(
            isa,
            1.0,
            MatRef::row_major(&a, 20, 30),
            MatRef::row_major(&bm, 30, 40),
            0.0,
            MatMut::row_major(&mut c, 20, 40),
        );
        assert!(c.iter().all(|&x| x == 60.0), "{isa}: β = 0 kept old values");

        let nan = vec![f32::NAN; 20 * 30];
        let mut c = vec![3.0f32; 20 * 40];
        sgemm_with(
            isa,
            0.0,
            MatRef::row_major(&nan, 20, 30),
            MatRef::row_major(&bm, 30, 40),
            0.5,
            MatMut::row_major(&mut c, 20, 40),
        );
        assert!(c.iter().all(|&x| x == 1.5), "{isa}: α = 0 read A");
    }
}

/// Large products at 1 and 2 threads give identical bits, on both the blocked and the
/// inner-product paths.
#[test]
fn deterministic_across_thread_counts() {
    let shapes = [
        (301, 517, 700, false, false),
        (16, 150, 6400, false, true),
        (64, 120, 400, false, true),
        (6, 3136, 75, false, false),
        (16, 6400, 150, false, false),
    ];
    for isa in arch::supported() {
        for &(m, n, k, ta, tb) in &shapes {
            let (ad, ars, acs) = layout(m, k, ta, 0, 1, 11);
            let (bd, brs, bcs) = layout(k, n, tb, 0, 1, 12);
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let mut c = fill(13, m * n);
                pool.install(|| {
                    sgemm_with(
                        isa,
                        1.5,
                        MatRef::strided(&ad, m, k, ars, acs),
                        MatRef::strided(&bd, k, n, brs, bcs),
                        0.5,
                        MatMut::row_major(&mut c, m, n),
                    )
                });
                c.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
            };
            assert_eq!(
                run(1),
                run(2),
                "{isa}: {m}x{n}x{k} differs between 1 and 2 threads"
            );
        }
    }
}

#[test]
#[should_panic(expected = "needs more than the")]
fn short_slice_panics() {
    let a = vec![0.0f32; 11];
    let _ = MatRef::row_major(&a, 3, 4);
}

#[test]
#[should_panic(expected = "shapes do not agree")]
fn shape_mismatch_panics() {
    let a = vec![0.0f32; 12];
    let b = vec![0.0f32; 15];
    let mut c = vec![0.0f32; 15];
    lepton_kernels::sgemm(
        1.0,
        MatRef::row_major(&a, 3, 4),
        MatRef::row_major(&b, 3, 5),
        0.0,
        MatMut::row_major(&mut c, 3, 5),
    );
}

#[test]
#[should_panic(expected = "overlap")]
fn overlapping_output_panics() {
    let mut c = vec![0.0f32; 16];
    let _ = MatMut::strided(&mut c, 4, 4, 1, 1);
}

#[test]
#[should_panic(expected = "needs more than the")]
fn bad_stride_panics() {
    let a = vec![0.0f32; 12];
    let _ = MatRef::strided(&a, 3, 4, 5, 1);
}

/// An element's value does not depend on which register tile it falls in: shifting A down by
/// one row moves rows between full tiles (the AVX2 whole-tile assembly kernel) and the ragged
/// last row panel, and shifting B right by one column moves columns between full tiles and the
/// ragged last column panel (the gathered edge update); every element must keep its bits.
/// Deep enough for the assembly depth loop (k > 32, with a remainder of the 4-step unrolling),
/// wide enough for the blocked path; β = 0 (C poisoned), β = 1 and β = −0.7 (where a fused
/// `fma(C, β, α·acc)` and an unfused `β·C + α·acc` round differently). On AVX2, 50 columns
/// take the 6 × 16 tile and 72 the 4 × 24 one (for every shifted shape too).
#[test]
fn elements_bit_identical_in_full_and_edge_tiles() {
    let (m, k) = (40, 103);
    for (n, isa) in [50, 72]
        .into_iter()
        .flat_map(|n| arch::supported().into_iter().map(move |isa| (n, isa)))
    {
        let a = fill(21, m * k);
        let b = fill(22, k * n);
        // A with an extra first row; B with an extra first column.
        let mut a_down = fill(24, k);
        a_down.extend_from_slice(&a);
        let extra = fill(25, k);
        let b_right: Vec<f32> = (0..k)
            .flat_map(|p| std::iter::once(extra[p]).chain(b[p * n..(p + 1) * n].iter().copied()))
            .collect();
        let c0 = fill(23, (m + 1) * (n + 1));
        for beta in [0.0f32, 1.0, -0.7] {
            // C[i][j] for i < rows, j < cols, initialised from c0 at (i + i0, j + j0).
            let run = |a: &[f32], b: &[f32], rows: usize, cols: usize, i0: usize, j0: usize| {
                let mut c: Vec<f32> = (0..rows * cols)
                    .map(|x| c0[(x / cols + i0) * (n + 1) + x % cols + j0])
                    .collect();
                if beta == 0.0 {
                    c.iter_mut().for_each(|x| *x = f32::NAN);
                }
                sgemm_with(
                    isa,
                    2.5,
                    MatRef::row_major(a, rows, k),
                    MatRef::row_major(b, k, cols),
                    beta,
                    MatMut::row_major(&mut c, rows, cols),
                );
                c.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
            };
            let plain = run(&a, &b, m, n, 1, 1);
            let down = run(&a_down, &b, m + 1, n, 0, 1);
            assert_eq!(
                plain,
                down[n..],
                "{isa}, n = {n}, β = {beta}: a row depends on its tile"
            );
            let right = run(&a, &b_right, m, n + 1, 1, 0);
            for i in 0..m {
                assert_eq!(
                    plain[i * n..(i + 1) * n],
                    right[i * (n + 1) + 1..(i + 1) * (n + 1)],
                    "{isa}, n = {n}, β = {beta}, row {i}: a column depends on its tile"
                );
            }
        }
    }
}

/// A C with fewer columns than the register tile is wide is computed as `Cᵀ = Bᵀ·Aᵀ` (less
/// padding); swapping the factors of every product does not change an FMA, so a column's
/// bits do not depend on how many columns the product has: the first 1, 2, 3, 5 and 9 columns
/// of a 70 × 40 × 300 product (two depth blocks) equal the products over those columns of B
/// alone, for β = 0 (C poisoned), 1 and −0.7, on every ISA. On AVX2 the products take both
/// register tiles (6 × 16 and 4 × 24), in both orientations: this also checks that the two
/// tiles share their depth blocks (with the 4 × 24 tile's own, 192 steps, it failed).
#[test]
fn narrow_products_equal_the_columns_of_wide_ones() {
    let (m, n, k) = (70, 40, 300);
    let a = fill(31, m * k);
    let b = fill(32, k * n);
    let c0 = fill(33, m * n);
    for isa in arch::supported() {
        for beta in [0.0f32, 1.0, -0.7] {
            let run = |cols: usize| {
                let mut c: Vec<f32> = (0..m * cols)
                    .map(|x| {
                        if beta == 0.0 {
                            f32::NAN
                        } else {
                            c0[x / cols * n + x % cols]
                        }
                    })
                    .collect();
                sgemm_with(
                    isa,
                    1.5,
                    MatRef::row_major(&a, m, k),
                    MatRef::strided(&b, k, cols, n, 1),
                    beta,
                    MatMut::row_major(&mut c, m, cols),
                );
                c.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
            };
            let wide = run(n);
            for cols in [1, 2, 3, 5, 9] {
                let narrow = run(cols);
                for i in 0..m {
                    assert_eq!(
                        narrow[i * cols..(i + 1) * cols],
                        wide[i * n..i * n + cols],
                        "{isa}, β = {beta}, {cols} columns: row {i} differs"
                    );
                }
            }
        }
    }
}

/// A dense layer's forward product `X·Wᵀ` (X: a batch of rows, W: the layer's weights, both
/// contiguous along the depth) sums each row of C in an order that does not depend on how many
/// rows the batch has, up to 32 rows (the inner-product path and, for a layer at least 128
/// wide on AVX2, the skinny path): row 0 of a product with 2…32 rows equals, bit for bit, the
/// product of that row alone — also for depths of several depth chunks, where the chunk length
/// once depended on the number of rows (rows 27–32 of a 120-wide layer over depth 400 came out
/// different). On every ISA; features extracted in batches of any size up to 32 agree.
#[test]
fn rows_of_a_batch_do_not_depend_on_its_size() {
    for isa in arch::supported() {
        for (width, k) in [(120, 400), (120, 1000), (84, 3000), (200, 5000), (10, 700)] {
            let w = fill(41, width * k);
            let x = fill(42, 32 * k);
            let run = |rows: usize| {
                let mut c = vec![f32::NAN; rows * width];
                sgemm_with(
                    isa,
                    1.0,
                    MatRef::row_major(&x[..rows * k], rows, k),
                    MatRef::row_major(&w, width, k).t(),
                    0.0,
                    MatMut::row_major(&mut c, rows, width),
                );
                c[..width].iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
            };
            let alone = run(1);
            for rows in 2..=32 {
                assert_eq!(
                    run(rows),
                    alone,
                    "{isa}: layer {width} wide, depth {k}: row 0 of a batch of {rows} differs"
                );
            }
        }
    }
}
