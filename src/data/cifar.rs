//! CIFAR-10 and CIFAR-100 in their binary format, memory-mapped.
//!
//! A CIFAR binary file is a sequence of fixed-size records, nothing else: CIFAR-10 records are
//! 1 label byte then 3072 pixel bytes; CIFAR-100 records are 2 label bytes (coarse, then fine)
//! then 3072 pixel bytes. The pixels are three 32×32 row-major planes: red, then green, then
//! blue. Files are mapped (not read) and validated once when opened — the size must be a whole
//! number of records and every label in range — after which record access is zero-copy and
//! cannot fail.
//!
//! ```
//! # fn main() -> lepton::Result<()> {
//! use lepton::data::{Cifar10, CifarKind, CifarWriter, ImageDataset};
//! let dir = tempfile::tempdir().unwrap();
//! let mut w = CifarWriter::new(CifarKind::Cifar10);
//! w.push(&[3], &[7u8; 3072])?; // one image of class 3 ("cat")
//! w.write(dir.path().join("test_batch.bin"))?;
//!
//! let cifar = Cifar10::open(dir.path())?;
//! assert_eq!(cifar.train().len(), 0); // no data_batch_*.bin present
//! assert_eq!(cifar.test().len(), 1);
//! assert_eq!(cifar.test().label(0), 3);
//! assert_eq!(cifar.test().pixels(0)[0], 7);
//! assert_eq!(cifar.class_names()[3], "cat");
//! # Ok(()) }
//! ```

use super::file_bytes::FileBytes;
use super::image_dataset::{ImageDataset, ImageDims};
use crate::atomic_file::write_atomic;
use crate::error::{Error, Location, Result};
use std::path::{Path, PathBuf};

/// Pixel bytes in one CIFAR image: 3 channels × 32 × 32.
pub const CIFAR_IMAGE_BYTES: usize = 3 * 32 * 32;

/// The dimensions of a CIFAR image.
pub const CIFAR_DIMS: ImageDims = ImageDims {
    channels: 3,
    height: 32,
    width: 32,
};

/// The ten CIFAR-10 class names, in label order (used when `batches.meta.txt` is absent).
pub const CIFAR10_CLASS_NAMES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// The CIFAR-10 training batch file names, in order.
pub const CIFAR10_TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
/// The CIFAR-10 test batch file name.
pub const CIFAR10_TEST_FILE: &str = "test_batch.bin";
/// The CIFAR-10 class-name file (one name per line; blank lines skipped).
pub const CIFAR10_META_FILE: &str = "batches.meta.txt";
/// The CIFAR-100 training file name.
pub const CIFAR100_TRAIN_FILE: &str = "train.bin";
/// The CIFAR-100 test file name.
pub const CIFAR100_TEST_FILE: &str = "test.bin";
/// The CIFAR-100 fine class-name file.
pub const CIFAR100_FINE_NAMES_FILE: &str = "fine_label_names.txt";
/// The CIFAR-100 coarse class-name file.
pub const CIFAR100_COARSE_NAMES_FILE: &str = "coarse_label_names.txt";

/// Which of the two CIFAR record layouts a file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CifarKind {
    /// 1 label byte (`< 10`) + 3072 pixel bytes.
    Cifar10,
    /// 2 label bytes, coarse (`< 20`) then fine (`< 100`), + 3072 pixel bytes.
    Cifar100,
}

impl CifarKind {
    /// Label bytes at the start of each record: 1 or 2.
    pub fn label_bytes(self) -> usize {
        match self {
            CifarKind::Cifar10 => 1,
            CifarKind::Cifar100 => 2,
        }
    }

    /// Bytes per record: 3073 or 3074.
    pub fn record_bytes(self) -> usize {
        self.label_bytes() + CIFAR_IMAGE_BYTES
    }

    /// The exclusive upper bound of each label byte: `[10]` or `[20, 100]` (coarse, fine).
    pub fn label_limits(self) -> &'static [u8] {
        match self {
            CifarKind::Cifar10 => &[10],
            CifarKind::Cifar100 => &[20, 100],
        }
    }

    /// Number of classes of the label the [`ImageDataset`] reports (the fine label for CIFAR-100).
    pub fn num_classes(self) -> usize {
        match self {
            CifarKind::Cifar10 => 10,
            CifarKind::Cifar100 => 100,
        }
    }

    fn name(self) -> &'static str {
        match self {
            CifarKind::Cifar10 => "CIFAR-10",
            CifarKind::Cifar100 => "CIFAR-100",
        }
    }
}

