//! Classification metrics: accuracy, confusion matrix, precision/recall/F1, ROC curve and AUC.
//!
//! Labels are class indices `0..n_classes` (`usize`). Binary scores are `f64` where a larger
//! score means "more likely positive", and the truth of a binary problem is a `bool`
//! (`true` = positive).
//!
//! # Conventions
//!
//! * A confusion matrix's **row is the true class, its column the predicted class** (as in
//!   scikit-learn's `confusion_matrix`).
//! * **0/0 is 0.** Precision of a class that is never predicted, recall of a class that never
//!   occurs, and F1 of a class that neither occurs nor is predicted are all defined as `0.0`:
//!   scikit-learn's default (`zero_division="warn"`, which returns 0 and warns). Such classes
//!   still count in macro averages, as in scikit-learn when the labels are given explicitly.
//! * F1 is computed as `2·TP / (2·TP + FP + FN)`, which equals the harmonic mean of precision and
//!   recall whenever both are defined, and is 0 when `TP = 0`.
//! * A binary prediction at a threshold `t` is **positive iff `score >= t`**.
//! * The ROC curve has one point per distinct score (equal scores are one group: they cross the
//!   threshold together), preceded by the point `(0, 0)` at threshold `+∞`. Its trapezoidal area
//!   equals the Mann–Whitney probability `P(score of a random positive > score of a random
//!   negative)` with ties counting ½.
//!
//! # Errors
//!
//! Slices that must pair up element by element but differ in length give [`Error::Shape`];
//! empty input, labels `>= n_classes`, NaN scores and ROC input with a single class give
//! [`Error::InvalidArgument`].
//!
//! # Example
//!
//! ```
//! use lepton::metrics::{accuracy, roc_auc, ConfusionMatrix};
//!
//! let truth = [0, 0, 1, 2];
//! let predicted = [0, 1, 1, 2];
//! assert_eq!(accuracy(&truth, &predicted)?, 0.75);
//! let cm = ConfusionMatrix::new(&truth, &predicted, 3)?;
//! assert_eq!(cm.count(0, 1), 1); // one true 0 predicted as 1
//!
//! // Positive scores 0.9, 0.4; negative scores 0.4, 0.1: of the four (positive, negative) pairs
//! // three are ordered correctly and one is tied, so AUC = (3 + ½) / 4.
//! let auc = roc_auc(&[true, true, false, false], &[0.9, 0.4, 0.4, 0.1])?;
//! assert_eq!(auc, 0.875);
//! # Ok::<(), lepton::Error>(())
//! ```

use crate::error::{Error, Result};
use std::fmt;

/// Checks that two slices that pair up element by element have the same, non-zero length.
fn check_paired(op: &'static str, a: usize, b: usize) -> Result<()> {
    if a != b {
        return Err(Error::Shape {
            op,
            lhs: vec![a],
            rhs: vec![b],
            expected: "the same number of true and predicted values".into(),
        });
    }
    if a == 0 {
        return Err(Error::InvalidArgument(format!("{op}: empty input")));
    }
    Ok(())
}

/// `num / den`, or 0 when `den == 0` (the module's 0/0 convention).
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// The fraction of positions where `predicted[i] == truth[i]` (any label type: `usize`, `u8`,
/// `bool`, …).
///
/// # Errors
/// [`Error::Shape`] if the lengths differ; [`Error::InvalidArgument`] if they are empty.
pub fn accuracy<T: PartialEq>(truth: &[T], predicted: &[T]) -> Result<f64> {
    check_paired("accuracy", truth.len(), predicted.len())?;
    let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / truth.len() as f64)
}

/// A multi-class confusion matrix: `count(t, p)` samples of true class `t` were predicted as
/// class `p`. Row = true class, column = predicted class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    n_classes: usize,
    /// Row-major `n_classes × n_classes` counts.
    counts: Vec<u64>,
    class_names: Option<Vec<String>>,
}

