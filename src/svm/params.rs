//! Training parameters: LIBSVM's `svm_parameter`, with its defaults and its checks.

use crate::error::{Error, Result};

/// The formulation to solve: LIBSVM's `-s 0…4`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvmType {
    /// `-s 0`: C-support vector classification, `min ½αᵀQα − eᵀα, 0 ≤ αᵢ ≤ Cᵢ, yᵀα = 0`.
    CSvc,
    /// `-s 1`: ν-support vector classification, `min ½αᵀQα, 0 ≤ αᵢ ≤ 1/l, yᵀα = 0, eᵀα ≥ ν`.
    NuSvc,
    /// `-s 2`: one-class SVM (support estimation), `min ½αᵀQα, 0 ≤ αᵢ ≤ 1, eᵀα = νl`.
    OneClass,
    /// `-s 3`: ε-support vector regression.
    EpsilonSvr,
    /// `-s 4`: ν-support vector regression.
    NuSvr,
}

impl SvmType {
    /// The name in LIBSVM model files (`c_svc`, `nu_svc`, `one_class`, `epsilon_svr`, `nu_svr`).
    pub fn name(self) -> &'static str {
        match self {
            SvmType::CSvc => "c_svc",
            SvmType::NuSvc => "nu_svc",
            SvmType::OneClass => "one_class",
            SvmType::EpsilonSvr => "epsilon_svr",
            SvmType::NuSvr => "nu_svr",
        }
    }

    /// Parses a model-file name (see [`SvmType::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::CSvc,
            Self::NuSvc,
            Self::OneClass,
            Self::EpsilonSvr,
            Self::NuSvr,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }

    /// LIBSVM's number for `-s`.
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::CSvc,
            1 => Self::NuSvc,
            2 => Self::OneClass,
            3 => Self::EpsilonSvr,
            4 => Self::NuSvr,
            _ => return None,
        })
    }

    /// True for C-SVC and ν-SVC (the one-vs-one multi-class formulations).
    pub fn is_classification(self) -> bool {
        matches!(self, SvmType::CSvc | SvmType::NuSvc)
    }

    /// True for ε-SVR and ν-SVR.
    pub fn is_regression(self) -> bool {
        matches!(self, SvmType::EpsilonSvr | SvmType::NuSvr)
    }
}

/// The kernel `K(x, z)`: LIBSVM's `-t 0…3` (precomputed kernels are not supported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelType {
    /// `-t 0`: `K(x, z) = xᵀz`.
    Linear,
    /// `-t 1`: `K(x, z) = (γ·xᵀz + coef0)^degree`.
    Polynomial,
    /// `-t 2`: `K(x, z) = exp(−γ·‖x − z‖²)`.
    Rbf,
    /// `-t 3`: `K(x, z) = tanh(γ·xᵀz + coef0)`.
    Sigmoid,
}

impl KernelType {
    /// The name in LIBSVM model files (`linear`, `polynomial`, `rbf`, `sigmoid`).
    pub fn name(self) -> &'static str {
        match self {
            KernelType::Linear => "linear",
            KernelType::Polynomial => "polynomial",
            KernelType::Rbf => "rbf",
            KernelType::Sigmoid => "sigmoid",
        }
    }

    /// Parses a model-file name (see [`KernelType::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Linear, Self::Polynomial, Self::Rbf, Self::Sigmoid]
            .into_iter()
            .find(|t| t.name() == name)
    }

    /// LIBSVM's number for `-t`.
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::Linear,
            1 => Self::Polynomial,
            2 => Self::Rbf,
            3 => Self::Sigmoid,
            _ => return None,
        })
    }
}

