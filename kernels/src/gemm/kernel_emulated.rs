//! The AVX-512F microkernels' geometry, run without AVX-512 (test builds only).
//!
//! `kernel_avx512.rs` instantiates the generic bodies with `__m512`: the 14 × 32 register tile
//! (MR = 14 rows, two 16-lane registers per row) and 16-lane dot products, under the block sizes
//! of [`super::blocking`]`(Isa::Avx512)`. This CPU has no AVX-512 (nor does QEMU's TCG emulate
//! it), so [`Emulated512`] instantiates the *same* bodies with [`Lanes16`] — sixteen f32 lanes in
//! plain arithmetic with a fused multiply-add — and reports [`Isa::Avx512`], so [`super::run`]
//! takes every decision an AVX-512 CPU takes: the path by shape, blocking, packing (with the
//! AVX2 transposes an AVX-512 CPU also runs), edge tiles, whole-tile calls across and down, the
//! thread split. Only the 1:1 intrinsic mapping of `simd/avx512.rs` is not executed.
//!
//! The tests check, over random shapes, transposes, padded strides and α, β ∈ {0, 1, other}:
//! 1. every element against the f64 reference within `k·ε·Σₚ|aᵢₚ·bₚⱼ|` (+ one rounding of
//!    `β·cᵢⱼ`), ε = 2⁻²⁴ — the bound for recursive summation;
//! 2. bit for bit against the sum each path documents, written out in scalar code. On the
//!    blocked path, for k within one depth block (k ≤ KC = 192 at this geometry):
//!    `acc = 0; acc = fma(aᵢₚ, bₚⱼ, acc)` for p = 0, 1, …, then `acc·α` (β = 0: C not read, a NaN
//!    in it does not survive) or `fma(cᵢⱼ, β, acc·α)`. On the inner-product path (a short side
//!    ≤ 32, both operands contiguous along k ≥ 64), for k ≤ 256: sixteen lane sums
//!    `sₗ = Σ fma` over p ≡ l (mod 16) below `16·⌊k/16⌋`, added pairwise (lane l + 8 into l,
//!    then + 4, + 2, + 1), the tail p ≥ 16·⌊k/16⌋ added unfused in order, then `α·x` or
//!    `β·cᵢⱼ + α·x`;
//! 3. a product large enough to run on threads gives the same bits on 1 and 2 threads.

use super::microkernel::{
    dot_tile_body, tile_body, GenericSteps, Microkernel, TileArgs, DOT_R, DOT_S,
};
use crate::arch::Isa;
use crate::simd::emulated::Lanes16;

/// The AVX-512F kernel family's geometry on [`Lanes16`].
pub(crate) struct Emulated512;

impl Microkernel for Emulated512 {
    const ISA: Isa = Isa::Avx512;
    const MR: usize = 14;
    const NR: usize = 32;

    unsafe fn tile(args: &TileArgs) {
        // SAFETY: forwarded contract of `Microkernel::tile` (no ISA needed: plain arithmetic).
        unsafe { tile_body::<Lanes16, 14, 2, GenericSteps>(args) }
    }

