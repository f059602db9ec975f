//! IDX files (MNIST, Fashion-MNIST): raw or gzip-compressed.
//!
//! An IDX file is a big-endian header and a dense array:
//!
//! ```text
//!   byte 0, 1   0x00 0x00                  magic
//!   byte 2      data type                  0x08 = unsigned byte (the only one read here)
//!   byte 3      n, the number of dimensions
//!   then        n × u32 (big-endian)       the dimension sizes
//!   then        Π sizes elements           row-major
//! ```
//!
//! Images are `idx3` (`count × rows × columns`), labels `idx1` (`count`). A file starting with
//! the gzip magic `1f 8b` is decompressed first (raw files are memory-mapped). An image file
//! and a label file form an [`IdxSplit`] once their counts agree.
//!
//! ```
//! # fn main() -> lepton::Result<()> {
//! use lepton::data::idx::{encode_idx, IdxSplit};
//! use lepton::data::ImageDataset;
//! let images = encode_idx(&[2, 2, 3], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])?;
//! let labels = encode_idx(&[2], &[7, 1])?;
//! let split = IdxSplit::from_bytes(images, "imgs", labels, "labels")?;
//! assert_eq!(split.len(), 2);
//! assert_eq!(split.label(1), 1);
//! assert_eq!(split.pixels(1), &[6, 7, 8, 9, 10, 11]);
//! assert_eq!(split.dims().height, 2);
//! # Ok(()) }
//! ```

use super::file_bytes::FileBytes;
use super::image_dataset::{ImageDataset, ImageDims};
use crate::error::{Error, Location, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// IDX data-type code of unsigned bytes, the only element type read.
pub const IDX_UBYTE: u8 = 0x08;

/// A validated IDX array of unsigned bytes.
#[derive(Debug)]
pub struct IdxArray {
    path: PathBuf,
    dims: Vec<usize>,
    bytes: FileBytes,
    /// Where the elements start in `bytes` (the header length for raw files, 0 for gzip).
    start: usize,
    gzip: bool,
}

fn type_name(code: u8) -> &'static str {
    match code {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "i16",
        0x0C => "i32",
        0x0D => "f32",
        0x0E => "f64",
        _ => "unknown",
    }
}

/// Parses the header in `head` (at least 4 bytes present is not assumed). Returns the
/// dimensions, the header length and the element count.
fn parse_header(head: &[u8], path: &Path, what: &str) -> Result<(Vec<usize>, usize, usize)> {
    let err = |loc, msg: String| Error::format(path, loc, msg);
    if head.len() < 4 {
        return Err(err(
            Location::Offset(head.len() as u64),
            format!(
                "truncated IDX header: {} of 4 magic bytes{what}",
                head.len()
            ),
        ));
    }
    if head[0] != 0 || head[1] != 0 {
        return Err(err(
            Location::Offset(0),
            format!(
                "bad IDX magic {:02x} {:02x}: expected 00 00{what}",
                head[0], head[1]
            ),
        ));
    }
    if head[2] != IDX_UBYTE {
        return Err(err(
            Location::Offset(2),
            format!(
                "IDX data type 0x{:02x} ({}) is not supported: expected 0x08 (unsigned byte){what}",
                head[2],
                type_name(head[2])
            ),
        ));
    }
    let ndims = head[3] as usize;
    if ndims == 0 {
        return Err(err(
            Location::Offset(3),
            format!("IDX file declares 0 dimensions: expected at least 1{what}"),
        ));
    }
    let header_len = 4 + 4 * ndims;
    if head.len() < header_len {
        return Err(err(
            Location::Offset(head.len() as u64),
            format!(
                "truncated IDX header: {ndims} dimensions need {header_len} header bytes, \
                 found {}{what}",
                head.len()
            ),
        ));
    }
    let mut dims = Vec::with_capacity(ndims);
    let mut count: usize = 1;
    for d in 0..ndims {
        let b = &head[4 + 4 * d..8 + 4 * d];
        let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        count = count.checked_mul(size).ok_or_else(|| {
            err(
                Location::Offset((4 + 4 * d) as u64),
                format!("IDX dimensions {dims:?} × {size} overflow the address space{what}"),
            )
        })?;
        dims.push(size);
    }
    Ok((dims, header_len, count))
}

