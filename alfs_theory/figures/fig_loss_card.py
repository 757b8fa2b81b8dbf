"""One loss on one page, registered or typed: ℓ and ℓ′ (with the certified r(ℓ)), the checker's
symmetric-noise threshold against K, and the noisy population minimiser against η.

Not in the default build (it needs a loss): ``alfs figures --loss NAME`` or
``alfs figures --expr "1 - u - 0.05*sin(2*pi*u)"``; ``make_data(spec=...)`` from Python.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..plotting import data_loss_card, plot_loss_card
from . import math_title, new_figure, panel_letters, save_figure, script_main, style_context

NAME = "fig_loss_card"
TITLE = "One loss: curve, ratio, thresholds against K, population minimiser"


def make_data(*, spec=None, runs=None, quick: bool = False, K: int = 10) -> dict:
    if spec is None:
        from ..registry import get_loss

        spec = get_loss("agce").bind()
    Ks = (2, 3, 5, 10) if quick else tuple(range(2, 21))
    return data_loss_card(spec, K=K, Ks=Ks, n=120 if quick else 300,
                          etas=None if not quick else [0.0, 0.3, 0.6, 0.85])


def draw(data: dict, out_dir: str | os.PathLike, formats: Sequence[str] = ("png",),
         name: str | None = None) -> list[str]:
    with style_context():  # a 7 in page width: every text >= 7.5 pt at print size
        fig, axes = new_figure(2, 2, figsize=(7.0, 5.6))
        panels = [axes[0, 0], axes[0, 1], axes[1, 0], axes[1, 1]]
        plot_loss_card(panels, data)
        panel_letters(panels)
        lhs = r"L(u, y) = " if data.get("vector") else r"\ell(u) = "
        formula = math_title(lhs + data["latex"] if data.get("latex") else "",
                             data["formula"].replace("   [u = u_y]", ""))
        fig.suptitle(f"{data['label']}:  {formula}", fontsize=10)
        return save_figure(fig, out_dir, name or NAME, formats)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(script_main(NAME))