/// One validated CIFAR file.
#[derive(Debug)]
struct CifarFile {
    path: PathBuf,
    bytes: FileBytes,
    records: usize,
}

/// Checks that `bytes` is a whole, non-zero number of `kind` records with every label in range.
///
/// # Errors
/// [`Error::Format`] naming `path`: an empty file ([`Location::File`]); a trailing partial
/// record, i.e. a truncated file or a size that is not a multiple of the record size
/// ([`Location::Record`] of the partial record); a label out of range ([`Location::Record`]
/// of that record, at the label's byte offset).
fn validate_cifar_bytes(bytes: &[u8], kind: CifarKind, path: &Path) -> Result<usize> {
    let rb = kind.record_bytes();
    if bytes.is_empty() {
        return Err(Error::format(
            path,
            Location::File,
            format!(
                "empty file: expected at least one {}-byte {} record",
                rb,
                kind.name()
            ),
        ));
    }
    let records = bytes.len() / rb;
    let rest = bytes.len() % rb;
    if rest != 0 {
        return Err(Error::format(
            path,
            Location::Record {
                record: records,
                offset: (records * rb) as u64,
            },
            format!(
                "file size {} bytes is not a whole number of {}-byte {} records: \
                 the last record is truncated ({} of {} bytes)",
                bytes.len(),
                rb,
                kind.name(),
                rest,
                rb
            ),
        ));
    }
    let limits = kind.label_limits();
    for (r, rec) in bytes.chunks_exact(rb).enumerate() {
        for (j, (&label, &limit)) in rec.iter().zip(limits).enumerate() {
            if label >= limit {
                let which = match (kind, j) {
                    (CifarKind::Cifar10, _) => "label",
                    (CifarKind::Cifar100, 0) => "coarse label",
                    _ => "fine label",
                };
                return Err(Error::format(
                    path,
                    Location::Record {
                        record: r,
                        offset: (r * rb + j) as u64,
                    },
                    format!(
                        "{which} {label} is out of range: expected 0..={}",
                        limit - 1
                    ),
                ));
            }
        }
    }
    Ok(records)
}

/// A split (train or test) of a CIFAR dataset: the records of one or more validated files, in
/// file order, addressed by one index `0..len()`.
///
/// Record access is zero-copy: [`pixels`](Self::pixels) returns a slice of the memory map.
#[derive(Debug)]
pub struct CifarSplit {
    kind: CifarKind,
    files: Vec<CifarFile>,
    /// `starts[f]` is the index of file `f`'s first record; one extra entry holds `len()`.
    starts: Vec<usize>,
    class_names: Vec<String>,
}

impl CifarSplit {
    fn from_files(kind: CifarKind, files: Vec<CifarFile>, class_names: Vec<String>) -> Self {
        let mut starts = Vec::with_capacity(files.len() + 1);
        let mut n = 0;
        starts.push(0);
        for f in &files {
            n += f.records;
            starts.push(n);
        }
        CifarSplit {
            kind,
            files,
            starts,
            class_names,
        }
    }

    /// Memory-maps and validates one CIFAR file as a split of its own.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::Format`] as for
    /// [`from_bytes`](Self::from_bytes).
    pub fn open_file(kind: CifarKind, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = FileBytes::map(path)?;
        let records = validate_cifar_bytes(&bytes, kind, path)?;
        let file = CifarFile {
            path: path.to_path_buf(),
            bytes,
            records,
        };
        Ok(Self::from_files(kind, vec![file], default_names(kind)))
    }

    /// Validates in-memory bytes as one CIFAR file; `name` is the path errors will name. This
    /// is the entry point the fuzzer drives.
    ///
    /// # Errors
    /// [`Error::Format`] naming `name`: an empty input, a size that is not a whole number of
    /// records (a truncated file), or a label out of range (`< 10`; for CIFAR-100 coarse
    /// `< 20` and fine `< 100`), with the record index and byte offset.
    pub fn from_bytes(kind: CifarKind, bytes: Vec<u8>, name: impl AsRef<Path>) -> Result<Self> {
        let path = name.as_ref();
        let records = validate_cifar_bytes(&bytes, kind, path)?;
        let file = CifarFile {
            path: path.to_path_buf(),
            bytes: FileBytes::Owned(bytes),
            records,
        };
        Ok(Self::from_files(kind, vec![file], default_names(kind)))
    }

