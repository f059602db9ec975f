//! Single-precision general matrix multiply, `C = α·op(A)·op(B) + β·C`.
//!
//! Matrices are strided views ([`MatRef`], [`MatMut`]) so a transpose is a layout, not a copy:
//! `a.t()` swaps the dimensions and the strides. BLAS semantics for `β = 0`: `C` is overwritten and
//! a NaN already in it does not survive.
//!
//! NOTE (skeleton): the body below is a straightforward loop nest; the BLIS-style blocked,
//! packed, SIMD implementation replaces it (issue 2).

use crate::arch::{self, Isa};

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
    let (rsc, csc) = (c.row_stride, c.col_stride);
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut acc = 0.0f32;
            for p in 0..a.cols {
                acc += a.at(i, p) * b.at(p, j);
            }
            let dst = &mut c.data[i * rsc + j * csc];
            *dst = if beta == 0.0 {
                alpha * acc
            } else {
                alpha * acc + beta * *dst
            };
        }
    }
}
