"""Built-in loss declarations. Importing one of the modules fills :data:`catalog.BUILTIN` with
its losses, which :mod:`alfs_theory.registry` registers when it first needs them: asking for
one loss imports the module that declares it (:data:`catalog.HOME`), listing them imports all
(:data:`catalog.MODULES`). Importing this package alone declares nothing."""

from __future__ import annotations

import importlib

from .catalog import MODULES


def __getattr__(name: str):
    """``alfs_theory.losses.classic`` and the other modules, imported when first named."""
    if name in MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

