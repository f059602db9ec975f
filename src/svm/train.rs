//! Training: LIBSVM's `svm_train` — class grouping, weighted costs, one-vs-one sub-problems
//! (solved in parallel), probability models, and the model's layout of support vectors.

// Index loops mirror LIBSVM's svm.cpp line by line, so a reader can follow along.
#![allow(clippy::needless_range_loop)]

use super::formulations::{train_one, DecisionFunction};
use super::glibc_rand::GlibcRand;
use super::kernel::{Kernel, KernelRows};
use super::model::SvmModel;
use super::params::{SvmParams, SvmType};
use super::probability::{binary_svc_probability, svr_probability};
use super::SubproblemSummary;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Progress callback: `(finished sub-problems, total)`.
pub type Progress<'p> = &'p (dyn Fn(usize, usize) + Sync);

/// Classes grouped as LIBSVM does: labels by first occurrence (a −1/+1 problem is reordered to
/// +1 first), and `perm` lists the examples class by class.
pub(crate) struct Groups {
    pub labels: Vec<i32>,
    pub start: Vec<usize>,
    pub count: Vec<usize>,
    pub perm: Vec<usize>,
}

/// Integer class labels of `y`.
///
/// # Errors
/// [`Error::InvalidArgument`] for a non-integer or non-finite label.
pub(crate) fn class_labels(y: &[f64]) -> Result<Vec<i32>> {
    y.iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.is_finite() && v.fract() == 0.0 && v.abs() <= i32::MAX as f64 {
                Ok(v as i32)
            } else {
                Err(Error::InvalidArgument(format!(
                    "classification label of example {} is {v}: labels must be integers",
                    i + 1
                )))
            }
        })
        .collect()
}

pub(crate) fn group_classes(y: &[i32]) -> Groups {
    let mut labels: Vec<i32> = Vec::new();
    let mut count: Vec<usize> = Vec::new();
    let mut data_label = Vec::with_capacity(y.len());
    for &this in y {
        match labels.iter().position(|&l| l == this) {
            Some(j) => {
                count[j] += 1;
                data_label.push(j);
            }
            None => {
                data_label.push(labels.len());
                labels.push(this);
                count.push(1);
            }
        }
    }
    // Two classes labelled −1/+1 with −1 first: swap, so +1 is the positive class internally.
    if labels.len() == 2 && labels[0] == -1 && labels[1] == 1 {
        labels.swap(0, 1);
        count.swap(0, 1);
        for d in &mut data_label {
            *d = 1 - *d;
        }
    }
    let k = labels.len();
    let mut start = vec![0usize; k];
    for i in 1..k {
        start[i] = start[i - 1] + count[i - 1];
    }
    let mut next = start.clone();
    let mut perm = vec![0usize; y.len()];
    for (i, &d) in data_label.iter().enumerate() {
        perm[next[d]] = i;
        next[d] += 1;
    }
    Groups {
        labels,
        start,
        count,
        perm,
    }
}

