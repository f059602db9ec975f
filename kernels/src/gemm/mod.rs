//! Single-precision general matrix multiply, `C = α·op(A)·op(B) + β·C`.
//!
//! Matrices are strided views ([`MatRef`], [`MatMut`]) so a transpose is a layout, not a copy:
//! `a.t()` swaps the dimensions and the strides. BLAS semantics for `β = 0`: `C` is overwritten and
//! a NaN already in it does not survive.
//!
//! ## How a product is computed
//!
//! [`sgemm_with`] checks the views, then picks a path by shape ([`run`]):
//!
//! * `m = 0` or `n = 0`: nothing; `k = 0` or `α = 0`: `C = β·C` (A and B are not read);
//! * AVX2 only — `small` (at most 2¹⁸ flops, depth ≤ 256, a C contiguous along its rows or
//!   columns): A and B read in place (a `Bᵀ` contiguous only along the depth copied to the
//!   stack), 6 × 16 register tiles with masked edges, no packing, no thread-local buffers, no
//!   threads; checked first, but never taking the inner-product or skinny short-side shapes
//!   below. Every element is the blocked path's FMA chain, so the same bits (`small.rs`);
//! * small output, long depth, A and Bᵀ contiguous along the depth (`dW = dY·colsᵀ`):
//!   [`inner_product`] — no packing, lane-parallel dot products; on AVX2, when the long side of
//!   C is at least 128 (conv2's weight gradient), the skinny path's outer products instead;
//! * AVX2 only — `skinny` (vectors along the rows of C, A packed transposed, every value of B
//!   broadcast once per 16 rows): `A·Bᵀ` as above with a short side of 33–64, and 9–64 rows
//!   times a row-major B that fits in L2 (conv2's forward product at batch 4; fc1 at batch
//!   64), see `skinny.rs`;
//!   `stream_b` (B read row by row in long runs, accumulators in L1): at most 8 rows times a
//!   shallow row-major B of more than a quarter of L3 (conv1's forward product at batch 64);
//! * everything else: [`blocked`] — the five BLIS loops around a register-tiled microkernel,
//!   with B read in place (not packed) when it is row-major and reused little (few rows of A,
//!   or a shallow depth: LeNet's forward convolutions).
//!
//! Products of at least [`PARALLEL_FLOPS`] run on rayon, split over output tiles only; every
//! element of C is computed by the same sequence of operations at any thread count, so results
//! are bit-identical at 1 and N threads.
//!
//! The microkernels ([`microkernel`]) are one generic body over [`crate::simd::SimdF32`] with a
//! `#[target_feature]` wrapper per ISA: AVX-512F 14×32, AVX2+FMA 6×16 (or 4×24 when that pads
//! less; their deep depth loops in inline assembly, `kernel_avx2`), NEON 8×8, portable (`wide`)
//! 4×8, scalar 4×4. Packing transposes strided sources with AVX2 8×8 register transposes on the
//! x86 SIMD paths (`pack_avx2`).

mod blocked;
mod blocking;
mod c_ptr;
mod inner_product;
mod microkernel;
mod pack;
#[cfg(target_arch = "x86_64")]
mod pack_avx2;
#[cfg(target_arch = "x86_64")]
mod skinny;
#[cfg(target_arch = "x86_64")]
mod small;
#[cfg(target_arch = "x86_64")]
mod stream_b;

#[cfg(target_arch = "x86_64")]
mod kernel_avx2;
#[cfg(target_arch = "x86_64")]
mod kernel_avx512;
#[cfg(all(test, target_arch = "x86_64"))]
mod kernel_emulated;
#[cfg(target_arch = "aarch64")]
mod kernel_neon;
mod kernel_portable;
mod kernel_scalar;

pub use blocking::Blocking;

use crate::arch::{self, Isa};
#[cfg(target_arch = "x86_64")]
use kernel_avx2::{Avx2, Avx2Wide};
#[cfg(target_arch = "x86_64")]
use kernel_avx512::Avx512;
#[cfg(target_arch = "aarch64")]
use kernel_neon::Neon;
use kernel_portable::Portable;
use kernel_scalar::Scalar;
use microkernel::Microkernel;

