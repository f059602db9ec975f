//! Optimizers: SGD (momentum, Nesterov, weight decay) and Adam / AdamW.
