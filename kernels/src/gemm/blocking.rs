//! Block sizes of the five loops, derived from the cache sizes ([`crate::arch::cache_sizes`]).
//!
//! * `KC` (depth): one B micro-panel, `KC × NR` f32, fills about half of L1, so it stays there
//!   while the microkernel streams A past it.
//! * `MC` (rows): one packed A block, `MC × KC`, fills about half of L2.
//! * `NC` (columns): one packed B block, `KC × NC`, about a quarter of L3.

use crate::arch::{cache_sizes, CacheSizes};

/// The block sizes GEMM uses for one microkernel shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocking {
    /// Rows of the register tile.
    pub mr: usize,
    /// Columns of the register tile.
    pub nr: usize,
    /// Rows of a packed A block (a multiple of `mr`).
    pub mc: usize,
    /// Depth of a packed block.
    pub kc: usize,
    /// Columns of a packed B block (a multiple of `nr`).
    pub nc: usize,
}

impl Blocking {
    /// Block sizes for an `mr × nr` tile on a machine with `caches`.
    pub fn new(mr: usize, nr: usize, caches: &CacheSizes) -> Blocking {
        let kc = (caches.l1d / 2 / (nr * 4)).clamp(192, 512) / 8 * 8;
        let mc = ((caches.l2 / 2 / (kc * 4)).clamp(mr, 4096) / mr * mr).max(mr);
        let nc = ((caches.l3 / 4 / (kc * 4)).clamp(nr, 8192) / nr * nr).max(nr);
        Blocking { mr, nr, mc, kc, nc }
    }

    /// Block sizes for an `mr × nr` tile on this machine. For tuning experiments, the
    /// environment variables `LEPTON_GEMM_MC`, `LEPTON_GEMM_KC` and `LEPTON_GEMM_NC` (read once)
    /// override the derived values (rounded to the tile; invalid values are ignored).
    pub fn for_tile(mr: usize, nr: usize) -> Blocking {
        let mut b = Blocking::new(mr, nr, &cache_sizes());
        let o = overrides();
        if let Some(mc) = o[0] {
            b.mc = (mc / mr * mr).max(mr);
        }
        if let Some(kc) = o[1] {
            b.kc = kc.max(1);
        }
        if let Some(nc) = o[2] {
            b.nc = (nc / nr * nr).max(nr);
        }
        b
    }
}

fn overrides() -> [Option<usize>; 3] {
    static O: std::sync::OnceLock<[Option<usize>; 3]> = std::sync::OnceLock::new();
    *O.get_or_init(|| {
        let get = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse().ok());
        [
            get("LEPTON_GEMM_MC"),
            get("LEPTON_GEMM_KC"),
            get("LEPTON_GEMM_NC"),
        ]
    })
}
