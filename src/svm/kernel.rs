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
//!
//! Large blocks of kernel entries that are summed at once and never cached (the gradient
//! reconstruction after shrinking) are computed as matrix products instead
//! ([`KernelRows::block`]): all inner products of two tiles of contiguous rows come from one
//! [`sgemm`] (compute-bound, where per-entry dots are bound by loads), and the nonlinearity is
//! applied to the tile (RBF: the exponent `−γ·max(0, ‖x‖² + ‖z‖² − 2xᵀz)` in `f64`, its `exp` by
//! the vectorised [`vector::exp`] in `f32`, within ~2 ulp). Those entries may differ from the
//! cached columns in the last bits (another summation order of the same inner product); each is
//! still computed by the same operations at any thread count. Cached columns come from
//! [`KernelRows::columns_of_block`], matrix products of one fixed shape, whichever way they are
//! batched, so their bits never depend on the cache's state.

use super::params::KernelType;
use lepton_kernels::vector::{self, dot, squared_distance};
use lepton_kernels::{sgemm, MatMut, MatRef};
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

/// Queries per matrix product in [`KernelRows::columns_of_block`] (fixed: see there).
const QUERY_TILE: usize = 4;
/// Rows per matrix product in [`KernelRows::columns_of_block`] (fixed: see there).
const COLUMN_TILE: usize = 64;

/// Contiguous row-major rows (`norms.len()` of them, `data.len() / norms.len()` features
/// each) with their squared norms (zeros unless the kernel is RBF): an operand of
/// [`KernelRows::block`].
#[derive(Clone, Copy)]
pub(crate) struct RowBlock<'r> {
    /// The rows, one after the other.
    pub(crate) data: &'r [f32],
    /// Squared norm of each row.
    pub(crate) norms: &'r [f64],
}

impl<'r> RowBlock<'r> {
    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.norms.len()
    }

    /// Rows `start..end`, for rows of `d` features.
    pub(crate) fn rows(&self, start: usize, end: usize, d: usize) -> RowBlock<'r> {
        RowBlock {
            data: &self.data[start * d..end * d],
            norms: &self.norms[start..end],
        }
    }
}

/// Rows of the matrix copied into one contiguous block, with their squared norms.
pub(crate) struct GatheredRows {
    pub(crate) data: Vec<f32>,
    pub(crate) norms: Vec<f64>,
}