    unsafe fn dot_tile(
        kc: usize,
        a: &[*const f32; DOT_R],
        b: &[*const f32; DOT_S],
        out: &mut [f32; DOT_R * DOT_S],
    ) {
        // SAFETY: forwarded contract of `Microkernel::dot_tile`.
        unsafe { dot_tile_body::<Lanes16>(kc, a, b, out) }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{blocking, inner_product, kernel_avx512::Avx512, run, MatMut, MatRef};
    use super::*;

    /// A small deterministic generator (xorshift) of values in [-1, 1].
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn value(&mut self) -> f32 {
            ((self.next() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }
        fn fill(&mut self, len: usize) -> Vec<f32> {
            (0..len).map(|_| self.value()).collect()
        }
    }

    /// One product: `C = α·op(A)·op(B) + β·C` with op(A) `m × k`, op(B) `k × n`, each operand
    /// stored row-major (transposed when `trans_*`) with `pad` extra elements per stored row.
    #[derive(Debug, Clone, Copy)]
    struct Case {
        m: usize,
        n: usize,
        k: usize,
        trans_a: bool,
        trans_b: bool,
        pad: usize,
        alpha: f32,
        beta: f32,
    }

    struct Operands {
        a: Vec<f32>,
        b: Vec<f32>,
        c: Vec<f32>,
        /// Row strides of the stored A, B and C.
        lda: usize,
        ldb: usize,
        ldc: usize,
    }

    impl Case {
        fn operands(&self, rng: &mut Rng) -> Operands {
            let (ar, ac) = if self.trans_a {
                (self.k, self.m)
            } else {
                (self.m, self.k)
            };
            let (br, bc) = if self.trans_b {
                (self.n, self.k)
            } else {
                (self.k, self.n)
            };
            let (lda, ldb, ldc) = (ac + self.pad, bc + self.pad, self.n + self.pad);
            let mut c = rng.fill(self.m * ldc);
            if self.beta == 0.0 {
                // β = 0 overwrites: a NaN in C must not survive.
                c.iter_mut().for_each(|x| *x = f32::NAN);
            }
            Operands {
                a: rng.fill(ar * lda),
                b: rng.fill(br * ldb),
                c,
                lda,
                ldb,
                ldc,
            }
        }

        fn a<'a>(&self, o: &'a Operands) -> MatRef<'a> {
            view(&o.a, self.m, self.k, o.lda, self.trans_a)
        }

        fn b<'a>(&self, o: &'a Operands) -> MatRef<'a> {
            view(&o.b, self.k, self.n, o.ldb, self.trans_b)
        }

        /// Runs the product on the emulated AVX-512 kernels, on a pool of `threads`; returns C.
        fn run(&self, o: &Operands, threads: usize) -> Vec<f32> {
            let mut c = o.c.clone();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut cv = MatMut::strided(&mut c, self.m, self.n, o.ldc, 1);
                run::<Emulated512>(self.alpha, &self.a(o), &self.b(o), self.beta, &mut cv);
            });
            c
        }
    }

    /// The `rows × cols` operand stored row-major with row stride `ld` — or, if `trans`, stored as
    /// its `cols × rows` transpose and viewed transposed.
    fn view(data: &[f32], rows: usize, cols: usize, ld: usize, trans: bool) -> MatRef<'_> {
        if trans {
            MatRef::strided(data, cols, rows, ld, 1).t()
        } else {
            MatRef::strided(data, rows, cols, ld, 1)
        }
    }

    fn random_case(rng: &mut Rng, max: usize) -> Case {
        let dim = |rng: &mut Rng| match rng.below(4) {
            0 => 1 + rng.below(4),
            1 => [13, 14, 15, 16, 17, 31, 32, 33][rng.below(8)],
            _ => 1 + rng.below(max),
        };
        let (m, n, k) = (dim(rng), dim(rng), dim(rng));
        let scalars = [0.0, 1.0, -0.75, 2.5];
        Case {
            m,
            n,
            k,
            trans_a: rng.below(2) == 1,
            trans_b: rng.below(2) == 1,
            pad: [0, 0, 3, 17][rng.below(4)],
            alpha: scalars[1 + rng.below(3)],
            beta: scalars[rng.below(4)],
        }
    }

    /// Every element within the reference's bound, and the padding between C's rows untouched.
    fn check_reference(case: &Case, o: &Operands, got: &[f32]) {
        let (a, b) = (case.a(o), case.b(o));
        for i in 0..case.m {
            for j in 0..case.n {
                let (mut s, mut abs) = (0.0f64, 0.0f64);
                for p in 0..case.k {
                    let t = a.at(i, p) as f64 * b.at(p, j) as f64;
                    s += t;
                    abs += t.abs();
                }
                let old = o.c[i * o.ldc + j] as f64;
                let bc = if case.beta == 0.0 {
                    0.0
                } else {
                    case.beta as f64 * old
                };
                let want = case.alpha as f64 * s + bc;
                let eps = f32::EPSILON as f64 / 2.0;
                let tol = (case.k as f64 + 2.0) * eps * (case.alpha.abs() as f64 * abs + bc.abs())
                    + f32::MIN_POSITIVE as f64;
                let g = got[i * o.ldc + j] as f64;
                assert!(
                    (g - want).abs() <= tol,
                    "C[{i},{j}] = {g}, reference {want}, tolerance {tol:e} ({case:?})"
                );
            }
            for j in case.n..o.ldc {
                let (g, old) = (got[i * o.ldc + j], o.c[i * o.ldc + j]);
                assert!(
                    g.to_bits() == old.to_bits(),
                    "padding C[{i},{j}] changed ({case:?})"
                );
            }
        }
    }

    /// The element the path that takes `case` documents, in scalar code (see the file header).
    fn documented_element(case: &Case, o: &Operands, i: usize, j: usize) -> f32 {
        let (a, b) = (case.a(o), case.b(o));
        let old = o.c[i * o.ldc + j];
        if inner_product::suits(case.m, case.n, case.k, &a, &b) {
            let full = case.k / 16 * 16;
            let mut lanes = [0.0f32; 16];
            for p in 0..full {
                lanes[p % 16] = a.at(i, p).mul_add(b.at(p, j), lanes[p % 16]);
            }
            let mut w = 16;
            while w > 1 {
                w /= 2;
                for l in 0..w {
                    lanes[l] += lanes[l + w];
                }
            }
            let mut x = lanes[0];
            for p in full..case.k {
                x += a.at(i, p) * b.at(p, j); // unfused, as the tail of `dot_tile_body`
            }
            let x = case.alpha * x;
            if case.beta == 0.0 {
                x
            } else {
                case.beta * old + x
            }
        } else {
            let mut acc = 0.0f32;
            for p in 0..case.k {
                acc = a.at(i, p).mul_add(b.at(p, j), acc);
            }
            let x = acc * case.alpha;
            if case.beta == 0.0 {
                x
            } else {
                old.mul_add(case.beta, x)
            }
        }
    }

    #[test]
    fn geometry_is_avx512s() {
        assert_eq!((Emulated512::MR, Emulated512::NR), (Avx512::MR, Avx512::NR));
        let b = blocking(Isa::Avx512);
        assert_eq!((b.mr, b.nr), (14, 32));
        // The bit-exact test below relies on one depth block for k ≤ 192.
        assert!(b.kc >= 192, "{b:?}");
    }

    #[test]
    fn random_products_match_reference() {
        let mut rng = Rng(0x5EED_0512);
        for _ in 0..300 {
            let case = random_case(&mut rng, 120);
            let o = case.operands(&mut rng);
            let got = case.run(&o, 1);
            check_reference(&case, &o, &got);
        }
    }

    #[test]
    fn deep_and_wide_products_match_reference() {
        // Several depth blocks (KC = 192), row blocks (MC) and edge tiles both ways.
        let mut rng = Rng(0xB10C);
        for &(m, n, k) in &[
            (351, 97, 450),
            (29, 333, 200),
            (700, 45, 193),
            (15, 1000, 7),
        ] {
            for trans in [(false, false), (true, false), (false, true), (true, true)] {
                let case = Case {
                    m,
                    n,
                    k,
                    trans_a: trans.0,
                    trans_b: trans.1,
                    pad: 5,
                    alpha: -0.75,
                    beta: 2.5,
                };
                let o = case.operands(&mut rng);
                check_reference(&case, &o, &case.run(&o, 1));
            }
        }
    }

    #[test]
    fn elements_are_the_documented_sums_bit_for_bit() {
        let mut rng = Rng(0xC4A1_2024);
        let mut inner = 0;
        for t in 0..400 {
            let mut case = random_case(&mut rng, 192);
            if t % 4 == 0 {
                // The inner-product path's shapes: a short side ≤ 32, A·Bᵀ, depth ≥ 64.
                case.m = 1 + rng.below(32);
                case.k = 64 + rng.below(193);
                case.trans_a = false;
                case.trans_b = true;
            }
            let o = case.operands(&mut rng);
            if inner_product::suits(case.m, case.n, case.k, &case.a(&o), &case.b(&o)) {
                inner += 1;
            }
            let got = case.run(&o, 1);
            for i in 0..case.m {
                for j in 0..case.n {
                    let want = documented_element(&case, &o, i, j);
                    let g = got[i * o.ldc + j];
                    assert!(
                        g.to_bits() == want.to_bits(),
                        "C[{i},{j}] = {g}, documented sum {want} ({case:?})"
                    );
                }
            }
        }
        assert!(
            inner >= 50,
            "only {inner} cases took the inner-product path"
        );
    }

    #[test]
    fn threads_do_not_change_bits() {
        let mut rng = Rng(0x7EAD);
        for &(m, n, k, ta, tb) in &[
            (300, 280, 400, false, false),
            (20, 500, 700, false, true),
            (512, 64, 300, true, false),
        ] {
            let case = Case {
                m,
                n,
                k,
                trans_a: ta,
                trans_b: tb,
                pad: 0,
                alpha: 1.0,
                beta: 0.0,
            };
            assert!(2 * m * n * k >= super::super::PARALLEL_FLOPS);
            let o = case.operands(&mut rng);
            let one = case.run(&o, 1);
            let two = case.run(&o, 2);
            assert!(
                one.iter()
                    .zip(&two)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "1 and 2 threads differ ({case:?})"
            );
        }
    }
}
