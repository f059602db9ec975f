//! SVG charts and reports: every chart is a well-formed SVG document whose `<text>` elements
//! carry the title, the axis labels, the legend entries and the class names, and whose numbers
//! are the data's.
//!
//! The confusion-matrix heatmap is checked cell by cell: the row labels' y coordinates and the
//! column labels' x coordinates define the grid, and every count printed in the image must sit at
//! the crossing of its true class's row and predicted class's column — so a transposed matrix
//! (rows = predicted) would fail. The ROC legend must show the AUC computed by
//! `lepton::metrics` (here 11/18 ≈ 0.611, worked out by hand in `tests/metrics.rs`).

#![cfg(feature = "cli")]

use lepton::metrics::{roc_curve, ConfusionMatrix};
use lepton::report::{confusion_heatmap_svg, BarChart, LineChart, Report, RocChart};
use lepton::Error;

/// A `<text>` element: its content (trimmed) and anchor position.
#[derive(Debug)]
struct SvgText {
    content: String,
    x: f64,
    y: f64,
    rotated: bool,
}

/// Parses `svg` as XML (panicking if it is not well-formed), checks the root is `<svg>` with a
/// size, and returns its text elements.
fn parse_svg(svg: &str) -> Vec<SvgText> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    for attr in ["width", "height", "viewBox"] {
        assert!(root.attribute(attr).is_some(), "<svg> has no {attr}");
    }
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| SvgText {
            content: n.text().unwrap_or("").trim().to_string(),
            x: n.attribute("x").unwrap().parse().unwrap(),
            y: n.attribute("y").unwrap().parse().unwrap(),
            rotated: n
                .attribute("transform")
                .is_some_and(|t| t.contains("rotate")),
        })
        .collect()
}

fn has_text(texts: &[SvgText], s: &str) -> bool {
    texts.iter().any(|t| t.content == s)
}

#[test]
fn line_chart_has_title_axis_labels_legend_and_ticks() {
    let svg = LineChart::new("Accuracy per epoch", "epoch", "accuracy")
        .series("train accuracy", vec![0.3, 0.45, 0.52])
        .series("test accuracy", vec![0.35, 0.44, 0.49])
        .y_range(0.0, 1.0)
        .to_svg()
        .unwrap();
    let texts = parse_svg(&svg);
    for s in [
        "Accuracy per epoch",
        "epoch",
        "accuracy",
        "train accuracy",
        "test accuracy",
    ] {
        assert!(has_text(&texts, s), "missing {s:?} in {texts:#?}");
    }
    // Epoch ticks 1, 2, 3 and the fixed y range's ends.
    for tick in ["1", "2", "3", "0.0", "1.0"] {
        assert!(has_text(&texts, tick), "missing tick {tick:?}");
    }
    // One polyline per series plus the legend's sample lines.
    assert!(svg.matches("<polyline").count() >= 2);
}

#[test]
fn line_chart_rejects_bad_data() {
    let empty = LineChart::new("t", "x", "y").to_svg();
    assert!(matches!(empty, Err(Error::InvalidArgument(_))));
    let nan = LineChart::new("t", "x", "y")
        .series("loss", vec![1.0, f64::NAN])
        .to_svg();
    assert!(matches!(nan, Err(Error::InvalidArgument(m)) if m.contains("NaN")));
    let range = LineChart::new("t", "x", "y")
        .series("loss", vec![1.0])
        .y_range(1.0, 1.0)
        .to_svg();
    assert!(matches!(range, Err(Error::InvalidArgument(_))));
    // A single epoch is drawable.
    assert!(LineChart::new("t", "x", "y")
        .series("loss", vec![2.3])
        .to_svg()
        .is_ok());
}

