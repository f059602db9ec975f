//! The Batcher: from 8-bit CHW images to normalised `f32` `[B, C, H, W]` batches.
//!
//! Normalisation is per channel: `out = (p / 255 − mean[c]) / std[c]`. For CIFAR-10's usual
//! statistics (mean R = 0.4914, std R = 0.2470), a red byte of 255 becomes
//! `(1 − 0.4914) / 0.2470 = 2.059109…` and a red byte of 0 becomes `−0.4914 / 0.2470 = −1.989474…`.
//!
//! Augmentation is a random crop of the image padded with `P` black pixels per side, at offset
//! `(dy, dx) ∈ [0, 2P]²`, optionally mirrored: `out[y][x] = src[y + dy − P][x' + dx − P]` with
//! `x' = W − 1 − x` when flipped, black (byte 0, then normalised) outside the source. So with
//! `P = 4`, offset `(0, 0)` shifts the image 4 pixels down and right; `(4, 4)` is the identity;
//! `(8, 8)` shifts it up and left. Zero-padding to a larger canvas (`pad_to`) centres the image.
//!
//! Shuffling draws a permutation from `(seed, epoch)`; each image's augmentation comes from
//! `(seed, epoch, index)`, so the batches must be bit-identical at 1 and 2 threads.

use lepton::data::{
    Augment, BatchConfig, Batcher, CifarKind, CifarSplit, CifarWriter, ImageAugmentation,
    ImageDataset, ImageDims, Normalize,
};

/// A tiny in-memory dataset, to show the trait is all the Batcher needs.
struct Gray {
    dims: ImageDims,
    images: Vec<Vec<u8>>,
    labels: Vec<usize>,
}

impl ImageDataset for Gray {
    fn len(&self) -> usize {
        self.images.len()
    }
    fn dims(&self) -> ImageDims {
        self.dims
    }
    fn label(&self, i: usize) -> usize {
        self.labels[i]
    }
    fn pixels(&self, i: usize) -> &[u8] {
        &self.images[i]
    }
    fn num_classes(&self) -> usize {
        10
    }
    fn class_names(&self) -> &[String] {
        &[]
    }
}

/// Pixel (c, y, x) of image i = (i + 3c + 5y + 7x) mod 256: every shift is visible.
fn pattern(i: usize) -> Vec<u8> {
    (0..3)
        .flat_map(|c| {
            (0..32).flat_map(move |y| (0..32).map(move |x| (i + 3 * c + 5 * y + 7 * x) as u8))
        })
        .collect()
}

fn cifar(n: usize) -> CifarSplit {
    let mut w = CifarWriter::new(CifarKind::Cifar10);
    for i in 0..n {
        w.push(&[(i % 10) as u8], &pattern(i)).unwrap();
    }
    CifarSplit::from_bytes(CifarKind::Cifar10, w.as_bytes().to_vec(), "mem.bin").unwrap()
}

/// `p · (1/255)` and `p / 255` may differ in the last bit; positions are what these tests check.
fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-6
}

fn cfg(batch_size: usize) -> BatchConfig {
    BatchConfig {
        batch_size,
        ..BatchConfig::default()
    }
}

#[test]
fn normalisation_matches_hand_computation() {
    // Image 0: R plane all 255, G plane all 0, B plane all 128.
    let mut px = vec![255u8; 1024];
    px.extend([0u8; 1024]);
    px.extend([128u8; 1024]);
    let mut w = CifarWriter::new(CifarKind::Cifar10);
    w.push(&[4], &px).unwrap();
    let s = CifarSplit::from_bytes(CifarKind::Cifar10, w.as_bytes().to_vec(), "m").unwrap();
    let b = Batcher::new(&s, cfg(1)).unwrap();
    let batch = b.epoch(0).next().unwrap();
    let d = batch.images.data();
    assert_eq!(batch.images.shape(), &[1, 3, 32, 32]);
    assert_eq!(batch.labels, [4]);
    // (1 − 0.4914)/0.2470, (0 − 0.4822)/0.2435, (128/255 − 0.4465)/0.2616
    let want = [2.059_109_3, -1.980_287_5, 0.212_006];
    for (c, w) in want.iter().enumerate() {
        for &v in &d[c * 1024..(c + 1) * 1024] {
            assert!((v - w).abs() < 1e-5, "channel {c}: {v} vs {w}");
        }
    }
    // Scale01: 128 / 255 = 0.50196.
    let b = Batcher::new(
        &s,
        BatchConfig {
            normalize: Normalize::Scale01,
            ..cfg(1)
        },
    )
    .unwrap();
    let batch = b.epoch(0).next().unwrap();
    assert!((batch.images.data()[2048] - 0.501_960_8).abs() < 1e-6);
    assert!(close(batch.images.data()[0], 1.0));
}

