//! Classification metrics, checked against cases worked out by hand.
//!
//! For a confusion matrix `M` (row = true class, column = predicted class) and a class `c`:
//!
//! ```text
//!   TP = M[c][c]      FP = (column c sum) − TP      FN = (row c sum) − TP
//!   precision = TP / (TP + FP)     recall = TP / (TP + FN)     F1 = 2·TP / (2·TP + FP + FN)
//! ```
//!
//! with 0/0 defined as 0 (scikit-learn's default). Macro averages are plain means over classes.
//!
//! The ROC curve sweeps a threshold `t` down through the distinct scores, predicting positive iff
//! `score >= t`; each point is `(FPR, TPR) = (FP / N, TP / P)`. Equal scores form one step, so a
//! positive–negative tie draws a diagonal. Its trapezoidal area is the Mann–Whitney probability
//!
//! ```text
//!   AUC = (1 / (P·N)) · Σ_{i positive} Σ_{j negative} [s_i > s_j] + ½·[s_i = s_j]
//! ```
//!
//! which the property tests compare against by brute force over all pairs.

use lepton::metrics::{
    accuracy, precision_recall_at, roc_auc, roc_curve, BinaryConfusion, ConfusionMatrix,
};
use lepton::Error;
use proptest::prelude::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

// truth     0 0 0 1 1 2 2 2 2 0
// predicted 0 1 0 1 2 2 2 0 2 1
//
// pairs (t,p): (0,0) (0,1) (0,0) (1,1) (1,2) (2,2) (2,2) (2,0) (2,2) (0,1)
//
//            pred 0  pred 1  pred 2 | row sum
//   true 0      2       2       0   |   4
//   true 1      0       1       1   |   2
//   true 2      1       0       3   |   4
//   col sum     3       3       4   |  10,  trace = 2 + 1 + 3 = 6  → accuracy 0.6
//
// class 0: TP 2, FP 3−2 = 1, FN 4−2 = 2: P = 2/3, R = 2/4 = 1/2, F1 = 4/(4+1+2) = 4/7
// class 1: TP 1, FP 3−1 = 2, FN 2−1 = 1: P = 1/3, R = 1/2,       F1 = 2/(2+2+1) = 2/5
// class 2: TP 3, FP 4−3 = 1, FN 4−3 = 1: P = 3/4, R = 3/4,       F1 = 6/(6+1+1) = 3/4
// (check F1 for class 0 as a harmonic mean: 2·(2/3)(1/2)/((2/3)+(1/2)) = (2/3)/(7/6) = 4/7.)
// macro P  = (2/3 + 1/3 + 3/4)/3 = (7/4)/3 = 7/12
// macro R  = (1/2 + 1/2 + 3/4)/3 = 7/12
// macro F1 = (4/7 + 2/5 + 3/4)/3 = (80 + 56 + 105)/140/3 = 241/420
const TRUTH: [usize; 10] = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
const PRED: [usize; 10] = [0, 1, 0, 1, 2, 2, 2, 0, 2, 1];

#[test]
fn accuracy_of_hand_case() {
    assert!(close(accuracy(&TRUTH, &PRED).unwrap(), 0.6));
    assert_eq!(accuracy(&[3], &[3]).unwrap(), 1.0);
}

#[test]
fn confusion_matrix_of_hand_case() {
    let cm = ConfusionMatrix::new(&TRUTH, &PRED, 3).unwrap();
    assert_eq!(cm.counts(), &[2, 2, 0, 0, 1, 1, 1, 0, 3]);
    assert_eq!(cm.count(2, 0), 1); // the one true 2 predicted as 0
    assert_eq!(cm.row(0), &[2, 2, 0]);
    assert_eq!(cm.total(), 10);
    assert_eq!(cm.correct(), 6);
    assert!(close(cm.accuracy(), 0.6));
    // Per-class accuracy = diagonal / row sum = 2/4, 1/2, 3/4.
    assert_eq!(cm.per_class_accuracy(), vec![0.5, 0.5, 0.75]);
}

