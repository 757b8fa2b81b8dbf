"""ℓ(u) and ℓ′(u) of the asymmetric losses (AGCE, AUL, AEL) over several parameter values,
with CE, MAE and GCE for contrast (dashed).

Read it with theory.md's T4/T5: the convex curves (AGCE q ≤ 1, AEL) have |ℓ′| largest at
u = 0, the concave ones (AGCE q > 1, AUL q < 1) at u = 1; r(ℓ) is the ratio of the end slopes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..plotting import data_loss_curves, plot_loss_curves
from . import new_figure, save_figure, script_main, style_context

NAME = "fig_loss_curves"
TITLE = "Loss curves and their derivatives"

SETTINGS: tuple[tuple[str, dict], ...] = (
    ("agce", {"a": 1, "q": 0.5}),
    ("agce", {"a": 1, "q": 2}),
    ("agce", {"a": 3, "q": 1.5}),
    ("aul", {"a": 1.5, "q": 0.9}),
    ("aul", {"a": 3, "q": 1.5}),
    ("ael", {"a": 1}),
    ("ael", {"a": 3}),
    ("ce", {}),
    ("mae", {}),
    ("gce", {"q": 0.7}),
)


def make_data(*, runs=None, quick: bool = False, settings=SETTINGS) -> dict:
    return data_loss_curves(settings, n=120 if quick else 400)


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    with style_context():
        fig, axes = new_figure(1, 2, figsize=(7.0, 3.9))
        plot_loss_curves(axes[0, 0], data, "loss", ylim=(0, 3.5))
        plot_loss_curves(axes[0, 1], data, "derivative", ylim=(-4, 0.2))
        axes[0, 0].set_title(r"$\ell(u)$")
        axes[0, 1].set_title(r"$\ell'(u)$")
        handles, labels = axes[0, 1].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=4)  # clear of the curves
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
