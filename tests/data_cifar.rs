//! CIFAR-10/100 binary reader.
//!
//! The format is a bare sequence of fixed-size records. A CIFAR-10 record is 1 + 3072 = 3073
//! bytes: `label < 10`, then the red 32×32 plane, the green plane, the blue plane, each
//! row-major. A CIFAR-100 record is 2 + 3072 = 3074 bytes: `coarse < 20`, `fine < 100`, then the
//! same planes. So record `r` starts at byte `r · 3073` (or `r · 3074`), its label is byte 0 of
//! the record and pixel `(c, y, x)` is byte `label_bytes + c·1024 + y·32 + x`.
//!
//! A file is valid iff its size is a non-zero multiple of the record size and every label byte
//! is below its limit. These tests build files with [`CifarWriter`] or by hand, check what the
//! reader returns against those formulas, and check that each kind of bad file yields an
//! `Error::Format` naming the file, the record and its byte offset.

use lepton::data::{Cifar10, Cifar100, CifarKind, CifarSplit, CifarWriter, ImageDataset};
use lepton::error::{Error, Location};
use proptest::prelude::*;
use std::path::Path;

/// A recognisable image: pixel (c, y, x) = (seed + 3c + 5y + 7x) mod 256.
fn image(seed: u8) -> Vec<u8> {
    let mut v = Vec::with_capacity(3072);
    for c in 0..3usize {
        for y in 0..32usize {
            for x in 0..32usize {
                v.push((seed as usize + 3 * c + 5 * y + 7 * x) as u8);
            }
        }
    }
    v
}

fn write_cifar10(path: &Path, labels: &[u8]) {
    let mut w = CifarWriter::new(CifarKind::Cifar10);
    for (i, &l) in labels.iter().enumerate() {
        w.push(&[l], &image(i as u8)).unwrap();
    }
    w.write(path).unwrap();
}

fn format_error(e: Error) -> (std::path::PathBuf, Location, String) {
    match e {
        Error::Format {
            path,
            location,
            message,
        } => (path, location, message),
        other => panic!("expected a Format error, got {other:?}"),
    }
}

#[test]
fn opens_any_subset_and_indexes_across_files() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar10(&dir.path().join("data_batch_1.bin"), &[0, 1, 2]);
    write_cifar10(&dir.path().join("data_batch_3.bin"), &[9, 8]);
    write_cifar10(&dir.path().join("test_batch.bin"), &[5]);
    std::fs::write(
        dir.path().join("batches.meta.txt"),
        "a\nb\nc\n\nd\ne\nf\ng\nh\ni\nj\n\n",
    )
    .unwrap();
    let c = Cifar10::open(dir.path()).unwrap();
    assert_eq!(c.train().len(), 5);
    assert_eq!(c.test().len(), 1);
    assert_eq!(
        c.missing(),
        ["data_batch_2.bin", "data_batch_4.bin", "data_batch_5.bin"]
    );
    assert_eq!(c.found().len(), 3);
    assert_eq!(
        c.class_names(),
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
    );
    // Records 0..3 come from batch 1, 3..5 from batch 3 (in file order).
    let labels: Vec<usize> = (0..5).map(|i| c.train().label(i)).collect();
    assert_eq!(labels, [0, 1, 2, 9, 8]);
    // Record 3 is the first record of data_batch_3.bin, written with image(0).
    assert_eq!(c.train().pixels(3), image(0).as_slice());
    assert_eq!(c.train().pixels(4), image(1).as_slice());
    // Pixel (c=2, y=1, x=3) of image(2) is 2 + 6 + 5 + 21 = 34.
    assert_eq!(c.train().pixels(2)[2 * 1024 + 32 + 3], 34);
    assert_eq!(c.test().label(0), 5);
    assert_eq!(c.train().class_counts()[9], 1);
    assert_eq!(ImageDataset::num_classes(c.train()), 10);
}

#[test]
fn default_class_names_without_meta() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar10(&dir.path().join("test_batch.bin"), &[1]);
    let c = Cifar10::open(dir.path()).unwrap();
    assert_eq!(c.class_names()[1], "automobile");
    assert!(c.train().is_empty());
}

