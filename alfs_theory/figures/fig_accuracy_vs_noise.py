"""Accuracy against the noise rate per loss, from a sweep (``results.csv``, else the run
records), with each loss's predicted symmetric-noise threshold drawn on the same axes
(dotted, the loss's colour): the runs' recorded prediction, else the checker's
``symmetric_noise_threshold`` at the data set's K.

Skipped, with the command that makes the sweep, when there is none.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..plotting import data_accuracy_vs_noise, plot_accuracy_vs_noise, read_sweep_rows
from . import (
    DEFAULT_RUNS,
    FigureSkipped,
    new_figure,
    no_runs_message,
    save_figure,
    script_main,
    style_context,
)

NAME = "fig_accuracy_vs_noise"
TITLE = "Accuracy against the noise rate, with the predicted thresholds"


def make_data(*, runs=None, quick: bool = False, metric: str = "last_acc") -> dict:
    rows = read_sweep_rows(runs if runs is not None else DEFAULT_RUNS)
    if not rows:
        raise FigureSkipped(no_runs_message("sweep results (results.csv or run records)", runs))
    return data_accuracy_vs_noise(rows, metric=metric)


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    panels = data["panels"]
    with style_context():
        fig, axes = new_figure(1, len(panels), figsize=(min(7.0, 3.5 * len(panels)), 3.0))
        for ax, panel in zip(axes[0], panels):
            plot_accuracy_vs_noise(ax, panel)
        for ax in axes[0]:  # every panel: each is read on its own
            ax.legend(loc="lower left")
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
