//! Classification metrics: accuracy, confusion matrix, precision/recall/F1, ROC-AUC.