/// A read-only strided view of an `rows × cols` f32 matrix: element `(i, j)` is
/// `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    /// The backing storage.
    pub data: &'a [f32],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Distance in elements between `(i, j)` and `(i + 1, j)`.
    pub row_stride: usize,
    /// Distance in elements between `(i, j)` and `(i, j + 1)`.
    pub col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A contiguous row-major `rows × cols` view.
    ///
    /// # Panics
    /// If `data` holds fewer than `rows * cols` elements.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        let m = MatRef {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        };
        m.check("MatRef::row_major");
        m
    }

    /// A strided view.
    ///
    /// # Panics
    /// If the largest index `(rows-1)*row_stride + (cols-1)*col_stride` is out of `data`.
    pub fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        let m = MatRef {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        };
        m.check("MatRef::strided");
        m
    }

    /// The transpose, as a view of the same storage (`cols × rows`, strides swapped).
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Element `(i, j)`.
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.row_stride + j * self.col_stride]
    }

    pub(crate) fn check(&self, what: &str) {
        check_extent(
            what,
            self.data.len(),
            self.rows,
            self.cols,
            self.row_stride,
            self.col_stride,
        );
    }
}

/// A mutable strided view of an `rows × cols` f32 matrix; see [`MatRef`]. The strides must map
/// distinct elements to distinct positions (checked: one stride must be at least the other
/// dimension times the other stride).
#[derive(Debug)]
pub struct MatMut<'a> {
    /// The backing storage.
    pub data: &'a mut [f32],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Distance in elements between `(i, j)` and `(i + 1, j)`.
    pub row_stride: usize,
    /// Distance in elements between `(i, j)` and `(i, j + 1)`.
    pub col_stride: usize,
}

impl<'a> MatMut<'a> {
    /// A contiguous row-major `rows × cols` view.
    ///
    /// # Panics
    /// If `data` holds fewer than `rows * cols` elements.
    pub fn row_major(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        let m = MatMut {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        };
        m.check("MatMut::row_major");
        m
    }

    /// A strided view.
    ///
    /// # Panics
    /// If an index is out of `data`, or if two elements would share a position.
    pub fn strided(
        data: &'a mut [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        let m = MatMut {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        };
        m.check("MatMut::strided");
        m
    }

    /// The transpose, as a view of the same storage.
    pub fn t(self) -> Self {
        MatMut {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Reborrows the view.
    pub fn rb(&mut self) -> MatMut<'_> {
        MatMut {
            data: self.data,
            rows: self.rows,
            cols: self.cols,
            row_stride: self.row_stride,
            col_stride: self.col_stride,
        }
    }

    pub(crate) fn check(&self, what: &str) {
        check_extent(
            what,
            self.data.len(),
            self.rows,
            self.cols,
            self.row_stride,
            self.col_stride,
        );
        if self.rows > 1 && self.cols > 1 {
            let distinct = self.row_stride >= self.cols * self.col_stride && self.col_stride > 0
                || self.col_stride >= self.rows * self.row_stride && self.row_stride > 0;
            assert!(
                distinct,
                "{what}: strides (row {}, col {}) make elements of a {}x{} output overlap",
                self.row_stride, self.col_stride, self.rows, self.cols
            );
        }
    }
}

fn check_extent(what: &str, len: usize, rows: usize, cols: usize, rs: usize, cs: usize) {
    if rows == 0 || cols == 0 {
        return;
    }
    let last = (rows - 1)
        .checked_mul(rs)
        .and_then(|r| (cols - 1).checked_mul(cs).and_then(|c| r.checked_add(c)));
    match last {
        Some(last) if last < len => {}
        _ => panic!(
            "{what}: a {rows}x{cols} matrix with strides (row {rs}, col {cs}) needs more than the {len} elements given"
        ),
    }
}

/// `C = α·A·B + β·C` on the active instruction set ([`arch::active`]). Transposed operands are
/// passed as transposed views ([`MatRef::t`]).
///
/// ```
/// use lepton_kernels::{sgemm, MatMut, MatRef};
/// // A is 2×3; B is stored as the 2×3 matrix Bᵀ, so `b.t()` is the 3×2 operand.
/// let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let bt = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
/// let mut c = [f32::NAN; 4]; // β = 0: the old contents are never read
/// sgemm(1.0, MatRef::row_major(&a, 2, 3), MatRef::row_major(&bt, 2, 3).t(), 0.0,
///       MatMut::row_major(&mut c, 2, 2));
/// assert_eq!(c, [4.0, 2.0, 10.0, 5.0]);
/// ```
///
/// # Panics
/// If the shapes disagree (`A` is `m×k`, `B` is `k×n`, `C` is `m×n`) or a view is out of bounds.
pub fn sgemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: MatMut<'_>) {
    sgemm_with(arch::active(), alpha, a, b, beta, c)
}

