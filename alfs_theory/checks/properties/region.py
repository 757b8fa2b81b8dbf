"""For which weights is a loss asymmetric? The exact region at K classes, where a rule gives it.

The per-weight decision (:func:`.asymmetry.check_asymmetric_on_weights`) answers one weight
vector; this module states the whole set of weight vectors w (normalised, Σ w = 1, unique
largest w_t, w_n the second largest) on which argmin_u Σ_k w_k L(u, k) = {e_t}:

* completely asymmetric losses (concave separable risks, normalised losses at K = 2, sums of
  such parts): every w;
* separable convex risks φ_k = w_k A + (1 − w_k) B: the KKT margins at e_t,
  D_k = w_k (A′(0) − B′(0)) + B′(0) − w_t (A′(1) − B′(1)) − B′(1) ≥ 0 for k ≠ t, linear in w;
  when A′(0) − B′(0) ≤ 0 the binding class is the second largest weight, which gives one
  inequality in (w_t, w_n) (for a pointwise ℓ: w_t / w_n ≥ ℓ′(0)/ℓ′(1) = 1/r);
* normalised losses at K ≥ 3: N(0) = ∞ (NCE, NFL): no weight vector (the infimum is approached
  away from e_t); N(0) finite (NGCE): exactly the w whose other entries are all equal;
* NCE/NFL + a continuous rest X at K ≥ 3: the region of X.

Each region is PROVED by the rule that derives it (the certificate names it); otherwise the
check is UNDECIDED.
"""

from __future__ import annotations

import time

import sympy as sp

from ...spec import LossSpec
from ...symbols import U, simplify, tidy_linear
from ..verdict import Certificate, CheckResult, Verdict
from .asymmetry import (
    bounded_normalised,
    complete_asymmetry,
    negative_normalised_tie,
    normalised_negative_sequence,
    rest_of_sum,
    separable_form,
    unbounded_numerator,
    vanishing_numerator,
)
from .shape import end_slope, end_value

__all__ = ["REGION_RULES", "W_N", "W_T", "region_result", "weight_region"]

W_T = sp.Symbol("w_t", positive=True)
W_N = sp.Symbol("w_n", nonnegative=True)
W_K = sp.Symbol("w_k", nonnegative=True)  # any class k != t, in the certificate's margins


def weight_region(spec: LossSpec, n_classes: int) -> CheckResult:
    """The set of weights on which ``spec`` is asymmetric at K = n_classes: the first rule of
    :data:`REGION_RULES` that gives it, else UNDECIDED.

    ``value`` is a dict: ``kind`` ("all", "none", "inequality", "equal-others"), ``text`` (the
    condition for people), and for "inequality" ``condition`` (a sympy relation in w_t, w_n
    with Σ w = 1) and ``ratio`` (the bound on w_t/w_n when the condition is one, else None).
    The checker asks the same rules through its engine (rules ``region-*``); this function is
    for derivations that need the region itself.
    """
    t0 = time.perf_counter()
    out = _region(spec, n_classes)
    if out is None:
        return CheckResult("region", Verdict.UNDECIDED, "no exact rule gives the region of "
                           "weights", estimate="decide single weight vectors with --weights "
                           "/ --noise", seconds=time.perf_counter() - t0)
    return region_result(out, time.perf_counter() - t0)


def region_result(out, seconds: float = 0.0) -> CheckResult:
    """A region rule's (value, certificate) as the PROVED result of the region question."""
    value, cert = out
    return CheckResult("region", Verdict.PROVED, f"asymmetric for {value['text']}",
                       certificate=cert, value=value, seconds=seconds)


def _region(spec: LossSpec, n: int):
    for step in REGION_RULES:
        out = step(spec, n)
        if out is not None:
            return out
    return None


def region_complete(spec: LossSpec, n: int):
    """Complete asymmetry (concave separable risk, normalised at K = 2, sums of such parts):
    every w with a unique largest entry."""
    full = complete_asymmetry(spec, n)
    if full is None:
        return None
    return ({"kind": "all", "text": "every w with a unique largest entry"}, full.certificate)


def region_normalised_sequence(spec: LossSpec, n: int):
    """N(u_y)/sum_k N(u_k) with N(0+) = oo at K >= 3: no weight vector."""
    if n < 3 or unbounded_numerator(spec, n) is None:
        return None
    return ({"kind": "none", "text": "no weight vector (the infimum of the risk is "
             "approached with the wrong argmax)"},
            Certificate("normalised-sequence", "L = N(u_y)/sum_k N(u_k), N(0+) = oo, K >= 3:"
                        " the risk is a weighted mean of the w_k, and a sequence with the "
                        "least-weight u_m -> 0 reaches its infimum min_k w_k away from e_t"))


