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

use super::microkernel::Microkernel;
use super::MatRef;
use crate::arch::Isa;
use std::cell::Cell;

/// Packs rows `i0..i0+mc` and columns `p0..p0+kc` of `a` into `dst` as `ceil(mc/MR)` panels of
/// `kc·MR` values, rows past `mc` zero.
pub(crate) fn pack_a<K: Microkernel>(
    a: &MatRef<'_>,
    i0: usize,
    mc: usize,
    p0: usize,
    kc: usize,
    dst: &mut [f32],
) {
    let (isa, mr) = (K::ISA, K::MR);
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
        } else if cs == 1 && rows == mr {
            // Row-major source: MR contiguous rows, transposed into steps of MR values.
            transpose_copy(isa, a.data, base, rs, mr, kc, panel, mr, 0);
        } else if cs == 1 && mr <= 16 {
            // Ragged last panel of a row-major source: row streams read in step, zero rows below.
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
pub(crate) fn pack_b_panel<K: Microkernel>(
    b: &MatRef<'_>,
    p0: usize,
    kc: usize,
    j0: usize,
    cols: usize,
    dst: &mut [f32],
) {
    let (isa, nr) = (K::ISA, K::NR);
    debug_assert!(dst.len() >= kc * nr && cols <= nr);
    let (rs, cs) = (b.row_stride, b.col_stride);
    let base = p0 * rs + j0 * cs;
    if cs == 1 && cols == nr {
        // Row-major source: each step's NR values are contiguous.
        for (p, out) in dst[..kc * nr].chunks_exact_mut(nr).enumerate() {
            let s = base + p * rs;
            copy_short(out, &b.data[s..s + nr]);
        }
    } else if cs == 1 {
        // Ragged panel of a row-major source: the `cols` values of each step, then zeros, in
        // groups of 8 (fixed-size moves; a copy of a runtime length would call `memmove`).
        for (p, out) in dst[..kc * nr].chunks_exact_mut(nr).enumerate() {
            let s = base + p * rs;
            let src = &b.data[s..s + cols];
            for (g, o) in out.chunks_mut(8).enumerate() {
                let j = g * 8;
                if j + 8 <= cols && o.len() == 8 {
                    copy_short(o, &src[j..j + 8]);
                } else {
                    for (i, x) in o.iter_mut().enumerate() {
                        *x = if j + i < cols { src[j + i] } else { 0.0 };
                    }
                }
            }
        }
    } else if rs == 1 {
        // Column-major source (a transposed view): columns are contiguous; transpose them.
        transpose_copy(isa, b.data, base, cs, cols, kc, dst, nr, 0);
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
pub(crate) fn pack_b_block<K: Microkernel>(
    b: &MatRef<'_>,
    p0: usize,
    kc: usize,
    j0: usize,
    ncb: usize,
    dst: &mut [f32],
) {
    let nr = K::NR;
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
            pack_b_panel::<K>(
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
            pack_b_panel::<K>(b, p0, kc, j0 + q * nr, cols, panel);
        }
    }
}

/// Copies `lines` source lines transposed: value `p` of line `l` (`data[start + l·stride + p]`,
/// `p < len`) goes to `dst[p·dst_stride + off + l]`. On the AVX2 and AVX-512 paths, groups of
/// 8, 6 or 4 lines use the in-register transpose of [`super::pack_avx2`]; the rest is scalar.
///
/// # Panics
/// If a line or a destination index falls outside its slice.
#[allow(clippy::too_many_arguments)]
pub(crate) fn transpose_copy(
    isa: Isa,
    data: &[f32],
    start: usize,
    stride: usize,
    lines: usize,
    len: usize,
    dst: &mut [f32],
    dst_stride: usize,
    off: usize,
) {
    if lines == 0 || len == 0 {
        return;
    }
    assert!(
        start + (lines - 1) * stride + len <= data.len()
            && (len - 1) * dst_stride + off + lines <= dst.len(),
        "pack: transposed copy out of bounds"
    );
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut l0 = 0;
    #[cfg(target_arch = "x86_64")]
    if isa.runs_avx2_fma() {
        use super::pack_avx2::transpose_lines;
        while lines - l0 >= 4 {
            let group = match lines - l0 {
                8.. => 8,
                6 | 7 => 6,
                _ => 4,
            };
            let src = data[start + l0 * stride..].as_ptr();
            let out = dst[off + l0..].as_mut_ptr();
            // SAFETY: the ISA (AVX2, implied by the AVX-512 path's CPUs as well) was checked by
            // the dispatcher; the assertion above keeps every line of `len` values inside
            // `data` and every `(p, l)` destination inside `dst`.
            let done = unsafe {
                match group {
                    8 => transpose_lines::<8>(src, stride, len, out, dst_stride),
                    6 => transpose_lines::<6>(src, stride, len, out, dst_stride),
                    _ => transpose_lines::<4>(src, stride, len, out, dst_stride),
                }
            };
            for l in l0..l0 + group {
                let line = &data[start + l * stride..start + l * stride + len];
                for (p, &v) in line.iter().enumerate().skip(done) {
                    dst[p * dst_stride + off + l] = v;
                }
            }
            l0 += group;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = isa;
    for l in l0..lines {
        let line = &data[start + l * stride..start + l * stride + len];
        for (p, &v) in line.iter().enumerate() {
            dst[p * dst_stride + off + l] = v;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The transposed copy is a plain permutation of values: every ISA path, every line count
    /// (groups of 8, 6, 4 and the scalar rest) and every length (whole 8-steps and tails) puts
    /// value `p` of line `l` at `p·dst_stride + off + l` and touches nothing else.
    #[test]
    fn transpose_copy_places_every_value() {
        for isa in crate::arch::supported() {
            for lines in 1..=19 {
                for len in [0, 1, 7, 8, 9, 16, 23, 40] {
                    let stride = len + 3;
                    let (dst_stride, off) = (lines + 5, 2);
                    let data: Vec<f32> = (0..lines * stride).map(|x| x as f32).collect();
                    let mut dst = vec![-1.0f32; len.max(1) * dst_stride + off];
                    transpose_copy(isa, &data, 1, stride, lines, len, &mut dst, dst_stride, off);
                    for (idx, &v) in dst.iter().enumerate() {
                        let (p, l) = (idx / dst_stride, (idx % dst_stride).wrapping_sub(off));
                        let want = if p < len && l < lines {
                            (1 + l * stride + p) as f32
                        } else {
                            -1.0
                        };
                        assert_eq!(v, want, "{isa}: lines {lines}, len {len}, index {idx}");
                    }
                }
            }
        }
    }
}
