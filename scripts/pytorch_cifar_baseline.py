#!/usr/bin/env python3
"""PyTorch reference for `lepton train`: the seed recipe (the PyTorch CIFAR-10 tutorial) on CIFAR-10.

Requires: Python 3 with torch (CPU) and numpy installed (not torchvision: the two transforms are
written out below). Not used by `cargo test` or CI.

Recipe (the PyTorch "Training a classifier" tutorial):
  * LeNet: conv1 3->6 5x5, relu, maxpool 2; conv2 6->16 5x5, relu, maxpool 2; flatten;
    fc1 400->120, relu; fc2 120->84, relu; fc3 84->10.
  * Transforms: ToTensor (u8 -> [0, 1]) then Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
    i.e. x = (pixel / 255 - 0.5) / 0.5, mapping every channel to [-1, 1].
  * Cross-entropy loss, SGD lr 0.001 momentum 0.9, batch 4, 2 epochs, shuffled every epoch.
  * Data: a CIFAR-10 binary file (1 label byte + 1024 R + 1024 G + 1024 B per record). By default
    the first 9,000 records of /work/shared/data/cifar-10-sample/data_batch_1.bin train and the
    last 1,000 test.

Loader: by default ("tensor") the whole split is transformed once into one float tensor and each
step indexes a shuffled batch out of it -- the leanest honest PyTorch loop, so the timing is a
demanding reference. `--loader dataloader` uses torch.utils.data.DataLoader (num_workers=0) with
the transform applied per item, as the tutorial does.

Prints one JSON line per epoch (train loss, wall seconds of the training pass, images/s) and one
final line with the test accuracy. Example:

  flock /tmp/lepton-bench.lock /work/venv/bin/python scripts/pytorch_cifar_baseline.py \
      --threads 1 --seed 0
"""

import argparse
import json
import platform
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

RECORD = 1 + 3 * 32 * 32


def read_cifar(path):
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % RECORD != 0:
        raise SystemExit(f"{path}: size {raw.size} is not a multiple of {RECORD}")
    raw = raw.reshape(-1, RECORD)
    labels = raw[:, 0].astype(np.int64)
    pixels = raw[:, 1:].reshape(-1, 3, 32, 32)  # already CHW: R plane, G plane, B plane
    return labels, pixels


def transform(pixels_u8):
    """ToTensor + Normalize((0.5,)*3, (0.5,)*3)."""
    x = torch.from_numpy(np.ascontiguousarray(pixels_u8)).float() / 255.0
    return (x - 0.5) / 0.5


class Net(nn.Module):
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


class CifarItems(torch.utils.data.Dataset):
    def __init__(self, labels, pixels):
        self.labels = labels
        self.pixels = pixels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return transform(self.pixels[i]), int(self.labels[i])


def load_average():
    """The 1-minute load average (other processes compete for the cores; record it)."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="/work/shared/data/cifar-10-sample/data_batch_1.bin")
    p.add_argument("--train", type=int, default=9000, help="first N records train")
    p.add_argument("--test", type=int, default=1000, help="last N records test")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--loader", choices=["tensor", "dataloader"], default="tensor")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    labels, pixels = read_cifar(args.data)
    if args.train + args.test > len(labels):
        raise SystemExit(f"{args.data}: {len(labels)} records, need {args.train + args.test}")
    tr_y, tr_x = labels[: args.train], pixels[: args.train]
    te_y, te_x = labels[-args.test :], pixels[-args.test :]

    net = Net()
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    gen = torch.Generator().manual_seed(args.seed)
    common = {
        "torch": torch.__version__,
        "threads": args.threads,
        "seed": args.seed,
        "loader": args.loader,
        "cpu": cpu_name(),
    }

    if args.loader == "tensor":
        x_all = transform(tr_x)
        y_all = torch.from_numpy(tr_y)
    else:
        loader = torch.utils.data.DataLoader(
            CifarItems(tr_y, tr_x), batch_size=args.batch, shuffle=True, num_workers=0, generator=gen
        )

    for epoch in range(1, args.epochs + 1):
        net.train()
        t0 = time.perf_counter()
        running, steps = 0.0, 0
        if args.loader == "tensor":
            perm = torch.randperm(args.train, generator=gen)
            batches = (
                (x_all[perm[i : i + args.batch]], y_all[perm[i : i + args.batch]])
                for i in range(0, args.train, args.batch)
            )
        else:
            batches = loader
        for xb, yb in batches:
            opt.zero_grad()
            loss = criterion(net(xb), yb)
            loss.backward()
            opt.step()
            running += loss.item()
            steps += 1
        secs = time.perf_counter() - t0
        print(
            json.dumps(
                {
                    **common,
                    "epoch": epoch,
                    "train_loss": running / steps,
                    "epoch_seconds": round(secs, 3),
                    "images_per_second": round(args.train / secs, 1),
                    "load_average_1min": load_average(),
                }
            ),
            flush=True,
        )

    net.eval()
    with torch.no_grad():
        logits = net(transform(te_x))
        pred = logits.argmax(dim=1).numpy()
    acc = float((pred == te_y).mean())
    print(json.dumps({**common, "test_images": args.test, "test_accuracy": acc}), flush=True)


if __name__ == "__main__":
    main()
