//! Kernel functions `K(x, z)` on dense `f32` rows, and kernel columns computed in parallel.
//!
//! | type | `K(x, z)` |
//! |------|-----------|
//! | linear | `xᵀz` |
//! | polynomial | `(γ·xᵀz + coef0)^degree` |
//! | RBF | `exp(−γ·‖x − z‖²)`, with `‖x − z‖² = ‖x‖² + ‖z‖² − 2xᵀz` from cached squared norms |
//! | sigmoid | `tanh(γ·xᵀz + coef0)` |
//!
//! The inner products run on the SIMD kernels of [`lepton_kernels::vector`] in `f32`; the
//! nonlinearity is applied in `f64`. Training stores columns of `Q` as `f32`, like LIBSVM's
//! `Qfloat`. Columns are computed in parallel (rayon) when long enough to pay for it; every
//! entry is computed independently, so results do not depend on the thread count.

use super::params::KernelType;
use lepton_kernels::vector::{dot, squared_distance};
use rayon::prelude::*;

/// A kernel function with its parameters (γ already resolved).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kernel {
    /// Which function.
    pub kernel_type: KernelType,
    /// Polynomial degree.
    pub degree: i32,
    /// γ.
    pub gamma: f64,
    /// coef0.
    pub coef0: f64,
}

impl Kernel {
    /// `K` from the inner product `xᵀz` and the squared norms `‖x‖²`, `‖z‖²` (used by RBF only).
    #[inline]
    pub fn from_dot(&self, xz: f64, xx: f64, zz: f64) -> f64 {
        match self.kernel_type {
            KernelType::Linear => xz,
            KernelType::Polynomial => (self.gamma * xz + self.coef0).powi(self.degree),
            KernelType::Rbf => (-self.gamma * (xx + zz - 2.0 * xz).max(0.0)).exp(),
            KernelType::Sigmoid => (self.gamma * xz + self.coef0).tanh(),
        }
    }

    /// `K(x, z)` for two rows that may differ in length: missing trailing features are zeros
    /// (as in LIBSVM's sparse format). RBF uses `‖x − z‖²` directly, like LIBSVM's prediction.
    pub fn eval(&self, x: &[f32], z: &[f32]) -> f64 {
        let m = x.len().min(z.len());
        match self.kernel_type {
            KernelType::Rbf => {
                let tail = |v: &[f32]| v[m..].iter().map(|&a| a as f64 * a as f64).sum::<f64>();
                let d2 = squared_distance(&x[..m], &z[..m]) as f64 + tail(x) + tail(z);
                (-self.gamma * d2).exp()
            }
            _ => self.from_dot(dot(&x[..m], &z[..m]) as f64, 0.0, 0.0),
        }
    }
}

/// Work (multiply-adds) below which a column is computed on one thread.
const PARALLEL_WORK: usize = 1 << 17;

/// Rows of a dense row-major `n × d` matrix with their squared norms, and a kernel on them.
pub(crate) struct KernelRows<'a> {
    data: &'a [f32],
    d: usize,
    norms: Vec<f64>,
    pub(crate) kernel: Kernel,
}

impl<'a> KernelRows<'a> {
    /// `data` is `n × d` row-major; squared norms are computed once here.
    pub(crate) fn new(data: &'a [f32], d: usize, kernel: Kernel) -> Self {
        let norms = if kernel.kernel_type == KernelType::Rbf && d > 0 {
            data.par_chunks(d).map(|r| dot(r, r) as f64).collect()
        } else {
            vec![0.0; data.len().checked_div(d).unwrap_or(0)]
        };
        KernelRows {
            data,
            d,
            norms,
            kernel,
        }
    }

    /// Features per row.
    pub(crate) fn n_features(&self) -> usize {
        self.d
    }

    /// Row `i`.
    #[inline]
    pub(crate) fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// `K(x_a, x_b)` for rows `a`, `b` of the matrix.
    #[inline]
    pub(crate) fn k(&self, a: usize, b: usize) -> f64 {
        let xz = dot(self.row(a), self.row(b)) as f64;
        self.kernel.from_dot(xz, self.norms[a], self.norms[b])
    }

    /// `out[t] = K(x_a, x_rows[t])`, in parallel when the column is long enough.
    pub(crate) fn column(&self, a: usize, rows: &[usize], out: &mut [f32]) {
        debug_assert_eq!(rows.len(), out.len());
        let work = rows.len() * self.d.max(1);
        if work < PARALLEL_WORK {
            for (o, &b) in out.iter_mut().zip(rows) {
                *o = self.k(a, b) as f32;
            }
        } else {
            let chunk = (PARALLEL_WORK / self.d.max(1)).max(16);
            out.par_chunks_mut(chunk)
                .zip(rows.par_chunks(chunk))
                .for_each(|(o, r)| {
                    for (o, &b) in o.iter_mut().zip(r) {
                        *o = self.k(a, b) as f32;
                    }
                });
        }
    }

    /// `out[t·B + b] = K(x_{queries[b]}, x_rows[t])` for `B = queries.len()` columns in one pass
    /// over the rows: each streamed row is used `B` times while in L1, which divides the memory
    /// traffic of computing `B` columns by `B` (kernel columns are memory-bound).
    pub(crate) fn columns(&self, queries: &[usize], rows: &[usize], out: &mut [f32]) {
        let nb = queries.len();
        debug_assert_eq!(rows.len() * nb, out.len());
        let body = |o: &mut [f32], r: &[usize]| {
            for (o, &b) in o.chunks_mut(nb).zip(r) {
                for (o, &a) in o.iter_mut().zip(queries) {
                    *o = self.k(a, b) as f32;
                }
            }
        };
        let work = rows.len() * nb * self.d.max(1);
        if work < PARALLEL_WORK {
            body(out, rows);
        } else {
            let chunk = (PARALLEL_WORK / (nb * self.d.max(1))).max(16);
            out.par_chunks_mut(chunk * nb)
                .zip(rows.par_chunks(chunk))
                .for_each(|(o, r)| body(o, r));
        }
    }
}
