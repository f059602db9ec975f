//! Matrix products: `matmul` and the fully-connected `linear` layer's op.

use super::recycler;
use super::tape::{shape_error, Backward, Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;
use lepton_kernels::gemm::{sgemm, MatMut, MatRef};

fn mat(t: &Tensor) -> MatRef<'_> {
    MatRef::row_major(t.data(), t.shape()[0], t.shape()[1])
}

/// `C = A·B` (`[m, k]·[k, n]`);  `∂L/∂A = ∂L/∂C · Bᵀ`, `∂L/∂B = Aᵀ · ∂L/∂C`.
/// The transposes are strided views, not copies.
struct MatMul;
impl Backward for MatMul {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        let (a, b) = (inputs[0], inputs[1]);
        let da = needs[0].then(|| {
            let mut da = recycler::zeros(a.shape());
            sgemm(
                1.0,
                mat(grad),
                mat(b).t(),
                0.0,
                MatMut::row_major(da.data_mut(), a.shape()[0], a.shape()[1]),
            );
            da
        });
        let db = needs[1].then(|| {
            let mut db = recycler::zeros(b.shape());
            sgemm(
                1.0,
                mat(a).t(),
                mat(grad),
                0.0,
                MatMut::row_major(db.data_mut(), b.shape()[0], b.shape()[1]),
            );
            db
        });
        vec![da, db]
    }
}

/// `y = x·Wᵀ + b` for `x: [N, in]`, `W: [out, in]` (PyTorch's layout), `b: [out]`:
///
/// `∂L/∂x = ∂L/∂y · W`, `∂L/∂W = (∂L/∂y)ᵀ · x`, `∂L/∂b = Σ_rows ∂L/∂y`.
struct Linear;
impl Backward for Linear {
    fn backward(
        &self,
        inputs: &[&Tensor],
        _: &Tensor,
        grad: &Tensor,
        needs: &[bool],
    ) -> Vec<Option<Tensor>> {
        let (x, w) = (inputs[0], inputs[1]);
        let (n, fin, fout) = (x.shape()[0], x.shape()[1], w.shape()[0]);
        let dx = needs[0].then(|| {
            let mut dx = recycler::zeros(x.shape());
            sgemm(
                1.0,
                mat(grad),
                mat(w),
                0.0,
                MatMut::row_major(dx.data_mut(), n, fin),
            );
            dx
        });
        let dw = needs[1].then(|| {
            let mut dw = recycler::zeros(w.shape());
            sgemm(
                1.0,
                mat(grad).t(),
                mat(x),
                0.0,
                MatMut::row_major(dw.data_mut(), fout, fin),
            );
            dw
        });
        let mut out = vec![dx, dw];
        if inputs.len() == 3 {
            out.push(needs[2].then(|| {
                let mut db = recycler::zeros(&[fout]);
                for row in grad.data().chunks_exact(fout.max(1)) {
                    lepton_kernels::vector::axpy(1.0, row, db.data_mut());
                }
                db
            }));
        }
        out
    }
}

/// `y = x·Wᵀ + b` without recording (inference). `x: [N, in]`, `w: [out, in]`, `b: [out]`.
///
/// # Errors
/// [`crate::Error::Shape`] if the shapes do not fit.
pub fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    check_linear(x, w, b)?;
    let (n, fin, fout) = (x.shape()[0], x.shape()[1], w.shape()[0]);
    let mut y = recycler::zeros(&[n, fout]);
    let beta = match b {
        Some(b) => {
            for row in y.data_mut().chunks_exact_mut(fout.max(1)) {
                row.copy_from_slice(b.data());
            }
            1.0
        }
        None => 0.0,
    };
    if n > 0 && fout > 0 {
        sgemm(
            1.0,
            MatRef::row_major(x.data(), n, fin),
            mat(w).t(),
            beta,
            MatMut::row_major(y.data_mut(), n, fout),
        );
    }
    Ok(y)
}

fn check_linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<()> {
    if w.ndim() != 2 {
        return Err(shape_error(
            "linear",
            x.shape(),
            w.shape(),
            "a 2-D weight [out, in]",
        ));
    }
    if x.ndim() != 2 || x.shape()[1] != w.shape()[1] {
        return Err(shape_error(
            "linear",
            x.shape(),
            w.shape(),
            format!("input [N, {}] for weight [out, in]", w.shape()[1]),
        ));
    }
    if let Some(b) = b {
        if b.shape() != [w.shape()[0]] {
            return Err(shape_error(
                "linear",
                w.shape(),
                b.shape(),
                format!("bias [{}] for weight [out, in]", w.shape()[0]),
            ));
        }
    }
    Ok(())
}

impl Tape<'_> {
    /// `a · b` for 2-D `a: [m, k]`, `b: [k, n]`.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] naming both shapes if they are not 2-D or `k` differs.
    pub fn matmul(&mut self, a: Var, b: Var) -> Result<Var> {
        let c = self.value(a).matmul(self.value(b))?;
        Ok(self.push(c, &[a, b], MatMul))
    }

    /// `x·Wᵀ + b` (a fully-connected layer): `x: [N, in]`, `w: [out, in]`, `b: [out]`.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] naming the shapes if they do not fit.
    pub fn linear(&mut self, x: Var, w: Var, b: Option<Var>) -> Result<Var> {
        let y = linear(self.value(x), self.value(w), b.map(|b| self.value(b)))?;
        Ok(match b {
            Some(b) => self.push(y, &[x, w, b], Linear),
            None => self.push(y, &[x, w], Linear),
        })
    }
}
