//! Shape checks for row-major `f32` feature matrices (`rows × cols`, missing values `NaN`).

use crate::error::{Error, Result};

/// Checks that `data` is a whole number of `cols`-wide rows and returns the row count.
///
/// # Errors
/// [`Error::Shape`] if `cols` is 0 or `data.len()` is not a multiple of it.
pub fn rows_of(op: &'static str, data: &[f32], cols: usize) -> Result<usize> {
    if cols == 0 || !data.len().is_multiple_of(cols) {
        return Err(Error::Shape {
            op,
            lhs: vec![data.len()],
            rhs: vec![cols],
            expected: "a row-major matrix: data.len() a multiple of cols > 0".into(),
        });
    }
    Ok(data.len() / cols)
}

/// Checks that a fitted step with `fitted` columns is applied to `cols` columns.
///
/// # Errors
/// [`Error::Shape`] if they differ.
pub fn same_width(op: &'static str, fitted: usize, cols: usize) -> Result<()> {
    if fitted != cols {
        return Err(Error::Shape {
            op,
            lhs: vec![cols],
            rhs: vec![fitted],
            expected: format!("{fitted} columns, as when fitted"),
        });
    }
    Ok(())
}

/// The present (non-`NaN`) values of column `c`.
pub fn column_values(data: &[f32], cols: usize, c: usize) -> impl Iterator<Item = f32> + '_ {
    data.iter()
        .skip(c)
        .step_by(cols)
        .copied()
        .filter(|x| !x.is_nan())
}
