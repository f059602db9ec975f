//! The fused convolution → ReLU → max pool (`conv2d_relu_max_pool2d_*`) against the unfused chain
//! and against `reference.rs`.
//!
//! * Forward: the pooled values and argmax equal, bit for bit, `conv2d_forward` → ReLU →
//!   `max_pool2d_forward` (the fusion only keeps the intermediate out of memory), and the values
//!   match `reference::conv2d` → `reference::relu` → `reference::max_pool2d_plane` to the
//!   convolution's tolerance.
//! * Backward: `dx`, `dw`, `db` equal, bit for bit, `max_pool2d_backward` → `relu_backward` →
//!   `conv2d_backward` (each of which is tested against its definition in `conv_pool_softmax.rs`).
//!
//! Geometries cover the direct path (stride 1, LeNet's 2×2/2 pool, widths around the 16-pixel
//! tile, channels around the 6/8/16 tiles) and the im2col path (stride, padding, dilation) with
//! general, overlapping and padded pool windows; small integer inputs make many ties and zeros.

use lepton_kernels::activation::relu_backward;
use lepton_kernels::conv::{
    conv2d_backward, conv2d_forward, conv2d_relu_max_pool2d_backward,
    conv2d_relu_max_pool2d_forward, Conv2dGeometry,
};
use lepton_kernels::pool::{max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};
use lepton_kernels::{reference, vector};
use proptest::prelude::*;

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A convolution and a pool over its output: `(conv, pool, batch)`.
fn geometries() -> impl Strategy<Value = (Conv2dGeometry, Pool2dGeometry, usize)> {
    let conv = prop_oneof![
        // The direct path.
        (
            (1usize..4, 1usize..18),
            (1usize..6, 1usize..6),
            (1usize..7, 1usize..22)
        )
            .prop_map(|((c, o), (kh, kw), (eh, ew))| Conv2dGeometry {
                in_channels: c,
                out_channels: o,
                in_h: kh + eh,
                in_w: kw + ew,
                kernel_h: kh,
                kernel_w: kw,
                stride: (1, 1),
                padding: (0, 0),
                dilation: (1, 1),
            }),
        // The im2col path.
        (
            (1usize..4, 1usize..5, 2usize..10, 2usize..10),
            (1usize..4, 1usize..4),
            (1usize..3, 0usize..3, 1usize..3)
        )
            .prop_map(|((c, o, h, w), (kh, kw), (s, p, d))| Conv2dGeometry {
                in_channels: c,
                out_channels: o,
                in_h: h,
                in_w: w,
                kernel_h: kh,
                kernel_w: kw,
                stride: (s, s),
                padding: (p, p),
                dilation: (d, d),
            }),
    ];
    let pool = prop_oneof![
        Just(((2usize, 2usize), (2usize, 2usize), (0usize, 0usize))),
        (
            (1usize..4, 1usize..4),
            (1usize..3, 1usize..3),
            (0usize..2, 0usize..2)
        ),
    ];
    (conv, pool, 1usize..4).prop_filter_map("kernel and window must fit", |(g, (k, s, p), n)| {
        let (oh, ow) = (g.out_h()?, g.out_w()?);
        let pg = Pool2dGeometry {
            in_h: oh,
            in_w: ow,
            kernel: k,
            stride: s,
            padding: p,
        };
        pg.out_hw()?;
        Some((g, pg, n))
    })
}

