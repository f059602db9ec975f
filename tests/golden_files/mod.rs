//! Reading the PyTorch golden files in `tests/data/` (safetensors: f32 tensors, i64 labels) and
//! comparing tensors relative to their largest magnitude.
#![allow(dead_code)]

use lepton::Tensor;
use safetensors::{Dtype, SafeTensors};
use std::collections::HashMap;

/// Every tensor of a golden file: f32 ones as tensors, i64 ones (labels) as `usize` vectors.
pub struct Golden {
    pub tensors: HashMap<String, Tensor>,
    pub labels: HashMap<String, Vec<usize>>,
    pub metadata: HashMap<String, String>,
}

impl Golden {
    pub fn open(name: &str) -> Golden {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let st = SafeTensors::deserialize(&bytes).expect("valid safetensors");
        let (_, meta) = SafeTensors::read_metadata(&bytes).expect("header");
        let mut tensors = HashMap::new();
        let mut labels = HashMap::new();
        for (name, view) in st.tensors() {
            match view.dtype() {
                Dtype::F32 => {
                    let d = view
                        .data()
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect();
                    tensors.insert(name, Tensor::from_vec(d, view.shape()).unwrap());
                }
                Dtype::I64 => {
                    let d = view
                        .data()
                        .chunks_exact(8)
                        .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as usize)
                        .collect();
                    labels.insert(name, d);
                }
                other => panic!("unexpected dtype {other:?}"),
            }
        }
        Golden {
            tensors,
            labels,
            metadata: meta.metadata().clone().unwrap_or_default(),
        }
    }

    pub fn t(&self, name: &str) -> &Tensor {
        self.tensors
            .get(name)
            .unwrap_or_else(|| panic!("golden tensor {name} missing"))
    }
}

/// Asserts `|got − want| ≤ rel · max|want|` element-wise (plus a tiny absolute floor), naming the
/// tensor and the worst element on failure.
pub fn assert_close(what: &str, got: &[f32], want: &Tensor, rel: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want
        .data()
        .iter()
        .fold(0.0f64, |m, &v| m.max((v as f64).abs()))
        .max(1e-30);
    let (mut worst, mut at) = (0.0f64, 0);
    for (i, (&g, &w)) in got.iter().zip(want.data()).enumerate() {
        let e = (g as f64 - w as f64).abs();
        if e > worst {
            worst = e;
            at = i;
        }
    }
    assert!(
        worst <= rel * scale,
        "{what}: worst error {worst:e} at {at} (got {}, want {}) exceeds {rel:e} × max|want| = {:e}",
        got[at],
        want.data()[at],
        rel * scale
    );
}

/// The integers of a metadata string, in order (the golden files' case lists are small JSON
/// arrays of integers under fixed keys).
pub fn integers(s: &str) -> Vec<usize> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().unwrap())
        .collect()
}
