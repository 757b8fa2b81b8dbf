"""Tests of the prover layer: interval enclosures, sign proofs, certified infima, sympy signs.

Golden values: the closed-form asymmetry ratios are from /work/shared/theory.md ("Closed-form
ratios", derived and brute-force checked there); r(l) = inf over s, t >= 0, s + t <= 1 of
l'(s)/l'(t). The non-convex cases are cross-checked here against a dense grid.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alfs_theory.checks.provers import (
    IntervalDomainError,
    IntervalError,
    certified_infimum,
    enclose_range,
    parameter_substitutions,
    prove_sign_on_interval,
    prove_sign_symbolic,
    ratio_infimum_bounds,
    to_interval_function,
)
from alfs_theory.checks.verdict import Verdict
from alfs_theory.symbols import U as u

R = sp.Rational


def slope(ell: sp.Expr) -> sp.Expr:
    """g = -l'."""
    return -sp.diff(ell, u)


def brute_ratio(g: sp.Expr, n: int = 20001) -> float:
    """min over a grid of g(s) / max_{t <= 1 - s} g(t)."""
    f = sp.lambdify(u, g, "numpy")
    x = np.linspace(0.0, 1.0, n)
    v = np.asarray(f(x), dtype=float) * np.ones_like(x)
    pm = np.maximum.accumulate(v)
    return float(np.min(v / pm[::-1]))


# ----------------------------------------------------------------------------- enclosures


def test_enclosure_contains_range_simple():
    f = to_interval_function(sp.exp(-u) * (1 + u), [u])
    r = f((0, 1))
    assert r.a <= 2 / math.e and r.b >= 1.0


def test_log_and_fractional_power_touching_zero_are_unbounded_not_wrong():
    r = to_interval_function(sp.log(u), [u])((0, 2))
    assert r.a == -mpmath.inf and float(r.b) >= math.log(2)
    r = to_interval_function(u ** R(-1, 2), [u])((0, 4))
    assert r.b == mpmath.inf and float(r.a) <= 0.5
    # a fractional power of a possibly negative base: the whole line, never a narrow guess
    r = to_interval_function((u - 1) ** R(1, 3), [u])((0, 2))
    assert r.a == -mpmath.inf and r.b == mpmath.inf
    with pytest.raises(IntervalDomainError):
        to_interval_function(sp.log(u - 3), [u])((0, 1))


def test_free_parameter_is_a_clear_error():
    a = sp.Symbol("a", positive=True)
    with pytest.raises(IntervalError, match="substitute"):
        to_interval_function((a + u) ** 2, [u])


def test_piecewise_min_max_abs():
    e = sp.Piecewise((u, u < R(1, 2)), (1 - u, True)) + sp.Max(u, R(1, 4)) - sp.Abs(u - R(1, 3))
    f = to_interval_function(e, [u])
    g = sp.lambdify(u, e, "numpy")
    r = f((0, 1))
    xs = np.linspace(0, 1, 1001)
    vals = np.array([float(g(x)) for x in xs])
    assert float(r.a) <= vals.min() and float(r.b) >= vals.max()


_leaf = st.sampled_from([u, u + 1, 2 - u, sp.Integer(2), R(1, 3), sp.pi / 4])


def _build(draw, depth):
    if depth == 0:
        return draw(_leaf)
    kind = draw(st.sampled_from(["add", "mul", "pow", "exp", "log", "sqrt", "sin", "leaf"]))
    a = _build(draw, depth - 1)
    if kind == "add":
        return a + _build(draw, depth - 1)
    if kind == "mul":
        return a * _build(draw, depth - 1)
    if kind == "pow":
        return a ** draw(st.sampled_from([2, 3, -1, R(1, 2), R(-3, 2)]))
    if kind == "exp":
        return sp.exp(a / 4)
    if kind == "log":
        return sp.log(1 + a**2)
    if kind == "sqrt":
        return sp.sqrt(a**2 + 1)
    if kind == "sin":
        return sp.sin(3 * a)
    return a


