//! Checkpoints: a model's weights, its optimizer's state and the number of epochs done, in one
//! safetensors file written atomically (temporary file + rename), so a crash mid-write never
//! leaves a broken checkpoint behind.
//!
//! Tensors: the model's parameters under PyTorch's names (`conv1.weight`, …, so the file also
//! loads as a plain state dict), the optimizer's state as `optimizer.<name>`. Metadata:
//! `format` = [`CHECKPOINT_FORMAT`], `epochs_done`, `in_channels`, `num_classes`.

use crate::error::{Error, Location, Result};
use crate::nn::{weights, LeNet5};
use crate::optim::Optimizer;
use crate::tensor::Tensor;
use std::collections::HashMap;
use std::path::Path;

/// The value of the `format` metadata key of a Lepton checkpoint.
pub const CHECKPOINT_FORMAT: &str = "lepton-checkpoint-v1";

const OPTIMIZER_PREFIX: &str = "optimizer.";

/// Writes `net`'s weights, `optimizer`'s state and `epochs_done` to `path`, atomically.
///
/// # Errors
/// [`Error::Io`] naming the file if it cannot be written.
pub fn save_checkpoint(
    path: impl AsRef<Path>,
    net: &LeNet5,
    optimizer: &dyn Optimizer,
    epochs_done: usize,
) -> Result<()> {
    let state = optimizer.state();
    let params = net.named_parameters();
    let mut tensors: Vec<(String, &Tensor)> =
        params.iter().map(|(n, p)| (n.clone(), &p.value)).collect();
    let state_named: Vec<(String, &Tensor)> = state
        .iter()
        .map(|(n, t)| (format!("{OPTIMIZER_PREFIX}{n}"), t))
        .collect();
    tensors.extend(state_named);
    let metadata = HashMap::from([
        ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
        ("epochs_done".to_string(), epochs_done.to_string()),
        ("in_channels".to_string(), net.in_channels().to_string()),
        ("num_classes".to_string(), net.num_classes().to_string()),
    ]);
    weights::save_tensors(path, &tensors, Some(metadata))
}

/// Reads a checkpoint written by [`save_checkpoint`] into `net` and `optimizer` and returns the
/// number of epochs it had completed. Nothing is changed unless the whole file loads.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Format`] if it is not a Lepton checkpoint
/// (bad safetensors header, missing or wrong metadata); [`Error::Weights`] naming a tensor that
/// is missing or has the wrong shape for `net`; [`Error::InvalidArgument`] if the optimizer state
/// does not fit `optimizer`.
pub fn load_checkpoint(
    path: impl AsRef<Path>,
    net: &mut LeNet5,
    optimizer: &mut dyn Optimizer,
) -> Result<usize> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |message: String| Error::format(path, Location::File, message);
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    if meta.get("format").map(String::as_str) != Some(CHECKPOINT_FORMAT) {
        return Err(bad(format!(
            "not a Lepton checkpoint (metadata `format` must be `{CHECKPOINT_FORMAT}`)"
        )));
    }
    let number = |key: &str| -> Result<usize> {
        meta.get(key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(format!("metadata `{key}` is missing or not a number")))
    };
    let epochs_done = number("epochs_done")?;
    let (c, k) = (number("in_channels")?, number("num_classes")?);
    if c != net.in_channels() || k != net.num_classes() {
        return Err(bad(format!(
            "checkpoint is for {c}-channel input and {k} classes, the network has {} and {}",
            net.in_channels(),
            net.num_classes()
        )));
    }
    let mut model = HashMap::new();
    let mut state = Vec::new();
    for (name, t) in weights::parse_tensors(path, &bytes)? {
        match name.strip_prefix(OPTIMIZER_PREFIX) {
            Some(rest) => state.push((rest.to_string(), t)),
            None => {
                model.insert(name, t);
            }
        }
    }
    // Stage the weights: check every one before changing anything.
    let mut staged = Vec::new();
    for (name, p) in net.named_parameters() {
        let t = model.remove(&name).ok_or_else(|| Error::Weights {
            path: path.to_path_buf(),
            tensor: name.clone(),
            message: "missing from the checkpoint".into(),
        })?;
        if t.shape() != p.value.shape() {
            return Err(Error::Weights {
                path: path.to_path_buf(),
                tensor: name,
                message: format!(
                    "shape {:?}, the network needs {:?}",
                    t.shape(),
                    p.value.shape()
                ),
            });
        }
        staged.push(t);
    }
    optimizer.load_state(state)?;
    for ((_, p), t) in net.named_parameters_mut().into_iter().zip(staged) {
        p.value = t;
        p.grad = None;
    }
    Ok(epochs_done)
}