fn scale01_with(augment: Augment) -> BatchConfig {
    BatchConfig {
        normalize: Normalize::Scale01,
        augment,
        ..cfg(4)
    }
}

#[test]
fn crop_offsets_shift_the_image() {
    let s = cifar(3);
    let b = Batcher::new(&s, scale01_with(Augment::standard())).unwrap();
    let src = pattern(2);
    let at = |c: usize, y: usize, x: usize| src[c * 1024 + y * 32 + x] as f32 / 255.0;
    // (4, 4), no flip: identity.
    let id = b.render(
        2,
        ImageAugmentation {
            dy: 4,
            dx: 4,
            flip: false,
        },
    );
    assert!(id
        .iter()
        .zip(&src)
        .all(|(&v, &p)| close(v, p as f32 / 255.0)));
    // (0, 0): shifted 4 down and 4 right; the top 4 rows and left 4 columns are black.
    let o = b.render(
        2,
        ImageAugmentation {
            dy: 0,
            dx: 0,
            flip: false,
        },
    );
    for c in 0..3 {
        for y in 0..32 {
            for x in 0..32 {
                let v = o[c * 1024 + y * 32 + x];
                if y < 4 || x < 4 {
                    assert_eq!(v, 0.0, "({c},{y},{x})");
                } else {
                    assert!(close(v, at(c, y - 4, x - 4)), "({c},{y},{x})");
                }
            }
        }
    }
    // (8, 1): source row y + 4, column x − 3.
    let o = b.render(
        2,
        ImageAugmentation {
            dy: 8,
            dx: 1,
            flip: false,
        },
    );
    assert_eq!(o[0], 0.0); // x − 3 < 0
    assert!(close(o[3], at(0, 4, 0)));
    assert!(close(o[27 * 32 + 31], at(0, 31, 28)));
    assert_eq!(o[28 * 32 + 10], 0.0); // row 32 is outside
}

#[test]
fn flip_mirrors_columns() {
    let s = cifar(1);
    let b = Batcher::new(&s, scale01_with(Augment::standard())).unwrap();
    let src = pattern(0);
    let at = |c: usize, y: usize, x: usize| src[c * 1024 + y * 32 + x] as f32 / 255.0;
    let o = b.render(
        0,
        ImageAugmentation {
            dy: 4,
            dx: 4,
            flip: true,
        },
    );
    for c in 0..3 {
        for y in 0..32 {
            for x in 0..32 {
                assert!(close(o[c * 1024 + y * 32 + x], at(c, y, 31 - x)));
            }
        }
    }
    // Flip with dx = 6: out[y][x] = src[y][(31 − x) + 2], black where 33 − x > 31.
    let o = b.render(
        0,
        ImageAugmentation {
            dy: 4,
            dx: 6,
            flip: true,
        },
    );
    assert_eq!(o[0], 0.0);
    assert_eq!(o[1], 0.0);
    assert!(close(o[2], at(0, 0, 31)));
    assert!(close(o[31], at(0, 0, 2)));
}

#[test]
fn padding_is_black_before_normalisation() {
    // With CIFAR normalisation the padded pixels are (0 − mean)/std, not 0.
    let s = cifar(1);
    let b = Batcher::new(
        &s,
        BatchConfig {
            augment: Augment::standard(),
            ..cfg(1)
        },
    )
    .unwrap();
    let o = b.render(
        0,
        ImageAugmentation {
            dy: 0,
            dx: 0,
            flip: false,
        },
    );
    assert!((o[0] - (-0.4914 / 0.2470)).abs() < 1e-6);
    assert!((o[2048] - (-0.4465 / 0.2616)).abs() < 1e-6);
}

/// An independent, slow rendering straight from the formula in the module docs.
fn reference_render(src: &[u8], aug: ImageAugmentation, p: isize, norm: &[(f32, f32)]) -> Vec<f32> {
    let mut out = Vec::new();
    for (c, &(mean, std)) in norm.iter().enumerate() {
        for y in 0..32isize {
            for x in 0..32isize {
                let xs = if aug.flip { 31 - x } else { x };
                let (r, q) = (y + aug.dy as isize - p, xs + aug.dx as isize - p);
                let byte = if (0..32).contains(&r) && (0..32).contains(&q) {
                    src[c * 1024 + (r * 32 + q) as usize]
                } else {
                    0
                };
                out.push(((byte as f64 / 255.0 - mean as f64) / std as f64) as f32);
            }
        }
    }
    out
}

