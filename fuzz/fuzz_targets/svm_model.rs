//! Fuzz the LIBSVM model-file parser: any bytes give a model or a typed error, never a panic;
//! a parsed model predicts on a small input and round-trips through the writer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lepton::svm::SvmModel;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(m) = SvmModel::parse(bytes, "fuzz.model") {
        let x = vec![0.5f32; m.n_features().min(64) + 1];
        let _ = m.decision_values(&x);
        let _ = m.predict(&x);
        let _ = m.predict_probability(&x);
        let text = m.to_libsvm_string();
        let again = SvmModel::parse(text.as_bytes(), "roundtrip.model").expect("our own output parses");
        assert_eq!(again.to_libsvm_string(), text);
    }
});