#[test]
fn heatmap_puts_each_count_in_its_cell() {
    // Rows = true class, columns = predicted class; all counts distinct so each is identifiable:
    //   true cat:  cat 7, dog 1, ship 2
    //   true dog:  cat 3, dog 11, ship 0
    //   true ship: cat 4, dog 5, ship 13
    let counts = vec![7, 1, 2, 3, 11, 0, 4, 5, 13];
    let cm = ConfusionMatrix::from_counts(counts.clone(), 3)
        .unwrap()
        .with_class_names(["cat", "dog", "ship"])
        .unwrap();
    let svg = confusion_heatmap_svg(&cm, "Test confusion").unwrap();
    let texts = parse_svg(&svg);
    for s in ["Test confusion", "true class", "predicted class"] {
        assert!(has_text(&texts, s), "missing {s:?}");
    }
    let names = ["cat", "dog", "ship"];
    // Each name appears twice: once as a horizontal row label, once as a rotated column label.
    let row_y: Vec<f64> = names
        .iter()
        .map(|n| {
            texts
                .iter()
                .find(|t| t.content == *n && !t.rotated)
                .unwrap_or_else(|| panic!("no row label {n}"))
                .y
        })
        .collect();
    let col_x: Vec<f64> = names
        .iter()
        .map(|n| {
            texts
                .iter()
                .find(|t| t.content == *n && t.rotated)
                .unwrap_or_else(|| panic!("no column label {n}"))
                .x
        })
        .collect();
    let nearest = |v: f64, centres: &[f64]| {
        (0..centres.len())
            .min_by(|&a, &b| (centres[a] - v).abs().total_cmp(&(centres[b] - v).abs()))
            .unwrap()
    };
    let mut seen = 0;
    for t in &texts {
        if let Ok(value) = t.content.parse::<u64>() {
            let (row, col) = (nearest(t.y, &row_y), nearest(t.x, &col_x));
            assert_eq!(
                value,
                counts[row * 3 + col],
                "count {value} drawn in cell (true {}, predicted {})",
                names[row],
                names[col]
            );
            seen += 1;
        }
    }
    assert_eq!(seen, 9, "one count per cell");
    // The subtitle states the total and the accuracy: (7 + 11 + 13) / 46 = 31/46 ≈ 0.674.
    assert!(texts
        .iter()
        .any(|t| t.content.contains("46 samples") && t.content.contains("0.674")));
}

#[test]
fn heatmap_without_names_uses_indices() {
    let cm = ConfusionMatrix::new(&[0, 1, 1], &[0, 1, 0], 2).unwrap();
    let texts = parse_svg(&confusion_heatmap_svg(&cm, "indices").unwrap());
    assert!(texts.iter().any(|t| t.content == "0" && t.rotated));
    assert!(texts
        .iter()
        .any(|t| t.content == "1" && !t.rotated && t.x < 60.0));
}

