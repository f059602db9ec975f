//! `lepton bench …`: measured speed, printed as GFLOPS next to the machine's measured peak.
//!
//! Each benchmark is one variant of [`BenchCommand`] (one file each if they grow), so more can
//! be added — `bench train-step` lives beside this one.

use clap::{Args, Subcommand};
use lepton::kernels::{arch, gemm, Isa, MatMut, MatRef};
use lepton::{Error, Result};
use std::time::{Duration, Instant};

/// Arguments of `lepton bench`.
#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

/// The benchmarks.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Measured peak f32 FMA GFLOPS of one core, for each ISA path this CPU supports.
    Peak(PeakArgs),
    /// GFLOPS of one sgemm shape, and its percentage of the peak FMA rate measured by short
    /// probes interleaved with the calls (so both see the same load on a shared machine).
    Gemm(GemmArgs),
    /// LeNet-5 training-step throughput (forward + backward + SGD momentum) on random
    /// CIFAR-shaped data, in images per second.
    TrainStep(crate::bench_train::TrainStepArgs),
}

/// Arguments of `lepton bench peak`.
#[derive(Args)]
pub struct PeakArgs {
    /// Print one JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

/// Arguments of `lepton bench gemm`.
#[derive(Args)]
pub struct GemmArgs {
    /// Rows of op(A) and C.
    #[arg(long)]
    m: usize,
    /// Columns of op(B) and C.
    #[arg(long)]
    n: usize,
    /// Columns of op(A), rows of op(B).
    #[arg(long)]
    k: usize,
    /// Use Aᵀ, with A stored row-major as k × m.
    #[arg(long)]
    trans_a: bool,
    /// Use Bᵀ, with B stored row-major as n × k.
    #[arg(long)]
    trans_b: bool,
    /// Worker threads (default: rayon's, i.e. the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// ISA path (scalar, portable, avx2, avx512, neon); default: the active one.
    #[arg(long)]
    isa: Option<String>,
    /// Minimum measuring time per shape, in seconds.
    #[arg(long, default_value_t = 0.5)]
    seconds: f64,
    /// Print one JSON object per line.
    #[arg(long)]
    json: bool,
}

/// Runs `lepton bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    match args.command {
        BenchCommand::Peak(a) => peak(a),
        BenchCommand::Gemm(a) => gemm_bench(a),
        BenchCommand::TrainStep(a) => crate::bench_train::run(a),
    }
}

/// The FMA rate per core of the current rayon pool: every thread runs one short burst at the
/// same time (about 0.2 ms on AVX2), and the mean of their rates is returned.
fn probe_peak_per_core(isa: Isa) -> f64 {
    let rates = rayon::broadcast(|_| {
        let t = Instant::now();
        let (flops, v) = arch::fma_burst(isa, 100_000);
        std::hint::black_box(v);
        flops / t.elapsed().as_secs_f64() / 1e9
    });
    rates.iter().sum::<f64>() / rates.len() as f64
}

/// The median of `values` (not empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median single-core FMA rate of `isa` in GFLOPS over a few 20 ms bursts.
fn measure_peak(isa: Isa) -> f64 {
    let iterations = 200_000;
    let rates: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            let (flops, v) = arch::fma_burst(isa, iterations);
            std::hint::black_box(v);
            flops / t.elapsed().as_secs_f64() / 1e9
        })
        .collect();
    median(rates)
}

fn peak(args: PeakArgs) -> Result<()> {
    for isa in arch::supported() {
        let g = measure_peak(isa);
        if args.json {
            println!(
                "{}",
                serde_json::json!({"bench": "peak", "isa": isa.name(), "gflops_per_core": g})
            );
        } else {
            println!("{:<9} {:>8.1} GFLOPS per core (f32 FMA)", isa.name(), g);
        }
    }
    Ok(())
}

fn parse_isa(name: Option<&str>) -> Result<Isa> {
    let Some(name) = name else {
        return Ok(arch::active());
    };
    match Isa::from_name(name) {
        Some(isa) if isa.is_supported() => Ok(isa),
        Some(isa) => Err(Error::InvalidArgument(format!(
            "--isa {isa}: this CPU does not support it (supported: {})",
            supported_names()
        ))),
        None => Err(Error::InvalidArgument(format!(
            "--isa {name}: not a known instruction set (expected one of: {})",
            supported_names()
        ))),
    }
}