/// Precision, recall, F1 and support of one class (one-vs-rest), as computed by
/// [`ConfusionMatrix::class_scores`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassScores {
    /// `TP / (TP + FP)`: of the samples predicted as this class, the fraction that are (0 if
    /// none are predicted).
    pub precision: f64,
    /// `TP / (TP + FN)`: of the samples of this class, the fraction found (0 if there are none).
    pub recall: f64,
    /// `2·TP / (2·TP + FP + FN)`, the harmonic mean of precision and recall (0 if `TP = 0`).
    pub f1: f64,
    /// The number of samples whose true class this is (`TP + FN`).
    pub support: u64,
}

/// Per-class scores and their macro (unweighted) averages over all classes.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationReport {
    /// One entry per class, in class-index order.
    pub per_class: Vec<ClassScores>,
    /// Mean of the per-class precisions.
    pub macro_precision: f64,
    /// Mean of the per-class recalls.
    pub macro_recall: f64,
    /// Mean of the per-class F1 scores (not the F1 of the macro precision and recall).
    pub macro_f1: f64,
    /// Overall accuracy: trace / total.
    pub accuracy: f64,
}

impl ConfusionMatrix {
    /// Counts `(truth[i], predicted[i])` pairs into an `n_classes × n_classes` matrix.
    ///
    /// # Errors
    /// [`Error::Shape`] if the lengths differ; [`Error::InvalidArgument`] if they are empty,
    /// `n_classes == 0`, or a label is `>= n_classes`.
    pub fn new(truth: &[usize], predicted: &[usize], n_classes: usize) -> Result<Self> {
        check_paired("ConfusionMatrix::new", truth.len(), predicted.len())?;
        if n_classes == 0 {
            return Err(Error::InvalidArgument(
                "ConfusionMatrix::new: n_classes must be at least 1".into(),
            ));
        }
        let mut counts = vec![0u64; n_classes * n_classes];
        for (i, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            if t >= n_classes || p >= n_classes {
                return Err(Error::InvalidArgument(format!(
                    "ConfusionMatrix::new: sample {i} has true label {t} and predicted label {p}; \
                     labels must be below n_classes = {n_classes}"
                )));
            }
            counts[t * n_classes + p] += 1;
        }
        Ok(ConfusionMatrix {
            n_classes,
            counts,
            class_names: None,
        })
    }

    /// Wraps existing row-major counts (`counts[t * n_classes + p]`).
    ///
    /// # Errors
    /// [`Error::Shape`] if `counts.len() != n_classes²`; [`Error::InvalidArgument`] if
    /// `n_classes == 0`.
    pub fn from_counts(counts: Vec<u64>, n_classes: usize) -> Result<Self> {
        if n_classes == 0 {
            return Err(Error::InvalidArgument(
                "ConfusionMatrix::from_counts: n_classes must be at least 1".into(),
            ));
        }
        if counts.len() != n_classes * n_classes {
            return Err(Error::Shape {
                op: "ConfusionMatrix::from_counts",
                lhs: vec![counts.len()],
                rhs: vec![n_classes, n_classes],
                expected: "n_classes × n_classes counts".into(),
            });
        }
        Ok(ConfusionMatrix {
            n_classes,
            counts,
            class_names: None,
        })
    }

