//! The report of a training run: `report.md` with the settings, the final numbers, the
//! per-epoch table, per-class scores, and SVG charts (loss, accuracy, confusion matrix) next to
//! it.

use crate::datasets::ImageData;
use crate::train::TrainOutcome;
use lepton::report::{confusion_heatmap_svg, LineChart, Report};
use lepton::Result;
use std::path::Path;

/// Writes `dir/report.md` and its charts for `outcome`.
pub fn write(
    dir: &Path,
    data: &ImageData,
    title: Option<&str>,
    outcome: &TrainOutcome,
    settings: &[(String, String)],
) -> Result<()> {
    let c = &outcome.confusion;
    let h = &outcome.history;
    let name = title.unwrap_or(data.description());
    let mut report = Report::new(format!("LeNet-5 on {name}"));
    for (k, v) in settings {
        report.setting(k, v);
    }
    report
        .result("test accuracy", format!("{:.2}%", 100.0 * c.accuracy()))
        .result("test images", c.total());
    if let Some(last) = h.last() {
        report
            .result(
                "train accuracy",
                format!("{:.2}%", 100.0 * last.train_accuracy),
            )
            .result("final training loss", format!("{:.4}", last.loss))
            .result("epoch time", format!("{:.1} s", last.seconds))
            .result("throughput", format!("{:.0} images/s", last.images_per_sec));
    }
    if !h.is_empty() {
        let loss = LineChart::new("Training loss per epoch", "epoch", "mean cross-entropy")
            .series(
                "training loss",
                h.iter().map(|r| r.loss).collect::<Vec<_>>(),
            )
            .to_svg()?;
        report.figure("loss.svg", "Training loss", loss)?;
        let acc = LineChart::new("Accuracy per epoch", "epoch", "accuracy")
            .series(
                "train",
                h.iter().map(|r| r.train_accuracy).collect::<Vec<_>>(),
            )
            .series(
                "test",
                h.iter().map(|r| r.test_accuracy).collect::<Vec<_>>(),
            )
            .y_range(0.0, 1.0)
            .to_svg()?;
        report.figure("accuracy.svg", "Train and test accuracy", acc)?;
    }
    report.figure(
        "confusion.svg",
        "Confusion matrix (test)",
        confusion_heatmap_svg(c, "Confusion matrix on the test images")?,
    )?;
    let rows = h
        .iter()
        .map(|r| {
            vec![
                r.epoch.to_string(),
                format!("{:.4}", r.loss),
                format!("{:.2}%", 100.0 * r.train_accuracy),
                format!("{:.2}%", 100.0 * r.test_accuracy),
                format!("{:.1}", r.seconds),
                format!("{:.0}", r.images_per_sec),
            ]
        })
        .collect();
    report.table(
        "Per epoch",
        &[
            "epoch",
            "loss",
            "train acc",
            "test acc",
            "seconds",
            "images/s",
        ],
        rows,
    )?;
    report.classification_table("Per class (test)", c);
    let acc_rows = c
        .per_class_accuracy()
        .iter()
        .enumerate()
        .map(|(k, a)| vec![c.class_name(k), format!("{:.2}%", 100.0 * a)])
        .collect();
    report.table(
        "Per-class accuracy (test)",
        &["class", "accuracy"],
        acc_rows,
    )?;
    report.write_markdown(dir)?;
    Ok(())
}
