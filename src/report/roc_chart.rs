//! ROC curves: true-positive rate against false-positive rate, with the chance diagonal.

use super::drawing_error;
use super::palette::series_colour;
use crate::error::{Error, Result};
use crate::metrics::RocCurve;
use plotters::prelude::*;

/// A chart of one or more ROC curves on the unit square. Each curve's legend entry shows its
/// AUC (`name (AUC = 0.812)`); the dashed diagonal is a classifier that guesses (AUC ½).
#[derive(Clone, Debug)]
pub struct RocChart {
    title: String,
    curves: Vec<(String, RocCurve)>,
}

impl RocChart {
    /// An empty chart titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        RocChart {
            title: title.into(),
            curves: Vec::new(),
        }
    }

    /// Adds a curve named `name` (see [`crate::metrics::roc_curve`]).
    pub fn curve(mut self, name: impl Into<String>, curve: &RocCurve) -> Self {
        self.curves.push((name.into(), curve.clone()));
        self
    }

    /// Draws the chart as an SVG document (600 × 560 pixels).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if no curve was added.
    pub fn to_svg(&self) -> Result<String> {
        let title = self.title.as_str();
        if self.curves.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "chart {title:?}: no ROC curve"
            )));
        }
        let mut svg = String::new();
        {
            let err = |e| drawing_error(title, e);
            let root = SVGBackend::with_string(&mut svg, (600, 560)).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 22))
                .margin(14)
                .x_label_area_size(48)
                .y_label_area_size(64)
                .build_cartesian_2d(0.0..1.0, 0.0..1.0)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc("false-positive rate (FP / negatives)")
                .y_desc("true-positive rate (TP / positives)")
                .x_labels(6)
                .y_labels(6)
                .axis_desc_style(("sans-serif", 16))
                .label_style(("sans-serif", 13))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(err)?;
            let grey = RGBColor(130, 130, 130);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, 0.0), (1.0, 1.0)],
                    8,
                    5,
                    grey.stroke_width(1),
                ))
                .map_err(err)?
                .label("chance (AUC = 0.500)")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], grey));
            for (i, (name, curve)) in self.curves.iter().enumerate() {
                let colour = series_colour(i);
                let points = curve
                    .points()
                    .iter()
                    .map(|p| (p.false_positive_rate, p.true_positive_rate));
                chart
                    .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                    .map_err(err)?
                    .label(format!("{name} (AUC = {:.3})", curve.auc()))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.9))
                .border_style(RGBColor(160, 160, 160))
                .draw()
                .map_err(err)?;
            root.present().map_err(err)?;
        }
        Ok(svg)
    }
}