#[test]
fn assembled_batches_match_the_formula_for_drawn_augmentations() {
    let s = cifar(13);
    let b = Batcher::new(
        &s,
        BatchConfig {
            augment: Augment::standard(),
            seed: 7,
            ..cfg(5)
        },
    )
    .unwrap();
    let norm: Vec<(f32, f32)> = (0..3)
        .map(|c| {
            (
                lepton::data::batcher::CIFAR10_MEAN[c],
                lepton::data::batcher::CIFAR10_STD[c],
            )
        })
        .collect();
    let mut seen_flip = [false; 2];
    let mut seen_dy = [false; 9];
    for epoch in 0..3 {
        for batch in b.epoch(epoch) {
            for (k, &i) in batch.indices.iter().enumerate() {
                let aug = b.augmentation(epoch, i);
                assert!(aug.dy <= 8 && aug.dx <= 8);
                seen_flip[aug.flip as usize] = true;
                seen_dy[aug.dy] = true;
                assert_eq!(batch.labels[k], i % 10);
                let got = &batch.images.data()[k * 3072..(k + 1) * 3072];
                let want = reference_render(&pattern(i), aug, 4, &norm);
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - w).abs() < 1e-5, "{g} vs {w}");
                }
            }
        }
    }
    assert_eq!(seen_flip, [true, true]);
    assert!(seen_dy.iter().filter(|&&s| s).count() >= 6, "{seen_dy:?}");
}

#[test]
fn epochs_visit_a_permutation_and_keep_or_drop_the_tail() {
    let s = cifar(10);
    let b = Batcher::new(&s, cfg(4)).unwrap();
    assert_eq!(b.batches_per_epoch(), 3);
    let batches: Vec<_> = b.epoch(1).collect();
    assert_eq!(
        batches.iter().map(|x| x.labels.len()).collect::<Vec<_>>(),
        [4, 4, 2]
    );
    let mut all: Vec<usize> = batches.iter().flat_map(|x| x.indices.clone()).collect();
    assert_eq!(all, b.order(1));
    all.sort();
    assert_eq!(all, (0..10).collect::<Vec<_>>());
    // Different epochs shuffle differently; the same epoch the same way.
    assert_ne!(b.order(1), b.order(2));
    assert_eq!(b.order(1), b.order(1));

    let d = Batcher::new(
        &s,
        BatchConfig {
            drop_last: true,
            ..cfg(4)
        },
    )
    .unwrap();
    assert_eq!(
        d.epoch(0).map(|x| x.labels.len()).collect::<Vec<_>>(),
        [4, 4]
    );

    let plain = Batcher::new(
        &s,
        BatchConfig {
            shuffle: false,
            ..cfg(4)
        },
    )
    .unwrap();
    assert_eq!(plain.order(5), (0..10).collect::<Vec<_>>());
}

#[test]
fn same_seed_same_batches_at_one_and_two_threads() {
    let s = cifar(37);
    let config = BatchConfig {
        augment: Augment::standard(),
        seed: 123,
        ..cfg(8)
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let b = Batcher::new(&s, config.clone()).unwrap();
            (0..2)
                .flat_map(|e| b.epoch(e).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        })
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one.len(), 10);
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(a.indices, b.indices);
        assert_eq!(a.labels, b.labels);
        let bits = |t: &lepton::Tensor| t.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.images), bits(&b.images));
    }
    // A different seed changes the order.
    let other = Batcher::new(
        &s,
        BatchConfig {
            seed: 124,
            ..config
        },
    )
    .unwrap();
    assert_ne!(other.order(0), Batcher::new(&s, cfg(8)).unwrap().order(0));
}

#[test]
fn one_channel_images_padded_to_32() {
    let img: Vec<u8> = (0..28 * 28).map(|k| (k % 200) as u8 + 1).collect();
    let g = Gray {
        dims: ImageDims {
            channels: 1,
            height: 28,
            width: 28,
        },
        images: vec![img.clone()],
        labels: vec![3],
    };
    let b = Batcher::new(
        &g,
        BatchConfig {
            normalize: Normalize::Scale01,
            pad_to: Some((32, 32)),
            ..cfg(1)
        },
    )
    .unwrap();
    let batch = b.epoch(0).next().unwrap();
    assert_eq!(batch.images.shape(), &[1, 1, 32, 32]);
    let d = batch.images.data();
    for y in 0..32 {
        for x in 0..32 {
            let inside = (2..30).contains(&y) && (2..30).contains(&x);
            let want = if inside {
                img[(y - 2) * 28 + (x - 2)] as f32 / 255.0
            } else {
                0.0
            };
            assert!(close(d[y * 32 + x], want), "({y},{x})");
        }
    }
    // CIFAR's 3-channel statistics do not fit a 1-channel dataset.
    assert!(Batcher::new(&g, cfg(1)).is_err());
    // MNIST statistics do.
    assert!(Batcher::new(
        &g,
        BatchConfig {
            normalize: Normalize::mnist(),
            ..cfg(1)
        }
    )
    .is_ok());
}

