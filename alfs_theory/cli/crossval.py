"""``alfs crossval``: a torch loss against its formula, values and gradients."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from ..argtypes import (
    MAX_NUMBERS,
    check_numbers,
    class_counts,
    cpu_int,
    int_at_least,
    positive_float,
    spec_from_args,
)
from ..schemas import schema_help
from .common import EXIT_OK, EXIT_REFUTED, add_loss_args, add_sandbox_args


def cmd_crossval(args: argparse.Namespace) -> int:
    from ..errors import InputError

    check_numbers(args.rows, args.classes)  # before torch is imported
    spec = spec_from_args(args)
    from ..checks.checker import admit

    for k in args.classes:  # the spec gate at every K asked: real and finite, no pole in (0, 1]
        admit(spec, k)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of the torch extra
        raise InputError("alfs crossval needs torch: pip install torch") from None
    from ..nn.crossval import crossval
    from ..nn.threads import set_threads

    set_threads(args.threads)

    params = {n: float(v) for n, v in spec.values}
    run = contextlib.nullcontext()
    progress = None
    if args.torch:
        from ..nn.sandbox import UserLoss, memory_text

        def progress(line: str) -> None:
            print(f"alfs crossval: {line}", file=sys.stderr, flush=True)

        fn = run = UserLoss(args.torch, params, timeout=args.timeout,
                            memory_limit=args.memory_limit)
        progress(f"running {args.torch} in a child process ({args.timeout:g} s of CPU time per "
                 f"call, --timeout; memory limit {memory_text(args.memory_limit)}, "
                 "--memory-limit)")
        target = args.torch
    elif getattr(args, "expr", None):
        from ..nn.compose import spec_torch

        fn, target = spec_torch(spec), "the composite torch form of the formula"
    else:
        from ..nn.functional import get_twin

        twin = get_twin(spec.name)

        def fn(z, y):
            return twin(z, y, **params)

        target = f"alfs_theory.nn.functional.{twin.__name__}"
    dtypes = {"float32": (torch.float32,), "float64": (torch.float64,),
              "both": (torch.float32, torch.float64)}[args.dtype]
    with run:
        rep = crossval(fn, spec, classes=list(args.classes), dtypes=dtypes, rows=args.rows,
                       seed=args.seed, rtol=args.rtol, target=target, progress=progress)
    print(json.dumps(rep.to_dict(), indent=2) if args.format == "json" else rep.to_text())
    return EXIT_OK if rep.ok else EXIT_REFUTED


def register(sub) -> None:
    sp = sub.add_parser("crossval", help="check a torch loss against its formula (values and "
                        "logit gradients)",
                        description="Compare a torch implementation with the formula of a loss "
                        "on random, near-tie and extreme logits, several K, float32 and "
                        "float64; print the worst input and every mismatch; exit 1 on a "
                        "mismatch. Without --torch the built-in twin (NAME) or the composite "
                        "torch form (--expr) is checked.")
    add_loss_args(sp)
    sp.add_argument("--torch", metavar="MODULE:NAME",
                    help="your torch loss, imported by name (e.g. mypkg.losses:my_loss): a "
                         "function (logits, labels) -> per-example losses, or an nn.Module "
                         "class built with the --param values; it runs in a child process "
                         "bounded by --timeout and --memory-limit, and its failures exit 2")
    sp.add_argument("--classes", "-K", type=class_counts, default="2,10,100",
                    help="comma-separated class counts, each >= 2 (default 2,10,100)")
    sp.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    sp.add_argument("--rows", type=int_at_least(1, MAX_NUMBERS // 2), default=8,
                    help=f"rows per batch, with rows x K <= {MAX_NUMBERS:.0e} (default 8)")
    sp.add_argument("--seed", type=int_at_least(0), default=0)
    sp.add_argument("--rtol", type=positive_float, default=None,
                    help="relative tolerance (default 1e-3 in float32, 1e-6 in float64)")
    add_sandbox_args(sp)
    sp.add_argument("--threads", type=cpu_int, default=None,
                    help="torch CPU threads of this process (default 1: the batches are small)")
    sp.add_argument("--format", choices=["text", "json"], default="text",
                    help=schema_help("crossval"))
    sp.set_defaults(func=cmd_crossval)
