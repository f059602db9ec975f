//! Grouped bar charts: one group of bars per category (e.g. per class), one bar per series
//! (e.g. per classifier).

use super::palette::series_colour;
use super::{check_finite, drawing_error, padded_range};
use crate::error::{Error, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A grouped bar chart: for each category, one bar per series side by side, with the category
/// names under the groups and a legend of the series above the plot. Values are printed on the
/// bars when there are at most 30 bars.
#[derive(Clone, Debug)]
pub struct BarChart {
    title: String,
    y_label: String,
    categories: Vec<String>,
    series: Vec<(String, Vec<f64>)>,
    y_range: Option<(f64, f64)>,
}

impl BarChart {
    /// An empty chart with a title, a y-axis label and the category names (x axis).
    pub fn new<S: Into<String>>(
        title: impl Into<String>,
        y_label: impl Into<String>,
        categories: impl IntoIterator<Item = S>,
    ) -> Self {
        BarChart {
            title: title.into(),
            y_label: y_label.into(),
            categories: categories.into_iter().map(Into::into).collect(),
            series: Vec::new(),
            y_range: None,
        }
    }

    /// Adds a series named `name`: one value per category, in category order.
    pub fn series(mut self, name: impl Into<String>, values: impl Into<Vec<f64>>) -> Self {
        self.series.push((name.into(), values.into()));
        self
    }

    /// Fixes the y axis to `[lo, hi]` (e.g. `0.0, 1.0` for scores). By default it spans 0 (or
    /// the smallest negative value) to the largest value plus 5%.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    /// Draws the chart as an SVG document.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if there are no categories or no series, a series does not
    /// have one finite value per category, or the y range is empty or not finite.
    pub fn to_svg(&self) -> Result<String> {
        let title = self.title.as_str();
        let n = self.categories.len();
        if n == 0 || self.series.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "chart {title:?}: needs at least one category and one series"
            )));
        }
        for (name, values) in &self.series {
            check_finite(title, &format!("series {name:?}"), values)?;
            if values.len() != n {
                return Err(Error::InvalidArgument(format!(
                    "chart {title:?}: series {name:?} has {} values for {n} categories",
                    values.len()
                )));
            }
        }
        let (y0, y1) = match self.y_range {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi => (lo, hi),
            Some((lo, hi)) => {
                return Err(Error::InvalidArgument(format!(
                    "chart {title:?}: y range [{lo}, {hi}] is empty or not finite"
                )))
            }
            None => {
                let values = || self.series.iter().flat_map(|(_, v)| v.iter().copied());
                let (lo, hi) = padded_range(values().chain([0.0]));
                let all_non_negative = values().all(|v| v >= 0.0);
                (if all_non_negative { 0.0 } else { lo }, hi)
            }
        };
        let g = self.series.len();
        let longest = self
            .categories
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(1);
        // Category names are written horizontally if they fit under their group, else rotated.
        let width: u32 = (120 + 70 * n as u32).clamp(560, 1200);
        let group_px = (width as usize - 110) / n;
        let rotate = longest * 7 > group_px;
        let label_area = if rotate {
            8 * longest.min(24) as u32 + 50
        } else {
            56
        };

        let mut svg = String::new();
        {
            let err = |e| drawing_error(title, e);
            let root =
                SVGBackend::with_string(&mut svg, (width, 360 + label_area)).into_drawing_area();
            root.fill(&WHITE).map_err(err)?;
            // The title, then a legend row under it, then the plot.
            root.draw(&Text::new(
                title.to_string(),
                (width as i32 / 2, 22),
                TextStyle::from(("sans-serif", 22).into_font())
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))
            .map_err(err)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(14)
                .margin_top(76)
                .x_label_area_size(label_area)
                .y_label_area_size(64)
                .build_cartesian_2d(0.0..n as f64, y0..y1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .x_desc("")
                .y_desc(self.y_label.as_str())
                .y_labels(8)
                .axis_desc_style(("sans-serif", 16))
                .label_style(("sans-serif", 13))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(err)?;
            let base = y0.max(0.0).min(y1);
            let bar_w = 0.8 / g as f64;
            let show_values = n * g <= 30;
            for (j, (_, values)) in self.series.iter().enumerate() {
                let colour = series_colour(j);
                for (i, &v) in values.iter().enumerate() {
                    let xa = i as f64 + 0.1 + j as f64 * bar_w;
                    let xb = xa + bar_w * 0.92;
                    let v_clamped = v.clamp(y0, y1);
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(xa, base), (xb, v_clamped)],
                            colour.filled(),
                        )))
                        .map_err(err)?;
                    if show_values {
                        let (px, py) = chart.backend_coord(&(0.5 * (xa + xb), v_clamped));
                        root.draw(&Text::new(
                            format!("{v:.2}"),
                            (px, py - 3),
                            TextStyle::from(("sans-serif", 10).into_font())
                                .pos(Pos::new(HPos::Center, VPos::Bottom)),
                        ))
                        .map_err(err)?;
                    }
                }
            }
            // Category names under their groups.
            for (i, name) in self.categories.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(i as f64 + 0.5, y0));
                let style = TextStyle::from(("sans-serif", 13).into_font());
                let label = if rotate {
                    Text::new(
                        name.clone(),
                        (px, py + 8),
                        style
                            .pos(Pos::new(HPos::Right, VPos::Center))
                            .transform(FontTransform::Rotate270),
                    )
                } else {
                    Text::new(
                        name.clone(),
                        (px, py + 8),
                        style.pos(Pos::new(HPos::Center, VPos::Top)),
                    )
                };
                root.draw(&label).map_err(err)?;
            }
            // Legend: a row of swatches under the title.
            let mut x = 80;
            for (j, (name, _)) in self.series.iter().enumerate() {
                root.draw(&Rectangle::new(
                    [(x, 50), (x + 14, 64)],
                    series_colour(j).filled(),
                ))
                .map_err(err)?;
                root.draw(&Text::new(
                    name.clone(),
                    (x + 20, 57),
                    TextStyle::from(("sans-serif", 14).into_font())
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(err)?;
                x += 40 + 8 * name.chars().count() as i32;
            }
            root.present().map_err(err)?;
        }
        Ok(svg)
    }
}
