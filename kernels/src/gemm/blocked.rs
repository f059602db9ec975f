//! The BLIS-style blocked product: five loops around the microkernel.
//!
//! ```text
//! for jc in 0..n step NC             loop 5: a column block of C and B
//!   for pc in 0..k step KC           loop 4: a depth block; pack B[pc.., jc..] → B̃ (shared)
//!     for ic in 0..m step MC         loop 3: a row block; pack A[ic.., pc..] → Ã (per thread)
//!       for jr in 0..NC step NR      loop 2: a B̃ micro-panel (kept in L1)
//!         for ir in 0..MC step MR    loop 1: an Ã micro-panel (streamed from L2)
//!           microkernel: C[ir.., jr..] = α·Ã·B̃ + β·C   (β = 1 after the first depth block)
//! ```
//!
//! For deep products, loop 1 over the whole row panels runs inside one microkernel call per B̃
//! micro-panel (`TileArgs::down`; the ragged last row panel gets a call of its own). Shallow
//! products (depth ≤ 32), and products with a single row panel at any depth, swap loops 1 and 2
//! instead: one call per row panel runs all its full-width tiles side by side.
//!
//! Loops 3 and 2 are split into tasks over output tiles (row block × range of micro-panels) and
//! run on rayon when the product is large enough. Depth (loop 4) is never split: each element
//! of C is accumulated the same way at any thread count.
//!
//! When B is row-major and reused little (few rows of A, or a shallow product), B is not packed:
//! the microkernel reads its rows in place (`b_rs` = row stride of B). Only the ragged last
//! micro-panel is copied, so the tile never reads past the matrix.

use super::blocking::Blocking;
use super::c_ptr::CPtr;
use super::microkernel::{Microkernel, TileArgs};
use super::pack::{pack_a, pack_b_block, pack_b_panel, with_buffer, Buffer};
use super::{MatMut, MatRef};
use rayon::prelude::*;

/// When B is read in place, each step prefetches the same row this many micro-panels ahead
/// (the panels the next tiles along a row panel of C read; for a deep product walked down the
/// row panels, a prefetch into L2 of a B too large for it) ...
const B_PREFETCH_AHEAD: usize = 4;

/// ... except in a deep product with a single row panel, walked across: there each step
/// prefetches the row of its own panel this many steps ahead (both cache lines the row's NR
/// values may touch). A panel is used once, so a prefetch micro-panels ahead was evicted from
/// L1 before its use (4 × 24 tile, 120 steps: 4 panels are 46–61 KB of lines); fc1's input
/// gradient at batch 4 (4 × 400 × 120) ran 1.2–1.3× faster with this and the whole-tile
/// in-place kernel; 4, 12 and 16 rows ahead did about as well as 8, 2 and 24 worse.
const B_PREFETCH_ROWS: usize = 8;

/// Depths up to this are "shallow": loops 1 and 2 swap so C is written in long row runs.
const SHALLOW: usize = 32;

