//! CSV reader: records, quoting, missing values and column types.
//!
//! A record is a line split at commas, except inside a quoted field (`"…"`), where commas and
//! newlines are data and `""` is one quote. The header names the columns; each later record
//! must have exactly as many fields. `""`, `NA` and `?` are missing. A column is numeric when
//! every present value is a finite number, else categorical with sorted distinct levels; a
//! column declared numeric must hold only numbers. Errors point at 1-based (line, column).

use lepton::data::{ColumnType, ColumnValues, CsvOptions, CsvTable};
use lepton::error::{Error, Location};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn parse(text: &str) -> lepton::Result<CsvTable> {
    CsvTable::parse_bytes(text.as_bytes(), "t.csv", &CsvOptions::default())
}

fn location(e: Error) -> (PathBuf, Location, String) {
    match e {
        Error::Format {
            path,
            location,
            message,
        } => (path, location, message),
        other => panic!("expected a Format error, got {other:?}"),
    }
}

fn at(line: usize, column: usize) -> Location {
    Location::Line {
        line,
        column: Some(column),
    }
}

fn numeric(t: &CsvTable, name: &str) -> Vec<Option<f64>> {
    match &t.column(name).unwrap().values {
        ColumnValues::Numeric(v) => v.clone(),
        v => panic!("{name} is {v:?}"),
    }
}

#[test]
fn types_missing_values_and_levels() {
    let t =
        parse("id, income ,city,flag\n1,2.5,Paris,yes\n2,NA,Oslo,no\n3,?,,yes\n4,-1e3,Paris,\n")
            .unwrap();
    assert_eq!((t.n_rows(), t.n_cols()), (4, 4));
    assert_eq!(t.columns()[1].name, "income"); // header names are trimmed
    assert_eq!(
        numeric(&t, "id"),
        [Some(1.0), Some(2.0), Some(3.0), Some(4.0)]
    );
    assert_eq!(
        numeric(&t, "income"),
        [Some(2.5), None, None, Some(-1000.0)]
    );
    match &t.column("city").unwrap().values {
        ColumnValues::Categorical { levels, codes } => {
            assert_eq!(levels, &["Oslo", "Paris"]);
            assert_eq!(codes, &[Some(1), Some(0), None, Some(1)]);
        }
        v => panic!("{v:?}"),
    }
    assert_eq!(t.column("flag").unwrap().values.missing(), 1);
}

#[test]
fn quoted_fields_hold_commas_quotes_and_newlines() {
    let t = parse("a,b\n\"x, y\",\"he said \"\"no\"\"\"\n\"two\nlines\", 7 \n").unwrap();
    assert_eq!(t.n_rows(), 2);
    assert_eq!(t.text(0, 0).unwrap(), "x, y");
    assert_eq!(t.text(1, 0).unwrap(), "he said \"no\"");
    assert_eq!(t.text(0, 1).unwrap(), "two\nlines");
    // Column b mixes text and a number: categorical.
    assert_eq!(t.columns()[1].values.column_type(), ColumnType::Categorical);
}

