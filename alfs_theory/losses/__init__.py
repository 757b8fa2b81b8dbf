"""Built-in loss declarations; importing this package registers them."""

from . import asymmetric, classic, combos, normalized  # noqa: F401
