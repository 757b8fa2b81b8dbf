"""Training epoch: our resident-tensor loop vs the official code's DataLoader loop, as a ratio.

One epoch of Fashion-MNIST with the official 4-layer MNIST CNN (``cnn-mnist``), timed in two
styles side by side in one run, interleaved (A, B, A, B, ...), median of the repeats:

* **A, ours**: the loop of :func:`alfs_theory.experiments.train.run_training`. The training set is
  standardised once into one float32 tensor (per-channel mean and std of the training set);
  each epoch draws ``torch.randperm`` from a seeded CPU generator and each batch is an
  ``index_select`` of a slice of it (a last batch of one sample joins the one before). The
  epoch is written inline in ``run_training`` and its batching helper is private
  (``train._batches``), so it is reproduced here line for line, not called.
* **B, official style** (``hitcszx/ALFs``, ``lnl/dataset.py`` and ``main.py``): a
  ``torch.utils.data.Dataset`` over the uint8 images whose ``__getitem__`` returns one image
  through ``Compose([ToTensor(), Normalize(mean, std)])`` and the label as a Python int, and
  ``DataLoader(batch_size=128, shuffle=True, num_workers=W)`` with ``loss.item()`` per batch.
  torchvision is not needed: ``ToTensor`` (uint8 H×W -> float 1×H×W / 255) and ``Normalize``
  (clone, ``sub_``, ``div_``) are reimplemented with plain torch as torchvision does them for a
  tensor. The official dataset first makes a PIL image of each item; that step is left out,
  so B here is if anything a little faster than the official code.

Everything else is the same for both: the network and its initial weights, batch 128, SGD
(lr 0.01, momentum 0.9, weight decay 1e-3: the official MNIST configuration), gradient-norm
clipping 5, the loss (our torch twin, ``--loss``, default CE), and the input values (B's
``Normalize`` takes the mean and std A uses). Each measurement runs in a fresh child process
so its own peak resident memory can be read: the kernel's high-water RSS of the process
(``VmHWM`` in ``/proc/self/status``, the counter ``resource.getrusage``'s ``ru_maxrss``
reads), reset to the RSS just before the style's set-up (``/proc/self/clear_refs``), minus
that RSS. ``ru_maxrss`` itself would not do: across ``exec`` Linux carries the parent's peak
over, and the parent held the whole data set. DataLoader workers are forked child processes
and are reported apart, as ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the largest worker's
peak RSS, pages shared with the parent counted). Not Python-side ``tracemalloc``: torch's
tensors are not allocated through Python's allocator.

Timing covers the epoch loop only (DataLoader iterator and worker start-up
included, as every official epoch pays them); a few warm-up steps run first.

Without the Fashion-MNIST files (Debian ``dataset-fashion-mnist``) the script says so and
uses random 28×28 uint8 images of the same size (60,000 × 28 × 28, 10 classes). When CUDA is
present (and not ``--no-gpu``) the comparison is repeated on the GPU (B with
``pin_memory=True``, as the official loader).

Usage::

    python benchmarks/bench_train.py [--n 10000 | --full] [--repeats 3] [--workers 0 2]
                                     [--loss ce] [--threads T] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BATCH = 128
LR, MOMENTUM, WEIGHT_DECAY, GRAD_CLIP = 0.01, 0.9, 1e-3, 5.0  # official MNIST configuration
WARMUP_STEPS = 3
N_FULL = 60000


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------

def load_images(root=None, seed: int = 0):
    """(uint8 N×28×28 images, int64 labels, source, note): Fashion-MNIST's training set, or
    random images of the same size when the files are missing (``note`` says so)."""
    from alfs_theory.errors import DataError
    from alfs_theory.experiments.data import DEFAULT_FASHION_MNIST_ROOT, load_fashion_mnist

    root = DEFAULT_FASHION_MNIST_ROOT if root is None else root
    try:
        ds = load_fashion_mnist(root)
    except DataError as exc:
        rng = np.random.default_rng(seed)
        x = rng.integers(0, 256, size=(N_FULL, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=N_FULL).astype(np.int64)
        return x, y, "synthetic", (f"Fashion-MNIST not found ({exc}); using SYNTHETIC random "
                                   f"28x28 uint8 images of the same size ({N_FULL} x 28 x 28)")
    # load_fashion_mnist gives float32 u/255; u is recovered exactly
    x = np.rint(ds.x_train[:, 0] * np.float32(255.0)).astype(np.uint8)
    return x, ds.y_train.astype(np.int64), ds.source, None


def subset(x, y, n: int, seed: int = 0):
    """The same ``n`` training images for both styles (a seeded random subset, in file
    order)."""
    if n >= len(x):
        return x, y
    idx = np.sort(np.random.default_rng(seed).permutation(len(x))[:n])
    return x[idx], y[idx]


def channel_stats(x_u8):
    """Per-channel mean and std of the training set, in float64 on [0, 1] (as train.py)."""
    xt = x_u8.astype(np.float64) / 255.0
    mean, std = float(xt.mean()), float(xt.std())
    return mean, (std if std > 0 else 1.0)


# ---------------------------------------------------------------------------------------------
# A: ours (alfs_theory.experiments.train.run_training's epoch)
# ---------------------------------------------------------------------------------------------

def batches(n: int, batch_size: int, perm):
    """Index slices of ``perm``; a final batch of one sample joins the previous one (a copy
    of the private ``alfs_theory.experiments.train._batches``)."""
    starts = list(range(0, n, batch_size))
    if len(starts) > 1 and n - starts[-1] < 2:
        starts.pop()
    ends = starts[1:] + [n]
    return [perm[s:e] for s, e in zip(starts, ends)]


def resident_tensors(x_u8, y, mean: float, std: float, device):
    """The training set as run_training holds it: float32 N×1×28×28, standardised, on the
    device."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(
        x_u8[:, None].astype(np.float32) / np.float32(255.0))).to(device)
    m = torch.tensor([mean], dtype=torch.float32, device=device)[None, :, None, None]
    s = torch.tensor([std], dtype=torch.float32, device=device)[None, :, None, None]
    return (x - m) / s, torch.from_numpy(y).to(device)


