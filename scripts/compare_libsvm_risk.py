#!/usr/bin/env python3
"""Compare `lepton risk` with LIBSVM on the same preprocessed German Credit split, in one run.

Needs: LIBSVM's command-line tools (`svm-train`, `svm-predict`; Debian/Ubuntu package
`libsvm-tools`) on PATH, python3 (standard library only), and a release build of lepton
(`cargo build --release`; this script runs it if the binary is missing).

What it does:
  1. `lepton risk --export-libsvm DIR ...` cleans, one-hot encodes and standardises the data (fitted
     on the training rows), splits it (seeded, stratified, 30% test), trains our SVM and writes
     our P(bad) for every test row (scores.csv), plus the exact train/test matrices as LIBSVM
     files and the SVM flags it used (C, gamma, class weights, -b 1).
  2. `svm-train <flags> train.libsvm` and `svm-predict -b 1 test.libsvm` on those files.
  3. Computes both AUCs here with one function (Mann-Whitney U / (P*N), ties counted 1/2).

Usage: scripts/compare_libsvm_risk.py [--seeds 0,1,2,3,4] [-c C] [-g G] [--out DIR] [extra lepton risk flags]
Prints a Markdown table (one row per split seed: both AUCs, the difference, and the difference
in (positive, negative) pairs, P*N per split) and "acceptance: PASS/FAIL" for the first seed
(the default run of `lepton risk`): our AUC >= LIBSVM's.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def auc(truth, scores):
    """Area under the ROC curve = P(score of a random positive > that of a random negative),
    ties counted 1/2, computed by sorting (average ranks)."""
    pairs = sorted(zip(scores, truth))
    n = len(pairs)
    ranks = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2.0 + 1.0
        i = j + 1
    pos = sum(1 for _, t in pairs if t)
    neg = n - pos
    rank_sum = sum(r for r, (_, t) in zip(ranks, pairs) if t)
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg)


def run_once(lepton, seed, args, extra, out):
    """One seed: lepton risk (+ export), LIBSVM on the exported files; returns the two AUCs."""
    export = os.path.join(out, "libsvm")
    cmd = [lepton, "risk", "--seed", str(seed), "-c", args.c, "--out", out,
           "--export-libsvm", export, "--quiet"] + extra
    if args.g is not None:
        cmd += ["-g", args.g]
    subprocess.run(cmd, check=True)

    # Ours: P(positive) per test row, in test-file order.
    with open(os.path.join(out, "scores.csv")) as f:
        rows = [line.strip().split(",") for line in f.readlines()[1:] if line.strip()]
    our_truth = [r[0] == "1" for r in rows]
    our_scores = [float(r[1]) for r in rows]

    # LIBSVM on the identical files and flags.
    with open(os.path.join(export, "svm-flags.txt")) as f:
        flags = f.read().split()
    # Debian's svm-train 3.24 parses option values in single precision: a gamma such as 1/57
    # would reach LIBSVM rounded to f32 and to lepton in f64 — two different problems. Round it
    # to f32 and give lepton that same value, so both solve exactly the same problem.
    # The same holds for the class weight -w1.
    f32 = lambda v: struct.unpack("f", struct.pack("f", v))[0]
    g = float(flags[flags.index("-g") + 1])
    w = float(flags[flags.index("-w1") + 1]) if "-w1" in flags else None
    g32 = f32(g)
    w32 = f32(w) if w is not None else None
    if (g32 != g and args.g is None) or (w is not None and w32 != w):
        if args.g is None:
            cmd += ["-g", repr(g32)]
        if w is not None:
            cmd += ["--positive-weight", repr(w32)]
        subprocess.run(cmd, check=True)
        with open(os.path.join(out, "scores.csv")) as f:
            rows = [line.strip().split(",") for line in f.readlines()[1:] if line.strip()]
        our_truth = [r[0] == "1" for r in rows]
        our_scores = [float(r[1]) for r in rows]
        with open(os.path.join(export, "svm-flags.txt")) as f:
            flags = f.read().split()
    train, test = os.path.join(export, "train.libsvm"), os.path.join(export, "test.libsvm")
    model, pred = os.path.join(export, "libsvm.model"), os.path.join(export, "libsvm.predict")
    subprocess.run(["svm-train", "-q"] + flags + [train, model], check=True)
    subprocess.run(["svm-predict", "-b", "1", test, model, pred], check=True,
                   stdout=subprocess.DEVNULL)
    with open(test) as f:
        truth = [line.split()[0] in ("1", "+1", "1.0") for line in f if line.strip()]
    with open(pred) as f:
        header = f.readline().split()  # "labels 1 -1" (order of the probability columns)
        k = header[1:].index("1")
        lib_scores = [float(line.split()[1 + k]) for line in f if line.strip()]
    if truth != our_truth:
        sys.exit("the test file and lepton's scores.csv disagree on the labels")
    pos = sum(truth)
    return auc(our_truth, our_scores), auc(truth, lib_scores), flags, pos * (len(truth) - pos)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2,3,4",
                    help="comma-separated split seeds; the first is the acceptance run")
    ap.add_argument("-c", default="1")
    ap.add_argument("-g", default=None)
    ap.add_argument("--out", default=None)
    args, extra = ap.parse_known_args()
    lepton = os.path.join(ROOT, "target", "release", "lepton")
    if not os.path.exists(lepton):
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    base = args.out or tempfile.mkdtemp(prefix="risk-compare-")
    seeds = [int(s) for s in args.seeds.split(",")]
    print("| seed | lepton AUC | LIBSVM AUC | difference | in pairs |")
    print("|---|---|---|---|---|")
    results = []
    for seed in seeds:
        ours, theirs, flags, pairs = run_once(lepton, seed, args, extra,
                                              os.path.join(base, f"seed{seed}"))
        results.append((ours, theirs))
        print(f"| {seed} | {ours:.6f} | {theirs:.6f} | {ours - theirs:+.6f} "
              f"| {(ours - theirs) * pairs:+.1f} of {pairs} |")
    print(f"flags: {' '.join(flags)} (svm-train), -b 1 (svm-predict)")
    mo = sum(r[0] for r in results) / len(results)
    ml = sum(r[1] for r in results) / len(results)
    print(f"mean over {len(seeds)} seeds: lepton {mo:.6f}, LIBSVM {ml:.6f}, difference {mo - ml:+.6f}")
    ok = results[0][0] >= results[0][1] - 1e-12
    print(f"acceptance (seed {seeds[0]}): {'PASS' if ok else 'FAIL'} (lepton AUC >= LIBSVM AUC)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