#[test]
fn pixels_are_zero_copy_views_of_the_record() {
    // Build the bytes by hand, not with the writer: label 7, then R = 1, G = 2, B = 3.
    let mut bytes = vec![7u8];
    for v in [1u8, 2, 3] {
        bytes.extend(std::iter::repeat_n(v, 1024));
    }
    let s = CifarSplit::from_bytes(CifarKind::Cifar10, bytes, "hand.bin").unwrap();
    assert_eq!(s.label(0), 7);
    assert_eq!(s.coarse_label(0), None);
    let px = s.pixels(0);
    assert_eq!(
        (px[0], px[1023], px[1024], px[2047], px[2048], px[3071]),
        (1, 1, 2, 2, 3, 3)
    );
}

#[test]
fn truncated_file_names_file_record_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data_batch_2.bin");
    write_cifar10(&path, &[1, 2, 3]);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..2 * 3073 + 100]).unwrap();
    let (p, loc, msg) = format_error(Cifar10::open(dir.path()).unwrap_err());
    assert_eq!(p, path);
    assert_eq!(
        loc,
        Location::Record {
            record: 2,
            offset: 2 * 3073
        }
    );
    assert!(msg.contains("truncated") && msg.contains("3073"), "{msg}");
}

#[test]
fn size_not_a_whole_number_of_records() {
    // One extra byte after a complete record.
    let mut bytes = CifarWriter::new(CifarKind::Cifar10);
    bytes.push(&[0], &image(0)).unwrap();
    let mut b = bytes.as_bytes().to_vec();
    b.push(0);
    let (p, loc, msg) =
        format_error(CifarSplit::from_bytes(CifarKind::Cifar10, b, "extra.bin").unwrap_err());
    assert_eq!(p, Path::new("extra.bin"));
    assert_eq!(
        loc,
        Location::Record {
            record: 1,
            offset: 3073
        }
    );
    assert!(msg.contains("3074 bytes"), "{msg}");
}

#[test]
fn empty_file_is_an_error() {
    let (_, loc, msg) =
        format_error(CifarSplit::from_bytes(CifarKind::Cifar10, vec![], "empty.bin").unwrap_err());
    assert_eq!(loc, Location::File);
    assert!(msg.contains("empty"), "{msg}");
}

#[test]
fn label_out_of_range_names_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test_batch.bin");
    write_cifar10(&path, &[1, 2, 3]);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[2 * 3073] = 10; // record 2's label
    std::fs::write(&path, &bytes).unwrap();
    let err = Cifar10::open(dir.path()).unwrap_err();
    let text = err.to_string();
    let (p, loc, msg) = format_error(err);
    assert_eq!(p, path);
    assert_eq!(
        loc,
        Location::Record {
            record: 2,
            offset: 2 * 3073
        }
    );
    assert!(msg.contains("label 10") && msg.contains("0..=9"), "{msg}");
    assert!(
        text.contains("test_batch.bin") && text.contains("record 2"),
        "{text}"
    );
}

#[test]
fn directory_without_batches_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("readme.txt"), "hi").unwrap();
    let (p, _, msg) = format_error(Cifar10::open(dir.path()).unwrap_err());
    assert_eq!(p, dir.path());
    assert!(msg.contains("no CIFAR-10 batch files"), "{msg}");
    // A path that does not exist is an I/O error naming it.
    let missing = dir.path().join("nope");
    match Cifar10::open(&missing).unwrap_err() {
        Error::Io { path, .. } => assert_eq!(path, missing),
        e => panic!("{e:?}"),
    }
}

#[test]
fn meta_file_with_wrong_count_or_bad_utf8() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar10(&dir.path().join("test_batch.bin"), &[1]);
    let meta = dir.path().join("batches.meta.txt");
    std::fs::write(&meta, "a\nb\n\n").unwrap();
    let (p, loc, msg) = format_error(Cifar10::open(dir.path()).unwrap_err());
    assert_eq!((p.as_path(), loc), (meta.as_path(), Location::File));
    assert!(msg.contains("found 2 class names, expected 10"), "{msg}");

    std::fs::write(&meta, b"a\nb\n\xff\xfe\n").unwrap();
    let (_, loc, _) = format_error(Cifar10::open(dir.path()).unwrap_err());
    assert_eq!(
        loc,
        Location::Line {
            line: 3,
            column: None
        }
    );

    let eleven: String = (0..11).map(|i| format!("c{i}\n")).collect();
    std::fs::write(&meta, eleven).unwrap();
    let (_, loc, _) = format_error(Cifar10::open(dir.path()).unwrap_err());
    assert_eq!(
        loc,
        Location::Line {
            line: 11,
            column: None
        }
    );
}

