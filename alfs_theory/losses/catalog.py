"""The built-in loss declarations, collected without touching the registry.

Each loss module declares its specs with :func:`declare`; :mod:`alfs_theory.registry` reads
:data:`BUILTIN` when it first needs the built-in losses. Data flows one way: the registry
imports the losses, the losses never import the registry.
"""

from __future__ import annotations

from ..spec import LossSpec

__all__ = ["BUILTIN", "declare"]

BUILTIN: list[tuple[LossSpec, tuple[str, ...]]] = []


def declare(spec: LossSpec, *, aliases: tuple[str, ...] = ()) -> LossSpec:
    """Add ``spec`` (with its aliases) to :data:`BUILTIN` and return it unchanged."""
    BUILTIN.append((spec, tuple(aliases)))
    return spec
