//! The blocked AVX2 path computes every element of C as one documented chain of f32 operations.
//!
//! For a depth `k` within one depth block (k ≤ KC), element `(i, j)` is
//!
//! ```text
//! acc = 0;  for p in 0..k { acc = fma(a[i][p], b[p][j], acc) }      (fused, in order of p)
//! c[i][j] = acc·α                  if β = 0 (the old C is not read)
//! c[i][j] = fma(c[i][j], β, acc·α) otherwise
//! ```
//!
//! whichever register tile, kernel (compiler-scheduled or assembly, one tile per call or many
//! side by side) and prefetch pattern computes it. This file checks that bit for bit against
//! the chain written out in scalar code (`f32::mul_add`), on the shapes that take the whole-tile
//! kernels over B read in place: a single row panel at depth > 32 (fc1's input gradient, 4 × 400
//! × 120 on the 4 × 24 tile; 6 rows on the 6 × 16 tile) and shallow products with many row
//! panels (conv2's input gradient `Aᵀ·B`, depth 16) — and deep ones over a packed B — with
//! ragged last column panels (8 or 16 columns: read in place by a narrower tile; others:
//! copied), padded row strides of B and C, a B whose rows all coincide (row stride 0), α = 1
//! (where the kernels skip the multiplication) and α, β ∉ {0, 1}. The reference tolerance test (`gemm.rs`) cannot
//! see a reordered sum; this one can.
//!
//! AVX2 only: the portable and scalar paths multiply and add unfused, and AVX-512 could not be
//! run here.

mod common;

use common::fill;
use lepton_kernels::{arch, sgemm_with, Isa, MatMut, MatRef};

/// One product: `m × n × k`, A used transposed or not, B and C with padded row strides (B's
/// row stride 0 when `b_pad` is `usize::MAX`: every row the same).
struct Shape {
    m: usize,
    n: usize,
    k: usize,
    trans_a: bool,
    b_pad: usize,
    c_pad: usize,
}

/// Runs `shape` on AVX2 and compares every element of C (and the padding between C's rows,
/// which must be untouched) with the scalar chain.
fn check(s: &Shape, alpha: f32, beta: f32, seed: u64) {
    let (m, n, k) = (s.m, s.n, s.k);
    let a_data = fill(seed, m * k);
    let (a, a_at): (MatRef<'_>, Box<dyn Fn(usize, usize) -> f32>) = if s.trans_a {
        // A stored k × m, used as its transpose.
        let a = MatRef::row_major(&a_data, k, m).t();
        (a, Box::new(|i, p| a_data[p * m + i]))
    } else {
        let a = MatRef::row_major(&a_data, m, k);
        (a, Box::new(|i, p| a_data[i * k + p]))
    };
    let b_rs = if s.b_pad == usize::MAX {
        0
    } else {
        n + s.b_pad
    };
    let b_data = fill(seed ^ 1, (k - 1) * b_rs + n);
    let b = MatRef::strided(&b_data, k, n, b_rs, 1);
    let c_rs = n + s.c_pad;
    let mut c_data = fill(seed ^ 2, m * c_rs);
    if beta == 0.0 {
        // β = 0 must overwrite: poison C (its padding too, which must stay as it is).
        c_data.iter_mut().for_each(|x| *x = f32::NAN);
    }
    let old = c_data.clone();
    sgemm_with(
        Isa::Avx2,
        alpha,
        a,
        b,
        beta,
        MatMut::strided(&mut c_data, m, n, c_rs, 1),
    );
    for i in 0..m {
        for j in 0..c_rs {
            let got = c_data[i * c_rs + j];
            let want = if j < n {
                let mut acc = 0.0f32;
                for p in 0..k {
                    acc = a_at(i, p).mul_add(b_data[p * b_rs + j], acc);
                }
                if beta == 0.0 {
                    acc * alpha
                } else {
                    old[i * c_rs + j].mul_add(beta, acc * alpha)
                }
            } else {
                old[i * c_rs + j]
            };
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{m}×{n}×{k} (Aᵀ: {}, B pad {}, C pad {}), α = {alpha}, β = {beta}: \
                 element ({i}, {j}) is {got}, the chain gives {want}",
                s.trans_a,
                s.b_pad,
                s.c_pad
            );
        }
    }
}