/// Trains on the examples at matrix rows `rows` with targets `y` (one per row).
pub(crate) fn train_rows(
    kr: &KernelRows,
    rows: &[usize],
    y: &[f64],
    params: &SvmParams,
    rng: &mut GlibcRand,
    progress: Option<Progress>,
) -> Result<SvmModel> {
    params.check()?;
    if rows.is_empty() {
        return Err(Error::InvalidArgument("empty training data".into()));
    }
    if let Some(v) = y.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "training target {v} is not finite"
        )));
    }
    let d = kr.n_features();
    let copy_svs = |idx: &[usize]| -> Vec<f32> {
        let mut sv = Vec::with_capacity(idx.len() * d);
        for &t in idx {
            sv.extend_from_slice(kr.row(rows[t]));
        }
        sv
    };
    let mut model = SvmModel {
        svm_type: params.svm_type,
        kernel: kr.kernel,
        nr_class: 2,
        n_features: d,
        sv: Vec::new(),
        sv_coef: Vec::new(),
        rho: Vec::new(),
        labels: Vec::new(),
        n_sv: Vec::new(),
        prob_a: Vec::new(),
        prob_b: Vec::new(),
        sv_indices: Vec::new(),
        summaries: Vec::new(),
    };

    if !params.svm_type.is_classification() {
        if params.probability && params.svm_type.is_regression() {
            model.prob_a = vec![svr_probability(kr, rows, y, params, rng)?];
        }
        let (f, summary) = train_one(kr, rows, y, params, 0.0, 0.0);
        let sv_idx: Vec<usize> = (0..rows.len()).filter(|&t| f.alpha[t] != 0.0).collect();
        model.rho = vec![f.rho];
        model.sv_coef = vec![sv_idx.iter().map(|&t| f.alpha[t]).collect()];
        model.sv = copy_svs(&sv_idx);
        model.sv_indices = sv_idx.iter().map(|&t| rows[t]).collect();
        model.summaries = vec![summary];
        if let Some(p) = progress {
            p(1, 1);
        }
        return Ok(model);
    }

    // Classification.
    let int_y = class_labels(y)?;
    let g = group_classes(&int_y);
    let k = g.labels.len();
    if k < 2 {
        return Err(Error::InvalidArgument(format!(
            "{} needs at least two classes; every training label is {}",
            if params.svm_type == SvmType::CSvc {
                "C-SVC"
            } else {
                "nu-SVC"
            },
            g.labels[0]
        )));
    }
    if params.svm_type == SvmType::NuSvc {
        for i in 0..k {
            for j in i + 1..k {
                let (n1, n2) = (g.count[i] as f64, g.count[j] as f64);
                if params.nu * (n1 + n2) / 2.0 > n1.min(n2) {
                    return Err(Error::InvalidArgument("specified nu is infeasible".into()));
                }
            }
        }
    }
    let mut weighted_c = vec![params.c; k];
    for &(label, w) in &params.class_weights {
        if let Some(j) = g.labels.iter().position(|&l| l == label) {
            weighted_c[j] *= w;
        }
    }

    // Sub-problem (i, j): class i as +1, class j as −1, in grouped order.
    let mut pairs = Vec::with_capacity(k * (k - 1) / 2);
    for i in 0..k {
        for j in i + 1..k {
            pairs.push((i, j));
        }
    }
    // The rand() shuffles of the probability CV are drawn in pair order, before solving the
    // pairs in parallel, so the sequence is the same as LIBSVM's sequential one.
    let prob_perms: Vec<Vec<usize>> = if params.probability {
        pairs
            .iter()
            .map(|&(i, j)| {
                let l = g.count[i] + g.count[j];
                let mut perm: Vec<usize> = (0..l).collect();
                for t in 0..l {
                    let s = t + rng.below(l - t);
                    perm.swap(t, s);
                }
                perm
            })
            .collect()
    } else {
        vec![Vec::new(); pairs.len()]
    };
    // Each concurrently running solver gets its share of the cache budget.
    let concurrent = rayon::current_num_threads().min(pairs.len()).max(1);
    let mut sub_params = params.clone();
    sub_params.cache_size_mb = params.cache_size_mb / concurrent as f64;
    let done = AtomicUsize::new(0);
    let total = pairs.len();
    type PairResult = (DecisionFunction, SubproblemSummary, (f64, f64));
    let results: Vec<Result<PairResult>> = pairs
        .par_iter()
        .zip(&prob_perms)
        .map(|(&(i, j), perm)| {
            let members: Vec<usize> = g.perm[g.start[i]..g.start[i] + g.count[i]]
                .iter()
                .chain(&g.perm[g.start[j]..g.start[j] + g.count[j]])
                .copied()
                .collect();
            let sub_rows: Vec<usize> = members.iter().map(|&t| rows[t]).collect();
            let sub_y: Vec<f64> = (0..members.len())
                .map(|t| if t < g.count[i] { 1.0 } else { -1.0 })
                .collect();
            let ab = if params.probability {
                binary_svc_probability(
                    kr,
                    &sub_rows,
                    &sub_y,
                    &sub_params,
                    weighted_c[i],
                    weighted_c[j],
                    perm,
                )?
            } else {
                (0.0, 0.0)
            };
            let (f, s) = train_one(
                kr,
                &sub_rows,
                &sub_y,
                &sub_params,
                weighted_c[i],
                weighted_c[j],
            );
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(p) = progress {
                p(n, total);
            }
            Ok((f, s, ab))
        })
        .collect();
    let mut fs = Vec::with_capacity(total);
    for r in results {
        fs.push(r?);
    }

    // Which examples are support vectors of some pair.
    let l = rows.len();
    let mut nonzero = vec![false; l];
    for (&(i, j), (f, _, _)) in pairs.iter().zip(&fs) {
        let (ci, cj) = (g.count[i], g.count[j]);
        for t in 0..ci {
            if f.alpha[t] != 0.0 {
                nonzero[g.start[i] + t] = true;
            }
        }
        for t in 0..cj {
            if f.alpha[ci + t] != 0.0 {
                nonzero[g.start[j] + t] = true;
            }
        }
    }
    let n_sv: Vec<usize> = (0..k)
        .map(|c| (0..g.count[c]).filter(|&t| nonzero[g.start[c] + t]).count())
        .collect();
    let total_sv: usize = n_sv.iter().sum();
    let sv_pos: Vec<usize> = (0..l).filter(|&t| nonzero[t]).collect();
    let mut nz_start = vec![0usize; k];
    for c in 1..k {
        nz_start[c] = nz_start[c - 1] + n_sv[c - 1];
    }
    let mut sv_coef = vec![vec![0.0; total_sv]; k - 1];
    for (&(i, j), (f, _, _)) in pairs.iter().zip(&fs) {
        // Coefficients of class i go to row j−1, those of class j to row i.
        let mut q = nz_start[i];
        for t in 0..g.count[i] {
            if nonzero[g.start[i] + t] {
                sv_coef[j - 1][q] = f.alpha[t];
                q += 1;
            }
        }
        let mut q = nz_start[j];
        for t in 0..g.count[j] {
            if nonzero[g.start[j] + t] {
                sv_coef[i][q] = f.alpha[g.count[i] + t];
                q += 1;
            }
        }
    }
    let example_of: Vec<usize> = sv_pos.iter().map(|&t| g.perm[t]).collect();
    model.nr_class = k;
    model.labels = g.labels.clone();
    model.rho = fs.iter().map(|(f, _, _)| f.rho).collect();
    if params.probability {
        model.prob_a = fs.iter().map(|(_, _, ab)| ab.0).collect();
        model.prob_b = fs.iter().map(|(_, _, ab)| ab.1).collect();
    }
    model.n_sv = n_sv;
    model.sv = copy_svs(&example_of);
    model.sv_indices = example_of.iter().map(|&t| rows[t]).collect();
    model.sv_coef = sv_coef;
    model.summaries = fs.iter().map(|(_, s, _)| *s).collect();
    Ok(model)
}

/// Builds the kernel over `x` (`n × n_features`) with γ resolved from `params`.
pub(crate) fn kernel_rows<'a>(
    x: &'a [f32],
    n_features: usize,
    n: usize,
    params: &SvmParams,
) -> Result<KernelRows<'a>> {
    if x.len() != n * n_features {
        return Err(Error::Shape {
            op: "svm train",
            lhs: vec![x.len()],
            rhs: vec![n, n_features],
            expected: "x holds n_examples × n_features values".into(),
        });
    }
    if let Some(v) = x.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "feature value {v} is not finite"
        )));
    }
    let kernel = Kernel {
        kernel_type: params.kernel_type,
        degree: params.degree,
        gamma: params.gamma_for(n_features),
        coef0: params.coef0,
    };
    Ok(KernelRows::new(x, n_features, kernel))
}
