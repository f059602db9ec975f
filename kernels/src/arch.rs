//! CPU detection and instruction-set dispatch.
//!
//! The best instruction set the CPU supports is detected once (behind a [`OnceLock`]) and every
//! kernel dispatches on [`active`]. The environment variable `LEPTON_ISA` lowers the choice, so
//! each path can be tested and benchmarked on demand; asking for a path the CPU lacks is an
//! [`IsaError`], reported by [`try_active`].

use std::fmt;
use std::sync::OnceLock;

/// An instruction-set path a kernel can take. Ordered from the most portable to the fastest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// Plain Rust loops; runs everywhere.
    Scalar,
    /// Portable SIMD through `wide` (SSE2 on x86-64, NEON on aarch64), chosen at compile time.
    Portable,
    /// x86-64 AVX2 + FMA, 8 lanes of f32.
    Avx2,
    /// x86-64 AVX-512F, 16 lanes of f32.
    Avx512,
    /// aarch64 Advanced SIMD (NEON), 4 lanes of f32 with lane-indexed FMA.
    Neon,
}

impl Isa {
    /// Every path, in the order of [`Isa`]'s `Ord`.
    pub const ALL: [Isa; 5] = [
        Isa::Scalar,
        Isa::Portable,
        Isa::Avx2,
        Isa::Avx512,
        Isa::Neon,
    ];

    /// The lower-case name used by `LEPTON_ISA` and printed by `lepton info`.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Neon => "neon",
        }
    }

    /// Parses a name as written in `LEPTON_ISA` (case-insensitive). `None` if unknown.
    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL
            .into_iter()
            .find(|isa| isa.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether code compiled for AVX2 + FMA may run under this path: for `Avx2`, and for
    /// `Avx512` on a CPU that also has AVX2 and FMA (every AVX-512 CPU does, but it is checked,
    /// not assumed). Kernels without an AVX-512 build use their AVX2 build under `Avx512`.
    pub fn runs_avx2_fma(self) -> bool {
        matches!(self, Isa::Avx2 | Isa::Avx512) && Isa::Avx2.is_supported()
    }

    /// Whether the CPU this process runs on can execute this path.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Scalar | Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `LEPTON_ISA` named a path that is unknown or that this CPU cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsaError {
    /// The value of `LEPTON_ISA` as given.
    pub requested: String,
    /// The paths this CPU supports.
    pub supported: Vec<Isa>,
}

impl fmt::Display for IsaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.supported.iter().map(|i| i.name()).collect();
        match Isa::from_name(&self.requested) {
            Some(isa) => write!(
                f,
                "LEPTON_ISA={} asks for {isa}, which this CPU does not support (supported: {})",
                self.requested,
                names.join(", ")
            ),
            None => write!(
                f,
                "LEPTON_ISA={} is not a known instruction set (expected one of: {})",
                self.requested,
                names.join(", ")
            ),
        }
    }
}

impl std::error::Error for IsaError {}

/// All paths this CPU supports, from the most portable to the fastest.
pub fn supported() -> Vec<Isa> {
    Isa::ALL.into_iter().filter(|i| i.is_supported()).collect()
}

/// The fastest path this CPU supports, ignoring `LEPTON_ISA`.
pub fn detected() -> Isa {
    *supported().last().expect("scalar is always supported")
}

/// Resolves `LEPTON_ISA` against the CPU: the forced path if it is set and supported, the detected
/// one if it is unset or empty.
///
/// # Errors
/// [`IsaError`] if `LEPTON_ISA` names an unknown path or one this CPU lacks.
pub fn try_active() -> Result<Isa, IsaError> {
    static ACTIVE: OnceLock<Result<Isa, IsaError>> = OnceLock::new();
    ACTIVE
        .get_or_init(|| match std::env::var("LEPTON_ISA") {
            Ok(v) if !v.trim().is_empty() => match Isa::from_name(&v) {
                Some(isa) if isa.is_supported() => Ok(isa),
                _ => Err(IsaError {
                    requested: v,
                    supported: supported(),
                }),
            },
            _ => Ok(detected()),
        })
        .clone()
}

