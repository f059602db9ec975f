//! `lepton info`.

use clap::Args;
use lepton::kernels::{arch, gemm};

/// Arguments of `lepton info`.
#[derive(Args)]
pub struct InfoArgs {}

/// Prints the instruction sets, the cache sizes and GEMM block sizes derived from them, and
/// the thread count.
pub fn run(_args: InfoArgs) -> lepton::Result<()> {
    let names: Vec<&str> = arch::supported().iter().map(|i| i.name()).collect();
    let active = arch::active();
    println!("isa (active):    {active}");
    println!("isa (detected):  {}", arch::detected());
    println!("isa (supported): {}", names.join(", "));
    let c = arch::cache_sizes();
    println!(
        "caches:          L1d {} KiB, L2 {} KiB, L3 {} KiB ({})",
        c.l1d / 1024,
        c.l2 / 1024,
        c.l3 / 1024,
        if c.detected {
            "from /sys/devices/system/cpu/cpu0/cache"
        } else {
            "fallback values"
        }
    );
    let b = gemm::blocking(active);
    println!(
        "gemm blocking:   MR×NR {}×{}, MC {}, KC {}, NC {}",
        b.mr, b.nr, b.mc, b.kc, b.nc
    );
    println!("threads:         {}", rayon::current_num_threads());
    Ok(())
}
