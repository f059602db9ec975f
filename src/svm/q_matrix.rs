//! The matrices `Q` of the duals, served column by column through the kernel cache.
//!
//! * C-SVC / ν-SVC: `Q_ij = y_i y_j K(x_i, x_j)` (LIBSVM's `SVC_Q`).
//! * one-class: `Q_ij = K(x_i, x_j)` (`ONE_CLASS_Q`, here [`SvcQ`] with all `y_i = +1`).
//! * ε-SVR / ν-SVR: the `2l × 2l` matrix `[[K, −K], [−K, K]]` over `(α, α*)` (`SVR_Q`): the
//!   cache holds the `l` distinct kernel columns and `Q`'s columns are signed gathers of them.

use super::cache::{CacheStats, KernelCache};
use super::kernel::{GatheredRows, KernelRows, RowBlock};
use rayon::prelude::*;

/// Rows per gathered tile when kernel blocks are computed by matrix products.
const TILE_ROWS: usize = 64;
/// Variables per gathered chunk of the summed-over side in [`QMatrix::add_columns`].
const SUM_CHUNK: usize = 256;

/// What the solver needs from `Q`.
pub(crate) trait QMatrix {
    /// `Q[i][0..len]` in the solver's current variable order.
    fn get_q(&mut self, i: usize, len: usize) -> &[f32];
    /// `Q[i][0..len]` and `Q[j][0..len]`, both valid at once.
    fn get_q_pair(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]);
    /// The diagonal `Q_ii`.
    fn qd(&self) -> &[f64];
    /// Variables `i` and `j` trade places.
    fn swap_index(&mut self, i: usize, j: usize);
    /// Cache counters.
    fn stats(&self) -> CacheStats;
    /// True if `Q[i][0..len]` is cached (fetching it costs no kernel evaluations).
    fn is_cached(&self, _i: usize, _len: usize) -> bool {
        true
    }
    /// Computes and caches the columns `idx` (to `len`) in one pass over the data, when the
    /// cache has room for them; a hint that changes speed, never results.
    fn prefetch(&mut self, _idx: &[usize], _len: usize) {}
    /// How many `f32` entries the cache holds.
    fn cache_capacity(&self) -> usize {
        usize::MAX
    }
    /// True if [`QMatrix::add_columns`] computes kernel blocks by matrix products, far cheaper
    /// per entry than fetching columns: the solver then skips `Ḡ` and rebuilds gradients with
    /// it.
    fn computes_blocks(&self) -> bool {
        false
    }
    /// `out[t − start] += Σ_k coef[k]·Q[cols[k]][t]` for `t` in `start..end`. This default
    /// fetches each column through the cache.
    fn add_columns(
        &mut self,
        cols: &[usize],
        coef: &[f64],
        start: usize,
        end: usize,
        out: &mut [f64],
    ) {
        for (&j, &c) in cols.iter().zip(coef) {
            let q = &self.get_q(j, end)[start..end];
            for (o, &v) in out.iter_mut().zip(q) {
                *o += c * v as f64;
            }
        }
    }
}

fn cache_bytes(cache_size_mb: f64) -> usize {
    (cache_size_mb * (1u64 << 20) as f64) as usize
}

/// `Q_ij = y_i y_j K(x_i, x_j)` over a subset of the rows of a matrix.
pub(crate) struct SvcQ<'k, 'a> {
    rows: &'k KernelRows<'a>,
    /// `perm[i]`: the matrix row of variable `i` (in the current order).
    perm: Vec<usize>,
    /// The rows of the variables in the current order (permuted with them), so that any
    /// range of variables is one contiguous block for matrix products; and their norms.
    /// Columns put `qd[i]` (`K(x_i, x_i)` with the exact cancellation of the per-entry path) on
    /// the diagonal, where `‖x‖² + ‖x‖² − 2xᵀx` from a matrix product may not cancel exactly.
    x: GatheredRows,
    y: Vec<i8>,
    qd: Vec<f64>,
    cache: KernelCache,
}

