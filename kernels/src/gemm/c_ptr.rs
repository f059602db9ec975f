//! The output matrix shared by the parallel tasks of one product.

/// A raw pointer to the storage of C, copied into every rayon task of a product. Each GEMM path
/// splits C so that its tasks write disjoint sets of elements (row blocks × column ranges in
/// [`super::blocked`], column groups in the inner-product, skinny and streaming paths), which
/// is what makes sharing it sound; the path's call site states its split.
#[derive(Clone, Copy)]
pub(crate) struct CPtr(pub(crate) *mut f32);

// SAFETY: the tasks holding a `CPtr` write disjoint elements of C (see the type's docs), and
// the pointer outlives the parallel loop that uses it (C is borrowed mutably for the call).
unsafe impl Send for CPtr {}
// SAFETY: as above.
unsafe impl Sync for CPtr {}

impl CPtr {
    /// The element `offset` past the start of C.
    ///
    /// # Safety
    /// `offset` is inside C's storage.
    #[inline]
    pub(crate) unsafe fn at(self, offset: usize) -> *mut f32 {
        // SAFETY: the caller keeps the offset inside the allocation.
        unsafe { self.0.add(offset) }
    }
}