/// [`sgemm`] on an explicitly chosen instruction set.
///
/// # Panics
/// As [`sgemm`], and if the CPU cannot run `isa`.
pub fn sgemm_with(isa: Isa, alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: MatMut<'_>) {
    assert!(
        isa.is_supported(),
        "sgemm: this CPU cannot run the {isa} path"
    );
    a.check("sgemm: A");
    b.check("sgemm: B");
    c.check("sgemm: C");
    assert!(
        a.cols == b.rows && a.rows == c.rows && b.cols == c.cols,
        "sgemm: shapes do not agree: A is {}x{}, B is {}x{}, C is {}x{}",
        a.rows,
        a.cols,
        b.rows,
        b.cols,
        c.rows,
        c.cols
    );
    dispatch(isa, alpha, &a, &b, beta, c);
}

/// Products of at least this many flops (`2·m·n·k`) run on rayon: below it, the cost of waking
/// threads exceeds the work (about 60 µs of one core at 70 GFLOPS).
pub const PARALLEL_FLOPS: usize = 1 << 22;

/// The register tile (MR, NR) and block sizes (MC, KC, NC) the blocked path uses on `isa` (on
/// AVX2 those of the 6 × 16 tile; its KC is the depth block of every tile of the ISA).
pub fn blocking(isa: Isa) -> Blocking {
    match isa {
        Isa::Scalar => Blocking::for_tile(Scalar::MR, Scalar::NR),
        Isa::Portable => Blocking::for_tile(Portable::MR, Portable::NR),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => Blocking::for_tile(Avx2::MR, Avx2::NR),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => Blocking::for_tile(Avx512::MR, Avx512::NR),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => Blocking::for_tile(Neon::MR, Neon::NR),
        #[allow(unreachable_patterns)]
        _ => Blocking::for_tile(Scalar::MR, Scalar::NR),
    }
}

