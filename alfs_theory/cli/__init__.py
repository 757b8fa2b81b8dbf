"""The ``alfs`` command line.

Exit codes: 0 when everything is as asked, 1 when a verdict is refuted or a run fails,
2 on bad usage (unknown loss, parameter out of domain, unparsable expression, a loss not
defined on the simplex, the user's --torch code failing in its child process, ...), 3 when
the checker reports an internal error (a prover contradicted by the falsifier: the verdict
there is UNDECIDED, never PROVED) or alfs-theory has a bug.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..argtypes import (  # noqa: F401 - re-exported: they were defined here first
    SEED_MAX,
    ensure_writable_dir,
    int_at_least,
    parse_domains,
    parse_params,
    positive_float,
    seed_int,
    spec_from_args,
)
from ..errors import AlfsError
from . import (
    catalog,
    check,
    crossval,
    figures,
    ratio,
    region,
    report,
    reproduce,
    study,
    sweep,
    train,
    verify,
    zoo,
)
from .common import (  # noqa: F401 - EXIT_OK, EXIT_REFUTED re-exported
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_REFUTED,
    EXIT_USAGE,
    Parser,
)

#: the subcommands, in the order ``alfs --help`` and docs/cli.md list them: each module
#: registers its own parser (``register(sub)``); this package is the only place that
#: imports them all.
COMMANDS = [catalog, check, ratio, region, crossval, verify, train, sweep, report, reproduce,
            study, figures, zoo]
#: the registration functions build_parser calls (extend it to add a command)
REGISTRARS = [m.register for m in COMMANDS]


def _version() -> str:
    """The installed distribution's version (the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alfs-theory")
    except PackageNotFoundError:  # pragma: no cover - a bare checkout on sys.path
        return "0+unknown"


class _VersionAction(argparse.Action):
    """``--version``: looks the version up when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"alfs-theory {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="alfs", description=__doc__.splitlines()[0])
    p.add_argument("--version", action=_VersionAction)
    p.add_argument("--no-cache", action="store_true",
                   help="compute every verdict afresh: no reading or writing of the verdict "
                        "cache (~/.cache/alfs-theory, or $ALFS_CACHE_DIR; ALFS_CACHE=0 does "
                        "the same)")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="log what the checker does on stderr: -v each rule that decides and "
                        "the gate's finding, -vv also each rule skipped and the fact it lacked")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=Parser)
    for register in REGISTRARS:
        register(sub)
    return p


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
             "2 on bad usage (including your --torch code failing in its child process),",
             "3 on an internal error of alfs-theory.", ""]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp in sub.choices.items():
        lines += [f"## alfs {name}", "", "```text", sp.format_help().rstrip(), "```", ""]
        nested = [a for a in sp._actions if isinstance(a, argparse._SubParsersAction)]
        for a in nested:  # a command with its own subcommands (alfs study ratio)
            for sname, ssp in a.choices.items():
                lines += [f"## alfs {name} {sname}", "", "```text",
                          ssp.format_help().rstrip(), "```", ""]
    if old is None:
        os.environ.pop("COLUMNS", None)
    else:
        os.environ["COLUMNS"] = old
    return "\n".join(lines)


_VALUE_OPTIONS = ("--expr",)


def glue_dash_values(argv: Sequence[str]) -> list[str]:
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


def _configure_logging(verbose: int) -> None:
    """``-v``: INFO of the ``alfs_theory`` loggers on stderr; ``-vv``: DEBUG. Without it they
    stay silent (WARNING)."""
    import logging

    log = logging.getLogger("alfs_theory")
    for h in list(log.handlers):
        if getattr(h, "_alfs_cli", False):
            log.removeHandler(h)
    if verbose <= 0:
        log.setLevel(logging.WARNING)
        return
    h = logging.StreamHandler(sys.stderr)
    h._alfs_cli = True  # type: ignore[attr-defined]
    h.setFormatter(logging.Formatter("[%(name)s] %(message)s"))
    log.addHandler(h)
    log.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(glue_dash_values(list(sys.argv[1:] if argv is None else argv)))
    _configure_logging(getattr(args, "verbose", 0))
    if getattr(args, "no_cache", False):
        import os

        os.environ["ALFS_CACHE"] = "0"  # this process and the ones it starts
    try:
        return int(args.func(args) or 0)
    except AlfsError as e:
        print(f"alfs {args.cmd}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader stopped reading (alfs check ... | head): not an error
        import os

        try:  # later flushes at exit would raise again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
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
