//! Batch assembly throughput: CIFAR records in a memory map → shuffled, normalised `f32` NCHW
//! batches, in GB/s of output, next to this machine's `memcpy` bandwidth measured in the same
//! run (the ratio is the figure of merit; the goal is ≥ 50%).
//!
//! Run: `flock /tmp/lepton-bench.lock cargo bench --bench batcher`
//! (`BATCHER_BENCH_QUICK=1` for a shorter run). First prints a summary of medians, then the
//! criterion measurements.

use criterion::{criterion_group, Criterion, Throughput};
use lepton::data::{Augment, BatchConfig, Batcher, Cifar10, CifarKind, CifarWriter};
use std::hint::black_box;
use std::time::Instant;

const IMAGES: usize = 10_000;
const BATCH: usize = 256;

/// A temporary CIFAR-10 directory with one 10 000-image batch file of pseudo-random pixels.
fn dataset() -> (tempfile::TempDir, Cifar10) {
    let dir = tempfile::tempdir().unwrap();
    let mut w = CifarWriter::new(CifarKind::Cifar10);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut px = vec![0u8; 3072];
    for i in 0..IMAGES {
        for p in px.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *p = state as u8;
        }
        w.push(&[(i % 10) as u8], &px).unwrap();
    }
    w.write(dir.path().join("data_batch_1.bin")).unwrap();
    let c = Cifar10::open(dir.path()).unwrap();
    (dir, c)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds for one epoch of batch assembly into a reused buffer.
fn epoch_seconds(b: &Batcher<'_, lepton::data::CifarSplit>, epoch: u64, buf: &mut [f32]) -> f64 {
    let order = b.order(epoch);
    let per = b.output_dims().len();
    let mut labels = Vec::with_capacity(BATCH);
    let t = Instant::now();
    for chunk in order.chunks(BATCH) {
        b.assemble_into(epoch, chunk, &mut buf[..chunk.len() * per], &mut labels);
        black_box(&buf);
    }
    t.elapsed().as_secs_f64()
}

/// Seconds for `reps` copies of `src` into `dst`, split over the rayon threads (the batcher's
/// parallelism) in 64 KiB chunks.
fn parallel_memcpy_seconds(src: &[f32], dst: &mut [f32], reps: usize) -> f64 {
    use rayon::prelude::*;
    let t = Instant::now();
    for _ in 0..reps {
        dst.par_chunks_mut(16 << 10)
            .zip(black_box(src).par_chunks(16 << 10))
            .for_each(|(d, s)| d.copy_from_slice(s));
        black_box(&dst);
    }
    t.elapsed().as_secs_f64()
}

/// Seconds for `reps` copies of `src` into `dst`.
fn memcpy_seconds(src: &[f32], dst: &mut [f32], reps: usize) -> f64 {
    let t = Instant::now();
    for _ in 0..reps {
        dst.copy_from_slice(black_box(src));
        black_box(&dst);
    }
    t.elapsed().as_secs_f64()
}

fn summary() {
    let quick = std::env::var_os("BATCHER_BENCH_QUICK").is_some();
    let repeats = if quick { 5 } else { 15 };
    let (_dir, cifar) = dataset();
    let split = cifar.train();
    let out_bytes_per_epoch = (IMAGES * 3072 * 4) as f64;
    let batch_floats = BATCH * 3072;
    let mut buf = vec![0.0f32; batch_floats];

    // memcpy of one batch-sized buffer (in cache, like the batch output) and of a large
    // buffer (DRAM streaming), each as many bytes as one epoch writes.
    let src = vec![1.0f32; batch_floats];
    let mut dst = vec![0.0f32; batch_floats];
    let reps = IMAGES.div_ceil(BATCH);
    let big = 64 << 20; // 64 Mi floats = 256 MiB per buffer
    let big_src = vec![1.0f32; big];
    let mut big_dst = vec![0.0f32; big];
    big_dst.copy_from_slice(&big_src); // fault the pages in
    let mut m_small = Vec::new();
    let mut m_par = Vec::new();
    let mut m_big = Vec::new();
    for _ in 0..repeats {
        let bytes = (batch_floats * 4 * reps) as f64;
        m_small.push(bytes / memcpy_seconds(&src, &mut dst, reps));
        m_par.push(bytes / parallel_memcpy_seconds(&src, &mut dst, reps));
        m_big.push((big * 4) as f64 / memcpy_seconds(&big_src, &mut big_dst, 1));
    }
    let (m_small, m_par, m_big) = (
        median(m_small) / 1e9,
        median(m_par) / 1e9,
        median(m_big) / 1e9,
    );
    drop(big_src);
    drop(big_dst);
    println!("threads: {}", rayon::current_num_threads());
    println!(
        "memcpy, {} KiB buffer (batch-sized): {m_small:.2} GB/s",
        batch_floats * 4 / 1024
    );
    println!("memcpy, same buffer, all threads:     {m_par:.2} GB/s");
    println!("memcpy, 256 MiB buffer (DRAM):        {m_big:.2} GB/s");
    let best = m_small.max(m_par).max(m_big);

    let cases = [
        ("shuffled + normalised", Augment::none()),
        ("shuffled + normalised + crop/flip", Augment::standard()),
    ];
    for (name, augment) in cases {
        let b = Batcher::new(
            split,
            BatchConfig {
                batch_size: BATCH,
                augment,
                ..BatchConfig::default()
            },
        )
        .unwrap();
        epoch_seconds(&b, 0, &mut buf); // warm the page cache and the map
        let gbs: Vec<f64> = (0..repeats)
            .map(|e| out_bytes_per_epoch / epoch_seconds(&b, e as u64, &mut buf) / 1e9)
            .collect();
        let g = median(gbs);
        println!(
            "batcher, {name}, batch {BATCH}: {g:.2} GB/s of f32 output = {:.0}% of the best \
             memcpy above ({:.0}% of 1-thread batch-sized, {:.0}% of all-thread, {:.0}% of DRAM)",
            100.0 * g / best,
            100.0 * g / m_small,
            100.0 * g / m_par,
            100.0 * g / m_big
        );
    }
}

fn bench(c: &mut Criterion) {
    let (_dir, cifar) = dataset();
    let split = cifar.train();
    let mut g = c.benchmark_group("batcher");
    g.throughput(Throughput::Bytes((BATCH * 3072 * 4) as u64));
    g.sample_size(20);
    for (name, augment) in [("plain", Augment::none()), ("augment", Augment::standard())] {
        let b = Batcher::new(
            split,
            BatchConfig {
                batch_size: BATCH,
                augment,
                ..BatchConfig::default()
            },
        )
        .unwrap();
        let order = b.order(0);
        let mut buf = vec![0.0f32; BATCH * 3072];
        let mut labels = Vec::new();
        let mut k = 0;
        g.bench_function(name, |bench| {
            bench.iter(|| {
                let start = (k * BATCH) % (IMAGES - BATCH);
                k += 1;
                b.assemble_into(0, &order[start..start + BATCH], &mut buf, &mut labels);
                black_box(&buf);
            })
        });
    }
    let src = vec![1.0f32; BATCH * 3072];
    let mut dst = vec![0.0f32; BATCH * 3072];
    g.bench_function("memcpy_same_bytes", |bench| {
        bench.iter(|| dst.copy_from_slice(black_box(&src)))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    summary();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
