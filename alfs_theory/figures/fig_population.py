"""The population-level experiment: no network, the exact form of the theory.

For symmetric noise of rate η at K = 10, the noisy conditional risk Σ_k T[y, k] L(u, k) is
minimised numerically over the simplex (``alfs_theory.population.numeric_minimiser``,
seeded); the figure plots the minimiser's u_y against η, with each loss's predicted threshold
(``symmetric_noise_threshold``) as a dotted vertical line. A convex loss keeps u_y = 1 up to
its threshold and leaves the vertex right after; the concave AGCE (a=1, q=2) keeps it up to
(K−1)/K; CE follows u_y = 1 − η from the start.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..plotting import data_population, plot_population
from . import new_figure, save_figure, script_main, style_context

NAME = "fig_population"
TITLE = "Noisy population minimiser against the symmetric noise rate"

K = 10
SETTINGS: tuple[tuple[str, dict], ...] = (
    ("agce", {"a": 1, "q": 0.5}),
    ("ael", {"a": 3}),
    ("agce", {"a": 1, "q": 2}),
    ("ce", {}),
)
#: η grid: coarse overall, fine around the thresholds (0.864, 0.866, 0.9 at K = 10)
ETAS = np.unique(np.round(np.concatenate([np.linspace(0, 0.8, 9),
                                          np.linspace(0.82, 0.96, 15)]), 4))
QUICK_ETAS = np.array([0.5, 0.88, 0.95])


def make_data(*, runs=None, quick: bool = False, settings=SETTINGS, K: int = K,
              etas: Sequence[float] | None = None) -> dict:
    if etas is None:
        etas = QUICK_ETAS if quick else ETAS
    return data_population(settings, K=K, etas=etas, seed=0)


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    with style_context():
        fig, axes = new_figure(1, 2, figsize=(7.0, 3.1))
        plot_population(axes[0, 0], data)
        axes[0, 0].set_title(f"population level, K = {data['K']}", fontsize="medium")
        axes[0, 0].legend(loc="lower left")
        etas = data["etas"]
        lo = float(min(0.8, np.max(etas)))
        if np.sum(etas >= lo) >= 2:
            plot_population(axes[0, 1], data, xlim=(lo, float(np.max(etas)) + 0.005))
            axes[0, 1].set_title("zoom; dotted: predicted thresholds", fontsize="medium")
        else:
            axes[0, 1].set_visible(False)
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