/// Everything `svm-train` takes on its command line, with LIBSVM's defaults.
///
/// Build one with [`SvmParams::default`] (C-SVC, RBF, `C = 1`) or [`SvmParams::c_svc_rbf`] and
/// adjust fields; [`SvmParams::check`] validates it against the data (it runs inside training).
#[derive(Clone, Debug, PartialEq)]
pub struct SvmParams {
    /// The formulation (`-s`, default C-SVC).
    pub svm_type: SvmType,
    /// The kernel (`-t`, default RBF).
    pub kernel_type: KernelType,
    /// Polynomial degree (`-d`, default 3).
    pub degree: i32,
    /// Kernel γ (`-g`). `None` means LIBSVM's default `1 / num_features`, resolved at training.
    pub gamma: Option<f64>,
    /// Kernel offset (`-r`, default 0).
    pub coef0: f64,
    /// Cost C of C-SVC, ε-SVR and ν-SVR (`-c`, default 1).
    pub c: f64,
    /// ν of ν-SVC, one-class and ν-SVR (`-n`, default 0.5).
    pub nu: f64,
    /// ε of the ε-insensitive loss of ε-SVR (`-p`, default 0.1).
    pub p: f64,
    /// Kernel-column cache size in MB (`-m`, default 100).
    pub cache_size_mb: f64,
    /// Stopping tolerance on the maximal violation `m(α) − M(α)` (`-e`, default 0.001).
    pub eps: f64,
    /// Use the shrinking heuristic (`-h`, default true).
    pub shrinking: bool,
    /// Train Platt-scaling / Laplace models for probability estimates (`-b`, default false).
    pub probability: bool,
    /// Per-class weights `(label, w)`: class `label` uses `C·w` (`-wlabel w`).
    pub class_weights: Vec<(i32, f64)>,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            svm_type: SvmType::CSvc,
            kernel_type: KernelType::Rbf,
            degree: 3,
            gamma: None,
            coef0: 0.0,
            c: 1.0,
            nu: 0.5,
            p: 0.1,
            cache_size_mb: 100.0,
            eps: 1e-3,
            shrinking: true,
            probability: false,
            class_weights: Vec::new(),
        }
    }
}

impl SvmParams {
    /// C-SVC with the RBF kernel `exp(−γ‖x − z‖²)`, cost `c`; every other field at its default.
    pub fn c_svc_rbf(c: f64, gamma: f64) -> Self {
        SvmParams {
            c,
            gamma: Some(gamma),
            ..Self::default()
        }
    }

    /// γ to use for data with `num_features` features: the given one or `1 / num_features`
    /// (LIBSVM's default; 0 when there are no features).
    pub fn gamma_for(&self, num_features: usize) -> f64 {
        match self.gamma {
            Some(g) => g,
            None if num_features > 0 => 1.0 / num_features as f64,
            None => 0.0,
        }
    }

    /// LIBSVM's `svm_check_parameter` without the data-dependent ν-SVC feasibility check.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the offending parameter.
    pub fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::InvalidArgument(m.to_string()));
        let finite = [
            ("gamma", self.gamma.unwrap_or(0.0)),
            ("coef0", self.coef0),
            ("C", self.c),
            ("nu", self.nu),
            ("p", self.p),
            ("cache size", self.cache_size_mb),
            ("eps", self.eps),
        ];
        for (name, v) in finite {
            if !v.is_finite() {
                return bad(&format!("{name} must be a finite number (got {v})"));
            }
        }
        if matches!(self.gamma, Some(g) if g < 0.0) {
            return bad("gamma < 0");
        }
        if self.kernel_type == KernelType::Polynomial && self.degree < 0 {
            return bad("degree of polynomial kernel < 0");
        }
        if self.cache_size_mb <= 0.0 {
            return bad("cache_size <= 0");
        }
        if self.eps <= 0.0 {
            return bad("eps <= 0");
        }
        if matches!(
            self.svm_type,
            SvmType::CSvc | SvmType::EpsilonSvr | SvmType::NuSvr
        ) && self.c <= 0.0
        {
            return bad("C <= 0");
        }
        if matches!(
            self.svm_type,
            SvmType::NuSvc | SvmType::OneClass | SvmType::NuSvr
        ) && (self.nu <= 0.0 || self.nu > 1.0)
        {
            return bad("nu <= 0 or nu > 1");
        }
        if self.svm_type == SvmType::EpsilonSvr && self.p < 0.0 {
            return bad("p < 0");
        }
        if self.probability && self.svm_type == SvmType::OneClass {
            return bad("one-class SVM probability output not supported yet");
        }
        for &(label, w) in &self.class_weights {
            if !w.is_finite() || w <= 0.0 {
                return bad(&format!("weight of class {label} must be > 0 (got {w})"));
            }
        }
        Ok(())
    }
}
