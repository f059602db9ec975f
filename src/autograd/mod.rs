//! Reverse-mode automatic differentiation: a tape of recorded operations, walked back once.
