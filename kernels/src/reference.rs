//! The math, written plainly: slow, obviously-correct versions of every kernel in this crate,
//! accumulating in `f64`. The fast kernels are tested against these, never the other way round.

use crate::gemm::{MatMut, MatRef};

/// `C = α·A·B + β·C`, with `cᵢⱼ = α·Σₚ aᵢₚ·bₚⱼ + β·cᵢⱼ` accumulated in f64.
/// When `β = 0`, `C` is not read (BLAS semantics: a NaN in `C` does not survive).
pub fn sgemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: MatMut<'_>) {
    assert!(a.cols == b.rows && a.rows == c.rows && b.cols == c.cols);
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut acc = 0.0f64;
            for p in 0..a.cols {
                acc += a.at(i, p) as f64 * b.at(p, j) as f64;
            }
            let dst = &mut c.data[i * c.row_stride + j * c.col_stride];
            let v = alpha as f64 * acc
                + if beta == 0.0 {
                    0.0
                } else {
                    beta as f64 * *dst as f64
                };
            *dst = v as f32;
        }
    }
}

/// `Σ xᵢ·yᵢ` in f64.
pub fn dot(x: &[f32], y: &[f32]) -> f64 {
    x.iter().zip(y).map(|(&a, &b)| a as f64 * b as f64).sum()
}

/// `Σ (xᵢ − yᵢ)²` in f64.
pub fn squared_distance(x: &[f32], y: &[f32]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
        .sum()
}

/// `Σ xᵢ` in f64.
pub fn sum(x: &[f32]) -> f64 {
    x.iter().map(|&v| v as f64).sum()
}

/// `y ← α·x + y`, each element computed in f64 and rounded once.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = (alpha as f64 * x as f64 + *y as f64) as f32;
    }
}

/// `x ← α·x`.
pub fn scale(alpha: f32, x: &mut [f32]) {
    for v in x {
        *v = (alpha as f64 * *v as f64) as f32;
    }
}

/// `max xᵢ` (−∞ for an empty slice, NaN if any element is NaN).
pub fn max(x: &[f32]) -> f32 {
    if x.iter().any(|v| v.is_nan()) {
        return f32::NAN;
    }
    x.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

/// `yᵢ = max(xᵢ, 0)`.
pub fn relu(x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y = if x > 0.0 { x } else { 0.0 };
    }
}

/// `eˣ` of each element, in f64 (`std`'s correctly rounded-ish `exp`), as f64.
pub fn exp(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| (v as f64).exp()).collect()
}

/// `im2col` written from its definition: `cols[(c·KH + i)·KW + j, oy·OW + ox] =
/// x[c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]`, 0 outside the image.
pub fn im2col(g: &crate::conv::Conv2dGeometry, x: &[f32]) -> Vec<f32> {
    let (oh, ow) = g.out_hw();
    let (kh, kw) = (g.kernel_h, g.kernel_w);
    let mut cols = vec![0.0f32; g.col_rows() * oh * ow];
    for c in 0..g.in_channels {
        for i in 0..kh {
            for j in 0..kw {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let iy =
                            (oy * g.stride.0 + i * g.dilation.0) as isize - g.padding.0 as isize;
                        let ix =
                            (ox * g.stride.1 + j * g.dilation.1) as isize - g.padding.1 as isize;
                        if iy >= 0 && ix >= 0 && (iy as usize) < g.in_h && (ix as usize) < g.in_w {
                            cols[((c * kh + i) * kw + j) * oh * ow + oy * ow + ox] =
                                x[(c * g.in_h + iy as usize) * g.in_w + ix as usize];
                        }
                    }
                }
            }
        }
    }
    cols
}