    /// Attaches class names (one per class, in index order), used by `Display` and the reports.
    ///
    /// # Errors
    /// [`Error::Shape`] if there is not exactly one name per class.
    pub fn with_class_names<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        if names.len() != self.n_classes {
            return Err(Error::Shape {
                op: "ConfusionMatrix::with_class_names",
                lhs: vec![names.len()],
                rhs: vec![self.n_classes],
                expected: "one name per class".into(),
            });
        }
        self.class_names = Some(names);
        Ok(self)
    }

    /// The number of classes (rows = columns).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The class names, if attached.
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// The name of class `c`: its attached name, or its index as text.
    ///
    /// # Panics
    /// If `c >= n_classes()`.
    pub fn class_name(&self, c: usize) -> String {
        assert!(c < self.n_classes, "class {c} out of range");
        match &self.class_names {
            Some(names) => names[c].clone(),
            None => c.to_string(),
        }
    }

    /// How many samples of true class `truth` were predicted as `predicted`.
    ///
    /// # Panics
    /// If either index is `>= n_classes()`.
    pub fn count(&self, truth: usize, predicted: usize) -> u64 {
        assert!(
            truth < self.n_classes && predicted < self.n_classes,
            "class index out of range"
        );
        self.counts[truth * self.n_classes + predicted]
    }

    /// All counts, row-major: `counts()[t * n_classes() + p]`.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Row `t`: how the samples of true class `t` were predicted.
    ///
    /// # Panics
    /// If `t >= n_classes()`.
    pub fn row(&self, t: usize) -> &[u64] {
        &self.counts[t * self.n_classes..(t + 1) * self.n_classes]
    }

    /// The total number of samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The number of correct predictions (the trace).
    pub fn correct(&self) -> u64 {
        (0..self.n_classes).map(|c| self.count(c, c)).sum()
    }

    /// Overall accuracy: trace / total (0 if the matrix is empty).
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct(), self.total())
    }

    /// Per-class accuracy: for each true class, the fraction of its samples predicted correctly
    /// (`count(c, c) / row sum`; the recall of the class; 0 for a class with no samples). This
    /// is what the PyTorch CIFAR-10 tutorial prints as "accuracy for class".
    pub fn per_class_accuracy(&self) -> Vec<f64> {
        (0..self.n_classes)
            .map(|c| ratio(self.count(c, c), self.row(c).iter().sum()))
            .collect()
    }

    /// One-vs-rest precision, recall, F1 and support of class `c`.
    ///
    /// With `TP = count(c, c)`, `FP = column sum − TP`, `FN = row sum − TP`; 0/0 is 0.
    ///
    /// # Panics
    /// If `c >= n_classes()`.
    pub fn class_scores(&self, c: usize) -> ClassScores {
        let tp = self.count(c, c);
        let row: u64 = self.row(c).iter().sum();
        let col: u64 = (0..self.n_classes).map(|t| self.count(t, c)).sum();
        let (fp, fn_) = (col - tp, row - tp);
        ClassScores {
            precision: ratio(tp, tp + fp),
            recall: ratio(tp, tp + fn_),
            f1: ratio(2 * tp, 2 * tp + fp + fn_),
            support: row,
        }
    }

    /// Per-class scores of every class and their macro averages.
    pub fn report(&self) -> ClassificationReport {
        let per_class: Vec<ClassScores> =
            (0..self.n_classes).map(|c| self.class_scores(c)).collect();
        let k = self.n_classes as f64;
        let mean = |f: fn(&ClassScores) -> f64| per_class.iter().map(f).sum::<f64>() / k;
        ClassificationReport {
            macro_precision: mean(|s| s.precision),
            macro_recall: mean(|s| s.recall),
            macro_f1: mean(|s| s.f1),
            accuracy: self.accuracy(),
            per_class,
        }
    }
}