#[test]
fn roc_chart_shows_diagonal_and_auc_in_legend() {
    // The hand-worked case of tests/metrics.rs: AUC = 11/18 = 0.6111…
    let truth = [true, false, true, false, true, false];
    let scores = [0.9, 0.8, 0.7, 0.7, 0.3, 0.1];
    let curve = roc_curve(&truth, &scores).unwrap();
    let svg = RocChart::new("ROC: bad credit risk")
        .curve("Lepton SVM", &curve)
        .to_svg()
        .unwrap();
    let texts = parse_svg(&svg);
    for s in [
        "ROC: bad credit risk",
        "Lepton SVM (AUC = 0.611)",
        "chance (AUC = 0.500)",
        "false-positive rate (FP / negatives)",
        "true-positive rate (TP / positives)",
    ] {
        assert!(has_text(&texts, s), "missing {s:?} in {texts:#?}");
    }
    // The curve has 6 points (see tests/metrics.rs); find a polyline with 6 vertices.
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let vertex_counts: Vec<usize> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| n.attribute("points").unwrap().split_whitespace().count())
        .collect();
    assert!(vertex_counts.contains(&6), "{vertex_counts:?}");
    assert!(matches!(
        RocChart::new("none").to_svg(),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn bar_chart_has_categories_legend_and_values() {
    let svg = BarChart::new("Per-class F1", "F1", ["cat", "dog", "ship"])
        .series("softmax head", vec![0.5, 0.25, 0.75])
        .series("SVM", vec![0.625, 0.375, 0.875])
        .y_range(0.0, 1.0)
        .to_svg()
        .unwrap();
    let texts = parse_svg(&svg);
    for s in [
        "Per-class F1",
        "F1",
        "cat",
        "dog",
        "ship",
        "softmax head",
        "SVM",
    ] {
        assert!(has_text(&texts, s), "missing {s:?}");
    }
    // Values are printed on the bars, to two decimals (0.625 → "0.62" or "0.63").
    for v in ["0.50", "0.25", "0.75", "0.38", "0.88"] {
        assert!(has_text(&texts, v), "missing value {v}");
    }
    // Taller bars for larger values: the "0.88" label sits above (smaller y) the "0.25" label.
    let y = |s: &str| texts.iter().find(|t| t.content == s).unwrap().y;
    assert!(y("0.88") < y("0.25"));
    let mismatched = BarChart::new("t", "y", ["a", "b"])
        .series("s", vec![1.0])
        .to_svg();
    assert!(matches!(mismatched, Err(Error::InvalidArgument(m)) if m.contains("2 categories")));
}

fn sample_report() -> Report {
    let cm = ConfusionMatrix::new(&[0, 0, 1, 1], &[0, 1, 1, 1], 2)
        .unwrap()
        .with_class_names(["good", "bad"])
        .unwrap();
    let mut r = Report::new("Credit risk <test>");
    r.setting("C", 1.0)
        .setting("kernel", "rbf")
        .result("AUC", "0.800");
    r.figure(
        "confusion.svg",
        "Confusion matrix",
        confusion_heatmap_svg(&cm, "Confusion").unwrap(),
    )
    .unwrap();
    r.classification_table("Per-class scores", &cm);
    r.text("Threshold 0.5 | positive = bad");
    r
}

#[test]
fn markdown_report_embeds_figures_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let path = sample_report().write_markdown(&out).unwrap();
    assert_eq!(path, out.join("report.md"));
    let md = std::fs::read_to_string(&path).unwrap();
    assert!(md.starts_with("# Credit risk \\<test\\>\n"));
    assert!(md.contains("| C | 1 |") && md.contains("| kernel | rbf |"));
    assert!(md.contains("| AUC | 0.800 |"));
    assert!(md.contains("![Confusion matrix](confusion.svg)"));
    // good: TP 1, FP 0, FN 1 → P 1, R 0.5, F1 2/3; bad: TP 2, FP 1, FN 0 → P 2/3, R 1, F1 0.8.
    assert!(md.contains("| good | 1.000 | 0.500 | 0.667 | 2 |"), "{md}");
    assert!(md.contains("| bad | 0.667 | 1.000 | 0.800 | 2 |"), "{md}");
    assert!(md.contains("Threshold 0.5 \\| positive = bad"));
    // The figure file exists, is an SVG, and no temporary files remain.
    parse_svg(&std::fs::read_to_string(out.join("confusion.svg")).unwrap());
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["confusion.svg", "report.md"]);
}

#[test]
fn html_report_is_escaped_and_links_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_report().write_html(dir.path()).unwrap();
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("<title>Credit risk &lt;test&gt;</title>"));
    assert!(html.contains("<img src=\"confusion.svg\" alt=\"Confusion matrix\">"));
    assert!(html.contains("<td>good</td><td>1.000</td><td>0.500</td><td>0.667</td><td>2</td>"));
    assert!(dir.path().join("confusion.svg").exists());
}

#[test]
fn bad_figure_names_are_rejected() {
    let mut r = Report::new("t");
    for bad in ["../x.svg", "a/b.svg", "x.png", ".hidden.svg", ""] {
        assert!(
            matches!(
                r.figure(bad, "c", String::new()),
                Err(Error::InvalidArgument(_))
            ),
            "{bad:?} accepted"
        );
    }
    r.figure("a.svg", "c", String::new()).unwrap();
    assert!(r.figure("a.svg", "again", String::new()).is_err());
    assert!(r.table("t", &["a", "b"], vec![vec!["1".into()]]).is_err());
}

#[test]
fn unwritable_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where a directory is needed: creating it fails for root too.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let target = blocker.join("report");
    match sample_report().write_markdown(&target) {
        Err(Error::Io { path, .. }) => assert_eq!(path, target),
        other => panic!("expected Error::Io, got {other:?}"),
    }
    let err = sample_report().write_html(&target).unwrap_err();
    assert!(err.to_string().contains("blocker"), "{err}");
}

#[test]
fn failed_file_write_names_the_file_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    // A directory occupies the figure's file name: the rename over it fails.
    std::fs::create_dir(dir.path().join("confusion.svg")).unwrap();
    match sample_report().write_markdown(dir.path()) {
        Err(Error::Io { path, .. }) => assert_eq!(path, dir.path().join("confusion.svg")),
        other => panic!("expected Error::Io, got {other:?}"),
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "confusion.svg")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
