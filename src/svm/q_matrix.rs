//! The matrices `Q` of the duals, served column by column through the kernel cache.
//!
//! * C-SVC / ν-SVC: `Q_ij = y_i y_j K(x_i, x_j)` (LIBSVM's `SVC_Q`).
//! * one-class: `Q_ij = K(x_i, x_j)` (`ONE_CLASS_Q`, here [`SvcQ`] with all `y_i = +1`).
//! * ε-SVR / ν-SVR: the `2l × 2l` matrix `[[K, −K], [−K, K]]` over `(α, α*)` (`SVR_Q`): the
//!   cache holds the `l` distinct kernel columns and `Q`'s columns are signed gathers of them.

use super::cache::{CacheStats, KernelCache};
use super::kernel::KernelRows;

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
}

fn cache_bytes(cache_size_mb: f64) -> usize {
    (cache_size_mb * (1u64 << 20) as f64) as usize
}

/// `Q_ij = y_i y_j K(x_i, x_j)` over a subset of the rows of a matrix.
pub(crate) struct SvcQ<'k, 'a> {
    rows: &'k KernelRows<'a>,
    /// `perm[i]`: the matrix row of variable `i` (in the current order).
    perm: Vec<usize>,
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
            y: y.to_vec(),
            qd,
            cache: KernelCache::new(rows_of_problem.len(), cache_bytes(cache_size_mb)),
        }
    }

    fn fill(&mut self, i: usize, len: usize) {
        let SvcQ {
            rows,
            perm,
            y,
            cache,
            ..
        } = self;
        let (col, start) = cache.get_data(i, len);
        if start < len {
            rows.column(perm[i], &perm[start..len], &mut col[start..len]);
            let yi = y[i];
            for (q, &yj) in col[start..len].iter_mut().zip(&y[start..len]) {
                if yi != yj {
                    *q = -*q;
                }
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
        self.y.swap(i, j);
        self.qd.swap(i, j);
    }

    fn stats(&self) -> CacheStats {
        self.cache.stats
    }

    fn is_cached(&self, i: usize, len: usize) -> bool {
        self.cache.cached_len(i) >= len
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
        let queries: Vec<usize> = todo.iter().map(|&i| self.perm[i]).collect();
        let mut block = vec![0.0f32; nb * len];
        self.rows.columns(&queries, &self.perm[..len], &mut block);
        for (b, &i) in todo.iter().enumerate() {
            let yi = self.y[i];
            let (col, start) = self.cache.get_data(i, len);
            debug_assert_eq!(start, 0);
            for (t, q) in col.iter_mut().enumerate() {
                let v = block[t * nb + b];
                *q = if yi == self.y[t] { v } else { -v };
            }
        }
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
