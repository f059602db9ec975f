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
