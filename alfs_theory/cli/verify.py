"""``alfs verify``: the proofs_check ledger of the paper's claims."""

from __future__ import annotations

import argparse

from ..argtypes import comma_items, ensure_writable_dir, folder_arg
from .common import EXIT_OK, EXIT_REFUTED


def cmd_verify(args: argparse.Namespace) -> int:
    from ..ledger.run import DEFAULT_OUT, print_table, run_ledger, to_latex

    out = args.out or DEFAULT_OUT
    ensure_writable_dir(out, "ledger output folder")
    from ..ledger.run import DEFAULT_STUDY

    report = run_ledger(only=args.only.split(",") if args.only else None, out_dir=out,
                        study_dir=args.study or DEFAULT_STUDY)
    if args.format == "latex":
        print(to_latex(report), end="")
        return EXIT_OK if report["ok"] else EXIT_REFUTED
    print_table(report)
    md, js = report["files"]
    print(f"\nwrote {out}/{md} and {js}; "
          f"{sum(r['ok'] for r in report['claims'])}/{report['n']} as expected")
    return EXIT_OK if report["ok"] else EXIT_REFUTED


def register(sub) -> None:
    sp = sub.add_parser("verify", help="run the proofs_check ledger of the paper's claims")
    sp.add_argument("--only", type=comma_items("comma-separated ledger ids, e.g. T4-iff,C-AGCE"),
                    help="comma-separated ledger ids")
    sp.add_argument("--out", type=folder_arg,
                    help="output folder (default alfs-verify in the current folder); a run "
                         "with --only writes report-partial.md/.json, never replacing the full "
                         "report.md/.json")
    sp.add_argument("--study", type=folder_arg, default=None, metavar="DIR",
                    help="folder of the recorded runs of alfs study ratio that the empirical "
                         "rows read (default alfs-study-ratio in the current folder; without "
                         "runs they say NO RECORDS); the ledger never trains")
    sp.add_argument("--format", choices=["text", "latex"], default="text",
                    help="text: the table and where the report went; latex: a booktabs table "
                    "of the claims for a paper (the report is written all the same)")
    sp.set_defaults(func=cmd_verify)