/// Direct convolution in f64, batch of `n`: `y[b, o, oy, ox] = bias[o] + Σ_{c,i,j} w[o,c,i,j] ·
/// x[b, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]` (zero padding). Returns `[n, O, OH, OW]`.
pub fn conv2d(
    g: &crate::conv::Conv2dGeometry,
    n: usize,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
) -> Vec<f32> {
    let (oh, ow) = g.out_hw();
    let (kh, kw) = (g.kernel_h, g.kernel_w);
    let mut y = vec![0.0f32; n * g.out_len()];
    for b in 0..n {
        for o in 0..g.out_channels {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = bias.map_or(0.0, |bb| bb[o] as f64);
                    for c in 0..g.in_channels {
                        for i in 0..kh {
                            for j in 0..kw {
                                let iy = (oy * g.stride.0 + i * g.dilation.0) as isize
                                    - g.padding.0 as isize;
                                let ix = (ox * g.stride.1 + j * g.dilation.1) as isize
                                    - g.padding.1 as isize;
                                if iy >= 0
                                    && ix >= 0
                                    && (iy as usize) < g.in_h
                                    && (ix as usize) < g.in_w
                                {
                                    let xv = x[((b * g.in_channels + c) * g.in_h + iy as usize)
                                        * g.in_w
                                        + ix as usize];
                                    let wv = w[((o * g.in_channels + c) * kh + i) * kw + j];
                                    acc += xv as f64 * wv as f64;
                                }
                            }
                        }
                    }
                    y[((b * g.out_channels + o) * oh + oy) * ow + ox] = acc as f32;
                }
            }
        }
    }
    y
}

/// Max pool of one plane from the definition: for each window, scan row-major keeping the FIRST
/// strict maximum (a NaN wins); returns `(y, argmax)` with argmax the flat in-plane index.
pub fn max_pool2d_plane(g: &crate::pool::Pool2dGeometry, x: &[f32]) -> (Vec<f32>, Vec<u32>) {
    let (oh, ow) = g.out_hw().expect("valid pool geometry");
    let mut y = Vec::with_capacity(oh * ow);
    let mut am = Vec::with_capacity(oh * ow);
    for oy in 0..oh {
        for ox in 0..ow {
            let mut best: Option<(f32, usize)> = None;
            for i in 0..g.kernel.0 {
                for j in 0..g.kernel.1 {
                    let iy = (oy * g.stride.0 + i) as isize - g.padding.0 as isize;
                    let ix = (ox * g.stride.1 + j) as isize - g.padding.1 as isize;
                    if iy < 0 || ix < 0 || iy as usize >= g.in_h || ix as usize >= g.in_w {
                        continue;
                    }
                    let at = iy as usize * g.in_w + ix as usize;
                    let v = x[at];
                    let better = match best {
                        None => true,
                        Some((b, _)) => !b.is_nan() && (v > b || v.is_nan()),
                    };
                    if better {
                        best = Some((v, at));
                    }
                }
            }
            let (v, at) = best.expect("every window overlaps the image");
            y.push(v);
            am.push(at as u32);
        }
    }
    (y, am)
}

/// `log_softmax` of one row in f64: `z_k − log Σ_j exp(z_j)`, computed with the max shifted out.
pub fn log_softmax_row(z: &[f32]) -> Vec<f64> {
    let m = z
        .iter()
        .map(|&v| v as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    let lse = m + z.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln();
    z.iter().map(|&v| v as f64 - lse).collect()
}

/// Mean cross-entropy in f64: `(1/rows)·Σ_r −log_softmax(z_r)_{t_r}`.
pub fn cross_entropy(logits: &[f32], labels: &[usize], cols: usize) -> f64 {
    let rows = labels.len();
    let total: f64 = logits
        .chunks_exact(cols)
        .zip(labels)
        .map(|(z, &t)| -log_softmax_row(z)[t])
        .sum();
    total / rows as f64
}

/// Pixel conversion, the definition: `(q as f32 · a) + b` with each operation rounded to f32
/// (a multiply, then an add — not a fused multiply-add).
pub fn u8_affine(src: &[u8], a: f32, b: f32) -> Vec<f32> {
    src.iter()
        .map(|&q| {
            let scaled = q as f32 * a;
            scaled + b
        })
        .collect()
}