impl<'k, 'a> SvcQ<'k, 'a> {
    /// Variables are the matrix rows `rows_of_problem` with labels `y` (±1).
    pub(crate) fn new(
        rows: &'k KernelRows<'a>,
        rows_of_problem: &[usize],
        y: &[i8],
        cache_size_mb: f64,
    ) -> Self {
        let qd = rows_of_problem.iter().map(|&r| rows.k(r, r)).collect();
        SvcQ {
            rows,
            perm: rows_of_problem.to_vec(),
            x: rows.gather(rows_of_problem),
            y: y.to_vec(),
            qd,
            cache: KernelCache::new(rows_of_problem.len(), cache_bytes(cache_size_mb)),
        }
    }

    /// Variables `start..end` as a block of rows.
    fn vars(&self, start: usize, end: usize) -> RowBlock<'_> {
        self.x.as_block().rows(start, end, self.rows.n_features())
    }

    /// Copies the rows of the variables `idx` into one block.
    fn gather_vars(&self, idx: &[usize]) -> GatheredRows {
        let d = self.rows.n_features();
        let mut data = Vec::with_capacity(idx.len() * d);
        for &i in idx {
            data.extend_from_slice(&self.x.data[i * d..(i + 1) * d]);
        }
        GatheredRows {
            data,
            norms: idx.iter().map(|&i| self.x.norms[i]).collect(),
        }
    }

    fn fill(&mut self, i: usize, len: usize) {
        let d = self.rows.n_features();
        let SvcQ {
            rows,
            x,
            y,
            qd,
            cache,
            ..
        } = self;
        let (col, start) = cache.get_data(i, len);
        if start < len {
            let xb = x.as_block();
            rows.columns_of_block(
                xb.rows(i, i + 1, d),
                xb.rows(start, len, d),
                &mut col[start..len],
            );
            let yi = y[i];
            for (q, &yj) in col[start..len].iter_mut().zip(&y[start..len]) {
                if yi != yj {
                    *q = -*q;
                }
            }
            if (start..len).contains(&i) {
                col[i] = qd[i] as f32;
            }
        }
    }
}

impl QMatrix for SvcQ<'_, '_> {
    fn get_q(&mut self, i: usize, len: usize) -> &[f32] {
        self.fill(i, len);
        &self.cache.column(i)[..len]
    }

    fn get_q_pair(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        self.fill(i, len);
        self.fill(j, len);
        if self.cache.column(i).len() < len {
            // Only possible with a cache below two columns, which `KernelCache::new` forbids.
            self.fill(i, len);
        }
        (&self.cache.column(i)[..len], &self.cache.column(j)[..len])
    }

    fn qd(&self) -> &[f64] {
        &self.qd
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.cache.swap_index(i, j);
        self.perm.swap(i, j);
        if i != j {
            let d = self.rows.n_features();
            let (lo, hi) = (i.min(j), i.max(j));
            let (head, tail) = self.x.data.split_at_mut(hi * d);
            head[lo * d..(lo + 1) * d].swap_with_slice(&mut tail[..d]);
            self.x.norms.swap(i, j);
        }
        self.y.swap(i, j);
        self.qd.swap(i, j);
    }

    fn stats(&self) -> CacheStats {
        self.cache.stats
    }

    fn is_cached(&self, i: usize, len: usize) -> bool {
        self.cache.cached_len(i) >= len
    }

    fn cache_capacity(&self) -> usize {
        self.cache.capacity()
    }

