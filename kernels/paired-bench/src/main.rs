//! Paired sgemm timing: Lepton and OpenBLAS on the same operands in one process, call by call.
//!
//! `lepton-paired-bench M N K TRANS_A TRANS_B THREADS SECONDS` prints one JSON line.
//!
//! On a shared machine the speed of a core changes from second to second (other tenants, the
//! state of the shared L3), and two processes run at different moments see different machines.
//! Here each iteration times one call of each library back to back (the order alternating), so
//! both see the same conditions within microseconds; the figure of merit is the median of the
//! per-iteration ratios `t_openblas / t_lepton` (> 1: Lepton is faster), with its quartiles.
//! Both read the same row-major A and B (transposes as views, no copies) and overwrite the
//! same-sized C with β = 0; OpenBLAS runs with `OPENBLAS_CORETYPE` as set by the caller, on
//! THREADS threads, and Lepton on a rayon pool of THREADS threads with its default ISA, both
//! called from a thread of that pool.
//!
//! (MKL is not paired here: the MKL reference is `torch.matmul`, timed by the compare
//! script in its own Python process. Calling the `sgemm_` inside `libtorch_cpu.so` directly was
//! tried: it ran at different speeds from `torch.matmul` (48 against 65 GFLOPS at 1024³), and
//! its threads widened the spread of the other two libraries' timings.)

use lepton_kernels::{sgemm, MatMut, MatRef};
use std::ffi::{c_char, c_int, CStr};
use std::time::Instant;

const ROW_MAJOR: c_int = 101;
const NO_TRANS: c_int = 111;
const TRANS: c_int = 112;

extern "C" {
    fn cblas_sgemm(
        layout: c_int,
        trans_a: c_int,
        trans_b: c_int,
        m: c_int,
        n: c_int,
        k: c_int,
        alpha: f32,
        a: *const f32,
        lda: c_int,
        b: *const f32,
        ldb: c_int,
        beta: f32,
        c: *mut f32,
        ldc: c_int,
    );
    fn openblas_set_num_threads(n: c_int);
    fn openblas_get_corename() -> *const c_char;
}

/// One timed library call, writing C.
type Call<'a> = dyn FnMut(&mut [f32]) + 'a;

fn usage() -> ! {
    eprintln!("usage: lepton-paired-bench M N K TRANS_A TRANS_B THREADS SECONDS");
    std::process::exit(2)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 7 {
        usage();
    }
    let int = |i: usize| -> usize { args[i].parse().unwrap_or_else(|_| usage()) };
    let (m, n, k, ta, tb, threads) = (int(0), int(1), int(2), int(3) == 1, int(4) == 1, int(5));
    let budget: f64 = args[6].parse().unwrap_or_else(|_| usage());
    if m == 0 || n == 0 || k == 0 || threads == 0 {
        usage();
    }
    // The C harness's operand values, so every library multiplies the same numbers.
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i as u32).wrapping_mul(2654435761) >> 8 & 0xffff) as f32 / 65536.0 - 0.5)
        .collect();
    let b: Vec<f32> = (0..k * n)
        .map(|i| ((i as u32).wrapping_mul(2246822519) >> 8 & 0xffff) as f32 / 65536.0 - 0.5)
        .collect();
    let mut c = vec![0.0f32; m * n];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool");
    // SAFETY: plain FFI calls into OpenBLAS with a valid thread count.
    unsafe { openblas_set_num_threads(threads as c_int) };
    let (lda, ldb) = (if ta { m } else { k }, if tb { k } else { n });
    let mut ours = |c: &mut [f32]| {
        let av = if ta {
            MatRef::row_major(&a, k, m).t()
        } else {
            MatRef::row_major(&a, m, k)
        };
        let bv = if tb {
            MatRef::row_major(&b, n, k).t()
        } else {
            MatRef::row_major(&b, k, n)
        };
        sgemm(1.0, av, bv, 0.0, MatMut::row_major(c, m, n));
    };
    let openblas = |c: &mut [f32]| {
        // SAFETY: A is m×k (or k×m when transposed) with leading dimension lda, B k×n (n×k)
        // with ldb, C m×n with ldc = n, all row-major and fully inside their vectors.
        unsafe {
            cblas_sgemm(
                ROW_MAJOR,
                if ta { TRANS } else { NO_TRANS },
                if tb { TRANS } else { NO_TRANS },
                m as c_int,
                n as c_int,
                k as c_int,
                1.0,
                a.as_ptr(),
                lda as c_int,
                b.as_ptr(),
                ldb as c_int,
                0.0,
                c.as_mut_ptr(),
                n as c_int,
            )
        }
    };
    // The whole measurement runs on the pool (as `lepton bench gemm` does): a call does not
    // pay for handing work to another thread.
    pool.install(|| {
        let mut ob_call = |c: &mut [f32]| openblas(c);
        let mut libs: [(&str, &mut Call); 2] = [("lepton", &mut ours), ("openblas", &mut ob_call)];
        // Warm-up (buffers, thread pools, caches), and the results must agree.
        let scale = (k as f32 * 0.25).max(1.0);
        let mut first = vec![0.0f32; m * n];
        (libs[0].1)(&mut first);
        for (name, f) in libs.iter_mut().skip(1) {
            f(&mut c);
            let worst = c
                .iter()
                .zip(&first)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            if worst > 1e-5 * scale {
                eprintln!("lepton-paired-bench: {name} and lepton differ by {worst} (k = {k})");
                std::process::exit(1);
            }
        }
        let nl = libs.len();
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); nl];
        let start = Instant::now();
        let mut i = 0usize;
        while i < 10 || (start.elapsed().as_secs_f64() < budget && i < 200_000) {
            // One call of each library, the first one rotating.
            for j in 0..nl {
                let l = (i + j) % nl;
                let t = Instant::now();
                (libs[l].1)(&mut c);
                times[l].push(t.elapsed().as_secs_f64());
            }
            i += 1;
        }
        let flop = 2.0 * m as f64 * n as f64 * k as f64;
        let mut fields = format!(
        "\"lib\":\"paired\",\"m\":{m},\"n\":{n},\"k\":{k},\"threads\":{threads},\"iterations\":{i}"
    );
        // SAFETY: OpenBLAS returns a static NUL-terminated string.
        let core = unsafe { CStr::from_ptr(openblas_get_corename()) }.to_string_lossy();
        fields += &format!(",\"core\":\"{core}\"");
        for l in 0..nl {
            let name = libs[l].0;
            if l > 0 {
                let mut r: Vec<f64> = times[l].iter().zip(&times[0]).map(|(x, o)| x / o).collect();
                let med = median(&mut r);
                let (q1, q3) = (r[r.len() / 4], r[r.len() * 3 / 4]);
                let key = "ratio";
                fields += &format!(",\"{key}\":{med:.3},\"{key}_q1\":{q1:.3},\"{key}_q3\":{q3:.3}");
            }
            fields += &format!(
                ",\"gflops_{name}\":{:.2}",
                flop / median(&mut times[l]) / 1e9
            );
        }
        println!("{{{fields}}}");
    });
}
