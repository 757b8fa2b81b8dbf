"""The built-in loss declarations, collected without touching the registry.

Each loss module declares its specs with :func:`declare`; :mod:`alfs_theory.registry` reads
:data:`BUILTIN` when it first needs the built-in losses. Data flows one way: the registry
imports the losses, the losses never import the registry.
"""

from __future__ import annotations

from ..spec import LossSpec

__all__ = ["BUILTIN", "HOME", "MODULES", "declare"]

BUILTIN: list[tuple[LossSpec, tuple[str, ...]]] = []

#: the modules of built-in losses, in the order the registry loads them all
MODULES = ("classic", "normalized", "asymmetric", "combos", "field")

_DECLARED_IN = {
    "classic": ("ce", "cross_entropy", "crossentropy", "fl", "focal", "mae", "mse", "gce",
                "rce", "sce"),
    "normalized": ("nce", "nfl", "ngce", "nmae", "nrce"),
    "asymmetric": ("agce", "aul", "aue", "ael", "anl", "anorm", "amse"),
    "combos": ("nce+mae", "nce+rce", "nfl+mae", "nfl+rce", "nce+agce", "nce+aul", "nce+aue",
               "nce+ael", "nfl+agce", "nfl+aul", "nfl+aue", "nfl+ael", "anl+rce", "nce+anl",
               "nce+amse", "jal-ce", "jal_ce", "nfl+amse", "jal-fl", "jal_fl"),
    "field": ("tce", "taylor-ce", "taylor_ce", "poly1", "polyloss", "poly-1", "ls",
              "label-smoothing", "label_smoothing", "js", "softbootstrap", "bootstrap-soft",
              "soft-bootstrap", "sbs", "nnce", "normalized-negative-ce", "nce+nnce",
              "anl-ye-ce", "anl_ye_ce", "ce+sr", "ce-sr", "sr", "ldrkl", "ldr-kl", "ldr_kl"),
}
#: registry key or alias of every built-in loss -> the module that declares it (asking for
#: one loss imports one module; tests/test_startup.py checks this against the declarations)
HOME: dict[str, str] = {name: mod for mod, names in _DECLARED_IN.items() for name in names}


def declare(spec: LossSpec, *, aliases: tuple[str, ...] = ()) -> LossSpec:
    """Add ``spec`` (with its aliases) to :data:`BUILTIN` and return it unchanged."""
    BUILTIN.append((spec, tuple(aliases)))
    return spec
