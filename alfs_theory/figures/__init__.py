"""The figures of alfs-theory: one script per figure, one style file, one build entry point.

Each ``fig_*.py`` module exposes ``NAME``, ``TITLE``, ``make_data(*, runs=None, quick=False)``
(the numbers behind the figure, computed by :mod:`alfs_theory.plotting`'s ``data_*``
functions; no matplotlib) and ``draw(data, out_dir, formats)`` (the picture, written
atomically, returning the file paths). Figures that need training runs raise
:class:`FigureSkipped` from ``make_data`` with the command that makes the runs.

Build them all with ``alfs figures`` or :func:`alfs_theory.figures.build.build`; one with
``python -m alfs_theory.figures.fig_ratio``.

Output is deterministic: matplotlib's defaults plus ``style.mplstyle`` (``svg.hashsalt``
fixed), no dates in the file metadata, seeded numerics, stable ordering.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "DEFAULT_RUNS",
    "FIGURES",
    "FORMATS",
    "STYLE",
    "SWEEP_COMMAND",
    "FigureSkipped",
    "new_figure",
    "no_runs_message",
    "save_figure",
    "script_main",
    "style_context",
]

#: Every figure, in build order.
FIGURES: tuple[str, ...] = (
    "fig_loss_curves",
    "fig_ratio",
    "fig_phase",
    "fig_population",
    "fig_thresholds",
    "fig_training",
    "fig_accuracy_vs_noise",
    "fig_ratio_vs_accuracy",
)

STYLE = Path(__file__).with_name("style.mplstyle")
FORMATS = ("png", "pdf", "svg")
DEFAULT_RUNS = "runs"

#: The sweep that makes the training figures (CPU, a few minutes on the embedded digits).
SWEEP_COMMAND = ("alfs sweep --losses ce,agce,ael --noise symmetric "
                 "--rates 0.0,0.2,0.4,0.6,0.8 --seeds 0 --dataset digits --epochs 30 "
                 "--out runs/sweep")

# no dates: identical inputs give identical bytes
_METADATA = {"png": {"Software": None}, "svg": {"Date": None},
             "pdf": {"CreationDate": None, "ModDate": None}}


class FigureSkipped(Exception):
    """A figure that cannot be made now (e.g. no run records); the message says how to."""


def no_runs_message(what: str, runs: str | os.PathLike | None) -> str:
    where = runs if runs is not None else DEFAULT_RUNS
    return (f"no {what} under {where!s}; make them with: {SWEEP_COMMAND} "
            "then: alfs figures --runs runs/sweep")


@contextmanager
def style_context():
    """matplotlib's defaults plus ``style.mplstyle``, restored afterwards."""
    import matplotlib.style

    with matplotlib.style.context(["default", str(STYLE)]):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None,
               squeeze: bool = False, **kw):
    """(figure, axes) on an Agg canvas, without pyplot (no global figure state).
    Call inside :func:`style_context`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **kw)
    return fig, axes


def panel_letters(axes, *, size: float = 10) -> None:
    """(a), (b), ... in bold at the top left of each panel, outside the plotting area."""
    for i, ax in enumerate(axes):
        ax._alfs_letter = True
        ax.text(-0.02, 1.02, f"({chr(ord('a') + i)})", transform=ax.transAxes, ha="right",
                va="bottom", fontsize=size, fontweight="bold")


def math_title(latex: str, plain: str) -> str:
    """``$latex$`` when matplotlib's mathtext can typeset it (sympy's LaTeX mostly can), else
    ``plain``: a title never fails to draw."""
    from matplotlib.mathtext import MathTextParser

    text = f"${latex}$"
    try:
        MathTextParser("path").parse(text)
    except (ValueError, RuntimeError, KeyError):
        return plain
    return text


def check_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    from ..errors import InputError

    if isinstance(formats, str):
        formats = [f for f in formats.split(",")]
    out = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in formats if f.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise InputError(f"unknown figure format(s) {bad or list(formats)}; use one or more "
                         f"of {', '.join(FORMATS)} (e.g. --format png,pdf)")
    return out


def save_figure(fig, out_dir: str | os.PathLike, name: str,
                formats: Sequence[str] = ("png",)) -> list[str]:
    """Write ``out_dir/name.<fmt>`` for each format (a figure of several panels gets panel
    letters unless it has them), atomically (the project's one writer,
    :func:`alfs_theory.fileio.atomic_write`), with date-free metadata. Returns the paths."""
    from ..fileio import atomic_write

    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison
              and ax.get_label() != "<colorbar>"]
    if len(panels) > 1 and not any(getattr(ax, "_alfs_letter", False) for ax in panels):
        panel_letters(panels)  # (a), (b), ... so that a caption can name each panel
    out = Path(out_dir)
    paths = []
    for fmt in check_formats(formats):
        path = out / f"{name}.{fmt}"
        atomic_write(path, lambda f, fmt=fmt: fig.savefig(f, format=fmt,
                                                          metadata=_METADATA[fmt]))
        paths.append(str(path))
    return paths


def script_main(name: str, argv: Sequence[str] | None = None) -> int:
    """``python -m alfs_theory.figures.<name> [--out DIR] [--format png,pdf] [--runs DIR]
    [--quick]``: ``alfs figures --only <name>`` with those options."""
    import sys

    from ..cli import main

    rest = list(sys.argv[1:] if argv is None else argv)
    return main(["figures", "--only", name, *rest])
