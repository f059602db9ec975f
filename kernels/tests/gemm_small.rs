//! Small products: `C ← α·op(A)·op(B) + β·C` with a small C and a depth of at most 256 — the
//! shapes of the AVX2 small-product path (at most 2¹⁸ flops, no packing), and around it.
//!
//! Three properties:
//!
//! 1. **Against the math.** On every instruction-set path the CPU runs, each element is within
//!    `2ε·((k + 2)·|α|·Σₚ|aᵢₚ·bₚⱼ| + 2·|β·cᵢⱼ|)` of `reference::sgemm` (f64 accumulation; the
//!    bound of recursive f32 summation with a factor of 2, as in `gemm.rs`), and nothing
//!    outside C is written.
//! 2. **The documented chain, bit for bit (AVX2).** For `k ≤ 256`, outside the inner-product
//!    path's layout (A and B both contiguous along the depth with `k ≥ 64`, whose dot products
//!    sum in another order), element `(i, j)` is
//!
//!    ```text
//!    acc = 0;  for p in 0..k { acc = fma(a[i][p], b[p][j], acc) }      (fused, in order of p)
//!    c[i][j] = acc·α                  if β = 0 (the old C is not read: a NaN there is gone)
//!    c[i][j] = fma(c[i][j], β, acc·α) otherwise
//!    ```
//!
//!    (with α = 0, `C = β·C` and A and B are not read), whether the product takes the small path, the blocked path or another — so the path a
//!    shape takes never changes its bits. Checked against that chain written out in scalar
//!    code (`f32::mul_add`), over random small shapes, all four transposes, a column-major C
//!    (computed as `Cᵀ = Bᵀ·Aᵀ`), padded strides, α and β including 0 and 1, and NaN in C
//!    with β = 0.
//! 3. **Same bits on both sides of the size threshold (AVX2).** The first rows (or columns) of
//!    a product too large for the small path equal, bit for bit, the small product of those
//!    rows (columns) alone.
//!
//! (The portable and scalar paths multiply and add unfused and keep their routing; property 1
//! covers them. This file passes with `LEPTON_ISA=portable` or `scalar` set too.)

mod common;

use common::{cases, fill, layout, Case};
use lepton_kernels::{arch, reference, sgemm, sgemm_with, Isa, MatMut, MatRef};
use proptest::prelude::*;

/// Output sides: the tile edges (6, 8, 16) and their neighbours, and anything up to 70.
fn side() -> impl Strategy<Value = usize> {
    prop_oneof![
        prop::sample::select(vec![1usize, 2, 3, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24, 33]),
        1usize..=70,
    ]
}

/// Depths: mostly shallow, some up to the small path's 256.
fn depth() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => 1usize..=16,
        1 => prop::sample::select(vec![31usize, 63, 64, 65, 100, 255, 256]),
        1 => 17usize..=256,
    ]
}

/// The operands of `c`, and C (NaN everywhere when β = 0, padding included).
struct Operands {
    a: (Vec<f32>, usize, usize),
    b: (Vec<f32>, usize, usize),
    c: (Vec<f32>, usize, usize),
}

fn operands(c: &Case) -> Operands {
    let a = layout(c.m, c.k, c.ta, c.pad, c.cs, c.seed);
    let b = layout(c.k, c.n, c.tb, c.pad, c.cs, c.seed ^ 1);
    let mut cc = layout(c.m, c.n, c.tc, c.pad, c.cs, c.seed ^ 2);
    if c.beta == 0.0 {
        cc.0.iter_mut().for_each(|x| *x = f32::NAN);
    }
    Operands { a, b, c: cc }
}

