//! Preprocessing: the math of each step, checked against values computed by hand, and the
//! parameter file's round trip and errors.
//!
//! * Z-score: `x' = (x − μ) / σ` with the population σ = sqrt(Σ(x − μ)²/n). For the column
//!   1, 2, 3, 4: μ = 2.5, σ² = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25, so 1 ↦ −1.5/√1.25 =
//!   −1.341641. A constant column has σ = 0 and is only centred: divisor 1.
//! * Min-max to [l, u]: `x' = l + (u − l)(x − min)/(max − min)`. For 2, 4, 6 onto [−1, 1]:
//!   2 ↦ −1, 4 ↦ 0, 6 ↦ 1, and an unseen 8 ↦ 2 (no clipping, as svm-scale).
//! * Imputation: for 1, ?, 2, 6 the mean is 3 and the median 2 (odd count: the middle);
//!   for 1, 2, 6, 7 the median is (2 + 6)/2 = 4; the most frequent of 3, 1, 3, 1, 2 is 1
//!   (1 and 3 tie; the smaller wins).
//! * One-hot: a categorical column with training levels {Oslo, Paris} becomes two 0/1 columns;
//!   an unseen level or a missing value is all zeros.
//! * Deduplication keeps the first of each group of equal rows (NaN = NaN, −0 = 0).

use lepton::data::{CsvOptions, CsvTable};
use lepton::error::{Error, Location};
use lepton::preprocess::{
    find_duplicate_rows, remove_duplicate_rows, EncodedColumn, ImputeStrategy, Imputer,
    MinMaxScaler, OneHotEncoder, Preprocessing, Standardizer, Step,
};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const NAN: f32 = f32::NAN;

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + b.abs())
}

fn table(text: &str) -> CsvTable {
    CsvTable::parse_bytes(text.as_bytes(), "t.csv", &CsvOptions::default()).unwrap()
}

#[test]
fn standardize_by_hand() {
    // Columns: 1,2,3,4 | 5,5,5,5 (constant) | 1,NaN,3,NaN (missing ignored)
    let train = [1.0, 5.0, 1.0, 2.0, 5.0, NAN, 3.0, 5.0, 3.0, 4.0, 5.0, NAN];
    let z = Standardizer::fit(&train, 3).unwrap();
    assert!(close(z.mean[0], 2.5) && close(z.scale[0], 1.118_034));
    assert_eq!((z.mean[1], z.scale[1]), (5.0, 1.0));
    assert_eq!((z.mean[2], z.scale[2]), (2.0, 1.0));
    let mut test = vec![1.0, 7.0, NAN, 4.0, 5.0, 4.0];
    z.transform(&mut test, 3).unwrap();
    assert!(close(test[0], -1.341_641));
    assert_eq!(test[1], 2.0); // (7 − 5) / 1: centred, not divided by zero
    assert!(test[2].is_nan());
    assert!(close(test[3], 1.341_641));
    assert_eq!((test[4], test[5]), (0.0, 2.0));
    // Training data standardised has mean 0 and population std 1 in column 0.
    let mut t = train.to_vec();
    z.transform(&mut t, 3).unwrap();
    let col: Vec<f64> = t.iter().step_by(3).map(|&x| x as f64).collect();
    assert!(col.iter().sum::<f64>().abs() < 1e-6);
    assert!((col.iter().map(|x| x * x).sum::<f64>() / 4.0 - 1.0).abs() < 1e-6);
}

#[test]
fn min_max_by_hand() {
    let train = [2.0, 9.0, 4.0, 9.0, 6.0, 9.0];
    let s = MinMaxScaler::fit(&train, 2, -1.0, 1.0).unwrap();
    assert_eq!(
        (s.min.as_slice(), s.max.as_slice()),
        (&[2.0, 9.0][..], &[6.0, 9.0][..])
    );
    let mut x = vec![2.0, 9.0, 4.0, 100.0, 6.0, 0.0, 8.0, NAN];
    s.transform(&mut x, 2).unwrap();
    assert_eq!(&x[..7], &[-1.0, -1.0, 0.0, -1.0, 1.0, -1.0, 2.0]);
    assert!(x[7].is_nan());
    // [0, 1] like svm-scale -l 0 -u 1: 3 in [2, 6] ↦ 0.25.
    let s = MinMaxScaler::fit(&[2.0, 6.0], 1, 0.0, 1.0).unwrap();
    let mut y = vec![3.0];
    s.transform(&mut y, 1).unwrap();
    assert_eq!(y, [0.25]);
    assert!(MinMaxScaler::fit(&train, 2, 1.0, 1.0).is_err());
}

