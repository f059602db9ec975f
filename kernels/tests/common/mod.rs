//! Helpers shared by the GEMM test files: a seeded value generator, strided operand storage and
//! the random product cases of the property tests. (Each test file uses some of them.)
#![allow(dead_code)]

use proptest::prelude::*;

/// A tiny deterministic generator of values in [-1, 1].
pub fn fill(seed: u64, len: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Storage for a `rows × cols` operand: transposed or not, with a padded leading dimension and
/// a column stride `cs`. Returns (data, row_stride, col_stride).
pub fn layout(
    rows: usize,
    cols: usize,
    trans: bool,
    pad: usize,
    cs: usize,
    seed: u64,
) -> (Vec<f32>, usize, usize) {
    // Stored as an `sr × sc` matrix (the transpose if `trans`), element (i, j) at i·ld + j·cs.
    let (sr, sc) = if trans { (cols, rows) } else { (rows, cols) };
    let ld = sc * cs + pad;
    let len = if sr == 0 || sc == 0 {
        pad
    } else {
        (sr - 1) * ld + (sc - 1) * cs + 1 + pad
    };
    let data = fill(seed, len);
    if trans {
        (data, cs, ld)
    } else {
        (data, ld, cs)
    }
}

/// One product `C = α·op(A)·op(B) + β·C`: `m × n × k`, A and B transposed or not (`ta`, `tb`),
/// C stored column-major or not (`tc`), `pad` extra values per stored line, column stride `cs`,
/// and the seed of the operands' values.
#[derive(Debug, Clone)]
pub struct Case {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub ta: bool,
    pub tb: bool,
    pub tc: bool,
    pub pad: usize,
    pub cs: usize,
    pub alpha: f32,
    pub beta: f32,
    pub seed: u64,
}

/// Random cases with sides drawn from `side()` (m and n independently), depths from `depth`, C column-major with probability
/// `p_tc`, padding 0/3/17, column strides 1 or 2, α ∈ {1, 0, −0.5, 2.5}, β ∈ {0, 1, 0.75, −2}.
pub fn cases<S: Strategy<Value = usize>>(
    side: impl Fn() -> S,
    depth: impl Strategy<Value = usize>,
    p_tc: f64,
) -> impl Strategy<Value = Case> {
    (
        (side(), side(), depth),
        (any::<bool>(), any::<bool>(), prop::bool::weighted(p_tc)),
        (
            prop::sample::select(vec![0usize, 0, 3, 17]),
            prop::sample::select(vec![1usize, 1, 1, 2]),
        ),
        prop::sample::select(vec![1.0f32, 0.0, -0.5, 2.5]),
        prop::sample::select(vec![0.0f32, 1.0, 0.75, -2.0]),
        any::<u64>(),
    )
        .prop_map(
            |((m, n, k), (ta, tb, tc), (pad, cs), alpha, beta, seed)| Case {
                m,
                n,
                k,
                ta,
                tb,
                tc,
                pad,
                cs,
                alpha,
                beta,
                seed,
            },
        )
}