@st.composite
def expressions(draw):
    return _build(draw, draw(st.integers(1, 3)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.floats(0, 1), st.floats(0, 1))
def test_enclosure_soundness_property(expr, x0, x1):
    """The interval enclosure over a box contains 50-digit point values inside it."""
    lo, hi = min(x0, x1), max(x0, x1)
    try:
        f = to_interval_function(expr, [u])
        r = f((lo, hi))
    except IntervalDomainError:
        return
    g = sp.lambdify(u, expr, "mpmath")
    with mpmath.workdps(50):
        for t in np.linspace(0.0, 1.0, 7):
            x = mpmath.mpf(lo) + (mpmath.mpf(hi) - mpmath.mpf(lo)) * mpmath.mpf(t)
            try:
                v = g(x)
            except (ZeroDivisionError, ValueError, OverflowError):
                continue  # the reference itself cannot be evaluated there
            if isinstance(v, mpmath.mpc) or not mpmath.isfinite(v):
                continue
            assert r.a <= v <= r.b, (expr, lo, hi, x, v, r)


# ----------------------------------------------------------------------------- sign proofs


def test_sign_proved_with_certificate():
    res = prove_sign_on_interval(-(1 + u) ** R(-1, 2), u, 0, 1, sign="negative", strict=True)
    assert res.verdict is Verdict.PROVED
    assert res.certificate.method == "interval-bisection"
    assert {"boxes", "depth", "worst_bound"} <= set(res.certificate.data)


def test_narrow_bump_is_refuted_inside_the_bump():
    """l'(u) = -1 + 3 exp(-((u - c)/w)^2), w = 5e-4: l' > 0 only on a band of width ~1e-3."""
    c, w = R(3141, 10000), R(5, 10000)
    d1 = -1 + 3 * sp.exp(-(((u - c) / w) ** 2))
    res = prove_sign_on_interval(d1, u, 0, 1, sign="negative", strict=False, scan_points=0)
    assert res.verdict is Verdict.REFUTED
    x = res.counterexample.point["u"]
    assert abs(x - float(c)) < float(w) * math.sqrt(math.log(3))
    assert res.counterexample.digits == 50
    assert float(d1.subs(u, x)) > 0


def test_increasing_loss_refuted():
    res = prove_sign_on_interval(sp.diff(u**2 / 2 + u, u), u, 0, 1, sign="negative",
                                 strict=False)
    assert res.verdict is Verdict.REFUTED
    assert res.counterexample.values["value"]


def test_linear_loss_has_zero_curvature():
    d2 = sp.diff(1 - u, u, 2)
    assert prove_sign_on_interval(d2, u, 0, 1, sign="negative",
                                  strict=False).verdict is Verdict.PROVED
    assert prove_sign_on_interval(d2, u, 0, 1, sign="negative",
                                  strict=True).verdict is Verdict.REFUTED


def test_touching_zeros_at_end_point_and_inside():
    # l = (1 - u)^3 expanded: l' = -3 (1 - u)^2 <= 0, zero at u = 1
    d1 = sp.expand(sp.diff((1 - u) ** 3, u))
    assert prove_sign_on_interval(d1, u, 0, 1, sign="negative",
                                  strict=False).verdict is Verdict.PROVED
    strict = prove_sign_on_interval(d1, u, 0, 1, sign="negative", strict=True)
    assert strict.verdict is Verdict.REFUTED and strict.counterexample.point["u"] == 1.0
    # a double root at the non-dyadic point 1/3
    e = sp.expand(6 * (u - R(1, 3)) ** 2)
    assert prove_sign_on_interval(e, u, 0, 1, sign="positive",
                                  strict=False).verdict is Verdict.PROVED


def test_pole_at_end_point():
    assert prove_sign_on_interval(-1 / u, u, 0, 1, sign="negative",
                                  strict=True).verdict is Verdict.PROVED


def test_budget_gives_undecided_with_open_boxes():
    # true (minimum 1e-25 at the irrational 1/pi) but below what 80-bit enclosures resolve
    e = sp.expand((u - 1 / sp.pi) ** 2) + R(1, 10**25)
    res = prove_sign_on_interval(e, u, 0, 1, sign="positive", strict=True, max_boxes=300)
    assert res.verdict is Verdict.UNDECIDED
    assert res.estimate["open_boxes"]


def test_enclose_range():
    rb = enclose_range(u * (1 - u), u, 0, 1, tol=1e-9)
    assert rb.min_lo <= 0 <= rb.min_hi and rb.max_lo <= 0.25 <= rb.max_hi
    assert rb.converged
    lo, hi, *_ = enclose_range(sp.sin(6 * u) + u**2, u, 0, 1, tol=1e-8)
    xs = np.linspace(0, 1, 10001)
    v = np.sin(6 * xs) + xs**2
    assert lo <= v.min() <= lo + 1e-7 and hi - 1e-7 <= v.max() <= hi


# ----------------------------------------------------------------------------- ratio bounds

RATIO_CASES = {
    # name: (l(u), exact r)  -- theory.md closed-form table
    "agce a=1 q=2": ((2**2 - (1 + u) ** 2) / 2, R(1, 2)),
    "agce a=1 q=1/2": ((sp.sqrt(2) - sp.sqrt(1 + u)) / R(1, 2), sp.sqrt(R(1, 2))),
    "agce a=2 q=3": ((3**3 - (2 + u) ** 3) / 3, R(2, 3) ** 2),
    "aul a=3/2 q=9/10": (((R(3, 2) - u) ** R(9, 10) - R(1, 2) ** R(9, 10)) / R(9, 10),
                         (R(1, 2) / R(3, 2)) ** R(1, 10)),
    "aul a=3 q=2": (((3 - u) ** 2 - 2**2) / 2, R(2, 3)),
    "ael a=3": (sp.exp(-u / 3), sp.exp(-R(1, 3))),
    "mae": (1 - u, sp.Integer(1)),
    "gce q=1/2": ((1 - sp.sqrt(u)) / R(1, 2), sp.Integer(0)),
    "gce q=7/10": ((1 - u ** R(7, 10)) / R(7, 10), sp.Integer(0)),
    "ce": (-sp.log(u), sp.Integer(0)),
}


@pytest.mark.parametrize("name", list(RATIO_CASES))
def test_ratio_bounds_known_answers(name):
    ell, exact = RATIO_CASES[name]
    b = ratio_infimum_bounds(slope(ell), u, tol=1e-6)
    r = sp.N(exact, 30)
    assert b.converged, b
    assert sp.Float(b.lo, 30) <= r <= sp.Float(b.hi, 30), (b, r)
    assert b.hi - b.lo <= 1e-6
    assert b.lo >= 0


def test_ratio_non_convex_non_concave_brief_example():
    # l(u) = 1 - u - 0.1 sin(6u)/6: g = 1 + cos(6u)/10, r = 0.9/1.1 at s = pi/6, t = 0
    b = ratio_infimum_bounds(slope(1 - u - R(1, 10) * sp.sin(6 * u) / 6), u)
    assert b.lo <= 9 / 11 <= b.hi and b.hi - b.lo <= 1e-6
    assert abs(b.argmin[0] - math.pi / 6) < 1e-3


@pytest.mark.parametrize("g", [
    1 + R(3, 10) * sp.sin(7 * u) + R(1, 10) * sp.cos(13 * u),
    sp.exp(u) * (1 + R(1, 2) * sp.sin(9 * u)),
    u**3 - u + 1,
])
def test_ratio_two_dimensional_search_matches_brute_force(g):
    b = ratio_infimum_bounds(g, u)
    assert b.converged and b.hi - b.lo <= 1e-6
    bf = brute_ratio(g)
    assert b.lo <= bf + 1e-12  # the grid can only over-estimate the infimum
    assert bf - b.hi <= 1e-5  # and gets close to it on a fine grid
    s, t = b.argmin
    assert s + t <= 1 + 1e-12


def test_ratio_rejects_increasing_loss():
    with pytest.raises(IntervalError, match="g >= 0"):
        ratio_infimum_bounds(-(1 + u), u)


def test_certified_infimum_two_dimensional_with_constraint():
    s, t = sp.symbols("s t", nonnegative=True)
    g = 1 + s  # AGCE a=1 q=2 slope
    expr = g / g.subs(s, t)
    b = certified_infimum(expr, {s: (0, 1), t: (0, 1)}, constraint=s + t <= 1, tol=1e-6)
    assert b.lo <= 0.5 <= b.hi and b.hi - b.lo <= 1e-6 and b.converged
    assert b.argmin["s"] + b.argmin["t"] <= 1


# ----------------------------------------------------------------------------- sympy signs

a = sp.Symbol("a", positive=True)
q = sp.Symbol("q", positive=True)
AGCE = ((a + 1) ** q - (a + u) ** q) / q


def test_symbolic_agce_decreasing():
    res = prove_sign_symbolic(sp.diff(AGCE, u), u, 0, 1, sign="negative", strict=True,
                              assumptions=[a > 0, q > 0])
    assert res.verdict is Verdict.PROVED
    assert res.certificate.method == "sympy-assumptions"


def test_symbolic_agce_curvature_depends_on_q():
    d2 = sp.diff(AGCE, u, 2)
    concave = prove_sign_symbolic(d2, u, 0, 1, sign="negative", strict=True,
                                  assumptions=[a > 0, q > 1])
    assert concave.verdict is Verdict.PROVED
    free = prove_sign_symbolic(d2, u, 0, 1, sign="negative", strict=True,
                               assumptions=[a > 0, q > 0])
    assert free.verdict is Verdict.UNDECIDED  # never REFUTED from sympy failing
    convex = prove_sign_symbolic(d2, u, 0, 1, sign="positive", strict=False,
                                 assumptions={q: (0, True, 1, False)})
    assert convex.verdict is Verdict.PROVED


def test_symbolic_aul_and_gce_with_closed_parameter_end():
    aul = ((a - u) ** q - (a - 1) ** q) / q
    res = prove_sign_symbolic(sp.diff(aul, u), u, 0, 1, sign="negative", strict=True,
                              assumptions=[a > 1, q > 0])
    assert res.verdict is Verdict.PROVED
    gce = (1 - u**q) / q
    res = prove_sign_symbolic(sp.diff(gce, u, 2), u, 0, 1, sign="positive", strict=False,
                              assumptions=sp.And(q > 0, q <= 1))
    assert res.verdict is Verdict.PROVED
    assert len(res.certificate.data["cases"]) == 2  # q in (0, 1) and q = 1


def test_symbolic_never_refutes():
    for e in (u - R(1, 2), sp.sin(10 * u), sp.Integer(1)):
        res = prove_sign_symbolic(e, u, 0, 1, sign="negative", strict=True)
        assert res.verdict is Verdict.UNDECIDED


def test_parameter_substitutions_cover_domains():
    cases = parameter_substitutions([q > 0, q <= 1, a > 1])
    assert len(cases) == 2
    for case in cases:
        aa = case[a]
        assert aa.free_symbols and all(d.is_positive for d in aa.free_symbols)
        qq = case[q]
        assert qq == 1 or (qq.subs(next(iter(qq.free_symbols)), 1) == R(1, 2))


def test_user_symbols_match_by_name():
    a_plain = sp.Symbol("a")
    res = prove_sign_symbolic(-(a + u), u, 0, 1, sign="negative", strict=True,
                              assumptions=[a_plain > 1])
    assert res.verdict is Verdict.PROVED


@pytest.mark.parametrize("a,q", [(R(3, 10), R(1, 10)), (R(7, 10), R(16, 5)), (R(5, 2), R(3, 2))])
def test_ratio_bounds_contain_agce_and_aul_closed_forms(a, q):
    agce = ((a + 1) ** q - (a + u) ** q) / q
    b = ratio_infimum_bounds(slope(agce), u)
    r = sp.N((a / (a + 1)) ** abs(q - 1), 30)
    assert sp.Float(b.lo, 30) <= r <= sp.Float(b.hi, 30) and b.hi - b.lo <= 1e-6
    aul = ((a + 1 - u) ** q - a**q) / q  # AUL with a + 1 > 1
    b = ratio_infimum_bounds(slope(aul), u)
    r = sp.N((a / (a + 1)) ** abs(q - 1), 30)
    assert sp.Float(b.lo, 30) <= r <= sp.Float(b.hi, 30) and b.hi - b.lo <= 1e-6


def test_interval_precision_is_restored():
    old = mpmath.iv.prec
    prove_sign_on_interval(-(1 + u), u, 0, 1, sign="negative", strict=True)
    ratio_infimum_bounds(1 + u, u)
    assert mpmath.iv.prec == old
