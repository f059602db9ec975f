//! `lepton info`.

use clap::Args;
use lepton::kernels::arch;

/// Arguments of `lepton info`.
#[derive(Args)]
pub struct InfoArgs {}

/// Prints the instruction sets and threads.
pub fn run(_args: InfoArgs) -> lepton::Result<()> {
    let names: Vec<&str> = arch::supported().iter().map(|i| i.name()).collect();
    println!("isa (active):   {}", arch::active());
    println!("isa (detected): {}", arch::detected());
    println!("isa (supported): {}", names.join(", "));
    println!("threads:        {}", rayon::current_num_threads());
    Ok(())
}
