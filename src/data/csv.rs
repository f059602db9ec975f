//! CSV files into a typed [`CsvTable`].
//!
//! The dialect (RFC 4180 plus the usual liberties):
//!
//! * the first record is the header (column names, trimmed; duplicates are an error);
//! * fields are separated by `,` (configurable); records end at `\n` or `\r\n`; blank lines are
//!   skipped;
//! * a field starting with `"` is quoted: it runs to the next lone `"`, may contain the
//!   delimiter and newlines, and `""` inside it stands for one `"`; only the delimiter or the
//!   end of the record may follow the closing quote;
//! * unquoted fields are trimmed of surrounding spaces and tabs;
//! * a field that is empty, `NA` or `?` (after trimming) is missing;
//! * a column is numeric if every present value parses as a finite number, otherwise
//!   categorical — unless its type is declared in [`CsvOptions::column_types`], in which case a
//!   non-number in a declared-numeric column is an error.
//!
//! Every record must have as many fields as the header. Errors name the file, the 1-based
//! line where the record (or the offending field) starts, and the 1-based column.
//!
//! ```
//! # fn main() -> lepton::Result<()> {
//! use lepton::data::{ColumnValues, CsvOptions, CsvTable};
//! let text = "age,job,note\n31,\"clerk, senior\",NA\n?,engineer,\"said \"\"hi\"\"\"\n";
//! let t = CsvTable::parse_bytes(text.as_bytes(), "people.csv", &CsvOptions::default())?;
//! assert_eq!(t.n_rows(), 2);
//! match &t.column("age").unwrap().values {
//!     ColumnValues::Numeric(v) => assert_eq!(v, &[Some(31.0), None]),
//!     _ => unreachable!(),
//! }
//! assert_eq!(t.text(1, 0), Some("clerk, senior".to_string()));
//! assert_eq!(t.text(2, 1), Some("said \"hi\"".to_string()));
//! # Ok(()) }
//! ```
// LIBSVM format: see libsvm.rs (the sparse `label idx:val …` reader and writer live there).

use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// Numbers (stored as `f64`).
    Numeric,
    /// Strings from a finite set of levels.
    Categorical,
}

/// The values of a column; `None` is a missing value.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnValues {
    /// One number per row.
    Numeric(Vec<Option<f64>>),
    /// One level index per row into `levels` (sorted, distinct).
    Categorical {
        /// The distinct values, sorted.
        levels: Vec<String>,
        /// Per row, the index of its level.
        codes: Vec<Option<u32>>,
    },
}

impl ColumnValues {
    /// The column's type.
    pub fn column_type(&self) -> ColumnType {
        match self {
            ColumnValues::Numeric(_) => ColumnType::Numeric,
            ColumnValues::Categorical { .. } => ColumnType::Categorical,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Numeric(v) => v.len(),
            ColumnValues::Categorical { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of missing values.
    pub fn missing(&self) -> usize {
        match self {
            ColumnValues::Numeric(v) => v.iter().filter(|x| x.is_none()).count(),
            ColumnValues::Categorical { codes, .. } => codes.iter().filter(|x| x.is_none()).count(),
        }
    }
}

/// A named column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The header name.
    pub name: String,
    /// The values.
    pub values: ColumnValues,
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    /// Field separator (default `b','`).
    pub delimiter: u8,
    /// Declared column types by header name; other columns are inferred.
    pub column_types: Vec<(String, ColumnType)>,
    /// Field texts (after trimming) meaning "missing" (default `""`, `"NA"`, `"?"`).
    pub missing: Vec<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            column_types: Vec::new(),
            missing: vec![String::new(), "NA".into(), "?".into()],
        }
    }
}

/// A CSV file read into typed columns.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvTable {
    path: PathBuf,
    columns: Vec<Column>,
    rows: usize,
}

/// One raw field: text, and where it started.
struct Field {
    text: String,
    line: usize,
}

/// A record: its fields, and the line it started on.
struct Record {
    fields: Vec<Field>,
    line: usize,
}