fn supported_names() -> String {
    let names: Vec<&str> = arch::supported().iter().map(|i| i.name()).collect();
    names.join(", ")
}

/// User + system CPU time of this process so far, from `/proc/self/stat` (Linux; 10 ms ticks).
/// On a shared machine, GFLOPS by CPU time is less disturbed by other processes than by wall time.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn gemm_bench(args: GemmArgs) -> Result<()> {
    let isa = parse_isa(args.isa.as_deref())?;
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    if threads == 0 {
        return Err(Error::InvalidArgument(
            "--threads must be at least 1".into(),
        ));
    }
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        return Err(Error::InvalidArgument(
            "--seconds must be a positive number".into(),
        ));
    }
    let (m, n, k) = (args.m, args.n, args.k);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::InvalidArgument(format!("--threads {threads}: {e}")))?;
    let fill = |len: usize, seed: u32| -> Vec<f32> {
        (0..len)
            .map(|i| {
                ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32
                    / (1u32 << 24) as f32
                    - 0.5
            })
            .collect()
    };
    let a_data = fill(m * k, 1);
    let b_data = fill(k * n, 2);
    let mut c_data = vec![0.0f32; m * n];
    let a = if args.trans_a {
        MatRef::row_major(&a_data, k, m).t()
    } else {
        MatRef::row_major(&a_data, m, k)
    };
    let b = if args.trans_b {
        MatRef::row_major(&b_data, n, k).t()
    } else {
        MatRef::row_major(&b_data, k, n)
    };
    let budget = Duration::from_secs_f64(args.seconds);
    // The whole timing loop runs inside the pool, so no call pays for a cross-thread hand-off.
    // On a shared machine the rate a core delivers drifts with the load, so the peak is not
    // measured once up front: short FMA probes on every thread of the pool are interleaved
    // with the calls (one after at least PROBE_EVERY of sgemm time), and "% of peak" divides
    // the median call by the median probe — both taken over the same stretch of time.
    const PROBE_EVERY: Duration = Duration::from_millis(2);
    let (times, probes, cpu_per_call) = pool.install(|| {
        let mut once = || {
            let t = Instant::now();
            gemm::sgemm_with(isa, 1.0, a, b, 0.0, MatMut::row_major(&mut c_data, m, n));
            t.elapsed()
        };
        once(); // warm-up: page faults, packing buffers
        let mut times = Vec::new();
        let mut probes = Vec::new();
        let mut since_probe = Duration::ZERO;
        let start = Instant::now();
        let cpu0 = process_cpu_seconds();
        while times.len() < 5 || (start.elapsed() < budget && times.len() < 100_000) {
            let t = once();
            times.push(t.as_secs_f64());
            since_probe += t;
            if since_probe >= PROBE_EVERY || probes.is_empty() {
                probes.push(probe_peak_per_core(isa));
                since_probe = Duration::ZERO;
            }
        }
        let cpu = process_cpu_seconds()
            .zip(cpu0)
            .map(|(c1, c0)| (c1 - c0) / times.len() as f64);
        (times, probes, cpu)
    });
    let peak = median(probes);
    let mut times = times;
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let flops = 2.0 * m as f64 * n as f64 * k as f64;
    let gflops = flops / median / 1e9;
    // The fastest call: on a shared machine, the one least disturbed by other processes.
    let gflops_fastest = flops / times[0] / 1e9;
    let pct = 100.0 * gflops / (peak * threads as f64);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "gemm", "m": m, "n": n, "k": k,
                "trans_a": args.trans_a, "trans_b": args.trans_b,
                "threads": threads, "isa": isa.name(), "seconds": median,
                "repeats": times.len(), "gflops": gflops, "gflops_fastest": gflops_fastest,
                "peak_gflops_per_core": peak, "percent_of_peak": pct,
                "cpu_seconds_per_call": cpu_per_call,
                "gflops_by_cpu_time": cpu_per_call.map(|c| flops / c * threads as f64 / 1e9),
            })
        );
    } else {
        println!(
            "sgemm {m}x{n}x{k}{}{} on {isa}, {threads} thread(s): {:.3} ms median of {}, {gflops:.1} GFLOPS = {pct:.0}% of peak ({peak:.1} GFLOPS/core measured); fastest call {gflops_fastest:.1} GFLOPS",
            if args.trans_a { " Aᵀ" } else { "" },
            if args.trans_b { " Bᵀ" } else { "" },
            median * 1e3,
            times.len()
        );
    }
    Ok(())
}
