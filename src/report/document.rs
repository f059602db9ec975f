//! The run report: settings, final numbers, tables and charts, written as Markdown or HTML next
//! to the chart files.

use crate::atomic_file::write_atomic;
use crate::error::{Error, Result};
use crate::metrics::ConfusionMatrix;
use std::path::{Path, PathBuf};

/// One block of the report body, in the order added.
#[derive(Clone, Debug)]
enum Block {
    Figure {
        file_name: String,
        caption: String,
        svg: String,
    },
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Text(String),
}

/// A report of one run: a title, a settings table, a results table, then figures (SVG charts),
/// tables and paragraphs in the order they were added.
///
/// [`write_markdown`](Report::write_markdown) and [`write_html`](Report::write_html) write every
/// figure as its own `.svg` file and the report (`report.md` / `report.html`) referring to them,
/// into one directory; every file is written atomically (temporary file + rename).
#[derive(Clone, Debug, Default)]
pub struct Report {
    title: String,
    settings: Vec<(String, String)>,
    results: Vec<(String, String)>,
    blocks: Vec<Block>,
}

impl Report {
    /// An empty report titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Report {
            title: title.into(),
            ..Report::default()
        }
    }

    /// Adds a row to the settings table (e.g. `"learning rate"`, `"0.001"`).
    pub fn setting(&mut self, name: impl Into<String>, value: impl ToString) -> &mut Self {
        self.settings.push((name.into(), value.to_string()));
        self
    }

    /// Adds a row to the results table (e.g. `"test accuracy"`, `"0.571"`).
    pub fn result(&mut self, name: impl Into<String>, value: impl ToString) -> &mut Self {
        self.results.push((name.into(), value.to_string()));
        self
    }

    /// Adds a figure: `svg` is written to `file_name` in the output directory and shown with
    /// `caption` as its heading.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `file_name` is not a plain file name ending in `.svg` (no
    /// directories, not hidden), or is already used by another figure.
    pub fn figure(
        &mut self,
        file_name: impl Into<String>,
        caption: impl Into<String>,
        svg: String,
    ) -> Result<&mut Self> {
        let file_name = file_name.into();
        let plain = !file_name.is_empty()
            && !file_name.starts_with('.')
            && !file_name.contains(['/', '\\'])
            && file_name.ends_with(".svg");
        if !plain {
            return Err(Error::InvalidArgument(format!(
                "report figure file name {file_name:?}: expected a plain name ending in .svg"
            )));
        }
        let taken = self
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Figure { file_name: f, .. } if *f == file_name));
        if taken {
            return Err(Error::InvalidArgument(format!(
                "report figure file name {file_name:?} is used twice"
            )));
        }
        self.blocks.push(Block::Figure {
            file_name,
            caption: caption.into(),
            svg,
        });
        Ok(self)
    }

    /// Adds a table with a caption, a header row and data rows.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if a row's length differs from the header's.
    pub fn table<S: ToString>(
        &mut self,
        caption: impl Into<String>,
        header: &[S],
        rows: Vec<Vec<String>>,
    ) -> Result<&mut Self> {
        let header: Vec<String> = header.iter().map(ToString::to_string).collect();
        if let Some(i) = rows.iter().position(|r| r.len() != header.len()) {
            return Err(Error::InvalidArgument(format!(
                "report table: row {i} has {} cells, the header {}",
                rows[i].len(),
                header.len()
            )));
        }
        self.blocks.push(Block::Table {
            caption: caption.into(),
            header,
            rows,
        });
        Ok(self)
    }

    /// Adds the per-class precision, recall, F1 and support of `matrix` as a table (one row per
    /// class, named as in the matrix, then the macro averages and the accuracy).
    pub fn classification_table(
        &mut self,
        caption: impl Into<String>,
        matrix: &ConfusionMatrix,
    ) -> &mut Self {
        let r = matrix.report();
        let f = |v: f64| format!("{v:.3}");
        let mut rows: Vec<Vec<String>> = r
            .per_class
            .iter()
            .enumerate()
            .map(|(c, s)| {
                vec![
                    matrix.class_name(c),
                    f(s.precision),
                    f(s.recall),
                    f(s.f1),
                    s.support.to_string(),
                ]
            })
            .collect();
        rows.push(vec![
            "macro average".into(),
            f(r.macro_precision),
            f(r.macro_recall),
            f(r.macro_f1),
            matrix.total().to_string(),
        ]);
        rows.push(vec![
            "accuracy".into(),
            String::new(),
            String::new(),
            f(r.accuracy),
            matrix.total().to_string(),
        ]);
        self.blocks.push(Block::Table {
            caption: caption.into(),
            header: ["class", "precision", "recall", "F1", "support"]
                .map(String::from)
                .to_vec(),
            rows,
        });
        self
    }

    /// Adds a paragraph of plain text (escaped, not interpreted as Markdown or HTML).
    pub fn text(&mut self, paragraph: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Text(paragraph.into()));
        self
    }

    /// Writes the figures and `report.md` into `dir` (created if missing) and returns the path of
    /// `report.md`.
    ///
    /// # Errors
    /// [`Error::Io`] naming the directory or the file that could not be created or written.
    pub fn write_markdown(&self, dir: &Path) -> Result<PathBuf> {
        self.write(dir, "report.md", &self.to_markdown())
    }

    /// Writes the figures and `report.html` (a standalone page that shows the SVG files) into
    /// `dir` (created if missing) and returns the path of `report.html`.
    ///
    /// # Errors
    /// [`Error::Io`] naming the directory or the file that could not be created or written.
    pub fn write_html(&self, dir: &Path) -> Result<PathBuf> {
        self.write(dir, "report.html", &self.to_html())
    }

    fn write(&self, dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for block in &self.blocks {
            if let Block::Figure { file_name, svg, .. } = block {
                write_atomic(&dir.join(file_name), svg.as_bytes())?;
            }
        }
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        Ok(path)
    }

    /// The report as Markdown (figures referenced by their file names).
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", md_escape(&self.title));
        let key_value = |out: &mut String, heading: &str, col: &str, rows: &[(String, String)]| {
            if rows.is_empty() {
                return;
            }
            out.push_str(&format!("## {heading}\n\n| {col} | value |\n|---|---|\n"));
            for (k, v) in rows {
                out.push_str(&format!("| {} | {} |\n", md_cell(k), md_cell(v)));
            }
            out.push('\n');
        };
        key_value(&mut out, "Settings", "setting", &self.settings);
        key_value(&mut out, "Results", "metric", &self.results);
        for block in &self.blocks {
            match block {
                Block::Figure {
                    file_name, caption, ..
                } => out.push_str(&format!(
                    "## {}\n\n![{}]({})\n\n",
                    md_escape(caption),
                    md_escape(caption),
                    file_name
                )),
                Block::Table {
                    caption,
                    header,
                    rows,
                } => {
                    out.push_str(&format!("## {}\n\n|", md_escape(caption)));
                    for h in header {
                        out.push_str(&format!(" {} |", md_cell(h)));
                    }
                    out.push_str("\n|");
                    out.push_str(&"---|".repeat(header.len()));
                    out.push('\n');
                    for row in rows {
                        out.push('|');
                        for c in row {
                            out.push_str(&format!(" {} |", md_cell(c)));
                        }
                        out.push('\n');
                    }
                    out.push('\n');
                }
                Block::Text(t) => out.push_str(&format!("{}\n\n", md_escape(t))),
            }
        }
        out
    }

    /// The report as a standalone HTML page (figures shown with `<img>` from their files).
    pub fn to_html(&self) -> String {
        let title = html_escape(&self.title);
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{title}</title>\n<style>\n\
             body {{ font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }}\n\
             table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}\n\
             th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }}\n\
             img {{ max-width: 100%; }}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
        );
        let key_value = |out: &mut String, heading: &str, col: &str, rows: &[(String, String)]| {
            if rows.is_empty() {
                return;
            }
            out.push_str(&format!(
                "<h2>{heading}</h2>\n<table>\n<tr><th>{col}</th><th>value</th></tr>\n"
            ));
            for (k, v) in rows {
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>\n",
                    html_escape(k),
                    html_escape(v)
                ));
            }
            out.push_str("</table>\n");
        };
        key_value(&mut out, "Settings", "setting", &self.settings);
        key_value(&mut out, "Results", "metric", &self.results);
        for block in &self.blocks {
            match block {
                Block::Figure {
                    file_name, caption, ..
                } => {
                    let c = html_escape(caption);
                    out.push_str(&format!(
                        "<h2>{c}</h2>\n<figure><img src=\"{}\" alt=\"{c}\"></figure>\n",
                        html_escape(file_name)
                    ));
                }
                Block::Table {
                    caption,
                    header,
                    rows,
                } => {
                    out.push_str(&format!("<h2>{}</h2>\n<table>\n<tr>", html_escape(caption)));
                    for h in header {
                        out.push_str(&format!("<th>{}</th>", html_escape(h)));
                    }
                    out.push_str("</tr>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for c in row {
                            out.push_str(&format!("<td>{}</td>", html_escape(c)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
                Block::Text(t) => out.push_str(&format!("<p>{}</p>\n", html_escape(t))),
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// Escapes the characters that Markdown would interpret in running text.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A Markdown table cell: escaped, on one line.
fn md_cell(s: &str) -> String {
    md_escape(&s.replace(['\n', '\r'], " "))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
