//! Training a [`LeNet5`] on an image dataset: the loop behind `lepton train`, `lepton demo` and
//! `lepton pipeline`.
//!
//! One epoch is: the [`Batcher`] deals the training images in an order drawn from
//! `(seed, epoch)`; for each batch, [`LeNet5::train_step`] records the forward pass, walks the
//! tape back and lets the optimizer update the weights. Because the order and the augmentation
//! depend only on `(seed, epoch, image)`, and every kernel computes each output the same way at
//! any thread count, a run is bit-for-bit reproducible — and resuming from the checkpoint written
//! after epoch `e` continues exactly as the uninterrupted run would have.
//!
//! ```
//! use lepton::data::{synthetic, Cifar10};
//! use lepton::nn::LeNet5;
//! use lepton::training::{train_epoch, evaluate, TrainConfig};
//!
//! # fn main() -> lepton::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! synthetic::write_cifar_dir(dir.path(), &synthetic::SyntheticConfig {
//!     train_per_class: 8, test_per_class: 2, ..Default::default()
//! })?;
//! let data = Cifar10::open(dir.path())?;
//! let config = TrainConfig { epochs: 1, ..TrainConfig::seed_recipe() };
//! let mut net = LeNet5::new(3, 10, config.seed);
//! let mut optimizer = config.optimizer()?;
//! let batcher = config.batcher(data.train())?;
//! let stats = train_epoch(&mut net, optimizer.as_mut(), &batcher, 0, &mut |_| {})?;
//! assert!(stats.loss.is_finite());
//! let confusion = evaluate(&net, data.test(), &config.normalize, None, 64)?;
//! assert_eq!(confusion.total(), 20);
//! # Ok(()) }
//! ```

mod checkpoint;
mod evaluate;

pub use checkpoint::{load_checkpoint, save_checkpoint, CHECKPOINT_FORMAT};
pub use evaluate::{evaluate, extract_features, predict, Predictions};

use crate::data::{Augment, BatchConfig, Batcher, ImageDataset, Normalize};
use crate::error::{Error, Result};
use crate::nn::LeNet5;
use crate::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use std::time::Instant;

/// Which optimizer a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerKind {
    /// SGD with (optional) momentum and weight decay, PyTorch's rule.
    Sgd,
    /// Adam; with a weight decay it is AdamW (decoupled), as `torch.optim.AdamW`.
    Adam,
}

impl OptimizerKind {
    /// `"sgd"` or `"adam"`.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Adam => "adam",
        }
    }
}

/// The settings of a training run.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training split.
    pub epochs: usize,
    /// Images per step.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f32,
    /// SGD momentum (ignored by Adam).
    pub momentum: f32,
    /// L2 weight decay (SGD) or decoupled weight decay (AdamW).
    pub weight_decay: f32,
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Random crop (4-pixel zero padding) and horizontal flip of training images.
    pub augment: bool,
    /// Seed of the initial weights, the shuffles and the augmentation.
    pub seed: u64,
    /// Pixel normalisation (training and evaluation alike).
    pub normalize: Normalize,
    /// Canvas size the images are centred on (e.g. `(32, 32)` for 28×28 Fashion-MNIST).
    pub pad_to: Option<(usize, usize)>,
}

impl TrainConfig {
    /// The recipe of PyTorch's CIFAR-10 tutorial: SGD, lr 0.001, momentum 0.9, batch 4, 2
    /// epochs, pixels normalised to `(p/255 − 0.5)/0.5`, no augmentation, seed 0.
    pub fn seed_recipe() -> Self {
        TrainConfig {
            epochs: 2,
            batch_size: 4,
            lr: 0.001,
            momentum: 0.9,
            weight_decay: 0.0,
            optimizer: OptimizerKind::Sgd,
            augment: false,
            seed: 0,
            normalize: Normalize::MeanStd {
                mean: vec![0.5; 3],
                std: vec![0.5; 3],
            },
            pad_to: None,
        }
    }

