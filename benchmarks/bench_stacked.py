"""Several models at once: M copies of the MNIST CNN trained as one (StackedCNN) vs one by one.

Both styles train M = 9 models (one loss, the paper's 9 MNIST noise settings: symmetric
0/0.2/0.4/0.6/0.8 and asymmetric 0.1–0.4, each with its own label set) for one epoch on
MNIST-shaped random data with the training set resident on the device, batch 128, SGD with
momentum, weight decay and per-model gradient-norm clipping 5:

* ``sequential``: M separate :class:`~alfs_theory.experiments.models.CNN` runs, one after the other;
* ``stacked``: one :class:`~alfs_theory.experiments.stacked.StackedCNN` (grouped convolutions, batched
  linear layers), the same batches for all M models.

It prints model-samples per second for both, their ratio, and what the full MNIST grid of the
paper (every registered loss × 9 noise settings × 50 epochs × 60,000 samples) would take at
each rate on this device. On a CPU the data set is cut to ``--samples`` (default 2,048) and the
grid time is extrapolated from it; run it on a GPU for the GPU-hour figure.

Usage::

    python benchmarks/bench_stacked.py [--device cuda] [--models 9] [--samples 60000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import alfs_theory as at
from alfs_theory.experiments.models import CNN
from alfs_theory.experiments.stacked import StackedCNN, clip_grad_norm_per_model, stacked_loss
from alfs_theory.nn.functional import get_twin

BATCH = 128
GRID_SETTINGS = 9  # symmetric 0, .2, .4, .6, .8 and asymmetric .1, .2, .3, .4
GRID_EPOCHS = 50
GRID_SAMPLES = 60000


def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _opt(params):
    return torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-3)


def sequential(x, ys, loss_fn, dev, amp):
    M, n = ys.shape
    gen = torch.Generator().manual_seed(0)
    _sync(dev)
    t0 = time.perf_counter()
    for m in range(M):
        torch.manual_seed(m)
        net = CNN("mnist", 10).to(dev).train()
        opt = _opt(net.parameters())
        perm = torch.randperm(n, generator=gen).to(dev)
        for s in range(0, n - 1, BATCH):
            idx = perm[s:s + BATCH]
            with torch.autocast(dev.type, dtype=amp, enabled=amp is not None):
                loss = loss_fn(net(x.index_select(0, idx)), ys[m].index_select(0, idx),
                               validate=False).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
    _sync(dev)
    return M * n / (time.perf_counter() - t0)


def stacked(x, ys, loss_fn, dev, amp):
    M, n = ys.shape
    gen = torch.Generator().manual_seed(0)
    _sync(dev)
    t0 = time.perf_counter()
    net = StackedCNN.fresh(M, kind="mnist", K=10, seed=0).to(dev).train()
    opt = _opt(net.parameters())
    perm = torch.randperm(n, generator=gen).to(dev)
    for s in range(0, n - 1, BATCH):
        idx = perm[s:s + BATCH]
        with torch.autocast(dev.type, dtype=amp, enabled=amp is not None):
            loss = stacked_loss(lambda z, y: loss_fn(z, y, validate=False), net(
                x.index_select(0, idx)), ys.index_select(1, idx)).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        clip_grad_norm_per_model(net, 5.0)
        opt.step()
    _sync(dev)
    return M * n / (time.perf_counter() - t0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--models", type=int, default=GRID_SETTINGS)
    ap.add_argument("--samples", type=int, default=None,
                    help="training samples per epoch (default: 60000 on CUDA, 2048 on CPU)")
    ap.add_argument("--loss", default="agce")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast")
    ap.add_argument("--repeats", type=int, default=2, help="alternate styles, keep the best")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
    n = args.samples or (GRID_SAMPLES if dev.type == "cuda" else 2048)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 1, 28, 28, generator=g).to(dev)
    ys = torch.randint(0, 10, (args.models, n), generator=g).to(dev)
    loss_fn = get_twin(args.loss)
    amp = torch.bfloat16 if args.bf16 else None
    # warm-up (allocator, cuDNN autotune), not timed
    sequential(x[:256], ys[:1, :256], loss_fn, dev, amp)
    stacked(x[:256], ys[:, :256], loss_fn, dev, amp)
    seq = stk = 0.0
    for _ in range(max(1, args.repeats)):
        seq = max(seq, sequential(x, ys, loss_fn, dev, amp))
        stk = max(stk, stacked(x, ys, loss_fn, dev, amp))
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
    print(f"torch {torch.__version__}; {name}; threads {torch.get_num_threads()}; "
          f"M = {args.models} models, {n} samples, batch {BATCH}, loss {args.loss}"
          f"{', bf16' if amp else ''}")
    print(f"{'style':<12} {'model-samples/s':>16}")
    print(f"{'sequential':<12} {seq:>16,.0f}")
    print(f"{'stacked':<12} {stk:>16,.0f}")
    print(f"stacked / sequential = {stk / seq:.2f}x")
    total = len(at.list_losses()) * GRID_SETTINGS * GRID_EPOCHS * GRID_SAMPLES
    print(f"MNIST grid of the paper ({len(at.list_losses())} losses x {GRID_SETTINGS} noise "
          f"settings x {GRID_EPOCHS} epochs x {GRID_SAMPLES} samples, one seed), on this "
          f"device: sequential {total / seq / 3600:.1f} h, stacked {total / stk / 3600:.1f} h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
