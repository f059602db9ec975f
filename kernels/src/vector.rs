//! Level-1 vector kernels, dispatched like [`crate::gemm`]: one generic body per kernel over
//! the crate's SIMD vocabulary, a `#[target_feature]` wrapper per ISA, and a public function
//! that runs the active ISA ([`crate::arch::active`]). Each kernel `f` also has an `f_with(isa, …)`
//! form that runs an explicitly chosen path (tests and benchmarks use it).
//!
//! Reductions (`dot`, `sum`, `squared_distance`) keep four registers of partial sums, combine
//! them in a fixed order and add the leftover elements last, so a given ISA always returns the
//! same bits for the same input; different ISAs may differ in the last bits (the reference in
//! [`crate::reference`] bounds how much).
//!
//! All of them panic, with a message naming the kernel, when two slices differ in length, or
//! when asked to run an ISA the CPU lacks.

use crate::arch::{self, Isa};
use crate::simd::SimdF32;

fn same_len(what: &str, a: usize, b: usize) {
    assert!(a == b, "{what}: slices differ in length ({a} vs {b})");
}

fn supported(what: &str, isa: Isa) {
    assert!(
        isa.is_supported(),
        "{what}: this CPU cannot run the {isa} path"
    );
}

/// The generic bodies. Each reads and writes only within the slices it is given.
mod body {
    use super::SimdF32;

    /// Folds `x` (and `y`) in chunks of four registers with `step(acc, xv, yv)`, then single
    /// registers, combining partial sums as `(a0 + a1) + (a2 + a3)`; returns the reduced
    /// register sum and the index of the first element not consumed.
    #[inline(always)]
    unsafe fn fold2<V: SimdF32>(x: &[f32], y: &[f32], step: impl Fn(V, V, V) -> V) -> (f32, usize) {
        let l = V::LANES;
        let n = x.len().min(y.len());
        let (xp, yp) = (x.as_ptr(), y.as_ptr());
        // SAFETY: every load reads l values starting below n − l + 1.
        unsafe {
            let mut acc = [V::zero(); 4];
            let mut i = 0;
            while i + 4 * l <= n {
                for (r, a) in acc.iter_mut().enumerate() {
                    *a = step(*a, V::load(xp.add(i + r * l)), V::load(yp.add(i + r * l)));
                }
                i += 4 * l;
            }
            while i + l <= n {
                acc[0] = step(acc[0], V::load(xp.add(i)), V::load(yp.add(i)));
                i += l;
            }
            let s = acc[0].add(acc[1]).add(acc[2].add(acc[3]));
            (s.reduce_sum(), i)
        }
    }

    #[inline(always)]
    pub unsafe fn dot<V: SimdF32>(x: &[f32], y: &[f32]) -> f32 {
        // SAFETY: forwarded (the ISA is available).
        let (mut s, i) = unsafe { fold2::<V>(x, y, |a, xv, yv| xv.mul_add(yv, a)) };
        for (a, b) in x[i..].iter().zip(&y[i..]) {
            s += a * b;
        }
        s
    }

    #[inline(always)]
    pub unsafe fn squared_distance<V: SimdF32>(x: &[f32], y: &[f32]) -> f32 {
        // SAFETY: forwarded.
        let (mut s, i) = unsafe {
            fold2::<V>(x, y, |a, xv, yv| {
                let d = xv.sub(yv);
                d.mul_add(d, a)
            })
        };
        for (a, b) in x[i..].iter().zip(&y[i..]) {
            s += (a - b) * (a - b);
        }
        s
    }

    #[inline(always)]
    pub unsafe fn sum<V: SimdF32>(x: &[f32]) -> f32 {
        // SAFETY: forwarded.
        let (mut s, i) = unsafe { fold2::<V>(x, x, |a, xv, _| a.add(xv)) };
        for v in &x[i..] {
            s += v;
        }
        s
    }