#[test]
fn precision_recall_f1_of_hand_case() {
    let r = ConfusionMatrix::new(&TRUTH, &PRED, 3).unwrap().report();
    let expected = [
        (2.0 / 3.0, 0.5, 4.0 / 7.0, 4),
        (1.0 / 3.0, 0.5, 2.0 / 5.0, 2),
        (0.75, 0.75, 0.75, 4),
    ];
    for (c, (s, (p, rec, f1, support))) in r.per_class.iter().zip(expected).enumerate() {
        assert!(close(s.precision, p), "class {c} precision {}", s.precision);
        assert!(close(s.recall, rec), "class {c} recall {}", s.recall);
        assert!(close(s.f1, f1), "class {c} f1 {}", s.f1);
        assert_eq!(s.support, support, "class {c} support");
    }
    assert!(close(r.macro_precision, 7.0 / 12.0));
    assert!(close(r.macro_recall, 7.0 / 12.0));
    assert!(close(r.macro_f1, 241.0 / 420.0));
    assert!(close(r.accuracy, 0.6));
}

// truth [0, 0, 1], predicted [0, 0, 0], three classes (class 2 never occurs, never predicted):
//
//            pred 0  pred 1  pred 2
//   true 0      2       0       0
//   true 1      1       0       0
//   true 2      0       0       0
//
// class 0: TP 2, FP 1, FN 0: P = 2/3, R = 1, F1 = 4/(4+1+0) = 4/5
// class 1: TP 0, FP 0, FN 1: P = 0/0 → 0, R = 0/1 = 0, F1 = 0/(0+0+1) = 0
// class 2: TP 0, FP 0, FN 0: P = R = F1 = 0/0 → 0, support 0
// macro P = (2/3)/3 = 2/9, macro R = 1/3, macro F1 = (4/5)/3 = 4/15
// (scikit-learn: precision_recall_fscore_support([0,0,1], [0,0,0], labels=[0,1,2],
//  average="macro", zero_division=0) gives the same three numbers.)
#[test]
fn zero_division_is_zero_and_counts_in_macro_average() {
    let r = ConfusionMatrix::new(&[0, 0, 1], &[0, 0, 0], 3)
        .unwrap()
        .report();
    assert!(close(r.per_class[0].precision, 2.0 / 3.0));
    assert!(close(r.per_class[0].f1, 0.8));
    assert_eq!(r.per_class[1].precision, 0.0);
    assert_eq!(r.per_class[1].f1, 0.0);
    assert_eq!(
        (
            r.per_class[2].precision,
            r.per_class[2].recall,
            r.per_class[2].f1,
            r.per_class[2].support
        ),
        (0.0, 0.0, 0.0, 0)
    );
    assert!(close(r.macro_precision, 2.0 / 9.0));
    assert!(close(r.macro_recall, 1.0 / 3.0));
    assert!(close(r.macro_f1, 4.0 / 15.0));
    let cm = ConfusionMatrix::new(&[0, 0, 1], &[0, 0, 0], 3).unwrap();
    assert_eq!(cm.per_class_accuracy(), vec![1.0, 0.0, 0.0]);
}

#[test]
fn class_names_and_text_table() {
    let cm = ConfusionMatrix::new(&TRUTH, &PRED, 3)
        .unwrap()
        .with_class_names(["cat", "dog", "ship"])
        .unwrap();
    assert_eq!(cm.class_name(2), "ship");
    let text = cm.to_string();
    assert!(text.contains("cat") && text.contains("ship"), "{text}");
    // The "dog" row reads 0 1 1.
    let dog_row = text
        .lines()
        .find(|l| l.trim_start().starts_with("dog"))
        .unwrap();
    let nums: Vec<&str> = dog_row.split_whitespace().skip(1).collect();
    assert_eq!(nums, ["0", "1", "1"]);
    assert!(matches!(
        ConfusionMatrix::new(&TRUTH, &PRED, 3)
            .unwrap()
            .with_class_names(["a", "b"]),
        Err(Error::Shape { .. })
    ));
}