/// Builds the truncation error: the body holds `have` of `count` elements laid out as records
/// of `record` elements each.
fn truncated(
    path: &Path,
    header_len: usize,
    have: usize,
    count: usize,
    dims: &[usize],
    what: &str,
) -> Error {
    let record: usize = dims[1..].iter().product::<usize>().max(1);
    let r = have / record;
    Error::format(
        path,
        Location::Record {
            record: r,
            offset: (header_len + r * record) as u64,
        },
        format!(
            "truncated: dimensions {dims:?} need {count} data bytes, found {have}; \
             record {r} is incomplete{what}"
        ),
    )
}

impl IdxArray {
    /// Opens an IDX file: memory-mapped if raw, decompressed if it starts with the gzip magic.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::Format`] as for
    /// [`from_bytes`](Self::from_bytes).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::parse(FileBytes::map(path)?, path)
    }

    /// Parses an IDX file held in memory; `name` is the path errors name. The entry point the
    /// fuzzer drives.
    ///
    /// # Errors
    /// [`Error::Format`] naming `name`: a gzip stream that fails to decompress (at the
    /// decompressed offset where it failed), a header shorter than 4 bytes or than its
    /// dimension list, a magic other than `00 00`, a data type other than `0x08`, zero
    /// dimensions, a dimension product that overflows, fewer data bytes than the dimensions
    /// need (naming the first incomplete record) or more (trailing bytes).
    pub fn from_bytes(bytes: Vec<u8>, name: impl AsRef<Path>) -> Result<Self> {
        Self::parse(FileBytes::Owned(bytes), name.as_ref())
    }

    fn parse(bytes: FileBytes, path: &Path) -> Result<Self> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            return Self::parse_gzip(&bytes, path);
        }
        let (dims, header_len, count) = parse_header(&bytes, path, "")?;
        let have = bytes.len() - header_len;
        if have < count {
            return Err(truncated(path, header_len, have, count, &dims, ""));
        }
        if have > count {
            return Err(Error::format(
                path,
                Location::Offset((header_len + count) as u64),
                format!(
                    "{} trailing bytes after the {count} data bytes that dimensions {dims:?} \
                     describe",
                    have - count
                ),
            ));
        }
        Ok(IdxArray {
            path: path.to_path_buf(),
            dims,
            bytes,
            start: header_len,
            gzip: false,
        })
    }

    fn parse_gzip(compressed: &[u8], path: &Path) -> Result<Self> {
        const IN_GZ: &str = " (offsets are in the decompressed stream)";
        let mut dec = flate2::read::GzDecoder::new(compressed);
        let gz_err = |at: usize, e: std::io::Error| {
            Error::format(
                path,
                Location::Offset(at as u64),
                format!("bad gzip stream after {at} decompressed bytes: {e}"),
            )
        };
        // Read the fixed part of the header, then the dimension list.
        let mut head = Vec::with_capacity(4 + 4 * 4);
        read_up_to(&mut dec, &mut head, 4).map_err(|e| gz_err(head.len(), e))?;
        if head.len() == 4 && head[..2] == [0, 0] && head[2] == IDX_UBYTE {
            let want = 4 * head[3] as usize;
            read_up_to(&mut dec, &mut head, want).map_err(|e| gz_err(head.len(), e))?;
        }
        let (dims, header_len, count) = parse_header(&head, path, IN_GZ)?;
        // Read at most one byte beyond the declared size: memory stays bounded by the data
        // actually present, and a further read reaches the end of the stream (checking its CRC).
        let mut body = Vec::new();
        (&mut dec)
            .take((count as u64).saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|e| gz_err(header_len + body.len(), e))?;
        if body.len() < count {
            return Err(truncated(path, header_len, body.len(), count, &dims, IN_GZ));
        }
        if body.len() > count {
            return Err(Error::format(
                path,
                Location::Offset((header_len + count) as u64),
                format!(
                    "trailing bytes after the {count} data bytes that dimensions {dims:?} \
                     describe{IN_GZ}"
                ),
            ));
        }
        Ok(IdxArray {
            path: path.to_path_buf(),
            dims,
            bytes: FileBytes::Owned(body),
            start: 0,
            gzip: true,
        })
    }

    /// The dimension sizes, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The elements, row-major.
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    /// The file this array came from (or the name it was given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }
}

/// Appends bytes from `r` to `buf` until it holds `more` more bytes or the stream ends.
fn read_up_to(r: &mut impl Read, buf: &mut Vec<u8>, more: usize) -> std::io::Result<()> {
    let target = buf.len() + more;
    r.take(more as u64).read_to_end(buf)?;
    debug_assert!(buf.len() <= target);
    Ok(())
}

