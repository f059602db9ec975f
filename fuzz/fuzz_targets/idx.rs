//! IDX parser (raw and gzip) and image/label pairing. The input is split at a position given
//! by its first byte into an image file and a label file.
#![no_main]

use lepton::data::{IdxArray, IdxSplit, ImageDataset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = IdxArray::from_bytes(data.to_vec(), "one.idx") {
        assert_eq!(a.dims().iter().product::<usize>(), a.data().len());
    }
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let cut = (cut as usize).min(rest.len());
    let (labels, images) = rest.split_at(cut);
    if let Ok(s) = IdxSplit::from_bytes(images.to_vec(), "images", labels.to_vec(), "labels") {
        for i in 0..s.len() {
            assert!(s.label(i) < s.num_classes());
            assert_eq!(s.pixels(i).len(), s.dims().len());
        }
    }
});
