"""The vocabulary of the rule engine: facts about a loss, rules that need them, findings.

A **fact** is a property of one bound loss at one K, computed once and cached on the spec
(pointwise or vector form, bound parameters, continuity and jumps, monotonicity, ...). A
**rule** is a small named unit: the question it answers (``ratio``, ``decreasing``, ...), the
facts it requires, the certificate it gives and its source; its ``decide`` returns a
*finding* (a :class:`~alfs_theory.checks.verdict.CheckResult`, PROVED with a certificate or REFUTED
with a witness, or an UNDECIDED with an estimate) or None when it does not apply. Only the
engine (:func:`alfs_theory.checks.engine.decide`) runs rules, after checking their facts, and only
its gate (:mod:`alfs_theory.checks.engine.gate`) turns a finding into a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ...spec import LossSpec
from ...symbols import U
from ..provers.pieces import Jump

__all__ = ["FACTS", "Context", "Fact", "Jump", "Rule"]


@dataclass(frozen=True)
class Fact:
    """A named fact: what it says and how it is established (``fn(ctx)`` -> value)."""

    name: str
    says: str
    fn: Callable[[Context], Any]


FACTS: dict[str, Fact] = {}


def fact(name: str, says: str):
    def deco(fn):
        FACTS[name] = Fact(name, says, fn)
        return fn
    return deco


@dataclass(frozen=True)
class Rule:
    """One decision rule of the checker (see the module docstring)."""

    name: str
    question: str
    requires: tuple[str, ...]
    certificate: str
    source: str
    decide: Callable[[Context], Any] = field(compare=False, repr=False)

    def missing(self, ctx: Context) -> list[str]:
        """The first required fact that does not hold for ``ctx`` (a fact named ``not-X``
        requires X to be established False), as a list; the facts are established in their
        stated order and no further once one fails (a later fact may presume an earlier one:
        "decreasing" is a question about a pointwise l)."""
        for f in self.requires:
            if not ctx.holds(f):
                return [f]
        return []


class Context:
    """One bound loss at one K with its facts (computed on demand, cached on the spec) and
    the inputs of the question (``inputs``: weights, a ratio already decided, ...)."""

    def __init__(self, spec: LossSpec, n_classes: int, **inputs: Any) -> None:
        self.spec, self.n, self.inputs = spec, n_classes, inputs

    def fact(self, name: str) -> Any:
        key = ("fact", name, self.n)
        cache = self.spec._cache
        if key not in cache:
            cache[key] = FACTS[name].fn(self)
        return cache[key]

    def holds(self, name: str) -> bool:
        if name.startswith("not-"):
            return self.fact(name[4:]) is False
        return self.fact(name) is True


# ----------------------------------------------------------------------------- the facts
@fact("pointwise", "L(u, y) = l(u_y): a function of the labelled probability alone")
def _pointwise(ctx: Context) -> bool:
    return ctx.spec.is_pointwise


@fact("vector", "L uses the whole of u (class sums)")
def _vector(ctx: Context) -> bool:
    return not ctx.spec.is_pointwise


@fact("bound", "every parameter has a number (no free symbol but u)")
def _bound(ctx: Context) -> bool:
    if not ctx.spec.is_pointwise:
        return ctx.spec.is_bound
    return not (ctx.spec.pointwise_expr().free_symbols - {U})


@fact("smooth-formula", "l has no piecewise, min, max, abs, sign or Heaviside node")
def _smooth_formula(ctx: Context) -> bool:
    from ..provers.pieces import is_nonsmooth

    return ctx.spec.is_pointwise and not is_nonsmooth(ctx.spec.pointwise_expr())


@fact("pieces", "l split at its exact breakpoints into smooth pieces (None: not found)")
def _pieces(ctx: Context):
    from ..provers.pieces import split_pieces

    if not ctx.holds("pointwise") or not ctx.holds("bound"):
        return None
    return split_pieces(ctx.spec.pointwise_expr(), U)


@fact("jumps", "the points of [0, 1] where l is not continuous (None: not decided)")
def _jumps(ctx: Context):
    if not ctx.holds("pointwise"):
        return None
    if not ctx.spec.pointwise_expr().has(*_JUMPING):
        # an elementary formula (min, max and abs of such included), real and finite on
        # (0, 1] with no pole there (the spec gate refuses poles), is continuous on (0, 1] and
        # at 0 in the extended sense (l(0) is its value or its right limit, +oo allowed)
        return []
    P = ctx.fact("pieces")
    return None if P is None else P.jumps()


_JUMPING = (sp.Piecewise, sp.sign, sp.Heaviside, sp.floor, sp.ceiling)
"""The nodes that can make a formula jump (min, max and abs of continuous functions cannot)."""


@fact("continuous", "l is continuous on [0, 1] (+oo at 0 read as the extended value)")
def _continuous(ctx: Context):
    jumps = ctx.fact("jumps")
    return None if jumps is None else not jumps


@fact("decreasing", "l is non-increasing on [0, 1] (the decreasing check PROVED it)")
def _decreasing(ctx: Context):
    from ..properties.shape import check_decreasing
    from ..verdict import Verdict

    if not ctx.spec.is_pointwise:
        return None
    r = check_decreasing(ctx.spec)
    return {Verdict.PROVED: True, Verdict.REFUTED: False}.get(r.verdict)


@fact("has-upward-jump", "l steps up somewhere on [0, 1] (a jump against the decrease)")
def _has_upward_jump(ctx: Context):
    jumps = ctx.fact("jumps")
    if jumps is None:
        return None
    return any(any(s.is_positive for s in j.steps()) for j in jumps)


@fact("pointwise-or-quadratic", "pointwise, or a vector loss of the quadratic family (AMSE)")
def _pointwise_or_quadratic(ctx: Context):
    if ctx.spec.is_pointwise:
        return True
    from ..properties.calibration import quadratic_form

    return quadratic_form(ctx.spec, ctx.n) is not None


@fact("separable-concave", "the risk is sum_k phi_k(u_k) with every phi_k concave (or affine)")
def _separable_concave(ctx: Context):
    from ..properties.asymmetry import separable_form

    form = separable_form(ctx.spec, ctx.n)
    return form is not None and form.shape in ("concave", "linear")


@fact("separable-convex", "the risk is sum_k phi_k(u_k) with every phi_k convex")
def _separable_convex(ctx: Context):
    from ..properties.asymmetry import separable_form

    form = separable_form(ctx.spec, ctx.n)
    return form is not None and form.shape == "convex"
