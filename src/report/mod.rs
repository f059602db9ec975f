//! SVG charts and run reports.
