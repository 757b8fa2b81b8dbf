"""Assertions for a researcher's own CI: their torch loss matches its formula, their loss has
the verdicts they claim. Also available as the ``alfs`` pytest fixture (the plugin registered
by ``pip install alfs-theory``; see :mod:`alfs_theory.pytest_plugin`).

>>> from alfs_theory.testing import assert_verdicts
>>> _ = assert_verdicts("1 - u", {"decreasing": "PROVED", "symmetric": "PROVED"}, classes=3)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import AlfsError

__all__ = ["AlfsAssertionError", "as_spec", "assert_torch_matches", "assert_verdicts"]


class AlfsAssertionError(AssertionError, AlfsError):
    """A claim about a loss that the checker or the cross-validation does not confirm."""


def as_spec(loss, params: Mapping[str, float] | None = None,
            domains: Mapping[str, str] | None = None):
    """A bound spec from a registry name, a formula in u (parsed safely, never evaluated), or
    a spec; ``params`` bind it."""
    __tracebackhide__ = True  # a failure shows the user's test line, not these frames
    from .errors import UnknownLossError
    from .registry import get_loss
    from .spec import LossSpec

    params = dict(params or {})
    if isinstance(loss, LossSpec):
        return loss.bind(**params) if (params or not loss.is_bound) else loss
    try:
        return get_loss(loss).bind(**params)
    except UnknownLossError:
        from .userloss import loss_from_expression

        return loss_from_expression(str(loss), params=params, domains=domains).bind(**params)


def assert_torch_matches(fn: Callable, loss, *, params: Mapping[str, float] | None = None,
                         domains: Mapping[str, str] | None = None, **kw: Any):
    """Assert ``fn(logits, labels)`` matches the formula of ``loss`` (values and logit
    gradients; :func:`alfs_theory.nn.crossval.crossval`, whose keywords ``kw`` takes: classes,
    dtypes, rows, seed, rtol). Returns the report; raises AlfsAssertionError with the worst
    input and the first mismatches otherwise."""
    __tracebackhide__ = True
    from .checks.checker import admit
    from .nn.crossval import crossval

    spec = as_spec(loss, params, domains)
    for k in kw.get("classes", (2, 10, 100)):  # the spec gate at every K the check uses
        admit(spec, int(k))
    rep = crossval(fn, spec, target=getattr(fn, "__name__", type(fn).__name__), **kw)
    if not rep.ok:
        raise AlfsAssertionError(rep.to_text())
    return rep


def assert_verdicts(loss, expected: Mapping[str, str], *,
                    params: Mapping[str, float] | None = None,
                    domains: Mapping[str, str] | None = None, classes: int = 10,
                    noise: str | None = None, weights=None, timeout: float = 60.0):
    """Assert the checker's verdicts: ``expected`` maps a check name of
    :data:`~alfs_theory.checks.checker.CHECK_NAMES` (``decreasing``, ``shape``, ``ratio``,
    ``symmetric``, ``asymmetric``, ``region``, ``threshold``, ``calibrated``, ``excess-risk``,
    ``noise`` (needs ``noise=``), ``asymmetric-on`` (needs ``weights=``)) to PROVED, REFUTED or
    UNDECIDED; only those checks run. Every mismatch is listed with the check's summary and
    evidence. An unknown or old name (``weights``, ``symmetric-noise-threshold``, ...) is an
    AlfsError naming the new one. Returns the report."""
    __tracebackhide__ = True
    from .checks.checker import CHECKS, check_loss, check_names_error
    from .checks.verdict import args_text

    spec = as_spec(loss, params, domains)
    wanted = {k: str(v).upper() for k, v in expected.items()}
    bad_v = {k: v for k, v in wanted.items() if v not in ("PROVED", "REFUTED", "UNDECIDED")}
    if bad_v:
        raise AlfsError(f"expected verdicts must be PROVED, REFUTED or UNDECIDED; got {bad_v}")
    unknown = [k for k in wanted if k not in CHECKS]
    if unknown:
        raise check_names_error(unknown, "check name in expected")
    rep = check_loss(spec, n_classes=classes, noise=noise, weights=weights,
                     checks=list(wanted) or None, timeout=timeout)
    failures = []
    for name, want in wanted.items():
        hits = [r for r in rep.results if r.check == name]
        if not hits:
            failures.append(f"  {name}: no such result (the report has "
                            f"{', '.join(rep.keys()) or 'no results'}; a vector loss has no "
                            "decreasing/shape/ratio)")
            continue
        r = hits[0]
        if r.verdict.value != want:
            at = args_text({k: v for k, v in r.args.items() if k != "K"})
            failures.append(f"  {r.check}{f' ({at})' if at else ''}: expected {want}, got {r.verdict.value}: {r.summary}"
                            f"\n    evidence: {r.evidence}")
    if failures:
        raise AlfsAssertionError(f"loss {spec.name!r} ({spec.describe_values()}), K = {classes}:"
                                 "\n" + "\n".join(failures))
    return rep
