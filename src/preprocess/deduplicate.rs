//! Exact-duplicate row removal for feature matrices.

use super::matrix::rows_of;
use crate::error::Result;
use std::collections::HashSet;

/// Which rows of a matrix survive deduplication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deduplicated {
    /// Indices of the rows kept (the first occurrence of each distinct row), ascending.
    pub kept: Vec<usize>,
    /// How many rows were dropped as exact repeats of an earlier row.
    pub removed: usize,
}

/// Finds the rows of a row-major `rows × cols` matrix that exactly repeat an earlier row.
/// Values compare by value (`0.0 == -0.0`), and `NaN` (missing) equals `NaN`. To deduplicate
/// labelled data, include the label as a column or apply `kept` to the labels too.
///
/// # Errors
/// [`lepton::Error::Shape`](crate::Error::Shape) if `data` is not whole rows.
pub fn find_duplicate_rows(data: &[f32], cols: usize) -> Result<Deduplicated> {
    let rows = rows_of("find_duplicate_rows", data, cols)?;
    let key = |row: &[f32]| -> Vec<u32> {
        row.iter()
            .map(|&x| {
                if x.is_nan() {
                    f32::NAN.to_bits()
                } else {
                    (x + 0.0).to_bits()
                }
            })
            .collect()
    };
    let mut seen = HashSet::new();
    let kept: Vec<usize> = data
        .chunks_exact(cols)
        .enumerate()
        .filter(|(_, row)| seen.insert(key(row)))
        .map(|(r, _)| r)
        .collect();
    Ok(Deduplicated {
        removed: rows - kept.len(),
        kept,
    })
}

/// The matrix without exact-duplicate rows (see [`find_duplicate_rows`]), and how many rows
/// were removed.
///
/// # Errors
/// [`lepton::Error::Shape`](crate::Error::Shape) if `data` is not whole rows.
pub fn remove_duplicate_rows(data: &[f32], cols: usize) -> Result<(Vec<f32>, usize)> {
    let d = find_duplicate_rows(data, cols)?;
    let mut out = Vec::with_capacity(d.kept.len() * cols);
    for &r in &d.kept {
        out.extend_from_slice(&data[r * cols..(r + 1) * cols]);
    }
    Ok((out, d.removed))
}
