"""The loss registry: ``register``, ``get_loss`` (with close-match suggestions), ``list_losses``."""

from __future__ import annotations

import difflib

from .errors import SpecError, UnknownLossError
from .spec import LossSpec

_REGISTRY: dict[str, LossSpec] = {}
_ALIASES: dict[str, str] = {}


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "")


def register(spec: LossSpec, *, aliases: tuple[str, ...] = (), overwrite: bool = False) -> LossSpec:
    """Add ``spec`` under ``spec.name`` (lowercase). Refuses to replace unless ``overwrite``
    (the built-in losses are loaded first, so a clash with one of them is refused too)."""
    _ensure_loaded()
    return _add(spec, aliases, overwrite)


def _add(spec: LossSpec, aliases: tuple[str, ...], overwrite: bool) -> LossSpec:
    key = _key(spec.name)
    if key != spec.name:
        raise SpecError(
            f"registry keys are lowercase without spaces: use {key!r}, not {spec.name!r}"
        )
    if not overwrite and (key in _REGISTRY or key in _ALIASES):
        raise SpecError(
            f"a loss named {key!r} is already registered; pass overwrite=True to replace"
        )
    _REGISTRY[key] = spec
    for a in aliases:
        _ALIASES[_key(a)] = key
    return spec


def unregister(name: str) -> None:
    _ensure_loaded()
    key = _key(name)
    _REGISTRY.pop(key, None)
    for a in [a for a, k in _ALIASES.items() if k == key]:
        del _ALIASES[a]


def get_loss(name: str) -> LossSpec:
    """The registered spec for ``name`` (case-insensitive, aliases accepted). A built-in name
    asked before anything else needs the registry imports only the module declaring it."""
    key = _key(name)
    if not _loaded:
        from .losses.catalog import HOME

        home = HOME.get(key)
        if home is None:  # not a built-in name: suggest from among all of them
            _ensure_loaded()
        else:
            _load(home)
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    choices = sorted(_REGISTRY) + sorted(_ALIASES)
    close = difflib.get_close_matches(key, choices, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownLossError(
        f"unknown loss {name!r}{hint} Registered losses: {', '.join(sorted(_REGISTRY))} "
        "(`alfs list` shows them)"
    )


def list_losses() -> list[str]:
    """Registered loss names, sorted."""
    _ensure_loaded()
    return sorted(_REGISTRY)


def aliases_of(name: str) -> list[str]:
    return sorted(a for a, k in _ALIASES.items() if k == _key(name))


_loaded = False
_drained = 0  # how many of catalog.BUILTIN are registered


def _drain() -> None:
    """Register the built-in declarations made since the last call (in declaration order)."""
    global _drained
    from .losses import catalog  # the losses never import the registry: no cycle

    while _drained < len(catalog.BUILTIN):
        spec, aliases = catalog.BUILTIN[_drained]
        _drained += 1
        _add(spec, aliases, False)


def _load(module: str) -> None:
    import importlib

    importlib.import_module(f"{__package__}.losses.{module}")
    _drain()


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        from .losses.catalog import MODULES

        for m in MODULES:
            _load(m)
        _loaded = True
