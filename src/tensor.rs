//! [`Tensor`]: a shape and contiguous, row-major `f32` storage.

use crate::error::{Error, Result};
use lepton_kernels::gemm::{self, MatMut, MatRef};
use lepton_kernels::vector;
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

    /// `self + other`, elementwise.
    ///
    /// # Errors
    /// [`Error::Shape`] naming both shapes if they differ.
    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        let mut out = self.same_shape("add", other)?;
        vector::axpy(1.0, &other.data, &mut out.data);
        Ok(out)
    }

    /// `self − other`, elementwise.
    ///
    /// # Errors
    /// [`Error::Shape`] naming both shapes if they differ.
    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        let mut out = self.same_shape("sub", other)?;
        vector::axpy(-1.0, &other.data, &mut out.data);
        Ok(out)
    }

    /// `self ⊙ other`, the elementwise (Hadamard) product.
    ///
    /// # Errors
    /// [`Error::Shape`] naming both shapes if they differ.
    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        let mut out = self.same_shape("mul", other)?;
        for (o, &b) in out.data.iter_mut().zip(&other.data) {
            *o *= b;
        }
        Ok(out)
    }

    /// `α·self`.
    pub fn scale(&self, alpha: f32) -> Tensor {
        let mut out = self.clone();
        vector::scale(alpha, &mut out.data);
        out
    }

    /// `f` applied to every element; same shape.
    pub fn map(&self, f: impl Fn(f32) -> f32) -> Tensor {
        Tensor {
            shape: self.shape.clone(),
            data: self.data.iter().map(|&x| f(x)).collect(),
        }
    }

    /// The sum of all elements (0 for an empty tensor).
    pub fn sum(&self) -> f32 {
        vector::sum(&self.data)
    }

    /// The mean of all elements (NaN for an empty tensor).
    pub fn mean(&self) -> f32 {
        self.sum() / self.data.len() as f32
    }

    /// The largest element (−∞ for an empty tensor, NaN if any element is NaN).
    pub fn max(&self) -> f32 {
        vector::max(&self.data)
    }

    /// For a `[r, c]` tensor, the sum of each row: shape `[r]`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the tensor is not 2-D.
    pub fn sum_rows(&self) -> Result<Tensor> {
        self.reduce_rows("sum_rows", vector::sum)
    }

    /// For a `[r, c]` tensor, the mean of each row: shape `[r]` (NaN when `c = 0`).
    ///
    /// # Errors
    /// [`Error::Shape`] if the tensor is not 2-D.
    pub fn mean_rows(&self) -> Result<Tensor> {
        let c = self.shape.get(1).copied().unwrap_or(0) as f32;
        self.reduce_rows("mean_rows", |r| vector::sum(r) / c)
    }

    /// For a `[r, c]` tensor, the largest element of each row: shape `[r]`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the tensor is not 2-D.
    pub fn max_rows(&self) -> Result<Tensor> {
        self.reduce_rows("max_rows", vector::max)
    }

    /// For a `[r, c]` tensor, the column index of the largest element of each row (the first
    /// one on ties; NaN elements are skipped).
    ///
    /// # Errors
    /// [`Error::Shape`] if the tensor is not 2-D or has zero columns.
    pub fn argmax_rows(&self) -> Result<Vec<usize>> {
        let (r, c) = self.as_matrix("argmax_rows")?;
        if c == 0 {
            return Err(self.not_matrix("argmax_rows", "at least one column"));
        }
        Ok((0..r)
            .map(|i| {
                let row = &self.data[i * c..(i + 1) * c];
                let mut best = 0;
                for (j, &v) in row.iter().enumerate() {
                    if v > row[best] || row[best].is_nan() && !v.is_nan() {
                        best = j;
                    }
                }
                best
            })
            .collect())
    }

    fn same_shape(&self, op: &'static str, other: &Tensor) -> Result<Tensor> {
        if self.shape != other.shape {
            return Err(Error::Shape {
                op,
                lhs: self.shape.clone(),
                rhs: other.shape.clone(),
                expected: "equal shapes".into(),
            });
        }
        Ok(self.clone())
    }

    fn not_matrix(&self, op: &'static str, expected: &str) -> Error {
        Error::Shape {
            op,
            lhs: self.shape.clone(),
            rhs: vec![],
            expected: expected.into(),
        }
    }

    fn as_matrix(&self, op: &'static str) -> Result<(usize, usize)> {
        match self.shape[..] {
            [r, c] => Ok((r, c)),
            _ => Err(self.not_matrix(op, "a 2-D tensor")),
        }
    }

    fn reduce_rows(&self, op: &'static str, f: impl Fn(&[f32]) -> f32) -> Result<Tensor> {
        let (r, c) = self.as_matrix(op)?;
        let data = (0..r).map(|i| f(&self.data[i * c..(i + 1) * c])).collect();
        Ok(Tensor {
            shape: vec![r],
            data,
        })
    }
}
