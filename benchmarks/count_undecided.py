"""How many verdicts of the differential battery stay UNDECIDED (issue #24: "report how many
UNDECIDED rows the differential run had before and after").

Runs the cases of tests/test_differential.py (the random elementary and special losses of
tests/brute.py, K = 2 for even seeds and 3 for odd ones, the same checks, weights, noise and
10 s budget) through check_loss and prints, per check, how many answers were UNDECIDED. Run it
at two commits to compare (it reads the checkout it runs in):

    python benchmarks/count_undecided.py              # all 120 + 24 cases, a few minutes
    python benchmarks/count_undecided.py --cases 40
    python benchmarks/count_undecided.py --family wiggle --cases 400   # 40 smooth wiggles
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

os.environ["ALFS_CACHE"] = "0"  # a count must compute, not read
CHECKS = ["decreasing", "ratio", "calibrated", "threshold", "asymmetric-on", "noise"]


def count(n_cases: int = 120, family: str = "grammar") -> dict:
    """``family``: "grammar" (the elementary cases and a fifth as many special ones, the
    differential test's battery) or "wiggle" (a tenth as many smooth losses neither convex nor
    concave, tests/brute.py's random_wiggle_loss)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from brute import random_loss, random_special_loss

    from alfs_theory.checks.checker import check_loss
    from alfs_theory.errors import DomainError
    from alfs_theory.userloss import loss_from_expression

    per_check: collections.Counter = collections.Counter()
    cases = with_undecided = 0
    if family == "wiggle":
        from brute import random_wiggle_loss

        gens = ((random_wiggle_loss, max(8, n_cases // 10)),)
    else:
        gens = ((random_loss, n_cases), (random_special_loss, max(8, n_cases // 5)))
    for gen, n in gens:
        for seed in range(n):
            _, expr = gen(seed)
            k = 2 if seed % 2 == 0 else 3
            w = [0.52, 0.48] if k == 2 else [0.4, 0.35, 0.25]
            try:
                rep = check_loss(loss_from_expression(expr).bind(), n_classes=k, checks=CHECKS,
                                 weights=w, timeout=10, noise="pairflip:0.3")
            except DomainError:  # refused by the spec gate: no verdict to count
                continue
            cases += 1
            und = [r.check for r in rep.results if r.verdict.value == "UNDECIDED"]
            with_undecided += bool(und)
            per_check.update(und)
    return {"cases": cases, "cases_with_undecided": with_undecided,
            "undecided": sum(per_check.values()), "per_check": dict(per_check)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=120, help="elementary cases (special: 1/5)")
    ap.add_argument("--family", choices=("grammar", "wiggle"), default="grammar",
                    help="the battery: the grammar's elementary and special losses, or the "
                         "smooth wiggles (a tenth of --cases)")
    args = ap.parse_args(argv)
    r = count(args.cases, args.family)
    print(f"cases {r['cases']}, with an UNDECIDED {r['cases_with_undecided']}, UNDECIDED "
          f"verdicts {r['undecided']} of {r['cases'] * len(CHECKS)}")
    for check in CHECKS:
        print(f"  {check:<14} {r['per_check'].get(check, 0)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
