//! [`Batcher`]: turns an [`ImageDataset`] into shuffled, normalised, optionally augmented `f32`
//! NCHW batches, assembled in parallel.
//!
//! ## What one output element is
//!
//! For an image of `C × H × W` bytes, optionally placed centred on a larger zero canvas of
//! `C × H' × W'` ([`BatchConfig::pad_to`]), the output image is `C × H' × W'` with
//!
//! ```text
//!   out[c][y][x] = (p / 255 − mean[c]) / std[c],      p = canvas[c][y + dy − P][x' + dx − P]
//! ```
//!
//! where `P` is the crop padding ([`Augment::crop_padding`]; pixels outside the canvas read as
//! 0, i.e. black, before normalisation — torchvision's `RandomCrop(padding=P)` then
//! `Normalize`), `dy, dx ∈ [0, 2P]` are the crop offsets, and `x' = W' − 1 − x` if the image is
//! flipped horizontally, else `x' = x`. Without augmentation `dy = dx = P = 0` and `x' = x`.
//! The affine map is computed as `p · a + b` with `a = 1 / (255 · std[c])` and
//! `b = −mean[c] / std[c]`.
//!
//! ## Determinism
//!
//! The epoch's order is a shuffle drawn from a generator seeded by `(seed, epoch)`; each
//! image's crop offsets and flip come from a hash of `(seed, epoch, dataset index)`. No random
//! stream is shared between images, so the batches are bit-identical at any thread count.
//!
//! ```
//! # fn main() -> lepton::Result<()> {
//! use lepton::data::{BatchConfig, Batcher, CifarKind, CifarSplit, CifarWriter};
//! let mut w = CifarWriter::new(CifarKind::Cifar10);
//! for label in 0..5u8 {
//!     w.push(&[label], &[label * 50; 3072])?;
//! }
//! let split = CifarSplit::from_bytes(CifarKind::Cifar10, w.as_bytes().to_vec(), "mem")?;
//! let batcher = Batcher::new(&split, BatchConfig { batch_size: 2, ..BatchConfig::default() })?;
//! let batches: Vec<_> = batcher.epoch(0).collect();
//! assert_eq!(batches.len(), 3); // 2 + 2 + 1 (drop_last is false)
//! assert_eq!(batches[0].images.shape(), &[2, 3, 32, 32]);
//! assert_eq!(batches[2].labels.len(), 1);
//! # Ok(()) }
//! ```

use super::image_dataset::{ImageDataset, ImageDims};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;

/// CIFAR-10's per-channel mean of the training set (pixels scaled to [0, 1]), R, G, B.
pub const CIFAR10_MEAN: [f32; 3] = [0.4914, 0.4822, 0.4465];
/// CIFAR-10's per-channel standard deviation of the training set (pixels in [0, 1]), R, G, B.
pub const CIFAR10_STD: [f32; 3] = [0.2470, 0.2435, 0.2616];

/// How pixel bytes become `f32` values.
#[derive(Clone, Debug, PartialEq)]
pub enum Normalize {
    /// `p / 255`: values in [0, 1].
    Scale01,
    /// `(p / 255 − mean[c]) / std[c]` per channel `c`; both vectors have one entry per channel
    /// and every `std` is positive.
    MeanStd {
        /// Per-channel mean (of pixels scaled to [0, 1]).
        mean: Vec<f32>,
        /// Per-channel standard deviation (of pixels scaled to [0, 1]).
        std: Vec<f32>,
    },
}

impl Normalize {
    /// CIFAR-10's usual statistics, [`CIFAR10_MEAN`] / [`CIFAR10_STD`] (3 channels).
    pub fn cifar10() -> Self {
        Normalize::MeanStd {
            mean: CIFAR10_MEAN.to_vec(),
            std: CIFAR10_STD.to_vec(),
        }
    }

    /// MNIST's usual statistics, mean 0.1307, std 0.3081 (1 channel).
    pub fn mnist() -> Self {
        Normalize::MeanStd {
            mean: vec![0.1307],
            std: vec![0.3081],
        }
    }

    /// Fashion-MNIST's training-set statistics, mean 0.2860, std 0.3530 (1 channel).
    pub fn fashion_mnist() -> Self {
        Normalize::MeanStd {
            mean: vec![0.2860],
            std: vec![0.3530],
        }
    }

