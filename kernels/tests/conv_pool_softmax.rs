//! The convolution, pooling and softmax kernels against `reference.rs`, over random shapes.
//!
//! * `im2col` must equal its definition exactly (it only copies):
//!   `cols[(c·KH+i)·KW+j, oy·OW+ox] = x[c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]` (0 in padding).
//! * `col2im` is the adjoint of `im2col`: `⟨im2col(x), C⟩ = ⟨x, col2im(C)⟩` for all `x`, `C`.
//! * `conv2d_forward` (im2col + sgemm) equals the direct 7-loop sum, to a tolerance relative to
//!   the size of the sum: `|y − y_ref| ≤ 1e-5·(Σ|w·x| + |b|) + tiny` per element.
//! * `conv2d_backward`'s `dw`, `dx`, `db` equal the direct sums
//!   `dw[o,c,i,j] = Σ_{n,p} dy[n,o,p]·x[n,c,p·s−pad+(i,j)·dil]`, `dx = Σ` of the same products
//!   routed back, `db[o] = Σ_{n,p} dy[n,o,p]` (computed here in f64 from the definitions).
//! * `max_pool2d_forward` equals the reference exactly (values AND argmax: the first maximum in
//!   row-major window order, with many ties from small integer inputs), and the backward sends
//!   each `dy` to its argmax.
//! * `log_softmax_rows` and `cross_entropy` match f64 references for logits up to ±200.

use lepton_kernels::conv::{col2im, conv2d_backward, conv2d_forward, im2col, Conv2dGeometry};
use lepton_kernels::pool::{max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};
use lepton_kernels::{reference, softmax};
use proptest::prelude::*;

fn geometry() -> impl Strategy<Value = (Conv2dGeometry, usize)> {
    (
        (1usize..4, 1usize..5, 1usize..9, 1usize..9),
        (1usize..4, 1usize..4),
        (1usize..3, 1usize..3),
        (0usize..3, 0usize..3),
        (1usize..3, 1usize..3),
        1usize..3,
    )
        .prop_map(|((c, o, h, w), (kh, kw), stride, padding, dilation, n)| {
            (
                Conv2dGeometry {
                    in_channels: c,
                    out_channels: o,
                    in_h: h,
                    in_w: w,
                    kernel_h: kh,
                    kernel_w: kw,
                    stride,
                    padding,
                    dilation,
                },
                n,
            )
        })
        .prop_filter("kernel must fit", |(g, _)| {
            g.out_h().is_some() && g.out_w().is_some()
        })
}

