//! Atomic file writes: write a temporary file next to the target, flush it to disk, then rename
//! it over the target. A crash or an error part-way leaves either the old file or no file, never
//! a truncated one.

use crate::error::{Error, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A temporary name in the same directory as `path` (so the final rename does not cross file
/// systems), unique within this process and across processes.
fn temp_path_for(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    path.with_file_name(format!(".{name}.tmp.{}.{n}", std::process::id()))
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, `fsync`, rename).
/// The directory must exist.
///
/// # Errors
/// [`Error::Io`] naming `path` if the temporary file cannot be created or written, or the rename
/// fails (the temporary file is removed in that case).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path_for(path);
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}
