"""Time forward+backward of every torch twin against a naive one-hot twin of the same formula.

The naive twins are written the way the official ALFs/APL code writes its losses: softmax (or
log_softmax), ``F.one_hot(labels, K).float()``, ``sum(onehot * pred, dim=1)``, and the clamps of
that code (``clamp(p, 1e-7, 1)`` in GCE/NGCE/RCE, ``clamp(p, 1e-5, 1)`` in ANL, the one-hot
clamped at 1e-4 in RCE); combos compute their two parts separately, as the official classes do.
Nothing is detached in the naive focal losses (same formula as ours, so same work).

Each call is ``loss = fn(logits, labels).mean(); loss.backward()`` on the same inputs for both,
timed with ``torch.utils.benchmark.Timer.blocked_autorange``: the three implementations are
measured in interleaved rounds and each keeps its fastest block mean (robust on a shared host).
"ours" is the twin as called by default (``validate=True``: shape/dtype/label-range/parameter
checks) and "ours-nv" with ``validate=False`` (the compute alone); ratio = naive / ours (> 1:
ours is faster).

Usage::

    python benchmarks/bench_losses.py                   # CPU, and CUDA when available
    python benchmarks/bench_losses.py --device cpu --losses fl nfl anl --threads 2
    python benchmarks/bench_losses.py --device cpu --steady-malloc   # without page-fault noise
    python benchmarks/bench_losses.py --device cpu --losses ce --floor  # the cost of accuracy
    python benchmarks/bench_losses.py --device cpu --batches 128 --classes 10 --step
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils import benchmark

import alfs_theory as at
from alfs_theory.nn import TWINS

EPS = 1e-7  # the official code's clamp of softmax outputs


def _oh(labels, k, like):
    return F.one_hot(labels, k).to(like.dtype)


def n_ce(z, y):
    lp = F.log_softmax(z, dim=1)
    return -torch.sum(_oh(y, z.shape[1], z) * lp, dim=1)


def n_fl(z, y, gamma=0.5):
    lp = F.log_softmax(z, dim=1)
    logpt = torch.sum(_oh(y, z.shape[1], z) * lp, dim=1)
    pt = logpt.exp()
    return -((1 - pt) ** gamma) * logpt


def n_mae(z, y):
    p = F.softmax(z, dim=1)
    return 1.0 - torch.sum(_oh(y, z.shape[1], z) * p, dim=1)


def n_mse(z, y):
    p = F.softmax(z, dim=1)
    return torch.sum((p - _oh(y, z.shape[1], z)) ** 2, dim=1)


def n_gce(z, y, q=0.7):
    p = torch.clamp(F.softmax(z, dim=1), min=EPS, max=1.0)
    return (1.0 - torch.pow(torch.sum(_oh(y, z.shape[1], z) * p, dim=1), q)) / q


def n_rce(z, y, clamp=1e-4):
    p = torch.clamp(F.softmax(z, dim=1), min=EPS, max=1.0)
    oh = torch.clamp(_oh(y, z.shape[1], z), min=clamp, max=1.0)
    return -1 * torch.sum(p * torch.log(oh), dim=1)


def n_sce(z, y, alpha=0.1, beta=1.0, clamp=1e-4):
    return alpha * F.cross_entropy(z, y, reduction="none") + beta * n_rce(z, y, clamp)


def n_nce(z, y):
    lp = F.log_softmax(z, dim=1)
    return -1 * torch.sum(_oh(y, z.shape[1], z) * lp, dim=1) / (-lp.sum(dim=1))


def n_nfl(z, y, gamma=0.5):
    lp = F.log_softmax(z, dim=1)
    normalizor = torch.sum(-1 * (1 - lp.exp()) ** gamma * lp, dim=1)
    logpt = lp.gather(1, y.view(-1, 1)).view(-1)
    pt = logpt.exp()
    return -1 * (1 - pt) ** gamma * logpt / normalizor


def n_ngce(z, y, q=0.7):
    k = z.shape[1]
    p = torch.clamp(F.softmax(z, dim=1), min=EPS, max=1.0)
    num = 1.0 - torch.pow(torch.sum(_oh(y, k, z) * p, dim=1), q)
    return num / (k - p.pow(q).sum(dim=1))


def n_nmae(z, y):
    return n_mae(z, y) / (z.shape[1] - 1)


def n_nrce(z, y):  # the intended normaliser, 1 / (-log(1e-4) (K - 1)), on the official RCE
    return n_rce(z, y) / (-math.log(1e-4) * (z.shape[1] - 1))


def n_agce(z, y, a=1.0, q=2.0):
    p = F.softmax(z, dim=1)
    return ((a + 1) ** q - torch.pow(a + torch.sum(_oh(y, z.shape[1], z) * p, dim=1), q)) / q


def n_aul(z, y, a=1.5, q=0.9):
    p = F.softmax(z, dim=1)
    return (torch.pow(a - torch.sum(_oh(y, z.shape[1], z) * p, dim=1), q) - (a - 1) ** q) / q


def n_ael(z, y, a=3.0):
    p = F.softmax(z, dim=1)
    return torch.exp(-torch.sum(_oh(y, z.shape[1], z) * p, dim=1) / a)


def n_anl(z, y, a=1.5, p=0.9):
    pr = torch.clamp(F.softmax(z, dim=1), min=1e-5, max=1)
    oh = _oh(y, z.shape[1], z)
    return (torch.sum(torch.pow(torch.abs(a * oh - pr), p), dim=1) - (a - 1) ** p) / p


def n_amse(z, y, a=10.0):
    p = F.softmax(z, dim=1)
    return torch.sum((p - a * _oh(y, z.shape[1], z)) ** 2, dim=1) / z.shape[1]


# the losses of the wider field (issue #24), each in its official code's style where there is
# one (clamps at 1e-7 and one-hot sums)
def n_tce(z, y):
    pt = torch.sum(_oh(y, z.shape[1], z) * F.softmax(z, dim=1), dim=1)
    return sum((1 - pt) ** k / k for k in (1, 2))


def n_poly1(z, y, eps=2.0):
    pt = torch.sum(_oh(y, z.shape[1], z) * F.softmax(z, dim=1), dim=1)
    return F.cross_entropy(z, y, reduction="none") + eps * (1 - pt)


def n_ls(z, y, s=0.1):
    k = z.shape[1]
    target = (1 - s) * _oh(y, k, z) + s / k
    return -torch.sum(target * F.log_softmax(z, dim=1), dim=1)


def _kl(target, log_m):  # GJS code's custom_kl_div, per example
    out = target * (target.clamp(min=EPS).log() - log_m)
    return torch.where(target > 0, out, torch.zeros_like(out)).sum(dim=1)


def n_js(z, y, pi1=0.7):
    p = F.softmax(z, dim=1)
    oh = _oh(y, z.shape[1], z)
    log_m = (pi1 * oh + (1 - pi1) * p).clamp(EPS, 1.0).log()
    scale = -1.0 / ((1 - pi1) * math.log(1 - pi1))
    return scale * (pi1 * _kl(oh, log_m) + (1 - pi1) * _kl(p, log_m))


def n_softbootstrap(z, y, beta=0.95):
    p = F.softmax(z, dim=1)
    target = beta * _oh(y, z.shape[1], z) + (1 - beta) * p
    return -torch.sum(target * p.clamp(EPS, 1.0).log(), dim=1)


def n_nnce(z, y, min_prob=1e-7):
    a = -math.log(min_prob) + F.softmax(z, dim=1).clamp(min=min_prob, max=1).log()
    return 1 - torch.sum(_oh(y, z.shape[1], z) * a, dim=1) / a.sum(dim=1)


def n_ce_sr(z, y, p=0.1, lam=1.2):
    pr = F.softmax(z, dim=1).clamp(EPS, 1.0)
    return F.cross_entropy(z, y, reduction="none") + lam * torch.sum(pr**p, dim=1)


def n_ldrkl(z, y, lam=1.0, c=2.0):
    oh = _oh(y, z.shape[1], z)
    diff = (c * (1 - oh) + z - torch.sum(oh * z, dim=1, keepdim=True)) / lam
    return lam * (torch.logsumexp(diff, dim=1) - math.log(z.shape[1]))


NAIVE = {
    "ce": n_ce, "fl": n_fl, "mae": n_mae, "mse": n_mse, "gce": n_gce, "rce": n_rce,
    "sce": n_sce, "nce": n_nce, "nfl": n_nfl, "ngce": n_ngce, "nmae": n_nmae, "nrce": n_nrce,
    "agce": n_agce, "aul": n_aul, "ael": n_ael, "anl": n_anl, "amse": n_amse,
    "tce": n_tce, "poly1": n_poly1, "ls": n_ls, "js": n_js, "softbootstrap": n_softbootstrap,
    "nnce": n_nnce, "ce+sr": n_ce_sr, "ldrkl": n_ldrkl,
}


def naive_twin(name: str):
    """The naive twin of a registered loss at its default parameters."""
    spec = at.get_loss(name)
    params = {n: float(v) for n, v in spec.bind().values}
    if name in NAIVE:
        fn = NAIVE[name]
        return lambda z, y: fn(z, y, **params)
    (w1, c1), (w2, c2) = spec.components
    f1, f2 = NAIVE[c1], NAIVE[c2]
    keys1 = [p.name for p in at.get_loss(c1).params]
    keys2 = [p.name for p in at.get_loss(c2).params]
    p1 = {k: params[k] for k in keys1}
    p2 = {k: params[k] for k in keys2}
    a1, a2 = params[w1], params[w2]
    return lambda z, y: a1 * f1(z, y, **p1) + a2 * f2(z, y, **p2)


def _step(fn, z, y):
    z.grad = None
    fn(z, y).mean().backward()


def _time_all(calls: dict, device: str, min_run_time: float, threads: int, rounds: int) -> dict:
    """ms per call for each zero-argument callable: the fastest block mean over interleaved rounds.

    Interleaving the implementations and keeping the fastest block (each block averages many
    calls) makes the comparison robust to other processes on a shared host. On CPU with one
    thread the clock is the thread's CPU time (time spent descheduled does not count); on CUDA,
    wall time with synchronisation (the Timer's default).
    """
    best = {k: math.inf for k in calls}
    clock = {"timer": time.thread_time} if (device == "cpu" and threads == 1) else {}
    for _ in range(rounds):
        for key, call in calls.items():
            t = benchmark.Timer(stmt="call()", num_threads=threads, **clock,
                                globals={"call": call})
            m = t.blocked_autorange(min_run_time=min_run_time / rounds)
            best[key] = min(best[key], min(m.times) * 1e3)
    return best


def _losses_step(fns: dict, z, y) -> dict:
    return {k: functools.partial(_step, fn, z, y) for k, fn in fns.items()}


def run(device: str, losses, batches, classes, min_run_time, threads, rounds=3,
        out=None):
    out = out or sys.stdout
    torch.manual_seed(0)
    rows = []
    slower = []
    head = (f"{'loss':<9} {'N':>5} {'K':>4} {'naive ms':>9} {'ours ms':>9} {'ours-nv ms':>10} "
            f"{'naive/ours':>10} {'naive/ours-nv':>13} {'max|diff|':>9}")
    clock = "thread CPU time" if (device == "cpu" and threads == 1) else "wall time"
    print(f"\n== {device}: forward+backward, ms per call (fastest block of {rounds} interleaved "
          f"rounds, {clock}; threads={threads}) ==", file=out)
    print(head, file=out)
    print("-" * len(head), file=out)
    for name in losses:
        ours = TWINS[name]
        ours_nv = functools.partial(ours, validate=False)
        naive = naive_twin(name)
        for n in batches:
            for k in classes:
                z = (torch.randn(n, k, device=device) * 3).requires_grad_(True)
                y = torch.randint(0, k, (n,), device=device)
                with torch.no_grad():
                    diff = (ours(z, y) - naive(z, y)).abs().max().item()
                t = _time_all(_losses_step({"naive": naive, "ours": ours, "nv": ours_nv}, z, y),
                              device, min_run_time, threads, rounds)
                t_naive, t_ours, t_nv = t["naive"], t["ours"], t["nv"]
                r, r_nv = t_naive / t_ours, t_naive / t_nv
                rows.append((name, n, k, t_naive, t_ours, t_nv, r, r_nv, diff))
                if r < 1.0:
                    slower.append((name, n, k, r))
                print(f"{name:<9} {n:>5} {k:>4} {t_naive:>9.3f} {t_ours:>9.3f} {t_nv:>10.3f} "
                      f"{r:>10.2f} {r_nv:>13.2f} {diff:>9.1e}", file=out, flush=True)
    geo = statistics.geometric_mean(r[6] for r in rows)
    geo_nv = statistics.geometric_mean(r[7] for r in rows)
    print(f"geometric mean naive/ours = {geo:.2f}, naive/ours-nv = {geo_nv:.2f}", file=out)
    if slower:
        print("ours slower than naive (ratio < 1): "
              + ", ".join(f"{a} N={b} K={c} ({d:.2f})" for a, b, c, d in slower), file=out)
    else:
        print("no twin slower than its naive version", file=out)
    return rows


class FloorCE(torch.autograd.Function):
    """The cheapest eager 1e-10-accurate cross entropy we know, with its gradient: 13 small
    operations in one autograd function, none spent on generality (no terms, sums, validation).

    x = 1 − u_y as Σ_{k≠y} u_k, log u_y = log σ(log u_y − log x) (the twins' formulas, see
    alfs_theory.nn.functional), gradient u − e_y with −x at the label. The floor of what an
    accurate CE costs in eager torch: where even it is slower than the naive one-hot CE, no
    accurate twin can meet "not slower than naive".
    """

    @staticmethod
    def forward(ctx, z, y1):
        lp = torch.log_softmax(z, 1)
        lpy0 = lp.gather(1, y1)
        po = lp.exp_().scatter_(1, y1, torch.zeros_like(lpy0))
        x = po.sum(1, keepdim=True)
        lpy = F.logsigmoid(lpy0 - x.log())
        ctx.save_for_backward(po.scatter_(1, y1, x.neg_()))
        return lpy.neg_().view(-1)

    @staticmethod
    def backward(ctx, g):
        (grad,) = ctx.saved_tensors
        return grad * g.unsqueeze(1), None


def floor_ce(z, y):
    return FloorCE.apply(z, y.unsqueeze(1))


def _ce_rel_error(fn, k: int, device: str, margin: float = 40.0) -> float:
    """Relative error of −log u_y in float64 at a row whose label leads every other logit by
    ``margin`` (true value log1p((K − 1)·e^(−margin)) ≈ 1.6e-17·(K − 1) at 40)."""
    z = torch.zeros(1, k, dtype=torch.float64, device=device)
    z[0, 0] = margin
    true = math.log1p((k - 1) * math.exp(-margin))
    with torch.no_grad():
        got = float(fn(z, torch.zeros(1, dtype=torch.long, device=device))[0])
    return abs(got - true) / true


def run_floor(device: str, batches, classes, min_run_time, threads, rounds=3, out=None):
    """Naive CE, torch's fused F.cross_entropy, the accurate floor and our CE, side by side."""
    out = out or sys.stdout
    impls = {"naive": naive_twin("ce"),
             "F.ce": lambda z, y: F.cross_entropy(z, y, reduction="none"),
             "floor": floor_ce,
             "ours-nv": functools.partial(TWINS["ce"], validate=False),
             "ours": TWINS["ce"]}
    print(f"\n== {device}: the cost of accuracy, cross entropy: forward+backward ms per call, and"
          "\n   the relative error of -log u_y at a float64 row with margin 40 ==", file=out)
    head = (f"{'N':>5} {'K':>4} " + " ".join(f"{k + ' ms':>10}" for k in impls)
            + f" {'naive/floor':>11} {'naive/ours':>10}")
    print(head, file=out)
    print("-" * len(head), file=out)
    for n in batches:
        for k in classes:
            z = (torch.randn(n, k, device=device) * 3).requires_grad_(True)
            y = torch.randint(0, k, (n,), device=device)
            t = _time_all(_losses_step(impls, z, y), device, min_run_time, threads, rounds)
            print(f"{n:>5} {k:>4} " + " ".join(f"{t[key]:>10.3f}" for key in impls)
                  + f" {t['naive'] / t['floor']:>11.2f} {t['naive'] / t['ours']:>10.2f}",
                  file=out, flush=True)
    errs = {key: _ce_rel_error(fn, max(classes), device) for key, fn in impls.items()}
    print("rel. error at margin 40, K = %d: " % max(classes)
          + ", ".join(f"{key} {e:.1e}" for key, e in errs.items()), file=out)


def run_step(device: str, losses, batch: int, k: int, min_run_time, threads, rounds=3,
             out=None):
    """One training step (the digits MLP: forward, loss, backward, SGD step) per loss, with the
    naive twin and with ours (validate=False, as alfs train calls it): what the loss's speed
    means for training at this batch size."""
    out = out or sys.stdout
    from alfs_theory.experiments.models import make_model

    print(f"\n== {device}: one training step of the digits MLP (64 -> 256 -> 256 -> {k}, "
          f"batch {batch}): ms per step ==", file=out)
    head = f"{'loss':<9} {'naive ms':>9} {'ours ms':>9} {'naive/ours':>10}"
    print(head, file=out)
    print("-" * len(head), file=out)
    torch.manual_seed(0)
    x = torch.randn(batch, 64, device=device)
    y = torch.randint(0, k, (batch,), device=device)
    ratios = []
    for name in losses:
        calls = {}
        for key, fn in (("naive", naive_twin(name)),
                        ("ours", functools.partial(TWINS[name], validate=False))):
            torch.manual_seed(0)
            model = make_model("mlp", k, (64,)).to(device).train()
            opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

            def call(model=model, opt=opt, fn=fn):
                opt.zero_grad(set_to_none=True)
                fn(model(x), y).mean().backward()
                opt.step()

            calls[key] = call
        t = _time_all(calls, device, min_run_time, threads, rounds)
        ratios.append(t["naive"] / t["ours"])
        print(f"{name:<9} {t['naive']:>9.3f} {t['ours']:>9.3f} {ratios[-1]:>10.2f}",
              file=out, flush=True)
    print(f"naive/ours per step: min {min(ratios):.2f}, geometric mean "
          f"{statistics.geometric_mean(ratios):.2f}", file=out)


_STEADY_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "100000000", "MALLOC_TRIM_THRESHOLD_": "1000000000"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", choices=["cpu", "cuda", "all"], default="all")
    ap.add_argument("--losses", nargs="*", default=None, help="registry names (default: all)")
    ap.add_argument("--batches", nargs="*", type=int, default=[128, 4096])
    ap.add_argument("--classes", nargs="*", type=int, default=[10, 100])
    ap.add_argument("--min-run-time", type=float, default=0.3,
                    help="seconds per implementation and configuration")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads (Timer num_threads)")
    ap.add_argument("--steady-malloc", action="store_true",
                    help="rerun with glibc's heap trimming off (MALLOC_TRIM_THRESHOLD_, "
                         "MALLOC_MMAP_THRESHOLD_): CPU times without the page faults of freshly "
                         "mapped (N, K) buffers, which dominate at N*K ~ 4e5")
    ap.add_argument("--floor", action="store_true",
                    help="also time the cheapest accurate CE we know against the naive CE and "
                         "torch's F.cross_entropy, with their errors as u_y -> 1")
    ap.add_argument("--step", action="store_true",
                    help="also time one training step of the digits MLP with each loss (batch "
                         "= the smallest of --batches, K = the smallest of --classes)")
    args = ap.parse_args(argv)
    if args.steady_malloc and _STEADY_MALLOC.keys() - os.environ.keys():
        # glibc reads these at start-up only: run this script again with them set
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]],
                  {**os.environ, **_STEADY_MALLOC})
    losses = args.losses or at.list_losses()
    devices = ["cpu", "cuda"] if args.device == "all" else [args.device]
    t0 = time.time()
    malloc = ", ".join(f"{k}={os.environ[k]}" for k in _STEADY_MALLOC if k in os.environ)
    print(f"torch {torch.__version__}; losses: {len(losses)}"
          + (f"; malloc: {malloc}" if malloc else ""))
    for dev in devices:
        if dev == "cuda" and not torch.cuda.is_available():
            print("\n(CUDA not available: skipped)")
            continue
        if dev == "cuda":
            print(f"GPU: {torch.cuda.get_device_name()}")
        run(dev, losses, args.batches, args.classes, args.min_run_time, args.threads, args.rounds)
        if args.floor:
            run_floor(dev, args.batches, args.classes, args.min_run_time, args.threads,
                      args.rounds)
        if args.step:
            run_step(dev, losses, min(args.batches), min(args.classes), args.min_run_time,
                     args.threads, args.rounds)
    print(f"\ntotal {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