    /// The record layout.
    pub fn kind(&self) -> CifarKind {
        self.kind
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.starts[self.files.len()]
    }

    /// Whether the split has no records (no file of it was present).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The files this split was read from, in order.
    pub fn files(&self) -> Vec<&Path> {
        self.files.iter().map(|f| f.path.as_path()).collect()
    }

    /// The whole record `i` (label bytes then pixels). Panics if `i >= len()`.
    fn record(&self, i: usize) -> &[u8] {
        assert!(
            i < self.len(),
            "record {i} out of range for a split of {}",
            self.len()
        );
        // The file holding record i: the last f with starts[f] <= i.
        let f = self.starts.partition_point(|&s| s <= i) - 1;
        let rb = self.kind.record_bytes();
        let at = (i - self.starts[f]) * rb;
        &self.files[f].bytes[at..at + rb]
    }

    /// The label of record `i`: the only label for CIFAR-10, the fine label (`< 100`) for
    /// CIFAR-100. Panics if `i >= len()`.
    pub fn label(&self, i: usize) -> usize {
        let rec = self.record(i);
        rec[self.kind.label_bytes() - 1] as usize
    }

    /// The coarse label (`< 20`) of a CIFAR-100 record; `None` for CIFAR-10. Panics if
    /// `i >= len()`.
    pub fn coarse_label(&self, i: usize) -> Option<usize> {
        match self.kind {
            CifarKind::Cifar10 => None,
            CifarKind::Cifar100 => Some(self.record(i)[0] as usize),
        }
    }

    /// The 3072 pixel bytes of record `i` — R plane, G plane, B plane, each 32×32 row-major —
    /// borrowed from the memory map. Panics if `i >= len()`.
    pub fn pixels(&self, i: usize) -> &[u8] {
        &self.record(i)[self.kind.label_bytes()..]
    }

    /// Class names of [`label`](Self::label), in label order (possibly empty for CIFAR-100
    /// without a names file).
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }
}

impl ImageDataset for CifarSplit {
    fn len(&self) -> usize {
        CifarSplit::len(self)
    }
    fn dims(&self) -> ImageDims {
        CIFAR_DIMS
    }
    fn label(&self, i: usize) -> usize {
        CifarSplit::label(self, i)
    }
    fn pixels(&self, i: usize) -> &[u8] {
        CifarSplit::pixels(self, i)
    }
    fn num_classes(&self) -> usize {
        self.kind.num_classes()
    }
    fn class_names(&self) -> &[String] {
        &self.class_names
    }
}

fn default_names(kind: CifarKind) -> Vec<String> {
    match kind {
        CifarKind::Cifar10 => CIFAR10_CLASS_NAMES.iter().map(|s| s.to_string()).collect(),
        CifarKind::Cifar100 => Vec::new(),
    }
}

/// Parses a class-name file: one name per line, blank lines (and surrounding whitespace)
/// skipped; exactly `expected` names are required. `path` names the file in errors.
///
/// # Errors
/// [`Error::Format`] naming `path`: bytes that are not UTF-8 (with the line), or a number of
/// names other than `expected`.
pub fn parse_class_names_bytes(bytes: &[u8], expected: usize, path: &Path) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(expected);
    for (ln, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line).map_err(|e| {
            Error::format(
                path,
                Location::Line {
                    line: ln + 1,
                    column: None,
                },
                format!("class name is not valid UTF-8 ({e})"),
            )
        })?;
        let name = line.trim();
        if name.is_empty() {
            continue;
        }
        if names.len() == expected {
            return Err(Error::format(
                path,
                Location::Line {
                    line: ln + 1,
                    column: None,
                },
                format!("more than the expected {expected} class names"),
            ));
        }
        names.push(name.to_string());
    }
    if names.len() != expected {
        return Err(Error::format(
            path,
            Location::File,
            format!(
                "found {} class names, expected {expected} (one per line)",
                names.len()
            ),
        ));
    }
    Ok(names)
}

fn read_class_names(path: &Path, expected: usize) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_class_names_bytes(&bytes, expected, path)
}