impl fmt::Display for ConfusionMatrix {
    /// A plain-text table: one row per true class, one column per predicted class.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = (0..self.n_classes).map(|c| self.class_name(c)).collect();
        let name_w = names.iter().map(String::len).max().unwrap_or(0).max(10);
        let count_w = self
            .counts
            .iter()
            .map(|c| c.to_string().len())
            .chain(names.iter().map(|n| n.len().min(8)))
            .max()
            .unwrap_or(1);
        write!(f, "{:>name_w$}", "true\\pred")?;
        for n in &names {
            let short: String = n.chars().take(8).collect();
            write!(f, " {short:>count_w$}")?;
        }
        writeln!(f)?;
        for (t, n) in names.iter().enumerate() {
            write!(f, "{n:>name_w$}")?;
            for c in self.row(t) {
                write!(f, " {c:>count_w$}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Checks binary-score input: paired lengths, non-empty, no NaN.
fn check_scores(op: &'static str, truth: &[bool], scores: &[f64]) -> Result<()> {
    check_paired(op, truth.len(), scores.len())?;
    if let Some(i) = scores.iter().position(|s| s.is_nan()) {
        return Err(Error::InvalidArgument(format!("{op}: score {i} is NaN")));
    }
    Ok(())
}

/// The four counts of a binary classification at one threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinaryConfusion {
    /// Positives predicted positive.
    pub true_positives: u64,
    /// Negatives predicted positive.
    pub false_positives: u64,
    /// Negatives predicted negative.
    pub true_negatives: u64,
    /// Positives predicted negative.
    pub false_negatives: u64,
}

impl BinaryConfusion {
    /// Counts the outcomes of predicting positive iff `scores[i] >= threshold`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the lengths differ; [`Error::InvalidArgument`] if they are empty or a
    /// score is NaN.
    pub fn at_threshold(truth: &[bool], scores: &[f64], threshold: f64) -> Result<Self> {
        check_scores("BinaryConfusion::at_threshold", truth, scores)?;
        let predicted: Vec<bool> = scores.iter().map(|&s| s >= threshold).collect();
        Self::from_predictions(truth, &predicted)
    }

    /// Counts the outcomes of hard binary predictions.
    ///
    /// # Errors
    /// [`Error::Shape`] if the lengths differ; [`Error::InvalidArgument`] if they are empty.
    pub fn from_predictions(truth: &[bool], predicted: &[bool]) -> Result<Self> {
        check_paired(
            "BinaryConfusion::from_predictions",
            truth.len(),
            predicted.len(),
        )?;
        let mut c = BinaryConfusion {
            true_positives: 0,
            false_positives: 0,
            true_negatives: 0,
            false_negatives: 0,
        };
        for (&t, &p) in truth.iter().zip(predicted) {
            match (t, p) {
                (true, true) => c.true_positives += 1,
                (false, true) => c.false_positives += 1,
                (false, false) => c.true_negatives += 1,
                (true, false) => c.false_negatives += 1,
            }
        }
        Ok(c)
    }

    /// As a 2 × 2 [`ConfusionMatrix`] with class 0 = negative, class 1 = positive.
    pub fn to_matrix(&self) -> ConfusionMatrix {
        ConfusionMatrix {
            n_classes: 2,
            counts: vec![
                self.true_negatives,
                self.false_positives,
                self.false_negatives,
                self.true_positives,
            ],
            class_names: None,
        }
    }

    /// `TP / (TP + FP)` (0 if nothing is predicted positive).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// `TP / (TP + FN)`, the true-positive rate (0 if there are no positives).
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// `FP / (FP + TN)`, the false-positive rate (0 if there are no negatives).
    pub fn false_positive_rate(&self) -> f64 {
        ratio(
            self.false_positives,
            self.false_positives + self.true_negatives,
        )
    }

    /// `2·TP / (2·TP + FP + FN)` (0 if `TP = 0`).
    pub fn f1(&self) -> f64 {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }

    /// `(TP + TN) / total`.
    pub fn accuracy(&self) -> f64 {
        let total =
            self.true_positives + self.false_positives + self.true_negatives + self.false_negatives;
        ratio(self.true_positives + self.true_negatives, total)
    }
}

/// Precision and recall of predicting positive iff `score >= threshold`: a shorthand for
/// [`BinaryConfusion::at_threshold`] followed by its `precision()` and `recall()`.
///
/// # Errors
/// As [`BinaryConfusion::at_threshold`].
pub fn precision_recall_at(truth: &[bool], scores: &[f64], threshold: f64) -> Result<(f64, f64)> {
    let c = BinaryConfusion::at_threshold(truth, scores, threshold)?;
    Ok((c.precision(), c.recall()))
}

/// One point of a ROC curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RocPoint {
    /// Samples with `score >= threshold` are predicted positive. The first point, `(0, 0)`,
    /// predicts nothing positive and carries the nominal threshold `+∞` (if some scores are `+∞`
    /// themselves, the next point has the same threshold).
    pub threshold: f64,
    /// False-positive rate `FP / N` at this threshold.
    pub false_positive_rate: f64,
    /// True-positive rate (recall) `TP / P` at this threshold.
    pub true_positive_rate: f64,
}

/// A receiver operating characteristic curve: `(FPR, TPR)` as the threshold sweeps down
/// through every distinct score. Built by [`roc_curve`].
#[derive(Clone, Debug, PartialEq)]
pub struct RocCurve {
    points: Vec<RocPoint>,
    positives: u64,
    negatives: u64,
    /// Twice the area in units of one (positive, negative) pair: Σ ΔFP·(TP_prev + TP).
    twice_area_pairs: u128,
}

impl RocCurve {
    /// The points, from `(0, 0)` at threshold `+∞` to `(1, 1)` at the smallest score; one point
    /// per distinct score, in decreasing threshold order.
    pub fn points(&self) -> &[RocPoint] {
        &self.points
    }

    /// The number of positive samples `P`.
    pub fn positives(&self) -> u64 {
        self.positives
    }

    /// The number of negative samples `N`.
    pub fn negatives(&self) -> u64 {
        self.negatives
    }

    /// The area under the curve by the trapezoid rule. Computed exactly in integer pair counts
    /// and divided once, so it equals the Mann–Whitney statistic `U / (P·N)` (ties ½) up to the
    /// final rounding.
    pub fn auc(&self) -> f64 {
        self.twice_area_pairs as f64 / (2.0 * self.positives as f64 * self.negatives as f64)
    }
}

/// The ROC curve of binary `scores` against `truth` (`true` = positive).
///
/// Samples are sorted by decreasing score; each group of equal scores is one step, so a tie
/// between a positive and a negative becomes a diagonal segment (worth ½ per tied pair in the
/// area).
///
/// # Errors
/// [`Error::Shape`] if the lengths differ; [`Error::InvalidArgument`] if they are empty, a score
/// is NaN, or all samples belong to one class (the curve needs both `P > 0` and `N > 0`).
pub fn roc_curve(truth: &[bool], scores: &[f64]) -> Result<RocCurve> {
    check_scores("roc_curve", truth, scores)?;
    let positives = truth.iter().filter(|&&t| t).count() as u64;
    let negatives = truth.len() as u64 - positives;
    if positives == 0 || negatives == 0 {
        return Err(Error::InvalidArgument(format!(
            "roc_curve: needs both classes, got {positives} positive and {negatives} negative samples"
        )));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));

    let mut points = vec![RocPoint {
        threshold: f64::INFINITY,
        false_positive_rate: 0.0,
        true_positive_rate: 0.0,
    }];
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut twice_area_pairs = 0u128;
    let mut i = 0;
    while i < order.len() {
        let threshold = scores[order[i]];
        let (tp_prev, fp_prev) = (tp, fp);
        // The whole group of scores equal to `threshold` crosses at once. (`==` treats -0.0 and
        // 0.0 as one score, as a `>=` comparison would.)
        while i < order.len() && scores[order[i]] == threshold {
            if truth[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        twice_area_pairs += u128::from(fp - fp_prev) * u128::from(tp_prev + tp);
        points.push(RocPoint {
            threshold,
            false_positive_rate: fp as f64 / negatives as f64,
            true_positive_rate: tp as f64 / positives as f64,
        });
    }
    Ok(RocCurve {
        points,
        positives,
        negatives,
        twice_area_pairs,
    })
}

/// The area under the ROC curve: `roc_curve(truth, scores)?.auc()`.
///
/// # Errors
/// As [`roc_curve`].
pub fn roc_auc(truth: &[bool], scores: &[f64]) -> Result<f64> {
    Ok(roc_curve(truth, scores)?.auc())
}
