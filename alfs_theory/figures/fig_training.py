"""Training curves: clean test accuracy per epoch, from the run records that
``alfs train`` / ``alfs sweep`` write (``record.json`` + ``metrics.jsonl``).

One panel per noise setting, one line per loss (band: min to max over seeds). Skipped, with
the command that makes the runs, when there are none.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from ..plotting import data_training_curves, find_run_dirs, plot_training_curves
from . import (
    DEFAULT_RUNS,
    FigureSkipped,
    new_figure,
    no_runs_message,
    save_figure,
    script_main,
    style_context,
)

NAME = "fig_training"
TITLE = "Clean test accuracy per epoch"


def make_data(*, runs=None, quick: bool = False) -> dict:
    dirs = find_run_dirs(runs if runs is not None else DEFAULT_RUNS)
    if not dirs:
        raise FigureSkipped(no_runs_message("run records (record.json)", runs))
    return data_training_curves(dirs)


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    panels = data["panels"]
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    with style_context():
        fig, axes = new_figure(nrows, ncols, figsize=(7.0 * ncols / 3 if ncols < 3 else 7.0,
                                                          2.6 * nrows))
        flat = list(axes.flat)
        for ax, panel in zip(flat, panels):
            plot_training_curves(ax, panel)
        for ax in flat[len(panels):]:
            ax.set_visible(False)
        for ax in flat[:len(panels)]:  # every panel: its curves can be told apart alone
            ax.legend(loc="lower right")
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