def region_negative_tie(spec: LossSpec, n: int):
    """L = c - N(u_y)/sum_k N(u_k) with N = 0 on [0, b]: no weight vector (an exact tie)."""
    got = negative_normalised_tie(spec, [sp.Rational(1, 2)] + [sp.Rational(1, 2 * (n - 1))]
                                  * (n - 1), 0)
    if got is None:
        return None
    return ({"kind": "none", "text": "no weight vector (the other classes inside N's zero "
             "plateau tie e_t exactly)"},
            Certificate("negative-tie", f"{got[3].evidence}. For any w with a unique largest "
                        "w_t the risk is c W minus the mean of the w_k weighted by N(u_k): at "
                        "most w_t, reached at e_t and at every u whose other classes lie in "
                        "the plateau, so argmin != {e_t} for every w"))


def region_normalised_negative(spec: LossSpec, n: int):
    """NCE-type + normalized negative parts (ANL-CE) at K >= 3: no weight vector."""
    got = normalised_negative_sequence(spec, [sp.Rational(1, 2)] + [sp.Rational(1, 2 * (n - 1))]
                                       * (n - 1), 0) if n >= 3 else None
    if got is None:
        return None
    return ({"kind": "none", "text": "no weight vector (the infimum is approached along a "
             "sequence converging away from e_t)"},
            Certificate("normalised-negative-sequence", f"shown at w = (1/2, rest equal): "
                        f"{got[1].detail}; the argument holds for every w with a unique "
                        "largest entry"))


def region_normalised_equal_weights(spec: LossSpec, n: int):
    """Normalised with N(0) finite and N'(0) = -oo at K >= 3: exactly the w whose other
    entries are equal."""
    if n < 3 or vanishing_numerator(spec, n) is None:
        return None
    probe = bounded_normalised(spec, [sp.Rational(1, 2)] + [sp.Rational(1, 2 * (n - 1))]
                               * (n - 1), 0)
    if probe is None or probe[0] != "PROVED":
        return None
    N, _ = vanishing_numerator(spec, n)
    if end_value(sp.diff(N, U), 0) != -sp.oo:
        return None
    return ({"kind": "equal-others", "text": "exactly the w whose entries other than the "
             "largest are all equal (e.g. symmetric noise)"},
            Certificate("normalised-equal-weights",
                        f"{probe[1].detail}. Otherwise some class j has w_j above the mean of "
                        "the others, and N'(0) = -oo makes moving mass from e_t to e_j lower "
                        "the risk"))


def region_normalised_plus_region(spec: LossSpec, n: int):
    """NCE/NFL + a rest X at K >= 3: the region of X (by the same rules)."""
    got = rest_of_sum(spec, n)
    if got is None:
        return None
    inner = _region(got[1], n)
    if inner is None:
        return None
    value, cert = inner
    names = ", ".join(p.name for _, p in got[0])
    return (dict(value, text=value["text"] + f" (the region of {got[1].name}; the "
                 f"normalised {names} does not restrict it)"),
            Certificate("normalised-plus-region",
                        f"{names}: >= min_k w_k everywhere with that bound reached at "
                        f"e_t, so the sum is asymmetric exactly where {got[1].name} is:"
                        f" {cert.detail}"))


