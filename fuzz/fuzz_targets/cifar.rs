//! CIFAR binary parser: the first byte picks CIFAR-10 or CIFAR-100, the rest is the file.
//! Accepted files must yield readable records with in-range labels.
#![no_main]

use lepton::data::{CifarKind, CifarSplit, ImageDataset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let kind = if sel & 1 == 0 {
        CifarKind::Cifar10
    } else {
        CifarKind::Cifar100
    };
    if let Ok(split) = CifarSplit::from_bytes(kind, rest.to_vec(), "fuzz.bin") {
        for i in 0..split.len() {
            assert!(split.label(i) < ImageDataset::num_classes(&split));
            assert_eq!(split.pixels(i).len(), 3072);
        }
    }
});