/// The path every dispatching kernel takes: [`try_active`], cached after the first call.
///
/// # Panics
/// If `LEPTON_ISA` is invalid, with the [`IsaError`] message. Programs that read the variable from
/// users (the `lepton` CLI) call [`try_active`] first and report the error instead.
pub fn active() -> Isa {
    match try_active() {
        Ok(isa) => isa,
        Err(e) => panic!("{e}"),
    }
}

/// Sizes of the data caches one core sees, in bytes: what the GEMM blocking is derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheSizes {
    /// Level-1 data cache (per core).
    pub l1d: usize,
    /// Level-2 cache (per core on the CPUs this targets).
    pub l2: usize,
    /// Level-3 cache (usually shared by several cores).
    pub l3: usize,
    /// Whether the sizes were read from the operating system (`true`) or are the fallbacks.
    pub detected: bool,
}

impl CacheSizes {
    /// The sizes assumed when the operating system does not report them: 32 KiB L1d, 512 KiB
    /// L2, 8 MiB L3 — conservative for any x86-64 or aarch64 core of the last decade.
    pub const FALLBACK: CacheSizes = CacheSizes {
        l1d: 32 * 1024,
        l2: 512 * 1024,
        l3: 8 * 1024 * 1024,
        detected: false,
    };
}

/// The cache sizes of CPU 0, read once from `/sys/devices/system/cpu/cpu0/cache/index*/`
/// (Linux). Each level missing or implausible (below 4 KiB or above 1 GiB) takes its
/// [`CacheSizes::FALLBACK`] value.
pub fn cache_sizes() -> CacheSizes {
    static CACHES: OnceLock<CacheSizes> = OnceLock::new();
    *CACHES.get_or_init(|| read_cache_sizes("/sys/devices/system/cpu/cpu0/cache"))
}

/// Reads `index*/{level,type,size}` under `dir`; see [`cache_sizes`].
pub fn read_cache_sizes(dir: &str) -> CacheSizes {
    let mut found = [None::<usize>; 3];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let read = |name: &str| std::fs::read_to_string(path.join(name)).ok();
            let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size"))
            else {
                continue;
            };
            if kind.trim() == "Instruction" {
                continue;
            }
            let Some(bytes) = parse_cache_size(&size) else {
                continue;
            };
            if !(4 * 1024..=1 << 30).contains(&bytes) {
                continue;
            }
            match level.trim() {
                "1" => found[0] = Some(bytes),
                "2" => found[1] = Some(bytes),
                "3" => found[2] = Some(bytes),
                _ => {}
            }
        }
    }
    let fb = CacheSizes::FALLBACK;
    CacheSizes {
        l1d: found[0].unwrap_or(fb.l1d),
        l2: found[1].unwrap_or(fb.l2),
        l3: found[2].unwrap_or(fb.l3),
        detected: found.iter().all(Option::is_some),
    }
}

/// Parses sysfs cache sizes such as `32K`, `512K`, `32768K`, `1M` or `4096` (bytes).
fn parse_cache_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (digits, unit) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1024),
        b'M' | b'm' => (&s[..s.len() - 1], 1024 * 1024),
        b'G' | b'g' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    digits.trim().parse::<usize>().ok()?.checked_mul(unit)
}

