//! `lepton inspect PATH [--json]`: say what a dataset is.
//!
//! Recognises a CIFAR-10 or CIFAR-100 directory (or one CIFAR `.bin` file), an IDX image/label
//! pair (given either file of the pair, or a directory holding `train-*` / `t10k-*` pairs), and
//! a CSV file. Prints the kind, the records per split, the per-class counts and the class names.

use clap::Args;
use lepton::data::cifar::{
    CIFAR100_TEST_FILE, CIFAR100_TRAIN_FILE, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES,
};
use lepton::data::idx::{is_image_file_name, partner_path, FASHION_MNIST_CLASS_NAMES};
use lepton::data::{
    Cifar10, Cifar100, CifarKind, CifarSplit, ColumnValues, CsvTable, IdxArray, IdxDir, IdxSplit,
    ImageDataset,
};
use lepton::error::{Error, Location};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Arguments of `lepton inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// A CIFAR-10/100 directory or `.bin` file, an IDX file (or a directory of IDX pairs), or a
    /// CSV file.
    pub path: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// For a CSV: the label column whose per-class counts to print.
    #[arg(long)]
    pub label: Option<String>,
}

/// One split of a labelled dataset.
struct SplitReport {
    name: String,
    files: Vec<String>,
    records: usize,
    class_counts: Vec<usize>,
}

/// What was found.
struct Report {
    kind: String,
    path: PathBuf,
    image: Option<(usize, usize, usize)>,
    splits: Vec<SplitReport>,
    class_names: Vec<String>,
    notes: Vec<String>,
    columns: Vec<Value>,
}

impl Report {
    fn new(kind: &str, path: &Path) -> Self {
        Report {
            kind: kind.into(),
            path: path.to_path_buf(),
            image: None,
            splits: Vec::new(),
            class_names: Vec::new(),
            notes: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// Adds a split if it has any files.
    fn add_split(&mut self, name: &str, d: &dyn ImageDataset, files: Vec<String>) {
        if files.is_empty() {
            return;
        }
        let dims = d.dims();
        self.image = Some((dims.channels, dims.height, dims.width));
        self.splits.push(SplitReport {
            name: name.into(),
            files,
            records: d.len(),
            class_counts: d.class_counts(),
        });
    }

    fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "path": self.path.display().to_string(),
            "image": self.image.map(|(c, h, w)| json!({"channels": c, "height": h, "width": w})),
            "splits": self.splits.iter().map(|s| json!({
                "name": s.name,
                "files": s.files,
                "records": s.records,
                "class_counts": s.class_counts,
            })).collect::<Vec<_>>(),
            "class_names": self.class_names,
            "columns": self.columns,
            "notes": self.notes,
        })
    }

    fn print_text(&self) {
        println!("{}: {}", self.path.display(), self.kind);
        if let Some((c, h, w)) = self.image {
            println!("images: {c}×{h}×{w} (channels × height × width)");
        }
        for s in &self.splits {
            println!(
                "{} split: {} records from {}",
                s.name,
                s.records,
                s.files.join(", ")
            );
            if !s.class_counts.is_empty() {
                let counts: Vec<String> = s
                    .class_counts
                    .iter()
                    .enumerate()
                    .map(|(k, n)| match self.class_names.get(k) {
                        Some(name) => format!("{k} {name}: {n}"),
                        None => format!("{k}: {n}"),
                    })
                    .collect();
                println!("  per class: {}", counts.join(", "));
            }
        }
        if !self.class_names.is_empty() {
            println!("class names: {}", self.class_names.join(", "));
        }
        for c in &self.columns {
            let name = c["name"].as_str().unwrap_or_default();
            let ty = c["type"].as_str().unwrap_or_default();
            let missing = &c["missing"];
            match c.get("levels") {
                Some(levels) => println!(
                    "  column {name:?}: {ty}, {missing} missing, {} levels",
                    levels.as_array().map_or(0, |l| l.len())
                ),
                None => println!("  column {name:?}: {ty}, {missing} missing"),
            }
        }
        for n in &self.notes {
            println!("note: {n}");
        }
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn cifar_files(s: &CifarSplit) -> Vec<String> {
    s.files().into_iter().map(display).collect()
}

fn inspect_cifar10(dir: &Path) -> lepton::Result<Report> {
    let c = Cifar10::open(dir)?;
    let mut r = Report::new("CIFAR-10 (binary)", dir);
    r.add_split("train", c.train(), cifar_files(c.train()));
    r.add_split("test", c.test(), cifar_files(c.test()));
    r.class_names = c.class_names().to_vec();
    if !c.missing().is_empty() {
        r.notes
            .push(format!("not present: {}", c.missing().join(", ")));
    }
    Ok(r)
}

fn inspect_cifar100(dir: &Path) -> lepton::Result<Report> {
    let c = Cifar100::open(dir)?;
    let mut r = Report::new("CIFAR-100 (binary; counts are of fine labels)", dir);
    r.add_split("train", c.train(), cifar_files(c.train()));
    r.add_split("test", c.test(), cifar_files(c.test()));
    r.class_names = c.fine_class_names().to_vec();
    if !c.coarse_class_names().is_empty() {
        r.notes.push(format!(
            "coarse classes: {}",
            c.coarse_class_names().join(", ")
        ));
    }
    Ok(r)
}

fn idx_report(path: &Path, splits: &[(&str, &IdxSplit)]) -> Report {
    let mut r = Report::new("IDX image/label pair (MNIST format)", path);
    for (name, s) in splits {
        let files = vec![display(s.images().path()), display(s.labels().path())];
        r.add_split(name, *s, files);
    }
    let fashion = splits.iter().any(|(_, s)| {
        display(s.images().path())
            .to_lowercase()
            .contains("fashion")
    });
    if fashion {
        r.class_names = FASHION_MNIST_CLASS_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect();
        r.notes
            .push("class names are Fashion-MNIST's (guessed from the path)".into());
    }
    r
}

fn inspect_idx_file(path: &Path) -> lepton::Result<Report> {
    let partner = partner_path(path).filter(|p| p.is_file());
    match partner {
        Some(p) => {
            let (images, labels) = if is_image_file_name(path) {
                (path.to_path_buf(), p)
            } else {
                (p, path.to_path_buf())
            };
            let s = IdxSplit::open_pair(&images, &labels)?;
            let name = file_name(&images);
            let split = if name.starts_with("t10k") || name.starts_with("test") {
                "test"
            } else {
                "train"
            };
            Ok(idx_report(path, &[(split, &s)]))
        }
        None => {
            let a = IdxArray::open(path)?;
            let mut r = Report::new("IDX array (no partner file found)", path);
            r.notes.push(format!(
                "dimensions {:?}{}",
                a.dims(),
                if a.is_gzip() { ", gzip" } else { "" }
            ));
            Ok(r)
        }
    }
}

fn inspect_cifar_file(path: &Path) -> lepton::Result<Report> {
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    let kind = if len % 3073 == 0 || len % 3074 != 0 {
        CifarKind::Cifar10
    } else {
        CifarKind::Cifar100
    };
    let s = CifarSplit::open_file(kind, path)?;
    let mut r = Report::new(
        match kind {
            CifarKind::Cifar10 => "CIFAR-10 batch file",
            CifarKind::Cifar100 => "CIFAR-100 file (counts are of fine labels)",
        },
        path,
    );
    r.add_split(&file_name(path), &s, vec![display(path)]);
    r.class_names = s.class_names().to_vec();
    Ok(r)
}

fn inspect_csv(path: &Path, label: Option<&str>) -> lepton::Result<Report> {
    let t = CsvTable::read(path)?;
    let mut r = Report::new("CSV table", path);
    r.notes
        .push(format!("{} rows × {} columns", t.n_rows(), t.n_cols()));
    for c in t.columns() {
        let mut v = json!({
            "name": c.name,
            "type": match c.values { ColumnValues::Numeric(_) => "numeric", _ => "categorical" },
            "missing": c.values.missing(),
        });
        if let ColumnValues::Categorical { levels, .. } = &c.values {
            v["levels"] = json!(levels);
        }
        r.columns.push(v);
    }
    if let Some(name) = label {
        let col = t.column(name).ok_or_else(|| {
            Error::InvalidArgument(format!("{}: no column {name:?}", path.display()))
        })?;
        // Per-class counts of the label column: levels for a categorical, distinct values for
        // a numeric one.
        let (names, counts) = match &col.values {
            ColumnValues::Categorical { levels, codes } => {
                let mut counts = vec![0; levels.len()];
                for k in codes.iter().flatten() {
                    counts[*k as usize] += 1;
                }
                (levels.clone(), counts)
            }
            ColumnValues::Numeric(v) => {
                let mut vals: Vec<f64> = v.iter().flatten().copied().collect();
                vals.sort_by(f64::total_cmp);
                let mut names = Vec::new();
                let mut counts = Vec::new();
                for x in vals {
                    if names.last() == Some(&x.to_string()) {
                        *counts.last_mut().unwrap_or(&mut 0) += 1;
                    } else {
                        names.push(x.to_string());
                        counts.push(1);
                    }
                }
                (names, counts)
            }
        };
        r.class_names = names;
        r.splits.push(SplitReport {
            name: format!("label column {name:?}"),
            files: vec![display(path)],
            records: t.n_rows(),
            class_counts: counts,
        });
    }
    Ok(r)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn detect(path: &Path, label: Option<&str>) -> lepton::Result<Report> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        let has = |n: &str| path.join(n).is_file();
        if CIFAR10_TRAIN_FILES.iter().any(|n| has(n)) || has(CIFAR10_TEST_FILE) {
            return inspect_cifar10(path);
        }
        if has(CIFAR100_TRAIN_FILE) || has(CIFAR100_TEST_FILE) {
            return inspect_cifar100(path);
        }
        let d = IdxDir::open(path).map_err(|_| {
            Error::format(
                path,
                Location::File,
                "unrecognised directory: expected CIFAR-10 (data_batch_*.bin, test_batch.bin), \
                 CIFAR-100 (train.bin, test.bin) or IDX pairs (train-images-idx3-ubyte…)",
            )
        })?;
        let mut splits = Vec::new();
        if let Some(s) = &d.train {
            splits.push(("train", s));
        }
        if let Some(s) = &d.test {
            splits.push(("test", s));
        }
        return Ok(idx_report(path, &splits));
    }
    let name = file_name(path).to_lowercase();
    let mut head = [0u8; 4];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        f.read(&mut head).map_err(|e| Error::io(path, e))?
    };
    let head = &head[..n];
    let idx_magic = head.len() >= 3 && head[..3] == [0, 0, 8];
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    if name.contains("idx") || idx_magic || gzip {
        return inspect_idx_file(path);
    }
    if name.ends_with(".bin") {
        return inspect_cifar_file(path);
    }
    if looks_like_libsvm(path)? {
        return inspect_libsvm(path);
    }
    inspect_csv(path, label)
}

/// Whether the first non-empty line of `path` reads as LIBSVM's `label idx:val …` (a number,
/// then only `integer:value` tokens, no commas). A CSV's first line (a header, or commas) does
/// not.
fn looks_like_libsvm(path: &Path) -> lepton::Result<bool> {
    use std::io::{BufRead, BufReader, Read};
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = BufReader::new(f.take(1 << 16));
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return Ok(false),
            Ok(_) if line.trim().is_empty() => continue,
            Ok(_) => break,
            Err(_) => return Ok(false), // not UTF-8: let the CSV reader say what is wrong
        }
    }
    if line.contains(',') {
        return Ok(false);
    }
    let mut tokens = line.split_whitespace();
    let label_ok = tokens.next().is_some_and(|t| t.parse::<f64>().is_ok());
    let features_ok = tokens.all(|t| {
        t.split_once(':')
            .is_some_and(|(i, _)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
    });
    Ok(label_ok && features_ok)
}

fn inspect_libsvm(path: &Path) -> lepton::Result<Report> {
    let d = lepton::data::libsvm::read_libsvm(path)?;
    let mut r = Report::new("LIBSVM sparse data", path);
    let nnz = d.indices.len();
    let features = d.max_index();
    r.notes.push(format!(
        "{} examples, {features} features (largest index), {nnz} stored values ({:.1}% dense)",
        d.len(),
        100.0 * nnz as f64 / (d.len() * features).max(1) as f64
    ));
    // Per-label counts, labels in ascending order.
    let mut labels: Vec<f64> = d.labels.clone();
    labels.sort_by(f64::total_cmp);
    let mut names: Vec<String> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut last: Option<f64> = None;
    for x in labels {
        if last == Some(x) {
            if let Some(c) = counts.last_mut() {
                *c += 1;
            }
        } else {
            names.push(x.to_string());
            counts.push(1);
            last = Some(x);
        }
    }
    if names.len() > 100 {
        r.notes.push(format!(
            "{} distinct targets: looks like regression",
            names.len()
        ));
    } else {
        r.class_names = names;
        r.splits.push(SplitReport {
            name: "labels".into(),
            files: vec![display(path)],
            records: d.len(),
            class_counts: counts,
        });
    }
    Ok(r)
}

/// Runs `lepton inspect`.
pub fn run(args: InspectArgs) -> lepton::Result<()> {
    let report = detect(&args.path, args.label.as_deref())?;
    if args.json {
        use std::io::Write;
        let text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = writeln!(std::io::stdout(), "{text}");
    } else {
        report.print_text();
    }
    Ok(())
}
