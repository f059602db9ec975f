//! An LRU cache of kernel columns, sized in bytes (LIBSVM's `Cache`, `-m` MB).
//!
//! Column `i` holds `Q[i][0..len]` for the *current* order of the variables (the solver permutes
//! variables when it shrinks, and tells the cache through [`KernelCache::swap_index`]). A request
//! for a longer prefix than the cached one extends it; when the budget runs out the least
//! recently used columns are dropped.

/// Counters of cache behaviour, for benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests answered fully from the cache.
    pub hits: u64,
    /// Requests that had to compute (part of) a column.
    pub misses: u64,
    /// Kernel entries computed because of misses.
    pub entries_computed: u64,
}

/// LRU cache of variable-length `f32` columns.
pub(crate) struct KernelCache {
    /// Remaining budget, in `f32` entries.
    free: usize,
    columns: Vec<Vec<f32>>,
    /// Circular doubly linked LRU list over `0..l`, sentinel `l`; `prev[l]` is the newest.
    prev: Vec<usize>,
    next: Vec<usize>,
    pub(crate) stats: CacheStats,
}

impl KernelCache {
    /// A cache for `l` columns within `bytes` bytes (at least two full columns, as in LIBSVM).
    pub(crate) fn new(l: usize, bytes: usize) -> Self {
        let entries = (bytes / std::mem::size_of::<f32>())
            .saturating_sub(l * 24 / std::mem::size_of::<f32>())
            .max(2 * l);
        KernelCache {
            free: entries,
            columns: vec![Vec::new(); l],
            prev: (0..=l).collect(),
            next: (0..=l).collect(),
            stats: CacheStats::default(),
        }
    }

    fn sentinel(&self) -> usize {
        self.columns.len()
    }

    fn lru_delete(&mut self, h: usize) {
        let (p, n) = (self.prev[h], self.next[h]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn lru_insert(&mut self, h: usize) {
        let s = self.sentinel();
        let last = self.prev[s];
        self.next[h] = s;
        self.prev[h] = last;
        self.next[last] = h;
        self.prev[s] = h;
    }

    fn drop_column(&mut self, h: usize) {
        self.lru_delete(h);
        self.free += self.columns[h].len();
        self.columns[h] = Vec::new();
    }

    /// Makes column `index` at least `len` long; returns the column and how many leading
    /// entries were already valid (the caller computes the rest).
    pub(crate) fn get_data(&mut self, index: usize, len: usize) -> (&mut [f32], usize) {
        let have = self.columns[index].len();
        if have > 0 {
            self.lru_delete(index);
        }
        if len > have {
            let more = len - have;
            while self.free < more {
                let oldest = self.next[self.sentinel()];
                debug_assert_ne!(oldest, self.sentinel(), "cache smaller than one column");
                self.drop_column(oldest);
            }
            self.free -= more;
            self.columns[index].resize(len, 0.0);
            self.stats.misses += 1;
            self.stats.entries_computed += more as u64;
        } else {
            self.stats.hits += 1;
        }
        self.lru_insert(index);
        (&mut self.columns[index][..len], have.min(len))
    }

    /// Length of the cached prefix of column `index`.
    pub(crate) fn cached_len(&self, index: usize) -> usize {
        self.columns[index].len()
    }

    /// Total capacity in entries (cached plus free).
    pub(crate) fn capacity(&self) -> usize {
        self.free + self.columns.iter().map(Vec::len).sum::<usize>()
    }

    /// The cached column `index` (empty if not cached).
    pub(crate) fn column(&self, index: usize) -> &[f32] {
        &self.columns[index]
    }

    /// Variables `i` and `j` trade places: swap their columns, and entries `i`/`j` inside every
    /// cached column (columns too short to hold both are dropped).
    pub(crate) fn swap_index(&mut self, i: usize, j: usize) {
        if i == j {
            return;
        }
        let (hi, hj) = (!self.columns[i].is_empty(), !self.columns[j].is_empty());
        if hi {
            self.lru_delete(i);
        }
        if hj {
            self.lru_delete(j);
        }
        self.columns.swap(i, j);
        if hj {
            self.lru_insert(i);
        }
        if hi {
            self.lru_insert(j);
        }
        let (i, j) = (i.min(j), i.max(j));
        let s = self.sentinel();
        let mut h = self.next[s];
        while h != s {
            let nxt = self.next[h];
            let len = self.columns[h].len();
            if len > i {
                if len > j {
                    self.columns[h].swap(i, j);
                } else {
                    self.drop_column(h);
                }
            }
            h = nxt;
        }
    }
}
