"""``alfs figures``: every figure of the paper and the one-loss figures
(:mod:`alfs_theory.figures`)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import InputError


def cmd_figures(args: argparse.Namespace) -> int:
    from ..argtypes import ensure_writable_dir, spec_from_args
    from ..figures.build import build, build_loss_card

    if args.loss is not None or args.expr is not None:
        if args.only:
            raise InputError("--only selects among the figures of the paper; with --loss or "
                             "--expr the one-loss figure is drawn (drop --only)")
        args.name = args.loss
        spec = spec_from_args(args)  # parses, binds and checks domains before any work
        ensure_writable_dir(args.out, "figures folder")
        files = build_loss_card(spec, args.out, args.format, quick=args.quick, K=args.classes)
        print(f"one-loss figure of {spec.name} ({spec.describe_values()}): {', '.join(files)}")
        return 0
    if args.runs is not None and not os.path.isdir(args.runs):
        raise InputError(f"--runs {args.runs}: no such folder; give the folder of run records "
                         "or a sweep (e.g. runs/sweep, made by alfs sweep --out runs/sweep)")
    if args.runs is not None and next(Path(args.runs).rglob("record.json"), None) is None:
        raise InputError(f"--runs {args.runs}: the folder holds no run record (record.json); "
                         "give the folder of a sweep (alfs sweep --out DIR) or of alfs train "
                         "runs, or leave --runs out to draw the figures that need no runs")
    ensure_writable_dir(args.out, "figures folder")
    manifest = build(only=args.only, out_dir=args.out, formats=args.format, runs=args.runs,
                     quick=args.quick)
    built = [n for n, m in manifest.items() if m["status"] == "built"]
    skipped = [n for n, m in manifest.items() if m["status"] == "skipped"]
    print(f"{len(built)} figure(s) built in {args.out}"
          + (f"; {len(skipped)} skipped: {', '.join(skipped)}" if skipped else ""))
    for n in skipped:
        print(f"  {n}: {manifest[n]['reason']}")
    return 0


def register(sub) -> None:
    """Add ``alfs figures`` to the ``alfs`` sub-command parsers ``sub``."""
    from ..argtypes import classes_int, comma_items, folder_arg
    from ..figures import FIGURES
    from ..figures.build import DEFAULT_OUT
    from .common import add_label_arg

    sp = sub.add_parser("figures", help="draw the figures (theory, population, training)",
                        description="Draw the figures into --out. Figures from training runs "
                        "are skipped, with the command that makes the runs, when none exist.")
    sp.add_argument("--only", metavar="NAME[,NAME]",
                    type=comma_items("comma-separated figure names, e.g. ratio,phase"),
                    help=f"comma-separated subset of: {', '.join(FIGURES)} "
                         "(the fig_ prefix is optional)")
    sp.add_argument("--out", type=folder_arg, default=DEFAULT_OUT, metavar="DIR",
                    help=f"output folder (default {DEFAULT_OUT})")
    sp.add_argument("--format", default="png", metavar="FMT[,FMT]",
                    help="comma-separated formats: png, pdf, svg (default png)")
    sp.add_argument("--runs", type=folder_arg, metavar="DIR",
                    help="folder of run records or a sweep (default runs)")
    sp.add_argument("--quick", action="store_true", help="coarser grids, for a fast preview")
    sp.add_argument("--loss", metavar="NAME", help="draw the one-loss figure of this registered "
                    "loss (curve, ratio, thresholds against K, population minimiser)")
    sp.add_argument("--expr", help="or of a loss typed as a formula in u")
    sp.add_argument("--param", action="append", metavar="NAME=VALUE")
    sp.add_argument("--domain", action="append", metavar="NAME:CONDITION")
    add_label_arg(sp)
    sp.add_argument("--classes", "-K", type=classes_int, default=10,
                    help="K of the one-loss figure's curve and population panel (default 10)")
    sp.set_defaults(func=cmd_figures)
