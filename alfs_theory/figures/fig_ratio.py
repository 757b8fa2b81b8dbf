"""The asymmetry ratio r(ℓ) as a function of each loss's parameters, from the checker's
closed forms (``asymmetry_ratio(get_loss(name), bounds=False).value``, lambdified).

AGCE: r = (a/(a+1))^|q−1|; AUL: r = ((a−1)/a)^|q−1|; AEL: r = exp(−1/a) (theory.md).
Solid where ℓ is convex, dashed where concave.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..plotting import data_ratio_curves, plot_ratio_curves
from . import new_figure, save_figure, script_main, style_context

NAME = "fig_ratio"
TITLE = "Asymmetry ratio against the loss parameters"

AGCE_A = (0.5, 1.0, 2.0, 5.0)
AUL_A = (1.5, 2.0, 3.0, 6.0)


def make_data(*, runs=None, quick: bool = False) -> dict:
    n = 60 if quick else 301
    return {
        "agce": data_ratio_curves("agce", "q", np.linspace(0.05, 4, n), fixed={"a": AGCE_A}),
        "aul": data_ratio_curves("aul", "q", np.linspace(0.05, 4, n), fixed={"a": AUL_A}),
        "ael": data_ratio_curves("ael", "a", np.linspace(0.1, 10, n)),
    }


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    with style_context():
        fig, axes = new_figure(1, 3, figsize=(7.0, 2.8))  # a 7 in page width
        for ax, key in zip(axes[0], ("agce", "aul", "ael")):
            plot_ratio_curves(ax, data[key])
            if key != "ael":
                ax.axvline(1, color="#999999", linewidth=0.8, linestyle=":")
            ax.legend(loc="lower right" if key == "ael" else "upper right")
        fig.suptitle("solid: l convex (r = l'(1)/l'(0)); dashed: l concave "
                     "(r = l'(0)/l'(1))", fontsize=8)
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