/// `C = α·A·B + β·C` with `m, n, k > 0`, `parallel` choosing rayon.
pub(crate) fn gemm<K: Microkernel>(
    bs: &Blocking,
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    let (mr, nr) = (K::MR, K::NR);
    let (mc, kc_max) = (bs.mc, bs.kc);
    // With a single row block, a packed B block is used once, right after packing: keep it
    // small enough to still be in L2 when the microkernel reads it.
    let nc = if m <= mc {
        let l2 = crate::arch::cache_sizes().l2;
        bs.nc.min((l2 / 2 / (kc_max.min(k) * 4) / nr * nr).max(nr))
    } else {
        bs.nc
    };
    // B in place: shallow products, a single row panel (each B value is used once, so packing
    // would only add a copy), or a few row panels over a B that fits in L3.
    let b_direct = b.col_stride == 1
        && (k <= 32 || m <= mr || m <= 4 * mr && k * n * 4 <= crate::arch::cache_sizes().l3 / 4);
    let threads = if parallel {
        rayon::current_num_threads()
    } else {
        1
    };
    let (rsc, csc) = (c.row_stride, c.col_stride);
    // Tasks write disjoint tiles of C (row block × range of micro-panels; distinct elements, as `MatMut::check` ensures).
    let cptr = CPtr(c.data.as_mut_ptr());
    let b_len = if b_direct {
        0
    } else {
        kc_max * nc.min(n.div_ceil(nr) * nr)
    };

    with_buffer(Buffer::B, b_len, |bbuf| {
        for jc in (0..n).step_by(nc) {
            // Loop 5.
            let ncb = nc.min(n - jc);
            let panels = ncb.div_ceil(nr);
            for pc in (0..k).step_by(kc_max) {
                // Loop 4.
                let kc = kc_max.min(k - pc);
                let beta_p = if pc == 0 { beta } else { 1.0 };
                if !b_direct {
                    let packed = &mut bbuf[..panels * kc * nr];
                    if threads > 1 && panels >= 2 * threads {
                        // Each thread packs a contiguous range of panels.
                        let per = panels.div_ceil(threads);
                        packed
                            .par_chunks_mut(per * kc * nr)
                            .enumerate()
                            .for_each(|(t, dst)| {
                                let j0 = t * per * nr;
                                let cols = (per * nr).min(ncb - j0);
                                pack_b_block::<K>(b, pc, kc, jc + j0, cols, dst);
                            });
                    } else {
                        pack_b_block::<K>(b, pc, kc, jc, ncb, packed);
                    }
                }
                let bpacked: &[f32] = bbuf;

                // Tasks: row blocks × ranges of micro-panels.
                // Row blocks of nearly equal size (whole micro-panels, at most MC rows), as many
                // as a multiple of the thread count: equal work per thread. The split of the
                // rows never changes how an element of C is summed.
                let m_panels = m.div_ceil(mr);
                let mut row_blocks = m_panels.div_ceil(mc / mr);
                if threads > 1 && row_blocks > 1 {
                    row_blocks = row_blocks.div_ceil(threads) * threads;
                }
                let block = |ib: usize| -> (usize, usize) {
                    let ic = ib * m_panels / row_blocks * mr;
                    let end = ((ib + 1) * m_panels / row_blocks * mr).min(m);
                    (ic, end - ic)
                };
                let want = if threads > 1 { 4 * threads } else { 1 };
                let chunks = want.div_ceil(row_blocks).clamp(1, panels);
                let per_chunk = panels.div_ceil(chunks);
                let chunks = panels.div_ceil(per_chunk);
                let task = |t: usize| {
                    let (ib, ch) = (t / chunks, t % chunks);
                    let (ic, mcb) = block(ib);
                    let q0 = ch * per_chunk;
                    let q1 = (q0 + per_chunk).min(panels);
                    let a_len = mcb.div_ceil(mr) * kc * mr;
                    with_buffer(Buffer::A, a_len + kc * nr, |abuf| {
                        let (apacked, edge) = abuf.split_at_mut(a_len);
                        // Loop 3 body: pack this row block of A.
                        pack_a::<K>(a, ic, mcb, pc, kc, apacked);
                        // A ragged last micro-panel of an in-place B is copied once, unless the
                        // kernel reads just its columns in place.
                        let edge_in_place = K::ragged_in_place(ncb % nr);
                        if b_direct && q1 == panels && ncb % nr != 0 && !edge_in_place {
                            let j = jc + (panels - 1) * nr;
                            pack_b_panel::<K>(b, pc, kc, j, n - j, edge);
                        }
                        let edge: &[f32] = edge;
                        // Micro-panel q: its first value, row stride, and whether it is B itself.
                        let b_panel = |q: usize| -> (*const f32, usize, bool) {
                            let j = jc + q * nr;
                            if !b_direct {
                                (bpacked[q * kc * nr..].as_ptr(), nr, false)
                            } else if j + nr <= n || edge_in_place {
                                let first = b.data[pc * b.row_stride + j..].as_ptr();
                                (first, b.row_stride, true)
                            } else {
                                (edge.as_ptr(), nr, false)
                            }
                        };
                        // `tiles` tiles from micro-panel q on (all full width when more than
                        // one), or with `down` from row ir down (all MR tall).
                        let rows_ahead = kc > SHALLOW && mcb <= mr;
                        let tile = |q: usize, tiles: usize, ir: usize, down: bool| {
                            let (bp, b_rs, in_place) = b_panel(q);
                            let j = jc + q * nr;
                            let args = TileArgs {
                                kc,
                                a: apacked[ir * kc..].as_ptr(),
                                b: bp,
                                b_rs,
                                // SAFETY: (ic+ir, j) is inside C, so the offset is in bounds.
                                c: unsafe { cptr.at((ic + ir) * rsc + j * csc) },
                                rsc,
                                csc,
                                mr: mr.min(mcb - ir),
                                nr: nr.min(n - j),
                                alpha,
                                beta: beta_p,
                                tiles,
                                down,
                                b_next: if b_direct { nr } else { kc * nr },
                                b_prefetch: if !in_place {
                                    0
                                } else if rows_ahead && b_rs > 0 {
                                    B_PREFETCH_ROWS * b_rs
                                } else {
                                    B_PREFETCH_AHEAD * nr
                                },
                                b_prefetch_ends: rows_ahead && b_rs > 0,
                            };
                            // SAFETY: the ISA was checked by the dispatcher; Ã holds kc·MR values
                            // per panel, each B panel kc rows of NR (in place: row pc+p of B,
                            // columns j..j+NR·tiles, all inside B since those panels are full;
                            // a ragged panel in place only where the kernel reads just its nr
                            // columns, `Microkernel::ragged_in_place`); the tiles are this
                            // task's alone.
                            unsafe { K::tile(&args) };
                        };
                        if kc <= SHALLOW || mcb <= mr {
                            // Shallow product: C traffic dominates, so walk C row panel by row
                            // panel (a few long write streams) rather than column by column, all
                            // full-width tiles of a row panel in one call. A single row panel
                            // (e.g. a dense layer's input gradient at a small batch) is walked
                            // the same way at any depth: one call for all its full tiles.
                            let full = (ncb / nr).clamp(q0, q1);
                            for ir in (0..mcb).step_by(mr) {
                                if full > q0 {
                                    tile(q0, full - q0, ir, false);
                                }
                                for q in full..q1 {
                                    tile(q, 1, ir, false);
                                }
                            }
                        } else {
                            // Loop 2; loop 1 over the whole MR-tall row panels in one call (the
                            // kernel walks down Ã), then the ragged last row panel.
                            let full_rows = mcb / mr;
                            for q in q0..q1 {
                                if full_rows > 0 {
                                    tile(q, full_rows, 0, true);
                                }
                                if mcb % mr != 0 {
                                    tile(q, 1, full_rows * mr, false);
                                }
                            }
                        }
                    });
                };
                let tasks = row_blocks * chunks;
                if threads > 1 && tasks > 1 {
                    (0..tasks).into_par_iter().for_each(task);
                } else {
                    (0..tasks).for_each(task);
                }
            }
        }
    });
}