/// Splits `bytes` into records of fields (see the module docs for the dialect).
fn split_records(bytes: &[u8], delim: u8, path: &Path) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let n = bytes.len();
    while i < n {
        let rec_line = line;
        let mut fields: Vec<Field> = Vec::new();
        let mut blank = true;
        loop {
            // One field, starting at i.
            let field_line = line;
            let col = fields.len() + 1;
            let loc = |line, column| Location::Line {
                line,
                column: Some(column),
            };
            // Skip leading spaces to find an opening quote.
            let mut j = i;
            while j < n && (bytes[j] == b' ' || bytes[j] == b'\t') {
                j += 1;
            }
            let raw: Vec<u8>;
            let quoted = j < n && bytes[j] == b'"';
            if quoted {
                blank = false;
                let open_line = line;
                let mut buf = Vec::new();
                j += 1;
                loop {
                    if j >= n {
                        return Err(Error::format(
                            path,
                            loc(open_line, col),
                            "unterminated quoted field: the opening \" is never closed",
                        ));
                    }
                    match bytes[j] {
                        b'"' if j + 1 < n && bytes[j + 1] == b'"' => {
                            buf.push(b'"');
                            j += 2;
                        }
                        b'"' => {
                            j += 1;
                            break;
                        }
                        b => {
                            if b == b'\n' {
                                line += 1;
                            }
                            buf.push(b);
                            j += 1;
                        }
                    }
                }
                // After the closing quote: optional spaces, then delimiter / end of record.
                while j < n && (bytes[j] == b' ' || bytes[j] == b'\t') {
                    j += 1;
                }
                if j < n && bytes[j] != delim && bytes[j] != b'\n' && bytes[j] != b'\r' {
                    return Err(Error::format(
                        path,
                        loc(line, col),
                        format!(
                            "unexpected {:?} after the closing quote: expected the delimiter or \
                             the end of the line",
                            bytes[j] as char
                        ),
                    ));
                }
                raw = buf;
                i = j;
            } else {
                let start = i;
                while i < n && bytes[i] != delim && bytes[i] != b'\n' {
                    i += 1;
                }
                let mut end = i;
                if end > start && bytes[end - 1] == b'\r' && (i == n || bytes[i] == b'\n') {
                    end -= 1;
                }
                let t = bytes[start..end].trim_ascii();
                if !t.is_empty() || (i < n && bytes[i] == delim) {
                    blank = false;
                }
                raw = t.to_vec();
            }
            let text = String::from_utf8(raw).map_err(|e| {
                Error::format(
                    path,
                    loc(field_line, col),
                    format!("field is not valid UTF-8 ({e})"),
                )
            })?;
            fields.push(Field {
                text,
                line: field_line,
            });
            // Now at a delimiter, a line end (possibly \r\n) or the end of input.
            if i < n && bytes[i] == delim {
                i += 1;
                continue;
            }
            if i < n && bytes[i] == b'\r' && i + 1 < n && bytes[i + 1] == b'\n' {
                i += 1;
            }
            if i < n && bytes[i] == b'\n' {
                i += 1;
                line += 1;
            } else if i < n && bytes[i] == b'\r' {
                // A lone \r after a quoted field: treat as a line end.
                i += 1;
            }
            break;
        }
        if !blank {
            records.push(Record {
                fields,
                line: rec_line,
            });
        }
    }
    Ok(records)
}

fn parse_number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

