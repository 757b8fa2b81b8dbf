"""Build the figures: :func:`build` (``alfs figures``, whose parser is in ``cli/figures.py``).

Each figure runs ``make_data`` then ``draw``; files are written atomically; a figure whose
data do not exist yet (training runs) is skipped with the command that makes them. The
manifest maps each figure to ``{"status": "built", "files": [...]}`` or
``{"status": "skipped", "reason": "..."}``.

Example
-------
>>> from alfs_theory.figures.build import build
>>> manifest = build(only="ratio,phase", out_dir="/tmp/alfs-figs", formats="png,svg")  # doctest: +SKIP
>>> manifest["fig_ratio"]["files"]                                                   # doctest: +SKIP
['/tmp/alfs-figs/fig_ratio.png', '/tmp/alfs-figs/fig_ratio.svg']
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
import time
from collections.abc import Sequence

from ..errors import InputError
from ..progress import Progress
from . import FIGURES, FigureSkipped, check_formats

__all__ = ["DEFAULT_OUT", "build", "build_loss_card", "resolve_names"]

DEFAULT_OUT = "figures/out"


def resolve_names(only: str | Sequence[str] | None) -> list[str]:
    """Figure names from ``"ratio,fig_phase"`` or a list (the ``fig_`` prefix is optional),
    in build order; raises InputError listing the known names."""
    if only is None:
        return list(FIGURES)
    items = only.split(",") if isinstance(only, str) else list(only)
    wanted, bad = [], []
    for item in items:
        key = str(item).strip().lower().replace("-", "_")
        key = key.removesuffix(".py")
        if not key:
            continue
        name = key if key.startswith("fig_") else f"fig_{key}"
        if name in FIGURES:
            wanted.append(name)
        else:
            bad.append(str(item).strip())
    if bad:
        short = [n.removeprefix("fig_") for n in FIGURES]
        close = sorted({"fig_" + c for b in bad for c in difflib.get_close_matches(
            b.lower().removeprefix("fig_"), short, n=2, cutoff=0.6)})
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InputError(f"unknown figure(s) {', '.join(repr(b) for b in bad)}{hint}; "
                         f"known figures: {', '.join(FIGURES)}")
    if not wanted:
        raise InputError(f"no figure named; known figures: {', '.join(FIGURES)}")
    return [n for n in FIGURES if n in wanted]


def build(only: str | Sequence[str] | None = None, out_dir: str | os.PathLike = DEFAULT_OUT,
          formats: str | Sequence[str] = ("png",), runs: str | os.PathLike | None = None, *,
          quick: bool = False, progress: bool = True) -> dict[str, dict]:
    """Make the figures named in ``only`` (default all) into ``out_dir``.

    Parameters
    ----------
    formats : png, pdf and/or svg.
    runs : folder holding run records / a sweep (default ``runs``), for the training figures.
    quick : coarser grids (for tests and previews); the numbers on the grids are the same.
    progress : one line per figure on stderr.

    Returns the manifest: figure -> {"status": "built", "files", "seconds"} or
    {"status": "skipped", "reason"}.
    """
    names = resolve_names(only)
    fmts = check_formats(formats)
    out = os.fspath(out_dir)
    manifest: dict[str, dict] = {}

    def say(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    bar = Progress(len(names), enabled=False)  # counts and time left for the lines below
    for i, name in enumerate(names, 1):
        mod = importlib.import_module(f"{__package__}.{name}")
        t0 = time.perf_counter()
        say(f"[{i}/{len(names)}] {name}: {mod.TITLE} ...")
        try:
            data = mod.make_data(runs=runs, quick=quick)
        except FigureSkipped as exc:
            manifest[name] = {"status": "skipped", "reason": str(exc)}
            bar.step()
            say(f"[{i}/{len(names)}] {name}: skipped: {exc}")
            continue
        files = mod.draw(data, out, fmts)
        dt = time.perf_counter() - t0
        manifest[name] = {"status": "built", "files": files, "seconds": round(dt, 3)}
        bar.step()
        say(f"[{i}/{len(names)}] {name}: wrote {', '.join(files)} ({dt:.1f} s) "
            f"{bar.suffix()}")
    return manifest


def build_loss_card(spec, out_dir: str | os.PathLike = DEFAULT_OUT,
                    formats: str | Sequence[str] = ("png",), *, quick: bool = False,
                    K: int = 10) -> list[str]:
    """The one-loss figure (``fig_loss_card``) for a bound spec, registered or typed, written
    as ``fig_loss_card_<name>.<fmt>``; returns the paths."""
    from . import fig_loss_card

    fmts = check_formats(formats)
    data = fig_loss_card.make_data(spec=spec, quick=quick, K=K)
    safe = "".join(c if c.isalnum() or c in "-_=." else "_" for c in spec.name)
    return fig_loss_card.draw(data, os.fspath(out_dir), fmts, name=f"fig_loss_card_{safe}")