def region_kkt(spec: LossSpec, n: int):
    """Separable convex risk: the KKT margins at e_t, one linear inequality in (w_t, w_n)
    (none when B'(0) = -oo or A'(0) = -oo, or when the inequality holds no noisy w)."""
    form = separable_form(spec, n)
    if form is None or form.shape != "convex":
        return None
    dA0, dA1 = (end_slope(form.A, x) for x in (0, 1))
    dB0, dB1 = (end_slope(form.B, x) for x in (0, 1))
    if None in (dA0, dA1, dB0, dB1):
        return None
    if dB0 == -sp.oo and dA1.is_finite and dB1.is_finite:
        return ({"kind": "none", "text": "no weight vector (B'(0) = -oo: every class "
                 "k != t pulls mass off e_t)"},
                Certificate("kkt", "B'(0) = -oo with A'(1), B'(1) finite: the KKT margin "
                            "D_k = w_k A'(0) + (1 - w_k) B'(0) - phi_t'(1) is -oo for every "
                            "k != t (1 - w_k > 0), so moving mass off e_t lowers the risk"))
    c0, c1 = simplify(dA0 - dB0), simplify(dA1 - dB1)
    if c0.has(sp.nan) or c1.has(sp.nan):
        return None
    op = sp.Ge if form.strict else sp.Gt
    if c0 == -sp.oo:
        return ({"kind": "none", "text": "no weight vector with w_n > 0 (phi'(0) = -oo)"},
                Certificate("kkt", "A'(0) = -oo: moving mass to any class of positive "
                            "weight lowers the risk at once"))
    if not (c0.is_number and c0 <= 0 and dB0.is_finite and dB1.is_finite):
        return None
    D = _tidy(W_N * c0 + dB0 - W_T * c1 - dB1)
    cond = op(D, 0)
    ratio = None
    ge = ">=" if form.strict else ">"
    cert = Certificate(
        "kkt",
        f"separable convex risk ({form.evidence}); KKT margins at e_t "
        f"D_k = {sp.sstr(_tidy(W_K * c0 + dB0 - W_T * c1 - dB1, W_K))}, "
        "decreasing in w_k, so the second largest weight binds"
        + ("; equality kept (strictly convex)" if form.strict else ""),
        {"D": D})
    empty = _no_noisy_weights(D, n)
    if empty is not None:
        return ({"kind": "none", "text": f"no noisy weight vector (w_n > 0): {empty}",
                 "condition": cond, "ratio": None}, cert)
    if simplify(dB0 - dB1) == 0 and c1.is_negative and c0.is_negative:
        ratio = sp.nsimplify(simplify(c0 / c1))
        text = f"w_t/w_n {ge} {sp.sstr(ratio)}"
    elif simplify(c0 - c1) == 0 and c0.is_negative:
        gap = sp.nsimplify(simplify((dB1 - dB0) / (-c0)))
        text = f"w_t - w_n {ge} {sp.sstr(gap)}"
    else:
        text = f"{sp.sstr(D)} {'>=' if form.strict else '>'} 0 (with sum w = 1)"
    return ({"kind": "inequality", "text": text, "condition": cond, "ratio": ratio}, cert)


#: the region rules in the order they are tried; the engine registers each as a rule
#: ``region-*`` (``engine.rules.REGION_RULE_TABLE``, kept in step by a test)
REGION_RULES = (region_complete, region_normalised_sequence, region_negative_tie,
                region_normalised_negative, region_normalised_equal_weights,
                region_normalised_plus_region, region_kkt)


def _tidy(D: sp.Expr, w_n: sp.Symbol = W_N) -> sp.Expr:
    """The margin D(w_t, w_n) for printing, collected in w_t and w_n."""
    return tidy_linear(D, [W_T, w_n])


def _no_noisy_weights(D: sp.Expr, n: int) -> str | None:
    """Why the region {D >= 0} holds no weight vector with w_n > 0, or None when it may.

    The normalised weights with w_t the unique largest and w_n the second largest fill, in
    (w_t, w_n), the triangle with corners (1, 0) (no noise), (1/2, 1/2) and (1/K, 1/K) (a
    segment at K = 2); D is linear in them, so D <= 0 at (1, 0) and D < 0 at the other two
    corners make D < 0 at every point with w_n > 0. The witness is the margin at the weights
    of symmetric noise at eta = 0.1."""
    corners = [(1, 0), (sp.Rational(1, 2), sp.Rational(1, 2))]
    if n >= 3:
        corners.append((sp.Rational(1, n), sp.Rational(1, n)))
    vals = [simplify(D.subs({W_T: a, W_N: b})) for a, b in corners]
    if not (vals[0].is_nonpositive and all(v.is_negative for v in vals[1:])):
        return None
    eta = sp.Rational(1, 10)
    wt, wn = 1 - eta, eta / (n - 1)
    d = simplify(D.subs({W_T: wt, W_N: wn}))
    w = "(" + ", ".join(f"{float(x):.4g}" for x in [wt] + [wn] * min(n - 1, 2)) + \
        (", ..." if n > 3 else "") + ")"
    return (f"the KKT margin D = {sp.sstr(D)} is < 0 for every noisy w (it is "
            f"{sp.sstr(vals[0])} at w = e_t), e.g. w = {w} (symmetric noise, eta = 0.1): "
            f"D = {float(d):.6g} < 0, so moving mass from e_t to the class of w_n lowers the "
            "risk; only the noise-free w = e_t keeps e_t")
