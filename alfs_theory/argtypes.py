"""Argument types and shared helpers of the ``alfs`` commands, importable by every wing.

The CLI modules and the commands that live beside their code (train, sweep, report, figures)
take their argument types, the ``--param``/``--domain`` parsers, the output-folder check and
the loss-from-arguments builder from here, so no module imports the CLI back.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

__all__ = ["MAX_CLASSES", "MAX_LR", "MAX_NOISE_FILE_BYTES", "MAX_NUMBERS", "MAX_TIMEOUT_S",
           "SEED_MAX", "byte_size", "class_counts", "classes_int", "check_expr_only", "check_numbers",
           "check_ray_address", "comma_items", "cpu_cap", "cpu_int", "ensure_writable_dir",
           "folder_arg", "float_in", "int_at_least", "learning_rate", "noise_model", "nonempty",
           "parse_domains", "parse_params", "plot_file", "positive_float", "seed_int",
           "spec_from_args", "timeout_seconds", "weight_decay"]

#: the largest number of classes K a command takes (the checks scale to K = 1000 in seconds)
MAX_CLASSES = 10000
#: the most numbers one batch of ``alfs crossval`` may hold (rows x K), about 80 MB in float64
MAX_NUMBERS = 10**7
#: the largest learning rate (and weight decay) a run takes: beyond it SGD overflows at once
MAX_LR = 1e3
#: the longest time budget in seconds (``--timeout``): past it the clock overflows
MAX_TIMEOUT_S = 1e6
#: the largest noise matrix file read (a 1000 x 1000 float64 .npy is 8 MB)
MAX_NOISE_FILE_BYTES = 10 * 2**20


def parse_params(items: Sequence[str] | None, prefix: str = "--param ") -> dict[str, float]:
    """``["a=1", "q=2"]`` -> {"a": 1.0, "q": 2.0}; bad items (and a name given twice, which
    would silently drop one value) raise a clear error; ``prefix`` names the option there."""
    from .errors import ParameterError

    out: dict[str, float] = {}
    for item in items or ():
        if "=" not in item:
            raise ParameterError(f"--param expects NAME=VALUE (e.g. --param a=1), got {item!r}")
        name, _, raw = item.partition("=")
        name = name.strip()
        if name in out:
            raise ParameterError(f"{prefix}{name} is given twice ({name}={out[name]:g} and "
                                 f"{item!r}): give each parameter once")
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
    out: dict[str, str] = {}
    for k, v in (d.split(":", 1) for d in (items or [])):
        if k.strip() in out:
            raise ExpressionError(f"--domain {k.strip()} is given twice ({out[k.strip()]!r} and "
                                  f"{v!r}): give one condition per parameter (join them with "
                                  "'&', e.g. 'a:(a > 0) & (a < 1)')")
        out[k.strip()] = v
    return out


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


def float_in(lo: float, hi: float, *, lo_open: bool = True):
    """argparse type: a finite number in (lo, hi] (``lo_open=False``: [lo, hi])."""
    want = f"a finite number {'>' if lo_open else '>='} {lo:g} and <= {hi:g}"

    def parse(text: str) -> float:
        v = _number(text, want)
        if v < lo or (lo_open and v == lo) or v > hi:
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}")
        return v

    parse.__name__ = f"float_in_{lo:g}_{hi:g}"
    return parse


#: argparse types of the training hyper-parameters and time budgets
learning_rate = float_in(0.0, MAX_LR)
weight_decay = float_in(0.0, MAX_LR, lo_open=False)
timeout_seconds = float_in(0.0, MAX_TIMEOUT_S)


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
#: argparse type of a number of classes K (``-K`` / ``--classes``)
classes_int = int_at_least(2, MAX_CLASSES)


def class_counts(text: str) -> tuple[int, ...]:
    """argparse type: comma-separated class counts ``"2,10,100"``, at least one, each an
    integer in [2, MAX_CLASSES]."""
    want = (f"comma-separated class counts, at least one, each an integer >= 2 and "
            f"<= {MAX_CLASSES} (e.g. 2,10,100)")
    items = [x.strip() for x in str(text).split(",") if x.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}")
    out = []
    for x in items:
        try:
            out.append(classes_int(x))
        except argparse.ArgumentTypeError:
            which = f" ({x!r} is not one)" if len(items) > 1 else ""
            raise argparse.ArgumentTypeError(f"expected {want}, got {text!r}{which}") from None
    return tuple(out)


def check_numbers(rows: int, classes: Sequence[int], what: str = "--rows") -> None:
    """Refuse a batch of ``rows`` x max(``classes``) numbers above :data:`MAX_NUMBERS` (it
    would allocate gigabytes), naming the largest ``rows`` that passes."""
    from .errors import InputError

    k = max(classes, default=2)
    if rows * k > MAX_NUMBERS:
        raise InputError(f"{what} {rows} with K = {k} makes batches of {rows * k:.3g} numbers; "
                         f"rows x K must stay <= {MAX_NUMBERS:.0e} (here {what} <= "
                         f"{MAX_NUMBERS // k})")


def cpu_cap() -> int:
    """The most threads or processes a command starts: 4 per core of this machine."""
    import os

    return 4 * (os.cpu_count() or 1)


def cpu_int(text: str) -> int:
    """argparse type of --threads / --workers: an integer in [1, :func:`cpu_cap`]."""
    import os

    cap = cpu_cap()
    try:
        return int_at_least(1, cap)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected an integer >= 1 and <= {cap} (4 per core; this machine has "
            f"{os.cpu_count() or 1} cores), got {text!r}") from None


def nonempty(example: str):
    """argparse type: a string that is not blank (an empty value would silently read as the
    option left out); ``example`` says what would pass."""

    def parse(text: str) -> str:
        if not str(text).strip():
            raise argparse.ArgumentTypeError(f"is empty; give {example} (or leave the option "
                                             "out)")
        return text

    parse.__name__ = "nonempty"
    return parse


#: argparse type of --noise: one noise model string (empty would read as no noise)
noise_model = nonempty("a noise model, e.g. symmetric:0.4, clean or a K x K matrix file")


def comma_items(example: str):
    """argparse type: a comma-separated list with at least one non-blank item (kept as the
    string given)."""

    def parse(text: str) -> str:
        if not any(x.strip() for x in str(text).split(",")):
            raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}")
        return text

    parse.__name__ = "comma_items"
    return parse


def folder_arg(text: str) -> str:
    """argparse type of a folder (--out, --runs, --data-root): not empty, which would mean the
    current folder."""
    if not str(text).strip():
        raise argparse.ArgumentTypeError("is empty (which would write into the current "
                                         "folder); give a folder path, e.g. runs/mine or .")
    return text


def plot_file(text: str) -> str:
    """argparse type of a figure file (``--plot``): not empty, not a folder, ending in a format
    matplotlib writes (png, pdf, svg, ...)."""
    import os

    if not str(text).strip():
        raise argparse.ArgumentTypeError("is empty; give a figure file, e.g. region.png")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a figure file in it, "
                                         f"e.g. {os.path.join(text, 'region.png')}")
    from matplotlib.backend_bases import FigureCanvasBase

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    ext = os.path.splitext(text)[1].lower().lstrip(".")
    if ext not in formats:
        got = f"ends in .{ext}" if ext else "has no extension"
        raise argparse.ArgumentTypeError(f"{text!r} {got}; name a figure file ending in one "
                                         f"of {', '.join(formats)} (e.g. region.png)")
    return text


def ensure_writable_dir(path, what: str = "output folder", option: str = "--out"):
    """Prove that ``path`` can be created (with parents) and written, before any work: a probe
    file is written and removed, and so are the folders made for it.

    Raises :class:`~alfs_theory.errors.InputError` naming the folder and the reason (a file in
    the way, permission denied, read-only file system, an empty path, ...) and the ``option``
    that sets it. Returns the path.
    """
    import os
    import tempfile
    from pathlib import Path

    from .errors import InputError

    if not str(path).strip():
        raise InputError(f"the {what} is empty (which would write into the current folder); "
                         f"give a folder path with {option}, e.g. {option} runs/mine or "
                         f"{option} .")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{what} {str(p)!r} is a file, not a folder; choose another {option}")
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
                         f"folder you can write ({option})") from None
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


def loss_label(text: str) -> str:
    """argparse type: the name of a typed loss (``--name``): letters, digits and - _ . + =,
    at most 64 characters, not a registered loss's name (it would read as that loss)."""
    t = str(text).strip()
    ok = set("-_.+=")
    if not t:
        raise argparse.ArgumentTypeError("is empty; give a name of letters, digits or - _ . + "
                                         "=, e.g. mine (or leave the option out)")
    if len(t) > 64 or not all(c.isalnum() or c in ok for c in t):
        raise argparse.ArgumentTypeError(
            f"expected a name of 1 to 64 letters, digits or - _ . + =, e.g. mine or "
            f"wiggle-0.05, got {text!r}")
    from .registry import list_losses

    if t.lower() in {n.lower() for n in list_losses()}:
        raise argparse.ArgumentTypeError(
            f"{t!r} is a registered loss (alfs show {t}); name the typed loss otherwise, "
            f"e.g. {t}-typed")
    return t