    /// A fresh optimizer as configured.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a learning rate, momentum or weight decay out of range.
    pub fn optimizer(&self) -> Result<Box<dyn Optimizer>> {
        Ok(match self.optimizer {
            OptimizerKind::Sgd => Box::new(Sgd::new(SgdConfig {
                momentum: self.momentum,
                weight_decay: self.weight_decay,
                ..SgdConfig::new(self.lr)
            })?),
            OptimizerKind::Adam => {
                let config = if self.weight_decay > 0.0 {
                    AdamConfig {
                        weight_decay: self.weight_decay,
                        ..AdamConfig::adamw(self.lr)
                    }
                } else {
                    AdamConfig::adam(self.lr)
                };
                Box::new(Adam::new(config)?)
            }
        })
    }

    /// The shuffling, normalising (and, if configured, augmenting) batcher over `train`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the batch size is 0 or the normalisation does not fit the
    /// images' channels.
    pub fn batcher<'a, D: ImageDataset + ?Sized>(&self, train: &'a D) -> Result<Batcher<'a, D>> {
        if self.epochs == 0 {
            return Err(Error::InvalidArgument("epochs must be at least 1".into()));
        }
        Batcher::new(
            train,
            BatchConfig {
                batch_size: self.batch_size,
                shuffle: true,
                seed: self.seed,
                normalize: self.normalize.clone(),
                augment: if self.augment {
                    Augment::standard()
                } else {
                    Augment::none()
                },
                drop_last: false,
                pad_to: self.pad_to,
            },
        )
    }
}

/// What happened in one epoch of training.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochStats {
    /// 0-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's steps (each step's mean cross-entropy, weighted by its
    /// batch size).
    pub loss: f64,
    /// Images seen.
    pub images: usize,
    /// Wall-clock seconds of the training steps (batch assembly included, evaluation excluded).
    pub seconds: f64,
}

impl EpochStats {
    /// Training throughput.
    pub fn images_per_sec(&self) -> f64 {
        self.images as f64 / self.seconds.max(1e-9)
    }
}

/// One training step's progress, reported to [`train_epoch`]'s callback.
#[derive(Clone, Copy, Debug)]
pub struct StepProgress {
    /// 0-based epoch.
    pub epoch: usize,
    /// 1-based step within the epoch.
    pub step: usize,
    /// Steps in the epoch.
    pub steps: usize,
    /// This step's loss.
    pub loss: f32,
    /// Images in this step's batch.
    pub images: usize,
}

/// Trains `net` for one epoch over `batcher`'s batches of epoch `epoch`, calling `on_step` after
/// every step.
///
/// # Errors
/// [`Error::Numerical`] naming the epoch (1-based) and step if a loss is NaN or infinite —
/// training stops there; shape errors if the images do not fit the network.
pub fn train_epoch<D: ImageDataset + ?Sized>(
    net: &mut LeNet5,
    optimizer: &mut dyn Optimizer,
    batcher: &Batcher<'_, D>,
    epoch: usize,
    on_step: &mut dyn FnMut(StepProgress),
) -> Result<EpochStats> {
    let start = Instant::now();
    let steps = batcher.batches_per_epoch();
    let (mut loss_sum, mut images) = (0.0f64, 0usize);
    for (i, batch) in batcher.epoch(epoch as u64).enumerate() {
        let loss = net.train_step(&batch.images, &batch.labels, optimizer)?;
        if !loss.is_finite() {
            return Err(Error::Numerical(format!(
                "training loss is {loss} at epoch {}, step {} of {steps}; lower the learning rate",
                epoch + 1,
                i + 1
            )));
        }
        let n = batch.labels.len();
        loss_sum += loss as f64 * n as f64;
        images += n;
        on_step(StepProgress {
            epoch,
            step: i + 1,
            steps,
            loss,
            images: n,
        });
    }
    Ok(EpochStats {
        epoch,
        loss: loss_sum / images.max(1) as f64,
        images,
        seconds: start.elapsed().as_secs_f64(),
    })
}
