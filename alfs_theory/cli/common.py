"""What the subcommand modules share: exit codes, the parser class, the loss arguments."""

from __future__ import annotations

import argparse
import sys

from ..argtypes import seed_int

EXIT_OK, EXIT_REFUTED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_REFUTED", "EXIT_USAGE", "Parser", "add_loss_args",
           "seed_list"]


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


def seed_list(text: str) -> tuple[int, ...]:
    """``"0,1,2"`` -> (0, 1, 2), each a torch seed (an argparse type)."""
    seeds = tuple(seed_int(x.strip()) for x in str(text).split(",") if x.strip())
    if not seeds:
        raise argparse.ArgumentTypeError(f"expected comma-separated seeds, got {text!r}")
    return seeds
