"""``alfs check``: every property of a loss with evidence (or a torch black box)."""

from __future__ import annotations

import argparse
import sys

from ..argtypes import (
    classes_int,
    comma_items,
    noise_model,
    parse_params,
    spec_from_args,
    timeout_seconds,
)
from ..schemas import CHECK_NAMES, schema_help
from .common import EXIT_INTERNAL, EXIT_OK, EXIT_REFUTED, add_loss_args, add_sandbox_args


def asked_refuted(results, given: tuple = ("noise", "asymmetric-on")) -> list:
    """The refuted verdicts among those asked: the results named in ``given`` (the --noise /
    --weights checks) when there are any, else the asymmetry question itself. The formula
    path and the --torch path answer with the same exit code for the same answer."""
    asked = [r for r in results if r.check in given] or [
        r for r in results if r.check == "asymmetric"]
    return [r for r in asked if r.verdict.value == "REFUTED"]


def render(rep, args: argparse.Namespace) -> str:
    """The report in --format; text lines cut at 160 characters unless --wide."""
    if args.format == "text":
        return rep.to_text(width=None if args.wide else 160)
    if args.format == "latex":
        return rep.to_latex(evidence=args.wide)
    if args.format == "html":  # the black box: no formula, so no one-loss figure
        return rep.to_html_page(note="A black-box check of torch code: no formula to draw.")
    return rep.to_markdown() if args.format == "md" else rep.to_json()


def html_page(rep, spec, args: argparse.Namespace) -> str:
    """``--format html``: the report as a self-contained page with the one-loss figure inline
    (drawn at this K; without matplotlib the page says so)."""
    import tempfile
    from pathlib import Path

    from ..figures.build import build_loss_card  # imports no matplotlib until it draws

    with tempfile.TemporaryDirectory() as d:
        try:
            files = build_loss_card(spec, d, ("png",), quick=True, K=args.classes)
        except ImportError as err:
            return rep.to_html_page(note=f"(no figure: {err}; pip install matplotlib)")
        png = Path(files[0]).read_bytes()
    return rep.to_html_page(png)


def check_torch(args: argparse.Namespace, weights) -> int:
    from ..checks.blackbox import blackbox_check
    from ..errors import InputError
    from ..nn.sandbox import UserLoss, memory_text

    if args.name or args.expr is not None:
        raise InputError("--torch checks a loss given only as code (numeric verdicts); to "
                         "compare code with a formula use: alfs crossval NAME|--expr ... "
                         f"--torch {args.torch}")
    params = parse_params(args.param)

    def progress(line: str) -> None:
        print(f"alfs check: {line}", file=sys.stderr, flush=True)

    user = UserLoss(args.torch, params, timeout=args.timeout, memory_limit=args.memory_limit)
    progress(f"running {args.torch} in a child process ({args.timeout:g} s of CPU time per "
             f"call, --timeout; memory limit {memory_text(args.memory_limit)}, "
             "--memory-limit)")
    with user as fn:
        rep = blackbox_check(fn, n_classes=args.classes, noise=args.noise, weights=weights,
                             name=args.torch, timeout=args.timeout, progress=progress)
    out = render(rep, args)
    print(out)
    print("black box: no formula, so no verdict can be PROVED; REFUTED points were evaluated "
          "twice; UNDECIDED gives the numeric estimate.", file=sys.stderr)
    refuted = asked_refuted(rep.results)
    return EXIT_REFUTED if (refuted and args.fail_on_refuted) else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from ..checks.checker import check_loss

    weights = None
    if args.weights:
        try:
            weights = [float(x) for x in args.weights.split(",")]
        except ValueError:
            from ..errors import InputError

            raise InputError(f"--weights expects comma-separated numbers (e.g. --weights "
                             f"0.5,0.3,0.2), got {args.weights!r}") from None
    if args.noise:
        from ..noise import noise_rows

        noise_rows(args.noise, args.classes)  # a bad noise model is refused before any check
    if args.torch:
        return check_torch(args, weights)
    spec = spec_from_args(args)
    rep = check_loss(spec, n_classes=args.classes, noise=args.noise, weights=weights,
                     checks=[c.strip() for c in args.only.split(",")] if args.only else None,
                     timeout=args.timeout)
    out = html_page(rep, spec, args) if args.format == "html" else render(rep, args)
    print(out)
    # what was asked: --noise / --weights when given, else the asymmetry question itself
    refuted = asked_refuted(rep.results)
    if rep.internal_errors:
        print(f"alfs check: {len(rep.internal_errors)} internal error(s): a prover was "
              "contradicted; the verdict is UNDECIDED there. Please report it with the command "
              "above.", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_REFUTED if (refuted and args.fail_on_refuted) else EXIT_OK


def register(sub) -> None:
    sp = sub.add_parser("check", help="decide the properties of a loss, with evidence")
    add_loss_args(sp)
    sp.add_argument("--classes", "-K", type=classes_int, default=10)
    sp.add_argument("--noise", type=noise_model,
                    help="symmetric:ETA, pairflip:ETA, clean, or a K x K matrix file")
    sp.add_argument("--weights", help="comma-separated weights w_1..w_K to test asymmetry on")
    sp.add_argument("--only", type=comma_items("comma-separated check names, e.g. ratio,noise"),
                    help="comma-separated subset of checks, by the names of the JSON and "
                    f"the pytest fixture: {', '.join(CHECK_NAMES)} (noise needs --noise, "
                    "asymmetric-on needs --weights)")
    sp.add_argument("--torch", metavar="MODULE:NAME",
                    help="check a torch loss that has no formula (numeric verdicts only: "
                         "REFUTED re-verified or UNDECIDED with an estimate, never PROVED)")
    sp.add_argument("--timeout", type=timeout_seconds, default=300.0,
                    help="CPU seconds the whole command may spend, every check and the "
                         "falsifier included (CPU time, so verdicts do not depend on the "
                         "machine's load); a check it does not reach answers UNDECIDED, "
                         "'timed out' (default 300); with --torch also bounds the CPU seconds of each call of your code")
    add_sandbox_args(sp, timeout=False)
    sp.add_argument("--format", choices=["text", "md", "json", "latex", "html"], default="text",
                    help=schema_help("check") + "; latex prints a booktabs table for a paper "
                    "(with --wide: the evidence too); html prints a self-contained page with "
                    "the whole evidence and the one-loss figure inline (alfs check NAME "
                    "--format html > NAME.html)")
    sp.add_argument("--wide", action="store_true",
                    help="text format: print each check's whole evidence (by default a line "
                         "is cut at 160 characters); latex: add the evidence")
    sp.add_argument("--no-fail-on-refuted", dest="fail_on_refuted", action="store_false",
                    help="exit 0 even when a verdict is REFUTED")
    sp.set_defaults(func=cmd_check)
