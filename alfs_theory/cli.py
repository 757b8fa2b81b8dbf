"""The ``alfs`` command line.

Exit codes: 0 when everything is as asked, 1 when a verdict is refuted or a run fails,
2 on bad usage (unknown loss, parameter out of domain, unparsable expression, a loss not
defined on the simplex, ...), 3 when the checker reports an internal error (a prover
contradicted by the falsifier: the verdict there is UNDECIDED, never PROVED).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .argtypes import (  # noqa: F401 - re-exported: they were defined here first
    SEED_MAX,
    ensure_writable_dir,
    int_at_least,
    parse_domains,
    parse_params,
    positive_float,
    seed_int,
    spec_from_args,
)
from .errors import AlfsError

EXIT_OK, EXIT_REFUTED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, keep that
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"alfs: error: {message}\n")


# ---------------------------------------------------------------------------- list / show
def cmd_list(args: argparse.Namespace) -> int:
    from .registry import get_loss, list_losses

    rows = []
    for name in list_losses():
        s = get_loss(name)
        params = ", ".join(
            f"{p.name}={p.default:g}" if p.default is not None else p.name for p in s.params
        )
        ref = s.references[0] if s.references else ""
        rows.append((name, s.kind, params or "-", ref))
    if args.format == "json":
        print(json.dumps([dict(zip(("name", "kind", "params", "reference"), r)) for r in rows],
                         indent=2))
        return EXIT_OK
    w = [max(len(r[i]) for r in rows + [("name", "kind", "parameters", "")]) for i in range(3)]
    print(f"{'name':<{w[0]}}  {'kind':<{w[1]}}  {'parameters':<{w[2]}}  reference")
    for r in rows:
        ref = r[3] if len(r[3]) <= 70 else r[3][:67] + "..."
        print(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {ref}")
    print(f"\n{len(rows)} losses. `alfs show NAME` for the formula and parameter domains.")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from .registry import aliases_of, get_loss

    s = get_loss(args.name)
    if args.param:
        s = s.bind(**parse_params(args.param))
    info = {
        "name": s.name,
        "title": s.title,
        "kind": s.kind,
        "formula": s.formula_text(),
        "latex": s.formula_latex(),
        "parameters": [
            {"name": p.name, "domain": p.domain_text, "default": p.default,
             "description": p.description}
            for p in s.params
        ],
        "bound": dict(s.values),
        "components": [f"{w} * {c}" for w, c in s.components],
        "aliases": aliases_of(s.name),
        "references": list(s.references),
        "notes": s.notes,
    }
    if args.format == "json":
        print(json.dumps(info, indent=2))
        return EXIT_OK
    print(f"{s.name}: {s.title}  ({s.kind})")
    print(f"  formula: {info['formula']}")
    print(f"  LaTeX:   {info['latex']}")
    if s.params:
        print("  parameters:")
        for p in s.params:
            d = "" if p.default is None else f", default {p.default:g}"
            print(f"    {p.name}: {p.domain_text}{d}  {p.description}")
    if s.values:
        print(f"  bound: {s.describe_values()}")
    if s.components:
        print(f"  sum of: {', '.join(info['components'])}")
    if info["aliases"]:
        print(f"  aliases: {', '.join(info['aliases'])}")
    for r in s.references:
        print(f"  ref: {r}")
    if s.notes:
        print(f"  note: {s.notes}")
    return EXIT_OK


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="alfs", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    sp = sub.add_parser("list", help="list registered losses")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.set_defaults(func=cmd_list)

    sp = sub.add_parser("show", help="formula, parameters and references of one loss")
    sp.add_argument("name")
    sp.add_argument("--param", action="append", metavar="NAME=VALUE")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.set_defaults(func=cmd_show)

    for register_commands in _EXTENSIONS:
        register_commands(sub)
    return p


_EXTENSIONS: list = []


# ---------------------------------------------------------------------------- check / ratio
def _cmd_check_torch(args: argparse.Namespace, weights) -> int:
    from .blackbox import blackbox_check
    from .errors import InputError
    from .nn.crossval import load_callable

    if args.name or args.expr is not None:
        raise InputError("--torch checks a loss given only as code (numeric verdicts); to "
                         "compare code with a formula use: alfs crossval NAME|--expr ... "
                         f"--torch {args.torch}")
    fn = load_callable(args.torch, parse_params(args.param))
    rep = blackbox_check(fn, n_classes=args.classes, noise=args.noise, weights=weights,
                         name=args.torch)
    out = {"text": rep.to_text, "md": rep.to_markdown, "json": rep.to_json}[args.format]()
    print(out)
    print("black box: no formula, so no verdict can be PROVED; REFUTED points were evaluated "
          "twice; UNDECIDED gives the numeric estimate.", file=sys.stderr)
    asked = [r for r in rep.results if r.check.startswith(("noise(", "asymmetric-on-weights"))]
    refuted = [r for r in asked if r.verdict.value == "REFUTED"]
    return EXIT_REFUTED if (refuted and args.fail_on_refuted) else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .checker import check_loss

    weights = None
    if args.weights:
        try:
            weights = [float(x) for x in args.weights.split(",")]
        except ValueError:
            from .errors import InputError

            raise InputError(f"--weights expects comma-separated numbers (e.g. --weights "
                             f"0.5,0.3,0.2), got {args.weights!r}") from None
    if args.torch:
        return _cmd_check_torch(args, weights)
    spec = spec_from_args(args)
    rep = check_loss(spec, n_classes=args.classes, noise=args.noise, weights=weights,
                     checks=[c.strip() for c in args.only.split(",")] if args.only else None,
                     timeout=args.timeout)
    out = {"text": rep.to_text, "md": rep.to_markdown, "json": rep.to_json}[args.format]()
    print(out)
    # what was asked: --noise / --weights when given, else the asymmetry question itself
    asked = [r for r in rep.results if r.check.startswith(("noise(", "weights"))] or [
        r for r in rep.results if r.check.startswith("asymmetric")]
    refuted = [r for r in asked if r.verdict.value == "REFUTED"]
    if rep.internal_errors:
        print(f"alfs check: {len(rep.internal_errors)} internal error(s): a prover was "
              "contradicted; the verdict is UNDECIDED there. Please report it with the command "
              "above.", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_REFUTED if (refuted and args.fail_on_refuted) else EXIT_OK


def cmd_ratio(args: argparse.Namespace) -> int:
    from .properties.ratio import asymmetry_ratio

    from .errors import InputError
    from .symbols import K

    spec = spec_from_args(args)
    if not spec.is_pointwise:
        raise InputError(f"loss {spec.name!r} is a vector loss (it sums over the classes): the "
                         "asymmetry ratio r(l) is defined for pointwise losses l(u_y); use "
                         f"`alfs check {args.name or '--expr ...'}` for its other properties")
    if spec.subs_values(spec.expr).has(K):
        if args.classes is None:
            raise InputError(f"loss {spec.name!r} depends on the number of classes K: give it "
                             "with -K (e.g. -K 10)")
        spec = spec.at_classes(args.classes)
    r = asymmetry_ratio(spec, tol=args.tol)
    if args.format == "json":
        print(json.dumps(r.to_dict(), indent=2))
    else:
        print(f"{spec.name} ({spec.describe_values()}): {r.verdict.value}  {r.summary}")
        print(f"  evidence: {r.evidence}")
    return EXIT_OK


def _add_loss_args(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("name", nargs="?", help="registered loss (alfs list)")
    sp.add_argument("--expr", help="a pointwise loss l(u) typed as an expression in u "
                    "(safe grammar: numbers, u, parameters, + - * / ** ^, exp, log, sqrt, abs, "
                    "min, max, piecewise, sin, cos, tan, tanh, sinh, cosh, atan, asinh, erf, "
                    "erfc, log1p, expm1, sigmoid, softplus, sign; class sums sum(g(v)))")
    sp.add_argument("--param", action="append", metavar="NAME=VALUE")
    sp.add_argument("--domain", action="append", metavar="NAME:CONDITION",
                    help="domain of a parameter of --expr, e.g. 'a:a > 0' (default: real)")


def _register_check(sub) -> None:
    sp = sub.add_parser("check", help="decide the properties of a loss, with evidence")
    _add_loss_args(sp)
    sp.add_argument("--classes", "-K", type=int_at_least(2), default=10)
    sp.add_argument("--noise", help="symmetric:ETA, pairflip:ETA, clean, or a K x K matrix file")
    sp.add_argument("--weights", help="comma-separated weights w_1..w_K to test asymmetry on")
    sp.add_argument("--only", help="comma-separated subset of checks: decreasing, shape, ratio, "
                    "symmetric, asymmetric, region, threshold, calibrated, excess-risk, noise, "
                    "weights")
    sp.add_argument("--torch", metavar="MODULE:NAME",
                    help="check a torch loss that has no formula (numeric verdicts only: "
                         "REFUTED re-verified or UNDECIDED with an estimate, never PROVED)")
    sp.add_argument("--timeout", type=positive_float, default=60.0,
                    help="seconds each check (and its falsifier) may take; past it the check "
                         "answers UNDECIDED, 'timed out' (default 60)")
    sp.add_argument("--format", choices=["text", "md", "json"], default="text")
    sp.add_argument("--no-fail-on-refuted", dest="fail_on_refuted", action="store_false",
                    help="exit 0 even when a verdict is REFUTED")
    sp.set_defaults(func=cmd_check)

    sp = sub.add_parser("ratio", help="the asymmetry ratio r(l) of a pointwise loss")
    _add_loss_args(sp)
    sp.add_argument("--tol", type=positive_float, default=1e-6,
                    help="width of the certified bounds on r (a number > 0; default 1e-6)")
    sp.add_argument("--classes", "-K", type=int_at_least(2), default=None,
                    help="number of classes, for a loss whose formula uses K")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.set_defaults(func=cmd_ratio)


_EXTENSIONS.append(_register_check)


# ---------------------------------------------------------------------------- region
def cmd_region(args: argparse.Namespace) -> int:
    from .conditions import parameter_region, parse_vary
    from .errors import InputError

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
        from .checker import parse_noise

        parse_noise(args.noise, args.classes)  # a bad noise model is refused before the grid
    if args.plot:
        ensure_writable_dir(__import__("os").path.dirname(args.plot) or ".", "plot folder")
    reg = parameter_region(spec, vary, n_classes=args.classes, noise=args.noise, n=args.grid,
                           fixed=fixed, timeout=args.timeout, progress=args.format == "text")
    print(json.dumps(reg.to_dict(), indent=2) if args.format == "json" else reg.to_text())
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .fileio import atomic_write
        from .plotting import plot_region

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


def _register_region(sub) -> None:
    sp = sub.add_parser("region", help="where in its parameter space a loss is asymmetric / "
                        "noise tolerant: the checker's verdict on a grid",
                        description="Lay a grid over one or two parameters and give the "
                        "checker's verdict (PROVED / REFUTED / UNDECIDED, with evidence) in "
                        "every cell, for the asymmetry question or --noise.")
    _add_loss_args(sp)
    sp.add_argument("--vary", action="append", required=True, metavar="NAME=LOW:HIGH",
                    help="a parameter and its range, once or twice (log spacing when the "
                         "range is positive and spans more than 20x)")
    sp.add_argument("--noise", help="symmetric:ETA, pairflip:ETA or a K x K matrix file "
                    "(default: the asymmetry question)")
    sp.add_argument("--classes", "-K", type=int_at_least(2), default=10)
    sp.add_argument("--grid", type=int_at_least(2, 40), default=8,
                    help="cells per axis (default 8)")
    sp.add_argument("--timeout", type=positive_float, default=20.0,
                    help="seconds per cell and check (default 20)")
    sp.add_argument("--plot", metavar="FILE", help="also draw the phase diagram (png, pdf, svg)")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.set_defaults(func=cmd_region)


_EXTENSIONS.append(_register_region)


# ---------------------------------------------------------------------------- crossval
def cmd_crossval(args: argparse.Namespace) -> int:
    from .errors import InputError

    spec = spec_from_args(args)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of the torch extra
        raise InputError("alfs crossval needs torch: pip install torch") from None
    from .nn.crossval import crossval, load_callable

    params = {n: float(v) for n, v in spec.values}
    if args.torch:
        fn, target = load_callable(args.torch, params), args.torch
    elif getattr(args, "expr", None):
        from .nn.compose import spec_torch

        fn, target = spec_torch(spec), "the composite torch form of the formula"
    else:
        from .nn.functional import get_twin

        twin = get_twin(spec.name)

        def fn(z, y):
            return twin(z, y, **params)

        target = f"alfs_theory.nn.functional.{twin.__name__}"
    try:
        classes = [int(k) for k in args.classes.split(",") if k.strip()]
    except ValueError:
        raise InputError(f"--classes expects comma-separated integers >= 2, got "
                         f"{args.classes!r}") from None
    dtypes = {"float32": (torch.float32,), "float64": (torch.float64,),
              "both": (torch.float32, torch.float64)}[args.dtype]
    rep = crossval(fn, spec, classes=classes, dtypes=dtypes, rows=args.rows, seed=args.seed,
                   rtol=args.rtol, target=target)
    print(json.dumps(rep.to_dict(), indent=2) if args.format == "json" else rep.to_text())
    return EXIT_OK if rep.ok else EXIT_REFUTED


def _register_crossval(sub) -> None:
    sp = sub.add_parser("crossval", help="check a torch loss against its formula (values and "
                        "logit gradients)",
                        description="Compare a torch implementation with the formula of a loss "
                        "on random, near-tie and extreme logits, several K, float32 and "
                        "float64; print the worst input and every mismatch; exit 1 on a "
                        "mismatch. Without --torch the built-in twin (NAME) or the composite "
                        "torch form (--expr) is checked.")
    _add_loss_args(sp)
    sp.add_argument("--torch", metavar="MODULE:NAME",
                    help="your torch loss, imported by name (e.g. mypkg.losses:my_loss): a "
                         "function (logits, labels) -> per-example losses, or an nn.Module "
                         "class built with the --param values")
    sp.add_argument("--classes", "-K", default="2,10,100",
                    help="comma-separated class counts (default 2,10,100)")
    sp.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    sp.add_argument("--rows", type=int_at_least(1), default=8, help="rows per batch (default 8)")
    sp.add_argument("--seed", type=int_at_least(0), default=0)
    sp.add_argument("--rtol", type=positive_float, default=None,
                    help="relative tolerance (default 1e-3 in float32, 1e-6 in float64)")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.set_defaults(func=cmd_crossval)


_EXTENSIONS.append(_register_crossval)


# ---------------------------------------------------------------------------- verify
def cmd_verify(args: argparse.Namespace) -> int:
    from proofs_check.run import DEFAULT_OUT, print_table, run_ledger

    out = args.out or DEFAULT_OUT
    ensure_writable_dir(out, "ledger output folder")
    report = run_ledger(only=args.only.split(",") if args.only else None, out_dir=out)
    print_table(report)
    print(f"\nwrote {out}/report.md and report.json; "
          f"{sum(r['ok'] for r in report['claims'])}/{report['n']} as expected")
    return EXIT_OK if report["ok"] else EXIT_REFUTED


def _register_verify(sub) -> None:
    sp = sub.add_parser("verify", help="run the proofs_check ledger of the paper's claims")
    sp.add_argument("--only", help="comma-separated ledger ids")
    sp.add_argument("--out", help="output folder (default proofs_check/out)")
    sp.set_defaults(func=cmd_verify)


_EXTENSIONS.append(_register_verify)


def _register_training(sub) -> None:
    # imported lazily inside their commands; registering them needs no torch
    from .experiments import sweep, train

    train.register_cli(sub)
    sweep.register_cli(sub)


_EXTENSIONS.append(_register_training)


def _register_report(sub) -> None:
    from . import report, reproduce

    report.register_cli(sub)
    reproduce.register_cli(sub)
    try:
        from figures.build import register_cli as figures_cli
    except ImportError:  # figures/ ships beside the package in a source checkout
        return
    figures_cli(sub)


_EXTENSIONS.append(_register_report)


def reference_markdown() -> str:
    """The CLI reference (docs/cli.md), generated from the parser so the two never drift."""
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps help by terminal width: fix it
    parser = build_parser()
    lines = ["# CLI reference", "",
             "Generated from the argument parser (`alfs_theory.cli.reference_markdown`); a test",
             "keeps this file in step with the code.", "",
             "Exit codes: 0 as asked, 1 when an asked verdict is refuted (or a run fails),",
             "2 on bad usage.", ""]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp in sub.choices.items():
        lines += [f"## alfs {name}", "", "```text", sp.format_help().rstrip(), "```", ""]
    if old is None:
        os.environ.pop("COLUMNS", None)
    else:
        os.environ["COLUMNS"] = old
    return "\n".join(lines)


_VALUE_OPTIONS = ("--expr",)


def _glue_dash_values(argv: Sequence[str]) -> list[str]:
    """``--expr -log(u)`` -> ``--expr=-log(u)``: argparse would read a value starting with '-'
    as an option; an expression may well start with a minus sign."""
    out: list[str] = []
    it = iter(argv)
    for a in it:
        if a in _VALUE_OPTIONS:
            nxt = next(it, None)
            if nxt is not None and nxt.startswith("-") and not nxt.startswith("--"):
                out.append(f"{a}={nxt}")
                continue
            out.append(a)
            if nxt is not None:
                out.append(nxt)
            continue
        out.append(a)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_glue_dash_values(list(sys.argv[1:] if argv is None else argv)))
    try:
        return int(args.func(args) or 0)
    except AlfsError as e:
        print(f"alfs {args.cmd}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:  # a file or folder that cannot be read or written: say which and why
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"alfs {args.cmd}: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line, the traceback on request
        import os

        if os.environ.get("ALFS_DEBUG"):
            raise
        print(f"alfs {args.cmd}: internal error: {type(e).__name__}: {e}\nThis is a bug in "
              "alfs-theory; please report it with the command line (ALFS_DEBUG=1 shows the "
              "traceback).", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
