"""CPU and wall time of every check of every registered loss at large K (issue #26: K = 1000
under 2 s of CPU), with the peak memory of the process.

Prints one row per (loss, K) as it is done: the CPU and wall seconds ``check_loss`` took with
symmetric noise, its slowest check, and the verdicts. The falsifier in front of every PROVED is
included; the verdict cache is off (a timing must compute, not read).

    python benchmarks/bench_checker.py                 # K = 10, 100, 1000, every loss
    python benchmarks/bench_checker.py --K 1000 --loss nce,agce

Side by side, two checkouts (``git worktree add /tmp/base <commit>``): each (loss, K) is checked
in a fresh process per checkout, the checkouts alternating, ``--repeat`` times, and the least
CPU time of each is kept (the machine's speed moves by 20% within minutes: one run of each
would measure the neighbours). Each child first checks MAE at K = 10, so that imports and
first-call costs are not charged to the loss. Prints the ratio and whether the verdicts agree:

    python benchmarks/bench_checker.py --K 1000 --tree /tmp/base --tree . --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

os.environ["ALFS_CACHE"] = "0"


def run(losses: list[str], ks: list[int], eta: float = 0.5):
    """One row per (loss, K), yielded as each is done."""
    from alfs_theory.checks.checker import check_loss
    from alfs_theory.registry import get_loss

    for name in losses:
        for k in ks:
            t0, c0 = time.perf_counter(), time.process_time()
            rep = check_loss(get_loss(name), n_classes=k, noise=f"symmetric:{eta}")
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            slow = max(rep.results, key=lambda r: r.seconds)
            yield {"loss": name, "K": k, "seconds": dt, "cpu": dc, "slowest": slow.check,
                   "slowest_s": slow.seconds, "internal_errors": len(rep.internal_errors),
                   "verdicts": "".join(r.verdict.value[0] for r in rep.results),
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child_row(tree: Path, name: str, k: int) -> dict:
    """One (loss, K) checked by a fresh interpreter importing alfs_theory from ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1", ALFS_CACHE="0")
    out = subprocess.run([sys.executable, __file__, "--child", "--K", str(k), "--loss", name],
                         cwd=tree, env=env, capture_output=True, text=True, check=False)
    lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{tree}: {name} at K = {k} failed:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def side_by_side(trees: list[Path], losses: list[str], ks: list[int], repeat: int):
    """Per (loss, K): the least CPU seconds of each tree over ``repeat`` alternating runs, and
    each tree's verdict letters (yielded as each row is done)."""
    for name in losses:
        for k in ks:
            best: dict = {}
            verdicts: dict = {}
            for _ in range(repeat):
                for tree in trees:
                    r = child_row(tree, name, k)
                    best[tree] = min(best.get(tree, float("inf")), r["cpu"])
                    verdicts[tree] = r["verdicts"]
            yield name, k, best, verdicts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", default="10,100,1000")
    ap.add_argument("--loss", default=None, help="comma-separated (default: every loss)")
    ap.add_argument("--tree", action="append", type=Path,
                    help="a checkout to import alfs_theory from (give two, side by side)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="with --tree: runs per (loss, K) and checkout; the least is kept")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    ks = [int(x) for x in args.K.split(",")]
    if args.child:  # one row as JSON, after a warm-up check (see the module docstring)
        from alfs_theory.checks.checker import check_loss
        from alfs_theory.registry import get_loss

        check_loss(get_loss("mae"), n_classes=10)
        print(json.dumps(next(run([args.loss], ks))))
        return 0
    from alfs_theory.registry import list_losses

    losses = args.loss.split(",") if args.loss else list_losses()
    if args.tree:
        trees = [t.resolve() for t in args.tree]
        if len(trees) != 2:
            ap.error("--tree: give two checkouts (the base first), or none")
        a, b = trees
        print(f"CPU s, least of {args.repeat} alternating runs in fresh processes\n"
              f"{'loss':<10} {'K':>5} {str(a)[-14:]:>14} {str(b)[-14:]:>14} {'ratio':>6}  "
              "verdicts", flush=True)
        ratios = []
        for name, k, best, verdicts in side_by_side(trees, losses, ks, max(1, args.repeat)):
            ratio = best[a] / max(best[b], 1e-9)
            ratios.append(ratio)
            same = "same" if verdicts[a] == verdicts[b] else f"{verdicts[a]} -> {verdicts[b]}"
            print(f"{name:<10} {k:>5} {best[a]:>14.2f} {best[b]:>14.2f} {ratio:>5.2f}x  {same}",
                  flush=True)
        geo = float(np.exp(np.mean(np.log(ratios)))) if ratios else float("nan")
        print(f"\ngeometric mean ratio {geo:.2f}x ({a.name} / {b.name})")
        return 0
    print(f"{'loss':<10} {'K':>5} {'CPU s':>7} {'wall s':>7} {'peak MB':>8}  "
          f"{'slowest check':<14} {'s':>6}  verdicts", flush=True)
    worst = 0.0
    for r in run(losses, ks):
        worst = max(worst, r["cpu"])
        flag = "  INTERNAL ERRORS: %d" % r["internal_errors"] if r["internal_errors"] else ""
        print(f"{r['loss']:<10} {r['K']:>5} {r['cpu']:>7.2f} {r['seconds']:>7.2f} "
              f"{r['peak_mb']:>8.0f}  {r['slowest']:<14} {r['slowest_s']:>6.2f}  "
              f"{r['verdicts']}{flag}", flush=True)
    print(f"\nslowest loss x K: {worst:.2f} s CPU (peak memory is the process's, cumulative)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