    /// Per-channel `(a, b)` such that the output is `p · a + b`.
    fn affine(&self, channels: usize) -> Result<Vec<(f32, f32)>> {
        match self {
            Normalize::Scale01 => Ok(vec![(1.0 / 255.0, 0.0); channels]),
            Normalize::MeanStd { mean, std } => {
                if mean.len() != channels || std.len() != channels {
                    return Err(Error::InvalidArgument(format!(
                        "normalisation has {} means and {} stds, the images have {channels} \
                         channel(s)",
                        mean.len(),
                        std.len()
                    )));
                }
                mean.iter()
                    .zip(std)
                    .map(|(&m, &s)| {
                        if !(s > 0.0 && s.is_finite() && m.is_finite()) {
                            Err(Error::InvalidArgument(format!(
                                "normalisation needs a finite mean and a positive, finite std; \
                                 got mean {m}, std {s}"
                            )))
                        } else {
                            Ok((1.0 / (255.0 * s), -m / s))
                        }
                    })
                    .collect()
            }
        }
    }
}

/// Random augmentation applied per image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Augment {
    /// Random crop: pad each side with this many black pixels, then crop back to the original
    /// size at a uniformly random offset in `[0, 2·crop_padding]²`. 0 turns it off.
    pub crop_padding: usize,
    /// Flip horizontally with probability 1/2.
    pub horizontal_flip: bool,
}

impl Augment {
    /// No augmentation.
    pub fn none() -> Self {
        Augment::default()
    }

    /// The usual CIFAR training augmentation: 4-pixel padded random crop and horizontal flip.
    pub fn standard() -> Self {
        Augment {
            crop_padding: 4,
            horizontal_flip: true,
        }
    }

    fn is_on(&self) -> bool {
        self.crop_padding > 0 || self.horizontal_flip
    }
}

/// How a [`Batcher`] builds batches.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchConfig {
    /// Images per batch (> 0).
    pub batch_size: usize,
    /// Shuffle the order every epoch (from `seed` and the epoch number); otherwise dataset order.
    pub shuffle: bool,
    /// Seed of the shuffles and the augmentation.
    pub seed: u64,
    /// Pixel normalisation.
    pub normalize: Normalize,
    /// Random augmentation.
    pub augment: Augment,
    /// Drop the last batch of an epoch if it holds fewer than `batch_size` images.
    pub drop_last: bool,
    /// Place each image centred on a black canvas of `(height, width)` first (e.g. `(32, 32)`
    /// for 28×28 MNIST images into a CIFAR-sized network). `None` keeps the image size.
    pub pad_to: Option<(usize, usize)>,
}

impl Default for BatchConfig {
    /// Batch size 64, shuffled with seed 0, CIFAR-10 normalisation, no augmentation, last
    /// partial batch kept, no padding.
    fn default() -> Self {
        BatchConfig {
            batch_size: 64,
            shuffle: true,
            seed: 0,
            normalize: Normalize::cifar10(),
            augment: Augment::none(),
            drop_last: false,
            pad_to: None,
        }
    }
}

/// One batch: images as an `f32` tensor of shape `[B, C, H, W]` and their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// `[B, C, H, W]`, normalised (and augmented, if configured).
    pub images: Tensor,
    /// `B` labels, each `< num_classes`.
    pub labels: Vec<usize>,
    /// `B` dataset indices the images came from.
    pub indices: Vec<usize>,
}

/// Assembles batches from an [`ImageDataset`]; see the [module documentation](self) for the
/// exact arithmetic and the determinism guarantee.
pub struct Batcher<'a, D: ImageDataset + ?Sized> {
    data: &'a D,
    config: BatchConfig,
    src: ImageDims,
    out: ImageDims,
    affine: Vec<(f32, f32)>,
}

/// SplitMix64's finaliser: a bijective 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit hash of `(seed, epoch, index)`, used as the random bits of one image.
fn image_hash(seed: u64, epoch: u64, index: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ epoch) ^ index)
}

/// The per-image random choices: crop offsets `dy, dx ∈ [0, 2P]` and a flip flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageAugmentation {
    /// Vertical crop offset into the padded canvas, in `[0, 2·crop_padding]`.
    pub dy: usize,
    /// Horizontal crop offset into the padded canvas, in `[0, 2·crop_padding]`.
    pub dx: usize,
    /// Whether the crop is mirrored left–right.
    pub flip: bool,
}

