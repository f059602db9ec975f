//! Preprocessing fitted on training data and applied to test data.
//!
//! Matrices are row-major `f32` slices with a column count (`rows × cols`); a missing value is
//! `NaN`. Each step is fitted with `fit` on training data and applied in place with
//! `transform`:
//!
//! * [`Standardizer`]: z-score `(x − mean) / std`; a zero-variance column is only centred.
//! * [`MinMaxScaler`]: `[min, max]` → `[lower, upper]`, like `svm-scale`.
//! * [`Imputer`]: missing values → mean, median or most frequent value.
//! * [`OneHotEncoder`]: a [`CsvTable`](crate::data::CsvTable)'s categorical columns → 0/1
//!   columns, numeric columns passed through.
//! * [`find_duplicate_rows`] / [`remove_duplicate_rows`]: exact-duplicate rows, with the count
//!   removed (tables: [`CsvTable::remove_duplicate_rows`](crate::data::CsvTable::remove_duplicate_rows)).
//!
//! [`Preprocessing`] holds fitted steps in order and saves/loads them as text.
//!
//! ```
//! # fn main() -> lepton::Result<()> {
//! use lepton::preprocess::{ImputeStrategy, Imputer, Standardizer};
//! // 3 rows × 2 columns; the second column has a missing value.
//! let mut train = vec![1.0, 4.0, 2.0, f32::NAN, 3.0, 8.0];
//! let imputer = Imputer::fit(&train, 2, ImputeStrategy::Median)?;
//! imputer.transform(&mut train, 2)?; // NaN → median(4, 8) = 6
//! let z = Standardizer::fit(&train, 2)?;
//! z.transform(&mut train, 2)?;
//! assert!((train[0] + 1.224_744_9).abs() < 1e-6); // (1 − 2) / sqrt(2/3)
//! # Ok(()) }
//! ```

pub mod deduplicate;
pub mod impute;
pub mod matrix;
pub mod min_max;
pub mod one_hot;
pub mod params;
pub mod standardize;

pub use deduplicate::{find_duplicate_rows, remove_duplicate_rows, Deduplicated};
pub use impute::{ImputeStrategy, Imputer};
pub use min_max::MinMaxScaler;
pub use one_hot::{EncodedColumn, EncodedMatrix, OneHotEncoder};
pub use params::{numeric_matrix, Preprocessing, Step};
pub use standardize::Standardizer;
