//! Credit-risk scoring of the German Credit data (shipped inside the library) in a page.
//!
//! ```sh
//! cargo run --release --example credit_risk
//! ```
//!
//! Records → drop duplicates → impute → one-hot encode → standardise (fitted on the training
//! rows) → RBF SVM with the "bad" class weighted by n_good / n_bad and Platt probabilities →
//! ROC curve and AUC on a stratified 30% test set. `lepton risk` does the same and writes a
//! report with the ROC curve.

use lepton::risk::{
    fit_risk_svm, german_credit, RiskConfig, RiskDataset, GERMAN_CREDIT_UNRELIABLE, POSITIVE_LABEL,
};

fn main() -> lepton::Result<()> {
    // 1. The table, split into features and the target; "bad" is the positive (risky) class.
    // The shipped copy's `personal_status_and_sex` is not aligned with its records: leave it out.
    let mut table = german_credit()?;
    table.remove_column(GERMAN_CREDIT_UNRELIABLE);
    let data = RiskDataset::from_table(table, "creditability", Some("bad"))?;
    let s = &data.summary;
    println!(
        "{} records ({} bad / {} good), {} duplicates removed",
        s.rows_read, s.positives, s.negatives, s.duplicates_removed
    );

    // 2. A seeded stratified split; preprocessing is fitted on the training rows only.
    let config = RiskConfig::default(); // C = 1, γ = 1/features, 30% test, threshold 0.5
    let (train, test) = data.stratified_split(0.3, config.seed)?;
    let split = data.prepare(&train, &test)?;
    println!("{} encoded features", split.n_features());

    // 3. The class-weighted SVM with Platt probabilities: P(bad | applicant).
    let fitted = fit_risk_svm(&split, &config)?;
    let p_bad = fitted.positive_probability(&split.x_test)?;

    // 4. ROC / AUC, and the confusion counts at P(bad) ≥ 0.5.
    let truth: Vec<bool> = split.y_test.iter().map(|&y| y == POSITIVE_LABEL).collect();
    let roc = lepton::metrics::roc_curve(&truth, &p_bad)?;
    let at = lepton::metrics::BinaryConfusion::at_threshold(&truth, &p_bad, 0.5)?;
    println!(
        "AUC {:.4} over {} ROC points",
        roc.auc(),
        roc.points().len()
    );
    println!(
        "at P(bad) >= 0.5: precision {:.3}, recall {:.3} (TP {}, FP {}, TN {}, FN {})",
        at.precision(),
        at.recall(),
        at.true_positives,
        at.false_positives,
        at.true_negatives,
        at.false_negatives
    );
    Ok(())
}
