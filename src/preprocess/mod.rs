//! Preprocessing fitted on training data: standardisation, min-max scaling, deduplication,
//! imputation and one-hot encoding.