def epoch_ours(model, opt, loss_fn, x, y, gen, device):
    import torch

    model.train()
    n = len(x)
    perm = torch.randperm(n, generator=gen).to(device)
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    for idx in batches(n, BATCH, perm):
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        logits = model(xb)
        loss = loss_fn(logits, yb).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        opt.step()
        loss_sum += loss.detach().double() * len(idx)
        correct += (logits.detach().argmax(1) == yb).sum()
        seen += len(idx)
    return float(loss_sum) / seen


# ---------------------------------------------------------------------------------------------
# B: the official code's style (torchvision-like per-item transform, DataLoader)
# ---------------------------------------------------------------------------------------------

class ToTensor:
    """torchvision ``ToTensor`` for a grayscale image: uint8 H×W -> float32 1×H×W in [0, 1]
    (copy, view H×W×C, permute to C×H×W, contiguous, ``.to(float).div(255)``)."""

    def __call__(self, img):
        import torch

        t = torch.from_numpy(np.array(img, np.uint8, copy=True))
        t = t.view(t.shape[0], t.shape[1], 1).permute((2, 0, 1)).contiguous()
        return t.to(dtype=torch.get_default_dtype()).div(255)


class Normalize:
    """torchvision ``Normalize`` on a tensor: clone, then ``sub_(mean).div_(std)`` with the
    per-channel statistics made into tensors on every call (as ``F.normalize`` does)."""

    def __init__(self, mean, std):
        self.mean, self.std = list(mean), list(std)

    def __call__(self, tensor):
        import torch

        if not tensor.is_floating_point():
            raise TypeError(f"input tensor should be a float tensor, got {tensor.dtype}")
        tensor = tensor.clone()
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device)
        std = torch.as_tensor(self.std, dtype=tensor.dtype, device=tensor.device)
        if (std == 0).any():
            raise ValueError("std evaluated to zero, leading to division by zero.")
        return tensor.sub_(mean.view(-1, 1, 1)).div_(std.view(-1, 1, 1))


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


