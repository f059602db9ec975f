//! IDX reader (MNIST / Fashion-MNIST format).
//!
//! An IDX file is `00 00 <type> <n>` then `n` big-endian `u32` sizes then `Π sizes` elements,
//! row-major. With type `0x08` (unsigned byte), an image file of sizes `[N, R, C]` is
//! `4 + 12 + N·R·C` bytes and image `i` is bytes `16 + i·R·C ..`; a label file `[N]` is
//! `8 + N` bytes. A file may be gzip-compressed as a whole (first bytes `1f 8b`).
//!
//! The tests encode small files by hand, check the decoded arrays against those offsets, and
//! check that each malformed input — bad magic, unsupported type, missing or extra bytes, wrong
//! number of dimensions, image/label counts that disagree, a corrupt gzip stream, a label outside
//! the dataset's named classes — is an
//! `Error::Format` naming the file and the offset or record.

use flate2::write::GzEncoder;
use lepton::data::idx::{encode_idx, partner_path, IdxArray};
use lepton::data::{IdxDir, IdxSplit, ImageDataset};
use lepton::error::{Error, Location};
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn format_error(e: Error) -> (PathBuf, Location, String) {
    match e {
        Error::Format {
            path,
            location,
            message,
        } => (path, location, message),
        other => panic!("expected a Format error, got {other:?}"),
    }
}

/// Three 2×3 images, pixel k of image i = 10·i + k; labels 4, 0, 9.
fn sample() -> (Vec<u8>, Vec<u8>) {
    let px: Vec<u8> = (0..3)
        .flat_map(|i| (0..6).map(move |k| 10 * i + k))
        .collect();
    (
        encode_idx(&[3, 2, 3], &px).unwrap(),
        encode_idx(&[3], &[4, 0, 9]).unwrap(),
    )
}

#[test]
fn header_layout_is_big_endian() {
    let (imgs, _) = sample();
    assert_eq!(
        &imgs[..16],
        &[0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3]
    );
    assert_eq!(imgs.len(), 16 + 18);
}