#[test]
fn impute_by_hand() {
    let col = [1.0, NAN, 2.0, 6.0];
    let fill = |s| Imputer::fit(&col, 1, s).unwrap().fill[0];
    assert_eq!(fill(ImputeStrategy::Mean), 3.0);
    assert_eq!(fill(ImputeStrategy::Median), 2.0);
    let even = Imputer::fit(&[7.0, 1.0, 6.0, 2.0], 1, ImputeStrategy::Median).unwrap();
    assert_eq!(even.fill, [4.0]);
    let mode = Imputer::fit(&[3.0, 1.0, 3.0, 1.0, 2.0], 1, ImputeStrategy::MostFrequent).unwrap();
    assert_eq!(mode.fill, [1.0]);
    let mut x = vec![NAN, 5.0];
    Imputer::fit(&col, 1, ImputeStrategy::Mean)
        .unwrap()
        .transform(&mut x, 1)
        .unwrap();
    assert_eq!(x, [3.0, 5.0]);
    // A column with nothing present cannot be fitted.
    assert!(Imputer::fit(&[NAN, NAN], 1, ImputeStrategy::Mean).is_err());
}

#[test]
fn shape_errors() {
    assert!(matches!(
        Standardizer::fit(&[1.0, 2.0, 3.0], 2),
        Err(Error::Shape { .. })
    ));
    let z = Standardizer::fit(&[1.0, 2.0], 2).unwrap();
    assert!(matches!(
        z.transform(&mut [1.0, 2.0, 3.0], 3),
        Err(Error::Shape { .. })
    ));
    assert!(Standardizer::fit(&[1.0, f32::INFINITY], 1).is_err());
}

#[test]
fn duplicate_rows() {
    let m = [
        1.0, 2.0, 1.0, 2.0, NAN, 0.0, NAN, 0.0, -0.0, 2.0, 0.0, 2.0, 1.0, 3.0,
    ];
    let d = find_duplicate_rows(&m, 2).unwrap();
    assert_eq!(d.kept, [0, 2, 4, 6]);
    assert_eq!(d.removed, 3);
    let (out, removed) = remove_duplicate_rows(&m, 2).unwrap();
    assert_eq!(removed, 3);
    assert_eq!(out.len(), 8);
    assert_eq!(out[6..], [1.0, 3.0]);
}

#[test]
fn one_hot_by_hand() {
    let train = table("age,city\n30,Paris\n40,Oslo\n,Paris\n");
    let enc = OneHotEncoder::fit(&train);
    assert_eq!(enc.output_names(), ["age", "city=Oslo", "city=Paris"]);
    let test = table("city,age,extra\nOslo,1,x\nRome,2,y\nNA,3,z\nParis,?,w\n");
    let m = enc.transform(&test).unwrap();
    assert_eq!(m.cols(), 3);
    assert_eq!(m.rows(), 4);
    let rows: Vec<&[f32]> = m.data.chunks(3).collect();
    assert_eq!(rows[0], [1.0, 1.0, 0.0]);
    assert_eq!(rows[1], [2.0, 0.0, 0.0]); // unseen level: all zeros
    assert_eq!(rows[2], [3.0, 0.0, 0.0]); // missing: all zeros
    assert!(rows[3][0].is_nan() && rows[3][1..] == [0.0, 1.0]);
    // A missing column, or a numeric column that became categorical, is an error.
    assert!(enc.transform(&table("age\n1\n")).is_err());
    assert!(enc.transform(&table("age,city\nold,Oslo\n")).is_err());
    // Levels that look like numbers still match when a small file reads them as numbers.
    let enc = OneHotEncoder::fit(&table("grade\nA\n1\n2\n"));
    let m = enc.transform(&table("grade\n2\n")).unwrap();
    assert_eq!(m.data, [0.0, 1.0, 0.0]); // levels sorted: "1", "2", "A"
}