/// Runs `case` with `run` (an sgemm) and returns C's storage and the operands.
fn compute(c: &Case, run: impl Fn(MatRef<'_>, MatRef<'_>, MatMut<'_>)) -> (Vec<f32>, Operands) {
    let ops = operands(c);
    let mut out = ops.c.0.clone();
    let a = MatRef::strided(&ops.a.0, c.m, c.k, ops.a.1, ops.a.2);
    let b = MatRef::strided(&ops.b.0, c.k, c.n, ops.b.1, ops.b.2);
    run(a, b, MatMut::strided(&mut out, c.m, c.n, ops.c.1, ops.c.2));
    (out, ops)
}

/// Property 1 for one ISA (`None`: the active one, through `sgemm`).
fn check_reference(isa: Option<Isa>, c: &Case) {
    let (got, ops) = compute(c, |a, b, out| match isa {
        Some(isa) => sgemm_with(isa, c.alpha, a, b, c.beta, out),
        None => sgemm(c.alpha, a, b, c.beta, out),
    });
    let a = MatRef::strided(&ops.a.0, c.m, c.k, ops.a.1, ops.a.2);
    let b = MatRef::strided(&ops.b.0, c.k, c.n, ops.b.1, ops.b.2);
    let (orig, crs, ccs) = (&ops.c.0, ops.c.1, ops.c.2);
    let mut want = orig.clone();
    reference::sgemm(
        c.alpha,
        a,
        b,
        c.beta,
        MatMut::strided(&mut want, c.m, c.n, crs, ccs),
    );
    let eps = f32::EPSILON as f64;
    let mut written = vec![false; got.len()];
    for i in 0..c.m {
        for j in 0..c.n {
            let idx = i * crs + j * ccs;
            written[idx] = true;
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
            let (g, w) = (got[idx] as f64, want[idx] as f64);
            assert!(
                (g - w).abs() <= tol,
                "{isa:?}: C[{i},{j}] = {g}, reference {w}, tolerance {tol:e} ({c:?})"
            );
        }
    }
    for (idx, w) in written.iter().enumerate() {
        assert!(
            *w || got[idx].to_bits() == orig[idx].to_bits(),
            "{isa:?}: element {idx} outside C was written ({c:?})"
        );
    }
}

/// Whether the layout is the inner-product path's (A and B contiguous along the depth, deep):
/// its elements are dot products summed in another order, so property 2 does not apply.
fn inner_product_layout(c: &Case) -> bool {
    // The column stride of A and the row stride of B, as `layout` lays them out.
    let a_cs = if c.ta { c.m * c.cs + c.pad } else { c.cs };
    let b_rs = if c.tb { c.cs } else { c.n * c.cs + c.pad };
    c.k >= 64 && a_cs == 1 && b_rs == 1
}

/// Property 2: every element of C (AVX2) is the documented FMA chain, bit for bit; nothing
/// outside C changes.
fn check_chain(c: &Case) {
    let (got, ops) = compute(c, |a, b, out| {
        sgemm_with(Isa::Avx2, c.alpha, a, b, c.beta, out)
    });
    let a = MatRef::strided(&ops.a.0, c.m, c.k, ops.a.1, ops.a.2);
    let b = MatRef::strided(&ops.b.0, c.k, c.n, ops.b.1, ops.b.2);
    let (orig, crs, ccs) = (&ops.c.0, ops.c.1, ops.c.2);
    let mut written = vec![false; got.len()];
    for i in 0..c.m {
        for j in 0..c.n {
            let idx = i * crs + j * ccs;
            written[idx] = true;
            let mut acc = 0.0f32;
            for p in 0..c.k {
                acc = a.at(i, p).mul_add(b.at(p, j), acc);
            }
            let want = if c.alpha == 0.0 {
                // α = 0: C = β·C, A and B not read (BLAS).
                if c.beta == 0.0 {
                    0.0
                } else {
                    c.beta * orig[idx]
                }
            } else if c.beta == 0.0 {
                acc * c.alpha
            } else {
                orig[idx].mul_add(c.beta, acc * c.alpha)
            };
            assert_eq!(
                got[idx].to_bits(),
                want.to_bits(),
                "C[{i},{j}] = {}, the chain gives {want} ({c:?})",
                got[idx]
            );
        }
    }
    for (idx, w) in written.iter().enumerate() {
        assert!(
            *w || got[idx].to_bits() == orig[idx].to_bits(),
            "element {idx} outside C was written ({c:?})"
        );
    }
}

fn has_avx2() -> bool {
    arch::supported().contains(&Isa::Avx2)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn small_products_match_the_reference_on_every_path(c in cases(side, depth(), 0.25)) {
        for isa in arch::supported() {
            check_reference(Some(isa), &c);
        }
        check_reference(None, &c);
    }

    #[test]
    fn small_products_are_the_documented_fma_chain(c in cases(side, depth(), 0.25)) {
        if has_avx2() && !inner_product_layout(&c) {
            check_chain(&c);
        }
    }
}

/// The chain on hand-picked shapes: tiny squares, a single element, one row or column (a
/// column-major C of one row, a row-major C of one column), the shapes of issue 2's sweep,
/// ragged 1–15-column blocks, and every transpose, with NaN in C under β = 0.
#[test]
fn chosen_small_shapes_are_the_documented_fma_chain() {
    if !has_avx2() {
        eprintln!("skipped: this CPU has no AVX2 + FMA");
        return;
    }
    let shapes = [
        (8, 8, 8),
        (16, 16, 16),
        (32, 32, 32),
        (1, 1, 1),
        (1, 37, 5),
        (37, 1, 5),
        (3, 28, 2),
        (67, 102, 3),
        (71, 98, 3),
        (40, 17, 11),
        (127, 14, 5),
        (10, 42, 12),
        (120, 42, 12),
        (5, 15, 256),
        (7, 9, 200),
    ];
    let mut seed = 11;
    for &(m, n, k) in &shapes {
        for (ta, tb, tc) in [
            (false, false, false),
            (true, false, false),
            (false, true, false),
            (true, true, false),
            (false, false, true),
            (false, true, true),
        ] {
            for (alpha, beta) in [(1.0, 0.0), (-0.5, 0.0), (1.0, 1.0), (2.5, -2.0)] {
                seed += 1;
                let c = Case {
                    m,
                    n,
                    k,
                    ta,
                    tb,
                    tc,
                    pad: 3,
                    cs: 1,
                    alpha,
                    beta,
                    seed,
                };
                if !inner_product_layout(&c) {
                    check_chain(&c);
                }
            }
        }
    }
}

/// Property 3: a product too large for the small path (2·M·n·k > 2¹⁸ flops, here about 2²¹)
/// agrees bit for bit, in its first `m` rows, with the small `m × n × k` product of those rows;
/// and likewise for the first `n` columns of a wide product.
#[test]
fn small_products_equal_the_leading_rows_and_columns_of_large_ones() {
    if !has_avx2() {
        eprintln!("skipped: this CPU has no AVX2 + FMA");
        return;
    }
    for &(m, n, k) in &[
        (3, 28, 2),
        (40, 17, 11),
        (10, 42, 12),
        (7, 30, 45),
        (20, 13, 150),
    ] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            if k >= 64 && !ta && tb {
                continue; // the inner-product layout
            }
            for beta in [0.0f32, 0.5] {
                // Rows: A is big_m × k (its first m rows are the small A), B shared.
                let big_m = (1 << 21) / (2 * n * k) + m;
                let big_n = (1 << 21) / (2 * m * k) + n;
                let a = fill(m as u64 * 7 + k as u64, big_m * k);
                let b = fill(n as u64 * 5 + k as u64, k * big_n);
                let b_view = |keep_cols: usize| {
                    // The first `keep_cols` columns of the k × big_n B.
                    if tb {
                        MatRef::strided(&b, k, keep_cols, 1, k)
                    } else {
                        MatRef::strided(&b, k, keep_cols, big_n, 1)
                    }
                };
                // The whole big_m × k A, and its first m rows.
                let (a_all, a_top) = if ta {
                    (
                        MatRef::strided(&a, big_m, k, 1, big_m),
                        MatRef::strided(&a, m, k, 1, big_m),
                    )
                } else {
                    (
                        MatRef::strided(&a, big_m, k, k, 1),
                        MatRef::strided(&a, m, k, k, 1),
                    )
                };
                // Tall: big_m × n.
                let mut tall = fill(99, big_m * n);
                let mut short = tall[..m * n].to_vec();
                sgemm_with(
                    Isa::Avx2,
                    1.5,
                    a_all,
                    b_view(n),
                    beta,
                    MatMut::row_major(&mut tall, big_m, n),
                );
                sgemm_with(
                    Isa::Avx2,
                    1.5,
                    a_top,
                    b_view(n),
                    beta,
                    MatMut::row_major(&mut short, m, n),
                );
                assert!(
                    tall[..m * n]
                        .iter()
                        .zip(&short)
                        .all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{m}×{n}×{k} (Aᵀ {ta}, Bᵀ {tb}, β {beta}): rows of {big_m}×{n}×{k} differ"
                );
                // Wide: m × big_n, C rows big_n apart; the small product writes the first n
                // columns of each row.
                let mut wide = fill(98, m * big_n);
                let mut narrow = wide.clone();
                sgemm_with(
                    Isa::Avx2,
                    1.5,
                    a_top,
                    b_view(big_n),
                    beta,
                    MatMut::row_major(&mut wide, m, big_n),
                );
                sgemm_with(
                    Isa::Avx2,
                    1.5,
                    a_top,
                    b_view(n),
                    beta,
                    MatMut::strided(&mut narrow, m, n, big_n, 1),
                );
                for i in 0..m {
                    for j in 0..n {
                        assert_eq!(
                            wide[i * big_n + j].to_bits(),
                            narrow[i * big_n + j].to_bits(),
                            "{m}×{n}×{k} (Aᵀ {ta}, Bᵀ {tb}, β {beta}): ({i}, {j}) of \
                             {m}×{big_n}×{k} differs"
                        );
                    }
                }
            }
        }
    }
}

