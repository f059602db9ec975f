//! `lepton bench peak` and `lepton bench gemm`: what they print and how they refuse bad flags.
//!
//! Speed is never asserted here (that is what the benchmarks are for); these tests check the
//! bookkeeping around the timings, which the comparison scripts parse:
//! * **GFLOPS.** A product of shape `m×n×k` performs `2·m·n·k` flops, so
//!   `gflops = 2·m·n·k / seconds / 1e9` for the reported median `seconds` per call, and the
//!   fastest call is at least as fast as the median (`gflops_fastest ≥ gflops`).
//! * **Percent of peak.** `percent_of_peak = 100 · gflops / (peak_gflops_per_core · threads)`,
//!   with the peak the median of the FMA probes the command interleaves with its calls.
//! * **Bad flags** (`--seconds 0`, an unknown `--isa`, zero threads) are errors that name the
//!   flag, with a non-zero exit status — never a panic.

use std::process::{Command, Output};

fn lepton(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lepton"))
        .args(args)
        .output()
        .expect("the lepton binary runs")
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    assert!(
        o.status.success(),
        "lepton failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect()
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number in {v}"))
}

#[test]
fn gemm_json_reports_consistent_rates() {
    for (m, n, k, flags) in [
        (7usize, 5usize, 3usize, &[][..]),
        (20, 9, 33, &["--trans-a", "--trans-b"][..]),
    ] {
        let (ms, ns, ks) = (m.to_string(), n.to_string(), k.to_string());
        let mut args = vec![
            "bench",
            "gemm",
            "--m",
            &ms,
            "--n",
            &ns,
            "--k",
            &ks,
            "--threads",
            "1",
            "--seconds",
            "0.01",
            "--json",
        ];
        args.extend_from_slice(flags);
        let lines = json_lines(&lepton(&args));
        assert_eq!(lines.len(), 1, "one result line");
        let r = &lines[0];
        assert_eq!(
            (num(r, "m"), num(r, "n"), num(r, "k")),
            (m as f64, n as f64, k as f64)
        );
        assert_eq!(num(r, "threads"), 1.0);
        assert_eq!(r["trans_a"].as_bool(), Some(!flags.is_empty()));
        assert!(r["isa"].as_str().is_some_and(|s| !s.is_empty()));
        let (secs, gflops) = (num(r, "seconds"), num(r, "gflops"));
        let flops = 2.0 * (m * n * k) as f64;
        assert!(secs > 0.0 && num(r, "repeats") >= 5.0);
        assert!((gflops - flops / secs / 1e9).abs() <= 1e-9 * gflops.max(1.0));
        assert!(num(r, "gflops_fastest") >= gflops);
        let peak = num(r, "peak_gflops_per_core");
        assert!(peak > 0.0);
        let pct = num(r, "percent_of_peak");
        assert!((pct - 100.0 * gflops / peak).abs() <= 1e-9 * pct.max(1.0));
    }
}

#[test]
fn peak_json_lists_each_supported_isa_once() {
    let lines = json_lines(&lepton(&["bench", "peak", "--json"]));
    let isas: Vec<&str> = lines.iter().filter_map(|l| l["isa"].as_str()).collect();
    assert_eq!(isas.len(), lines.len());
    assert!(
        isas.contains(&"scalar"),
        "the scalar path always exists: {isas:?}"
    );
    let mut unique = isas.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), isas.len(), "{isas:?}");
    for l in &lines {
        assert!(num(l, "gflops_per_core") > 0.0);
    }
}

#[test]
fn gemm_refuses_bad_flags_with_a_message() {
    let base = ["bench", "gemm", "--m", "4", "--n", "4", "--k", "4"];
    for (extra, needle) in [
        (&["--seconds", "0"][..], "--seconds"),
        (&["--seconds", "nan"][..], "--seconds"),
        (&["--isa", "sse9"][..], "--isa"),
        (&["--threads", "0"][..], "--threads"),
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let o = lepton(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{extra:?} was accepted");
        assert!(!err.contains("panicked"), "{extra:?} panicked: {err}");
        assert!(
            err.contains(needle),
            "{extra:?}: message does not name {needle}: {err}"
        );
    }
}
