//! Inference over a whole dataset: predictions, the confusion matrix, penultimate features.

use crate::data::{Augment, BatchConfig, Batcher, ImageDataset, Normalize};
use crate::error::Result;
use crate::metrics::ConfusionMatrix;
use crate::nn::LeNet5;

/// A network's outputs over a dataset, in dataset order.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictions {
    /// The true labels.
    pub labels: Vec<usize>,
    /// The predicted class of each image: the index of its largest logit (the first on ties).
    pub predicted: Vec<usize>,
    /// `len × classes` logits, row-major.
    pub logits: Vec<f32>,
    /// Number of classes (the logits' row length).
    pub classes: usize,
}

fn ordered_batcher<'a, D: ImageDataset + ?Sized>(
    data: &'a D,
    normalize: &Normalize,
    pad_to: Option<(usize, usize)>,
    batch_size: usize,
) -> Result<Batcher<'a, D>> {
    Batcher::new(
        data,
        BatchConfig {
            batch_size,
            shuffle: false,
            seed: 0,
            normalize: normalize.clone(),
            augment: Augment::none(),
            drop_last: false,
            pad_to,
        },
    )
}

/// The index of the largest value (the first of equal maxima; NaN never wins).
fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// Runs `net` over every image of `data` (no tape, no augmentation, dataset order), in batches of
/// `batch_size`, normalising as in training.
///
/// # Errors
/// [`crate::Error::InvalidArgument`] for a zero batch size or a normalisation that does not fit
/// the images; [`crate::Error::Shape`] if the images do not fit the network.
pub fn predict<D: ImageDataset + ?Sized>(
    net: &LeNet5,
    data: &D,
    normalize: &Normalize,
    pad_to: Option<(usize, usize)>,
    batch_size: usize,
) -> Result<Predictions> {
    let batcher = ordered_batcher(data, normalize, pad_to, batch_size)?;
    let classes = net.num_classes();
    let mut out = Predictions {
        labels: Vec::with_capacity(data.len()),
        predicted: Vec::with_capacity(data.len()),
        logits: Vec::with_capacity(data.len() * classes),
        classes,
    };
    for batch in batcher.epoch(0) {
        let logits = net.logits(&batch.images)?;
        for row in logits.data().chunks_exact(classes) {
            out.predicted.push(argmax(row));
        }
        out.logits.extend_from_slice(logits.data());
        out.labels.extend_from_slice(&batch.labels);
    }
    Ok(out)
}

/// The confusion matrix of `net` on `data` (rows: true class, columns: predicted), labelled with
/// the dataset's class names when it has them. See [`predict`] for the arguments.
///
/// # Errors
/// As [`predict`].
pub fn evaluate<D: ImageDataset + ?Sized>(
    net: &LeNet5,
    data: &D,
    normalize: &Normalize,
    pad_to: Option<(usize, usize)>,
    batch_size: usize,
) -> Result<ConfusionMatrix> {
    let p = predict(net, data, normalize, pad_to, batch_size)?;
    let confusion = ConfusionMatrix::new(&p.labels, &p.predicted, net.num_classes())?;
    let names = data.class_names();
    if names.len() == net.num_classes() {
        confusion.with_class_names(names.iter().cloned())
    } else {
        Ok(confusion)
    }
}

/// The penultimate activations of `net` (after `fc2` and its ReLU: [`LeNet5::FEATURES`] values
/// per image) for every image of `data`, in dataset order: `(features [len × 84] row-major,
/// labels)`. These are what the SVM of `lepton pipeline` classifies.
///
/// Up to 32 images per batch, an image's features are the same bits whatever `batch_size` is
/// (the dense layers' products then sum every element in one order; tested here with batches
/// of 7 and 20, and in `lepton-kernels` for the products of every batch of 1–32 rows at depths
/// up to 5000). Larger batches take other matrix-multiply paths, whose results may differ in
/// the last bits.
///
/// # Errors
/// As [`predict`].
pub fn extract_features<D: ImageDataset + ?Sized>(
    net: &LeNet5,
    data: &D,
    normalize: &Normalize,
    pad_to: Option<(usize, usize)>,
    batch_size: usize,
) -> Result<(Vec<f32>, Vec<usize>)> {
    let batcher = ordered_batcher(data, normalize, pad_to, batch_size)?;
    let mut features = Vec::with_capacity(data.len() * LeNet5::FEATURES);
    let mut labels = Vec::with_capacity(data.len());
    for batch in batcher.epoch(0) {
        features.extend_from_slice(net.features(&batch.images)?.data());
        labels.extend_from_slice(&batch.labels);
    }
    Ok((features, labels))
}
