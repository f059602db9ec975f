//! The image datasets the CLI trains on: `--data DIR` with `--dataset cifar10|fashion-mnist`.

use clap::{Args, ValueEnum};
use lepton::data::idx::FASHION_MNIST_CLASS_NAMES;
use lepton::data::{Cifar10, IdxDir, IdxSplit, ImageDataset, Normalize, Subset};
use lepton::{Error, Result};
use std::path::PathBuf;

/// Which format `--data` is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DatasetKind {
    /// A CIFAR-10 binary directory (data_batch_*.bin, test_batch.bin, batches.meta.txt).
    Cifar10,
    /// A directory of Fashion-MNIST IDX files (train-*/t10k-*, raw or .gz).
    FashionMnist,
}

/// Where the images come from.
#[derive(Args, Debug, Clone)]
pub struct DatasetArgs {
    /// Dataset directory.
    #[arg(long)]
    pub data: PathBuf,
    /// Dataset format.
    #[arg(long, value_enum, default_value_t = DatasetKind::Cifar10)]
    pub dataset: DatasetKind,
    /// Hold out the last N training images as the test set (for directories without a test
    /// split, e.g. a single CIFAR-10 batch file).
    #[arg(long)]
    pub holdout: Option<usize>,
    /// Use only the first N training images (after the holdout is taken).
    #[arg(long)]
    pub limit_train: Option<usize>,
}

impl DatasetArgs {
    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        let mut s = format!("{} ({:?})", self.data.display(), self.dataset);
        if let Some(h) = self.holdout {
            s.push_str(&format!(", last {h} training images held out as test"));
        }
        if let Some(l) = self.limit_train {
            s.push_str(&format!(", first {l} training images"));
        }
        s
    }

    /// Opens the dataset.
    ///
    /// # Errors
    /// The readers' errors (missing directory or files, corrupt files); [`Error::InvalidArgument`]
    /// if there is no test split and no `--holdout`, or the holdout leaves no training images.
    pub fn open(&self) -> Result<ImageData> {
        if !self.data.is_dir() {
            return Err(Error::io(
                &self.data,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
            ));
        }
        let source = match self.dataset {
            DatasetKind::Cifar10 => {
                let c = Cifar10::open(&self.data)?;
                Source::Cifar10(c)
            }
            DatasetKind::FashionMnist => {
                let d = IdxDir::open(&self.data)?;
                let names: Vec<String> = FASHION_MNIST_CLASS_NAMES
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                let named = |s: Option<IdxSplit>| -> Result<Option<IdxSplit>> {
                    s.map(|s| s.with_class_names(names.clone())).transpose()
                };
                Source::Idx {
                    train: Box::new(named(d.train)?),
                    test: Box::new(named(d.test)?),
                }
            }
        };
        let (train_len, test_len) = {
            let (tr, te) = source.raw();
            (tr.map_or(0, |d| d.len()), te.map_or(0, |d| d.len()))
        };
        let (train_range, test_from_train) = match self.holdout {
            Some(h) => {
                if h == 0 || h >= train_len {
                    return Err(Error::InvalidArgument(format!(
                        "--holdout {h}: must be between 1 and {} (the training images minus one)",
                        train_len.saturating_sub(1)
                    )));
                }
                (0..train_len - h, true)
            }
            None => {
                if test_len == 0 {
                    return Err(Error::InvalidArgument(format!(
                        "{} has no test split; pass --holdout N to test on the last N training \
                         images",
                        self.data.display()
                    )));
                }
                (0..train_len, false)
            }
        };
        if train_range.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "{} has no training images",
                self.data.display()
            )));
        }
        let train_end = match self.limit_train {
            Some(0) => {
                return Err(Error::InvalidArgument(
                    "--limit-train must be at least 1".into(),
                ))
            }
            Some(l) => train_range.end.min(l),
            None => train_range.end,
        };
        Ok(ImageData {
            source,
            kind: self.dataset,
            train_indices: (0..train_end).collect(),
            test_indices: if test_from_train {
                (train_range.end..train_len).collect()
            } else {
                (0..test_len).collect()
            },
            test_from_train,
        })
    }
}

#[allow(clippy::large_enum_variant)] // one value per run
enum Source {
    Cifar10(Cifar10),
    Idx {
        train: Box<Option<IdxSplit>>,
        test: Box<Option<IdxSplit>>,
    },
}

impl Source {
    fn raw(&self) -> (Option<&dyn ImageDataset>, Option<&dyn ImageDataset>) {
        match self {
            Source::Cifar10(c) => (Some(c.train()), Some(c.test())),
            Source::Idx { train, test } => (
                train.as_ref().as_ref().map(|d| d as &dyn ImageDataset),
                test.as_ref().as_ref().map(|d| d as &dyn ImageDataset),
            ),
        }
    }
}

/// An opened dataset with its train and test selections.
pub struct ImageData {
    source: Source,
    kind: DatasetKind,
    train_indices: Vec<usize>,
    test_indices: Vec<usize>,
    test_from_train: bool,
}

impl ImageData {
    /// The training and test images.
    pub fn splits(
        &self,
    ) -> (
        Subset<'_, dyn ImageDataset + '_>,
        Subset<'_, dyn ImageDataset + '_>,
    ) {
        let (tr, te) = self.source.raw();
        let tr = tr.expect("a training split exists (checked at open)");
        let te = if self.test_from_train {
            tr
        } else {
            te.unwrap_or(tr)
        };
        (
            Subset::new(tr, self.train_indices.clone()),
            Subset::new(te, self.test_indices.clone()),
        )
    }

    /// Image channels as the network sees them.
    pub fn channels(&self) -> usize {
        match self.kind {
            DatasetKind::Cifar10 => 3,
            DatasetKind::FashionMnist => 1,
        }
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        10
    }

    /// Class names.
    pub fn class_names(&self) -> Vec<String> {
        let (tr, _) = self.source.raw();
        tr.map(|d| d.class_names().to_vec()).unwrap_or_default()
    }

    /// The normalisation of the seed recipe: `(p/255 − 0.5)/0.5` per channel.
    pub fn normalize(&self) -> Normalize {
        Normalize::MeanStd {
            mean: vec![0.5; self.channels()],
            std: vec![0.5; self.channels()],
        }
    }

    /// Fashion-MNIST's 28×28 images are centred on a 32×32 canvas, as LeNet did with MNIST.
    pub fn pad_to(&self) -> Option<(usize, usize)> {
        match self.kind {
            DatasetKind::Cifar10 => None,
            DatasetKind::FashionMnist => Some((32, 32)),
        }
    }

    /// "CIFAR-10" or "Fashion-MNIST".
    pub fn description(&self) -> &'static str {
        match self.kind {
            DatasetKind::Cifar10 => "CIFAR-10",
            DatasetKind::FashionMnist => "Fashion-MNIST",
        }
    }
}
