"""Built-in loss declarations: importing this package fills :data:`catalog.BUILTIN`, which
:mod:`alfs_theory.registry` registers when it first needs them."""

from . import asymmetric, catalog, classic, combos, field, normalized  # noqa: F401
