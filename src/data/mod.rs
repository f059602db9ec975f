//! Readers for outside data: CIFAR-10/100, IDX (MNIST), CSV and LIBSVM files, and the Batcher.

pub mod synthetic;
