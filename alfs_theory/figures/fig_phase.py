"""Phase diagram: the (a, q) region where AGCE and AUL are asymmetric under symmetric noise
of rate η with K classes, and a heat map of the largest tolerated η.

From the checker: r(a, q) is its closed form, the convex/concave split its curvature proof.
η_max = r(K−1)/(1 + r(K−1)) where ℓ is convex (AGCE q ≤ 1, AUL q ≥ 1), (K−1)/K where it is
concave (theory.md T5). Boundaries η_max(a, q) = η are refined by brentq along q. The dotted
blue line is q = 1, where the curvature changes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..plotting import data_phase, plot_eta_max_map, plot_phase_regions
from . import new_figure, save_figure, script_main, style_context

NAME = "fig_phase"
TITLE = "Where AGCE and AUL are asymmetric under symmetric noise"

K = 10
ETAS = (0.6, 0.8)


def make_data(*, runs=None, quick: bool = False, K: int = K,
              etas: Sequence[float] = ETAS) -> dict:
    n = 40 if quick else 160
    return {
        "agce": data_phase("agce", K=K, etas=etas, x=np.geomspace(0.02, 10, n),
                           y=np.linspace(0.05, 3, n)),
        "aul": data_phase("aul", K=K, etas=etas, x=np.linspace(1.01, 10, n),
                          y=np.linspace(0.05, 5, n)),
    }


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    with style_context():
        fig, axes = new_figure(2, 2, figsize=(7.0, 5.6))
        for row, key in enumerate(("agce", "aul")):
            logx = key == "agce"  # AGCE's boundaries live at small a
            plot_phase_regions(axes[row, 0], data[key], logx=logx)
            m = plot_eta_max_map(axes[row, 1], data[key], logx=logx)
            fig.colorbar(m, ax=axes[row, 1], label=r"$\eta_{\max}$")
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
