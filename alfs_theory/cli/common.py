"""What the subcommand modules share: exit codes, the parser class, the loss arguments."""

from __future__ import annotations

import argparse
import sys

from ..argtypes import byte_size, positive_float, seed_int

EXIT_OK, EXIT_REFUTED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_REFUTED", "EXIT_USAGE", "Parser", "add_label_arg", "add_loss_args",
           "add_sandbox_args", "seed_list"]


class Parser(argparse.ArgumentParser):
    """argparse, exiting 2 on usage errors (as every other bad input does)."""

    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"alfs: error: {message}\n")


def add_loss_args(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("name", nargs="?", help="registered loss (alfs list)")
    sp.add_argument("--expr", help="a pointwise loss l(u) typed as an expression in u "
                    "(safe grammar: numbers, u, parameters, + - * / ** ^, exp, log, sqrt, abs, "
                    "min, max, piecewise, sin, cos, tan, tanh, sinh, cosh, atan, asinh, erf, "
                    "erfc, log1p, expm1, sigmoid, softplus, sign; class sums sum(g(v)))")
    sp.add_argument("--param", action="append", metavar="NAME=VALUE")
    sp.add_argument("--domain", action="append", metavar="NAME:CONDITION",
                    help="domain of a parameter of --expr, e.g. 'a:a > 0' (default: real)")
    add_label_arg(sp)


def add_label_arg(sp: argparse.ArgumentParser) -> None:
    """``--name``: what a loss typed with --expr is called in the output (default user)."""
    from ..argtypes import loss_label

    sp.add_argument("--name", dest="label", type=loss_label, metavar="LABEL",
                    help="what to call the loss typed with --expr in the output, records and "
                         "file names (default user; letters, digits, - _ . + =)")


def add_sandbox_args(sp: argparse.ArgumentParser, timeout: bool = True) -> None:
    """--timeout (when ``timeout``) and --memory-limit: the bounds of the child process that
    runs the user's --torch code."""
    if timeout:
        sp.add_argument("--timeout", type=positive_float, default=60.0,
                        help="seconds of CPU time each call of your --torch code may take (its "
                             "import, then each batch; twice that plus 1 s of wall-clock "
                             "time): past it the command stops with exit 2 (default 60)")
    sp.add_argument("--memory-limit", type=byte_size, default="4G", metavar="SIZE",
                    help="memory your --torch code may allocate, e.g. 4G or 512M; 0: no limit "
                         "(default 4G; the code runs in a child process)")


def seed_list(text: str) -> tuple[int, ...]:
    """``"0,1,2"`` -> (0, 1, 2), each a torch seed (an argparse type)."""
    seeds = tuple(seed_int(x.strip()) for x in str(text).split(",") if x.strip())
    if not seeds:
        raise argparse.ArgumentTypeError(f"expected comma-separated seeds, got {text!r}")
    return seeds
