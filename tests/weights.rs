//! safetensors weights with PyTorch's names.
//!
//! * Round trip: save → load gives bit-identical parameters, and the file holds exactly the names
//!   `conv1.weight … fc3.bias` with their shapes.
//! * Interop: `tests/data/lenet_state_dict.safetensors` was written by
//!   `safetensors.torch.save_file(net.state_dict())` (scripts/make_state_dict.py) from the golden
//!   parameters; it loads here and gives PyTorch's logits.
//! * Bad files: truncated bytes, a missing tensor, a wrong shape or dtype → `Error::Weights`
//!   naming the file and the tensor, and the model is left unchanged.

mod golden_files;

use golden_files::{assert_close, Golden};
use lepton::nn::{weights, LeNet5};
use lepton::{Error, Tensor};

#[test]
fn round_trip_is_exact_and_uses_pytorch_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lenet.safetensors");
    let net = LeNet5::new(3, 10, 11);
    net.save(&path).unwrap();
    let names: Vec<String> = weights::load_tensors(&path)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut want: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    want.sort();
    assert_eq!(names, want);
    let mut other = LeNet5::new(3, 10, 12);
    other.load(&path).unwrap();
    for ((_, a), (_, b)) in net
        .named_parameters()
        .into_iter()
        .zip(other.named_parameters())
    {
        assert_eq!(a.value, b.value);
    }
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_pytorch_written_state_dict_loads_and_reproduces_logits() {
    let g = Golden::open("lenet_step.safetensors");
    let mut net = LeNet5::new(3, 10, 0);
    net.load(format!(
        "{}/tests/data/lenet_state_dict.safetensors",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let logits = net.logits(g.t("input")).unwrap();
    assert_close("logits", logits.data(), g.t("logits"), 1e-5);
}

#[test]
fn bad_files_are_typed_errors_naming_file_and_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.safetensors");
    let net = LeNet5::new(3, 10, 1);
    net.save(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();

    // Truncated.
    let truncated = dir.path().join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let mut target = LeNet5::new(3, 10, 2);
    let before = target.named_parameters()[0].1.value.clone();
    match target.load(&truncated) {
        Err(Error::Weights { path, .. }) => assert_eq!(path, truncated),
        other => panic!("expected Weights error, got {other:?}"),
    }
    assert_eq!(target.named_parameters()[0].1.value, before);

    // Missing tensor / wrong shape / wrong dtype.
    let t = |s: &[usize]| Tensor::zeros(s);
    let partial = dir.path().join("partial.safetensors");
    let conv1 = t(&[6, 3, 5, 5]);
    weights::save_tensors(&partial, &[("conv1.weight".into(), &conv1)], None).unwrap();
    match target.load(&partial) {
        Err(e @ Error::Weights { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("partial.safetensors") && msg.contains("conv1.bias"),
                "{msg}"
            );
        }
        other => panic!("expected Weights error, got {other:?}"),
    }
    let misshaped = dir.path().join("misshaped.safetensors");
    let mut tensors: Vec<(String, Tensor)> = net
        .named_parameters()
        .into_iter()
        .map(|(n, p)| (n, p.value.clone()))
        .collect();
    tensors[2].1 = t(&[16, 6, 5, 4]);
    let refs: Vec<(String, &Tensor)> = tensors.iter().map(|(n, t)| (n.clone(), t)).collect();
    weights::save_tensors(&misshaped, &refs, None).unwrap();
    match target.load(&misshaped) {
        Err(Error::Weights {
            tensor, message, ..
        }) => {
            assert_eq!(tensor, "conv2.weight");
            assert!(message.contains("[16, 6, 5, 4]"), "{message}");
        }
        other => panic!("expected Weights error, got {other:?}"),
    }
    assert_eq!(
        target.named_parameters()[0].1.value,
        before,
        "a failed load changes nothing"
    );

    // An F64 tensor.
    let f64_file = dir.path().join("f64.safetensors");
    let data = vec![0u8; 8 * 6];
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F64, vec![6], &data).unwrap();
    std::fs::write(
        &f64_file,
        safetensors::serialize([("conv1.bias", view)], None).unwrap(),
    )
    .unwrap();
    match weights::load_tensors(&f64_file) {
        Err(Error::Weights { tensor, .. }) => assert_eq!(tensor, "conv1.bias"),
        other => panic!("expected Weights error, got {other:?}"),
    }
    // A missing file is an I/O error naming it.
    match weights::load_tensors(dir.path().join("nope.safetensors")) {
        Err(Error::Io { path, .. }) => assert!(path.ends_with("nope.safetensors")),
        other => panic!("expected Io error, got {other:?}"),
    }
}
