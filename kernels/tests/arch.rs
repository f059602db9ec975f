//! CPU detection and the blocking derived from it.
//!
//! * `LEPTON_ISA` names parse case-insensitively; an unknown or unsupported request is an
//!   `IsaError` whose message says what was asked and what this CPU supports.
//! * Kernels with only an AVX2 + FMA build run it under `Avx2` and `Avx512`, and only where the
//!   CPU has both features.
//! * Cache sizes are read from a sysfs-like directory (`index*/level`, `type`, `size`); missing
//!   levels fall back to 32 KiB / 512 KiB / 8 MiB.
//! * GEMM block sizes satisfy the BLIS constraints: `KC·NR·4` bytes of B̃ fit in about half of
//!   L1 (within the 192..512 clamp), `MC·KC·4` bytes of Ã in about half of L2, `MC` a multiple of
//!   MR and `NC` of NR.

use lepton_kernels::arch::{self, read_cache_sizes, CacheSizes, Isa, IsaError};
use lepton_kernels::gemm::{blocking, Blocking};

#[test]
fn isa_names_round_trip() {
    for isa in Isa::ALL {
        assert_eq!(Isa::from_name(isa.name()), Some(isa));
        assert_eq!(Isa::from_name(&isa.name().to_uppercase()), Some(isa));
    }
    assert_eq!(Isa::from_name("sse9"), None);
    assert!(arch::supported().contains(&Isa::Scalar));
    assert!(arch::supported().contains(&arch::detected()));
}

#[test]
fn isa_errors_explain_themselves() {
    let e = IsaError {
        requested: "sse9".into(),
        supported: vec![Isa::Scalar, Isa::Portable],
    };
    assert_eq!(
        e.to_string(),
        "LEPTON_ISA=sse9 is not a known instruction set (expected one of: scalar, portable)"
    );
    let e = IsaError {
        requested: "AVX512".into(),
        supported: vec![Isa::Scalar],
    };
    assert!(e
        .to_string()
        .contains("asks for avx512, which this CPU does not support"));
}

#[test]
fn cache_sizes_from_a_sysfs_like_directory() {
    let dir = std::env::temp_dir().join(format!("lepton-cache-test-{}", std::process::id()));
    let write = |index: &str, level: &str, kind: &str, size: &str| {
        let d = dir.join(index);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("level"), level).unwrap();
        std::fs::write(d.join("type"), kind).unwrap();
        std::fs::write(d.join("size"), size).unwrap();
    };
    write("index0", "1\n", "Data\n", "48K\n");
    write("index1", "1\n", "Instruction\n", "32K\n");
    write("index2", "2\n", "Unified\n", "2048K\n");
    let c = read_cache_sizes(dir.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(c.l1d, 48 * 1024, "the instruction cache is ignored");
    assert_eq!(c.l2, 2048 * 1024);
    assert_eq!(c.l3, CacheSizes::FALLBACK.l3, "missing L3 falls back");
    assert!(!c.detected);
}

#[test]
fn blocking_fits_the_caches() {
    let caches = CacheSizes {
        l1d: 32 * 1024,
        l2: 512 * 1024,
        l3: 32 * 1024 * 1024,
        detected: true,
    };
    for (mr, nr) in [(6, 16), (4, 24), (14, 32), (8, 8), (4, 8), (4, 4)] {
        let b = Blocking::new(mr, nr, &caches);
        assert_eq!(b.mc % mr, 0);
        assert_eq!(b.nc % nr, 0);
        assert!((192..=512).contains(&b.kc));
        assert!(b.kc * nr * 4 <= caches.l1d / 2 || b.kc == 192, "{b:?}");
        assert!(b.mc * b.kc * 4 <= caches.l2 / 2, "{b:?}");
    }
    assert_eq!(Blocking::new(6, 16, &caches).kc, 256);
    for isa in arch::supported() {
        let b = blocking(isa);
        assert!(b.mc >= b.mr && b.nc >= b.nr && b.kc > 0, "{isa}: {b:?}");
    }
}

/// Kernels that only have an AVX2 build run it under `Avx2` and `Avx512`, and only where the CPU
/// really has AVX2 and FMA; never under the scalar, portable or NEON paths.
#[test]
fn avx2_builds_run_only_where_avx2_and_fma_exist() {
    for isa in [Isa::Scalar, Isa::Portable, Isa::Neon] {
        assert!(!isa.runs_avx2_fma(), "{isa}");
    }
    for isa in [Isa::Avx2, Isa::Avx512] {
        assert_eq!(isa.runs_avx2_fma(), Isa::Avx2.is_supported(), "{isa}");
    }
}