fn full_pipeline() -> Preprocessing {
    let train = table("age,\"we\\ird\nname\",income\n30,a,1\n40,b,\n50,a,3\n");
    let enc = OneHotEncoder::fit(&train);
    let mut m = enc.transform(&train).unwrap();
    let imp = Imputer::fit(&m.data, m.cols(), ImputeStrategy::Median).unwrap();
    imp.transform(&mut m.data, 4).unwrap();
    let z = Standardizer::fit(&m.data, 4).unwrap();
    z.transform(&mut m.data, 4).unwrap();
    let mm = MinMaxScaler::fit(&m.data, 4, -1.0, 1.0).unwrap();
    Preprocessing {
        steps: vec![
            Step::OneHot(enc),
            Step::Impute(imp),
            Step::Standardize(z),
            Step::MinMax(mm),
        ],
    }
}

#[test]
fn parameters_round_trip_exactly_and_apply_to_test_data() {
    let pre = full_pipeline();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pre.txt");
    pre.save(&path).unwrap();
    let back = Preprocessing::load(&path).unwrap();
    assert_eq!(back, pre);
    match &back.steps[0] {
        Step::OneHot(e) => assert_eq!(e.columns[1].name(), "we\\ird\nname"),
        s => panic!("{s:?}"),
    }
    // Apply to a test table: income missing → median 2 → standardised → scaled.
    let test = table("age,\"we\\ird\nname\",income\n40,b,\n");
    let m = back.transform_table(&test).unwrap();
    // age 40 is the training mean: z = 0; training z range is ±1.2247: 0 ↦ 0 in [−1, 1].
    assert!(close(m.data[0], 0.0), "{:?}", m.data);
    // income: median(1, 3) = 2 = mean of (1, 2, 3): z = 0 ↦ 0.
    assert!(close(m.data[3], 0.0), "{:?}", m.data);
    // one-hot b = 1: in training b's column is (0, 1, 0): max ↦ 1.
    assert!(close(m.data[2], 1.0), "{:?}", m.data);
}

fn format_error(e: Error) -> (PathBuf, Location, String) {
    match e {
        Error::Format {
            path,
            location,
            message,
        } => (path, location, message),
        other => panic!("expected a Format error, got {other:?}"),
    }
}

fn parse(text: &str) -> lepton::Result<Preprocessing> {
    Preprocessing::parse_bytes(text.as_bytes(), "p.txt")
}

fn line(line: usize, column: Option<usize>) -> Location {
    Location::Line { line, column }
}

#[test]
fn parameter_file_errors_name_line_and_field() {
    let cases: &[(&str, Location, &str)] = &[
        ("", Location::File, "empty"),
        ("lepton-preprocess 2\n", line(1, None), "first line"),
        (
            "lepton-preprocess 1\nscale 1\n",
            line(2, Some(1)),
            "unknown step",
        ),
        (
            "lepton-preprocess 1\nstandardize x\n",
            line(2, Some(2)),
            "count",
        ),
        (
            "lepton-preprocess 1\nstandardize 1\n1 abc\n",
            line(3, Some(2)),
            "number",
        ),
        (
            "lepton-preprocess 1\nstandardize 1\n1 0\n",
            line(3, Some(2)),
            "> 0",
        ),
        (
            "lepton-preprocess 1\nstandardize 1\ninf 1\n",
            line(3, Some(1)),
            "finite",
        ),
        (
            "lepton-preprocess 1\nstandardize 3\n1 1\n",
            Location::File,
            "end of file",
        ),
        (
            "lepton-preprocess 1\nminmax 1 1 -1\n",
            line(2, Some(4)),
            "lower < upper",
        ),
        (
            "lepton-preprocess 1\nminmax 1 0 1\n5 4\n",
            line(3, Some(2)),
            "exceeds",
        ),
        (
            "lepton-preprocess 1\nimpute 1 mode\n1\n",
            line(2, Some(3)),
            "median",
        ),
        (
            "lepton-preprocess 1\nimpute 1 mean\n1\nonehot 0\n",
            line(4, Some(1)),
            "first",
        ),
        (
            "lepton-preprocess 1\nonehot 1\nnumeric a\\x\n",
            line(3, None),
            "escape",
        ),
        (
            "lepton-preprocess 1\nonehot 1\nboolean a\n",
            line(3, Some(1)),
            "categorical",
        ),
        (
            "lepton-preprocess 1\nimpute 1 mean\n1\nstandardize 2\n0 1\n0 1\n",
            line(4, Some(2)),
            "previous step",
        ),
    ];
    for (text, loc, needle) in cases {
        let (p, l, msg) = format_error(parse(text).unwrap_err());
        assert_eq!(p, Path::new("p.txt"));
        assert_eq!(&l, loc, "{text:?}: {msg}");
        assert!(msg.contains(needle), "{text:?}: {msg}");
    }
    let (_, l, _) =
        format_error(Preprocessing::parse_bytes(b"lepton-preprocess 1\n\xff\n", "p").unwrap_err());
    assert_eq!(l, line(2, None));
    // CRLF and blank lines are fine.
    let p = parse("lepton-preprocess 1\r\n\r\nstandardize 1\r\n2 4\r\n").unwrap();
    assert_eq!(
        p.steps,
        [Step::Standardize(Standardizer {
            mean: vec![2.0],
            scale: vec![4.0]
        })]
    );
}