#[test]
fn cifar100_coarse_and_fine_labels() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = CifarWriter::new(CifarKind::Cifar100);
    w.push(&[19, 99], &image(1)).unwrap();
    w.push(&[0, 42], &image(2)).unwrap();
    w.write(dir.path().join("train.bin")).unwrap();
    let fine: String = (0..100).map(|i| format!("fine{i}\n")).collect();
    std::fs::write(dir.path().join("fine_label_names.txt"), fine).unwrap();
    let c = Cifar100::open(dir.path()).unwrap();
    assert_eq!(c.train().len(), 2);
    assert!(c.test().is_empty());
    assert_eq!(
        (c.train().label(0), c.train().coarse_label(0)),
        (99, Some(19))
    );
    assert_eq!(
        (c.train().label(1), c.train().coarse_label(1)),
        (42, Some(0))
    );
    assert_eq!(c.train().pixels(1), image(2).as_slice());
    assert_eq!(c.fine_class_names()[42], "fine42");
    assert!(c.coarse_class_names().is_empty());
    assert_eq!(ImageDataset::num_classes(c.train()), 100);
}

#[test]
fn cifar100_label_limits() {
    for (labels, byte, what) in [
        ([20u8, 0u8], 0u64, "coarse label 20"),
        ([0, 100], 1, "fine label 100"),
    ] {
        let mut bytes = labels.to_vec();
        bytes.extend(image(0));
        let mut two = vec![0u8, 0];
        two.extend(image(0));
        two.extend(bytes); // the bad record is record 1
        let (_, loc, msg) =
            format_error(CifarSplit::from_bytes(CifarKind::Cifar100, two, "c100.bin").unwrap_err());
        assert_eq!(
            loc,
            Location::Record {
                record: 1,
                offset: 3074 + byte
            }
        );
        assert!(msg.contains(what), "{msg}");
    }
    // A CIFAR-10 file read as CIFAR-100 is (almost always) not a whole number of records.
    let mut w = CifarWriter::new(CifarKind::Cifar10);
    w.push(&[1], &image(0)).unwrap();
    assert!(CifarSplit::from_bytes(CifarKind::Cifar100, w.as_bytes().to_vec(), "x").is_err());
}

#[test]
fn writer_rejects_bad_records() {
    let mut w = CifarWriter::new(CifarKind::Cifar10);
    assert!(w.push(&[10], &image(0)).is_err());
    assert!(w.push(&[1, 1], &image(0)).is_err());
    assert!(w.push(&[1], &[0; 100]).is_err());
    assert!(w.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes never panic: either a valid split whose every record is readable, or a
    /// Format error naming the input.
    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..8000),
        hundred in any::<bool>(),
    ) {
        let kind = if hundred { CifarKind::Cifar100 } else { CifarKind::Cifar10 };
        match CifarSplit::from_bytes(kind, bytes.clone(), "fuzz.bin") {
            Ok(s) => {
                prop_assert_eq!(s.len() * kind.record_bytes(), bytes.len());
                for i in 0..s.len() {
                    prop_assert!(s.label(i) < kind.num_classes());
                    prop_assert_eq!(s.pixels(i).len(), 3072);
                }
            }
            Err(Error::Format { path, .. }) => prop_assert_eq!(path, Path::new("fuzz.bin")),
            Err(e) => prop_assert!(false, "unexpected error {:?}", e),
        }
    }

    /// Writer → reader round trip.
    #[test]
    fn round_trip(labels in prop::collection::vec(0u8..10, 1..6), seed in any::<u8>()) {
        let mut w = CifarWriter::new(CifarKind::Cifar10);
        for &l in &labels {
            w.push(&[l], &image(seed.wrapping_add(l))).unwrap();
        }
        let s = CifarSplit::from_bytes(CifarKind::Cifar10, w.as_bytes().to_vec(), "rt").unwrap();
        prop_assert_eq!(s.len(), labels.len());
        for (i, &l) in labels.iter().enumerate() {
            prop_assert_eq!(s.label(i), l as usize);
            let want = image(seed.wrapping_add(l));
            prop_assert_eq!(s.pixels(i), want.as_slice());
        }
    }
}
