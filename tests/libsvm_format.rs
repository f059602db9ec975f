//! The LIBSVM sparse text format: `label idx:val idx:val …`, 1-based strictly ascending indices,
//! absent features are zero. Checks: parsing into compressed rows, densifying (`x[i][idx−1] =
//! val`), and that writing dense data and reading it back reproduces every `f32` exactly.

use lepton::data::libsvm::{parse_libsvm, read_libsvm, write_libsvm};

#[test]
fn parses_sparse_rows_and_densifies() {
    let text = "1 1:0.5 3:-2\n-1\n2.5 2:1e-3 \r\n\n7 4:8\n";
    let d = parse_libsvm(text.as_bytes(), "t").unwrap();
    assert_eq!(d.labels, vec![1.0, -1.0, 2.5, 7.0]);
    assert_eq!(d.row_offsets, vec![0, 2, 2, 3, 4]);
    assert_eq!(d.max_index(), 4);
    let (x, w) = d.to_dense();
    assert_eq!(w, 4);
    assert_eq!(
        x,
        vec![0.5, 0.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1e-3, 0.0, 0.0, 0.0, 0.0, 0.0, 8.0]
    );
    // A narrower dense view drops features beyond its width.
    assert_eq!(d.to_dense_with_width(2)[..2], [0.5, 0.0]);
}

#[test]
fn write_then_read_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.txt");
    let x = vec![
        0.1f32,
        0.0,
        1.0 / 3.0,
        -7.25e-20,
        0.0,
        0.0,
        3.4e38,
        1e-45,
        0.0,
    ];
    let y = vec![1.0, -2.0, 0.125];
    write_libsvm(&path, &x, 3, &y).unwrap();
    let d = read_libsvm(&path).unwrap();
    assert_eq!(d.labels, y);
    assert_eq!(d.to_dense_with_width(3), x);
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = read_libsvm("/nonexistent/file.svm").unwrap_err();
    assert!(err.to_string().contains("/nonexistent/file.svm"), "{err}");
}
