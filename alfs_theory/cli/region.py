"""``alfs region``: where in its parameters a loss is asymmetric / tolerant."""

from __future__ import annotations

import argparse
import json

from ..argtypes import (
    classes_int,
    ensure_writable_dir,
    int_at_least,
    noise_model,
    parse_params,
    plot_file,
    spec_from_args,
    timeout_seconds,
)
from ..schemas import schema_help
from .common import EXIT_OK, add_loss_args


def cmd_region(args: argparse.Namespace) -> int:
    from ..checks.conditions import parameter_region, parse_vary
    from ..errors import InputError

    vary = parse_vary(args.vary)
    fixed = parse_params(args.param)
    clash = sorted(set(vary) & set(fixed))
    if clash:
        raise InputError(f"parameter {clash[0]!r} is both varied and fixed (--vary and --param)")
    if getattr(args, "expr", None) is not None:
        # the varied parameters get a default inside their range so the formula binds
        args.param = [*(args.param or []), *(f"{k}={(lo + hi) / 2!r}" for k, (lo, hi)
                                              in vary.items())]
    spec = spec_from_args(args)
    if args.noise:
        from ..noise import noise_rows

        noise_rows(args.noise, args.classes)  # a bad noise model is refused before the grid
    if args.plot:
        ensure_writable_dir(__import__("os").path.dirname(args.plot) or ".", "plot folder",
                            "--plot")
    reg = parameter_region(spec, vary, n_classes=args.classes, noise=args.noise, n=args.grid,
                           fixed=fixed, timeout=args.timeout, progress=args.format == "text")
    print(json.dumps(reg.to_dict(), indent=2) if args.format == "json" else reg.to_text())
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ..fileio import atomic_write
        from ..plotting import plot_region

        fig, ax = plt.subplots(figsize=(6.5, 4.2 if reg.y_param else 1.8))
        pred = None
        if reg.closed is not None and reg.closed.condition is not None and \
                not reg.closed.disagree:
            axes = [reg.x_param] + ([reg.y_param] if reg.y_param else [])
            pred = reg.closed.predicate([spec.param(n).symbol for n in axes])
        plot_region(ax, reg.to_dict(), predicate=pred)
        fig.tight_layout()
        import io

        buf = io.BytesIO()
        fmt = args.plot.rsplit(".", 1)[-1].lower() if "." in args.plot else "png"
        fig.savefig(buf, format=fmt)
        plt.close(fig)
        atomic_write(args.plot, buf.getvalue())
        print(f"phase diagram: {args.plot}")
    return EXIT_OK


def register(sub) -> None:
    sp = sub.add_parser("region", help="where in its parameter space a loss is asymmetric / "
                        "noise tolerant: the checker's verdict on a grid",
                        description="Lay a grid over one or two parameters and give the "
                        "checker's verdict (PROVED / REFUTED / UNDECIDED, with evidence) in "
                        "every cell, for the asymmetry question or --noise.")
    add_loss_args(sp)
    sp.add_argument("--vary", action="append", required=True, metavar="NAME=LOW:HIGH",
                    help="a parameter and its range, once or twice (log spacing when the "
                         "range is positive and spans more than 20x)")
    sp.add_argument("--noise", type=noise_model,
                    help="symmetric:ETA, pairflip:ETA or a K x K matrix file "
                    "(default: the asymmetry question)")
    sp.add_argument("--classes", "-K", type=classes_int, default=10)
    sp.add_argument("--grid", type=int_at_least(2, 40), default=8,
                    help="cells per axis (default 8)")
    sp.add_argument("--timeout", type=timeout_seconds, default=20.0,
                    help="seconds per cell and check (default 20)")
    sp.add_argument("--plot", type=plot_file, metavar="FILE",
                    help="also draw the phase diagram (png, pdf, svg)")
    sp.add_argument("--format", choices=["text", "json"], default="text",
                    help=schema_help("region"))
    sp.set_defaults(func=cmd_region)
