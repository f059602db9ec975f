//! The hybrid classifier: CNN features → z-score → RBF SVM (one-vs-one), compared with the
//! network's own softmax head on the same test images.
//!
//! [`extract_features`] gives the penultimate activations of a trained [`LeNet5`] (`fc2` after
//! its ReLU, 84 values per image). [`FeatureSvm::fit`] standardises them with the training mean
//! and standard deviation, picks `C` and `γ` (given, or by cross-validated [`grid_search`] on a
//! seeded stratified subsample of the training rows), and trains a C-SVC with the RBF kernel on
//! every training row. [`cnn_svm`] runs the whole comparison and returns both confusion matrices.
//!
//! ```
//! # fn main() -> lepton::Result<()> {
//! use lepton::pipeline::{FeatureSvm, FeatureSvmConfig};
//! // 4 training rows × 2 features, two classes.
//! let x = [0.0, 0.1, 0.2, 0.0, 1.0, 0.9, 0.8, 1.0];
//! let fitted = FeatureSvm::fit(&x, 2, &[0, 0, 1, 1], &FeatureSvmConfig::default())?;
//! assert_eq!(fitted.predict(&[0.9, 0.95])?, vec![1]);
//! # Ok(()) }
//! ```

use crate::data::{ImageDataset, Normalize};
use crate::error::{Error, Result};
use crate::metrics::ConfusionMatrix;
use crate::nn::LeNet5;
use crate::preprocess::Standardizer;
use crate::svm::{grid_search, GridResult, GridSpec, SvmModel, SvmParams};
use crate::training::{extract_features, predict};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// How the SVM on features is chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSvmConfig {
    /// Cost `C` (default 1), unless `grid` chooses it.
    pub c: f64,
    /// RBF `γ`; `None` means `1 / n_features` (LIBSVM's default).
    pub gamma: Option<f64>,
    /// Grid-search `C` and `γ` by cross-validation.
    pub grid: Option<GridSpec>,
    /// Run the grid search on at most this many training rows (a seeded, stratified
    /// subsample); the final model is trained on all rows. `None`: all rows.
    pub grid_rows: Option<usize>,
    /// Seed of the subsample.
    pub seed: u64,
}

impl Default for FeatureSvmConfig {
    fn default() -> Self {
        FeatureSvmConfig {
            c: 1.0,
            gamma: None,
            grid: None,
            grid_rows: Some(2000),
            seed: 0,
        }
    }
}

/// A fitted standardiser + RBF SVM over feature vectors.
#[derive(Clone, Debug)]
pub struct FeatureSvm {
    /// The z-score fitted on the training features.
    pub standardizer: Standardizer,
    /// The SVM (class labels are the class indices).
    pub model: SvmModel,
    /// The parameters it was trained with.
    pub params: SvmParams,
    /// The grid search, if any, and the number of rows it used.
    pub grid: Option<(GridResult, usize)>,
}

impl FeatureSvm {
    /// Fits on `x` (`labels.len() × n_features`, row-major) with class indices `labels`.
    ///
    /// # Errors
    /// [`Error::Shape`] if `x` is not `labels.len() × n_features`; [`Error::InvalidArgument`]
    /// for empty data, a class index above `i32::MAX`, or invalid SVM parameters.
    pub fn fit(
        x: &[f32],
        n_features: usize,
        labels: &[usize],
        config: &FeatureSvmConfig,
    ) -> Result<Self> {
        if x.len() != labels.len() * n_features || n_features == 0 {
            return Err(Error::Shape {
                op: "FeatureSvm::fit",
                lhs: vec![x.len()],
                rhs: vec![labels.len(), n_features],
                expected: "x holds labels.len() × n_features values, n_features > 0".into(),
            });
        }
        if labels.is_empty() {
            return Err(Error::InvalidArgument("FeatureSvm::fit: no rows".into()));
        }
        let y = class_targets(labels)?;
        let standardizer = Standardizer::fit(x, n_features)?;
        let mut z = x.to_vec();
        standardizer.transform(&mut z, n_features)?;
        let mut params =
            SvmParams::c_svc_rbf(config.c, config.gamma.unwrap_or(1.0 / n_features as f64));
        let grid = match &config.grid {
            Some(spec) => {
                let rows = stratified_subsample(labels, config.grid_rows, config.seed);
                let (xs, ys) = gather(&z, n_features, &y, &rows);
                let g = grid_search(&xs, n_features, &ys, &params, spec)?;
                params.c = g.best_cell().c();
                params.gamma = Some(g.best_cell().gamma());
                Some((g, rows.len()))
            }
            None => None,
        };
        let model = SvmModel::train(&z, n_features, &y, &params)?;
        Ok(FeatureSvm {
            standardizer,
            model,
            params,
            grid,
        })
    }

