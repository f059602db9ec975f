//! [`ImageDataset`]: what the [`Batcher`](super::Batcher) needs from a labelled image dataset.

/// The size of one image: channels, height and width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageDims {
    /// Number of channels (3 for CIFAR, 1 for MNIST).
    pub channels: usize,
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
}

impl ImageDims {
    /// Pixels (bytes) in one image: `channels · height · width`.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Whether an image has no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A labelled set of 8-bit images stored channel-major: image `i` is `dims().len()` bytes,
/// channel 0's `height × width` plane (row-major) first, then channel 1's, and so on — the CHW
/// layout of CIFAR's records (R plane, G plane, B plane) and, with one channel, of IDX images.
///
/// Implemented by [`CifarSplit`](super::CifarSplit) and [`IdxSplit`](super::IdxSplit); the
/// [`Batcher`](super::Batcher) turns any implementation into normalised `f32` batches.
///
/// Contract: for `i < len()`, `pixels(i).len() == dims().len()` and `label(i) < num_classes()`
/// (readers validate this once when they open a file, so these accessors never fail).
pub trait ImageDataset: Sync {
    /// Number of images.
    fn len(&self) -> usize;

    /// Whether there are no images.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The size of every image.
    fn dims(&self) -> ImageDims;

    /// The label of image `i`, in `0..num_classes()`. Panics if `i >= len()`.
    fn label(&self, i: usize) -> usize;

    /// The pixels of image `i` (CHW, `dims().len()` bytes). Panics if `i >= len()`.
    fn pixels(&self, i: usize) -> &[u8];

    /// Number of classes.
    fn num_classes(&self) -> usize;

    /// Class names (`num_classes()` of them), or an empty slice if the dataset has none.
    fn class_names(&self) -> &[String];

    /// Images per class: entry `k` counts the images with label `k`.
    fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        for i in 0..self.len() {
            counts[self.label(i)] += 1;
        }
        counts
    }
}