impl CsvTable {
    /// Reads `path` with the default [`CsvOptions`].
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::Format`] as for
    /// [`parse_bytes`](Self::parse_bytes).
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        Self::read_with(path, &CsvOptions::default())
    }

    /// Reads `path` with `options`.
    ///
    /// # Errors
    /// As for [`read`](Self::read).
    pub fn read_with(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse_bytes(&bytes, path, options)
    }

    /// Parses CSV text; `name` is the path errors name. The entry point the fuzzer drives.
    ///
    /// # Errors
    /// [`Error::Format`] naming `name` with line and column: no header (empty input); a
    /// duplicate column name; a record with more or fewer fields than the header; an
    /// unterminated quoted field (at the line where it opens); text after a closing quote;
    /// bytes that are not UTF-8; a non-number in a column declared numeric. A declared
    /// column type naming no column is [`Error::InvalidArgument`].
    pub fn parse_bytes(bytes: &[u8], name: impl AsRef<Path>, options: &CsvOptions) -> Result<Self> {
        let path = name.as_ref();
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes); // UTF-8 BOM
        let mut records = split_records(bytes, options.delimiter, path)?.into_iter();
        let header = records.next().ok_or_else(|| {
            Error::format(path, Location::File, "empty file: expected a header line")
        })?;
        let names: Vec<String> = header.fields.into_iter().map(|f| f.text).collect();
        let mut seen = HashMap::new();
        for (c, n) in names.iter().enumerate() {
            if let Some(prev) = seen.insert(n.as_str(), c) {
                return Err(Error::format(
                    path,
                    Location::Line {
                        line: header.line,
                        column: Some(c + 1),
                    },
                    format!("duplicate column name {n:?} (also column {})", prev + 1),
                ));
            }
        }
        for (n, _) in &options.column_types {
            if !seen.contains_key(n.as_str()) {
                return Err(Error::InvalidArgument(format!(
                    "declared column {n:?} is not in the header of {}",
                    path.display()
                )));
            }
        }
        let width = names.len();
        // Cells by column; None = missing. Keep each cell's line for later errors.
        let mut cells: Vec<Vec<Option<(String, usize)>>> = vec![Vec::new(); width];
        let mut rows = 0;
        for rec in records {
            if rec.fields.len() != width {
                return Err(Error::format(
                    path,
                    Location::Line {
                        line: rec.line,
                        column: Some(rec.fields.len().min(width) + 1),
                    },
                    format!(
                        "expected {width} fields (as in the header), found {}",
                        rec.fields.len()
                    ),
                ));
            }
            for (c, f) in rec.fields.into_iter().enumerate() {
                let missing = options.missing.iter().any(|m| m == f.text.trim());
                cells[c].push(if missing {
                    None
                } else {
                    Some((f.text, f.line))
                });
            }
            rows += 1;
        }
        let mut columns = Vec::with_capacity(width);
        for (c, (name, col)) in names.into_iter().zip(cells).enumerate() {
            let declared = options
                .column_types
                .iter()
                .find(|(n, _)| *n == name)
                .map(|&(_, t)| t);
            let all_numeric = col
                .iter()
                .flatten()
                .all(|(s, _)| parse_number(s.trim()).is_some());
            let ty = declared.unwrap_or(if all_numeric {
                ColumnType::Numeric
            } else {
                ColumnType::Categorical
            });
            let values = match ty {
                ColumnType::Numeric => {
                    let mut v = Vec::with_capacity(rows);
                    for cell in col {
                        v.push(match cell {
                            None => None,
                            Some((s, line)) => Some(parse_number(s.trim()).ok_or_else(|| {
                                Error::format(
                                    path,
                                    Location::Line {
                                        line,
                                        column: Some(c + 1),
                                    },
                                    format!(
                                        "expected a finite number in numeric column {name:?}, \
                                         found {s:?}"
                                    ),
                                )
                            })?),
                        });
                    }
                    ColumnValues::Numeric(v)
                }
                ColumnType::Categorical => {
                    let mut levels: Vec<String> =
                        col.iter().flatten().map(|(s, _)| s.clone()).collect();
                    levels.sort();
                    levels.dedup();
                    let index: HashMap<&str, u32> = levels
                        .iter()
                        .enumerate()
                        .map(|(k, s)| (s.as_str(), k as u32))
                        .collect();
                    let codes = col
                        .iter()
                        .map(|cell| cell.as_ref().map(|(s, _)| index[s.as_str()]))
                        .collect();
                    ColumnValues::Categorical { levels, codes }
                }
            };
            columns.push(Column { name, values });
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            columns,
            rows,
        })
    }

    /// Builds a table from columns (all of the same length).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the lengths differ or a name repeats.
    pub fn from_columns(columns: Vec<Column>) -> Result<Self> {
        let rows = columns.first().map_or(0, |c| c.values.len());
        if let Some(c) = columns.iter().find(|c| c.values.len() != rows) {
            return Err(Error::InvalidArgument(format!(
                "column {:?} has {} rows, expected {rows}",
                c.name,
                c.values.len()
            )));
        }
        let mut names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidArgument(format!(
                "duplicate column {:?}",
                w[0]
            )));
        }
        Ok(CsvTable {
            path: PathBuf::new(),
            columns,
            rows,
        })
    }

    /// The file the table was read from (empty for built tables).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data rows (the header excluded).
    pub fn n_rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// The columns, in header order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Removes and returns the column called `name` (e.g. the label column).
    pub fn remove_column(&mut self, name: &str) -> Option<Column> {
        let k = self.columns.iter().position(|c| c.name == name)?;
        Some(self.columns.remove(k))
    }

    /// The value at (`column`, `row`) as text: the number formatted, or the level; `None` if
    /// missing or out of range.
    pub fn text(&self, column: usize, row: usize) -> Option<String> {
        match &self.columns.get(column)?.values {
            ColumnValues::Numeric(v) => v.get(row).copied().flatten().map(|x| x.to_string()),
            ColumnValues::Categorical { levels, codes } => codes
                .get(row)
                .copied()
                .flatten()
                .map(|k| levels[k as usize].clone()),
        }
    }

    /// Keeps only the rows whose index is in `keep` (ascending, distinct).
    fn retain_rows(&mut self, keep: &[usize]) {
        for c in &mut self.columns {
            match &mut c.values {
                ColumnValues::Numeric(v) => *v = keep.iter().map(|&r| v[r]).collect(),
                ColumnValues::Categorical { codes, .. } => {
                    *codes = keep.iter().map(|&r| codes[r]).collect()
                }
            }
        }
        self.rows = keep.len();
    }

    /// Removes rows that exactly repeat an earlier row (every value equal, missing equal to
    /// missing; numbers compared by value), keeping the first occurrence. Returns how many
    /// rows were removed.
    pub fn remove_duplicate_rows(&mut self) -> usize {
        let key = |r: usize| -> Vec<u64> {
            self.columns
                .iter()
                .map(|c| match &c.values {
                    // 0.0 and -0.0 are the same value.
                    ColumnValues::Numeric(v) => v[r].map_or(u64::MAX, |x| (x + 0.0).to_bits()),
                    ColumnValues::Categorical { codes, .. } => codes[r].map_or(u64::MAX, u64::from),
                })
                .collect()
        };
        let mut seen = std::collections::HashSet::new();
        let keep: Vec<usize> = (0..self.rows).filter(|&r| seen.insert(key(r))).collect();
        let removed = self.rows - keep.len();
        if removed > 0 {
            self.retain_rows(&keep);
        }
        removed
    }
}
