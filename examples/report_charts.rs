//! Draws each kind of Lepton chart and writes a report around them.
//!
//! ```sh
//! cargo run --release --example report_charts -- /tmp/lepton-report
//! ```
//!
//! The numbers are small hand-made examples; `lepton train`, `pipeline` and `risk` build the same
//! report from real runs.

use lepton::metrics::{roc_curve, ConfusionMatrix};
use lepton::report::{confusion_heatmap_svg, BarChart, LineChart, Report, RocChart};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "lepton-report".into()),
    );
    let names = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ];

    // Per-epoch loss and accuracy.
    let loss = LineChart::new("Training loss", "epoch", "mean cross-entropy")
        .series("train loss", vec![2.05, 1.62, 1.45, 1.36, 1.29])
        .to_svg()?;
    let acc = LineChart::new("Accuracy", "epoch", "accuracy")
        .series("train", vec![0.29, 0.42, 0.49, 0.53, 0.56])
        .series("test", vec![0.38, 0.45, 0.50, 0.52, 0.53])
        .y_range(0.0, 1.0)
        .to_svg()?;

    // A confusion matrix: the true class, with some confusion with its neighbour.
    let (mut truth, mut predicted) = (Vec::new(), Vec::new());
    for t in 0..10usize {
        for k in 0..100usize {
            truth.push(t);
            predicted.push(if k % 10 < 6 {
                t
            } else if k % 10 < 9 {
                (t + 1) % 10
            } else {
                (t + 5) % 10
            });
        }
    }
    let cm = ConfusionMatrix::new(&truth, &predicted, 10)?.with_class_names(names)?;
    let heatmap = confusion_heatmap_svg(&cm, "Confusion matrix (test set)")?;

    // ROC curves of two scorers on the same labels.
    let labels: Vec<bool> = (0..200).map(|i| i % 3 == 0).collect();
    let good: Vec<f64> = (0..200)
        .map(|i| ((i * 37) % 100) as f64 / 100.0 + if i % 3 == 0 { 0.4 } else { 0.0 })
        .collect();
    let weak: Vec<f64> = (0..200)
        .map(|i| ((i * 53) % 100) as f64 / 100.0 + if i % 3 == 0 { 0.1 } else { 0.0 })
        .collect();
    let roc = RocChart::new("ROC curve")
        .curve("Lepton SVM", &roc_curve(&labels, &good)?)
        .curve("baseline", &roc_curve(&labels, &weak)?)
        .to_svg()?;

    // Per-class F1 of two classifiers.
    let f1_a: Vec<f64> = cm.report().per_class.iter().map(|s| s.f1).collect();
    let f1_b: Vec<f64> = f1_a
        .iter()
        .enumerate()
        .map(|(i, f)| (f + 0.02 * (i as f64 - 4.0)).clamp(0.0, 1.0))
        .collect();
    let bars = BarChart::new("Per-class F1", "F1", names)
        .series("softmax head", f1_a)
        .series("SVM on features", f1_b)
        .y_range(0.0, 1.0)
        .to_svg()?;

    let mut report = Report::new("Example report");
    report
        .setting("epochs", 5)
        .setting("batch", 4)
        .result("test accuracy", format!("{:.3}", cm.accuracy()));
    report.figure("loss.svg", "Loss per epoch", loss)?;
    report.figure("accuracy.svg", "Accuracy per epoch", acc)?;
    report.figure("confusion.svg", "Confusion matrix", heatmap)?;
    report.classification_table("Per-class scores", &cm);
    report.figure("roc.svg", "ROC curve", roc)?;
    report.figure(
        "per_class_f1.svg",
        "Per-class F1: softmax head vs SVM",
        bars,
    )?;
    let md = report.write_markdown(&dir)?;
    let html = report.write_html(&dir)?;
    println!("wrote {} and {}", md.display(), html.display());
    Ok(())
}