fn open_present(dir: &Path, names: &[&str], kind: CifarKind) -> Result<Vec<CifarFile>> {
    let mut files = Vec::new();
    for name in names {
        let path = dir.join(name);
        if path.is_file() {
            let bytes = FileBytes::map(&path)?;
            let records = validate_cifar_bytes(&bytes, kind, &path)?;
            files.push(CifarFile {
                path,
                bytes,
                records,
            });
        }
    }
    Ok(files)
}

fn check_dir(dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    if !meta.is_dir() {
        return Err(Error::format(
            dir,
            Location::File,
            "expected a directory holding CIFAR binary files",
        ));
    }
    Ok(())
}

/// A CIFAR-10 directory: `data_batch_1.bin` … `data_batch_5.bin` (train), `test_batch.bin`
/// (test) and optionally `batches.meta.txt` (class names). Any subset of the batch files may
/// be present; [`found`](Self::found) and [`missing`](Self::missing) say which were.
#[derive(Debug)]
pub struct Cifar10 {
    train: CifarSplit,
    test: CifarSplit,
    class_names: Vec<String>,
    missing: Vec<String>,
}

impl Cifar10 {
    /// Maps and validates every batch file present in `dir` (one pass over the labels; pixels
    /// are not touched) and reads `batches.meta.txt` if present (otherwise the standard names
    /// in [`CIFAR10_CLASS_NAMES`] are used).
    ///
    /// # Errors
    /// [`Error::Io`] if `dir` or a file cannot be read; [`Error::Format`] if `dir` holds none of
    /// the six batch files, if a batch file is empty, truncated or holds a label `>= 10`
    /// (naming the file, record and byte offset), or if the meta file does not hold exactly 10
    /// names.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        check_dir(dir)?;
        let kind = CifarKind::Cifar10;
        let train = open_present(dir, &CIFAR10_TRAIN_FILES, kind)?;
        let test = open_present(dir, &[CIFAR10_TEST_FILE], kind)?;
        if train.is_empty() && test.is_empty() {
            return Err(Error::format(
                dir,
                Location::File,
                "no CIFAR-10 batch files found: expected some of data_batch_1.bin … \
                 data_batch_5.bin and test_batch.bin",
            ));
        }
        let meta = dir.join(CIFAR10_META_FILE);
        let class_names = if meta.is_file() {
            read_class_names(&meta, 10)?
        } else {
            default_names(kind)
        };
        let missing = CIFAR10_TRAIN_FILES
            .iter()
            .chain(std::iter::once(&CIFAR10_TEST_FILE))
            .filter(|n| !dir.join(n).is_file())
            .map(|n| n.to_string())
            .collect();
        Ok(Cifar10 {
            train: CifarSplit::from_files(kind, train, class_names.clone()),
            test: CifarSplit::from_files(kind, test, class_names.clone()),
            class_names,
            missing,
        })
    }

    /// The training split (the `data_batch_*.bin` files present, in order).
    pub fn train(&self) -> &CifarSplit {
        &self.train
    }

    /// The test split (`test_batch.bin`, or empty if absent).
    pub fn test(&self) -> &CifarSplit {
        &self.test
    }

    /// The ten class names.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Paths of the batch files that were found and opened.
    pub fn found(&self) -> Vec<&Path> {
        let mut v = self.train.files();
        v.extend(self.test.files());
        v
    }

    /// Names of the six batch files that were not present.
    pub fn missing(&self) -> &[String] {
        &self.missing
    }
}

/// A CIFAR-100 directory: `train.bin`, `test.bin` (either may be absent, not both), and
/// optionally `fine_label_names.txt` (100 names) and `coarse_label_names.txt` (20 names).
/// Splits report the fine label through [`ImageDataset`]; the coarse one is
/// [`CifarSplit::coarse_label`].
#[derive(Debug)]
pub struct Cifar100 {
    train: CifarSplit,
    test: CifarSplit,
    fine_names: Vec<String>,
    coarse_names: Vec<String>,
}