// truth   T    F    T    F    T    F
// score  0.9  0.8  0.7  0.7  0.3  0.1        P = 3 positives, N = 3 negatives
//
// threshold   crossing        TP FP   point (FPR, TPR)
//    +∞       —                0  0   (0,   0)
//    0.9      T                1  0   (0,   1/3)
//    0.8      F                1  1   (1/3, 1/3)
//    0.7      T, F (tie)       2  2   (2/3, 2/3)   ← diagonal step
//    0.3      T                3  2   (2/3, 1)
//    0.1      F                3  3   (1,   1)
//
// trapezoids: 0 + (1/3)(1/3) + (1/3)(1/3 + 2/3)/2 + 0 + (1/3)(1) = 1/9 + 1/6 + 1/3 = 11/18.
// Mann–Whitney: positive 0.9 beats all three negatives (3); 0.7 loses to 0.8, ties 0.7 (½),
// beats 0.1 (1.5); 0.3 beats only 0.1 (1). (3 + 1.5 + 1)/9 = 11/18. ✓
const ROC_TRUTH: [bool; 6] = [true, false, true, false, true, false];
const ROC_SCORES: [f64; 6] = [0.9, 0.8, 0.7, 0.7, 0.3, 0.1];

#[test]
fn roc_curve_of_hand_case() {
    let roc = roc_curve(&ROC_TRUTH, &ROC_SCORES).unwrap();
    let expected = [
        (f64::INFINITY, 0.0, 0.0),
        (0.9, 0.0, 1.0 / 3.0),
        (0.8, 1.0 / 3.0, 1.0 / 3.0),
        (0.7, 2.0 / 3.0, 2.0 / 3.0),
        (0.3, 2.0 / 3.0, 1.0),
        (0.1, 1.0, 1.0),
    ];
    assert_eq!(roc.points().len(), expected.len());
    for (p, (thr, fpr, tpr)) in roc.points().iter().zip(expected) {
        assert_eq!(p.threshold, thr);
        assert!(close(p.false_positive_rate, fpr), "{p:?}");
        assert!(close(p.true_positive_rate, tpr), "{p:?}");
    }
    assert_eq!((roc.positives(), roc.negatives()), (3, 3));
    assert!(close(roc.auc(), 11.0 / 18.0));
    assert!(close(
        roc_auc(&ROC_TRUTH, &ROC_SCORES).unwrap(),
        11.0 / 18.0
    ));
}

#[test]
fn auc_extremes() {
    let truth = [true, true, false, false];
    // Every positive above every negative → 1; reversed → 0; all tied → one diagonal → ½.
    assert_eq!(roc_auc(&truth, &[4.0, 3.0, 2.0, 1.0]).unwrap(), 1.0);
    assert_eq!(roc_auc(&truth, &[1.0, 2.0, 3.0, 4.0]).unwrap(), 0.0);
    assert_eq!(roc_auc(&truth, &[5.0; 4]).unwrap(), 0.5);
    // All tied: the curve is just (0,0) → (1,1).
    assert_eq!(roc_curve(&truth, &[5.0; 4]).unwrap().points().len(), 2);
}

