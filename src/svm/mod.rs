//! Support vector machines trained by SMO, with LIBSVM-compatible model files.
//!
//! The solver is LIBSVM's: SMO decomposition with second-order working-set selection (Fan, Chen
//! & Lin 2005), shrinking, an LRU cache of kernel columns, and the same formulations
//! ([`SvmType`]: C-SVC, ν-SVC, one-class, ε-SVR, ν-SVR), kernels ([`KernelType`]), one-vs-one
//! multi-class voting, class weights, Platt probabilities and cross-validation. It finds the
//! same solutions as LIBSVM, reads and writes the same model files, and computes kernels on
//! dense `f32` rows with SIMD inner products, in parallel.
//!
//! Data are dense `n × d` row-major `f32` matrices with one `f64` target per row (class labels
//! must be integers). LIBSVM's sparse files are read by [`crate::data::libsvm`] and densified.
//!
//! # Example
//!
//! ```
//! use lepton::svm::{SvmModel, SvmParams};
//!
//! // XOR-like data: class +1 near (0,0) and (1,1), class −1 near (0,1) and (1,0).
//! let x: Vec<f32> = vec![0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.1, 0.0, 0.9, 1.0, 0.0, 0.9, 1.0, 0.1];
//! let y = vec![1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
//! let params = SvmParams::c_svc_rbf(10.0, 2.0);
//! let model = SvmModel::train(&x, 2, &y, &params)?;
//! assert_eq!(model.predict(&[0.05, 0.05]), 1.0);
//! assert_eq!(model.predict(&[0.05, 0.95]), -1.0);
//! let dec = model.decision_values(&[0.95, 0.95]); // one value per pair of classes
//! assert!(dec[0] > 0.0);
//!
//! // LIBSVM's text format, readable by `svm-predict`.
//! let text = model.to_libsvm_string();
//! let again = SvmModel::parse(text.as_bytes(), "in-memory")?;
//! assert_eq!(again.predict(&[0.95, 0.05]), -1.0);
//! # Ok::<(), lepton::Error>(())
//! ```

mod cache;
mod cross_validation;
mod formulations;
mod glibc_rand;
pub mod grid_search;
mod kernel;
mod model;
mod model_file;
mod params;
pub mod printf;
mod probability;
mod q_matrix;
pub mod reference;
mod solver;
mod train;

pub use cache::CacheStats;
pub use cross_validation::cross_validation;
pub use formulations::SubproblemSummary;
pub use glibc_rand::GlibcRand;
pub use grid_search::{grid_search, GridCell, GridResult, GridScore, GridSpec, Log2Range};
pub use kernel::Kernel;
pub use model::SvmModel;
pub use model_file::MAX_DENSE_ENTRIES;
pub use params::{KernelType, SvmParams, SvmType};
pub use probability::{multiclass_probability, sigmoid_predict, sigmoid_train};
pub use solver::SolverCounters;
pub use train::Progress;

use crate::error::Result;

impl SvmModel {
    /// Trains on `x` (`n × n_features` row-major, `n = y.len()`) with targets `y`.
    ///
    /// Classification (`C-SVC`, `ν-SVC`) needs integer labels and at least two classes; the
    /// `k·(k−1)/2` one-vs-one sub-problems are solved in parallel. The result does not depend
    /// on the number of threads.
    ///
    /// # Errors
    /// [`crate::Error::InvalidArgument`] for invalid parameters (see [`SvmParams::check`]),
    /// empty data, non-finite values, non-integer or single-class labels, or an infeasible ν;
    /// [`crate::Error::Shape`] if `x.len() != y.len() · n_features`.
    pub fn train(x: &[f32], n_features: usize, y: &[f64], params: &SvmParams) -> Result<Self> {
        Self::train_with_progress(x, n_features, y, params, None)
    }

    /// [`SvmModel::train`], calling `progress(done, total)` as sub-problems finish.
    ///
    /// # Errors
    /// As [`SvmModel::train`].
    pub fn train_with_progress(
        x: &[f32],
        n_features: usize,
        y: &[f64],
        params: &SvmParams,
        progress: Option<Progress>,
    ) -> Result<Self> {
        params.check()?;
        let kr = train::kernel_rows(x, n_features, y.len(), params)?;
        let rows: Vec<usize> = (0..y.len()).collect();
        train::train_rows(&kr, &rows, y, params, &mut GlibcRand::default(), progress)
    }
}
