//! The synthetic CIFAR-format dataset: file layout, determinism, balance, and learnability.
//!
//! Layout: a CIFAR-10 binary file is a sequence of 3,073-byte records — 1 label byte, then the
//! red, green and blue planes of 32 × 32 bytes each, row-major. So a file of `n` images is
//! exactly `3073·n` bytes, and image `i`'s red pixel `(y, x)` is at byte `3073·i + 1 + 32·y + x`.
//!
//! Learnability: the classes differ in shape, not colour. The check below parses the written
//! files independently, computes a histogram of gradient orientations (HOG-like: for the
//! luminance `L`, `gx = L(x+1) − L(x−1)`, `gy = L(y+1) − L(y−1)`, orientation `atan2(gy, gx)`
//! mod π in 6 bins weighted by `√(gx² + gy²)`, normalised to sum 1, plus the fraction of
//! strong-edge pixels) and classifies test images by the nearest class centroid (Euclidean, on
//! z-scored features). That must beat the 10% of chance by far, while the same classifier on the
//! three mean channel levels must stay close to chance.

use lepton::data::synthetic::{
    generate, generate_splits, write_cifar_dir, SyntheticConfig, CLASS_NAMES, IMAGE_BYTES, PLANE,
    RECORD_BYTES,
};
use lepton::Error;

/// Splits a CIFAR-10 file into (labels, images), checking the size is a whole number of records.
fn parse_cifar(bytes: &[u8]) -> (Vec<u8>, Vec<&[u8]>) {
    assert_eq!(
        bytes.len() % 3073,
        0,
        "not a whole number of 3073-byte records"
    );
    bytes.chunks_exact(3073).map(|r| (r[0], &r[1..])).unzip()
}

#[test]
fn files_have_cifar_layout_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let config = SyntheticConfig {
        train_per_class: 20,
        test_per_class: 5,
        train_batches: 3,
        seed: 11,
    };
    write_cifar_dir(dir.path(), &config).unwrap();
    // 200 training images over 3 files: 67, 67, 66.
    let mut train = Vec::new();
    for (b, n) in [(1, 67), (2, 67), (3, 66)] {
        let bytes = std::fs::read(dir.path().join(format!("data_batch_{b}.bin"))).unwrap();
        assert_eq!(bytes.len(), n * 3073, "data_batch_{b}.bin");
        train.extend(bytes);
    }
    assert!(!dir.path().join("data_batch_4.bin").exists());
    let test = std::fs::read(dir.path().join("test_batch.bin")).unwrap();
    assert_eq!(test.len(), 50 * 3073);
    let meta = std::fs::read_to_string(dir.path().join("batches.meta.txt")).unwrap();
    assert_eq!(
        meta,
        "disc\nring\nsquare\ndiamond\ntriangle\nplus\ncross\nh-stripes\nv-stripes\ncheckerboard\n\n"
    );
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 5);

    // The files hold exactly the in-memory dataset, record by record.
    let (train_mem, test_mem) = generate_splits(&config);
    assert_eq!(train, train_mem.to_cifar_records());
    assert_eq!(test, test_mem.to_cifar_records());
    assert_eq!((RECORD_BYTES, IMAGE_BYTES, PLANE), (3073, 3072, 1024));

    // Balanced classes, labels in range, the order shuffled (not 0,0,…,1,1,…).
    let (labels, _) = parse_cifar(&train);
    for c in 0..10u8 {
        assert_eq!(labels.iter().filter(|&&l| l == c).count(), 20, "class {c}");
    }
    assert!(labels.windows(2).any(|w| w[1] < w[0]));
    let (test_labels, _) = parse_cifar(&test);
    for c in 0..10u8 {
        assert_eq!(test_labels.iter().filter(|&&l| l == c).count(), 5);
    }
}

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    assert_eq!(generate(4, 3), generate(4, 3));
    assert_ne!(generate(4, 3).pixels, generate(4, 4).pixels);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let config = SyntheticConfig {
        train_per_class: 3,
        test_per_class: 2,
        train_batches: 1,
        seed: 99,
    };
    write_cifar_dir(a.path(), &config).unwrap();
    write_cifar_dir(b.path(), &config).unwrap();
    for f in ["data_batch_1.bin", "test_batch.bin", "batches.meta.txt"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
    // The test set is not a copy of the training set.
    assert_ne!(
        std::fs::read(a.path().join("data_batch_1.bin")).unwrap()[..3073 * 20],
        std::fs::read(a.path().join("test_batch.bin")).unwrap()[..]
    );
}

