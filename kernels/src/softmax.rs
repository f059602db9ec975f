//! Row-wise log-softmax and the fused softmax cross-entropy loss, numerically stable.
//!
//! For a row `z` of length `K`, with `m = max_k z_k`:
//!
//! ```text
//! log_softmax(z)_k = z_k − m − log Σ_j exp(z_j − m)        (every exponent ≤ 0: no overflow)
//! CE(z, t)         = −log_softmax(z)_t
//! ∂CE/∂z_k         = softmax(z)_k − [k = t]
//! ```
//!
//! The batch loss is the mean over rows, so the gradient of the mean is divided by the row count.

/// `y[r, ·] = log_softmax(x[r, ·])` for a row-major `[rows, cols]` matrix.
///
/// # Panics
/// If a slice is not `rows·cols` long.
pub fn log_softmax_rows(x: &[f32], rows: usize, cols: usize, y: &mut [f32]) {
    assert_eq!(x.len(), rows * cols, "log_softmax_rows: x length");
    assert_eq!(y.len(), rows * cols, "log_softmax_rows: y length");
    if cols == 0 {
        return;
    }
    for (xr, yr) in x.chunks_exact(cols).zip(y.chunks_exact_mut(cols)) {
        let m = xr.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let s: f32 = xr.iter().map(|&v| (v - m).exp()).sum();
        let log_s = s.ln();
        for (o, &v) in yr.iter_mut().zip(xr) {
            *o = (v - m) - log_s; // shift first: exact for large |v|
        }
    }
}

/// Backward of [`log_softmax_rows`] given its output `y` (log-probabilities) and the upstream
/// gradient `dy`: `dx_k = dy_k − exp(y_k)·Σ_j dy_j`, per row.
///
/// # Panics
/// If a slice is not `rows·cols` long.
pub fn log_softmax_rows_backward(y: &[f32], dy: &[f32], rows: usize, cols: usize, dx: &mut [f32]) {
    assert_eq!(y.len(), rows * cols, "log_softmax_rows_backward: y length");
    assert_eq!(
        dy.len(),
        rows * cols,
        "log_softmax_rows_backward: dy length"
    );
    assert_eq!(
        dx.len(),
        rows * cols,
        "log_softmax_rows_backward: dx length"
    );
    if cols == 0 {
        return;
    }
    for ((yr, dyr), dxr) in y
        .chunks_exact(cols)
        .zip(dy.chunks_exact(cols))
        .zip(dx.chunks_exact_mut(cols))
    {
        let s: f32 = dyr.iter().sum();
        for ((o, &l), &g) in dxr.iter_mut().zip(yr).zip(dyr) {
            *o = g - l.exp() * s;
        }
    }
}

/// Mean softmax cross-entropy of `logits` (`[rows, cols]`) against class indices `labels`
/// (`[rows]`): `(1/rows)·Σ_r −log_softmax(z_r)_{t_r}`. If `grad` is given (`[rows, cols]`) it is
/// overwritten with `∂loss/∂logits = (softmax(z_r) − onehot(t_r)) / rows`. Returns 0 for 0 rows.
///
/// # Panics
/// If a slice length disagrees with `rows`/`cols` or a label is `≥ cols`.
pub fn cross_entropy(
    logits: &[f32],
    labels: &[usize],
    rows: usize,
    cols: usize,
    mut grad: Option<&mut [f32]>,
) -> f32 {
    assert_eq!(logits.len(), rows * cols, "cross_entropy: logits length");
    assert_eq!(labels.len(), rows, "cross_entropy: labels length");
    if let Some(g) = grad.as_deref() {
        assert_eq!(g.len(), rows * cols, "cross_entropy: grad length");
    }
    if rows == 0 {
        return 0.0;
    }
    let inv = 1.0 / rows as f32;
    let mut total = 0.0f64;
    for (r, (zr, &t)) in logits.chunks_exact(cols).zip(labels).enumerate() {
        assert!(
            t < cols,
            "cross_entropy: label {t} out of range for {cols} classes"
        );
        let m = zr.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let s: f32 = zr.iter().map(|&v| (v - m).exp()).sum();
        total += ((m - zr[t]) + s.ln()) as f64; // logsumexp − z_t, shifted by m first
        if let Some(g) = grad.as_deref_mut() {
            let gr = &mut g[r * cols..(r + 1) * cols];
            let inv_s = 1.0 / s;
            for (o, &v) in gr.iter_mut().zip(zr) {
                *o = (v - m).exp() * inv_s * inv;
            }
            gr[t] -= inv;
        }
    }
    (total / rows as f64) as f32
}
