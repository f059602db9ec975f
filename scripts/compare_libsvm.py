#!/usr/bin/env python3
"""Lepton's SVM vs LIBSVM's svm-train and scikit-learn's SVC on real Fashion-MNIST.

Assumes installed: Debian's libsvm-tools (svm-train, svm-predict), the Fashion-MNIST IDX files in
/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), a Python with numpy and
scikit-learn (e.g. /work/venv/bin/python), GNU time (/usr/bin/time) and a release build of
`lepton` (cargo build --release).

Problems (pixels / 255, RBF kernel, C = 10, gamma = f32(0.02) for every tool, since svm-train 3.24
parses options in single precision; eps 0.001, cache 100 MB everywhere):
  (a) the first 10,000 training images, 10 classes; test on the 10,000 test images;
  (b) all T-shirt (0) vs Shirt (6) training images (12,000), binary; test on their 2,000.

Usage: scripts/compare_libsvm.py [--problems a,b] [--tools lepton,libsvm,sklearn] [--threads 2]
Prints one line per tool and problem: wall and CPU seconds of training, test accuracy, #SV, and
the ratios to LIBSVM and scikit-learn measured in the same run. Wrap it in
`flock /tmp/lepton-bench.lock` on a shared machine.
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"
GAMMA = float(np.float32(0.02))  # 0.0199999995529651641845703125
C = 10.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEPTON = os.path.join(ROOT, "target", "release", "lepton")


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def problems():
    xtr = idx("train-images-idx3-ubyte.gz").reshape(60000, -1)
    ytr = idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    xte = idx("t10k-images-idx3-ubyte.gz").reshape(10000, -1)
    yte = idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    scale = lambda x: (x.astype(np.float32) / np.float32(255.0))
    out = {"a": (scale(xtr[:10000]), ytr[:10000], scale(xte), yte)}
    mtr, mte = np.isin(ytr, [0, 6]), np.isin(yte, [0, 6])
    out["b"] = (scale(xtr[mtr]), ytr[mtr], scale(xte[mte]), yte[mte])
    return out


def write_libsvm(path, x, y):
    with open(path, "w") as f:
        for row, label in zip(x, y):
            nz = np.nonzero(row)[0]
            f.write(str(int(label)) + "".join(f" {i + 1}:{repr(float(row[i]))}" for i in nz) + "\n")


def timed(cmd, env=None):
    """Runs cmd under GNU time; returns (wall, cpu, stdout)."""
    t = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S"] + cmd, capture_output=True,
                       text=True, env=env)
    if t.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{t.stdout}\n{t.stderr}")
    m = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+)", t.stderr)
    return float(m.group(1)), float(m.group(2)) + float(m.group(3)), t.stdout


def accuracy_line(out):
    m = re.search(r"Accuracy = ([\d.]+)%", out)
    return float(m.group(1))


def total_sv(model):
    with open(model) as f:
        for line in f:
            if line.startswith("total_sv"):
                return int(line.split()[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", default="a,b")
    ap.add_argument("--tools", default="lepton,libsvm,sklearn")
    ap.add_argument("--threads", default="2")
    args = ap.parse_args()
    data = problems()
    tmp = tempfile.mkdtemp(prefix="lepton-svm-bench-")
    g = repr(GAMMA)
    print(f"gamma = {g} (f32(0.02)), C = {C}, eps = 0.001, cache = 100 MB, threads = {args.threads}")
    for name in args.problems.split(","):
        xtr, ytr, xte, yte = data[name]
        tr, te = os.path.join(tmp, f"{name}.train"), os.path.join(tmp, f"{name}.test")
        write_libsvm(tr, xtr, ytr)
        write_libsvm(te, xte, yte)
        res = {}
        for tool in args.tools.split(","):
            model, out = os.path.join(tmp, f"{name}.{tool}.model"), os.path.join(tmp, "pred")
            if tool == "lepton":
                env = dict(os.environ, RAYON_NUM_THREADS=args.threads)
                wall, cpu, _ = timed([LEPTON, "svm-train", "-q", "-c", str(C), "-g", g, "-m", "100", tr, model], env)
                acc = accuracy_line(subprocess.run([LEPTON, "svm-predict", te, model, out], capture_output=True, text=True, env=env).stdout)
                nsv = total_sv(model)
            elif tool == "libsvm":
                wall, cpu, _ = timed(["svm-train", "-q", "-c", str(C), "-g", g, "-m", "100", tr, model])
                acc = accuracy_line(subprocess.run(["svm-predict", te, model, out], capture_output=True, text=True).stdout)
                nsv = total_sv(model)
            elif tool == "sklearn":
                from sklearn.svm import SVC
                clf = SVC(C=C, gamma=GAMMA, kernel="rbf", tol=1e-3, cache_size=100)
                x64 = xtr.astype(np.float64)
                t0, c0 = time.perf_counter(), time.process_time()
                clf.fit(x64, ytr)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                acc = 100.0 * float(np.mean(clf.predict(xte.astype(np.float64)) == yte))
                nsv = int(clf.n_support_.sum())
            res[tool] = (wall, cpu, acc, nsv)
            print(f"({name}) {tool:8s} train wall {wall:8.2f} s  cpu {cpu:8.2f} s  test accuracy {acc:.2f}%  #SV {nsv}", flush=True)
        if "lepton" in res:
            lw, lc, la, _ = res["lepton"]
            for ref in ("libsvm", "sklearn"):
                if ref in res:
                    rw, rc, ra, _ = res[ref]
                    print(f"({name}) lepton / {ref}: wall {lw / rw:.3f}x  cpu {lc / rc:.3f}x  accuracy {la - ra:+.2f} points")


if __name__ == "__main__":
    main()
