//! Support vector machines trained by SMO, with LIBSVM-compatible model files.