/// Encodes a raw (uncompressed) IDX file of unsigned bytes with dimensions `dims`.
///
/// # Errors
/// [`Error::InvalidArgument`] if `dims` is empty or has more than 255 entries, a size does not
/// fit in `u32`, or `data.len()` is not the product of `dims`.
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Result<Vec<u8>> {
    if dims.is_empty() || dims.len() > 255 {
        return Err(Error::InvalidArgument(format!(
            "an IDX file has 1 to 255 dimensions, got {}",
            dims.len()
        )));
    }
    let count: usize = dims.iter().product();
    if count != data.len() {
        return Err(Error::InvalidArgument(format!(
            "dimensions {dims:?} hold {count} elements, got {}",
            data.len()
        )));
    }
    let mut out = vec![0, 0, IDX_UBYTE, dims.len() as u8];
    for &d in dims {
        let d = u32::try_from(d)
            .map_err(|_| Error::InvalidArgument(format!("IDX dimension {d} exceeds u32")))?;
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    Ok(out)
}

/// A set of images and their labels from an IDX image file (`count × rows × columns`) and an
/// IDX label file (`count`): one [`ImageDataset`] of 1-channel images.
#[derive(Debug)]
pub struct IdxSplit {
    images: IdxArray,
    labels: IdxArray,
    num_classes: usize,
    class_names: Vec<String>,
}

impl IdxSplit {
    /// Opens an image file and a label file (each raw or gzip).
    ///
    /// # Errors
    /// [`Error::Io`] if a file cannot be read; [`Error::Format`] as for
    /// [`from_bytes`](Self::from_bytes).
    pub fn open_pair(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Self> {
        Self::pair(IdxArray::open(images)?, IdxArray::open(labels)?)
    }

    /// Parses an image file and a label file held in memory; the names are the paths errors
    /// name.
    ///
    /// # Errors
    /// [`Error::Format`]: either file is not valid IDX (see [`IdxArray::from_bytes`]); the image
    /// file does not have 3 dimensions or the label file 1 (naming that file, at byte 3); the
    /// image and label counts differ (naming the label file, with both counts).
    pub fn from_bytes(
        images: Vec<u8>,
        images_name: impl AsRef<Path>,
        labels: Vec<u8>,
        labels_name: impl AsRef<Path>,
    ) -> Result<Self> {
        Self::pair(
            IdxArray::from_bytes(images, images_name)?,
            IdxArray::from_bytes(labels, labels_name)?,
        )
    }

    /// Pairs two parsed arrays.
    ///
    /// # Errors
    /// As for [`from_bytes`](Self::from_bytes).
    pub fn pair(images: IdxArray, labels: IdxArray) -> Result<Self> {
        if images.dims.len() != 3 {
            return Err(Error::format(
                &images.path,
                Location::Offset(3),
                format!(
                    "an IDX image file has 3 dimensions (count, rows, columns), this one has {} \
                     ({:?})",
                    images.dims.len(),
                    images.dims
                ),
            ));
        }
        if labels.dims.len() != 1 {
            return Err(Error::format(
                &labels.path,
                Location::Offset(3),
                format!(
                    "an IDX label file has 1 dimension (count), this one has {} ({:?})",
                    labels.dims.len(),
                    labels.dims
                ),
            ));
        }
        if images.dims[0] != labels.dims[0] {
            return Err(Error::format(
                &labels.path,
                Location::Offset(4),
                format!(
                    "{} labels, but the image file {} holds {} images: counts must agree",
                    labels.dims[0],
                    images.path.display(),
                    images.dims[0]
                ),
            ));
        }
        let num_classes = labels.data().iter().max().map_or(0, |&m| m as usize + 1);
        Ok(IdxSplit {
            images,
            labels,
            num_classes,
            class_names: Vec::new(),
        })
    }

    /// Attaches class names (at least [`num_classes`](ImageDataset::num_classes) of them; the
    /// class count becomes their number).
    ///
    /// # Errors
    /// [`Error::Format`] naming the label file, the first record whose label has no name and
    /// its byte offset (in the decompressed stream for gzip files), if there are fewer names
    /// than the largest label + 1 — e.g. a label 12 in a file read as Fashion-MNIST's 10 classes.
    pub fn with_class_names(mut self, names: Vec<String>) -> Result<Self> {
        if let Some((record, &label)) = self
            .labels
            .data()
            .iter()
            .enumerate()
            .find(|&(_, &l)| l as usize >= names.len())
        {
            // An idx1 header is 4 bytes of magic + 4 of count.
            const LABEL_HEADER_LEN: u64 = 8;
            return Err(Error::format(
                &self.labels.path,
                Location::Record {
                    record,
                    offset: LABEL_HEADER_LEN + record as u64,
                },
                format!(
                    "label {label} is outside the {} classes of this dataset (expected 0..={})",
                    names.len(),
                    names.len().saturating_sub(1)
                ),
            ));
        }
        self.num_classes = names.len();
        self.class_names = names;
        Ok(self)
    }

    /// The image file's array.
    pub fn images(&self) -> &IdxArray {
        &self.images
    }

    /// The label file's array.
    pub fn labels(&self) -> &IdxArray {
        &self.labels
    }
}

impl ImageDataset for IdxSplit {
    fn len(&self) -> usize {
        self.labels.dims[0]
    }
    fn dims(&self) -> ImageDims {
        ImageDims {
            channels: 1,
            height: self.images.dims[1],
            width: self.images.dims[2],
        }
    }
    fn label(&self, i: usize) -> usize {
        self.labels.data()[i] as usize
    }
    fn pixels(&self, i: usize) -> &[u8] {
        let n = self.images.dims[1] * self.images.dims[2];
        &self.images.data()[i * n..(i + 1) * n]
    }
    fn num_classes(&self) -> usize {
        self.num_classes
    }
    fn class_names(&self) -> &[String] {
        &self.class_names
    }
}

/// The ten Fashion-MNIST class names, in label order.
pub const FASHION_MNIST_CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Given the path of an IDX image file, the path its label file would have (and vice versa),
/// by the MNIST naming convention: `…-images-idx3-ubyte[.gz]` ↔ `…-labels-idx1-ubyte[.gz]`
/// (also `…-images.idx3-ubyte`). `None` if the name does not follow it.
pub fn partner_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let swapped = if name.contains("images") && name.contains("idx3") {
        name.replace("images", "labels").replace("idx3", "idx1")
    } else if name.contains("labels") && name.contains("idx1") {
        name.replace("labels", "images").replace("idx1", "idx3")
    } else {
        return None;
    };
    Some(path.with_file_name(swapped))
}

/// Whether `path` names an IDX image file by the MNIST convention.
pub fn is_image_file_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains("images") && n.contains("idx3"))
}

