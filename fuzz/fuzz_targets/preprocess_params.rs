//! Preprocessing parameter loader: arbitrary bytes; an accepted file must save and reload to
//! the same parameters.
#![no_main]

use lepton::preprocess::Preprocessing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Preprocessing::parse_bytes(data, "fuzz.txt") {
        let text = p.to_text();
        let back = Preprocessing::parse_bytes(text.as_bytes(), "again.txt")
            .expect("a saved file must load");
        assert_eq!(back.to_text(), text);
    }
});