    fn prefetch(&mut self, idx: &[usize], len: usize) {
        let todo: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| self.cache.cached_len(i) == 0)
            .collect();
        // Only when all of them (and two more columns) fit, so nothing just computed is evicted.
        if todo.len() < 2 || (todo.len() + 2) * len > self.cache.capacity() {
            return;
        }
        let nb = todo.len();
        let rows = self.rows;
        let queries = self.gather_vars(&todo);
        let xb = self.vars(0, len);
        let mut block = vec![0.0f32; nb * len];
        rows.columns_of_block(queries.as_block(), xb, &mut block);
        for (b, &i) in todo.iter().enumerate() {
            let yi = self.y[i];
            let (col, start) = self.cache.get_data(i, len);
            debug_assert_eq!(start, 0);
            let src = &block[b * len..(b + 1) * len];
            for ((q, &v), &yt) in col.iter_mut().zip(src).zip(&self.y) {
                *q = if yi == yt { v } else { -v };
            }
            if i < len {
                col[i] = self.qd[i] as f32;
            }
        }
    }

    /// Sums from blocks of `K` computed tile by tile by matrix products (rows `start..end` in
    /// tiles of [`TILE_ROWS`], in parallel; the summed-over variables in chunks of
    /// [`SUM_CHUNK`], in a fixed order) and never cached. The cache is not consulted either, so
    /// the result does not depend on its state (which depends on its size, and that on the
    /// number of concurrent solvers). With `Q_tj = y_t y_j K_tj`:
    /// `out[t] += y_t · Σ_k (coef_k y_k) K(t, cols_k)`.
    fn computes_blocks(&self) -> bool {
        true
    }

    fn add_columns(
        &mut self,
        cols: &[usize],
        coef: &[f64],
        start: usize,
        end: usize,
        out: &mut [f64],
    ) {
        debug_assert_eq!(out.len(), end - start);
        if cols.is_empty() || start == end {
            return;
        }
        let weighted: Vec<(usize, f64)> = cols
            .iter()
            .zip(coef)
            .map(|(&j, &c)| (j, c * self.y[j] as f64))
            .collect();
        let rows = self.rows;
        let d = rows.n_features();
        let chunks: Vec<(GatheredRows, Vec<f64>)> = weighted
            .chunks(SUM_CHUNK)
            .map(|ch| {
                let idx: Vec<usize> = ch.iter().map(|&(j, _)| j).collect();
                (self.gather_vars(&idx), ch.iter().map(|&(_, w)| w).collect())
            })
            .collect();
        let xb = self.vars(start, end);
        let y = &self.y[start..end];
        let tr = TILE_ROWS;
        out.par_chunks_mut(tr)
            .zip(y.par_chunks(tr))
            .enumerate()
            .for_each(|(c, (out, y))| {
                let tile = xb.rows(c * tr, c * tr + out.len(), d);
                let mut sums = vec![0.0f64; tile.len()];
                let mut k = Vec::new();
                for (b, w) in &chunks {
                    k.resize(tile.len() * w.len(), 0.0);
                    rows.block(tile, b.as_block(), &mut k);
                    for (s, krow) in sums.iter_mut().zip(k.chunks(w.len())) {
                        *s += krow
                            .iter()
                            .zip(w)
                            .map(|(&kv, &wv)| wv * kv as f64)
                            .sum::<f64>();
                    }
                }
                for ((o, s), &yt) in out.iter_mut().zip(sums).zip(y) {
                    *o += yt as f64 * s;
                }
            });
    }
}

/// The `2l × 2l` SVR matrix over variables `(α_1…α_l, α*_1…α*_l)`.
pub(crate) struct SvrQ<'k, 'a> {
    rows: &'k KernelRows<'a>,
    problem_rows: Vec<usize>,
    /// `sign[t]` = +1 for `α`, −1 for `α*`; `index[t]` = the example of variable `t`.
    sign: Vec<i8>,
    index: Vec<usize>,
    qd: Vec<f64>,
    cache: KernelCache,
    buffers: [Vec<f32>; 2],
}

impl<'k, 'a> SvrQ<'k, 'a> {
    /// Variables for the examples at matrix rows `rows_of_problem`.
    pub(crate) fn new(
        rows: &'k KernelRows<'a>,
        rows_of_problem: &[usize],
        cache_size_mb: f64,
    ) -> Self {
        let l = rows_of_problem.len();
        let kd: Vec<f64> = rows_of_problem.iter().map(|&r| rows.k(r, r)).collect();
        SvrQ {
            rows,
            problem_rows: rows_of_problem.to_vec(),
            sign: (0..2 * l).map(|t| if t < l { 1 } else { -1 }).collect(),
            index: (0..2 * l).map(|t| t % l.max(1)).collect(),
            qd: kd.iter().chain(&kd).copied().collect(),
            cache: KernelCache::new(l, cache_bytes(cache_size_mb)),
            buffers: [vec![0.0; 2 * l], vec![0.0; 2 * l]],
        }
    }

    fn fill(&mut self, which: usize, i: usize, len: usize) {
        let l = self.problem_rows.len();
        let real_i = self.index[i];
        let (col, start) = self.cache.get_data(real_i, l);
        if start < l {
            self.rows.column(
                self.problem_rows[real_i],
                &self.problem_rows[start..l],
                &mut col[start..l],
            );
        }
        let col = self.cache.column(real_i);
        let si = self.sign[i];
        let buf = &mut self.buffers[which];
        for ((b, &s), &ix) in buf[..len]
            .iter_mut()
            .zip(&self.sign[..len])
            .zip(&self.index[..len])
        {
            *b = if s == si { col[ix] } else { -col[ix] };
        }
    }
}

