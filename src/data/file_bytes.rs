//! [`FileBytes`]: the bytes of an input file, memory-mapped or owned; and atomic writes.
//!
//! This file holds the crate's single memory-map call. Everything else in `lepton` reads
//! files through safe code.

use crate::error::{Error, Result};
use std::fs::File;
use std::ops::Deref;
use std::path::Path;

/// The contents of a file: either a read-only memory map of it (zero-copy, O(1) to open) or an
/// owned buffer (decompressed data, bytes handed in by a caller or a fuzzer, empty files).
pub enum FileBytes {
    /// A read-only memory map of a file.
    Mapped(memmap2::Mmap),
    /// Bytes held in memory.
    Owned(Vec<u8>),
}

impl FileBytes {
    /// Memory-maps `path` read-only. An empty file becomes an empty owned buffer (mapping zero
    /// bytes is not portable).
    ///
    /// # Errors
    /// [`Error::Io`] naming `path` if it cannot be opened, its size read, or mapped.
    pub fn map(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len == 0 {
            return Ok(FileBytes::Owned(Vec::new()));
        }
        Self::map_open_file(&file).map_err(|e| Error::io(path, e))
    }

    #[allow(unsafe_code)]
    fn map_open_file(file: &File) -> std::io::Result<Self> {
        // SAFETY: `Mmap::map` is unsafe because another process could truncate or modify the
        // file while it is mapped, which would change (or, on truncation, fault on) memory we
        // hold as `&[u8]`. Dataset files are treated as read-only inputs for the lifetime of
        // the reader — the same contract every mmap-based dataset reader documents — and every
        // read of the map goes through bounds-checked slices validated once at open.
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(FileBytes::Mapped(map))
    }

    /// Reads the whole of `path` into memory (used where the bytes must be transformed, such as
    /// gzip decompression, or where mapping is not wanted).
    ///
    /// # Errors
    /// [`Error::Io`] naming `path`.
    pub fn read(path: &Path) -> Result<Self> {
        std::fs::read(path)
            .map(FileBytes::Owned)
            .map_err(|e| Error::io(path, e))
    }
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Owned(v) => v,
        }
    }
}

impl std::fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            FileBytes::Mapped(_) => "Mapped",
            FileBytes::Owned(_) => "Owned",
        };
        write!(f, "FileBytes::{kind}({} bytes)", self.len())
    }
}
