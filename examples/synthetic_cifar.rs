//! Writes Lepton's synthetic ten-class dataset as CIFAR-10 binary files.
//!
//! ```sh
//! cargo run --release --example synthetic_cifar -- /tmp/synthetic-cifar [train_per_class] [seed]
//! ```
//!
//! The directory then holds `data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin` and
//! `batches.meta.txt`, readable by anything that reads CIFAR-10.

use lepton::data::synthetic::{write_cifar_dir, SyntheticConfig, CLASS_NAMES};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: synthetic_cifar DIR [train_per_class] [seed]")?,
    );
    let mut config = SyntheticConfig::default();
    if let Some(n) = args.next() {
        config.train_per_class = n.parse()?;
    }
    if let Some(s) = args.next() {
        config.seed = s.parse()?;
    }
    write_cifar_dir(&dir, &config)?;
    println!(
        "wrote {} training and {} test images of {} classes ({}) to {}",
        config.train_per_class * CLASS_NAMES.len(),
        config.test_per_class * CLASS_NAMES.len(),
        CLASS_NAMES.len(),
        CLASS_NAMES.join(", "),
        dir.display()
    );
    Ok(())
}