// With ROC_TRUTH / ROC_SCORES at threshold 0.7 (positive iff score >= 0.7):
//   predicted positive: indices 0 (T), 1 (F), 2 (T), 3 (F) → TP 2, FP 2
//   predicted negative: indices 4 (T), 5 (F)               → FN 1, TN 1
//   precision 2/4 = 1/2, recall 2/3, FPR 2/3, F1 = 4/(4+2+1) = 4/7, accuracy 3/6 = 1/2.
// At 0.75: positive 0 (T), 1 (F) → TP 1, FP 1, FN 2, TN 2: precision 1/2, recall 1/3.
#[test]
fn binary_confusion_at_threshold() {
    let c = BinaryConfusion::at_threshold(&ROC_TRUTH, &ROC_SCORES, 0.7).unwrap();
    assert_eq!(
        (
            c.true_positives,
            c.false_positives,
            c.true_negatives,
            c.false_negatives
        ),
        (2, 2, 1, 1)
    );
    assert!(close(c.precision(), 0.5));
    assert!(close(c.recall(), 2.0 / 3.0));
    assert!(close(c.false_positive_rate(), 2.0 / 3.0));
    assert!(close(c.f1(), 4.0 / 7.0));
    assert!(close(c.accuracy(), 0.5));
    // As a 2×2 matrix: rows (negative, positive), columns (predicted negative, positive).
    assert_eq!(c.to_matrix().counts(), &[1, 2, 1, 2]);

    let (p, r) = precision_recall_at(&ROC_TRUTH, &ROC_SCORES, 0.75).unwrap();
    assert!(close(p, 0.5) && close(r, 1.0 / 3.0));
    // Above every score nothing is predicted positive: precision 0/0 → 0, recall 0.
    assert_eq!(
        precision_recall_at(&ROC_TRUTH, &ROC_SCORES, 2.0).unwrap(),
        (0.0, 0.0)
    );
}

