//! `Tensor`: shape bookkeeping, elementwise ops, row reductions and matmul.
//!
//! * Elementwise: `(a ± b)ᵢ = aᵢ ± bᵢ`, `(a ⊙ b)ᵢ = aᵢ·bᵢ`, `(αa)ᵢ = α·aᵢ` — each one rounding, so
//!   the results equal the f32 expressions exactly.
//! * Row reductions of an `r × c` matrix: `sᵢ = Σⱼ aᵢⱼ`, `μᵢ = sᵢ / c`, `mᵢ = maxⱼ aᵢⱼ`,
//!   `argmaxᵢ = the first j with aᵢⱼ = mᵢ`; sums are checked against an f64 sum within
//!   `2·c·ε·Σⱼ|aᵢⱼ|`.
//! * `matmul_t(op(A), op(B))` equals the reference product of the transposed views, within
//!   `2·(k+1)·ε·Σₚ|aᵢₚbₚⱼ|` (entries in [-1, 1], so the sum of magnitudes is at most k).
//! * Mismatched shapes are `Error::Shape` values that name both shapes — never a panic.

use lepton::kernels::{reference, MatMut, MatRef};
use lepton::tensor::Transpose;
use lepton::{Error, Tensor};
use proptest::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(data.to_vec(), shape).unwrap()
}

#[test]
fn elementwise_ops() {
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let b = t(&[0.5, -1.0, 2.0, 0.0, 10.0, -6.0], &[2, 3]);
    assert_eq!(a.add(&b).unwrap().data(), &[1.5, 1.0, 5.0, 4.0, 15.0, 0.0]);
    assert_eq!(a.sub(&b).unwrap().data(), &[0.5, 3.0, 1.0, 4.0, -5.0, 12.0]);
    assert_eq!(
        a.mul(&b).unwrap().data(),
        &[0.5, -2.0, 6.0, 0.0, 50.0, -36.0]
    );
    assert_eq!(
        a.scale(-2.0).data(),
        &[-2.0, -4.0, -6.0, -8.0, -10.0, -12.0]
    );
    assert_eq!(a.map(|x| x * x).data(), &[1.0, 4.0, 9.0, 16.0, 25.0, 36.0]);
    assert_eq!(a.add(&b).unwrap().shape(), &[2, 3]);
}

#[test]
fn reductions() {
    let a = t(&[1.0, 7.0, 3.0, -4.0, -2.0, -2.0], &[2, 3]);
    assert_eq!(a.sum(), 3.0);
    assert_eq!(a.mean(), 0.5);
    assert_eq!(a.max(), 7.0);
    assert_eq!(a.sum_rows().unwrap().data(), &[11.0, -8.0]);
    assert_eq!(a.mean_rows().unwrap().data(), &[11.0 / 3.0, -8.0 / 3.0]);
    assert_eq!(a.max_rows().unwrap().data(), &[7.0, -2.0]);
    assert_eq!(a.argmax_rows().unwrap(), vec![1, 1], "first index on ties");
}

#[test]
fn shape_errors_name_both_shapes() {
    let a = Tensor::zeros(&[2, 3]);
    let b = Tensor::zeros(&[3, 2]);
    for r in [a.add(&b), a.sub(&b), a.mul(&b), b.matmul(&b)] {
        match r {
            Err(e @ Error::Shape { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("[3, 2]"), "{msg}");
                assert!(
                    msg.contains("[2, 3]") || msg.matches("[3, 2]").count() == 2,
                    "{msg}"
                );
            }
            other => panic!("expected a shape error, got {other:?}"),
        }
    }
    let v = Tensor::zeros(&[4]);
    assert!(matches!(v.sum_rows(), Err(Error::Shape { .. })));
    assert!(matches!(
        Tensor::zeros(&[3, 0]).argmax_rows(),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        Tensor::from_vec(vec![1.0; 5], &[2, 3]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        Tensor::zeros(&[2, 3]).reshape(&[4, 2]),
        Err(Error::Shape { .. })
    ));
}

fn matrix(rows: usize, cols: usize, seed: u64) -> Tensor {
    Tensor::rand_uniform(&[rows, cols], -1.0, 1.0, seed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn matmul_t_matches_reference(m in 0usize..40, n in 0usize..40, k in 0usize..40, ta: bool, tb: bool, seed: u64) {
        let a = if ta { matrix(k, m, seed) } else { matrix(m, k, seed) };
        let b = if tb { matrix(n, k, seed ^ 1) } else { matrix(k, n, seed ^ 1) };
        let op = |x: bool| if x { Transpose::Yes } else { Transpose::No };
        let c = a.matmul_t(op(ta), &b, op(tb)).unwrap();
        prop_assert_eq!(c.shape(), &[m, n]);
        let mut av = MatRef::row_major(a.data(), a.shape()[0], a.shape()[1]);
        let mut bv = MatRef::row_major(b.data(), b.shape()[0], b.shape()[1]);
        if ta { av = av.t(); }
        if tb { bv = bv.t(); }
        let mut want = vec![0.0f32; m * n];
        reference::sgemm(1.0, av, bv, 0.0, MatMut::row_major(&mut want, m, n));
        let tol = 2.0 * (k as f32 + 1.0) * f32::EPSILON * k as f32;
        for (i, (g, w)) in c.data().iter().zip(&want).enumerate() {
            prop_assert!((g - w).abs() <= tol, "C[{}]: {} vs {}", i, g, w);
        }
    }

    #[test]
    fn row_reductions_match_f64(r in 0usize..20, c in 1usize..100, seed: u64) {
        let a = matrix(r, c, seed);
        let s = a.sum_rows().unwrap();
        for i in 0..r {
            let row = &a.data()[i * c..(i + 1) * c];
            let exact: f64 = row.iter().map(|&x| x as f64).sum();
            let size: f64 = row.iter().map(|&x| (x as f64).abs()).sum();
            prop_assert!((s.data()[i] as f64 - exact).abs() <= 2.0 * c as f64 * f32::EPSILON as f64 * size);
        }
        let am = a.argmax_rows().unwrap();
        let mx = a.max_rows().unwrap();
        for i in 0..r {
            let row = &a.data()[i * c..(i + 1) * c];
            prop_assert_eq!(row[am[i]], mx.data()[i]);
            prop_assert!(row[..am[i]].iter().all(|&x| x < mx.data()[i]));
        }
    }
}