def official_dataset(x_u8, y, mean: float, std: float):
    """The official MNIST dataset's shape: uint8 images in a torch tensor, numpy targets, a
    per-item transform (``ToTensor`` + ``Normalize``), the label as a Python int."""
    import torch
    from torch.utils.data import Dataset

    class OfficialStyleMNIST(Dataset):
        def __init__(self, data, targets, transform):
            self.data, self.targets, self.transform = data, targets, transform

        def __len__(self):
            return len(self.data)

        def __getitem__(self, index):
            img, target = self.data[index], int(self.targets[index])
            # (official: img = Image.fromarray(img.numpy(), mode="L"); left out, no PIL)
            img = self.transform(img.numpy())
            return img, target

    return OfficialStyleMNIST(torch.from_numpy(np.ascontiguousarray(x_u8)), np.asarray(y),
                              Compose([ToTensor(), Normalize((mean,), (std,))]))


def official_loader(dataset, workers: int, device, seed: int = 0):
    import torch
    from torch.utils.data import DataLoader

    return DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers,
                      pin_memory=device.type == "cuda",
                      generator=torch.Generator().manual_seed(seed))


def epoch_official(model, opt, loss_fn, loader, device):
    import torch

    model.train()
    total_loss = 0.0
    for batch_x, batch_y in loader:
        batch_x, batch_y = batch_x.to(device), batch_y.to(device)
        out = model(batch_x)
        model.zero_grad()
        opt.zero_grad()
        loss = loss_fn(out, batch_y).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        opt.step()
        total_loss += loss.item()
    return total_loss


# ---------------------------------------------------------------------------------------------
# one measurement (in a child process)
# ---------------------------------------------------------------------------------------------