impl Cifar100 {
    /// Maps and validates `train.bin` / `test.bin` in `dir` and reads the name files present.
    ///
    /// # Errors
    /// [`Error::Io`] if `dir` or a file cannot be read; [`Error::Format`] if neither data file
    /// is present, a file is empty or truncated, a coarse label is `>= 20` or a fine label
    /// `>= 100` (naming the file, record and byte offset), or a name file has the wrong count.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        check_dir(dir)?;
        let kind = CifarKind::Cifar100;
        let train = open_present(dir, &[CIFAR100_TRAIN_FILE], kind)?;
        let test = open_present(dir, &[CIFAR100_TEST_FILE], kind)?;
        if train.is_empty() && test.is_empty() {
            return Err(Error::format(
                dir,
                Location::File,
                "no CIFAR-100 files found: expected train.bin and/or test.bin",
            ));
        }
        let fine = dir.join(CIFAR100_FINE_NAMES_FILE);
        let fine_names = if fine.is_file() {
            read_class_names(&fine, 100)?
        } else {
            Vec::new()
        };
        let coarse = dir.join(CIFAR100_COARSE_NAMES_FILE);
        let coarse_names = if coarse.is_file() {
            read_class_names(&coarse, 20)?
        } else {
            Vec::new()
        };
        Ok(Cifar100 {
            train: CifarSplit::from_files(kind, train, fine_names.clone()),
            test: CifarSplit::from_files(kind, test, fine_names.clone()),
            fine_names,
            coarse_names,
        })
    }

    /// The training split (`train.bin`, or empty if absent).
    pub fn train(&self) -> &CifarSplit {
        &self.train
    }

    /// The test split (`test.bin`, or empty if absent).
    pub fn test(&self) -> &CifarSplit {
        &self.test
    }

    /// The 100 fine class names, or empty if `fine_label_names.txt` was absent.
    pub fn fine_class_names(&self) -> &[String] {
        &self.fine_names
    }

    /// The 20 coarse class names, or empty if `coarse_label_names.txt` was absent.
    pub fn coarse_class_names(&self) -> &[String] {
        &self.coarse_names
    }

    /// Paths of the data files that were found and opened.
    pub fn found(&self) -> Vec<&Path> {
        let mut v = self.train.files();
        v.extend(self.test.files());
        v
    }
}

/// Builds a CIFAR-format file in memory, record by record, and writes it atomically.
///
/// Used by tests and by synthetic-data generators; the output is byte-for-byte the official
/// binary format.
#[derive(Clone, Debug)]
pub struct CifarWriter {
    kind: CifarKind,
    bytes: Vec<u8>,
}

impl CifarWriter {
    /// An empty file of `kind` records.
    pub fn new(kind: CifarKind) -> Self {
        CifarWriter {
            kind,
            bytes: Vec::new(),
        }
    }

    /// Appends one record: `labels` is `[label]` for CIFAR-10 or `[coarse, fine]` for
    /// CIFAR-100; `pixels` is 3072 bytes, R plane then G then B, each 32×32 row-major.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `labels` has the wrong length or a label is out of
    /// range, or `pixels` is not 3072 bytes.
    pub fn push(&mut self, labels: &[u8], pixels: &[u8]) -> Result<()> {
        let limits = self.kind.label_limits();
        if labels.len() != limits.len() {
            return Err(Error::InvalidArgument(format!(
                "a {} record needs {} label byte(s), got {}",
                self.kind.name(),
                limits.len(),
                labels.len()
            )));
        }
        if let Some((l, m)) = labels.iter().zip(limits).find(|(l, m)| l >= m) {
            return Err(Error::InvalidArgument(format!(
                "label {l} out of range for {} (expected < {m})",
                self.kind.name()
            )));
        }
        if pixels.len() != CIFAR_IMAGE_BYTES {
            return Err(Error::InvalidArgument(format!(
                "a CIFAR image is {CIFAR_IMAGE_BYTES} bytes, got {}",
                pixels.len()
            )));
        }
        self.bytes.extend_from_slice(labels);
        self.bytes.extend_from_slice(pixels);
        Ok(())
    }

    /// Number of records pushed.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.kind.record_bytes()
    }

    /// Whether no record has been pushed.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The file's bytes so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Writes the file to `path` atomically (a temporary file in the same directory, then a
    /// rename).
    ///
    /// # Errors
    /// [`Error::Io`] naming the path that failed.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), &self.bytes)
    }
}

/// Writes `names` one per line to `path` (e.g. `batches.meta.txt`), atomically.
///
/// # Errors
/// [`Error::Io`] naming the path that failed.
pub fn write_class_names(path: impl AsRef<Path>, names: &[impl AsRef<str>]) -> Result<()> {
    let mut text = String::new();
    for n in names {
        text.push_str(n.as_ref());
        text.push('\n');
    }
    write_atomic(path.as_ref(), text.as_bytes())
}
