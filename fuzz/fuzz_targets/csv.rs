//! CSV parser: arbitrary bytes, with and without a declared numeric first column.
#![no_main]

use lepton::data::{ColumnType, CsvOptions, CsvTable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = CsvTable::parse_bytes(data, "fuzz.csv", &CsvOptions::default()) {
        for c in t.columns() {
            assert_eq!(c.values.len(), t.n_rows());
        }
        let mut t2 = t.clone();
        let removed = t2.remove_duplicate_rows();
        assert_eq!(t2.n_rows() + removed, t.n_rows());
        if let Some(first) = t.columns().first() {
            let opts = CsvOptions {
                column_types: vec![(first.name.clone(), ColumnType::Numeric)],
                ..CsvOptions::default()
            };
            let _ = CsvTable::parse_bytes(data, "fuzz.csv", &opts);
        }
    }
});
