//! Readers for outside data and the [`Batcher`].
//!
//! * [`cifar`]: CIFAR-10 / CIFAR-100 binary files, memory-mapped and validated once —
//!   [`Cifar10::open`], [`Cifar100::open`], splits as [`CifarSplit`]; [`CifarWriter`] writes the
//!   format.
//! * [`idx`]: IDX files (MNIST, Fashion-MNIST), raw or gzip — [`IdxSplit::open_pair`] pairs an
//!   image and a label file, [`IdxDir::open`] finds the `train-*` / `t10k-*` pairs.
//! * [`csv`]: CSV files into a typed [`CsvTable`] (numeric and categorical columns, missing
//!   values), with [`CsvTable::read`].
//! * [`batcher`]: [`Batcher`] turns any [`ImageDataset`] into shuffled, normalised, augmented
//!   `f32` `[B, C, H, W]` batches, in parallel, bit-identical at any thread count.
//!
//! Every reader has an entry point over bytes (e.g. [`CifarSplit::from_bytes`]) that names the
//! input in its errors, so parsers can be fuzzed without files.
//!
//! * [`libsvm`]: LIBSVM's sparse text format (`label idx:val …`), read and written.
//! * [`synthetic`]: a procedurally drawn CIFAR-format dataset of ten learnable classes.
//! * [`Subset`]: some of a dataset's images, by index (e.g. a held-out test set).

pub mod batcher;
pub mod cifar;
pub mod csv;
pub mod file_bytes;
pub mod idx;
pub mod image_dataset;
pub mod libsvm;
pub mod subset;
pub mod synthetic;

pub use batcher::{Augment, Batch, BatchConfig, Batcher, ImageAugmentation, Normalize};
pub use cifar::{Cifar10, Cifar100, CifarKind, CifarSplit, CifarWriter};
pub use csv::{Column, ColumnType, ColumnValues, CsvOptions, CsvTable};
pub use file_bytes::FileBytes;
pub use idx::{IdxArray, IdxDir, IdxSplit};
pub use image_dataset::{ImageDataset, ImageDims};
pub use subset::Subset;
