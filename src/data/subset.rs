//! [`Subset`]: a view of some of another dataset's images, by index.

use crate::data::{ImageDataset, ImageDims};

/// The images of `inner` at `indices`, in that order, as a dataset of its own (no copy). Used to
/// hold out part of a training split when a dataset ships without a test split, e.g. the last
/// 1,000 images of a single CIFAR-10 batch file.
pub struct Subset<'a, D: ImageDataset + ?Sized> {
    inner: &'a D,
    indices: Vec<usize>,
}

impl<'a, D: ImageDataset + ?Sized> Subset<'a, D> {
    /// The images of `inner` at `indices`.
    ///
    /// # Panics
    /// If an index is `>= inner.len()` (indices come from the program, not from outside input).
    pub fn new(inner: &'a D, indices: Vec<usize>) -> Self {
        if let Some(&bad) = indices.iter().find(|&&i| i >= inner.len()) {
            panic!("Subset: index {bad} is out of a dataset of {}", inner.len());
        }
        Subset { inner, indices }
    }

    /// The images `range` of `inner`, in order.
    ///
    /// # Panics
    /// If the range ends past `inner.len()`.
    pub fn range(inner: &'a D, range: std::ops::Range<usize>) -> Self {
        Self::new(inner, range.collect())
    }
}

impl<D: ImageDataset + ?Sized> ImageDataset for Subset<'_, D> {
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn dims(&self) -> ImageDims {
        self.inner.dims()
    }
    fn label(&self, i: usize) -> usize {
        self.inner.label(self.indices[i])
    }
    fn pixels(&self, i: usize) -> &[u8] {
        self.inner.pixels(self.indices[i])
    }
    fn num_classes(&self) -> usize {
        self.inner.num_classes()
    }
    fn class_names(&self) -> &[String] {
        self.inner.class_names()
    }
}