#[test]
fn blocked_avx2_elements_are_the_documented_fma_chain() {
    if !arch::supported().contains(&Isa::Avx2) {
        eprintln!("skipped: this CPU has no AVX2 + FMA");
        return;
    }
    let shapes = [
        // fc1's input gradient at batch 4: 4 × 24 tile, one row panel, 16 full tiles and a
        // ragged 16-column panel; and with padded strides.
        Shape {
            m: 4,
            n: 400,
            k: 120,
            trans_a: false,
            b_pad: 0,
            c_pad: 0,
        },
        Shape {
            m: 4,
            n: 100,
            k: 37,
            trans_a: false,
            b_pad: 5,
            c_pad: 3,
        },
        // 6 × 16 tile, one row panel, deep (conv1's forward product at a small width).
        Shape {
            m: 4,
            n: 40,
            k: 50,
            trans_a: false,
            b_pad: usize::MAX,
            c_pad: 0,
        },
        Shape {
            m: 6,
            n: 100,
            k: 75,
            trans_a: false,
            b_pad: 0,
            c_pad: 0,
        },
        Shape {
            m: 6,
            n: 64,
            k: 33,
            trans_a: false,
            b_pad: 7,
            c_pad: 1,
        },
        // A single row panel shorter than the tile (ragged rows: one tile per call).
        Shape {
            m: 3,
            n: 80,
            k: 50,
            trans_a: false,
            b_pad: 0,
            c_pad: 2,
        },
        // Shallow `Aᵀ·B` with many row panels (conv2's input gradient), whole and ragged.
        Shape {
            m: 150,
            n: 400,
            k: 16,
            trans_a: true,
            b_pad: 0,
            c_pad: 0,
        },
        Shape {
            m: 40,
            n: 103,
            k: 5,
            trans_a: true,
            b_pad: 9,
            c_pad: 4,
        },
        // Deep products with a few row panels over an in-place B too large for the skinny path,
        // walked down each panel, ragged last panels of 16 (4 × 24 tile) and 8 columns (6 × 16)
        // read in place by the narrower tiles.
        Shape {
            m: 20,
            n: 1624,
            k: 40,
            trans_a: false,
            b_pad: 0,
            c_pad: 0,
        },
        Shape {
            m: 18,
            n: 1608,
            k: 48,
            trans_a: false,
            b_pad: 0,
            c_pad: 1,
        },
        // Deep products over a packed B: whole tiles down the row panels in one call (the
        // 4 × 24 and the 6 × 16 tile), with ragged rows and columns.
        Shape {
            m: 40,
            n: 72,
            k: 103,
            trans_a: false,
            b_pad: 0,
            c_pad: 0,
        },
        Shape {
            m: 61,
            n: 50,
            k: 70,
            trans_a: true,
            b_pad: 2,
            c_pad: 3,
        },
        // Shallow on the 4 × 24 tile (8 rows × 200 columns pads less than 6 × 16).
        Shape {
            m: 8,
            n: 200,
            k: 16,
            trans_a: false,
            b_pad: 0,
            c_pad: 0,
        },
        Shape {
            m: 8,
            n: 97,
            k: 32,
            trans_a: false,
            b_pad: 3,
            c_pad: 5,
        },
    ];
    for (t, s) in shapes.iter().enumerate() {
        for (alpha, beta) in [(1.0f32, 0.0f32), (2.5, 0.0), (1.0, 1.0), (-1.5, -0.7)] {
            check(s, alpha, beta, t as u64 * 17 + 3);
        }
    }
}
