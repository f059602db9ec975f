//! A confusion matrix drawn as a heatmap: one cell per (true, predicted) pair, labelled with its
//! count, coloured by the fraction of its row.

use super::drawing_error;
use super::palette::blues;
use crate::error::Result;
use crate::metrics::ConfusionMatrix;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Draws `matrix` as an SVG heatmap titled `title`.
///
/// Rows are true classes (names on the left), columns predicted classes (names below, written
/// vertically). Each cell shows its count; its colour is the count divided by its row's total —
/// the fraction of that true class predicted as the column's class — from white (0) to dark blue
/// (1), so the diagonal reads as per-class recall. Class names come from
/// [`ConfusionMatrix::with_class_names`], or are the class indices.
///
/// # Errors
/// Only if plotters fails ([`crate::Error::InvalidArgument`]); every matrix can be drawn.
pub fn confusion_heatmap_svg(matrix: &ConfusionMatrix, title: &str) -> Result<String> {
    let n = matrix.n_classes();
    let names: Vec<String> = (0..n).map(|c| matrix.class_name(c)).collect();
    let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(1) as i32;
    let cell: i32 = (480 / n as i32).clamp(14, 56);
    let name_px = 7 * longest.min(24) + 10; // room for the longest class name at 13 px
    let (left, top) = (36 + name_px, 70);
    let (grid_w, grid_h) = (cell * n as i32, cell * n as i32);
    let bottom = name_px + 40;
    let width = (left + grid_w + 30).max(360);
    let height = top + grid_h + bottom;
    let max_digits = matrix
        .counts()
        .iter()
        .map(|c| c.to_string().len())
        .max()
        .unwrap_or(1) as i32;
    let count_size = (cell * 10 / (6 * max_digits + 4)).clamp(7, 15);

    let mut svg = String::new();
    {
        let err = |e| drawing_error(title, e);
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let centred = |size: i32| {
            TextStyle::from(("sans-serif", size).into_font())
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        root.draw(&Text::new(title.to_string(), (width / 2, 22), centred(22)))
            .map_err(err)?;
        root.draw(&Text::new(
            format!(
                "{} samples, accuracy {:.3}; colour = fraction of the true class's row",
                matrix.total(),
                matrix.accuracy()
            ),
            (width / 2, 48),
            centred(12).color(&RGBColor(90, 90, 90)),
        ))
        .map_err(err)?;

        for t in 0..n {
            let row_total: u64 = matrix.row(t).iter().sum();
            for p in 0..n {
                let count = matrix.count(t, p);
                let frac = if row_total == 0 {
                    0.0
                } else {
                    count as f64 / row_total as f64
                };
                let (x, y) = (left + p as i32 * cell, top + t as i32 * cell);
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    blues(frac).filled(),
                ))
                .map_err(err)?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    RGBColor(255, 255, 255).stroke_width(1),
                ))
                .map_err(err)?;
                let ink = if frac > 0.5 { WHITE } else { BLACK };
                root.draw(&Text::new(
                    count.to_string(),
                    (x + cell / 2, y + cell / 2),
                    centred(count_size).color(&ink),
                ))
                .map_err(err)?;
            }
        }
        let name_style =
            |h| TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(h, VPos::Center));
        for (c, name) in names.iter().enumerate() {
            let mid = c as i32 * cell + cell / 2;
            // Row (true class) names, right-aligned against the grid.
            root.draw(&Text::new(
                name.clone(),
                (left - 6, top + mid),
                name_style(HPos::Right),
            ))
            .map_err(err)?;
            // Column (predicted class) names, vertical, reading upwards, ending under the grid.
            root.draw(&Text::new(
                name.clone(),
                (left + mid, top + grid_h + 6),
                name_style(HPos::Right).transform(FontTransform::Rotate270),
            ))
            .map_err(err)?;
        }
        root.draw(&Text::new(
            "predicted class",
            (left + grid_w / 2, top + grid_h + name_px + 22),
            centred(15),
        ))
        .map_err(err)?;
        root.draw(&Text::new(
            "true class",
            (14, top + grid_h / 2),
            centred(15).transform(FontTransform::Rotate270),
        ))
        .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
