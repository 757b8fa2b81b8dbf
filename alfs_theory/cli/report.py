"""``alfs report``: the main job."""

from __future__ import annotations

import argparse

from ..report import DIAGNOSE_FOLLOWUPS, REPORT_DATA, SWEEP_SEEDS, run_report
from .common import seed_list


def cmd_report(args: argparse.Namespace) -> int:
    from ..argtypes import ensure_writable_dir

    ensure_writable_dir(args.out, "report folder")
    if args.claims:
        from ..errors import InputError
        from ..ledger.claims import LEDGER

        known = [c.id for c in LEDGER]
        bad = [x for x in args.claims.split(",") if x not in known]
        if bad:
            raise InputError(f"--claims: unknown ledger id(s) {', '.join(bad)}; known: "
                             f"{', '.join(known)}")
    s = run_report(args.out, epochs=args.epochs, workers=args.workers,
                   skip_sweep=args.skip_sweep, skip_figures=args.skip_figures,
                   dataset=args.dataset, seeds=args.seeds, followups=args.followups,
                   claims=args.claims.split(",") if args.claims else None)
    return 0 if s.get("ledger_ok") else 1


def register(sub) -> None:
    sp = sub.add_parser("report", help="the main job: checks, ledger, confirmation sweep, "
                        "figures -> one HTML report")
    from ..argtypes import comma_items, cpu_int, folder_arg, int_at_least

    sp.add_argument("--out", type=folder_arg, default="report",
                    help="report folder (default report)")
    sp.add_argument("--dataset", choices=("auto", *REPORT_DATA), default="auto",
                    help="training data: auto (Fashion-MNIST when the Debian package "
                    "dataset-fashion-mnist is installed, else the embedded digits)")
    sp.add_argument("--epochs", type=int_at_least(1), default=None,
                    help="epochs of each confirmation run (default: 8 on Fashion-MNIST, "
                    "30 on digits)")
    sp.add_argument("--seeds", type=seed_list, default=SWEEP_SEEDS,
                    help="comma-separated seeds (default 0,1,2)")
    sp.add_argument("--followups", type=int_at_least(0), default=DIAGNOSE_FOLLOWUPS,
                    help="contradictions that get follow-up runs (longer, more data; "
                    f"default {DIAGNOSE_FOLLOWUPS}; 0: none)")
    sp.add_argument("--workers", type=cpu_int, default=None,
                    help="local processes for the sweep (default: up to 4)")
    sp.add_argument("--claims", type=comma_items("comma-separated ledger ids, e.g. "
                                                 "T4-iff,C-AGCE"), default=None,
                    help="run only these claims of the ledger (default: every claim; an "
                         "unknown id is refused before any work, with the known ones)")
    sp.add_argument("--skip-sweep", action="store_true")
    sp.add_argument("--skip-figures", action="store_true")
    sp.set_defaults(func=cmd_report)