/// Property 4 (AVX2): a small product of the inner-product path's layout (`A·Bᵀ`, both
/// contiguous along the depth, `64 ≤ k ≤ 256`, a short side of at most 32 and a long side
/// under 128) is the documented lane-parallel dot product, bit for bit: eight lane sums
/// `sₗ = Σ fma(a[i][q], b[q][j], ·)` over q ≡ l (mod 8), q < p = ⌊k/8⌋·8, in order of q;
/// reduced as `((s₀+s₄) + (s₂+s₆)) + ((s₁+s₅) + (s₃+s₇))`; then the tail `x = a·b + x`
/// (unfused) for q = p, …, k−1; then `α·x` (β = 0) or `β·c + α·x`.
#[test]
fn small_inner_products_are_the_documented_dot_product() {
    if !has_avx2() {
        eprintln!("skipped: this CPU has no AVX2 + FMA");
        return;
    }
    let mut seed = 5;
    for &(m, n, k) in &[
        (70, 11, 87),
        (11, 70, 87),
        (3, 5, 64),
        (32, 100, 71),
        (7, 9, 255),
        (1, 40, 100),
        (20, 3, 199),
        (13, 13, 256),
    ] {
        for (alpha, beta) in [(1.0f32, 0.0f32), (-0.5, 0.0), (1.0, 1.0), (2.5, -2.0)] {
            seed += 1;
            let a = fill(seed, m * k);
            let bt = fill(seed ^ 1, n * k); // Bᵀ, n × k row-major
            let mut c = fill(seed ^ 2, m * n);
            if beta == 0.0 {
                c.iter_mut().for_each(|x| *x = f32::NAN);
            }
            let old = c.clone();
            sgemm_with(
                Isa::Avx2,
                alpha,
                MatRef::row_major(&a, m, k),
                MatRef::row_major(&bt, n, k).t(),
                beta,
                MatMut::row_major(&mut c, m, n),
            );
            let p = k / 8 * 8;
            for i in 0..m {
                for j in 0..n {
                    let (ai, bj) = (&a[i * k..(i + 1) * k], &bt[j * k..(j + 1) * k]);
                    let mut s = [0.0f32; 8];
                    for q in 0..p {
                        s[q % 8] = ai[q].mul_add(bj[q], s[q % 8]);
                    }
                    let mut x = ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
                    for q in p..k {
                        x += ai[q] * bj[q];
                    }
                    let want = if beta == 0.0 {
                        alpha * x
                    } else {
                        beta * old[i * n + j] + alpha * x
                    };
                    assert_eq!(
                        c[i * n + j].to_bits(),
                        want.to_bits(),
                        "{m}×{n}×{k} α {alpha} β {beta}: ({i}, {j}) is {}, the dot product gives {want}",
                        c[i * n + j]
                    );
                }
            }
        }
    }
}
