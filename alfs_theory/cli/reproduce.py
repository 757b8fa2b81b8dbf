"""``alfs reproduce``: the paper's loss set on real data."""

from __future__ import annotations

import argparse
import shlex

from ..reproduce import (
    PAPER_LOSSES,
    PAPER_NOISE,
    PAPER_SEEDS,
    SETTINGS,
    reproduction_spec,
    run_reproduction,
)
from .common import seed_list


def _canonical_command(args: argparse.Namespace) -> str:
    parts = ["alfs", "reproduce", "--out", args.out]
    for opt in ("dataset", "data_root", "setting", "train_subset", "test_subset", "epochs", "seeds",
                "losses", "noise", "sampling", "device", "workers", "threads"):
        v = getattr(args, opt)
        if isinstance(v, tuple):
            v = ",".join(str(x) for x in v)
        if v is not None and v != _DEFAULTS.get(opt):
            parts += [f"--{opt.replace('_', '-')}", str(v)]
    return " ".join(shlex.quote(p) for p in parts)


_DEFAULTS = {"dataset": "fashion-mnist", "setting": "cpu", "sampling": "published",
             "device": "auto"}


def cmd_reproduce(args: argparse.Namespace) -> int:
    from ..argtypes import ensure_writable_dir

    ensure_writable_dir(args.out, "reproduction folder")
    seeds = PAPER_SEEDS if args.seeds is None else args.seeds
    losses = PAPER_LOSSES if args.losses is None else tuple(
        x.strip().lower() for x in args.losses.split(",") if x.strip())
    noise = PAPER_NOISE if args.noise is None else tuple(
        x.strip() for x in args.noise.split(",") if x.strip())
    spec = reproduction_spec(dataset=args.dataset, setting=args.setting,
                             train_subset=args.train_subset, test_subset=args.test_subset,
                             epochs=args.epochs, seeds=seeds, losses=losses, noise=noise,
                             sampling=args.sampling, device=args.device,
                             data_root=args.data_root)
    res = run_reproduction(args.out, spec, setting=args.setting,
                           command=_canonical_command(args), workers=args.workers,
                           threads=args.threads, progress=not args.quiet,
                           train=not args.report_only)
    print(f"reproduction: {res['meta']['n_runs']}/{res['meta']['n_cells']} runs finished; "
          f"{res['paths']['md']}")
    for f in res["failed"]:
        print(f"  FAILED {f['run_dir']}: {f['error']}")
    return 1 if res["failed"] else 0


def register(sub) -> None:
    from ..argtypes import comma_items, cpu_int, folder_arg, int_at_least

    sp = sub.add_parser("reproduce", help="the paper's loss set on real data: accuracy "
                        "tables (last and best epoch) and a figure, with command, machine "
                        "and wall time")
    sp.add_argument("--out", type=folder_arg, required=True, metavar="DIR",
                    help="folder for the runs and reproduction.md/.csv/.json/.png (resumable)")
    sp.add_argument("--dataset", default="fashion-mnist",
                    help="data set (default fashion-mnist, read from the Debian package "
                    "dataset-fashion-mnist or --data-root)")
    sp.add_argument("--data-root", type=folder_arg, default=None, metavar="DIR",
                    help="folder holding the data set's files")
    sp.add_argument("--setting", choices=tuple(SETTINGS), default="cpu",
                    help="cpu: 4,000 training / 2,000 test images, 8 epochs (about an hour on "
                    "2 cores); full: the paper's grid (all data, the preset's epochs; a GPU)")
    sp.add_argument("--train-subset", type=int_at_least(10), default=None, metavar="N")
    sp.add_argument("--test-subset", type=int_at_least(10), default=None, metavar="N")
    sp.add_argument("--epochs", type=int_at_least(1), default=None)
    sp.add_argument("--seeds", type=seed_list, default=None,
                    help="comma-separated seeds (default 0,1,2)")
    sp.add_argument("--losses", type=comma_items("comma-separated losses, e.g. ce,agce"),
                    default=None,
                    help=f"comma-separated losses (default the paper's: {','.join(PAPER_LOSSES)})")
    sp.add_argument("--noise", type=comma_items("comma-separated noise strings, e.g. "
                                                  "symmetric:0.4,asym:0.2"), default=None,
                    help=f"comma-separated noise strings (default {','.join(PAPER_NOISE)})")
    sp.add_argument("--sampling", default="published",
                    help="noise sampling (default published: the official code's noise)")
    sp.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    sp.add_argument("--workers", type=cpu_int, default=None,
                    help="local processes (default: 1 with CUDA, else up to 4)")
    sp.add_argument("--threads", type=cpu_int, default=None,
                    help="torch CPU threads per run (default 1)")
    sp.add_argument("--report-only", action="store_true",
                    help="write the report of the runs finished so far; train nothing")
    sp.add_argument("--quiet", action="store_true")
    sp.set_defaults(func=cmd_reproduce)
