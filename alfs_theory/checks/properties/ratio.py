"""The asymmetry ratio r(ℓ) of a pointwise loss (theory.md, Definition 3).

r(ℓ) = inf over 0 ≤ u_i, u_j ≤ 1, u_i + u_j ≤ 1, 0 < d ≤ u_j of
       [ℓ(u_i) − ℓ(u_i + d)] / [ℓ(u_j − d) − ℓ(u_j)].

For a differentiable decreasing ℓ this equals inf over s, t ≥ 0, s + t ≤ 1 of ℓ′(s)/ℓ′(t);
the checker derives the closed form from the curvature it proves:
concave ⇒ r = ℓ′(0)/ℓ′(1), convex ⇒ r = ℓ′(1)/ℓ′(0), affine ⇒ r = 1. For families whose
curvature depends on a parameter factor c (ℓ″ ∝ c), the answer is a Piecewise in c.
For bound parameters it also computes sound interval bounds [lo, hi], hi − lo ≤ tol, and
the point where the infimum is approached; for ℓ neither convex nor concave those bounds are
the answer.
"""

from __future__ import annotations

import time

import sympy as sp

from ...errors import SpecError
from ...spec import LossSpec
from ...symbols import U, simplify
from ..verdict import Certificate, CheckResult, Verdict
from .shape import check_decreasing, check_shape, derivatives, end_slope

__all__ = ["asymmetry_ratio", "ratio_closed_form"]


def _safe_ratio(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """num/den with the conventions r = 0 when the denominator slope is infinite."""
    if den.has(sp.oo, -sp.oo, sp.zoo) and not num.has(sp.oo, -sp.oo, sp.zoo):
        return sp.Integer(0)
    return simplify(sp.powsimp(num / den, force=True))


def ratio_closed_form(spec: LossSpec) -> tuple[sp.Expr | None, str, CheckResult]:
    """(closed form or None, how it was derived, the shape result)."""
    shape = check_shape(spec)
    ell, _, _ = derivatives(spec)
    g0, g1 = end_slope(ell, 0), end_slope(ell, 1)  # one-sided: a kink at an end counts
    if g0 is None or g1 is None:
        return None, ("the end-point slopes l'(0), l'(1) depend on the parameters in a way "
                      "sympy cannot resolve; bind the parameters"), shape.result
    if shape.kind == "linear":
        return sp.Integer(1), "l is affine: every secant slope is equal, so r = 1", shape.result
    if shape.kind == "concave":
        return _safe_ratio(g0, g1), (
            "l concave (proved) => the infimum sits at u_i = 0, u_j = 1, d -> 0: "
            "r = l'(0)/l'(1)"), shape.result
    if shape.kind == "convex":
        return _safe_ratio(g1, g0), (
            "l convex (proved) => the infimum sits at u_i -> 1, u_j -> 0, d -> 0: "
            "r = l'(1)/l'(0)"), shape.result
    if shape.case_factor is not None:
        c = shape.case_factor
        r_cvx, r_ccv = _safe_ratio(g1, g0), _safe_ratio(g0, g1)
        pw = sp.Piecewise((r_cvx, c >= 0), (r_ccv, True))
        return pw, (
            f"l'' has the sign of {sp.sstr(c)}: convex where {sp.sstr(c)} >= 0 "
            "(r = l'(1)/l'(0)), concave otherwise (r = l'(0)/l'(1))"), shape.result
    if shape.kind == "neither":
        return None, "curvature neither convex nor concave: no endpoint rule", shape.result
    return None, ("curvature not decided (neither convexity nor concavity proved): no "
                  "endpoint rule"), shape.result


def asymmetry_ratio(spec: LossSpec, *, tol: float = 1e-6, bounds: bool = True) -> CheckResult:
    """r(ℓ) with evidence: closed form where derivable, sound interval bounds when bound."""
    t0 = time.perf_counter()
    if not spec.is_pointwise:
        raise SpecError(
            f"loss {spec.name!r} is a vector loss: the asymmetry ratio is defined for pointwise "
            "losses l(u_y); decide asymmetry on weights instead (check_asymmetric_on_weights)"
        )
    if spec.is_bound:
        from .domain import assert_loss_defined

        assert_loss_defined(spec, 2)  # K = 2 only stands in for K if l uses K
    dec = check_decreasing(spec)
    if dec.verdict is not Verdict.PROVED:
        why = ("l is not decreasing: " + dec.counterexample.detail
               if dec.verdict is Verdict.REFUTED else "decreasing could not be proved")
        return CheckResult("ratio", Verdict.UNDECIDED,
                           f"r(l) is computed for decreasing l; {why}",
                           estimate=why, seconds=time.perf_counter() - t0)
    closed, how, _shape = ratio_closed_form(spec)
    free = (closed.free_symbols if closed is not None else set()) - {U}
    data: dict = {"closed_form": sp.sstr(closed) if closed is not None else None,
                  "latex": sp.latex(closed) if closed is not None else None}
    lo = hi = argmin = None
    if spec.is_bound and bounds:
        from ..provers import ratio_infimum_bounds

        _, d1, _ = derivatives(spec)
        b = ratio_infimum_bounds(-d1, U, tol=tol)
        lo, hi, argmin = float(b.lo), float(b.hi), b.argmin
        data.update({"lo": lo, "hi": hi, "argmin": argmin, "boxes": b.boxes,
                     "converged": bool(b.converged)})
        if closed is not None and not free:
            cv = float(closed)
            if not (lo - tol <= cv <= hi + tol):
                # the derivation and the interval bounds disagree: say so, do not guess
                why = f"closed form {cv:.10g} lies outside the certified bounds [{lo}, {hi}]"
                return CheckResult(
                    "ratio", Verdict.UNDECIDED, f"INTERNAL ERROR: {why} ({how})",
                    estimate={"closed": cv, "lo": lo, "hi": hi},
                    seconds=time.perf_counter() - t0,
                    internal_error=f"the derivation ({how}) gives {cv:.10g}; interval "
                                   f"bisection of the definition gives [{lo}, {hi}]")
    if closed is not None:
        value = closed
        summ = f"r(l) = {sp.sstr(closed)}"
        if not free and not closed.is_Integer:  # "r(l) = 1 = 1" says nothing twice
            summ += f" = {float(closed):.10g}"
        if lo is not None:
            summ += f"; interval bounds [{lo:.10g}, {hi:.10g}]"
        cert = Certificate("calculus", how, data)
        return CheckResult("ratio", Verdict.PROVED, summ, certificate=cert, value=value,
                           estimate=(lo, hi) if lo is not None else None,
                           seconds=time.perf_counter() - t0)
    if lo is not None and data.get("converged") and hi - lo <= tol:
        cert = Certificate(
            "interval-bisection",
            f"sound bounds {lo:.10g} <= r(l) <= {hi:.10g}, approached at (s, t) = {argmin}",
            data)
        return CheckResult("ratio", Verdict.PROVED,
                           f"r(l) in [{lo:.10g}, {hi:.10g}] (no closed form: {how})",
                           certificate=cert, value=(lo + hi) / 2, estimate=(lo, hi),
                           seconds=time.perf_counter() - t0)
    return CheckResult("ratio", Verdict.UNDECIDED, f"r(l) not determined: {how}",
                       estimate=(lo, hi) if lo is not None else how,
                       seconds=time.perf_counter() - t0)