#[test]
fn one_hot_file_format_is_readable() {
    let p = parse(
        "lepton-preprocess 1\nonehot 2\nnumeric age\ncategorical 2 city name\nOslo\nSan Jos\\\\e\n",
    )
    .unwrap();
    match &p.steps[0] {
        Step::OneHot(e) => {
            assert_eq!(e.columns[0], EncodedColumn::Numeric { name: "age".into() });
            assert_eq!(
                e.columns[1],
                EncodedColumn::Categorical {
                    name: "city name".into(),
                    levels: vec!["Oslo".into(), "San Jos\\e".into()]
                }
            );
        }
        s => panic!("{s:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes never panic the loader.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        match Preprocessing::parse_bytes(&bytes, "f") {
            Ok(_) => {}
            Err(Error::Format { path, .. }) => prop_assert_eq!(path, PathBuf::from("f")),
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }

    /// A valid file with one byte changed or the tail cut never panics either.
    #[test]
    fn mutated_files_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut b = full_pipeline().to_text().into_bytes();
        let i = pos.index(b.len());
        if cut { b.truncate(i) } else { b[i] = byte }
        let _ = Preprocessing::parse_bytes(&b, "m");
    }

    /// Standardised training columns have mean ≈ 0 and, unless constant, std ≈ 1.
    #[test]
    fn standardized_columns_have_zero_mean(v in prop::collection::vec(-1e3f32..1e3, 2..40)) {
        let z = Standardizer::fit(&v, 1).unwrap();
        let mut t = v.clone();
        z.transform(&mut t, 1).unwrap();
        let n = t.len() as f64;
        let mean = t.iter().map(|&x| x as f64).sum::<f64>() / n;
        prop_assert!(mean.abs() < 1e-3);
        let var = t.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        prop_assert!(z.scale[0] == 1.0 || (var - 1.0).abs() < 1e-3, "var {}", var);
    }
}

/// Cross-check against LIBSVM's own `svm-scale -l -1 -u 1` (installed by `.ci/run` with
/// libsvm-tools). Its sparse output omits zeros, and omits constant features entirely (we map
/// those to `lower` instead), so only non-constant columns are compared. Skipped, with a
/// message, where `svm-scale` is not installed.
#[test]
fn min_max_matches_svm_scale() {
    let rows: [[f32; 3]; 4] = [
        [2.0, 9.0, 0.5],
        [4.0, 9.0, -1.0],
        [6.0, 9.0, 7.0],
        [3.0, 9.0, 1.25],
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.libsvm");
    let text: String = rows
        .iter()
        .map(|r| format!("1 1:{} 2:{} 3:{}\n", r[0], r[1], r[2]))
        .collect();
    std::fs::write(&path, text).unwrap();
    let out = match std::process::Command::new("svm-scale")
        .args(["-l", "-1", "-u", "1"])
        .arg(&path)
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        _ => {
            eprintln!("svm-scale not installed: skipping the cross-check");
            return;
        }
    };
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    let s = MinMaxScaler::fit(&flat, 3, -1.0, 1.0).unwrap();
    let mut ours = flat.clone();
    s.transform(&mut ours, 3).unwrap();
    for (r, line) in out.lines().enumerate() {
        let mut theirs = [0.0f32; 3];
        for kv in line.split_whitespace().skip(1) {
            let (k, v) = kv.split_once(':').unwrap();
            theirs[k.parse::<usize>().unwrap() - 1] = v.parse().unwrap();
        }
        for c in [0, 2] {
            assert!(
                close(ours[r * 3 + c], theirs[c]),
                "row {r} col {c}: {} vs {}",
                ours[r * 3 + c],
                theirs[c]
            );
        }
    }
}