def check_expr_only(args: argparse.Namespace, loss: str | None) -> None:
    """``--domain`` (and ``alfs train --name``) apply to a loss typed with --expr only: beside a
    registered loss ``loss`` they would be ignored, so refuse them."""
    if not loss or getattr(args, "expr", None) is not None:
        return
    from .errors import ParameterError

    if getattr(args, "label", None) is not None:
        raise ParameterError(f"--name names a loss typed with --expr; the registered loss "
                             f"{loss!r} keeps its name: drop --name {args.label!r}")
    if getattr(args, "domain", None):
        raise ParameterError(f"--domain applies to a loss typed with --expr only; the "
                             f"registered loss {loss!r} has its own parameter domains (alfs "
                             f"show {loss}): drop --domain {args.domain[0]!r}")
    if getattr(args, "cmd", None) == "train" and getattr(args, "name", None) is not None:
        raise ParameterError(f"--name names a loss typed with --expr in the record; the "
                             f"registered loss {loss!r} keeps its name: drop --name "
                             f"{args.name!r}")


def check_ray_address(address: str | None, timeout: float = 3.0) -> None:
    """Refuse a Ray cluster address that cannot be reached, before Ray is imported (its client
    would retry for minutes): ``auto`` and ``local`` (or empty: local) pass; ``HOST:PORT``
    (a head node, default port 6379) and ``ray://HOST[:PORT]`` (Ray Client, default 10001)
    must accept a TCP connection within ``timeout`` seconds."""
    import socket
    from urllib.parse import urlsplit

    from .errors import InputError

    if address is None:
        return
    a = str(address).strip()
    if a.lower() in ("", "auto", "local"):
        return
    client = a.lower().startswith("ray://")
    rest = a[len("ray://"):] if client else a
    want = "auto, local, HOST:PORT (a head node) or ray://HOST:PORT (Ray Client)"
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
        bad = True
    else:
        bad = not host or parts.path not in ("", "/") or (port is None and not client)
    if bad:
        raise InputError(f"--ray {a!r} is not a Ray address; give {want}")
    port = port or 10001
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as err:
        reason = "timed out" if isinstance(err, TimeoutError) else (err.strerror or str(err))
        raise InputError(f"--ray {a}: cannot connect to {host} port {port} within {timeout:g} "
                         f"s ({reason}); start the cluster there (ray start --head), or give "
                         f"{want}") from None


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

        spec = loss_from_expression(args.expr, params=params, domains=parse_domains(args.domain),
                                    name=getattr(args, "label", None) or "user")
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
    check_expr_only(args, args.name)
    return spec.bind(**params)
