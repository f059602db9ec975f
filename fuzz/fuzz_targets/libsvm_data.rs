//! Fuzz the LIBSVM data parser: any bytes give data or a typed error, never a panic; parsed
//! data are well-formed (ascending 1-based indices, consistent row offsets, finite values).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(d) = lepton::data::libsvm::parse_libsvm(bytes, "fuzz.svm") {
        assert_eq!(d.row_offsets.len(), d.labels.len() + 1);
        assert_eq!(d.indices.len(), d.values.len());
        for i in 0..d.len() {
            let (idx, val) = d.row(i);
            assert!(idx.windows(2).all(|w| w[0] < w[1]));
            assert!(idx.iter().all(|&j| j >= 1));
            assert!(val.iter().all(|v| v.is_finite()));
        }
        // Densify only when small (the dense cost is n × max_index).
        if d.len().saturating_mul(d.max_index()) <= 1 << 20 {
            let (x, w) = d.to_dense();
            assert_eq!(x.len(), d.len() * w);
        }
    }
});
