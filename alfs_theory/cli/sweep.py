"""``alfs sweep``: a resumable grid of training runs."""

from __future__ import annotations

import argparse

from ..errors import InputError


def _floats(text: str, what: str) -> list[float]:
    try:
        return [float(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise InputError(f"{what} expects comma-separated numbers, got {text!r}") from None


def _ints(text: str, what: str) -> list[int]:
    from ..argtypes import SEED_MAX

    try:
        out = [int(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise InputError(f"{what} expects comma-separated integers, got {text!r}") from None
    bad = [v for v in out if not 0 <= v <= SEED_MAX]
    if bad:
        raise InputError(f"{what}: {bad[0]} is outside [0, 2**64 - 1] (torch seeds are unsigned "
                         "64-bit)")
    return out


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..argtypes import ensure_writable_dir
    from ..experiments.sweep import SweepSpec, parse_loss_list, run_sweep
    from .train import config_from_args

    ensure_writable_dir(args.out, "sweep folder")

    base = config_from_args(args)
    exprs: dict[str, str] = {}
    for item in args.expr or ():
        name, sep, formula = item.partition("=")
        if not sep or not name.strip() or not formula.strip():
            raise InputError(f"--expr expects NAME=FORMULA (e.g. --expr 'mine=1 - u - "
                             f"0.05*sin(2*pi*u)'), got {item!r}")
        key = name.strip().lower()
        if key in exprs:
            raise InputError(f"--expr {key} is given twice ({exprs[key]!r} and "
                             f"{formula.strip()!r}): give each typed loss its own name")
        exprs[key] = formula.strip()
    names = [n for n in str(args.losses or "").split(",") if n.strip()]
    names += [n for n in exprs if n not in [m.strip().lower() for m in names]]
    spec = SweepSpec(losses=parse_loss_list(",".join(names), args.loss_param), exprs=exprs,
                     noise=[x.strip() for x in args.noise.split(",") if x.strip()],
                     rates=_floats(args.rates, "--rates"), seeds=_ints(args.seeds, "--seeds"),
                     dataset=args.dataset, epochs=args.epochs, base=base)
    summary = run_sweep(spec, args.out, workers=args.workers, threads=args.threads,
                        ray_address=args.ray, progress=not args.quiet)
    print(f"{summary['total']} runs: {summary['done_before']} finished before, "
          f"{summary['ran']} run now ({summary['resumed']} resumed, {summary['new']} new), "
          f"{len(summary['failed'])} failed")
    for f in summary["failed"]:
        print(f"  FAILED {f['run_dir']}: {f['error']}")
    for name, p in summary["reports"].items():
        print(f"  {name}: {p}")
    return 1 if summary["failed"] else 0


def register(sub) -> None:
    """Add ``alfs sweep`` to the ``alfs`` sub-command parsers ``sub``."""
    from ..argtypes import comma_items, cpu_int, folder_arg, nonempty
    from .train import add_run_arguments

    sp = sub.add_parser("sweep", help="grid of training runs: losses x noise x rates x seeds",
                        description="Run a resumable grid of training runs and write "
                        "results.csv/.md and theory_vs_experiment.csv/.md to --out.")
    sp.add_argument("--losses", default="", help="comma-separated losses, e.g. ce,agce")
    sp.add_argument("--expr", action="append", metavar="NAME=FORMULA",
                    help="a loss typed as a formula in u, repeatable (e.g. --expr "
                         "'mine=1 - u - 0.05*sin(2*pi*u)'); its parameters with "
                         "--loss-param NAME:P=VALUE")
    sp.add_argument("--loss-param", action="append", metavar="LOSS:NAME=VALUE",
                    help="a loss parameter, repeatable (e.g. --loss-param agce:a=1)")
    sp.add_argument("--noise", default="symmetric",
                    type=comma_items("comma-separated noise kinds, e.g. symmetric,pairflip"),
                    help="comma-separated kinds: symmetric, pairflip, asym, clean (or a "
                         "noise string / matrix file, which ignores --rates)")
    sp.add_argument("--rates", default="0.0", help="comma-separated noise rates in [0, 1]")
    sp.add_argument("--seeds", default="0", help="comma-separated seeds")
    sp.add_argument("--out", type=folder_arg, required=True, metavar="DIR",
                    help="sweep folder (resumable)")
    add_run_arguments(sp)
    sp.add_argument("--workers", type=cpu_int, help="local processes (default: 1 "
                    "with CUDA, else up to 4)")
    sp.add_argument("--threads", type=cpu_int, help="torch CPU threads per run (default 1: "
                    "the workers run in parallel)")
    sp.add_argument("--ray", type=nonempty("auto, local or HOST:PORT"), metavar="ADDRESS",
                    help="run on a Ray cluster (auto, local or an address); needs "
                         "pip install ray")
    sp.add_argument("--quiet", action="store_true")
    sp.set_defaults(func=cmd_sweep)
