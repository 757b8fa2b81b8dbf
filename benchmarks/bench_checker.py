"""CPU and wall time of every check of every registered loss at large K (issue #26: K = 1000
under 2 s of CPU), with the peak memory of the process.

Prints one row per (loss, K) as it is done: the CPU and wall seconds ``check_loss`` took with
symmetric noise, its slowest check, and the verdicts. The falsifier in front of every PROVED is
included; the verdict cache is off (a timing must compute, not read).

    python benchmarks/bench_checker.py                 # K = 10, 100, 1000, every loss
    python benchmarks/bench_checker.py --K 1000 --loss nce,agce
"""

from __future__ import annotations

import argparse
import os
import resource
import time

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


def main(argv=None) -> int:
    from alfs_theory.registry import list_losses

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", default="10,100,1000")
    ap.add_argument("--loss", default=None, help="comma-separated (default: every loss)")
    args = ap.parse_args(argv)
    losses = args.loss.split(",") if args.loss else list_losses()
    ks = [int(x) for x in args.K.split(",")]
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
