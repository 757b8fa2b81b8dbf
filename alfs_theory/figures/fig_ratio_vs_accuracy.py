"""The paper's claim that a higher asymmetry ratio gives better noise tolerance.

Left: r(ℓ) against the predicted largest tolerated symmetric η at K = 10 for many
(loss, parameter) points. Convex losses (circles) lie on η = r(K−1)/(1 + r(K−1)), so there a
higher ratio does mean more tolerance; concave losses (triangles: AGCE q > 1, AUL q < 1)
tolerate every clean-labels-dominant rate (K−1)/K whatever their r (theory.md T4/T5).
Right, when a sweep exists: r(ℓ) against the measured clean test accuracy per noise rate.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..plotting import (
    data_ratio_vs_accuracy,
    plot_ratio_vs_accuracy,
    plot_ratio_vs_eta_max,
    read_sweep_rows,
)
from . import DEFAULT_RUNS, new_figure, save_figure, script_main, style_context

NAME = "fig_ratio_vs_accuracy"
TITLE = "Asymmetry ratio against noise tolerance"

K = 10


def points(quick: bool = False) -> list[tuple[str, dict]]:
    """The (loss, params) points of the prediction panel."""
    agce_a = (0.1, 0.5, 1, 3) if quick else (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5)
    agce_q = (0.5, 2) if quick else (0.1, 0.25, 0.5, 0.75, 1.5, 2, 3)
    aul_a = (1.5, 3) if quick else (1.1, 1.5, 2, 3, 6)
    aul_q = (0.5, 1.5) if quick else (0.3, 0.6, 0.9, 1.5, 2, 3)
    ael_a = (0.5, 3) if quick else (0.2, 0.3, 0.5, 1, 2, 3, 5, 10)
    pts = [("agce", {"a": a, "q": q}) for a in agce_a for q in agce_q]
    pts += [("aul", {"a": a, "q": q}) for a in aul_a for q in aul_q]
    pts += [("ael", {"a": a}) for a in ael_a]
    pts += [("mae", {}), ("ce", {}), ("gce", {"q": 0.7})]
    return pts


def make_data(*, runs=None, quick: bool = False, K: int = K) -> dict:
    rows = read_sweep_rows(runs if runs is not None else DEFAULT_RUNS)
    data = data_ratio_vs_accuracy(points(quick), K=K, rows=rows or None)
    data["note"] = ("" if rows else "no sweep found: prediction panel only; "
                    "run `alfs sweep ...` and pass --runs for the measured panel")
    return data


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",)) -> list[str]:
    measured = data["measured"] is not None and any(len(s["r"]) for s in
                                                    data["measured"]["series"])
    with style_context():
        fig, axes = new_figure(1, 2 if measured else 1,
                               figsize=(7.0, 3.1) if measured else (3.4, 3.0))
        plot_ratio_vs_eta_max(axes[0, 0], data)
        axes[0, 0].legend(loc="lower right", ncol=2)
        if measured:
            plot_ratio_vs_accuracy(axes[0, 1], data)
            axes[0, 1].legend(loc="lower right")
        return save_figure(fig, out_dir, NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
