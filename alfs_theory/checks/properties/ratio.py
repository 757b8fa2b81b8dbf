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

import sympy as sp

from ...spec import LossSpec
from ...symbols import U, simplify
from ..verdict import Certificate, CheckResult, Verdict
from .shape import check_decreasing, check_shape, derivatives, end_slope

__all__ = ["bisection_finding", "closed_form_finding", "ratio_closed_form",
           "undetermined_finding"]


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


#: boxes of the bounds that cross-check a closed form: they stay sound with fewer boxes, only
#: wider; a kink of l (a jump of l') stalls the branch and bound where it stands after a few
#: thousand boxes (max(2 - 3u, 1 - u): the same [1/7, 1/3] after 3,000 boxes and 60,000, 0.5 s
#: against 12 s)
CROSS_CHECK_BOXES = 6000
BISECTION_BOXES = 60000  #: the bounds that are the answer where no closed form exists


def _bounds(spec: LossSpec, tol: float, max_boxes: int = BISECTION_BOXES) -> dict:
    """Sound interval bounds on inf l'(s)/l'(t) for a bound decreasing l (computed once per
    spec, tolerance and box budget)."""
    key = ("ratio-bounds", tol, max_boxes)
    if key not in spec._cache:
        from ..provers import ratio_infimum_bounds

        _, d1, _ = derivatives(spec)
        b = ratio_infimum_bounds(-d1, U, tol=tol, max_boxes=max_boxes)
        spec._cache[key] = {"lo": float(b.lo), "hi": float(b.hi), "argmin": b.argmin,
                            "boxes": b.boxes, "converged": bool(b.converged)}
    return spec._cache[key]


def _closed(spec: LossSpec) -> tuple[sp.Expr | None, str]:
    key = ("ratio-closed",)
    if key not in spec._cache:
        closed, how, _ = ratio_closed_form(spec)
        spec._cache[key] = (closed, how)
    return spec._cache[key]


def closed_form_finding(spec: LossSpec, *, tol: float = 1e-6,
                        bounds: bool = True) -> CheckResult | None:
    """Rule ``ratio-closed-form`` (l continuous and proved non-increasing): r(l) from the
    proved curvature (affine 1, concave l'(0)/l'(1), convex l'(1)/l'(0), a Piecewise in a
    family's curvature factor), checked against the sound interval bounds when l is bound
    (a disagreement is said, never resolved by a guess). None when no endpoint rule applies."""
    if spec.is_bound:
        from .domain import assert_loss_defined

        assert_loss_defined(spec, 2)  # K = 2 only stands in for K if l uses K
    closed, how = _closed(spec)
    if closed is None:
        return None
    free = closed.free_symbols - {U}
    data: dict = {"closed_form": sp.sstr(closed), "latex": sp.latex(closed)}
    lo = hi = None
    if spec.is_bound and bounds:
        data.update(_bounds(spec, tol, CROSS_CHECK_BOXES))
        lo, hi = data["lo"], data["hi"]
        if not free:
            cv = float(closed)
            if not (lo - tol <= cv <= hi + tol):
                why = f"closed form {cv:.10g} lies outside the certified bounds [{lo}, {hi}]"
                return CheckResult(
                    "ratio", Verdict.UNDECIDED, f"INTERNAL ERROR: {why} ({how})",
                    estimate={"closed": cv, "lo": lo, "hi": hi},
                    internal_error=f"the derivation ({how}) gives {cv:.10g}; interval "
                                   f"bisection of the definition gives [{lo}, {hi}]")
    summ = f"r(l) = {sp.sstr(closed)}"
    if not free and not closed.is_Integer:  # "r(l) = 1 = 1" says nothing twice
        summ += f" = {float(closed):.10g}"
    if lo is not None:
        summ += f"; interval bounds [{lo:.10g}, {hi:.10g}]"
    return CheckResult("ratio", Verdict.PROVED, summ,
                       certificate=Certificate("calculus", how, data), value=closed,
                       estimate=(lo, hi) if lo is not None else None)


def bisection_finding(spec: LossSpec, *, tol: float = 1e-6) -> CheckResult | None:
    """Rule ``ratio-interval-bisection`` (l bound, continuous, proved non-increasing, no
    closed form): sound bounds lo <= inf l'(s)/l'(t) <= hi with hi - lo <= tol. None when the
    bisection did not converge to the tolerance."""
    data = dict(_bounds(spec, tol))
    lo, hi = data["lo"], data["hi"]
    if not (data["converged"] and hi - lo <= tol):
        return None
    _, how = _closed(spec)
    data.update({"closed_form": None, "latex": None})
    cert = Certificate(
        "interval-bisection",
        f"sound bounds {lo:.10g} <= r(l) <= {hi:.10g}, approached at (s, t) = {data['argmin']}",
        data)
    return CheckResult("ratio", Verdict.PROVED,
                       f"r(l) in [{lo:.10g}, {hi:.10g}] (no closed form: {how})",
                       certificate=cert, value=(lo + hi) / 2, estimate=(lo, hi))


def undetermined_finding(spec: LossSpec, *, tol: float = 1e-6) -> CheckResult:
    """Rule ``ratio-undetermined``: what is known when no rule gave r(l) (never a verdict)."""
    dec = check_decreasing(spec)
    if dec.verdict is not Verdict.PROVED:
        why = ("l is not decreasing: " + dec.counterexample.detail
               if dec.verdict is Verdict.REFUTED else "decreasing could not be proved")
        return CheckResult("ratio", Verdict.UNDECIDED,
                           f"r(l) is computed for decreasing l; {why}", estimate=why)
    _, how = _closed(spec)
    b = spec._cache.get(("ratio-bounds", tol, BISECTION_BOXES))
    return CheckResult("ratio", Verdict.UNDECIDED, f"r(l) not determined: {how}",
                       estimate=(b["lo"], b["hi"]) if b else how)
