"""The monotone-envelope certificate (rule weights-envelope, issue #24): smooth pointwise
losses that are neither convex nor concave, decided on given weights and pushed into the
threshold. Every PROVED here is checked against a brute force written apart from the prover
(a fine grid of the K = 3 simplex, random points at K = 4 and K = 10), on random losses with
bumps, wiggles and flat stretches."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.engine import decide
from alfs_theory.checks.provers.envelope import envelope_asymmetry
from alfs_theory.checks.verdict import Verdict
from alfs_theory.symbols import U
from alfs_theory.userloss import loss_from_expression


class _Spec:
    def __init__(self):
        self._cache = {}


def _brute_gap(f, w, t=0, n_grid=801, n_random=60000, seed=0):
    """min over u != e_t of R(u) - R(e_t), R = sum_k w_k f(u_k): a grid at K = 3, random
    Dirichlet points (and points near e_t and on edges) otherwise."""
    w = np.asarray(w, dtype=float)
    K = len(w)
    e = np.zeros(K)
    e[t] = 1.0
    r0 = float(np.dot(w, f(e)))
    if K == 3:
        a = np.linspace(0.0, 1.0, n_grid)
        A, B = np.meshgrid(a, a, indexing="ij")
        C = 1.0 - A - B
        ok = C >= -1e-12
        pts = np.stack([A[ok], B[ok], np.clip(C[ok], 0, 1)], axis=1)
    else:
        rng = np.random.default_rng(seed)
        pts = [rng.dirichlet(np.full(K, c), size=n_random // 3) for c in (0.1, 1.0, 5.0)]
        s = rng.uniform(0, 1, size=(n_random // 3, 1)) ** 3
        near = np.zeros((n_random // 3, K))
        near[:, t] = 1 - s[:, 0]
        others = [k for k in range(K) if k != t]
        near[:, others] = s * rng.dirichlet(np.ones(K - 1), size=n_random // 3)
        pts = np.concatenate([*pts, near])
    pts = pts[np.abs(pts[:, t] - 1.0) > 1e-12]
    vals = f(pts) @ w
    return float(np.min(vals - r0))


def _np(expr):
    g = sp.lambdify(U, expr, "numpy")
    return lambda x: np.asarray(g(np.asarray(x, dtype=float)), dtype=float) * np.ones_like(x)


def _random_loss(rng):
    """A smooth non-increasing l on [0, 1]: 1 - u plus small bumps and wiggles (kept
    non-increasing by construction: their slopes are bounded by 1)."""
    terms = 1 - U
    budget = sp.Rational(9, 10)
    for _ in range(rng.integers(1, 4)):
        kind = rng.integers(0, 3)
        c = sp.Rational(int(rng.integers(1, 9)), 100)
        if kind == 0:
            f = sp.Rational(int(rng.integers(2, 12)), 1)
            term, slope = c * sp.sin(f * U), c * f
        elif kind == 1:
            m = sp.Rational(int(rng.integers(1, 10)), 10)
            s = sp.Rational(int(rng.integers(5, 30)), 100)
            term, slope = c * sp.exp(-((U - m) / s) ** 2), c * sp.Rational(86, 100) / s
        else:
            term, slope = c * (U - sp.Rational(1, 2)) ** 3, c * sp.Rational(3, 4)
        if slope < budget:
            terms += term
            budget -= slope
    return terms


def test_a_sine_bump_is_decided_on_weights_the_ratio_test_cannot_reach():
    # sin(8u): l(0) - l is not superadditive (F(1/2, 1/2) < 0), so no complete asymmetry;
    # the ratio test fails at w_t/w_n = 2 (r = 3/7)
    spec = loss_from_expression("1 - u + 0.05*sin(8*u)").bind()
    w = [sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 4)]
    res = decide("weights", spec, 3, weights=w)
    assert res.verdict is Verdict.PROVED and "weights-envelope" in res.gate, res.summary
    assert res.certificate.method == "envelope"
    f = _np(spec.pointwise_expr())
    assert _brute_gap(f, [float(x) for x in w]) > 0


def test_the_threshold_gains_a_proved_lower_bound_from_the_envelope():
    spec = loss_from_expression("1 - u + 0.05*sin(8*u)").bind()
    rep = check_loss(spec, n_classes=3)
    th = rep.result("threshold")
    lo = th.value["lo"]
    ratio_bound = 0.4615  # what the ratio test alone gives (r = 3/7 at K = 3)
    assert lo > ratio_bound + 0.05, th.summary
    f = _np(spec.pointwise_expr())
    assert _brute_gap(f, [1 - lo, lo / 2, lo / 2]) > 0


def test_no_proof_where_the_kkt_margin_fails():
    """exp(-u/3) at w = (0.4, 0.35, 0.25): w_t |l'(1)| < w_n |l'(0)|, e_t is not the minimiser."""
    ell = sp.exp(-U / 3)
    w = [sp.Rational(2, 5), sp.Rational(7, 20), sp.Rational(1, 4)]
    assert envelope_asymmetry(_Spec(), ell, w, 0) is None
    assert _brute_gap(_np(ell), [0.4, 0.35, 0.25]) < 0


@pytest.mark.parametrize("seed", range(12))
def test_every_envelope_proof_survives_the_brute_force(seed):
    rng = np.random.default_rng(seed)
    ell = _random_loss(rng)
    f = _np(ell)
    spec = _Spec()
    for K in (3, 4, 10):
        for _ in range(4):
            wt = float(rng.uniform(1.0 / K + 0.02, 0.9))
            rest = rng.dirichlet(np.ones(K - 1)) * (1 - wt)
            if rest.max() >= wt:
                continue
            w = [sp.Rational(str(round(wt, 6)))] + [sp.Rational(str(round(x, 6))) for x in rest]
            w = [x / sum(w) for x in w]
            wf = [float(x) for x in w]
            proof = envelope_asymmetry(spec, ell, w, 0)
            gap = _brute_gap(f, wf, seed=seed)
            if proof is not None:
                assert gap > -1e-12, (sp.sstr(ell), wf, proof.text(), gap)


def test_the_battery_proves_something():
    """The random battery above is not vacuous: most of its cases get a proof."""
    rng = np.random.default_rng(123)
    n = proved = 0
    for _ in range(6):
        ell = _random_loss(rng)
        spec = _Spec()
        w = [sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 4)]
        n += 1
        proved += envelope_asymmetry(spec, ell, w, 0) is not None
    assert proved >= n // 2


def _random_pwl(rng):
    """A continuous non-increasing piecewise-linear l as a typed formula with exact rational
    coefficients, with its numpy form: 2 to 4 pieces, slopes in [-1.5, -0.1], often neither
    convex nor concave."""
    from fractions import Fraction as Fr

    n = int(rng.integers(2, 5))
    cuts = [Fr(int(c), 10) for c in np.sort(rng.choice(np.arange(1, 10), size=n - 1,
                                                         replace=False))]
    slopes = [-Fr(int(rng.integers(10, 151)), 100) for _ in range(n)]
    pts = [Fr(0), *cuts, Fr(1)]
    vals = [Fr(3, 2)]
    for i in range(n):
        vals.append(vals[-1] + slopes[i] * (pts[i + 1] - pts[i]))
    args = []
    for i in range(n):
        c = vals[i] - slopes[i] * pts[i]
        br = f"{c} + ({slopes[i]})*u"
        args.append(br if i == n - 1 else f"{br}, u < {pts[i + 1]}")
    expr = "piecewise(" + ", ".join(args) + ")"
    xs, ys = [float(p) for p in pts], [float(v) for v in vals]
    return expr, (lambda x: np.interp(x, xs, ys))


@pytest.mark.parametrize("seed", range(8))
def test_continuous_piecewise_linear_losses_at_k4_are_decided_soundly(seed):
    """Continuous PWL losses at K >= 4 (issue #24): the envelope works on exact pieces (each
    piece's slopes bound l's at the kinks). Through the engine and its gate; every PROVED meets
    the brute force."""
    rng = np.random.default_rng(1000 + seed)
    expr, f = _random_pwl(rng)
    spec = loss_from_expression(expr).bind()
    for K in (4, 6):
        wt = float(rng.uniform(0.35, 0.7))
        rest = rng.dirichlet(np.ones(K - 1)) * (1 - wt)
        if rest.max() >= wt:
            continue
        w = [round(wt, 4), *[round(x, 4) for x in rest[:-1]]]
        w.append(round(1 - sum(w), 4))
        res = decide("weights", spec, K, weights=w)
        gap = _brute_gap(f, w, seed=seed)
        assert res.verdict is not Verdict.UNDECIDED, (expr, w, res.summary)
        if res.verdict is Verdict.PROVED:
            assert gap > -1e-9, (expr, w, res.summary, gap)
        elif res.verdict is Verdict.REFUTED:
            assert gap < 1e-9, (expr, w, res.summary, gap)


def test_the_pwl_example_of_the_issue_is_decided_at_k4():
    spec = loss_from_expression(
        "piecewise(1 - 0.5*u, u < 0.3, 1.15 - u, u < 0.6, 0.85 - 0.5*u)").bind()
    res = decide("weights", spec, 4, weights=[0.4, 0.25, 0.2, 0.15])
    assert res.verdict is Verdict.PROVED and "weights-envelope" in res.gate, res.summary
    f = (lambda x: np.interp(x, [0, 0.3, 0.6, 1], [1, 0.85, 0.55, 0.35]))
    assert _brute_gap(f, [0.4, 0.25, 0.2, 0.15]) > 0
