//! The level-1 kernels against the reference math, on every ISA path this CPU supports.
//!
//! * Reductions — `Σ xᵢyᵢ`, `Σ xᵢ`, `Σ (xᵢ − yᵢ)²` — are summed in f32 in a blocked order; the
//!   error against the exact (f64) sum is bounded by `n·ε·Σ|termᵢ|` (ε = 2⁻²⁴), and the tests use
//!   twice that, relative to the size of the terms.
//! * Elementwise kernels — `y ← αx + y`, `x ← αx`, `max(x, 0)` — are one or two roundings per
//!   element: within 1 ulp of the f64 value (relu and max are exact).
//! * `exp` uses `eˣ = 2ⁿ·eʳ` with `r = x − n·ln2`, `|r| ≤ ln2/2`, and a polynomial for `eʳ`: its
//!   relative error is a few ulp over the whole finite range; overflow gives ∞, deep underflow 0.

use lepton_kernels::{arch, reference, vector};
use proptest::prelude::*;

const EPS: f64 = f32::EPSILON as f64;

fn vec_pair() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    (0usize..300).prop_flat_map(|n| {
        (
            prop::collection::vec(-100.0f32..100.0, n),
            prop::collection::vec(-100.0f32..100.0, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn reductions_match_reference((x, y) in vec_pair()) {
        let n = x.len() as f64;
        for isa in arch::supported() {
            let terms: f64 = x.iter().zip(&y).map(|(&a, &b)| (a as f64 * b as f64).abs()).sum();
            let d = vector::dot_with(isa, &x, &y) as f64;
            prop_assert!((d - reference::dot(&x, &y)).abs() <= 2.0 * (n + 1.0) * EPS * terms, "{isa} dot");

            let terms: f64 = x.iter().map(|&a| (a as f64).abs()).sum();
            let s = vector::sum_with(isa, &x) as f64;
            prop_assert!((s - reference::sum(&x)).abs() <= 2.0 * (n + 1.0) * EPS * terms, "{isa} sum");

            let exact = reference::squared_distance(&x, &y);
            let q = vector::squared_distance_with(isa, &x, &y) as f64;
            prop_assert!((q - exact).abs() <= 2.0 * (n + 2.0) * EPS * exact, "{isa} squared_distance");

            prop_assert_eq!(vector::max_with(isa, &x), reference::max(&x), "{} max", isa);
        }
    }

    #[test]
    fn elementwise_match_reference((x, y) in vec_pair(), alpha in -3.0f32..3.0) {
        for isa in arch::supported() {
            let mut got = y.clone();
            let mut want = y.clone();
            vector::axpy_with(isa, alpha, &x, &mut got);
            reference::axpy(alpha, &x, &mut want);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                let tol = 2.0 * EPS * ((alpha * x[i]).abs() as f64 + y[i].abs() as f64);
                prop_assert!(((g - w) as f64).abs() <= tol, "{isa} axpy[{i}]: {g} vs {w}");
            }

            let mut got = x.clone();
            let mut want = x.clone();
            vector::scale_with(isa, alpha, &mut got);
            reference::scale(alpha, &mut want);
            prop_assert_eq!(&got, &want, "{} scale", isa);

            let mut got = vec![0.0; x.len()];
            let mut want = vec![0.0; x.len()];
            vector::relu_with(isa, &x, &mut got);
            reference::relu(&x, &mut want);
            prop_assert_eq!(&got, &want, "{} relu", isa);
        }
    }

    #[test]
    fn exp_matches_reference(x in prop::collection::vec(-87.0f32..88.0, 0..300)) {
        for isa in arch::supported() {
            let mut got = x.clone();
            vector::exp_with(isa, &mut got);
            for (i, (g, w)) in got.iter().zip(reference::exp(&x)).enumerate() {
                prop_assert!(((*g as f64 - w) / w).abs() <= 4.0 * EPS, "{isa} exp({}) = {g}, want {w}", x[i]);
            }
        }
    }
}

#[test]
fn special_values() {
    for isa in arch::supported() {
        let mut v = vec![
            f32::NAN,
            100.0,
            -100.0,
            0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0,
            2.0,
            3.0,
        ];
        vector::exp_with(isa, &mut v);
        assert!(v[0].is_nan(), "{isa}");
        assert_eq!(
            v[1..6],
            [f32::INFINITY, 0.0, 1.0, f32::INFINITY, 0.0],
            "{isa}"
        );

        let mut with_nan: Vec<f32> = (0..37).map(|i| i as f32).collect();
        assert_eq!(vector::max_with(isa, &with_nan), 36.0, "{isa}");
        with_nan[20] = f32::NAN;
        assert!(
            vector::max_with(isa, &with_nan).is_nan(),
            "{isa}: NaN inside a register"
        );
        with_nan[20] = 0.0;
        with_nan[36] = f32::NAN;
        assert!(
            vector::max_with(isa, &with_nan).is_nan(),
            "{isa}: NaN in the tail"
        );
        // ∞ − ∞ in the NaN guard must not be mistaken for a NaN.
        let infs = [f32::INFINITY, f32::NEG_INFINITY].repeat(20);
        assert_eq!(vector::max_with(isa, &infs), f32::INFINITY, "{isa}");
        assert_eq!(vector::max_with(isa, &[]), f32::NEG_INFINITY, "{isa}");
        assert_eq!(vector::sum_with(isa, &[]), 0.0, "{isa}");
    }
}

#[test]
#[should_panic(expected = "dot: slices differ in length (3 vs 4)")]
fn dot_length_mismatch_panics() {
    vector::dot(&[1.0; 3], &[1.0; 4]);
}

#[test]
#[should_panic(expected = "axpy: slices differ in length")]
fn axpy_length_mismatch_panics() {
    vector::axpy(1.0, &[1.0; 3], &mut [1.0; 4]);
}