/// The unfused chain: `(pooled, argmax, relu output)`.
fn unfused_forward(
    g: &Conv2dGeometry,
    pg: &Pool2dGeometry,
    n: usize,
    x: &[f32],
    w: &[f32],
    b: &[f32],
) -> (Vec<f32>, Vec<u32>, Vec<f32>) {
    let mut z = vec![f32::NAN; n * g.out_len()];
    conv2d_forward(g, n, x, w, Some(b), &mut z);
    let mut r = vec![f32::NAN; z.len()];
    vector::relu(&z, &mut r);
    let (ph, pw) = pg.out_hw().unwrap();
    let planes = n * g.out_channels;
    let mut y = vec![f32::NAN; planes * ph * pw];
    let mut am = vec![u32::MAX; y.len()];
    max_pool2d_forward(pg, planes, &r, &mut y, &mut am);
    (y, am, r)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn fused_forward_and_backward_equal_the_unfused_chain(
        (g, pg, n) in geometries(),
        seed in 0u64..1000,
        ties in any::<bool>(),
        with_dx in any::<bool>(),
    ) {
        let mut x = values(n * g.in_len(), seed);
        if ties { x.iter_mut().for_each(|v| *v = (*v * 2.0).round()); }
        let mut w = values(g.weight_len(), seed + 3);
        if ties { w.iter_mut().for_each(|v| *v = (*v * 2.0).round()); }
        let b = values(g.out_channels, seed + 5);
        let (ph, pw) = pg.out_hw().unwrap();
        let planes = n * g.out_channels;

        let (want_y, want_am, r) = unfused_forward(&g, &pg, n, &x, &w, &b);
        let mut y = vec![f32::NAN; planes * ph * pw];
        let mut am = vec![u32::MAX; y.len()];
        conv2d_relu_max_pool2d_forward(&g, &pg, n, &x, &w, Some(&b), &mut y, &mut am);
        prop_assert_eq!(&y, &want_y);
        prop_assert_eq!(&am, &want_am);

        // Against the references: conv in f64, ReLU, then the pool's definition.
        let z_ref = reference::conv2d(&g, n, &x, &w, Some(&b));
        let mut r_ref = vec![0.0f32; z_ref.len()];
        reference::relu(&z_ref, &mut r_ref);
        let size = (g.col_rows() as f32) * if ties { 4.0 } else { 1.0 } + 1.0;
        let (oh, ow) = g.out_hw();
        for p in 0..planes {
            let (ry, _) = reference::max_pool2d_plane(&pg, &r_ref[p * oh * ow..(p + 1) * oh * ow]);
            for (a, e) in y[p * ph * pw..(p + 1) * ph * pw].iter().zip(&ry) {
                prop_assert!((a - e).abs() <= 1e-5 * size + 1e-6, "pooled {} vs reference {}", a, e);
            }
        }

        // Backward: the pool routes, the ReLU masks, the convolution's backward.
        let dp = values(y.len(), seed + 7);
        let mut dr = vec![f32::NAN; r.len()];
        max_pool2d_backward(&pg, planes, &dp, &am, &mut dr);
        let mut dz = vec![f32::NAN; r.len()];
        relu_backward(&r, &dr, &mut dz);
        let mut want_dx = vec![f32::NAN; x.len()];
        let mut want_dw = vec![f32::NAN; w.len()];
        let mut want_db = vec![f32::NAN; b.len()];
        conv2d_backward(&g, n, &x, &w, &dz, with_dx.then_some(&mut want_dx[..]), &mut want_dw, Some(&mut want_db));

        let mut dx = vec![f32::NAN; x.len()];
        let mut dw = vec![f32::NAN; w.len()];
        let mut db = vec![f32::NAN; b.len()];
        conv2d_relu_max_pool2d_backward(
            &g, &pg, n, &x, &w, &y, &am, &dp,
            with_dx.then_some(&mut dx[..]), &mut dw, Some(&mut db),
        );
        prop_assert_eq!(&dw, &want_dw);
        prop_assert_eq!(&db, &want_db);
        if with_dx {
            prop_assert_eq!(&dx, &want_dx);
        }
    }
}

#[test]
fn lenet_shapes_at_a_batch_of_many_groups_equal_the_unfused_chain() {
    // LeNet's two blocks at a batch that spans several weight-gradient groups (16 per batch).
    for (c, o, side, n) in [(3, 6, 32, 37), (6, 16, 14, 37)] {
        let g = Conv2dGeometry {
            in_channels: c,
            out_channels: o,
            in_h: side,
            in_w: side,
            kernel_h: 5,
            kernel_w: 5,
            stride: (1, 1),
            padding: (0, 0),
            dilation: (1, 1),
        };
        let (oh, ow) = g.out_hw();
        let pg = Pool2dGeometry {
            in_h: oh,
            in_w: ow,
            kernel: (2, 2),
            stride: (2, 2),
            padding: (0, 0),
        };
        let x = values(n * g.in_len(), 11);
        let w = values(g.weight_len(), 12);
        let b = values(o, 13);
        let (want_y, want_am, r) = unfused_forward(&g, &pg, n, &x, &w, &b);
        let mut y = vec![f32::NAN; want_y.len()];
        let mut am = vec![u32::MAX; y.len()];
        conv2d_relu_max_pool2d_forward(&g, &pg, n, &x, &w, Some(&b), &mut y, &mut am);
        assert_eq!(y, want_y);
        assert_eq!(am, want_am);
        let dp = values(y.len(), 14);
        let planes = n * o;
        let mut dr = vec![f32::NAN; r.len()];
        max_pool2d_backward(&pg, planes, &dp, &am, &mut dr);
        let mut dz = vec![f32::NAN; r.len()];
        relu_backward(&r, &dr, &mut dz);
        let (mut want_dx, mut want_dw, mut want_db) =
            (vec![0.0; x.len()], vec![0.0; w.len()], vec![0.0; o]);
        conv2d_backward(
            &g,
            n,
            &x,
            &w,
            &dz,
            Some(&mut want_dx),
            &mut want_dw,
            Some(&mut want_db),
        );
        let (mut dx, mut dw, mut db) = (vec![1.0; x.len()], vec![1.0; w.len()], vec![1.0; o]);
        conv2d_relu_max_pool2d_backward(
            &g,
            &pg,
            n,
            &x,
            &w,
            &y,
            &am,
            &dp,
            Some(&mut dx),
            &mut dw,
            Some(&mut db),
        );
        assert_eq!(dx, want_dx);
        assert_eq!(dw, want_dw);
        assert_eq!(db, want_db);
    }
}
