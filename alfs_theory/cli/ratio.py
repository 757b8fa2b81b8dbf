"""``alfs ratio``: the asymmetry ratio of a pointwise loss, certified."""

from __future__ import annotations

import argparse
import json

from ..argtypes import classes_int, positive_float, spec_from_args, timeout_seconds
from ..schemas import COMMAND_SCHEMAS, schema_help
from .common import EXIT_INTERNAL, EXIT_OK, add_loss_args


def cmd_ratio(args: argparse.Namespace) -> int:
    from ..checks.checker import admit
    from ..checks.engine import decide, timed_out
    from ..errors import InputError
    from ..symbols import K
    from ..timing import time_limit

    spec = spec_from_args(args)
    if not spec.is_pointwise:
        raise InputError(f"loss {spec.name!r} is a vector loss (it sums over the classes): the "
                         "asymmetry ratio r(l) is defined for pointwise losses l(u_y); use "
                         f"`alfs check {args.name or '--expr ...'}` for its other properties")
    if spec.subs_values(spec.expr).has(K):
        if args.classes is None:
            raise InputError(f"loss {spec.name!r} depends on the number of classes K: give it "
                             "with -K (e.g. -K 10)")
    n = args.classes or 2  # K = 2 only stands in for K when l does not use it
    r = None
    with time_limit(args.timeout):  # one CPU budget for the command (the falsifier included)
        b = admit(spec, n, timeout=args.timeout)
        r = decide("ratio", b, n, tol=args.tol)
    if r is None:  # the budget ran out between the spec gate and the rules
        r = timed_out("ratio", args.timeout)
    if args.format == "json":
        print(json.dumps({"schema": COMMAND_SCHEMAS["ratio"], "loss": spec.name,
                          "params": dict(spec.values), **r.to_dict()}, indent=2))
    else:
        print(f"{spec.name} ({spec.describe_values()}): {r.verdict.value}  {r.summary}")
        print(f"  evidence: {r.evidence}")
        print(f"  gate: {r.gate}")
    return EXIT_INTERNAL if r.internal_error else EXIT_OK


def register(sub) -> None:
    sp = sub.add_parser("ratio", help="the asymmetry ratio r(l) of a pointwise loss")
    add_loss_args(sp)
    sp.add_argument("--tol", type=positive_float, default=1e-6,
                    help="width of the certified bounds on r (a number > 0; default 1e-6)")
    sp.add_argument("--classes", "-K", type=classes_int, default=None,
                    help="number of classes, for a loss whose formula uses K")
    sp.add_argument("--timeout", type=timeout_seconds, default=300.0,
                    help="CPU seconds the command may spend, the falsifier included; past it "
                         "the answer is UNDECIDED, 'timed out' (default 300)")
    sp.add_argument("--format", choices=["text", "json"], default="text",
                    help=schema_help("ratio"))
    sp.set_defaults(func=cmd_ratio)