def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` memory line in KiB (``VmRSS`` now, ``VmHWM`` its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> bool:
    """Set this process's peak RSS (VmHWM) to its RSS now (Linux >= 4.0); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(cfg: dict) -> dict:
    """Set up one style, warm it up, time ``cfg['epochs']`` epochs; seconds and memory."""
    import torch

    from alfs_theory.experiments.models import make_model
    from alfs_theory.nn.functional import get_twin

    if cfg.get("threads"):
        torch.set_num_threads(int(cfg["threads"]))
    device = torch.device(cfg["device"])
    with np.load(cfg["data"]) as z:
        x_u8, y = z["x"], z["y"]
    mean, std = cfg["mean"], cfg["std"]
    twin = get_twin(cfg["loss"])

    def loss_fn(logits, labels):
        return twin(logits, labels, validate=False)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    # peak memory: the kernel's high-water RSS of this process (VmHWM, the counter
    # getrusage's ru_maxrss reads), reset to the RSS now; ru_maxrss itself cannot be used
    # here: across exec it keeps the parent's peak, which loaded the whole data set
    rss0 = _status_kib("VmRSS")
    reset = _reset_peak_rss()
    torch.manual_seed(0)
    model = make_model("cnn-mnist", 10, (1, 28, 28)).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM,
                          weight_decay=WEIGHT_DECAY)
    seconds = []
    if cfg["style"] == "ours":
        x, yt = resident_tensors(x_u8, y, mean, std, device)
        gen = torch.Generator().manual_seed(0)
        warm = torch.randperm(len(x), generator=gen)[:WARMUP_STEPS * BATCH].to(device)
        for idx in batches(len(warm), BATCH, warm):
            logits = model(x.index_select(0, idx))
            loss = loss_fn(logits, yt.index_select(0, idx)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sync()
        for _ in range(cfg["epochs"]):
            t0 = time.perf_counter()
            epoch_ours(model, opt, loss_fn, x, yt, gen, device)
            sync()
            seconds.append(time.perf_counter() - t0)
    else:
        loader = official_loader(official_dataset(x_u8, y, mean, std), cfg["workers"], device)
        it = iter(loader)
        for _, (bx, by) in zip(range(WARMUP_STEPS), it):
            loss = loss_fn(model(bx.to(device)), by.to(device)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        del it  # shuts its workers down
        sync()
        for _ in range(cfg["epochs"]):
            t0 = time.perf_counter()
            epoch_official(model, opt, loss_fn, loader, device)
            sync()
            seconds.append(time.perf_counter() - t0)
    peak = _status_kib("VmHWM")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"style": cfg["style"], "workers": cfg.get("workers"), "device": cfg["device"],
            "seconds_per_epoch": statistics.median(seconds), "epoch_seconds": seconds,
            "threads": torch.get_num_threads(), "rss_before_kib": rss0,
            "peak_rss_kib": peak, "peak_reset": reset,
            "peak_rss_increase_kib": peak - rss0,
            "workers_max_rss_kib": children if cfg.get("workers") else 0}


def _run_child(cfg: dict) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                           json.dumps(cfg)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"measurement {cfg['style']} (workers {cfg.get('workers')}) on "
                           f"{cfg['device']} failed with exit {proc.returncode}:\n"
                           f"{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# the comparison
# ---------------------------------------------------------------------------------------------

def _label(style: str, workers) -> str:
    if style == "ours":
        return "A ours: resident tensor, randperm slices"
    return f"B official: per-item ToTensor+Normalize, DataLoader workers={workers}"


def compare(device: str, data_file: str, n: int, mean: float, std: float, args,
            out=sys.stdout) -> dict:
    styles = [("ours", None)] + [("official", w) for w in args.workers]
    runs = {s: [] for s in styles}
    for r in range(args.repeats):
        for style, w in styles:
            cfg = {"style": style, "workers": w, "device": device, "data": data_file,
                   "mean": mean, "std": std, "loss": args.loss, "epochs": args.epochs,
                   "threads": args.threads}
            res = _run_child(cfg)
            runs[(style, w)].append(res)
            if not args.quiet:
                print(f"  repeat {r + 1}/{args.repeats}: {_label(style, w):<62} "
                      f"{res['seconds_per_epoch']:8.2f} s", file=sys.stderr, flush=True)
    rows = []
    a_med = statistics.median(x["seconds_per_epoch"] for x in runs[styles[0]])
    for style, w in styles:
        rs = runs[(style, w)]
        med = statistics.median(x["seconds_per_epoch"] for x in rs)
        rows.append({
            "style": style, "workers": w, "label": _label(style, w),
            "seconds_per_epoch_median": med, "samples_per_s": n / med,
            "ratio_to_ours": med / a_med,
            "peak_rss_increase_mib": statistics.median(x["peak_rss_increase_kib"]
                                                       for x in rs) / 1024,
            "workers_max_rss_mib": (statistics.median(x["workers_max_rss_kib"] for x in rs)
                                    / 1024 if w else None),
            "threads": rs[0]["threads"], "runs": rs})
    print(f"{'style':<64} {'s/epoch':>8} {'samples/s':>10} {'vs A':>6} "
          f"{'peak RSS +MiB':>14} {'worker RSS MiB':>15}", file=out)
    for row in rows:
        wrss = ("-" if row["workers_max_rss_mib"] is None
                else f"{row['workers_max_rss_mib']:.0f}")
        print(f"{row['label']:<64} {row['seconds_per_epoch_median']:8.2f} "
              f"{row['samples_per_s']:10,.0f} {row['ratio_to_ours']:5.2f}x "
              f"{row['peak_rss_increase_mib']:14.1f} {wrss:>15}", file=out)
    for row in rows[1:]:
        print(f"ratio B/A ({device}, s per epoch, DataLoader workers={row['workers']} / ours): "
              f"{row['ratio_to_ours']:.2f}x", file=out)
    return {"device": device, "rows": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000,
                    help="training images in the epoch (default 10000)")
    ap.add_argument("--full", action="store_true", help="all 60,000 training images")
    ap.add_argument("--repeats", type=int, default=3,
                    help="interleaved rounds A, B, A, B, ...; medians reported (default 3)")
    ap.add_argument("--epochs", type=int, default=1,
                    help="timed epochs per measurement (default 1)")
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 2],
                    help="DataLoader num_workers for B, one measurement each (default 0 2)")
    ap.add_argument("--loss", default="ce", help="registered loss with a torch twin, e.g. "
                    "ce, nce+agce (default ce)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch intra-op threads (default: torch's own choice)")
    ap.add_argument("--data-root", default=None,
                    help="Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--no-gpu", action="store_true", help="skip the CUDA comparison")
    ap.add_argument("--quiet", action="store_true", help="no per-measurement progress")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child is not None:
        print(json.dumps(measure(json.loads(args.child))))
        return 0

    import torch

    from alfs_theory.nn.functional import get_twin

    get_twin(args.loss)  # an unknown loss fails here, with suggestions
    n = N_FULL if args.full else args.n
    if n < 2 or n % BATCH == 1:
        ap.error(f"--n {n}: need n >= 2 and n % {BATCH} != 1 (the DataLoader's last batch "
                 "of one sample would break BatchNorm in the official loop)")
    if args.repeats < 1 or args.epochs < 1 or any(w < 0 for w in args.workers):
        ap.error("--repeats and --epochs must be >= 1, --workers >= 0")

    x_all, y_all, source, note = load_images(args.data_root)
    if note:
        print(f"NOTE: {note}")
    x, y = subset(x_all, y_all, n)
    n = len(x)
    mean, std = channel_stats(x)
    threads = args.threads or torch.get_num_threads()
    cpus = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = cpus
    what = "Fashion-MNIST" if source != "synthetic" else "SYNTHETIC 28x28 data"
    print(f"{what} ({source}), {n:,} training images, official CNN (cnn-mnist), batch "
          f"{BATCH}, SGD lr {LR} momentum {MOMENTUM} wd {WEIGHT_DECAY:g}, clip {GRAD_CLIP:g}, "
          f"loss {args.loss}")
    print(f"torch {torch.__version__}, python {platform.python_version()}, {threads} torch "
          f"thread(s), {cpus} CPUs ({usable} usable), median of {args.repeats} interleaved "
          f"repeat(s) of {args.epochs} epoch(s), each in a fresh process")

    results = []
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        data_file = os.path.join(tmp, "data.npz")
        np.savez(data_file, x=x, y=y)
        devices = ["cpu"]
        if torch.cuda.is_available() and not args.no_gpu:
            devices.append("cuda")
        for dev in devices:
            if dev == "cuda":
                print(f"GPU: {torch.cuda.get_device_name()}")
            results.append(compare(dev, data_file, n, mean, std, args))
    print("peak RSS +MiB: the measuring process's peak RSS (VmHWM, reset just before the "
          "style's set-up) minus its RSS then: model, data tensors or Dataset and DataLoader, "
          "and training; worker RSS: the largest DataLoader worker's "
          "getrusage(RUSAGE_CHILDREN).ru_maxrss, pages shared with the parent counted")
    if any(not x["peak_reset"] for res in results for row in res["rows"]
           for x in row["runs"]):
        print("WARNING: /proc/self/clear_refs refused: the peak RSS figures include the "
              "child's start-up peak (an upper bound)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "torch": torch.__version__, "python": platform.python_version(),
            "threads": threads, "cpu_count": cpus, "cpus_usable": usable,
            "data": source, "synthetic": source == "synthetic", "n": n, "batch": BATCH,
            "optimizer": {"name": "SGD", "lr": LR, "momentum": MOMENTUM,
                          "weight_decay": WEIGHT_DECAY},
            "grad_clip": GRAD_CLIP, "loss": args.loss, "repeats": args.repeats,
            "epochs": args.epochs, "workers": args.workers,
            "memory_method": "per child process: /proc/self/status VmHWM (reset with "
                             "clear_refs=5 just before set-up) minus VmRSS then; workers: "
                             "getrusage(RUSAGE_CHILDREN).ru_maxrss",
            "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