    /// Predicted class index of each row of `x` (`n × n_features`).
    ///
    /// # Errors
    /// [`Error::Shape`] if `x` is not whole rows of the fitted width.
    pub fn predict(&self, x: &[f32]) -> Result<Vec<usize>> {
        let nf = self.standardizer.cols();
        let mut z = x.to_vec();
        self.standardizer.transform(&mut z, nf)?;
        Ok(self
            .model
            .predict_batch(&z, nf)?
            .into_iter()
            .map(|p| p.max(0.0) as usize)
            .collect())
    }
}

fn class_targets(labels: &[usize]) -> Result<Vec<f64>> {
    labels
        .iter()
        .map(|&l| {
            i32::try_from(l).map(f64::from).map_err(|_| {
                Error::InvalidArgument(format!("class index {l} does not fit an SVM label"))
            })
        })
        .collect()
}

/// At most `limit` row indices, the same fraction of each class, chosen by a seeded shuffle;
/// ascending. All rows if `limit` is `None` or not smaller than `labels.len()`.
pub fn stratified_subsample(labels: &[usize], limit: Option<usize>, seed: u64) -> Vec<usize> {
    let n = labels.len();
    let Some(limit) = limit.filter(|&m| m < n) else {
        return (0..n).collect();
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let classes = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut out = Vec::with_capacity(limit);
    for c in 0..classes {
        let mut rows: Vec<usize> = (0..n).filter(|&r| labels[r] == c).collect();
        rows.shuffle(&mut rng);
        let take = (rows.len() * limit).div_ceil(n).min(rows.len());
        out.extend_from_slice(&rows[..take]);
    }
    out.sort_unstable();
    out
}

fn gather(x: &[f32], nf: usize, y: &[f64], rows: &[usize]) -> (Vec<f32>, Vec<f64>) {
    let mut xs = Vec::with_capacity(rows.len() * nf);
    for &r in rows {
        xs.extend_from_slice(&x[r * nf..(r + 1) * nf]);
    }
    (xs, rows.iter().map(|&r| y[r]).collect())
}

/// The two classifiers' results on the same test images.
#[derive(Clone, Debug)]
pub struct CnnSvmOutcome {
    /// The SVM on standardised features.
    pub svm: ConfusionMatrix,
    /// The network's own softmax head (argmax of the logits).
    pub softmax: ConfusionMatrix,
    /// The fitted feature SVM.
    pub fitted: FeatureSvm,
    /// Training images the SVM saw.
    pub n_train: usize,
}

/// Extracts `net`'s features of `train` and `test`, fits a [`FeatureSvm`] on the training
/// features and evaluates it and the softmax head on `test`. `normalize` / `pad_to` are the
/// network's training preprocessing; images are processed in batches of `batch_size`.
/// Class names of `test` are attached to the matrices when it has one per class.
///
/// # Errors
/// As [`extract_features`], [`predict`] and [`FeatureSvm::fit`].
pub fn cnn_svm<D: ImageDataset + ?Sized, E: ImageDataset + ?Sized>(
    net: &LeNet5,
    train: &D,
    test: &E,
    normalize: &Normalize,
    pad_to: Option<(usize, usize)>,
    batch_size: usize,
    config: &FeatureSvmConfig,
) -> Result<CnnSvmOutcome> {
    let (x_train, y_train) = extract_features(net, train, normalize, pad_to, batch_size)?;
    let (x_test, y_test) = extract_features(net, test, normalize, pad_to, batch_size)?;
    let fitted = FeatureSvm::fit(&x_train, LeNet5::FEATURES, &y_train, config)?;
    let svm_predicted = fitted.predict(&x_test)?;
    let head = predict(net, test, normalize, pad_to, batch_size)?;
    let classes = net.num_classes();
    let name = |m: ConfusionMatrix| -> Result<ConfusionMatrix> {
        let names = test.class_names();
        if names.len() == classes {
            m.with_class_names(names.iter().cloned())
        } else {
            Ok(m)
        }
    };
    Ok(CnnSvmOutcome {
        svm: name(ConfusionMatrix::new(&y_test, &svm_predicted, classes)?)?,
        softmax: name(ConfusionMatrix::new(
            &head.labels,
            &head.predicted,
            classes,
        )?)?,
        fitted,
        n_train: y_train.len(),
    })
}