impl QMatrix for SvrQ<'_, '_> {
    fn get_q(&mut self, i: usize, len: usize) -> &[f32] {
        self.fill(0, i, len);
        &self.buffers[0][..len]
    }

    fn get_q_pair(&mut self, i: usize, j: usize, len: usize) -> (&[f32], &[f32]) {
        self.fill(0, i, len);
        self.fill(1, j, len);
        (&self.buffers[0][..len], &self.buffers[1][..len])
    }

    fn qd(&self) -> &[f64] {
        &self.qd
    }

    fn swap_index(&mut self, i: usize, j: usize) {
        self.sign.swap(i, j);
        self.index.swap(i, j);
        self.qd.swap(i, j);
    }

    fn stats(&self) -> CacheStats {
        self.cache.stats
    }
}

#[cfg(test)]
mod tests {
    //! [`SvcQ`]'s batched paths against its one-column path, after the solver-style swaps that
    //! permute its copy of the rows.
    use super::*;
    use crate::svm::kernel::Kernel;
    use crate::svm::params::KernelType;

    fn setup(n: usize, d: usize) -> (Vec<f32>, Vec<i8>) {
        let mut s = 3u64;
        let mut next = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        let x: Vec<f32> = (0..n * d).map(|_| next()).collect();
        let y = (0..n)
            .map(|i| if x[i * d] > 0.0 { 1 } else { -1 })
            .collect();
        (x, y)
    }

    const RBF: Kernel = Kernel {
        kernel_type: KernelType::Rbf,
        degree: 3,
        gamma: 0.1,
        coef0: 0.0,
    };

    fn swapped<'k, 'a>(kr: &'k KernelRows<'a>, y: &[i8]) -> SvcQ<'k, 'a> {
        let rows: Vec<usize> = (0..y.len()).collect();
        let mut q = SvcQ::new(kr, &rows, y, 10.0);
        for (i, j) in [(0, 99), (5, 6), (40, 3), (77, 77), (12, 90)] {
            q.swap_index(i, j);
        }
        q
    }

    #[test]
    fn prefetched_columns_equal_single_columns_and_the_kernel() {
        let (n, d) = (100, 70);
        let (x, y) = setup(n, d);
        let kr = KernelRows::new(&x, d, RBF);
        let mut batched = swapped(&kr, &y);
        let mut single = swapped(&kr, &y);
        let idx = [4, 0, 99, 50, 12];
        batched.prefetch(&idx, n);
        for &i in &idx {
            assert!(batched.is_cached(i, n));
            let a = batched.get_q(i, n).to_vec();
            let b = single.get_q(i, n).to_vec();
            assert_eq!(a, b, "column {i}");
            for (t, &v) in a.iter().enumerate() {
                let (pi, pt) = (single.perm[i], single.perm[t]);
                let sign = (single.y[i] * single.y[t]) as f64;
                let want = sign * RBF.eval(kr.row(pi), kr.row(pt));
                assert!((v as f64 - want).abs() < 2e-5, "Q[{i}][{t}] {v} vs {want}");
            }
            assert_eq!(a[i] as f64, single.qd()[i] as f32 as f64);
        }
    }

    #[test]
    fn add_columns_matches_the_sum_of_columns() {
        let (n, d) = (100, 70);
        let (x, y) = setup(n, d);
        let kr = KernelRows::new(&x, d, RBF);
        let mut q = swapped(&kr, &y);
        let cols: Vec<usize> = (0..n).step_by(3).collect();
        let coef: Vec<f64> = cols.iter().map(|&j| 0.5 + j as f64 / 10.0).collect();
        let (start, end) = (30, 100);
        let mut got = vec![1.0f64; end - start];
        q.add_columns(&cols, &coef, start, end, &mut got);
        let mut want = vec![1.0f64; end - start];
        for (&j, &c) in cols.iter().zip(&coef) {
            let col = q.get_q(j, end);
            for (w, &v) in want.iter_mut().zip(&col[start..end]) {
                *w += c * v as f64;
            }
        }
        let scale: f64 = coef.iter().sum();
        for (t, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() < 1e-5 * scale,
                "row {}: {g} vs {w}",
                t + start
            );
        }
    }
}
