//! AVX2 transposing copies for packing: the layouts where a micro-panel's values are strided in
//! the source — A row-major (Ã stores MR rows column by column) and B column-major (B̃ stores NR
//! columns row by row, from the transposed view `Bᵀ` of a row-major matrix).
//!
//! Both are the same operation: `L ≤ 8` source *lines* (rows of A or columns of B), each
//! contiguous, are read eight values at a time into `L` registers, an 8 × 8 in-register
//! transpose (8 unpacks, 8 shuffles, 8 lane permutes) turns them into eight registers holding
//! value `p` of every line, and each is stored as `L` contiguous values of the packed panel.
//! Compared with a scalar gather (one strided load and one store per value) this moves eight
//! values per load and per store.
//!
//! ```text
//!  line 0: a00 a01 … a07            step 0: a00 a10 … a70   → dst[0·stride + off ..][..L]
//!  line 1: a10 a11 … a17   ──8×8──▶ step 1: a01 a11 … a71   → dst[1·stride + off ..][..L]
//!    …                              …
//! ```
//!
//! Only executed when the GEMM path is AVX2 or AVX-512 (both CPUs have AVX2); a pure copy, so
//! packing gives the same bits as the scalar loops.

use std::arch::x86_64::*;

/// Copies `len / 8 · 8` values of each of `L` lines (line `l` starts at `src + l·src_stride`)
/// transposed into `dst`: value `p` of line `l` goes to `dst + p·dst_stride + l`. Returns the
/// number of values per line copied (the caller copies the `len mod 8` tail).
///
/// # Safety
/// The CPU has AVX2; each line is valid for `len` reads; `dst + p·dst_stride + l` is valid for
/// writes for every `p < len / 8 · 8` and `l < L`. `L` is 4, 6 or 8.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn transpose_lines<const L: usize>(
    src: *const f32,
    src_stride: usize,
    len: usize,
    dst: *mut f32,
    dst_stride: usize,
) -> usize {
    const { assert!(L == 4 || L == 6 || L == 8) };
    let whole = len / 8 * 8;
    // SAFETY: loads are at `p..p+8 ≤ len` of lines `< L`; stores write `L` values at
    // `(p+j)·dst_stride` for `p + j < whole`, all inside the regions the caller vouched for.
    unsafe {
        let mut p = 0;
        while p < whole {
            let mut r = [_mm256_setzero_ps(); 8];
            for (l, reg) in r.iter_mut().enumerate().take(L) {
                *reg = _mm256_loadu_ps(src.add(l * src_stride + p));
            }
            let cols = transpose8(r);
            for (j, col) in cols.iter().enumerate() {
                let out = dst.add((p + j) * dst_stride);
                match L {
                    8 => _mm256_storeu_ps(out, *col),
                    6 => {
                        _mm_storeu_ps(out, _mm256_castps256_ps128(*col));
                        // Lanes 4 and 5: a 64-bit store (`movq`, no alignment needed).
                        let hi = _mm_castps_si128(_mm256_extractf128_ps::<1>(*col));
                        _mm_storel_epi64(out.add(4) as *mut __m128i, hi);
                    }
                    _ => _mm_storeu_ps(out, _mm256_castps256_ps128(*col)),
                }
            }
            p += 8;
        }
    }
    whole
}

/// The 8 × 8 transpose: output `j` holds element `j` of every input, input `i` in lane `i`.
#[inline(always)]
unsafe fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
    // SAFETY: register-only AVX operations; the caller runs with AVX2 enabled.
    unsafe {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        // sK holds elements (K mod 4) and (K mod 4) + 4 of inputs 0–3 (K < 4) or 4–7 (K ≥ 4).
        let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            _mm256_permute2f128_ps::<0x20>(s0, s4),
            _mm256_permute2f128_ps::<0x20>(s1, s5),
            _mm256_permute2f128_ps::<0x20>(s2, s6),
            _mm256_permute2f128_ps::<0x20>(s3, s7),
            _mm256_permute2f128_ps::<0x31>(s0, s4),
            _mm256_permute2f128_ps::<0x31>(s1, s5),
            _mm256_permute2f128_ps::<0x31>(s2, s6),
            _mm256_permute2f128_ps::<0x31>(s3, s7),
        ]
    }
}
