"""``alfs zoo``: regenerate (or check) docs/zoo.md, the registered losses and their verdicts."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_OK, EXIT_REFUTED


def cmd_zoo(args: argparse.Namespace) -> int:
    from .. import zoo

    if args.check:
        if zoo.stale(args.out):
            print(f"{args.out or zoo.zoo_path()} is not current: run `alfs zoo`",
                  file=sys.stderr)
            return EXIT_REFUTED
        print(f"{args.out or zoo.zoo_path()} is current")
        return EXIT_OK
    print(f"wrote {zoo.write(args.out)}")
    return EXIT_OK


def register(sub) -> None:
    sp = sub.add_parser("zoo", help="write docs/zoo.md: every registered loss, its paper, its "
                                    "defaults and the checker's verdicts at K = 10")
    sp.add_argument("--out", default=None,
                    help="where to write the page (default: docs/zoo.md of this checkout)")
    sp.add_argument("--check", action="store_true",
                    help="do not write: exit 1 when the page differs from a fresh rendering")
    sp.set_defaults(func=cmd_zoo)
