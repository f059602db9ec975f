//! Pixel conversion `dst[i] = (src[i] · a) + b` against its definition in `reference.rs`.
//!
//! The kernel multiplies, rounds to f32, adds and rounds again — exactly what the reference
//! does — so every ISA path must return the *same bits*, for any length (tails shorter than
//! one register included) and any alignment of the slices. With the CIFAR-10 red channel's
//! statistics, `a = 1 / (255 · 0.2470)` and `b = −0.4914 / 0.2470`, byte 255 becomes
//! `≈ 2.0591` and byte 0 exactly `b`.

use lepton_kernels::{arch, convert, reference};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_isa_gives_the_reference_bits(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        skip in 0usize..8,
        a in -2.0f32..2.0,
        b in -3.0f32..3.0,
    ) {
        let src = &bytes[skip.min(bytes.len())..];
        let want = reference::u8_affine(src, a, b);
        for isa in arch::supported() {
            // An output slice that starts at an odd float offset, to exercise unaligned stores.
            let mut buf = vec![f32::NAN; src.len() + 1];
            convert::u8_affine_with(isa, src, &mut buf[1..], a, b);
            for (i, (g, w)) in buf[1..].iter().zip(&want).enumerate() {
                prop_assert_eq!(g.to_bits(), w.to_bits(), "{} [{}]: {} vs {}", isa, i, g, w);
            }
            prop_assert!(buf[0].is_nan(), "{isa} wrote before the slice");
        }
    }
}

#[test]
fn cifar_red_channel_end_points() {
    let (a, b) = (1.0 / (255.0 * 0.2470f32), -0.4914 / 0.2470f32);
    let mut out = [0.0f32; 2];
    convert::u8_affine(&[0, 255], &mut out, a, b);
    assert_eq!(out[0], b);
    assert!(
        (out[1] as f64 - (1.0 - 0.4914) / 0.2470).abs() < 1e-5,
        "{}",
        out[1]
    );
}

#[test]
#[should_panic(expected = "u8_affine: slices differ in length")]
fn length_mismatch_is_a_contract_violation() {
    convert::u8_affine(&[1, 2, 3], &mut [0.0; 2], 1.0, 0.0);
}