fn values(n: usize, seed: u64) -> Vec<f32> {
    // A small deterministic generator: proptest shrinks the shapes, values follow the seed.
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

fn tap(
    g: &Conv2dGeometry,
    n: usize,
    c: usize,
    oy: usize,
    ox: usize,
    i: usize,
    j: usize,
) -> Option<usize> {
    let iy = (oy * g.stride.0 + i * g.dilation.0) as isize - g.padding.0 as isize;
    let ix = (ox * g.stride.1 + j * g.dilation.1) as isize - g.padding.1 as isize;
    (iy >= 0 && ix >= 0 && (iy as usize) < g.in_h && (ix as usize) < g.in_w)
        .then(|| ((n * g.in_channels + c) * g.in_h + iy as usize) * g.in_w + ix as usize)
}

/// Stride 1, no padding, no dilation: the geometry of the direct (im2col-free) path, with channel
/// counts on both sides of its 6-, 8- and 16-channel tiles and widths on both sides of 16 pixels.
fn direct_geometry() -> impl Strategy<Value = (Conv2dGeometry, usize)> {
    (
        (1usize..5, 1usize..20),
        (1usize..6, 1usize..6),
        (0usize..5, 0usize..22),
        1usize..3,
    )
        .prop_map(|((c, o), (kh, kw), (eh, ew), n)| {
            (
                Conv2dGeometry {
                    in_channels: c,
                    out_channels: o,
                    in_h: kh + eh,
                    in_w: kw + ew,
                    kernel_h: kh,
                    kernel_w: kw,
                    stride: (1, 1),
                    padding: (0, 0),
                    dilation: (1, 1),
                },
                n,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn direct_path_forward_and_gradients_match_direct_sums((g, n) in direct_geometry(), seed in 0u64..1000) {
        let x = values(n * g.in_len(), seed);
        let w = values(g.weight_len(), seed + 7);
        let b = values(g.out_channels, seed + 9);
        let mut y = vec![f32::NAN; n * g.out_len()];
        conv2d_forward(&g, n, &x, &w, Some(&b), &mut y);
        let want = reference::conv2d(&g, n, &x, &w, Some(&b));
        let size = (g.col_rows() + 1) as f32;
        for (a, r) in y.iter().zip(&want) {
            prop_assert!((a - r).abs() <= 1e-5 * size + 1e-6, "y {} vs {}", a, r);
        }
        let dy = values(n * g.out_len(), seed + 5);
        let (oh, ow) = g.out_hw();
        let mut dw_ref = vec![0.0f64; g.weight_len()];
        let mut dx_ref = vec![0.0f64; x.len()];
        for bi in 0..n { for o in 0..g.out_channels { for oy in 0..oh { for ox in 0..ow {
            let d = dy[((bi * g.out_channels + o) * oh + oy) * ow + ox] as f64;
            for c in 0..g.in_channels { for i in 0..g.kernel_h { for j in 0..g.kernel_w {
                let at = tap(&g, bi, c, oy, ox, i, j).unwrap();
                let wi = ((o * g.in_channels + c) * g.kernel_h + i) * g.kernel_w + j;
                dw_ref[wi] += d * x[at] as f64;
                dx_ref[at] += d * w[wi] as f64;
            }}}
        }}}}
        let mut dw = vec![f32::NAN; g.weight_len()];
        conv2d_backward(&g, n, &x, &w, &dy, None, &mut dw, None);
        let tol = 1e-5 * (n * oh * ow) as f64 + 1e-6;
        for (a, r) in dw.iter().zip(&dw_ref) {
            prop_assert!((*a as f64 - r).abs() <= tol, "dw {} vs {}", a, r);
        }
        // With the input gradient (the direct transposed convolution over the padded dy).
        let mut dx = vec![f32::NAN; x.len()];
        let mut dw2 = vec![f32::NAN; g.weight_len()];
        conv2d_backward(&g, n, &x, &w, &dy, Some(&mut dx), &mut dw2, None);
        prop_assert_eq!(&dw2, &dw);
        let tol = 1e-5 * g.out_len() as f64 + 1e-6;
        for (a, r) in dx.iter().zip(&dx_ref) {
            prop_assert!((*a as f64 - r).abs() <= tol, "dx {} vs {}", a, r);
        }
    }

    #[test]
    fn im2col_matches_definition_and_col2im_is_its_adjoint((g, _) in geometry(), seed in 0u64..1000) {
        let x = values(g.in_len(), seed);
        let mut cols = vec![f32::NAN; g.col_rows() * g.out_pixels()];
        im2col(&g, &x, &mut cols);
        prop_assert_eq!(&cols, &reference::im2col(&g, &x));
        let c = values(cols.len(), seed + 1);
        let mut back = vec![f32::NAN; x.len()];
        col2im(&g, &c, &mut back);
        let lhs: f64 = reference::dot(&cols, &c);
        let rhs: f64 = reference::dot(&x, &back);
        let size: f64 = cols.iter().zip(&c).map(|(a, b)| (a * b).abs() as f64).sum::<f64>() + 1e-9;
        prop_assert!((lhs - rhs).abs() <= 1e-5 * size, "{} vs {}", lhs, rhs);
    }

    #[test]
    fn conv2d_forward_matches_direct_sum((g, n) in geometry(), seed in 0u64..1000, with_bias in any::<bool>()) {
        let x = values(n * g.in_len(), seed);
        let w = values(g.weight_len(), seed + 7);
        let b = values(g.out_channels, seed + 9);
        let bias = with_bias.then_some(&b[..]);
        let mut y = vec![f32::NAN; n * g.out_len()];
        conv2d_forward(&g, n, &x, &w, bias, &mut y);
        let want = reference::conv2d(&g, n, &x, &w, bias);
        // |w·x| ≤ 1 per term, C·KH·KW terms plus the bias: the size of the sum is at most that.
        let size = (g.col_rows() + 1) as f32;
        for (a, r) in y.iter().zip(&want) {
            prop_assert!((a - r).abs() <= 1e-5 * size + 1e-6, "{} vs {}", a, r);
        }
    }

    #[test]
    fn conv2d_backward_matches_direct_sums((g, n) in geometry(), seed in 0u64..1000) {
        let x = values(n * g.in_len(), seed);
        let w = values(g.weight_len(), seed + 3);
        let dy = values(n * g.out_len(), seed + 5);
        let (oh, ow) = g.out_hw();
        let (kh, kw) = (g.kernel_h, g.kernel_w);
        let mut dw_ref = vec![0.0f64; g.weight_len()];
        let mut dx_ref = vec![0.0f64; x.len()];
        let mut db_ref = vec![0.0f64; g.out_channels];
        for b in 0..n { for o in 0..g.out_channels { for oy in 0..oh { for ox in 0..ow {
            let d = dy[((b * g.out_channels + o) * oh + oy) * ow + ox] as f64;
            db_ref[o] += d;
            for c in 0..g.in_channels { for i in 0..kh { for j in 0..kw {
                if let Some(at) = tap(&g, b, c, oy, ox, i, j) {
                    let wi = ((o * g.in_channels + c) * kh + i) * kw + j;
                    dw_ref[wi] += d * x[at] as f64;
                    dx_ref[at] += d * w[wi] as f64;
                }
            }}}
        }}}}
        let mut dx = vec![f32::NAN; x.len()];
        let mut dw = vec![f32::NAN; w.len()];
        let mut db = vec![f32::NAN; g.out_channels];
        conv2d_backward(&g, n, &x, &w, &dy, Some(&mut dx), &mut dw, Some(&mut db));
        let tol = |terms: usize| 1e-5 * terms as f64 + 1e-6;
        for (a, r) in dw.iter().zip(&dw_ref) { prop_assert!((*a as f64 - r).abs() <= tol(n * oh * ow), "dw {} vs {}", a, r); }
        for (a, r) in dx.iter().zip(&dx_ref) { prop_assert!((*a as f64 - r).abs() <= tol(g.out_len()), "dx {} vs {}", a, r); }
        for (a, r) in db.iter().zip(&db_ref) { prop_assert!((*a as f64 - r).abs() <= tol(n * oh * ow), "db {} vs {}", a, r); }
    }

    #[test]
    fn max_pool_matches_reference_with_ties(
        (h, w, kh, kw) in (1usize..9, 1usize..9, 1usize..4, 1usize..4),
        (sh, sw, ph, pw) in (1usize..4, 1usize..4, 0usize..2, 0usize..2),
        planes in 1usize..4,
        seed in 0u64..1000,
        ties in any::<bool>(),
    ) {
        let g = Pool2dGeometry { in_h: h, in_w: w, kernel: (kh, kw), stride: (sh, sw), padding: (ph, pw) };
        prop_assume!(g.out_hw().is_some());
        let (oh, ow) = g.out_hw().unwrap();
        let mut x = values(planes * h * w, seed);
        if ties { x.iter_mut().for_each(|v| *v = (*v * 1.5).round()); }
        let mut y = vec![f32::NAN; planes * oh * ow];
        let mut am = vec![u32::MAX; y.len()];
        max_pool2d_forward(&g, planes, &x, &mut y, &mut am);
        for p in 0..planes {
            let (ry, ra) = reference::max_pool2d_plane(&g, &x[p * h * w..(p + 1) * h * w]);
            prop_assert_eq!(&y[p * oh * ow..(p + 1) * oh * ow], &ry[..]);
            prop_assert_eq!(&am[p * oh * ow..(p + 1) * oh * ow], &ra[..]);
        }
        let dy = values(y.len(), seed + 1);
        let mut dx = vec![f32::NAN; x.len()];
        max_pool2d_backward(&g, planes, &dy, &am, &mut dx);
        let mut want = vec![0.0f32; x.len()];
        for (k, (&d, &a)) in dy.iter().zip(&am).enumerate() {
            want[(k / (oh * ow)) * h * w + a as usize] += d;
        }
        prop_assert_eq!(dx, want);
    }

    #[test]
    fn lenet_pool_fast_path_matches_reference_with_ties_and_nans(
        (h, w, planes) in (2usize..12, 2usize..12, 1usize..4),
        seed in 0u64..1000,
        nan_every in 0usize..9,
    ) {
        // 2×2 windows, stride 2, no padding: the unrolled branch-free path.
        let g = Pool2dGeometry { in_h: h, in_w: w, kernel: (2, 2), stride: (2, 2), padding: (0, 0) };
        let (oh, ow) = g.out_hw().unwrap();
        let mut x: Vec<f32> = values(planes * h * w, seed).iter().map(|v| (v * 1.5).round()).collect();
        if nan_every > 0 {
            for v in x.iter_mut().step_by(nan_every * 3 + 1) { *v = f32::NAN; }
        }
        let mut y = vec![0.0f32; planes * oh * ow];
        let mut am = vec![u32::MAX; y.len()];
        max_pool2d_forward(&g, planes, &x, &mut y, &mut am);
        for p in 0..planes {
            let (ry, ra) = reference::max_pool2d_plane(&g, &x[p * h * w..(p + 1) * h * w]);
            for (a, b) in y[p * oh * ow..(p + 1) * oh * ow].iter().zip(&ry) {
                prop_assert!(a == b || (a.is_nan() && b.is_nan()), "{} vs {}", a, b);
            }
            prop_assert_eq!(&am[p * oh * ow..(p + 1) * oh * ow], &ra[..]);
        }
    }

    #[test]
    fn softmax_and_cross_entropy_match_f64(rows in 1usize..6, cols in 1usize..12, scale in 0.1f32..200.0, seed in 0u64..1000) {
        let z: Vec<f32> = values(rows * cols, seed).iter().map(|v| v * scale).collect();
        let mut y = vec![0.0; z.len()];
        softmax::log_softmax_rows(&z, rows, cols, &mut y);
        for (r, row) in z.chunks(cols).enumerate() {
            let want = reference::log_softmax_row(row);
            for (a, b) in y[r * cols..(r + 1) * cols].iter().zip(&want) {
                // error relative to the magnitude of the shifted logits
                prop_assert!((*a as f64 - b).abs() <= 1e-6 * (1.0 + b.abs()) + 1e-6 * scale as f64, "{} vs {}", a, b);
            }
        }
        let labels: Vec<usize> = (0..rows).map(|r| (r * 7 + seed as usize) % cols).collect();
        let mut grad = vec![0.0; z.len()];
        let loss = softmax::cross_entropy(&z, &labels, rows, cols, Some(&mut grad));
        let want = reference::cross_entropy(&z, &labels, cols);
        prop_assert!((loss as f64 - want).abs() <= 1e-6 * (1.0 + want.abs()) + 1e-6 * scale as f64, "{} vs {}", loss, want);
        prop_assert!(grad.iter().all(|v| v.is_finite()));
        for (r, row) in z.chunks(cols).enumerate() {
            let lp = reference::log_softmax_row(row);
            for k in 0..cols {
                let want = (lp[k].exp() - if k == labels[r] { 1.0 } else { 0.0 }) / rows as f64;
                prop_assert!((grad[r * cols + k] as f64 - want).abs() <= 1e-6, "grad {} vs {}", grad[r * cols + k], want);
            }
        }
    }
}