#[test]
fn crlf_blank_lines_and_bom() {
    let t = CsvTable::parse_bytes(
        b"\xEF\xBB\xBFa,b\r\n1,2\r\n\r\n3,4\r\n",
        "w.csv",
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(t.columns()[0].name, "a");
    assert_eq!(numeric(&t, "b"), [Some(2.0), Some(4.0)]);
}

#[test]
fn ragged_rows_name_line_and_column() {
    let (p, loc, msg) = location(parse("a,b,c\n1,2,3\n4,5\n").unwrap_err());
    assert_eq!(p, Path::new("t.csv"));
    assert_eq!(loc, at(3, 3));
    assert!(
        msg.contains("expected 3 fields") && msg.contains("found 2"),
        "{msg}"
    );
    let (_, loc, msg) = location(parse("a,b\n1,2\n\n3,4,5\n").unwrap_err());
    assert_eq!(loc, at(4, 3));
    assert!(msg.contains("found 3"), "{msg}");
}

#[test]
fn line_numbers_count_newlines_inside_quotes() {
    // Record 2 spans lines 2–3, so the ragged record starts on line 4.
    let (_, loc, _) = location(parse("a,b\n\"x\ny\",1\n2\n").unwrap_err());
    assert_eq!(loc, at(4, 2));
}

#[test]
fn non_numeric_value_in_a_declared_numeric_column() {
    let opts = CsvOptions {
        column_types: vec![("amount".into(), ColumnType::Numeric)],
        ..CsvOptions::default()
    };
    let text = "name,amount\nann,10\nbob,ten\n";
    let (p, loc, msg) =
        location(CsvTable::parse_bytes(text.as_bytes(), "m.csv", &opts).unwrap_err());
    assert_eq!((p.as_path(), loc), (Path::new("m.csv"), at(3, 2)));
    assert!(msg.contains("\"ten\"") && msg.contains("amount"), "{msg}");
    // Without the declaration the column is inferred categorical.
    let t = CsvTable::parse_bytes(text.as_bytes(), "m.csv", &CsvOptions::default()).unwrap();
    assert_eq!(t.columns()[1].values.column_type(), ColumnType::Categorical);
    // Infinity and NaN are not accepted as numbers.
    assert!(CsvTable::parse_bytes(b"x\ninf\n", "i.csv", &opts_numeric("x")).is_err());
    assert!(CsvTable::parse_bytes(b"x\nNaN\n", "i.csv", &opts_numeric("x")).is_err());
    // A declaration naming no column is an invalid argument.
    assert!(matches!(
        CsvTable::parse_bytes(b"x\n1\n", "i.csv", &opts_numeric("y")),
        Err(Error::InvalidArgument(_))
    ));
}

fn opts_numeric(name: &str) -> CsvOptions {
    CsvOptions {
        column_types: vec![(name.into(), ColumnType::Numeric)],
        ..CsvOptions::default()
    }
}

#[test]
fn unterminated_quote_points_at_its_opening() {
    let (_, loc, msg) = location(parse("a,b\n1,2\n3,\"open\n4,5\n").unwrap_err());
    assert_eq!(loc, at(3, 2));
    assert!(msg.contains("unterminated"), "{msg}");
}

#[test]
fn text_after_closing_quote() {
    let (_, loc, msg) = location(parse("a,b\n\"x\"y,2\n").unwrap_err());
    assert_eq!(loc, at(2, 1));
    assert!(msg.contains("after the closing quote"), "{msg}");
}

#[test]
fn empty_file_duplicate_names_and_bad_utf8() {
    let (_, loc, _) = location(parse("").unwrap_err());
    assert_eq!(loc, Location::File);
    let (_, loc, msg) = location(parse("a,b,a\n1,2,3\n").unwrap_err());
    assert_eq!(loc, at(1, 3));
    assert!(msg.contains("duplicate"), "{msg}");
    let (_, loc, _) = location(
        CsvTable::parse_bytes(b"a,b\n1,\xff\n", "u.csv", &CsvOptions::default()).unwrap_err(),
    );
    assert_eq!(loc, at(2, 2));
}

#[test]
fn reads_files_and_names_them_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "a\n1\n2,3\n").unwrap();
    let err = CsvTable::read(&path).unwrap_err();
    assert!(err.to_string().contains("bad.csv:3, column 2"), "{err}");
    assert!(matches!(
        CsvTable::read(dir.path().join("none.csv")),
        Err(Error::Io { .. })
    ));
}

#[test]
fn duplicate_rows_are_removed_and_counted() {
    let mut t = parse("a,b\n1,x\n2,y\n1,x\n1,NA\n1,\n-0,x\n").unwrap();
    // Row 3 repeats row 1; row 5 ("1", missing) repeats row 4; -0 equals 0 but not 1.
    assert_eq!(t.remove_duplicate_rows(), 2);
    assert_eq!(t.n_rows(), 4);
    assert_eq!(
        numeric(&t, "a"),
        [Some(1.0), Some(2.0), Some(1.0), Some(-0.0)]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes never panic; a successful parse yields equal-length columns.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        match CsvTable::parse_bytes(&bytes, "f.csv", &CsvOptions::default()) {
            Ok(t) => prop_assert!(t.columns().iter().all(|c| c.values.len() == t.n_rows())),
            Err(Error::Format { path, .. }) => prop_assert_eq!(path, PathBuf::from("f.csv")),
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }

    /// CSV-looking text (commas, quotes, newlines heavy) never panics either.
    #[test]
    fn csv_like_text_never_panics(s in "[a-c0-9,\"\n\r ?.-]{0,200}") {
        let _ = CsvTable::parse_bytes(s.as_bytes(), "g.csv", &CsvOptions::default());
    }

    /// Quoting any string and reading it back gives the string.
    #[test]
    fn quoted_round_trip(cells in prop::collection::vec("[ -~\n]{0,12}", 1..5)) {
        let mut text = String::from("h\n");
        for c in &cells {
            text.push('"');
            text.push_str(&c.replace('"', "\"\""));
            text.push_str("\"\n");
        }
        let opts = CsvOptions { missing: vec![], ..CsvOptions::default() };
        let t = CsvTable::parse_bytes(text.as_bytes(), "q.csv", &opts).unwrap();
        prop_assert_eq!(t.n_rows(), cells.len());
        for (r, c) in cells.iter().enumerate() {
            // Numeric-looking cells become numbers; compare those by value.
            match &t.columns()[0].values {
                ColumnValues::Numeric(v) => prop_assert_eq!(v[r], c.trim().parse::<f64>().ok()),
                ColumnValues::Categorical { .. } => prop_assert_eq!(t.text(0, r).unwrap(), c.clone()),
            }
        }
    }
}
