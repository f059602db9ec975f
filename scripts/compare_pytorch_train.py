"""LeNet-5 training-step throughput: Lepton vs PyTorch, side by side in one run.

Assumes: torch installed (e.g. /work/venv/bin/python), and a release build of the `lepton` CLI
(`cargo build --release`). For each batch size and thread count, alternates Lepton
(`lepton train-step-bench --json`, a separate process) and PyTorch (in this process with
`torch.set_num_threads(T)`) REPEATS times and reports the median images/s of each and their ratio.
Both run forward + backward + SGD (lr 0.01, momentum 0.9) on the same random CIFAR-shaped batch
size with the tutorial LeNet; PyTorch's input does not require grad (neither does ours).

usage: python scripts/compare_pytorch_train.py [--lepton target/release/lepton] [--repeats 5]
       [--batches 4,64,256] [--threads 1,2] [--markdown]
Run it under `flock /tmp/lepton-bench.lock` so that no other benchmark overlaps it.
"""
import argparse, json, statistics, subprocess, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def steps_for(batch):
    return max(10, 3000 // batch)


def torch_images_per_sec(batch, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = LeNet()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(batch, 3, 32, 32) * 2 - 1
    y = torch.arange(batch) % 10

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    n = steps_for(batch)
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return batch * n / (time.perf_counter() - t0)


def lepton_images_per_sec(exe, batch, threads):
    out = subprocess.run(
        [exe, "train-step-bench", "--batch", str(batch), "--threads", str(threads),
         "--steps", str(steps_for(batch)), "--json"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["images_per_sec"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lepton", default="target/release/lepton")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batches", default="4,64,256")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}, mkldnn={torch.backends.mkldnn.is_available()}")
    rows = []
    for threads in map(int, a.threads.split(",")):
        for batch in map(int, a.batches.split(",")):
            ours, theirs = [], []
            for _ in range(a.repeats):
                ours.append(lepton_images_per_sec(a.lepton, batch, threads))
                theirs.append(torch_images_per_sec(batch, threads))
            o, t = statistics.median(ours), statistics.median(theirs)
            rows.append((batch, threads, o, t, o / t))
            print(f"batch {batch:4d} threads {threads}: lepton {o:9.0f} img/s  pytorch {t:9.0f} img/s  ratio {o / t:5.2f}x", flush=True)
    if a.markdown:
        print("\n| batch | threads | Lepton img/s | PyTorch img/s | ratio |\n| ---: | ---: | ---: | ---: | ---: |")
        for b, t, o, p, r in rows:
            print(f"| {b} | {t} | {o:,.0f} | {p:,.0f} | {r:.2f}× |")


if __name__ == "__main__":
    main()
