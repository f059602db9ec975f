//! A per-thread pool of tensor storage, so a training loop reuses the same buffers every step
//! instead of asking the allocator (and the kernel, through page faults) for fresh memory.
//!
//! The tape takes its op outputs and gradients from here and gives every buffer back as the
//! backward walk frees it. The pool is bounded; what does not fit is simply dropped.

use crate::tensor::Tensor;
use std::cell::RefCell;

const MAX_BUFFERS: usize = 64;

thread_local! {
    static F32_BUFFERS: RefCell<Vec<Vec<f32>>> = const { RefCell::new(Vec::new()) };
    static U32_BUFFERS: RefCell<Vec<Vec<u32>>> = const { RefCell::new(Vec::new()) };
}

fn take<T: Copy>(pool: &RefCell<Vec<Vec<T>>>, len: usize, fill: T, zero: bool) -> Vec<T> {
    let mut pool = pool.borrow_mut();
    // For unspecified contents, the smallest buffer that already holds `len` elements and is
    // not more than twice as large (truncating it writes nothing; a much larger one would be
    // cut short for the next big request, which would then refill it). Otherwise the smallest
    // buffer with the capacity, of which only the missing elements are written.
    let close_fit = (!zero)
        .then(|| {
            pool.iter()
                .enumerate()
                .filter(|(_, b)| b.len() >= len && b.capacity() <= 2 * len.max(1))
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i)
        })
        .flatten();
    let best = close_fit.or_else(|| {
        pool.iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= len)
            .min_by_key(|(_, b)| b.capacity())
            .map(|(i, _)| i)
    });
    match best {
        Some(i) => {
            let mut v = pool.swap_remove(i);
            if zero {
                v.clear();
            } else {
                v.truncate(len);
            }
            v.resize(len, fill);
            v
        }
        None => vec![fill; len],
    }
}

fn give<T>(pool: &RefCell<Vec<Vec<T>>>, v: Vec<T>) {
    if v.capacity() < 1024 {
        return;
    }
    let mut pool = pool.borrow_mut();
    if pool.len() < MAX_BUFFERS {
        pool.push(v);
    } else if let Some(smallest) = pool.iter_mut().min_by_key(|b| b.capacity()) {
        if smallest.capacity() < v.capacity() {
            *smallest = v;
        }
    }
}

/// A zero tensor of `shape`, on recycled storage when possible.
pub(crate) fn zeros(shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    let v = F32_BUFFERS.with(|p| take(p, n, 0.0, true));
    Tensor::from_vec(v, shape).expect("length matches shape")
}

/// A tensor of `shape` whose contents are unspecified (stale numbers from an earlier use): for
/// outputs that the kernel overwrites completely. Saves the zero-fill.
pub(crate) fn overwritten(shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    let v = F32_BUFFERS.with(|p| take(p, n, 0.0, false));
    Tensor::from_vec(v, shape).expect("length matches shape")
}

/// A copy of `t` on recycled storage.
pub(crate) fn copy(t: &Tensor) -> Tensor {
    let mut out = overwritten(t.shape());
    out.data_mut().copy_from_slice(t.data());
    out
}

/// Gives a tensor's storage back to the pool.
pub(crate) fn recycle(t: Tensor) {
    F32_BUFFERS.with(|p| give(p, t.into_vec()));
}

/// A `u32` buffer of `len` unspecified values (max-pool argmax, overwritten by the kernel),
/// recycled when possible.
pub(crate) fn overwritten_u32(len: usize) -> Vec<u32> {
    U32_BUFFERS.with(|p| take(p, len, 0, false))
}

/// Gives a `u32` buffer back.
pub(crate) fn recycle_u32(v: Vec<u32>) {
    U32_BUFFERS.with(|p| give(p, v));
}