/// Runs the product on `isa`'s kernels: on AVX2, small products on the small-product path
/// (`small::try_gemm`, first: choosing a tile and the checks of [`run`] would show in calls
/// of well under a microsecond), the rest through [`run`] with the 6 × 16 or the 4 × 24 tile.
fn dispatch(isa: Isa, alpha: f32, a: &MatRef<'_>, b: &MatRef<'_>, beta: f32, mut c: MatMut<'_>) {
    match isa {
        Isa::Scalar => run::<Scalar>(alpha, a, b, beta, &mut c),
        Isa::Portable => run::<Portable>(alpha, a, b, beta, &mut c),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => {
            let (m, n) = (c.rows, c.cols);
            if small::try_gemm(alpha, a, b, beta, &mut c) {
                return;
            }
            // Each tile in the orientation it would run in (see `transpose_pads_less`).
            let area = |mr: usize, nr: usize| {
                if transpose_pads_less(m, n, mr, nr) {
                    padded_area(n, m, mr, nr)
                } else {
                    padded_area(m, n, mr, nr)
                }
            };
            // The 4×24 tile only where it saves at least 5% of padded work.
            if 20 * area(Avx2Wide::MR, Avx2Wide::NR) <= 19 * area(Avx2::MR, Avx2::NR) {
                run::<Avx2Wide>(alpha, a, b, beta, &mut c)
            } else {
                run::<Avx2>(alpha, a, b, beta, &mut c)
            }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => run::<Avx512>(alpha, a, b, beta, &mut c),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => run::<Neon>(alpha, a, b, beta, &mut c),
        #[allow(unreachable_patterns)]
        _ => unreachable!("sgemm: {isa} is not compiled for this architecture"),
    }
}

/// Chooses the path by shape: trivial cases, the inner-product path (or on AVX2 the skinny
/// path for the same shapes with a long side of 128 or more), the AVX2 skinny and streaming
/// paths, or the blocked loops.
fn run<K: Microkernel>(alpha: f32, a: &MatRef<'_>, b: &MatRef<'_>, beta: f32, c: &mut MatMut<'_>) {
    // (Test builds also run the AVX-512 geometry on emulated registers: `kernel_emulated`.)
    debug_assert!(cfg!(test) || K::ISA.is_supported());
    let (m, n, k) = (c.rows, c.cols, a.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == 0.0 {
        scale_c(beta, c);
        return;
    }
    let parallel = rayon::current_num_threads() > 1
        && 2usize.saturating_mul(m).saturating_mul(n).saturating_mul(k) >= PARALLEL_FLOPS;
    if K::ISA == Isa::Avx2 && run_avx2_paths(alpha, a, b, beta, c, parallel) {
        return;
    }
    if inner_product::suits(m, n, k, a, b) {
        inner_product::gemm::<K>(alpha, a, b, beta, c, parallel);
    } else {
        let bs = blocking_for::<K>();
        if transpose_pads_less(m, n, K::MR, K::NR) {
            // `Cᵀ = Bᵀ·Aᵀ`: each element is the same FMA chain (the two factors of every
            // product swap places, which does not change an FMA), so the same bits.
            blocked::gemm::<K>(&bs, alpha, &b.t(), &a.t(), beta, &mut c.rb().t(), parallel);
        } else {
            blocked::gemm::<K>(&bs, alpha, a, b, beta, c, parallel);
        }
    }
}

/// The blocked loops' block sizes for tile `K`, with the depth block of its ISA ([`blocking`]):
/// an element of C is one FMA chain per depth block, so when all tiles of an ISA share it, the
/// tile a product takes — chosen by its shape — never changes how its sums are rounded. (AVX2's
/// 4 × 24 tile alone would take 192 steps; with the 6 × 16 tile's 256 it ran no slower:
/// 100 × 720 × 1024 at 0.92× OpenBLAS against 0.85–0.90×, paired.)
fn blocking_for<K: Microkernel>() -> Blocking {
    Blocking {
        kc: blocking(K::ISA).kc,
        ..Blocking::for_tile(K::MR, K::NR)
    }
}

/// Tiles of `mr × nr` cover an `m × n` C with this many elements, padding included.
fn padded_area(m: usize, n: usize, mr: usize, nr: usize) -> usize {
    m.div_ceil(mr) * mr * n.div_ceil(nr) * nr
}

/// Whether the blocked loops should compute `Cᵀ = Bᵀ·Aᵀ` instead: when that covers C with at
/// least 5 % less padding — a C with fewer columns than the tile's width and more rows than
/// its height, where every tile of `C` would be a ragged edge tile (533 × 2 × 188: 0.65× →
/// 1.01× OpenBLAS; 176 × 5 × 444: 0.92× → 1.57×; 222 × 9 × 357 `Aᵀ·B`: 0.81× → 1.08×, paired
/// one-thread runs of 2026-11-27).
fn transpose_pads_less(m: usize, n: usize, mr: usize, nr: usize) -> bool {
    20 * padded_area(n, m, mr, nr) <= 19 * padded_area(m, n, mr, nr)
}

/// The AVX2-only paths: runs the product and returns `true` when its shape suits one of them —
/// the inner-product shapes with a long side of 128 or more, `A·Bᵀ` with a short side of 33–64
/// and few rows times a row-major B go to [`skinny`], at most 8 rows times a large shallow
/// row-major B to [`stream_b`]. The caller has checked that the CPU runs AVX2 + FMA.
#[cfg(target_arch = "x86_64")]
fn run_avx2_paths(
    alpha: f32,
    a: &MatRef<'_>,
    b: &MatRef<'_>,
    beta: f32,
    c: &mut MatMut<'_>,
    parallel: bool,
) -> bool {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    if inner_product::suits(m, n, k, a, b) {
        if !skinny::suits_short_side(m, n) {
            return false;
        }
        skinny::gemm_short_side(alpha, a, b, beta, c, parallel);
    } else if skinny::suits_mid_short_side(m, n, k, a, b) {
        skinny::gemm_short_side(alpha, a, b, beta, c, parallel);
    } else if skinny::suits_row_major_b(m, n, k, b) {
        skinny::gemm(alpha, a, b, beta, c, parallel);
    } else if stream_b::suits(m, n, k, b) {
        stream_b::gemm(alpha, a, b, beta, c, parallel);
    } else {
        return false;
    }
    true
}

/// No AVX2 paths outside x86-64.
#[cfg(not(target_arch = "x86_64"))]
fn run_avx2_paths(
    _alpha: f32,
    _a: &MatRef<'_>,
    _b: &MatRef<'_>,
    _beta: f32,
    _c: &mut MatMut<'_>,
    _parallel: bool,
) -> bool {
    false
}

/// `C = β·C`, with `β = 0` writing zeros (BLAS: C is not read).
fn scale_c(beta: f32, c: &mut MatMut<'_>) {
    for i in 0..c.rows {
        for j in 0..c.cols {
            let x = &mut c.data[i * c.row_stride + j * c.col_stride];
            *x = if beta == 0.0 { 0.0 } else { beta * *x };
        }
    }
}
