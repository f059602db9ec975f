//! Links the system OpenBLAS (Debian: `libopenblas-dev`).
fn main() {
    println!("cargo:rustc-link-lib=openblas");
}
