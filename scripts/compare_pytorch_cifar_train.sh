#!/usr/bin/env bash
# Side by side, in one run: `lepton train` vs PyTorch on the seed recipe (LeNet-5, SGD lr 0.001,
# momentum 0.9, batch 4, 2 epochs, pixels (p/255 - 0.5)/0.5), same data, same threads, several
# seeds. Prints test accuracy and epoch wall time per run, then medians and the ratio
# PyTorch epoch time / Lepton epoch time (higher is better for Lepton).
#
# Needs: a release build of lepton, python with torch + numpy (PY, default /work/venv/bin/python),
# and a CIFAR-10 binary file. Default data: the one-batch sample, first 9,000 images train, last
# 1,000 test (lepton: --holdout 1000).
#
#   scripts/compare_pytorch_cifar_train.sh [DATA_DIR] [THREADS...]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-/work/shared/data/cifar-10-sample}
shift || true
THREADS=${*:-"1 2"}
SEEDS=${SEEDS:-"0 1 2"}
PY=${PY:-/work/venv/bin/python}
EPOCHS=${EPOCHS:-2}
cargo build --release -q
LEPTON=target/release/lepton
OUT=$(mktemp -d)
echo "# $(date -u +%F) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# lepton isa: $($LEPTON info | awk '/isa \(active\)/ {print $3}'); torch $($PY -c 'import torch; print(torch.__version__)')"
printf '%-8s %-7s %-5s %-10s %-12s %-12s\n' tool threads seed test_acc epoch1_s epoch2_s
for t in $THREADS; do
  for s in $SEEDS; do
    $PY scripts/pytorch_cifar_baseline.py --data "$DATA/data_batch_1.bin" --threads "$t" --seed "$s" \
      --epochs "$EPOCHS" > "$OUT/torch-$t-$s.jsonl"
    python3 - "$OUT/torch-$t-$s.jsonl" torch "$t" "$s" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
secs = [r["epoch_seconds"] for r in rows if "epoch_seconds" in r]
acc = [r["test_accuracy"] for r in rows if "test_accuracy" in r][-1]
print(f"{sys.argv[2]:<8} {sys.argv[3]:<7} {sys.argv[4]:<5} {acc:<10.4f} " + " ".join(f"{x:<12.2f}" for x in secs))
PYEOF
    $LEPTON train --data "$DATA" --holdout 1000 --threads "$t" --seed "$s" --epochs "$EPOCHS" \
      --out "$OUT/lepton-$t-$s" --quiet
    python3 - "$OUT/lepton-$t-$s/metrics.jsonl" lepton "$t" "$s" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
acc = rows[-1]["test_accuracy"]
print(f"{sys.argv[2]:<8} {sys.argv[3]:<7} {sys.argv[4]:<5} {acc:<10.4f} " + " ".join(f"{r['seconds']:<12.2f}" for r in rows))
PYEOF
  done
done > "$OUT/table.txt"
cat "$OUT/table.txt"
python3 - "$OUT/table.txt" <<'PYEOF'
import statistics as st, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 5 or f[0] not in ("torch", "lepton"): continue
    runs[(f[0], int(f[1]))].append((float(f[3]), [float(x) for x in f[4:]]))
print("\n# medians over seeds (epoch time = median over all epochs of all seeds)")
for t in sorted({k[1] for k in runs}):
    tor, lep = runs[("torch", t)], runs[("lepton", t)]
    ta, la = st.median(a for a, _ in tor), st.median(a for a, _ in lep)
    te, le = st.median(x for _, e in tor for x in e), st.median(x for _, e in lep for x in e)
    print(f"threads {t}: test acc torch {100*ta:.2f}% lepton {100*la:.2f}% (diff {100*(la-ta):+.2f} pts); "
          f"epoch s torch {te:.2f} lepton {le:.2f}; speed-up {te/le:.2f}x")
PYEOF
rm -rf "$OUT"
