//! The report of a training run: `report.md` with the settings, the per-epoch numbers, the
//! per-class accuracy and the confusion matrix, and SVG charts next to it.

use crate::datasets::ImageData;
use crate::train::TrainOutcome;
use lepton::Result;
use std::fmt::Write as _;
use std::path::Path;

/// Writes `dir/report.md` (and its charts) for `outcome`.
pub fn write(
    dir: &Path,
    data: &ImageData,
    outcome: &TrainOutcome,
    settings: &[(String, String)],
) -> Result<()> {
    let c = &outcome.confusion;
    let mut md = String::new();
    let _ = writeln!(md, "# LeNet-5 on {}\n", data.description());
    if let Some(last) = outcome.history.last() {
        let _ = writeln!(
            md,
            "Final test accuracy **{:.2}%** ({}/{}) after {} epochs; final training loss {:.4}.\n",
            100.0 * c.accuracy(),
            c.correct(),
            c.total(),
            last.epoch,
            last.loss
        );
    }
    md.push_str("## Settings\n\n| setting | value |\n|---|---|\n");
    for (k, v) in settings {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    md.push_str("\n## Per epoch\n\n| epoch | loss | train acc | test acc | seconds | images/s |\n|---|---|---|---|---|---|\n");
    for r in &outcome.history {
        let _ = writeln!(
            md,
            "| {} | {:.4} | {:.2}% | {:.2}% | {:.1} | {:.0} |",
            r.epoch,
            r.loss,
            100.0 * r.train_accuracy,
            100.0 * r.test_accuracy,
            r.seconds,
            r.images_per_sec
        );
    }
    md.push_str("\n## Per class (test)\n\n| class | accuracy | precision | recall | F1 |\n|---|---|---|---|---|\n");
    let acc = c.per_class_accuracy();
    for (k, a) in acc.iter().enumerate() {
        let s = c.class_scores(k);
        let _ = writeln!(
            md,
            "| {} | {:.2}% | {:.3} | {:.3} | {:.3} |",
            c.class_name(k),
            100.0 * a,
            s.precision,
            s.recall,
            s.f1
        );
    }
    let _ = writeln!(
        md,
        "\n## Confusion matrix (rows: true class)\n\n```\n{c}\n```"
    );
    lepton::atomic_file::write_atomic(&dir.join("report.md"), md.as_bytes())
}
