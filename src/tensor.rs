//! [`Tensor`]: a shape and contiguous, row-major `f32` storage.

use crate::error::{Error, Result};
use lepton_kernels::gemm::{self, MatMut, MatRef};
use rand::{Rng, SeedableRng};

/// An n-dimensional array of `f32` in contiguous row-major (C) order: the last index varies
/// fastest. A tensor of shape `[]` is a scalar holding one element.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

/// Whether an operand of [`Tensor::matmul_t`] is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transpose {
    /// Use the matrix as stored.
    No,
    /// Use its transpose (a layout change, no copy).
    Yes,
}

impl Tensor {
    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, 0.0)
    }

    /// A tensor with every element equal to `value`.
    pub fn full(shape: &[usize], value: f32) -> Self {
        Tensor {
            shape: shape.to_vec(),
            data: vec![value; shape.iter().product()],
        }
    }

    /// Wraps `data` (row-major) as a tensor of `shape`.
    ///
    /// # Errors
    /// [`Error::Shape`] if `data.len()` is not the product of `shape`.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::Shape {
                op: "Tensor::from_vec",
                lhs: vec![data.len()],
                rhs: shape.to_vec(),
                expected: format!("{} elements for the shape, got {}", n, data.len()),
            });
        }
        Ok(Tensor {
            shape: shape.to_vec(),
            data,
        })
    }

    /// Elements drawn independently from U(lo, hi) with a seeded generator: the same seed gives
    /// the same tensor.
    pub fn rand_uniform(shape: &[usize], lo: f32, hi: f32, seed: u64) -> Self {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let n = shape.iter().product();
        let data = (0..n).map(|_| rng.random_range(lo..=hi)).collect();
        Tensor {
            shape: shape.to_vec(),
            data,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements in row-major order.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The elements in row-major order, mutably.
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// The storage, consuming the tensor.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// The same elements under a new shape.
    ///
    /// # Errors
    /// [`Error::Shape`] if the element counts differ.
    pub fn reshape(self, shape: &[usize]) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != self.data.len() {
            return Err(Error::Shape {
                op: "reshape",
                lhs: self.shape,
                rhs: shape.to_vec(),
                expected: "the same number of elements".into(),
            });
        }
        Ok(Tensor {
            shape: shape.to_vec(),
            data: self.data,
        })
    }

    /// Matrix product `self · other` of a `[m, k]` and a `[k, n]` tensor, giving `[m, n]`.
    ///
    /// # Errors
    /// [`Error::Shape`] if either is not 2-D or the inner dimensions differ.
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        self.matmul_t(Transpose::No, other, Transpose::No)
    }

    /// Matrix product `op(self) · op(other)` where `op` is the identity or the transpose; a
    /// transpose is a change of strides, not a copy. `op(self)` is `[m, k]`, `op(other)` `[k, n]`.
    ///
    /// # Errors
    /// [`Error::Shape`] if either is not 2-D or the inner dimensions differ.
    pub fn matmul_t(&self, ta: Transpose, other: &Tensor, tb: Transpose) -> Result<Tensor> {
        let err = |expected: &str| Error::Shape {
            op: "matmul",
            lhs: self.shape.clone(),
            rhs: other.shape.clone(),
            expected: expected.into(),
        };
        if self.ndim() != 2 || other.ndim() != 2 {
            return Err(err("two 2-D tensors"));
        }
        let mut a = MatRef::row_major(&self.data, self.shape[0], self.shape[1]);
        let mut b = MatRef::row_major(&other.data, other.shape[0], other.shape[1]);
        if ta == Transpose::Yes {
            a = a.t();
        }
        if tb == Transpose::Yes {
            b = b.t();
        }
        if a.cols != b.rows {
            return Err(err("the inner dimensions of op(A) and op(B) to agree"));
        }
        let (m, n) = (a.rows, b.cols);
        let mut out = Tensor::zeros(&[m, n]);
        gemm::sgemm(1.0, a, b, 0.0, MatMut::row_major(&mut out.data, m, n));
        Ok(out)
    }
}
