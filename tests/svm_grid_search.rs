//! Cross-validated grid search over `(log₂C, log₂γ)` (LIBSVM's `grid.py`).
//!
//! The math checked:
//! * **The grid.** `log₂C ∈ {b, b+s, …, e}`: `grid.py`'s default `−5…15 step 2` has 11 values,
//!   `3…−15 step −2` has 10, so 110 cells, `C = 2^log₂C`, `γ = 2^log₂γ`.
//! * **The score.** Accuracy `(1/n)Σ[ŷᵢ = yᵢ]` of the k-fold cross-validated predictions, or
//!   balanced accuracy `(1/K)Σ_c recall_c`, which a constant majority-class predictor cannot
//!   push above `1/K`.
//! * **The choice.** `argmax` over cells of the score; on ties the smaller `C`, then the smaller
//!   `γ` (the smoother decision function). The winner is the same whatever the order the cells
//!   are listed or evaluated in, and each cell's score equals an independent run of
//!   cross-validation with that cell's `C` and `γ`.
//! * **Determinism.** The same data give bit-identical scores at 1 and at 2 threads.

use lepton::svm::grid_search::best_cell_index;
use lepton::svm::{
    cross_validation, grid_search, GridCell, GridScore, GridSpec, Log2Range, SvmParams,
};

fn cell(log2_c: f64, log2_gamma: f64, score: f64) -> GridCell {
    GridCell {
        log2_c,
        log2_gamma,
        score,
    }
}

/// Two noisy concentric rings (class 1 inside, class −1 outside), `n` points, deterministic.
fn rings(n: usize) -> (Vec<f32>, Vec<f64>) {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let t = i as f32 * 2.399_963; // golden angle
        let inner = i % 2 == 0;
        let r = if inner { 1.0 } else { 2.2 } + 0.35 * ((i * 7919 % 101) as f32 / 101.0 - 0.5);
        x.extend_from_slice(&[r * t.cos(), r * t.sin()]);
        y.push(if inner { 1.0 } else { -1.0 });
    }
    (x, y)
}

#[test]
fn grid_ranges_have_grid_py_sizes() {
    let spec = GridSpec::default();
    let c = spec.log2_c.values().unwrap();
    let g = spec.log2_gamma.values().unwrap();
    assert_eq!(c.len(), 11);
    assert_eq!((c[0], c[10]), (-5.0, 15.0));
    assert_eq!(g.len(), 10);
    assert_eq!((g[0], g[9]), (3.0, -15.0));
    assert_eq!(
        Log2Range::new(0.0, 1.0, 0.5).values().unwrap(),
        [0.0, 0.5, 1.0]
    );
    assert_eq!(Log2Range::new(2.0, 2.0, 1.0).values().unwrap(), [2.0]);
    assert!(Log2Range::new(0.0, 4.0, -1.0).values().is_err());
    assert!(Log2Range::new(0.0, 4.0, 0.0).values().is_err());
    assert!(Log2Range::new(0.0, f64::NAN, 1.0).values().is_err());
    assert!((cell(3.0, -2.0, 0.0).c() - 8.0).abs() < 1e-15);
    assert!((cell(3.0, -2.0, 0.0).gamma() - 0.25).abs() < 1e-15);
}

#[test]
fn scores_are_accuracy_and_balanced_accuracy() {
    let truth = [1.0, 1.0, 1.0, 1.0, -1.0, -1.0];
    let all_majority = [1.0; 6];
    assert!((GridScore::Accuracy.score(&truth, &all_majority) - 4.0 / 6.0).abs() < 1e-15);
    // Recall 1 on class 1, 0 on class −1 → ½.
    assert!((GridScore::BalancedAccuracy.score(&truth, &all_majority) - 0.5).abs() < 1e-15);
    let pred = [1.0, 1.0, 1.0, -1.0, -1.0, 1.0];
    assert!((GridScore::Accuracy.score(&truth, &pred) - 4.0 / 6.0).abs() < 1e-15);
    assert!((GridScore::BalancedAccuracy.score(&truth, &pred) - (0.75 + 0.5) / 2.0).abs() < 1e-15);
}

#[test]
fn best_cell_is_the_highest_score_with_ties_to_smaller_c_then_gamma() {
    let cells = vec![
        cell(3.0, 1.0, 0.8),
        cell(1.0, -1.0, 0.9),
        cell(5.0, -3.0, 0.9),
        cell(1.0, -3.0, 0.9),
        cell(-1.0, 1.0, f64::NAN),
        cell(7.0, 1.0, 0.7),
    ];
    let best = best_cell_index(&cells).unwrap();
    assert_eq!((cells[best].log2_c, cells[best].log2_gamma), (1.0, -3.0));
    // Any order of the cells picks the same (C, γ).
    for rot in 0..cells.len() {
        let mut c = cells.clone();
        c.rotate_left(rot);
        c.reverse();
        let b = best_cell_index(&c).unwrap();
        assert_eq!((c[b].log2_c, c[b].log2_gamma), (1.0, -3.0));
    }
    assert_eq!(best_cell_index(&[]), None);
    assert_eq!(best_cell_index(&[cell(0.0, 0.0, f64::NAN)]), Some(0));
}

#[test]
fn grid_search_scores_each_cell_by_cross_validation_and_picks_the_best() {
    let (x, y) = rings(80);
    let spec = GridSpec {
        log2_c: Log2Range::new(-3.0, 5.0, 4.0),
        log2_gamma: Log2Range::new(-9.0, 1.0, 5.0),
        folds: 4,
        score: GridScore::Accuracy,
    };
    let result = grid_search(&x, 2, &y, &SvmParams::default(), &spec).unwrap();
    assert_eq!(result.cells.len(), 9);
    let mut best_seen = f64::NEG_INFINITY;
    for c in &result.cells {
        let params = SvmParams::c_svc_rbf(c.c(), c.gamma());
        let pred = cross_validation(&x, 2, &y, &params, 4).unwrap();
        let hits = pred.iter().zip(&y).filter(|(p, t)| p == t).count();
        assert_eq!(c.score, hits as f64 / y.len() as f64, "cell {c:?}");
        best_seen = best_seen.max(c.score);
    }
    let best = result.best_cell();
    assert_eq!(best.score, best_seen);
    // The rings are not linearly separable: a tiny γ (nearly linear kernel) loses to a
    // moderate one, and the best cell separates them well.
    assert!(best.log2_gamma > -9.0 && best.score > 0.9, "{best:?}");
    // No earlier-by-tie-rule cell has the same score.
    assert!(result.cells.iter().all(|c| c.score < best.score
        || c.log2_c > best.log2_c
        || (c.log2_c == best.log2_c && c.log2_gamma >= best.log2_gamma)));
}

#[test]
fn grid_search_is_identical_at_one_and_two_threads() {
    let (x, y) = rings(60);
    let spec = GridSpec {
        log2_c: Log2Range::new(-1.0, 3.0, 2.0),
        log2_gamma: Log2Range::new(-3.0, 1.0, 2.0),
        folds: 3,
        score: GridScore::BalancedAccuracy,
    };
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| grid_search(&x, 2, &y, &SvmParams::default(), &spec).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(2));
}

#[test]
fn bad_grids_are_errors() {
    let (x, y) = rings(20);
    let mut spec = GridSpec {
        folds: 1,
        ..GridSpec::default()
    };
    assert!(grid_search(&x, 2, &y, &SvmParams::default(), &spec).is_err());
    spec.folds = 3;
    spec.log2_c = Log2Range::new(0.0, 1.0, -1.0);
    assert!(grid_search(&x, 2, &y, &SvmParams::default(), &spec).is_err());
}
