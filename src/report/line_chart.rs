//! Per-epoch line charts: loss, or train and test accuracy, against the epoch number.

use super::palette::series_colour;
use super::{check_finite, drawing_error, padded_range};
use crate::error::{Error, Result};
use plotters::prelude::*;

/// A line chart of one or more series against `1, 2, …, n` (epochs): each series is a named list
/// of values, value `i` plotted at `x = i + 1`, drawn as a line with a marker per point and listed
/// in the legend.
#[derive(Clone, Debug)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<(String, Vec<f64>)>,
    y_range: Option<(f64, f64)>,
    size: (u32, u32),
}

impl LineChart {
    /// An empty chart with a title and axis labels.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            y_range: None,
            size: (720, 440),
        }
    }

    /// Adds a series named `name` (its legend entry); `values[i]` is plotted at `x = i + 1`.
    pub fn series(mut self, name: impl Into<String>, values: impl Into<Vec<f64>>) -> Self {
        self.series.push((name.into(), values.into()));
        self
    }

    /// Fixes the y axis to `[lo, hi]` (e.g. `0.0..=1.0` for accuracies) instead of fitting the
    /// data with a 5% margin.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    /// The image size in pixels (default 720 × 440).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Draws the chart as an SVG document.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if there is no series, a series is empty or has a non-finite
    /// value, or the y range is empty or not finite.
    pub fn to_svg(&self) -> Result<String> {
        let title = self.title.as_str();
        if self.series.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "chart {title:?}: no series"
            )));
        }
        for (name, values) in &self.series {
            check_finite(title, &format!("series {name:?}"), values)?;
        }
        let (y0, y1) = match self.y_range {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi => (lo, hi),
            Some((lo, hi)) => {
                return Err(Error::InvalidArgument(format!(
                    "chart {title:?}: y range [{lo}, {hi}] is empty or not finite"
                )))
            }
            None => padded_range(self.series.iter().flat_map(|(_, v)| v.iter().copied())),
        };
        let n = self.series.iter().map(|(_, v)| v.len()).max().unwrap_or(1) as i32;
        // One epoch still gets an axis with room on both sides.
        let (x0, x1) = if n >= 2 { (1, n) } else { (0, 2) };
        // Put the legend where the lines are not: they end (at the right) mostly in the upper
        // half → legend lower right, else upper right.
        let mid = 0.5 * (y0 + y1);
        let ends_high = self
            .series
            .iter()
            .filter(|(_, v)| v.last().is_some_and(|&y| y > mid))
            .count();
        let legend_at = if 2 * ends_high >= self.series.len() {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperRight
        };

        let mut svg = String::new();
        {
            let err = |e| drawing_error(title, e);
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 22))
                .margin(14)
                .x_label_area_size(48)
                .y_label_area_size(64)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .x_labels((x1 - x0 + 1).min(12) as usize)
                .y_labels(8)
                .axis_desc_style(("sans-serif", 16))
                .label_style(("sans-serif", 13))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(err)?;
            for (i, (name, values)) in self.series.iter().enumerate() {
                let colour = series_colour(i);
                let points: Vec<(i32, f64)> = values
                    .iter()
                    .enumerate()
                    .map(|(k, &y)| (k as i32 + 1, y))
                    .collect();
                chart
                    .draw_series(LineSeries::new(
                        points.iter().copied(),
                        colour.stroke_width(2),
                    ))
                    .map_err(err)?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(2))
                    });
                chart
                    .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                    .map_err(err)?;
            }
            chart
                .configure_series_labels()
                .position(legend_at)
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