#[test]
fn invalid_configurations_are_errors() {
    let s = cifar(2);
    assert!(Batcher::new(&s, cfg(0)).is_err());
    assert!(Batcher::new(
        &s,
        BatchConfig {
            pad_to: Some((16, 40)),
            ..cfg(1)
        }
    )
    .is_err());
    let bad_std = Normalize::MeanStd {
        mean: vec![0.5; 3],
        std: vec![0.2, 0.0, 0.2],
    };
    assert!(Batcher::new(
        &s,
        BatchConfig {
            normalize: bad_std,
            ..cfg(1)
        }
    )
    .is_err());
}

#[test]
fn idx_images_feed_the_batcher() {
    use lepton::data::idx::encode_idx;
    use lepton::data::IdxSplit;
    // Two 28×28 images: all 255 and all 0; labels 7 and 2.
    let mut px = vec![255u8; 784];
    px.extend([0u8; 784]);
    let images = encode_idx(&[2, 28, 28], &px).unwrap();
    let labels = encode_idx(&[2], &[7, 2]).unwrap();
    let s = IdxSplit::from_bytes(images, "i", labels, "l").unwrap();
    let b = Batcher::new(
        &s,
        BatchConfig {
            shuffle: false,
            normalize: Normalize::mnist(),
            pad_to: Some((32, 32)),
            ..cfg(2)
        },
    )
    .unwrap();
    let batch = b.epoch(0).next().unwrap();
    assert_eq!(batch.images.shape(), &[2, 1, 32, 32]);
    assert_eq!(batch.labels, [7, 2]);
    let d = batch.images.data();
    let white = (1.0 - 0.1307) / 0.3081; // 2.821486…
    let black = -0.1307 / 0.3081; // −0.424213…
    assert!((d[2 * 32 + 2] - white).abs() < 1e-5); // inside image 0
    assert!((d[0] - black).abs() < 1e-5); // padding of image 0
    assert!((d[1024 + 16 * 32 + 16] - black).abs() < 1e-5); // image 1 is black
}

/// Crop and flip on top of `pad_to`, for a non-square 2-channel image and every offset: the
/// image (5 × 7) sits centred on a 9 × 12 canvas at `(oy, ox) = (2, 2)`, so with padding `P`
/// output `(y, x)` reads source `(y + dy − P − oy, x' + dx − P − ox)` with `x' = 11 − x` when
/// flipped, and the normalised black `(0 − mean)/std` outside the source.
#[test]
fn crop_and_flip_on_a_padded_canvas_match_the_formula() {
    let (hs, ws, ht, wt, p) = (5usize, 7usize, 9usize, 12usize, 3usize);
    let img: Vec<u8> = (0..2 * hs * ws).map(|k| (17 + 29 * k) as u8).collect();
    let g = Gray {
        dims: ImageDims {
            channels: 2,
            height: hs,
            width: ws,
        },
        images: vec![img.clone()],
        labels: vec![0],
    };
    let (mean, std) = ([0.25f32, 0.5], [0.5f32, 0.125]);
    let b = Batcher::new(
        &g,
        BatchConfig {
            normalize: Normalize::MeanStd {
                mean: mean.to_vec(),
                std: std.to_vec(),
            },
            pad_to: Some((ht, wt)),
            augment: Augment {
                crop_padding: p,
                horizontal_flip: true,
            },
            ..cfg(1)
        },
    )
    .unwrap();
    let (oy, ox) = ((ht - hs) / 2, (wt - ws) / 2);
    for dy in 0..=2 * p {
        for dx in 0..=2 * p {
            for flip in [false, true] {
                let out = b.render(0, ImageAugmentation { dy, dx, flip });
                assert_eq!(out.len(), 2 * ht * wt);
                for c in 0..2 {
                    for y in 0..ht {
                        for x in 0..wt {
                            let xs = if flip { wt - 1 - x } else { x };
                            let r = (y + dy) as isize - (p + oy) as isize;
                            let q = (xs + dx) as isize - (p + ox) as isize;
                            let inside =
                                (0..hs as isize).contains(&r) && (0..ws as isize).contains(&q);
                            let byte = if inside {
                                img[c * hs * ws + r as usize * ws + q as usize]
                            } else {
                                0
                            };
                            let want = (byte as f32 / 255.0 - mean[c]) / std[c];
                            let got = out[c * ht * wt + y * wt + x];
                            assert!(
                                (got - want).abs() <= 1e-5,
                                "c {c} y {y} x {x} dy {dy} dx {dx} flip {flip}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }
}
