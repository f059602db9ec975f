//! safetensors weights parser: arbitrary bytes either parse into F32 tensors whose element counts
//! match their shapes, or give a typed `Error::Weights` naming the file — never a panic.
#![no_main]

use lepton::nn::weights;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.safetensors");
    match weights::parse_tensors(path, data) {
        Ok(tensors) => {
            for (_, t) in &tensors {
                assert_eq!(t.shape().iter().product::<usize>(), t.len());
            }
        }
        Err(lepton::Error::Weights { path: p, .. }) => assert_eq!(p, path),
        Err(e) => panic!("unexpected error kind: {e}"),
    }
});
