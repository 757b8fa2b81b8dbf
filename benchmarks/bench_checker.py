"""Wall time of every check of every registered loss at large K (issue: under 10 s at K <= 1000).

Prints one row per (loss, K): the seconds ``check_loss`` took with symmetric noise, its
slowest check, and the verdicts. The falsifier in front of every PROVED is included.

    python benchmarks/bench_checker.py                 # K = 10, 100, 1000, every loss
    python benchmarks/bench_checker.py --K 1000 --loss nce,agce
"""

from __future__ import annotations

import argparse
import time


def run(losses: list[str], ks: list[int], eta: float = 0.5) -> list[dict]:
    from alfs_theory.checks.checker import check_loss
    from alfs_theory.registry import get_loss

    rows = []
    for name in losses:
        for k in ks:
            t0 = time.perf_counter()
            rep = check_loss(get_loss(name), n_classes=k, noise=f"symmetric:{eta}")
            dt = time.perf_counter() - t0
            slow = max(rep.results, key=lambda r: r.seconds)
            rows.append({"loss": name, "K": k, "seconds": dt, "slowest": slow.check,
                         "slowest_s": slow.seconds, "internal_errors": len(rep.internal_errors),
                         "verdicts": "".join(r.verdict.value[0] for r in rep.results)})
    return rows


def main(argv=None) -> int:
    from alfs_theory.registry import list_losses

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", default="10,100,1000")
    ap.add_argument("--loss", default=None, help="comma-separated (default: every loss)")
    args = ap.parse_args(argv)
    losses = args.loss.split(",") if args.loss else list_losses()
    ks = [int(x) for x in args.K.split(",")]
    print(f"{'loss':<10} {'K':>5} {'seconds':>8}  {'slowest check':<34} {'s':>6}  verdicts")
    worst = 0.0
    for r in run(losses, ks):
        worst = max(worst, r["seconds"])
        flag = "  INTERNAL ERRORS: %d" % r["internal_errors"] if r["internal_errors"] else ""
        print(f"{r['loss']:<10} {r['K']:>5} {r['seconds']:>8.2f}  {r['slowest']:<34} "
              f"{r['slowest_s']:>6.2f}  {r['verdicts']}{flag}", flush=True)
    print(f"\nslowest loss x K: {worst:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
