//! Packing: copying a block of A or B into the order the microkernel reads it, zero-padded to
//! whole micro-panels, into reusable thread-local buffers.
//!
//! ```text
//! Ã (MR = 3 shown): panel 0 = rows 0..3, stored column by column     B̃ (NR = 4): panel 0 = cols 0..4,
//!   a00 a10 a20 | a01 a11 a21 | a02 a12 a22 | …                        b00 b01 b02 b03 | b10 b11 b12 b13 | …
//! ```
//!
//! Each layout of the source gets its own loop so the reads are contiguous whenever the source
//! allows: A row-major, A column-major (a transposed view), B row-major, B column-major.

use super::MatRef;
use std::cell::Cell;

/// Packs rows `i0..i0+mc` and columns `p0..p0+kc` of `a` into `dst` as `ceil(mc/MR)` panels of
/// `kc·MR` values, rows past `mc` zero.
pub(crate) fn pack_a(
    mr: usize,
    a: &MatRef<'_>,
    i0: usize,
    mc: usize,
    p0: usize,
    kc: usize,
    dst: &mut [f32],
) {
    let panels = mc.div_ceil(mr);
    debug_assert!(dst.len() >= panels * kc * mr);
    let (rs, cs) = (a.row_stride, a.col_stride);
    for q in 0..panels {
        let panel = &mut dst[q * kc * mr..(q + 1) * kc * mr];
        let rows = mr.min(mc - q * mr);
        let base = (i0 + q * mr) * rs + p0 * cs;
        if rs == 1 && rows == mr {
            // Column-major source: the MR values of step p are contiguous.
            for (p, out) in panel.chunks_exact_mut(mr).enumerate() {
                let s = base + p * cs;
                copy_short(out, &a.data[s..s + mr]);
            }
        } else if cs == 1 && mr <= 16 {
            // Row-major source: MR row streams read in step, each group of MR written at once.
            let mut src: [&[f32]; 16] = [&[]; 16];
            for (i, s) in src.iter_mut().enumerate().take(rows) {
                *s = &a.data[base + i * rs..base + i * rs + kc];
            }
            for (p, out) in panel.chunks_exact_mut(mr).enumerate() {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = if i < rows { src[i][p] } else { 0.0 };
                }
            }
        } else {
            for (p, out) in panel.chunks_exact_mut(mr).enumerate() {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = if i < rows {
                        a.data[base + i * rs + p * cs]
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// Packs one micro-panel: rows `p0..p0+kc`, columns `j0..j0+cols` (`cols ≤ nr`) of `b` into
/// `dst` (`kc·NR` values), columns past `cols` zero.
pub(crate) fn pack_b_panel(
    nr: usize,
    b: &MatRef<'_>,
    p0: usize,
    kc: usize,
    j0: usize,
    cols: usize,
    dst: &mut [f32],
) {
    debug_assert!(dst.len() >= kc * nr && cols <= nr);
    let (rs, cs) = (b.row_stride, b.col_stride);
    let base = p0 * rs + j0 * cs;
    if cs == 1 && cols == nr {
        // Row-major source: each step's NR values are contiguous.
        for (p, out) in dst[..kc * nr].chunks_exact_mut(nr).enumerate() {
            let s = base + p * rs;
            copy_short(out, &b.data[s..s + nr]);
        }
    } else if rs == 1 {
        // Column-major source (a transposed view): read each column contiguously.
        for j in 0..cols {
            let col = &b.data[base + j * cs..base + j * cs + kc];
            for (p, &v) in col.iter().enumerate() {
                dst[p * nr + j] = v;
            }
        }
        if cols < nr {
            for out in dst[..kc * nr].chunks_exact_mut(nr) {
                out[cols..].fill(0.0);
            }
        }
    } else {
        for (p, out) in dst[..kc * nr].chunks_exact_mut(nr).enumerate() {
            for (j, o) in out.iter_mut().enumerate() {
                *o = if j < cols {
                    b.data[base + p * rs + j * cs]
                } else {
                    0.0
                };
            }
        }
    }
}

/// Packs rows `p0..p0+kc`, columns `j0..j0+ncb` of `b` into `ceil(ncb/NR)` micro-panels of
/// `kc·NR` values. A row-major source is copied row by row across all panels, so each row of
/// B is read as one contiguous run (friendly to the hardware prefetchers, unlike dozens of
/// short strided reads per panel).
pub(crate) fn pack_b_block(
    nr: usize,
    b: &MatRef<'_>,
    p0: usize,
    kc: usize,
    j0: usize,
    ncb: usize,
    dst: &mut [f32],
) {
    let panels = ncb.div_ceil(nr);
    let full = ncb / nr;
    if b.col_stride == 1 && full > 0 {
        for p in 0..kc {
            let s = (p0 + p) * b.row_stride + j0;
            let row = &b.data[s..s + full * nr];
            for (q, src) in row.chunks_exact(nr).enumerate() {
                let o = q * kc * nr + p * nr;
                copy_short(&mut dst[o..o + nr], src);
            }
        }
        if full < panels {
            let cols = ncb - full * nr;
            pack_b_panel(
                nr,
                b,
                p0,
                kc,
                j0 + full * nr,
                cols,
                &mut dst[full * kc * nr..panels * kc * nr],
            );
        }
    } else {
        for (q, panel) in dst[..panels * kc * nr].chunks_mut(kc * nr).enumerate() {
            let cols = nr.min(ncb - q * nr);
            pack_b_panel(nr, b, p0, kc, j0 + q * nr, cols, panel);
        }
    }
}

/// Copies a micro-panel row (`dst.len() == src.len()`, a tile width). Tile widths get a
/// fixed-size copy the compiler turns into a few vector moves; `copy_from_slice` of a runtime
/// length would call `memmove` for every 64 bytes.
#[inline(always)]
fn copy_short(dst: &mut [f32], src: &[f32]) {
    fn fixed<const N: usize>(dst: &mut [f32], src: &[f32]) {
        let s: &[f32; N] = src.try_into().expect("copy_short: lengths agree");
        let d: &mut [f32; N] = dst.try_into().expect("copy_short: lengths agree");
        *d = *s;
    }
    match src.len() {
        4 => fixed::<4>(dst, src),
        6 => fixed::<6>(dst, src),
        8 => fixed::<8>(dst, src),
        14 => fixed::<14>(dst, src),
        16 => fixed::<16>(dst, src),
        32 => fixed::<32>(dst, src),
        _ => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = *s;
            }
        }
    }
}

thread_local! {
    static PACK_A: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
    static PACK_B: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Which thread-local buffer [`with_buffer`] lends.
#[derive(Clone, Copy)]
pub(crate) enum Buffer {
    /// Packed A blocks (one per worker thread).
    A,
    /// Packed B blocks (the calling thread's, shared read-only with the workers).
    B,
}

/// Lends `f` a 64-byte-aligned slice of `len` values from this thread's buffer, growing it if
/// needed: after the first calls of a given size no GEMM allocates. The buffer is taken out of
/// the thread-local while lent, so a nested GEMM on the same thread (rayon work stealing) gets a
/// fresh buffer instead of a double borrow.
pub(crate) fn with_buffer<R>(which: Buffer, len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let key = match which {
        Buffer::A => &PACK_A,
        Buffer::B => &PACK_B,
    };
    let mut v = key.with(Cell::take);
    let need = len + 16;
    if v.len() < need {
        v = vec![0.0; need];
    }
    let off = v.as_ptr().align_offset(64).min(16);
    let r = f(&mut v[off..off + len]);
    key.with(|c| c.set(v));
    r
}