    /// The largest element by vector max, plus a sum used only to detect NaN cheaply: a NaN
    /// anywhere makes the sum NaN; a NaN sum without one (∞ − ∞) is settled by a scan.
    #[inline(always)]
    pub unsafe fn max<V: SimdF32>(x: &[f32]) -> f32 {
        let l = V::LANES;
        let p = x.as_ptr();
        let mut m = f32::NEG_INFINITY;
        let mut guard = 0.0f32;
        let mut i = 0;
        // SAFETY: loads stay below x.len().
        unsafe {
            let mut mv = V::splat(f32::NEG_INFINITY);
            let mut sv = V::zero();
            while i + l <= x.len() {
                let v = V::load(p.add(i));
                mv = mv.max(v);
                sv = sv.add(v);
                i += l;
            }
            if i > 0 {
                m = mv.reduce_max();
                guard = sv.reduce_sum();
            }
        }
        for &v in &x[i..] {
            guard += v;
            if v > m {
                m = v;
            }
        }
        if guard.is_nan() && x.iter().any(|v| v.is_nan()) {
            return f32::NAN;
        }
        m
    }

    #[inline(always)]
    pub unsafe fn axpy<V: SimdF32>(alpha: f32, x: &[f32], y: &mut [f32]) {
        let l = V::LANES;
        let n = x.len().min(y.len());
        let mut i = 0;
        // SAFETY: loads and stores stay below n.
        unsafe {
            let a = V::splat(alpha);
            while i + l <= n {
                let yp = y.as_mut_ptr().add(i);
                a.mul_add(V::load(x.as_ptr().add(i)), V::load(yp)).store(yp);
                i += l;
            }
        }
        for (yv, xv) in y[i..n].iter_mut().zip(&x[i..n]) {
            *yv += alpha * xv;
        }
    }

    #[inline(always)]
    pub unsafe fn scale<V: SimdF32>(alpha: f32, x: &mut [f32]) {
        let l = V::LANES;
        let mut i = 0;
        // SAFETY: loads and stores stay below x.len().
        unsafe {
            let a = V::splat(alpha);
            while i + l <= x.len() {
                let p = x.as_mut_ptr().add(i);
                V::load(p).mul(a).store(p);
                i += l;
            }
        }
        for v in &mut x[i..] {
            *v *= alpha;
        }
    }

    #[inline(always)]
    pub unsafe fn relu<V: SimdF32>(x: &[f32], y: &mut [f32]) {
        let l = V::LANES;
        let n = x.len().min(y.len());
        let mut i = 0;
        // SAFETY: loads and stores stay below n.
        unsafe {
            let z = V::zero();
            while i + l <= n {
                // max(x, 0) with x first: x86 returns the second operand (0) for a NaN x.
                V::load(x.as_ptr().add(i))
                    .max(z)
                    .store(y.as_mut_ptr().add(i));
                i += l;
            }
        }
        for (yv, &xv) in y[i..n].iter_mut().zip(&x[i..n]) {
            *yv = if xv > 0.0 { xv } else { 0.0 };
        }
    }

    /// `exp` by range reduction and a polynomial (the Cephes `expf` scheme): with
    /// `n = round(x·log₂e)` and `r = x − n·ln 2` (ln 2 split in two for exactness),
    /// `eˣ = 2ⁿ·eʳ`, `|r| ≤ ln2/2`, and `eʳ ≈ 1 + r + r²·P(r)` with a degree-5 `P`; `2ⁿ` is
    /// built in the exponent bits. Written lane-independently so the compiler vectorizes it for
    /// the wrapper's ISA. Relative error about 2 ulp; overflow gives +∞, underflow below
    /// `e^-87.3` gives 0, NaN stays NaN.
    #[inline(always)]
    pub fn exp(x: &mut [f32]) {
        const LOG2E: f32 = std::f32::consts::LOG2_E;
        const C1: f32 = 0.693_359_4;
        const C2: f32 = -2.121_944_4e-4;
        const ROUND: f32 = 12_582_912.0; // 1.5·2²³: adding and subtracting rounds to an integer
        for v in x.iter_mut() {
            let x0 = *v;
            let xc = x0.clamp(-87.336_55, 88.722_84);
            let n = (xc * LOG2E + ROUND) - ROUND;
            let r = xc - n * C1 - n * C2;
            let mut p = 1.987_569_1e-4f32;
            p = p * r + 1.398_199_9e-3;
            p = p * r + 8.333_452e-3;
            p = p * r + 4.166_579_6e-2;
            p = p * r + 1.666_666_5e-1;
            p = p * r + 0.5;
            let er = p * r * r + r + 1.0;
            let scale = f32::from_bits((((n as i32) + 127).clamp(0, 255) as u32) << 23);
            let y = er * scale;
            *v = if x0 > 88.722_84 {
                f32::INFINITY
            } else if x0 < -87.336_55 {
                0.0
            } else if x0.is_nan() {
                x0
            } else {
                y
            };
        }
    }
}

