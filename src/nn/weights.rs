//! Model weights as safetensors files with PyTorch's parameter names (`conv1.weight`, …), so
//! `safetensors.torch.load_file` reads ours and we read theirs.
//!
//! Writes are atomic: the bytes go to a temporary file in the same directory, which is then
//! renamed over the target, so a crash never leaves a half-written model behind. Reads check
//! every tensor: a missing name, a dtype other than F32, or a shape other than the model's is an
//! [`Error::Weights`] naming the file and the tensor.

use crate::error::{Error, Result};
use crate::nn::Parameter;
use crate::tensor::Tensor;
use safetensors::{Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::Path;

fn weights_error(path: &Path, tensor: &str, message: impl Into<String>) -> Error {
    Error::Weights {
        path: path.to_path_buf(),
        tensor: tensor.to_string(),
        message: message.into(),
    }
}

/// Writes `tensors` (name, value) as an F32 safetensors file at `path`, atomically, with optional
/// string `metadata`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written; [`Error::Weights`] if two tensors share a name.
pub fn save_tensors(
    path: impl AsRef<Path>,
    tensors: &[(String, &Tensor)],
    metadata: Option<HashMap<String, String>>,
) -> Result<()> {
    let path = path.as_ref();
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, t)| {
            let b = t.data().iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.clone(), b, t.shape().to_vec())
        })
        .collect();
    let mut views = Vec::with_capacity(bytes.len());
    let mut seen = std::collections::HashSet::new();
    for (name, b, shape) in &bytes {
        if !seen.insert(name.as_str()) {
            return Err(weights_error(path, name, "two tensors share this name"));
        }
        let view = safetensors::tensor::TensorView::new(Dtype::F32, shape.clone(), b)
            .map_err(|e| weights_error(path, name, e.to_string()))?;
        views.push((name.as_str(), view));
    }
    let data = safetensors::serialize(views, metadata)
        .map_err(|e| weights_error(path, "", e.to_string()))?;
    crate::atomic_file::write_atomic(path, &data)
}

/// Reads every tensor of an F32 safetensors file, in the file's (name-sorted) order.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Weights`] if it is not valid safetensors
/// or a tensor is not F32.
pub fn load_tensors(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_tensors(path, &bytes)
}

/// [`load_tensors`] on bytes already in memory; `path` only names them in errors.
///
/// # Errors
/// As [`load_tensors`].
pub fn parse_tensors(path: &Path, bytes: &[u8]) -> Result<Vec<(String, Tensor)>> {
    let st = SafeTensors::deserialize(bytes)
        .map_err(|e| weights_error(path, "", format!("not a valid safetensors file: {e}")))?;
    let mut names: Vec<String> = st.names().into_iter().map(String::from).collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let view = st
                .tensor(&name)
                .map_err(|e| weights_error(path, &name, e.to_string()))?;
            if view.dtype() != Dtype::F32 {
                return Err(weights_error(
                    path,
                    &name,
                    format!("dtype {:?}, expected F32", view.dtype()),
                ));
            }
            let data: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let t = Tensor::from_vec(data, view.shape())
                .map_err(|e| weights_error(path, &name, e.to_string()))?;
            Ok((name, t))
        })
        .collect()
}

/// Saves named parameters (see [`save_tensors`]).
///
/// # Errors
/// As [`save_tensors`].
pub fn save_parameters(path: impl AsRef<Path>, params: &[(String, &Parameter)]) -> Result<()> {
    let tensors: Vec<(String, &Tensor)> =
        params.iter().map(|(n, p)| (n.clone(), &p.value)).collect();
    save_tensors(path, &tensors, None)
}

/// Loads a safetensors file into named parameters: each must be present, F32 and of the
/// parameter's shape. Tensors the model does not name are ignored (PyTorch's `strict=False` on
/// extras, strict on missing). Nothing is changed unless every parameter loads.
///
/// # Errors
/// As [`load_tensors`], and [`Error::Weights`] naming the tensor that is missing or mis-shaped.
pub fn load_parameters(
    path: impl AsRef<Path>,
    params: Vec<(String, &mut Parameter)>,
) -> Result<()> {
    let path = path.as_ref();
    let mut tensors: HashMap<String, Tensor> = load_tensors(path)?.into_iter().collect();
    let mut staged = Vec::with_capacity(params.len());
    for (name, p) in params {
        let t = tensors
            .remove(&name)
            .ok_or_else(|| weights_error(path, &name, "missing from the file"))?;
        if t.shape() != p.value.shape() {
            return Err(weights_error(
                path,
                &name,
                format!("shape {:?}, expected {:?}", t.shape(), p.value.shape()),
            ));
        }
        staged.push((p, t));
    }
    for (p, t) in staged {
        p.value = t;
        p.grad = None;
    }
    Ok(())
}
