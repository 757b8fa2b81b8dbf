"""Every registered loss's symmetric-noise tolerance at K = 10, as the checker decides it.

Not in the paper: one bar per loss (default parameters) from
``alfs_theory.checks.properties.tolerance.symmetric_noise_threshold``. A solid bar is an exact,
proved threshold (closed form, KKT margin, vertex argument, or a sum rule); a light bar with a
hatched tail is a proved lower bound with a refuted rate above it; "none" marks losses whose
minimiser leaves e_y for every η > 0 (CE: ℓ(0) = ∞; NCE/NFL alone at K ≥ 3: the infimum is
not attained at e_y). The dotted line is (K − 1)/K, the end of clean-label dominance.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..plotting import data_thresholds, plot_thresholds
from . import new_figure, save_figure, script_main, style_context

NAME = "fig_thresholds"
TITLE = "Symmetric-noise tolerance of every registered loss (checker, K = 10)"

K = 10
QUICK = ("ce", "mae", "agce", "ael", "nce", "nce+ael", "ngce")


def make_data(*, runs=None, quick: bool = False, K: int = K) -> dict:
    return data_thresholds(QUICK if quick else None, K=K)


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    with style_context():
        n = len(data["rows"])
        fig, axes = new_figure(1, 1, figsize=(7.0, 1.2 + 0.2 * n))
        plot_thresholds(axes[0, 0], data)
        axes[0, 0].set_title(f"symmetric noise, K = {data['K']}: what the checker proves",
                             fontsize="medium")
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
