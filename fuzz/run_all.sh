#!/usr/bin/env bash
# Runs every fuzz target in turn (never two at once) for SECONDS_PER_TARGET seconds each,
# starting from the committed seeds. Needs the nightly toolchain and cargo-fuzz
# (`rustup toolchain install nightly --profile minimal && cargo install cargo-fuzz --locked`).
# Usage: fuzz/run_all.sh [SECONDS_PER_TARGET]   (default 20: a smoke run)
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-20}"
for t in cifar idx csv preprocess_params; do
  mkdir -p "corpus/$t"
  cp -n seeds/$t/* "corpus/$t/" 2>/dev/null || true
  max_len=4096
  if [ "$t" = cifar ]; then max_len=16384; fi
  echo "== fuzz target $t for ${secs}s"
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb=2048 -print_final_stats=1
done
