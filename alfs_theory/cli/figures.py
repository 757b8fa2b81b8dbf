"""``alfs figures``: every figure of the paper and the one-loss figures (``figures/`` ships
beside the package in a source checkout; without it the command is absent)."""

from __future__ import annotations


def register(sub) -> None:
    try:
        from figures.build import register_cli
    except ImportError:  # an installed wheel without the figures/ folder
        return
    register_cli(sub)