impl<'a, D: ImageDataset + ?Sized> Batcher<'a, D> {
    /// A batcher over `data`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `batch_size` is 0, the normalisation's channel count differs
    /// from the images', a std is not positive, or `pad_to` is smaller than the images.
    pub fn new(data: &'a D, config: BatchConfig) -> Result<Self> {
        if config.batch_size == 0 {
            return Err(Error::InvalidArgument("batch_size must be > 0".into()));
        }
        let src = data.dims();
        let affine = config.normalize.affine(src.channels)?;
        let out = match config.pad_to {
            None => src,
            Some((h, w)) => {
                if h < src.height || w < src.width {
                    return Err(Error::InvalidArgument(format!(
                        "pad_to ({h}, {w}) is smaller than the {}×{} images",
                        src.height, src.width
                    )));
                }
                ImageDims {
                    channels: src.channels,
                    height: h,
                    width: w,
                }
            }
        };
        Ok(Batcher {
            data,
            config,
            src,
            out,
            affine,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &BatchConfig {
        &self.config
    }

    /// The size of each output image `[C, H, W]` (after `pad_to`).
    pub fn output_dims(&self) -> ImageDims {
        self.out
    }

    /// Batches in one epoch: `⌈n / B⌉`, or `⌊n / B⌋` with `drop_last`.
    pub fn batches_per_epoch(&self) -> usize {
        let n = self.data.len();
        let b = self.config.batch_size;
        if self.config.drop_last {
            n / b
        } else {
            n.div_ceil(b)
        }
    }

    /// The order in which epoch `epoch` visits the dataset: a permutation of `0..len` (the
    /// identity without `shuffle`).
    pub fn order(&self, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.data.len()).collect();
        if self.config.shuffle {
            let mut rng = rand::rngs::StdRng::seed_from_u64(mix64(mix64(self.config.seed) ^ epoch));
            order.shuffle(&mut rng);
        }
        order
    }

    /// The augmentation drawn for dataset image `index` in `epoch` (all zeros / no flip when
    /// augmentation is off).
    pub fn augmentation(&self, epoch: u64, index: usize) -> ImageAugmentation {
        let a = self.config.augment;
        if !a.is_on() {
            return ImageAugmentation {
                dy: 0,
                dx: 0,
                flip: false,
            };
        }
        let h = image_hash(self.config.seed, epoch, index as u64);
        let span = (2 * a.crop_padding + 1) as u64;
        ImageAugmentation {
            dy: ((h & 0xFFFF_FFFF) % span) as usize,
            dx: ((h >> 32) % span) as usize,
            flip: a.horizontal_flip && (h >> 31) & 1 == 1,
        }
    }

    /// Dataset image `index` rendered with the given augmentation (`C·H'·W'` values, CHW):
    /// what [`assemble`](Self::assemble) writes for it when it draws `aug`. Panics if `index` is
    /// out of range or `aug`'s offsets exceed `2·crop_padding`.
    pub fn render(&self, index: usize, aug: ImageAugmentation) -> Vec<f32> {
        let span = 2 * self.config.augment.crop_padding;
        assert!(
            aug.dy <= span && aug.dx <= span,
            "crop offsets must be in [0, {span}]"
        );
        let mut out = vec![0.0; self.out.len()];
        self.write_image(self.data.pixels(index), aug, &mut out, &mut Vec::new());
        out
    }

    /// The batches of epoch `epoch`, in order.
    pub fn epoch(&self, epoch: u64) -> EpochBatches<'_, 'a, D> {
        EpochBatches {
            batcher: self,
            epoch,
            order: self.order(epoch),
            next: 0,
            count: self.batches_per_epoch(),
        }
    }

    /// Assembles the images at dataset `indices` as a batch, with epoch `epoch`'s augmentation.
    /// Panics if an index is out of range.
    pub fn assemble(&self, epoch: u64, indices: &[usize]) -> Batch {
        let mut images = vec![0.0f32; indices.len() * self.out.len()];
        let mut labels = Vec::with_capacity(indices.len());
        self.assemble_into(epoch, indices, &mut images, &mut labels);
        let o = self.out;
        Batch {
            images: Tensor::from_vec(images, &[indices.len(), o.channels, o.height, o.width])
                .expect("length matches the shape by construction"),
            labels,
            indices: indices.to_vec(),
        }
    }

    /// Like [`assemble`](Self::assemble) into caller-owned storage (to reuse allocations):
    /// `images` must hold exactly `indices.len() · C·H·W` values; `labels` is cleared and
    /// refilled. Panics if the length is wrong or an index is out of range.
    pub fn assemble_into(
        &self,
        epoch: u64,
        indices: &[usize],
        images: &mut [f32],
        labels: &mut Vec<usize>,
    ) {
        let per = self.out.len();
        assert_eq!(
            images.len(),
            indices.len() * per,
            "assemble_into: images must hold indices.len() · C·H·W values"
        );
        labels.clear();
        labels.extend(indices.iter().map(|&i| self.data.label(i)));
        if per == 0 {
            return;
        }
        images
            .par_chunks_mut(per)
            .zip(indices.par_iter())
            .with_min_len(4)
            .for_each_init(Vec::new, |scratch, (out, &i)| {
                let aug = self.augmentation(epoch, i);
                self.write_image(self.data.pixels(i), aug, out, scratch);
            });
    }

    /// Writes one normalised, augmented image into `out` (`C·H'·W'` values). `scratch` is
    /// reused between images: an augmented channel is normalised whole into it (one SIMD pass),
    /// then its rows are copied — shifted, mirrored, or replaced by the normalised black `b`.
    fn write_image(
        &self,
        px: &[u8],
        aug: ImageAugmentation,
        out: &mut [f32],
        scratch: &mut Vec<f32>,
    ) {
        let (hs, ws) = (self.src.height, self.src.width);
        let (ht, wt) = (self.out.height, self.out.width);
        let p = self.config.augment.crop_padding as isize;
        // Offset of the source image on the canvas (centred).
        let oy = ((ht - hs) / 2) as isize;
        let ox = ((wt - ws) / 2) as isize;
        // Output (y, x) reads source (y + sy, x' + sx).
        let sy = aug.dy as isize - p - oy;
        let sx = aug.dx as isize - p - ox;
        let plain = sy == 0 && sx == 0 && !aug.flip && hs == ht && ws == wt;
        // The output columns [x0, x1) that read the source, and the first source column read.
        let (wt_i, ws_i) = (wt as isize, ws as isize);
        let (x0, x1, s0) = if aug.flip {
            // Source column (wt − 1 − x) + sx must lie in [0, ws); the run is read backwards
            // from its lowest source column.
            let x0 = (wt_i + sx - ws_i).clamp(0, wt_i) as usize;
            let x1 = (wt_i + sx).clamp(x0 as isize, wt_i) as usize;
            (x0, x1, (wt_i - x1 as isize + sx).max(0) as usize)
        } else {
            // Source column x + sx must lie in [0, ws).
            let x0 = (-sx).clamp(0, wt_i) as usize;
            let x1 = (ws_i - sx).clamp(x0 as isize, wt_i) as usize;
            (x0, x1, (x0 as isize + sx).max(0) as usize)
        };
        for (c, (src, dst)) in px
            .chunks_exact(hs * ws)
            .zip(out.chunks_exact_mut(ht * wt))
            .enumerate()
        {
            let (a, b) = self.affine[c];
            if plain {
                convert(src, dst, a, b);
                continue;
            }
            scratch.resize(hs * ws, 0.0);
            convert(src, scratch, a, b);
            for (y, row) in dst.chunks_exact_mut(wt).enumerate() {
                let r = y as isize + sy;
                if r < 0 || r >= hs as isize || x1 == x0 {
                    row.fill(b);
                    continue;
                }
                let run = &scratch[r as usize * ws + s0..][..x1 - x0];
                row[..x0].fill(b);
                row[x1..].fill(b);
                if aug.flip {
                    mirror(run, &mut row[x0..x1]);
                } else {
                    row[x0..x1].copy_from_slice(run);
                }
            }
        }
    }
}

/// `dst[i] = src[n − 1 − i]`, eight at a time so the compiler emits a lane shuffle.
#[inline]
fn mirror(src: &[f32], dst: &mut [f32]) {
    let n = src.len();
    let mut d8 = dst.chunks_exact_mut(8);
    for (d, s) in (&mut d8).zip(src.rchunks_exact(8)) {
        for k in 0..8 {
            d[k] = s[7 - k];
        }
    }
    let done = n / 8 * 8;
    for (o, &v) in d8
        .into_remainder()
        .iter_mut()
        .zip(src[..n - done].iter().rev())
    {
        *o = v;
    }
}

/// `dst[i] = src[i] · a + b` (the SIMD kernel; same bits on every ISA).
#[inline]
fn convert(src: &[u8], dst: &mut [f32], a: f32, b: f32) {
    lepton_kernels::convert::u8_affine(src, dst, a, b);
}

/// The batches of one epoch, from [`Batcher::epoch`].
pub struct EpochBatches<'b, 'a, D: ImageDataset + ?Sized> {
    batcher: &'b Batcher<'a, D>,
    epoch: u64,
    order: Vec<usize>,
    next: usize,
    count: usize,
}

impl<D: ImageDataset + ?Sized> EpochBatches<'_, '_, D> {
    /// The visiting order of this epoch (dataset indices).
    pub fn order(&self) -> &[usize] {
        &self.order
    }
}

impl<D: ImageDataset + ?Sized> Iterator for EpochBatches<'_, '_, D> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.next >= self.count {
            return None;
        }
        let b = self.batcher.config.batch_size;
        let start = self.next * b;
        let end = (start + b).min(self.order.len());
        self.next += 1;
        Some(self.batcher.assemble(self.epoch, &self.order[start..end]))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

impl<D: ImageDataset + ?Sized> ExactSizeIterator for EpochBatches<'_, '_, D> {}
