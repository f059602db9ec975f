//! Pixel conversion: bytes to normalised `f32`, `dst[i] = (src[i] as f32 · a) + b` — one
//! multiply and one add, each rounded to f32 (no fused multiply-add), so every ISA path gives
//! the same bits as [`crate::reference::u8_affine`]. The data loader uses it to turn 8-bit
//! images into `(p / 255 − mean) / std` with `a = 1 / (255·std)`, `b = −mean / std`.
//!
//! The AVX2 path widens 8 bytes at a time to 8 lanes (`vpmovzxbd`, `vcvtdq2ps`); the other
//! paths are a plain loop that the compiler vectorises for the baseline (SSE2 / NEON).

use crate::arch::{self, Isa};

/// `dst[i] = (src[i] as f32 · a) + b` for every `i`, on the active ISA.
///
/// # Panics
/// If the slices differ in length.
pub fn u8_affine(src: &[u8], dst: &mut [f32], a: f32, b: f32) {
    u8_affine_with(arch::active(), src, dst, a, b)
}

/// [`u8_affine`] on `isa`.
///
/// # Panics
/// As [`u8_affine`], and if the CPU cannot run `isa`.
pub fn u8_affine_with(isa: Isa, src: &[u8], dst: &mut [f32], a: f32, b: f32) {
    assert!(
        src.len() == dst.len(),
        "u8_affine: slices differ in length ({} vs {})",
        src.len(),
        dst.len()
    );
    assert!(
        isa.is_supported(),
        "u8_affine: this CPU cannot run the {isa} path"
    );
    match isa {
        #[cfg(target_arch = "x86_64")]
        isa if isa.runs_avx2_fma() => {
            // SAFETY: AVX2 was detected on this CPU just above.
            unsafe { avx2(src, dst, a, b) }
        }
        _ => plain(src, dst, a, b),
    }
}

/// The baseline: a loop the compiler vectorises for the compile-time target.
fn plain(src: &[u8], dst: &mut [f32], a: f32, b: f32) {
    for (o, &q) in dst.iter_mut().zip(src) {
        *o = q as f32 * a + b;
    }
}

/// 32 bytes per step in four independent 8-lane chains, then 8 at a time, then the rest.
///
/// # Safety
/// The CPU supports AVX2; `src` and `dst` have the same length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2(src: &[u8], dst: &mut [f32], a: f32, b: f32) {
    use std::arch::x86_64::*;
    let n = src.len();
    let (va, vb) = (_mm256_set1_ps(a), _mm256_set1_ps(b));
    let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
    // Converts bytes i..i+8 into dst[i..i+8].
    let eight = |i: usize| {
        // SAFETY: callers keep i + 8 ≤ n; the 8-byte load and the 8-float store stay inside
        // `src` and `dst`, which have length n.
        unsafe {
            let bytes = _mm_loadl_epi64(s.add(i) as *const __m128i);
            let x = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
            _mm256_storeu_ps(d.add(i), _mm256_add_ps(_mm256_mul_ps(x, va), vb));
        }
    };
    let mut i = 0;
    while i + 32 <= n {
        eight(i);
        eight(i + 8);
        eight(i + 16);
        eight(i + 24);
        i += 32;
    }
    while i + 8 <= n {
        eight(i);
        i += 8;
    }
    plain(&src[i..], &mut dst[i..], a, b);
}
