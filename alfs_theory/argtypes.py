"""Argument types and shared helpers of the ``alfs`` commands, importable by every wing.

The CLI modules and the commands that live beside their code (train, sweep, report, figures)
take their argument types, the ``--param``/``--domain`` parsers, the output-folder check and
the loss-from-arguments builder from here, so no module imports the CLI back.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

__all__ = ["SEED_MAX", "byte_size", "ensure_writable_dir", "int_at_least", "parse_domains",
           "parse_params", "positive_float", "seed_int", "spec_from_args"]


def parse_params(items: Sequence[str] | None) -> dict[str, float]:
    """``["a=1", "q=2"]`` -> {"a": 1.0, "q": 2.0}; bad items raise a clear error."""
    from .errors import ParameterError

    out: dict[str, float] = {}
    for item in items or ():
        if "=" not in item:
            raise ParameterError(f"--param expects NAME=VALUE (e.g. --param a=1), got {item!r}")
        name, _, raw = item.partition("=")
        name = name.strip()
        try:
            out[name] = float(raw)
        except ValueError:
            raise ParameterError(
                f"--param {name}: value {raw!r} is not a number (e.g. --param {name}=1.5)"
            ) from None
    return out


def parse_domains(items: Sequence[str] | None) -> dict[str, str]:
    """``["a:a > 0"]`` -> {"a": "a > 0"}; an item without ':' raises a clear error."""
    from .errors import ExpressionError

    bad = [d for d in (items or []) if ":" not in d]
    if bad:
        raise ExpressionError(f"--domain expects NAME:CONDITION (e.g. --domain 'a:a > 0'), "
                              f"got {bad[0]!r}")
    return {k.strip(): v for k, v in (d.split(":", 1) for d in (items or []))}


def _number(text: str, what: str) -> float:
    import math

    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r} (not finite)")
    return v


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    v = _number(text, "a finite number > 0")
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return v


_SIZE_UNITS = {"": 1, "K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30, "T": 2 ** 40}


def byte_size(text: str) -> int | None:
    """argparse type: a memory size such as ``4G``, ``512M``, ``1.5G`` or a number of bytes
    (K, M, G, T are powers of 1024; a trailing ``B``/``iB`` is allowed); ``0`` or ``none``: no
    limit (None)."""
    raw = str(text).strip().upper().replace("IB", "").rstrip("B").strip()
    if raw in ("0", "NONE", "OFF"):
        return None
    unit = raw[-1:] if raw[-1:] in _SIZE_UNITS and raw[-1:] else ""
    try:
        v = float(raw[:-1] if unit else raw) * _SIZE_UNITS[unit]
    except ValueError:
        v = float("nan")
    if math.isnan(v) or v < 2 ** 20 or math.isinf(v):
        raise argparse.ArgumentTypeError(f"expected a size of at least 1M such as 4G or 512M "
                                         f"(or 0 for no limit), got {text!r}")
    return int(v)


def int_at_least(lo: int, hi: int | None = None):
    """argparse type: an integer in [lo, hi] (hi None: no upper bound)."""
    want = f"an integer >= {lo}" + (f" and <= {hi}" if hi is not None else "")

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}") from None
        if v < lo or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}")
        return v

    parse.__name__ = f"int_at_least_{lo}"
    return parse


SEED_MAX = 2**64 - 1  # torch.manual_seed takes an unsigned 64-bit seed
seed_int = int_at_least(0, SEED_MAX)


def ensure_writable_dir(path, what: str = "output folder"):
    """Prove that ``path`` can be created (with parents) and written, before any work: a probe
    file is written and removed, and so are the folders made for it.

    Raises :class:`~alfs_theory.errors.InputError` naming the folder and the reason (a file in
    the way, permission denied, read-only file system, ...). Returns the path.
    """
    import os
    import tempfile
    from pathlib import Path

    from .errors import InputError

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{what} {str(p)!r} is a file, not a folder; choose another --out")
    made = [a for a in [p, *p.parents] if not a.exists()]  # created for the probe, then removed
    try:
        p.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=p, prefix=".alfs-write-probe.")
        os.close(fd)
        os.unlink(probe)
        for a in made:  # deepest first: the command creates them when it writes
            a.rmdir()
    except OSError as err:
        reason = err.strerror or str(err)
        where = f" ({err.filename})" if err.filename and str(err.filename) != str(p) else ""
        raise InputError(f"cannot write the {what} {str(p)!r}: {reason}{where}; choose a "
                         "folder you can write (--out)") from None
    return p


def _parses_as_loss(text: str) -> bool:
    """Whether ``text`` is a pointwise loss formula in u (the safe grammar of --expr)."""
    from .errors import AlfsError
    from .userloss import loss_from_expression

    try:
        loss_from_expression(text)
    except AlfsError:
        return False
    return True


def spec_from_args(args: argparse.Namespace):
    """A bound spec from NAME or --expr, with --param values (domains checked)."""
    from .registry import get_loss

    params = parse_params(args.param)
    if getattr(args, "expr", None) is not None and not args.expr.strip():
        from .errors import ExpressionError

        raise ExpressionError("--expr is empty: type a loss formula in u, e.g. --expr '1 - u' "
                              "or --expr '((a+1)**q - (a+u)**q)/q' --param a=1 --param q=2")
    if getattr(args, "expr", None):
        if getattr(args, "name", None):
            from .errors import ParameterError

            raise ParameterError("give either a loss NAME or --expr, not both")
        from .userloss import loss_from_expression

        spec = loss_from_expression(args.expr, params=params, domains=parse_domains(args.domain))
        return spec.bind(**params)
    if not getattr(args, "name", None):
        from .errors import ParameterError

        raise ParameterError("name a registered loss (see `alfs list`) or give --expr")
    from .errors import UnknownLossError

    try:
        spec = get_loss(args.name)
    except UnknownLossError as err:
        if hasattr(args, "expr") and _parses_as_loss(args.name):
            # a formula typed where a name goes: say how to check it
            raise UnknownLossError(f"{err}. To check a formula, pass it with --expr: "
                                   f"alfs {args.cmd} --expr {args.name!r}") from None
        raise
    return spec.bind(**params)