/// Declares one module of ISA wrappers: each function instantiates a generic body for `$v`
/// under the given `#[target_feature]` attributes.
macro_rules! isa_wrappers {
    ($name:ident, $v:ty, $(#[$attr:meta])*) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use super::body;
            $(#[$attr])*
            pub unsafe fn dot(x: &[f32], y: &[f32]) -> f32 {
                // SAFETY: the dispatcher checked the ISA.
                unsafe { body::dot::<$v>(x, y) }
            }
            $(#[$attr])*
            pub unsafe fn squared_distance(x: &[f32], y: &[f32]) -> f32 {
                // SAFETY: as above.
                unsafe { body::squared_distance::<$v>(x, y) }
            }
            $(#[$attr])*
            pub unsafe fn sum(x: &[f32]) -> f32 {
                // SAFETY: as above.
                unsafe { body::sum::<$v>(x) }
            }
            $(#[$attr])*
            pub unsafe fn max(x: &[f32]) -> f32 {
                // SAFETY: as above.
                unsafe { body::max::<$v>(x) }
            }
            $(#[$attr])*
            pub unsafe fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
                // SAFETY: as above.
                unsafe { body::axpy::<$v>(alpha, x, y) }
            }
            $(#[$attr])*
            pub unsafe fn scale(alpha: f32, x: &mut [f32]) {
                // SAFETY: as above.
                unsafe { body::scale::<$v>(alpha, x) }
            }
            $(#[$attr])*
            pub unsafe fn relu(x: &[f32], y: &mut [f32]) {
                // SAFETY: as above.
                unsafe { body::relu::<$v>(x, y) }
            }
            $(#[$attr])*
            pub unsafe fn exp(x: &mut [f32]) {
                body::exp(x)
            }
        }
    };
}

isa_wrappers!(scalar, f32,);
isa_wrappers!(portable, wide::f32x4,);
#[cfg(target_arch = "x86_64")]
isa_wrappers!(avx2, std::arch::x86_64::__m256, #[target_feature(enable = "avx2,fma")]);
#[cfg(target_arch = "x86_64")]
isa_wrappers!(avx512, std::arch::x86_64::__m512, #[target_feature(enable = "avx512f")]);
#[cfg(target_arch = "aarch64")]
isa_wrappers!(neon, std::arch::aarch64::float32x4_t, #[target_feature(enable = "neon")]);

/// Calls `$f` from the wrapper module of `$isa`.
macro_rules! dispatch {
    ($isa:expr, $f:ident($($arg:expr),*)) => {{
        let isa: Isa = $isa;
        supported(stringify!($f), isa);
        // SAFETY: `supported` asserted that this CPU runs `isa`.
        unsafe {
            match isa {
                Isa::Scalar => scalar::$f($($arg),*),
                Isa::Portable => portable::$f($($arg),*),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => avx2::$f($($arg),*),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => avx512::$f($($arg),*),
                #[cfg(target_arch = "aarch64")]
                Isa::Neon => neon::$f($($arg),*),
                #[allow(unreachable_patterns)]
                _ => unreachable!(),
            }
        }
    }};
}

/// `Σ xᵢ·yᵢ`.
///
/// # Panics
/// If the slices differ in length.
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    dot_with(arch::active(), x, y)
}

/// [`dot`] on `isa`.
///
/// # Panics
/// As [`dot`], and if the CPU cannot run `isa`.
pub fn dot_with(isa: Isa, x: &[f32], y: &[f32]) -> f32 {
    same_len("dot", x.len(), y.len());
    dispatch!(isa, dot(x, y))
}

/// `y ← α·x + y`.
///
/// # Panics
/// If the slices differ in length.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    axpy_with(arch::active(), alpha, x, y)
}

/// [`axpy`] on `isa`.
///
/// # Panics
/// As [`axpy`], and if the CPU cannot run `isa`.
pub fn axpy_with(isa: Isa, alpha: f32, x: &[f32], y: &mut [f32]) {
    same_len("axpy", x.len(), y.len());
    dispatch!(isa, axpy(alpha, x, y))
}

/// `x ← α·x`.
pub fn scale(alpha: f32, x: &mut [f32]) {
    scale_with(arch::active(), alpha, x)
}

/// [`scale`] on `isa`.
///
/// # Panics
/// If the CPU cannot run `isa`.
pub fn scale_with(isa: Isa, alpha: f32, x: &mut [f32]) {
    dispatch!(isa, scale(alpha, x))
}

/// `Σ xᵢ` (0 for an empty slice).
pub fn sum(x: &[f32]) -> f32 {
    sum_with(arch::active(), x)
}

/// [`sum`] on `isa`.
///
/// # Panics
/// If the CPU cannot run `isa`.
pub fn sum_with(isa: Isa, x: &[f32]) -> f32 {
    dispatch!(isa, sum(x))
}

/// `max xᵢ` (−∞ for an empty slice; NaN if any element is NaN).
pub fn max(x: &[f32]) -> f32 {
    max_with(arch::active(), x)
}

/// [`max`] on `isa`.
///
/// # Panics
/// If the CPU cannot run `isa`.
pub fn max_with(isa: Isa, x: &[f32]) -> f32 {
    dispatch!(isa, max(x))
}

/// `yᵢ = max(xᵢ, 0)`. A NaN input gives 0 on the x86 and scalar paths and NaN on NEON.
///
/// # Panics
/// If the slices differ in length.
pub fn relu(x: &[f32], y: &mut [f32]) {
    relu_with(arch::active(), x, y)
}

/// [`relu`] on `isa`.
///
/// # Panics
/// As [`relu`], and if the CPU cannot run `isa`.
pub fn relu_with(isa: Isa, x: &[f32], y: &mut [f32]) {
    same_len("relu", x.len(), y.len());
    dispatch!(isa, relu(x, y))
}

/// `xᵢ ← exp(xᵢ)` in place, to within about 2 ulp (relative 3·10⁻⁷); `+∞` above 88.72, 0 below
/// −87.34 (where the true value is subnormal), NaN stays NaN.
pub fn exp(x: &mut [f32]) {
    exp_with(arch::active(), x)
}

/// [`exp`] on `isa`.
///
/// # Panics
/// If the CPU cannot run `isa`.
pub fn exp_with(isa: Isa, x: &mut [f32]) {
    dispatch!(isa, exp(x))
}

/// `Σ (xᵢ − yᵢ)²`.
///
/// # Panics
/// If the slices differ in length.
pub fn squared_distance(x: &[f32], y: &[f32]) -> f32 {
    squared_distance_with(arch::active(), x, y)
}

/// [`squared_distance`] on `isa`.
///
/// # Panics
/// As [`squared_distance`], and if the CPU cannot run `isa`.
pub fn squared_distance_with(isa: Isa, x: &[f32], y: &[f32]) -> f32 {
    same_len("squared_distance", x.len(), y.len());
    dispatch!(isa, squared_distance(x, y))
}