#[test]
fn raw_and_gzip_give_the_same_split() {
    let (imgs, labels) = sample();
    for gz in [false, true] {
        let (i, l) = if gz {
            (gzip(&imgs), gzip(&labels))
        } else {
            (imgs.clone(), labels.clone())
        };
        let s = IdxSplit::from_bytes(i, "i", l, "l").unwrap();
        assert_eq!(s.images().is_gzip(), gz);
        assert_eq!(s.len(), 3);
        assert_eq!(s.dims().channels, 1);
        assert_eq!((s.dims().height, s.dims().width), (2, 3));
        assert_eq!(s.pixels(2), &[20, 21, 22, 23, 24, 25]);
        assert_eq!((s.label(0), s.label(1), s.label(2)), (4, 0, 9));
        assert_eq!(s.num_classes(), 10);
        assert_eq!(s.class_counts(), [1, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    }
}

#[test]
fn files_on_disk_and_directory_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let (imgs, labels) = sample();
    let ip = dir.path().join("train-images-idx3-ubyte.gz");
    let lp = dir.path().join("train-labels-idx1-ubyte.gz");
    std::fs::write(&ip, gzip(&imgs)).unwrap();
    std::fs::write(&lp, gzip(&labels)).unwrap();
    std::fs::write(dir.path().join("t10k-images-idx3-ubyte"), &imgs).unwrap();
    std::fs::write(dir.path().join("t10k-labels-idx1-ubyte"), &labels).unwrap();
    assert_eq!(partner_path(&ip).unwrap(), lp);
    assert_eq!(partner_path(&lp).unwrap(), ip);
    let s = IdxSplit::open_pair(&ip, &lp).unwrap();
    assert_eq!(s.len(), 3);
    let d = IdxDir::open(dir.path()).unwrap();
    assert_eq!(d.train.unwrap().len(), 3);
    assert!(!d.test.as_ref().unwrap().images().is_gzip());
}

#[test]
fn bad_magic() {
    let (mut imgs, _) = sample();
    imgs[1] = 1;
    let (p, loc, msg) = format_error(IdxArray::from_bytes(imgs, "m.idx").unwrap_err());
    assert_eq!(
        (p.as_path(), loc),
        (Path::new("m.idx"), Location::Offset(0))
    );
    assert!(msg.contains("magic"), "{msg}");
}

#[test]
fn unsupported_type_and_zero_dimensions() {
    let (mut imgs, _) = sample();
    imgs[2] = 0x0D;
    let (_, loc, msg) = format_error(IdxArray::from_bytes(imgs.clone(), "t").unwrap_err());
    assert_eq!(loc, Location::Offset(2));
    assert!(msg.contains("0x0d") && msg.contains("f32"), "{msg}");
    let (_, loc, _) = format_error(IdxArray::from_bytes(vec![0, 0, 8, 0], "z").unwrap_err());
    assert_eq!(loc, Location::Offset(3));
}

#[test]
fn truncated_header() {
    let (_, loc, _) = format_error(IdxArray::from_bytes(vec![0, 0], "h").unwrap_err());
    assert_eq!(loc, Location::Offset(2));
    // Declares 3 dimensions but holds only one size.
    let (_, loc, msg) =
        format_error(IdxArray::from_bytes(vec![0, 0, 8, 3, 0, 0, 0, 1], "h").unwrap_err());
    assert_eq!(loc, Location::Offset(8));
    assert!(msg.contains("16 header bytes"), "{msg}");
}

#[test]
fn truncated_data_names_the_incomplete_record() {
    let (imgs, _) = sample();
    // Cut inside image 1 (bytes 16 + 6 .. 16 + 12).
    let cut = imgs[..16 + 8].to_vec();
    let (_, loc, msg) = format_error(IdxArray::from_bytes(cut.clone(), "cut").unwrap_err());
    assert_eq!(
        loc,
        Location::Record {
            record: 1,
            offset: 16 + 6
        }
    );
    assert!(msg.contains("need 18 data bytes, found 8"), "{msg}");
    // The same in a gzip stream (the offset is in the decompressed bytes).
    let (_, loc, msg) = format_error(IdxArray::from_bytes(gzip(&cut), "cut.gz").unwrap_err());
    assert_eq!(
        loc,
        Location::Record {
            record: 1,
            offset: 22
        }
    );
    assert!(msg.contains("decompressed"), "{msg}");
}

#[test]
fn trailing_bytes() {
    let (mut imgs, _) = sample();
    imgs.push(0);
    let (_, loc, msg) = format_error(IdxArray::from_bytes(imgs.clone(), "t").unwrap_err());
    assert_eq!(loc, Location::Offset(34));
    assert!(msg.contains("trailing"), "{msg}");
    assert!(IdxArray::from_bytes(gzip(&imgs), "t.gz").is_err());
}

#[test]
fn bad_gzip_stream() {
    let (imgs, _) = sample();
    let gz = gzip(&imgs);
    // Truncated compressed stream.
    let (p, _, msg) =
        format_error(IdxArray::from_bytes(gz[..gz.len() - 6].to_vec(), "cut.gz").unwrap_err());
    assert_eq!(p, Path::new("cut.gz"));
    assert!(msg.contains("gzip") || msg.contains("truncated"), "{msg}");
    // Corrupt CRC (the 8-byte trailer is CRC32 then size).
    let mut bad = gz.clone();
    let n = bad.len();
    bad[n - 8] ^= 0xff;
    let (p, loc, msg) = format_error(IdxArray::from_bytes(bad, "crc.gz").unwrap_err());
    assert_eq!(p, Path::new("crc.gz"));
    // The whole body decompressed (34 bytes) before the trailer check failed.
    assert_eq!(loc, Location::Offset(34));
    assert!(msg.contains("bad gzip stream"), "{msg}");
    // Garbage after the gzip magic.
    let (p, _, msg) = format_error(
        IdxArray::from_bytes(vec![0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "g.gz")
            .unwrap_err(),
    );
    assert_eq!(p, Path::new("g.gz"));
    assert!(msg.contains("gzip"), "{msg}");
}

#[test]
fn wrong_number_of_dimensions() {
    let (imgs, labels) = sample();
    // Labels given as the image file: 1 dimension where 3 are needed.
    let (p, loc, msg) =
        format_error(IdxSplit::from_bytes(labels.clone(), "l-as-i", labels, "l").unwrap_err());
    assert_eq!(
        (p.as_path(), loc),
        (Path::new("l-as-i"), Location::Offset(3))
    );
    assert!(msg.contains("3 dimensions"), "{msg}");
    let two_d = encode_idx(&[3, 1], &[1, 2, 3]).unwrap();
    let (p, _, msg) = format_error(IdxSplit::from_bytes(imgs, "i", two_d, "l2").unwrap_err());
    assert_eq!(p, Path::new("l2"));
    assert!(msg.contains("1 dimension"), "{msg}");
}

#[test]
fn image_and_label_counts_must_agree() {
    let (imgs, _) = sample();
    let labels = encode_idx(&[2], &[1, 2]).unwrap();
    let err = IdxSplit::from_bytes(imgs, "imgs", labels, "labels").unwrap_err();
    let text = err.to_string();
    let (p, _, msg) = format_error(err);
    assert_eq!(p, Path::new("labels"));
    assert!(
        msg.contains("2 labels") && msg.contains("3 images"),
        "{msg}"
    );
    assert!(text.contains("imgs"), "{text}");
}

/// Fashion-MNIST has 10 classes: a label 12 in record 1 of a label file is named (file, record,
/// byte offset 8 + 1) when the class names are attached, not carried into training.
#[test]
fn label_outside_the_named_classes() {
    let (imgs, _) = sample();
    let labels = encode_idx(&[3], &[4, 12, 9]).unwrap();
    let split = IdxSplit::from_bytes(imgs, "imgs", labels, "labels").unwrap();
    let names: Vec<String> = (0..10).map(|c| format!("class {c}")).collect();
    let (p, loc, msg) = format_error(split.with_class_names(names).unwrap_err());
    assert_eq!(p, Path::new("labels"));
    assert_eq!(
        loc,
        Location::Record {
            record: 1,
            offset: 9
        }
    );
    assert!(msg.contains("label 12") && msg.contains("0..=9"), "{msg}");
    // Labels within range are accepted and the class count becomes the number of names.
    let (imgs, labels) = sample();
    let split = IdxSplit::from_bytes(imgs, "imgs", labels, "labels").unwrap();
    let names: Vec<String> = (0..12).map(|c| format!("class {c}")).collect();
    assert_eq!(split.with_class_names(names).unwrap().num_classes(), 12);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes (raw, or behind a gzip magic) never panic, and an accepted file's
    /// dimensions account for exactly its data.
    #[test]
    fn arbitrary_bytes_never_panic(mut bytes in prop::collection::vec(any::<u8>(), 0..300), gz in any::<bool>()) {
        if gz && bytes.len() >= 2 {
            bytes[0] = 0x1f;
            bytes[1] = 0x8b;
        }
        match IdxArray::from_bytes(bytes.clone(), "f") {
            Ok(a) => prop_assert_eq!(a.dims().iter().product::<usize>(), a.data().len()),
            Err(Error::Format { path, .. }) => prop_assert_eq!(path, PathBuf::from("f")),
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }

    /// Valid headers with arbitrary (possibly huge) sizes and a short body are errors, not
    /// allocations or panics; gzip too.
    #[test]
    fn huge_declared_sizes_are_rejected(dims in prop::collection::vec(any::<u32>(), 1..5), tail in prop::collection::vec(any::<u8>(), 0..40), gz in any::<bool>()) {
        let mut b = vec![0, 0, 8, dims.len() as u8];
        for d in &dims { b.extend(d.to_be_bytes()); }
        b.extend(&tail);
        let b = if gz { gzip(&b) } else { b };
        let want: Option<usize> = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d as usize));
        let r = IdxArray::from_bytes(b, "h");
        prop_assert_eq!(r.is_ok(), want == Some(tail.len()));
    }

    /// Round trip through encode_idx, raw and gzip.
    #[test]
    fn round_trip(n in 0usize..5, r in 1usize..4, c in 1usize..4, seed in any::<u8>(), gz in any::<bool>()) {
        let px: Vec<u8> = (0..n * r * c).map(|k| (k as u8).wrapping_mul(seed)).collect();
        let labels: Vec<u8> = (0..n).map(|k| (k % 10) as u8).collect();
        let (mut i, mut l) = (encode_idx(&[n, r, c], &px).unwrap(), encode_idx(&[n], &labels).unwrap());
        if gz { i = gzip(&i); l = gzip(&l); }
        let s = IdxSplit::from_bytes(i, "i", l, "l").unwrap();
        prop_assert_eq!(s.len(), n);
        for k in 0..n {
            prop_assert_eq!(s.pixels(k), &px[k * r * c..(k + 1) * r * c]);
            prop_assert_eq!(s.label(k), k % 10);
        }
    }
}

/// Dimensions whose product is exactly `2^64 − 1` (= 65535 · 42009217 · 6700417) must not
/// overflow the "read one byte more than declared" bound in the gzip path.
#[test]
fn maximal_declared_size_does_not_overflow() {
    let mut b = vec![0, 0, 8, 3];
    for d in [65535u32, 42_009_217, 6_700_417] {
        b.extend(d.to_be_bytes());
    }
    assert_eq!(
        65535u128 * 42_009_217 * 6_700_417,
        u64::MAX as u128,
        "the factorisation"
    );
    assert!(IdxArray::from_bytes(b.clone(), "raw").is_err());
    assert!(IdxArray::from_bytes(gzip(&b), "max.gz").is_err());
}