#[test]
fn bad_configuration_and_unwritable_directory_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let zero_batches = SyntheticConfig {
        train_batches: 0,
        ..SyntheticConfig::default()
    };
    assert!(matches!(
        write_cifar_dir(dir.path(), &zero_batches),
        Err(Error::InvalidArgument(_))
    ));
    // A regular file where the directory should be.
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let target = file.join("cifar");
    match write_cifar_dir(&target, &SyntheticConfig::default()) {
        Err(Error::Io { path, .. }) => assert_eq!(path, target),
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

/// HOG-like features of one image (see the file header).
fn orientation_features(img: &[u8]) -> Vec<f64> {
    let lum = |y: usize, x: usize| {
        0.299 * f64::from(img[y * 32 + x])
            + 0.587 * f64::from(img[PLANE + y * 32 + x])
            + 0.114 * f64::from(img[2 * PLANE + y * 32 + x])
    };
    let mut hist = [0.0f64; 6];
    let mut mags = Vec::with_capacity(30 * 30);
    for y in 1..31 {
        for x in 1..31 {
            let gx = lum(y, x + 1) - lum(y, x - 1);
            let gy = lum(y + 1, x) - lum(y - 1, x);
            let m = (gx * gx + gy * gy).sqrt();
            let theta = gy.atan2(gx).rem_euclid(std::f64::consts::PI);
            let bin = ((theta / std::f64::consts::PI * 6.0) as usize).min(5);
            hist[bin] += m;
            mags.push(m);
        }
    }
    let total: f64 = hist.iter().sum();
    let strong = mags.iter().fold(0.0f64, |a, &m| a.max(m)) * 0.5;
    let edge_fraction = mags.iter().filter(|&&m| m > strong).count() as f64 / mags.len() as f64;
    let mut f: Vec<f64> = hist.iter().map(|h| h / total).collect();
    f.push(edge_fraction);
    f
}

fn mean_colour(img: &[u8]) -> Vec<f64> {
    (0..3)
        .map(|c| {
            img[c * PLANE..(c + 1) * PLANE]
                .iter()
                .map(|&v| f64::from(v))
                .sum::<f64>()
                / 1024.0
        })
        .collect()
}

/// Nearest-centroid accuracy on z-scored features.
fn nearest_centroid_accuracy(train: &[(u8, Vec<f64>)], test: &[(u8, Vec<f64>)]) -> f64 {
    let d = train[0].1.len();
    let n = train.len() as f64;
    let mean: Vec<f64> = (0..d)
        .map(|j| train.iter().map(|(_, f)| f[j]).sum::<f64>() / n)
        .collect();
    let sd: Vec<f64> = (0..d)
        .map(|j| {
            (train
                .iter()
                .map(|(_, f)| (f[j] - mean[j]).powi(2))
                .sum::<f64>()
                / n)
                .sqrt()
                .max(1e-12)
        })
        .collect();
    let z = |f: &[f64]| -> Vec<f64> { (0..d).map(|j| (f[j] - mean[j]) / sd[j]).collect() };
    let mut centroids = vec![vec![0.0; d]; 10];
    let mut counts = [0usize; 10];
    for (l, f) in train {
        for (c, v) in centroids[usize::from(*l)].iter_mut().zip(z(f)) {
            *c += v;
        }
        counts[usize::from(*l)] += 1;
    }
    for (c, &k) in centroids.iter_mut().zip(&counts) {
        c.iter_mut().for_each(|v| *v /= k as f64);
    }
    let correct = test
        .iter()
        .filter(|(l, f)| {
            let zf = z(f);
            let best = (0..10)
                .min_by(|&a, &b| {
                    let da: f64 = centroids[a]
                        .iter()
                        .zip(&zf)
                        .map(|(c, v)| (c - v).powi(2))
                        .sum();
                    let db: f64 = centroids[b]
                        .iter()
                        .zip(&zf)
                        .map(|(c, v)| (c - v).powi(2))
                        .sum();
                    da.total_cmp(&db)
                })
                .unwrap();
            best == usize::from(*l)
        })
        .count();
    correct as f64 / test.len() as f64
}

#[test]
fn classes_are_separable_by_shape_but_not_by_mean_colour() {
    let dir = tempfile::tempdir().unwrap();
    let config = SyntheticConfig {
        train_per_class: 100,
        test_per_class: 40,
        train_batches: 1,
        seed: 2024,
    };
    write_cifar_dir(dir.path(), &config).unwrap();
    let train_bytes = std::fs::read(dir.path().join("data_batch_1.bin")).unwrap();
    let test_bytes = std::fs::read(dir.path().join("test_batch.bin")).unwrap();
    let (train_labels, train_imgs) = parse_cifar(&train_bytes);
    let (test_labels, test_imgs) = parse_cifar(&test_bytes);
    let features =
        |labels: &[u8], imgs: &[&[u8]], f: fn(&[u8]) -> Vec<f64>| -> Vec<(u8, Vec<f64>)> {
            labels.iter().zip(imgs).map(|(&l, &i)| (l, f(i))).collect()
        };
    let shape_acc = nearest_centroid_accuracy(
        &features(&train_labels, &train_imgs, orientation_features),
        &features(&test_labels, &test_imgs, orientation_features),
    );
    let colour_acc = nearest_centroid_accuracy(
        &features(&train_labels, &train_imgs, mean_colour),
        &features(&test_labels, &test_imgs, mean_colour),
    );
    eprintln!(
        "nearest centroid on 400 test images ({} classes): orientation features {shape_acc:.3}, \
         mean colour {colour_acc:.3}",
        CLASS_NAMES.len()
    );
    assert!(shape_acc >= 0.5, "orientation features: {shape_acc}");
    assert!(colour_acc <= 0.25, "mean colour: {colour_acc}");
}