impl GatheredRows {
    /// The rows as a [`RowBlock`].
    pub(crate) fn as_block(&self) -> RowBlock<'_> {
        RowBlock {
            data: &self.data,
            norms: &self.norms,
        }
    }
}

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

    /// `out[q·n + t] = K(q_q, x_t)` for the rows `q_q` of `queries` and the `n` rows `x_t` of
    /// `b`: kernel columns, several at once, in parallel over tiles of `b`.
    ///
    /// Every cached kernel column is computed here, and each entry's bits depend only on its
    /// two rows — not on the other queries, the tile, or the thread count — so which columns
    /// were batched together (which depends on the cache's state, and so on its size) never
    /// changes a result. The inner products come from [`sgemm`] calls of ONE fixed shape
    /// (`QUERY_TILE × COLUMN_TILE` by depth `d`; short tiles are zero-padded), in which every
    /// output is the same sequence of operations on its own row and column; the nonlinearity
    /// is [`Kernel::from_dot`] in `f64`.
    pub(crate) fn columns_of_block(&self, queries: RowBlock<'_>, b: RowBlock<'_>, out: &mut [f32]) {
        let (nq, n, d) = (queries.len(), b.len(), self.d);
        assert_eq!(
            out.len(),
            nq * n,
            "KernelRows::columns_of_block: output size"
        );
        if nq == 0 || n == 0 {
            return;
        }
        // Queries in groups of QUERY_TILE, zero-padded.
        let groups: Vec<Vec<f32>> = (0..nq)
            .step_by(QUERY_TILE)
            .map(|q0| {
                let q1 = (q0 + QUERY_TILE).min(nq);
                let mut g = vec![0.0f32; QUERY_TILE * d];
                g[..(q1 - q0) * d].copy_from_slice(&queries.data[q0 * d..q1 * d]);
                g
            })
            .collect();
        let tile = |t0: usize| -> Vec<f32> {
            let t1 = (t0 + COLUMN_TILE).min(n);
            let rows = b.rows(t0, t1, d);
            let padded;
            let data = if t1 - t0 == COLUMN_TILE {
                rows.data
            } else {
                let mut p = vec![0.0f32; COLUMN_TILE * d];
                p[..(t1 - t0) * d].copy_from_slice(rows.data);
                padded = p;
                &padded[..]
            };
            let mut dots = vec![0.0f32; QUERY_TILE * COLUMN_TILE];
            let mut res = vec![0.0f32; nq * (t1 - t0)];
            for (gi, g) in groups.iter().enumerate() {
                if d == 0 {
                    dots.fill(0.0);
                } else {
                    sgemm(
                        1.0,
                        MatRef::row_major(g, QUERY_TILE, d),
                        MatRef::row_major(data, COLUMN_TILE, d).t(),
                        0.0,
                        MatMut::row_major(&mut dots, QUERY_TILE, COLUMN_TILE),
                    );
                }
                for r in 0..QUERY_TILE.min(nq - gi * QUERY_TILE) {
                    let q = gi * QUERY_TILE + r;
                    let qq = queries.norms[q];
                    let dst = &mut res[q * (t1 - t0)..(q + 1) * (t1 - t0)];
                    for (t, o) in dst.iter_mut().enumerate() {
                        let xz = dots[r * COLUMN_TILE + t] as f64;
                        *o = self.kernel.from_dot(xz, qq, rows.norms[t]) as f32;
                    }
                }
            }
            res
        };
        let tiles: Vec<Vec<f32>> = if n * nq * d.max(1) < PARALLEL_WORK {
            (0..n).step_by(COLUMN_TILE).map(tile).collect()
        } else {
            (0..n)
                .into_par_iter()
                .step_by(COLUMN_TILE)
                .map(tile)
                .collect()
        };
        for (t0, res) in (0..n).step_by(COLUMN_TILE).zip(&tiles) {
            let w = res.len() / nq;
            for q in 0..nq {
                out[q * n + t0..q * n + t0 + w].copy_from_slice(&res[q * w..(q + 1) * w]);
            }
        }
    }

    /// Copies the rows `idx` (in that order) into one contiguous block.
    pub(crate) fn gather(&self, idx: &[usize]) -> GatheredRows {
        let mut data = Vec::with_capacity(idx.len() * self.d);
        for &i in idx {
            data.extend_from_slice(self.row(i));
        }
        GatheredRows {
            data,
            norms: idx.iter().map(|&i| self.norms[i]).collect(),
        }
    }

    /// `out[r·n + c] = K(a_r, b_c)` for the `m` rows of `a` and the `n` rows of `b` (`out` is
    /// `m × n` row-major): the inner products by one [`sgemm`] (which runs on rayon when the
    /// product is large, splitting only over output tiles), then the kernel function on the
    /// whole tile.
    ///
    /// # Panics
    /// If `out.len() != a.len() · b.len()`.
    pub(crate) fn block(&self, a: RowBlock<'_>, b: RowBlock<'_>, out: &mut [f32]) {
        let (m, n, d) = (a.len(), b.len(), self.d);
        assert_eq!(out.len(), m * n, "KernelRows::block: output size");
        if m == 0 || n == 0 {
            return;
        }
        if d == 0 {
            out.fill(0.0);
        } else {
            sgemm(
                1.0,
                MatRef::row_major(a.data, m, d),
                MatRef::row_major(b.data, n, d).t(),
                0.0,
                MatMut::row_major(out, m, n),
            );
        }
        let kernel = self.kernel;
        match kernel.kernel_type {
            KernelType::Linear => {}
            KernelType::Rbf => {
                for (row, &xx) in out.chunks_mut(n).zip(a.norms) {
                    for (o, &zz) in row.iter_mut().zip(b.norms) {
                        *o = (-kernel.gamma * (xx + zz - 2.0 * *o as f64).max(0.0)) as f32;
                    }
                    vector::exp(row);
                }
            }
            KernelType::Polynomial | KernelType::Sigmoid => {
                for o in out.iter_mut() {
                    *o = kernel.from_dot(*o as f64, 0.0, 0.0) as f32;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The batched paths against the per-pair definition [`Kernel::eval`], and the promise that
    //! a cached column's bits do not depend on how it was batched.
    use super::*;

    fn data(n: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n * d)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect()
    }

    fn kernels() -> Vec<Kernel> {
        let k = |kernel_type, degree, gamma, coef0| Kernel {
            kernel_type,
            degree,
            gamma,
            coef0,
        };
        vec![
            k(KernelType::Linear, 3, 0.0, 0.0),
            k(KernelType::Polynomial, 3, 0.1, 1.0),
            k(KernelType::Rbf, 3, 0.05, 0.0),
            k(KernelType::Sigmoid, 3, 0.02, -0.5),
        ]
    }

    fn close(got: f32, want: f64, what: &str) {
        assert!(
            (got as f64 - want).abs() <= 2e-5 * want.abs().max(1.0),
            "{what}: got {got}, want {want}"
        );
    }

    /// 150 rows: two full tiles of 64 and a short one; depth 5 and 70 take different sgemm
    /// paths; 1, 3 and 6 queries pad the query tile differently.
    #[test]
    fn columns_of_block_match_eval_and_do_not_depend_on_batching() {
        for d in [5, 70] {
            let n = 150;
            let x = data(n, d, 11 + d as u64);
            for kernel in kernels() {
                let kr = KernelRows::new(&x, d, kernel);
                let all = kr.gather(&(0..n).collect::<Vec<_>>());
                let qidx = [7, 0, 149, 64, 63, 100];
                for nq in [1, 3, 6] {
                    let q = kr.gather(&qidx[..nq]);
                    let mut out = vec![0.0f32; nq * n];
                    kr.columns_of_block(q.as_block(), all.as_block(), &mut out);
                    for (b, &qi) in qidx[..nq].iter().enumerate() {
                        for t in 0..n {
                            let want = kernel.eval(kr.row(qi), kr.row(t));
                            close(
                                out[b * n + t],
                                want,
                                &format!("{kernel:?} d={d} q={qi} t={t}"),
                            );
                        }
                        // The same column alone, and a sub-range of it starting mid-tile.
                        let one = kr.gather(&[qi]);
                        let mut single = vec![0.0f32; n];
                        kr.columns_of_block(one.as_block(), all.as_block(), &mut single);
                        assert_eq!(single, out[b * n..(b + 1) * n], "{kernel:?} d={d} alone");
                        let (s0, s1) = (17, 140);
                        let mut part = vec![0.0f32; s1 - s0];
                        kr.columns_of_block(
                            one.as_block(),
                            all.as_block().rows(s0, s1, d),
                            &mut part,
                        );
                        assert_eq!(part, out[b * n + s0..b * n + s1], "{kernel:?} d={d} part");
                    }
                }
            }
        }
    }

    #[test]
    fn block_matches_eval() {
        let (m, n, d) = (70, 33, 40);
        let x = data(m + n, d, 5);
        for kernel in kernels() {
            let kr = KernelRows::new(&x, d, kernel);
            let a = kr.gather(&(0..m).collect::<Vec<_>>());
            let b = kr.gather(&(m..m + n).collect::<Vec<_>>());
            let mut out = vec![0.0f32; m * n];
            kr.block(a.as_block(), b.as_block(), &mut out);
            for r in 0..m {
                for c in 0..n {
                    let want = kernel.eval(kr.row(r), kr.row(m + c));
                    close(out[r * n + c], want, &format!("{kernel:?} ({r}, {c})"));
                }
            }
            let mut empty: Vec<f32> = Vec::new();
            kr.block(a.as_block(), kr.gather(&[]).as_block(), &mut empty);
        }
    }
}