#[test]
fn bad_input_is_an_error() {
    assert!(matches!(accuracy(&[0, 1], &[0]), Err(Error::Shape { .. })));
    assert!(matches!(
        accuracy::<u8>(&[], &[]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ConfusionMatrix::new(&[0, 3], &[0, 1], 3),
        Err(Error::InvalidArgument(m)) if m.contains("sample 1")
    ));
    assert!(matches!(
        ConfusionMatrix::new(&[0], &[0], 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ConfusionMatrix::from_counts(vec![1, 2, 3], 2),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        roc_curve(&[true, false], &[0.5]),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        roc_curve(&[], &[]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        roc_curve(&[true, true], &[0.1, 0.2]),
        Err(Error::InvalidArgument(m)) if m.contains("both classes")
    ));
    assert!(matches!(
        roc_curve(&[false, false], &[0.1, 0.2]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        roc_auc(&[true, false], &[f64::NAN, 0.2]),
        Err(Error::InvalidArgument(m)) if m.contains("NaN")
    ));
    assert!(matches!(
        BinaryConfusion::at_threshold(&[true], &[0.1, 0.2], 0.5),
        Err(Error::Shape { .. })
    ));
}

/// The O(P·N) definition: the fraction of (positive, negative) pairs ordered correctly, ties ½.
fn mann_whitney(truth: &[bool], scores: &[f64]) -> f64 {
    let (mut sum, mut pairs) = (0.0, 0.0);
    for (i, &ti) in truth.iter().enumerate() {
        for (j, &tj) in truth.iter().enumerate() {
            if ti && !tj {
                pairs += 1.0;
                if scores[i] > scores[j] {
                    sum += 1.0;
                } else if scores[i] == scores[j] {
                    sum += 0.5;
                }
            }
        }
    }
    sum / pairs
}

/// Random binary problems with many ties: scores from a small set of values.
fn binary_problem() -> impl Strategy<Value = (Vec<bool>, Vec<f64>)> {
    (2usize..60).prop_flat_map(|n| {
        (
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec((0i32..7).prop_map(|k| f64::from(k) * 0.25 - 0.5), n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn auc_equals_pairwise_mann_whitney((mut truth, scores) in binary_problem()) {
        // Make sure both classes occur.
        truth[0] = true;
        truth[1] = false;
        let roc = roc_curve(&truth, &scores).unwrap();
        let expected = mann_whitney(&truth, &scores);
        prop_assert!((roc.auc() - expected).abs() <= 1e-12, "auc {} vs {}", roc.auc(), expected);

        // The curve: starts at (0,0), ends at (1,1), never goes down or left, and has one
        // point per distinct score plus the start.
        let pts = roc.points();
        prop_assert_eq!((pts[0].false_positive_rate, pts[0].true_positive_rate), (0.0, 0.0));
        let last = pts[pts.len() - 1];
        prop_assert_eq!((last.false_positive_rate, last.true_positive_rate), (1.0, 1.0));
        for w in pts.windows(2) {
            prop_assert!(w[1].threshold < w[0].threshold);
            prop_assert!(w[1].false_positive_rate >= w[0].false_positive_rate);
            prop_assert!(w[1].true_positive_rate >= w[0].true_positive_rate);
        }
        let mut distinct = scores.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        prop_assert_eq!(pts.len(), distinct.len() + 1);

        // Each point agrees with the binary confusion at its threshold.
        for p in &pts[1..] {
            let c = BinaryConfusion::at_threshold(&truth, &scores, p.threshold).unwrap();
            prop_assert!((c.recall() - p.true_positive_rate).abs() <= 1e-15);
            prop_assert!((c.false_positive_rate() - p.false_positive_rate).abs() <= 1e-15);
        }
    }

    #[test]
    fn confusion_matrix_totals(
        (k, truth, predicted) in (1usize..6).prop_flat_map(|k| (1usize..80).prop_flat_map(move |n| (
            Just(k),
            prop::collection::vec(0..k, n),
            prop::collection::vec(0..k, n),
        )))
    ) {
        let cm = ConfusionMatrix::new(&truth, &predicted, k).unwrap();
        prop_assert_eq!(cm.total(), truth.len() as u64);
        for c in 0..k {
            let row: u64 = cm.row(c).iter().sum();
            let col: u64 = (0..k).map(|t| cm.count(t, c)).sum();
            prop_assert_eq!(row, truth.iter().filter(|&&t| t == c).count() as u64);
            prop_assert_eq!(col, predicted.iter().filter(|&&p| p == c).count() as u64);
            prop_assert_eq!(cm.class_scores(c).support, row);
        }
        let matches = truth.iter().zip(&predicted).filter(|(t, p)| t == p).count();
        prop_assert_eq!(cm.correct(), matches as u64);
        prop_assert!((cm.accuracy() - accuracy(&truth, &predicted).unwrap()).abs() <= 1e-15);
        let r = cm.report();
        // Per-class scores straight from the label pairs, without the matrix.
        let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        for c in 0..k {
            let pairs = truth.iter().zip(&predicted);
            let tp = pairs.clone().filter(|&(&t, &p)| t == c && p == c).count();
            let fp = pairs.clone().filter(|&(&t, &p)| t != c && p == c).count();
            let fn_ = pairs.filter(|&(&t, &p)| t == c && p != c).count();
            let s = r.per_class[c];
            prop_assert!((s.precision - div(tp, tp + fp)).abs() <= 1e-15);
            prop_assert!((s.recall - div(tp, tp + fn_)).abs() <= 1e-15);
            prop_assert!((s.f1 - div(2 * tp, 2 * tp + fp + fn_)).abs() <= 1e-15);
        }
        let macro_f1 = r.per_class.iter().map(|s| s.f1).sum::<f64>() / k as f64;
        prop_assert!((r.macro_f1 - macro_f1).abs() <= 1e-15);
        for s in &r.per_class {
            for v in [s.precision, s.recall, s.f1] {
                prop_assert!((0.0..=1.0).contains(&v));
            }
            // F1 lies between precision and recall (a harmonic mean) when both are defined.
            if s.precision > 0.0 && s.recall > 0.0 {
                prop_assert!(s.f1 >= s.precision.min(s.recall) - 1e-15);
                prop_assert!(s.f1 <= s.precision.max(s.recall) + 1e-15);
            }
        }
    }
}
