//! `--threads T`: run a command on a rayon pool of T threads.

use lepton::{Error, Result};

/// Runs `f` on a pool of `threads` worker threads (all cores if `None`).
///
/// # Errors
/// [`Error::InvalidArgument`] for `--threads 0` or if the pool cannot be built; `f`'s errors.
pub fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T> + Send,
) -> Result<T> {
    let Some(n) = threads else { return f() };
    if n == 0 {
        return Err(Error::InvalidArgument(
            "--threads must be at least 1".into(),
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| Error::InvalidArgument(format!("cannot start {n} threads: {e}")))?;
    pool.install(f)
}