/// Runs a burst of independent fused multiply-adds on `isa` and returns
/// `(flops performed, a value depending on every result)`: the caller times it to measure the
/// core's peak f32 FMA rate (`lepton bench peak`). Twelve independent accumulator registers
/// hide the FMA latency (4 cycles × 2 pipes needs at least 8 in flight on current x86 cores).
///
/// # Panics
/// If the CPU cannot run `isa`.
pub fn fma_burst(isa: Isa, iterations: usize) -> (f64, f32) {
    use crate::simd::SimdF32;
    let plain = |x: f32, y: f32| (x, y);

    assert!(
        isa.is_supported(),
        "fma_burst: this CPU cannot run the {isa} path"
    );
    // SAFETY: `isa` is supported (asserted above); each arm runs only its own ISA's code.
    unsafe {
        match isa {
            Isa::Scalar => {
                let (x, y) = plain(std::hint::black_box(0.999_999), std::hint::black_box(1e-7));
                burst_generic(x, y, iterations)
            }
            Isa::Portable => {
                let x = <wide::f32x4 as SimdF32>::splat(std::hint::black_box(0.999_999));
                let y = <wide::f32x4 as SimdF32>::splat(std::hint::black_box(1e-7));
                burst_generic(x, y, iterations)
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => burst_avx2(iterations),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => burst_avx512(iterations),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => burst_neon(iterations),
            #[allow(unreachable_patterns)]
            _ => unreachable!(),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn burst_avx2(iterations: usize) -> (f64, f32) {
    use crate::simd::SimdF32;
    use std::arch::x86_64::__m256;
    // SAFETY: AVX2 + FMA are enabled for this function and checked by the caller.
    unsafe {
        let x = <__m256 as SimdF32>::splat(std::hint::black_box(0.999_999));
        let y = <__m256 as SimdF32>::splat(std::hint::black_box(1e-7));
        burst_generic(x, y, iterations)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn burst_avx512(iterations: usize) -> (f64, f32) {
    use crate::simd::SimdF32;
    use std::arch::x86_64::__m512;
    // SAFETY: AVX-512F is enabled for this function and checked by the caller.
    unsafe {
        let x = <__m512 as SimdF32>::splat(std::hint::black_box(0.999_999));
        let y = <__m512 as SimdF32>::splat(std::hint::black_box(1e-7));
        burst_generic(x, y, iterations)
    }
}

#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
unsafe fn burst_neon(iterations: usize) -> (f64, f32) {
    use crate::simd::SimdF32;
    use std::arch::aarch64::float32x4_t;
    // SAFETY: NEON is enabled for this function and checked by the caller.
    unsafe {
        let x = <float32x4_t as SimdF32>::splat(std::hint::black_box(0.999_999));
        let y = <float32x4_t as SimdF32>::splat(std::hint::black_box(1e-7));
        burst_generic(x, y, iterations)
    }
}

/// The FMA chain of [`fma_burst`] for an ISA's register type.
///
/// # Safety
/// The CPU runs `V`'s ISA.
#[inline(always)]
unsafe fn burst_generic<V: crate::simd::SimdF32>(x: V, y: V, iterations: usize) -> (f64, f32) {
    // SAFETY: forwarded; no memory is touched.
    unsafe {
        let mut acc = [V::zero(); 12];
        for (i, a) in acc.iter_mut().enumerate() {
            *a = V::splat(i as f32);
        }
        for _ in 0..iterations {
            for a in acc.iter_mut() {
                *a = a.mul_add(x, y);
            }
        }
        let mut s = V::zero();
        for a in acc {
            s = s.add(a);
        }
        let flops = 2.0 * 12.0 * V::LANES as f64 * iterations as f64;
        (flops, s.reduce_sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sysfs_sizes() {
        assert_eq!(parse_cache_size("32K\n"), Some(32 * 1024));
        assert_eq!(parse_cache_size("32768K"), Some(32 * 1024 * 1024));
        assert_eq!(parse_cache_size("1M"), Some(1024 * 1024));
        assert_eq!(parse_cache_size("4096"), Some(4096));
        assert_eq!(parse_cache_size("big"), None);
    }

    #[test]
    fn missing_directory_gives_fallbacks() {
        let c = read_cache_sizes("/nonexistent/lepton/cache");
        assert_eq!(c, CacheSizes::FALLBACK);
    }
}