/// The image/label pairs found in a directory by the MNIST naming convention: `train-*` and
/// `t10k-*` (raw or `.gz`).
#[derive(Debug)]
pub struct IdxDir {
    /// The `train-images…` / `train-labels…` pair, if present.
    pub train: Option<IdxSplit>,
    /// The `t10k-images…` / `t10k-labels…` pair, if present.
    pub test: Option<IdxSplit>,
}

impl IdxDir {
    /// Opens the pairs present in `dir`.
    ///
    /// # Errors
    /// [`Error::Io`] if `dir` cannot be listed or a file read; [`Error::Format`] if no image
    /// file with a label partner is found, an image file's label partner is missing, or a
    /// pair is invalid (see [`IdxSplit::from_bytes`]).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let mut found = IdxDir {
            train: None,
            test: None,
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_image_file_name(p))
            .collect();
        entries.sort();
        for images in entries {
            let name = images
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let slot = if name.starts_with("train") {
                &mut found.train
            } else if name.starts_with("t10k") || name.starts_with("test") {
                &mut found.test
            } else {
                continue;
            };
            if slot.is_some() {
                continue; // e.g. both raw and .gz present: the first (sorted) wins
            }
            let labels = partner_path(&images)
                .filter(|p| p.is_file())
                .ok_or_else(|| {
                    Error::format(
                        &images,
                        Location::File,
                        "IDX image file without its label file (expected …-labels-idx1-ubyte next \
                     to it)",
                    )
                })?;
            *slot = Some(IdxSplit::open_pair(&images, &labels)?);
        }
        if found.train.is_none() && found.test.is_none() {
            return Err(Error::format(
                dir,
                Location::File,
                "no IDX image files found (expected train-images-idx3-ubyte[.gz] and/or \
                 t10k-images-idx3-ubyte[.gz])",
            ));
        }
        Ok(found)
    }
}
