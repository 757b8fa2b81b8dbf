"""Training throughput: device-resident index batching (ours) vs a DataLoader loop.

One epoch of training, timed in samples per second, in two styles side by side:

* ``resident``: the training set is one tensor on the device; each batch is an
  ``index_select`` with a slice of a permutation drawn from a seeded CPU generator
  (what :func:`alfs_theory.train.run_training` does);
* ``dataloader``: the official ALFs/APL style, ``for x, y in DataLoader(TensorDataset(...),
  batch_size=128, shuffle=True)``, moving every batch to the device (``pin_memory`` on CUDA).

Both run the same network, loss (the torch twin), SGD with momentum, weight decay and
gradient-norm clipping 5. Cases: the embedded 8×8 digits with the MLP on CPU, and, when
CUDA is present, MNIST-shaped random data (60,000 × 1 × 28 × 28, K = 10) with the official
4-layer CNN on the GPU (fp32 and bf16 autocast).

Usage::

    python benchmarks/bench_train.py [--epochs 3] [--threads 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alfs_theory.models import make_model
from alfs_theory.nn.functional import get_twin

BATCH = 128


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _step(model, opt, loss_fn, xb, yb, amp_dtype):
    with torch.autocast(xb.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = loss_fn(model(xb), yb, validate=False).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    return loss


def _setup(name, K, shape, device, seed=0):
    torch.manual_seed(seed)
    model = make_model(name, K, shape).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    return model, opt


def epoch_resident(x, y, name, K, device, epochs, amp_dtype, loss_fn):
    model, opt = _setup(name, K, tuple(x.shape[1:]), device)
    xd, yd = x.to(device), y.to(device)
    gen = torch.Generator().manual_seed(0)
    n = len(xd)
    # warm-up (allocator, cuDNN autotune), not timed
    for _ in range(3):
        idx = torch.randperm(n, generator=gen)[:BATCH].to(device)
        _step(model, opt, loss_fn, xd.index_select(0, idx), yd.index_select(0, idx), amp_dtype)
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).to(device)
        for s in range(0, n, BATCH):
            idx = perm[s:s + BATCH]
            if len(idx) < 2:
                continue
            _step(model, opt, loss_fn, xd.index_select(0, idx), yd.index_select(0, idx),
                  amp_dtype)
    _sync(device)
    return epochs * n / (time.perf_counter() - t0)


def epoch_dataloader(x, y, name, K, device, epochs, amp_dtype, loss_fn):
    from torch.utils.data import DataLoader, TensorDataset

    model, opt = _setup(name, K, tuple(x.shape[1:]), device)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True,
                        pin_memory=device.type == "cuda", num_workers=0,
                        generator=torch.Generator().manual_seed(0), drop_last=False)
    it = iter(loader)
    for _ in range(3):
        xb, yb = next(it)
        _step(model, opt, loss_fn, xb.to(device), yb.to(device), amp_dtype)
    _sync(device)
    t0 = time.perf_counter()
    n = 0
    for _ in range(epochs):
        for xb, yb in loader:
            if len(yb) < 2:
                continue
            xb = xb.to(device, non_blocking=True)
            yb = yb.to(device, non_blocking=True)
            _step(model, opt, loss_fn, xb, yb, amp_dtype)
            n += len(yb)
    _sync(device)
    return n / (time.perf_counter() - t0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs per case (default 3)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="alternate the two styles this many times and keep each one's best "
                         "(least disturbed by other load); default 3")
    ap.add_argument("--loss", default="ce")
    ap.add_argument("--no-gpu", action="store_true", help="skip the CUDA cases")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    loss_fn = get_twin(args.loss)

    from alfs_theory.data import load_digits_default

    cases = []
    d = load_digits_default(seed=0)
    x = torch.from_numpy(d.x_train)
    x = (x - x.mean()) / x.std()
    cases.append(("digits 8x8, MLP, CPU fp32", x, torch.from_numpy(d.y_train), "mlp", 10,
                  torch.device("cpu"), None))
    if torch.cuda.is_available() and not args.no_gpu:
        g = torch.Generator().manual_seed(0)
        xm = torch.randn(60000, 1, 28, 28, generator=g)
        ym = torch.randint(0, 10, (60000,), generator=g)
        dev = torch.device("cuda")
        torch.backends.cudnn.benchmark = True
        cases.append(("MNIST-shaped random, CNN-4, CUDA fp32", xm, ym, "cnn-mnist", 10, dev,
                      None))
        cases.append(("MNIST-shaped random, CNN-4, CUDA bf16", xm, ym, "cnn-mnist", 10, dev,
                      torch.bfloat16))

    rows = []
    print(f"torch {torch.__version__}, {args.threads} CPU thread(s), batch {BATCH}, "
          f"{args.epochs} timed epoch(s) per case, best of {args.repeats}, loss {args.loss}")
    if torch.cuda.is_available():
        print(f"GPU: {torch.cuda.get_device_name()}")
    print(f"{'case':<40} {'resident (samples/s)':>21} {'DataLoader (samples/s)':>23} "
          f"{'ratio':>6}")
    for label, xs, ys, name, K, dev, amp in cases:
        ours = theirs = 0.0
        for _ in range(max(1, args.repeats)):
            ours = max(ours, epoch_resident(xs, ys, name, K, dev, args.epochs, amp, loss_fn))
            theirs = max(theirs, epoch_dataloader(xs, ys, name, K, dev, args.epochs, amp,
                                                  loss_fn))
        rows.append({"case": label, "resident_samples_per_s": ours,
                     "dataloader_samples_per_s": theirs, "ratio": ours / theirs})
        print(f"{label:<40} {ours:>21,.0f} {theirs:>23,.0f} {ours / theirs:>5.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "torch": torch.__version__, "python": platform.python_version(),
            "threads": args.threads, "epochs": args.epochs, "repeats": args.repeats,
            "batch": BATCH,
            "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
