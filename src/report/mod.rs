//! SVG charts and run reports (behind the default `cli` feature).
//!
//! Every chart is drawn with [plotters]' SVG backend into a `String` (no font files are read:
//! the text is emitted as SVG `<text>` elements in a `sans-serif` font that the viewer renders).
//! Charts have a title, axis labels and a legend:
//!
//! - [`LineChart`] — per-epoch series such as training loss, or train and test accuracy;
//! - [`confusion_heatmap_svg`] — a confusion matrix as a heatmap with class names and counts;
//! - [`RocChart`] — ROC curves with the chance diagonal and each curve's AUC in the legend;
//! - [`BarChart`] — grouped bars, e.g. per-class F1 of two classifiers side by side.
//!
//! [`Report`] collects settings, final numbers, tables and charts, and writes them as
//! `report.md` or `report.html` next to the SVG files, each file written atomically.
//!
//! # Errors
//!
//! Chart functions return [`Error::InvalidArgument`] for empty or
//! non-finite data (and if plotters itself fails, which for an in-memory SVG only happens on
//! degenerate input). Writing returns [`Error::Io`] naming the file or
//! directory.
//!
//! # Example
//!
//! ```
//! use lepton::report::{LineChart, Report};
//!
//! let svg = LineChart::new("Training loss", "epoch", "cross-entropy")
//!     .series("train loss", vec![2.1, 1.6, 1.4])
//!     .to_svg()?;
//! assert!(svg.contains("Training loss"));
//!
//! let dir = tempfile::tempdir().unwrap();
//! let mut report = Report::new("LeNet on CIFAR-10");
//! report.setting("epochs", "3").result("test accuracy", "0.571");
//! report.figure("loss.svg", "Loss per epoch", svg)?;
//! let path = report.write_markdown(dir.path())?;
//! assert!(path.ends_with("report.md") && dir.path().join("loss.svg").exists());
//! # Ok::<(), lepton::Error>(())
//! ```

mod bar_chart;
mod confusion_heatmap;
mod document;
mod line_chart;
mod palette;
mod roc_chart;

pub use bar_chart::BarChart;
pub use confusion_heatmap::confusion_heatmap_svg;
pub use document::Report;
pub use line_chart::LineChart;
pub use roc_chart::RocChart;

use crate::error::Error;

/// Wraps a plotters drawing error for the chart titled `title`.
fn drawing_error(title: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("drawing chart {title:?}: {e}"))
}

/// Rejects empty or non-finite data for the chart titled `title`.
fn check_finite(title: &str, what: &str, values: &[f64]) -> crate::Result<()> {
    if values.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "chart {title:?}: {what} has no values"
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "chart {title:?}: {what} value {i} is {}",
            values[i]
        )));
    }
    Ok(())
}

/// The value range `[lo, hi]` of `values` widened by 5% on each side (and to a unit-wide
/// range around a constant).
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = 0.05 * (hi - lo);
        (lo - pad, hi + pad)
    }
}
