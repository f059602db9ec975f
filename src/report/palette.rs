//! The colours of the charts: the Okabe–Ito palette, distinguishable with the common forms of
//! colour blindness, and a white-to-blue ramp for heatmaps.

use plotters::style::RGBColor;

/// Series colours, in order of use.
pub(crate) const SERIES: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// The colour of series `i` (cycling).
pub(crate) fn series_colour(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// A white-to-dark-blue ramp: `t = 0` is near white, `t = 1` dark blue (`t` clamped to [0, 1]).
pub(crate) fn blues(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(lerp(247.0, 8.0), lerp(251.0, 48.0), lerp(255.0, 107.0))
}
