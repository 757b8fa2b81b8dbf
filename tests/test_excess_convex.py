"""Rules excess-risk-convex-pair (a convex decreasing pointwise l) and
excess-risk-decreasing-pair (strictly decreasing, not convex: LDR-KL at lam = 1):
C_L(p, u) - C_L*(p) >= c eps^2 with eps = p_m - p_argmax u, hence R01 - R01* <= sqrt((R_L - R_L*)/c).

The constant is checked against adversaries written here, apart from the provers, with l
evaluated by numpy from the test's own formula: at K = 2 and 3 every point of a fine grid of
the simplex against the grid's least risk (an upper estimate of C_L*, so the measured excess is
never larger than the true one); at K = 10 SLSQP from several starts on the face u_m = u_j
(where a near tie of p is cheapest to get wrong). Losses outside the rules' conditions must not
get them.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from alfs_theory.checks.engine import decide
from alfs_theory.checks.properties.calibration import (
    check_excess_risk_bound,
    convex_pair_constant,
    decreasing_pair_constant,
)
from alfs_theory.registry import get_loss
from alfs_theory.symbols import U
from alfs_theory.userloss import loss_from_expression

# (loss, l in numpy written here): the registered ones at their defaults and typed convex ones
CASES = [
    ("ael", lambda u: 3 * np.exp(-u / 3)),  # a = 3; any additive constant cancels in the excess
    ("fl", lambda u: -((1 - u) ** 0.5) * np.log(u)),
    ("tce", lambda u: (1 - u) + (1 - u) ** 2 / 2),
    ("exp(-2*u) + 0.3*(1 - u)**3", lambda u: np.exp(-2 * u) + 0.3 * (1 - u) ** 3),
    ("-log(u + 0.05)", lambda u: -np.log(u + 0.05)),
    ("1/(u + 0.2) - 1/1.2", lambda u: 1 / (u + 0.2)),
]
# strictly decreasing, neither convex nor concave (rule excess-risk-decreasing-pair)
WIGGLY = [
    ("ldrkl", None),  # lam = 1, c = 2: log(1/K + e^2 (1 - u)/(K u)), set per K below
    ("1 - u + 0.05*sin(6*u)", lambda u: 1 - u + 0.05 * np.sin(6 * u)),
    ("log(8 - 7*u) - log(u)", lambda u: np.log(8 - 7 * u) - np.log(u)),
]


def _spec(name: str):
    return (get_loss(name) if " " not in name and "(" not in name else
            loss_from_expression(name)).bind()


def _least(ell, p, K, rng, tie=None, starts=3) -> float:
    """An SLSQP search for inf_u sum_k p_k l(u_k), on the face u_m = u_j when ``tie`` is given."""
    def f(u):
        return float(p @ ell(np.clip(u, 1e-12, 1.0)))
    cons = [{"type": "eq", "fun": lambda u: u.sum() - 1}]
    if tie:
        cons.append({"type": "eq", "fun": lambda u: u[tie[0]] - u[tie[1]]})
    best = np.inf
    for s in range(starts):
        x0 = p.copy() if s == 0 else rng.dirichlet(np.ones(K))
        r = minimize(f, x0, bounds=[(1e-12, 1.0)] * K, constraints=cons, method="SLSQP",
                     options={"ftol": 1e-14, "maxiter": 400})
        best = min(best, r.fun)
    return best


def _grid(K: int) -> np.ndarray:
    if K == 2:
        t = np.linspace(0, 1, 20001)[1:-1]
        return np.stack([t, 1 - t], 1)
    a, b = np.meshgrid(np.linspace(0, 1, 401)[1:-1], np.linspace(0, 1, 401)[1:-1])
    G = np.stack([a.ravel(), b.ravel(), 1 - a.ravel() - b.ravel()], 1)
    return G[G[:, 2] > 1e-9]


def _worst_on_grid(ell, K, c, rng, n_p=60) -> float:
    """min over p and grid points u of C(p,u) - C*_grid(p) - c (p_max - p_argmax u)^2."""
    G = _grid(K)
    LG = ell(G)
    worst = np.inf
    for i in range(n_p):
        p = rng.dirichlet(np.full(K, rng.choice([0.3, 1.0, 5.0])))
        if i % 3 == 0:  # near ties, where the bound is tightest
            p = np.sort(p)[::-1]
            p[1] = p[0] - 10 ** rng.uniform(-3, -1)
            p = np.maximum(p, 0) / np.maximum(p, 0).sum()
        C = LG @ p
        eps = p.max() - p[np.argmax(G, 1)]
        worst = min(worst, float(np.min(C - C.min() - c * eps**2)))
    return worst


def _worst_by_slsqp(ell, K, rng) -> float:
    """the least (wrong-argmax infimum - infimum)/eps^2 SLSQP finds on the face u_m = u_j."""
    worst = np.inf
    for i in range(6):
        eps = 10 ** rng.uniform(-2.5, -0.2)
        a = rng.uniform(max(1 / K, eps), (1 + eps) / 2)
        rest = rng.dirichlet(np.ones(K - 2)) * (1 - 2 * a + eps)
        if rest.max(initial=0) > a - eps:  # keep m = 0 the largest, j = 1 the second
            continue
        p = np.concatenate([[a, a - eps], rest])
        gap = _least(ell, p, K, rng, tie=(0, 1)) - _least(ell, p, K, rng)
        worst = min(worst, gap / eps**2)
    return worst


def _ldrkl(K):
    return lambda u: np.log(1 / K + np.exp(2) * (1 - u) / (K * u))


@pytest.mark.parametrize("K", [2, 3, 10])
@pytest.mark.parametrize("name,ell", CASES + WIGGLY, ids=[c[0] for c in CASES + WIGGLY])
def test_the_constant_holds_against_an_adversary(name, ell, K):
    from alfs_theory.checks.checker import admit

    spec = admit(_spec(name), K)  # LDR-KL's class sum is 1 on the simplex: pointwise
    ell = ell or _ldrkl(K)
    convex = name in dict(CASES)
    res = check_excess_risk_bound(spec, K)
    method = "convex-pair" if convex else "decreasing-pair"
    assert res.verdict.value == "PROVED" and res.certificate.method == method, res.summary
    c = float((convex_pair_constant if convex else decreasing_pair_constant)(spec, K)["c"])
    assert float(res.value["coefficient"]) >= 1 / c  # rounded up, never down
    rng = np.random.default_rng(K)
    if K <= 3:
        assert _worst_on_grid(ell, K, c, rng) >= -1e-9, (name, K, c)
    else:
        worst = _worst_by_slsqp(ell, K, rng)
        assert worst >= c * (1 - 1e-6), (name, K, worst, c)


def test_the_engine_names_the_rule_and_the_zoo_losses_are_decided():
    assert decide("excess-risk", get_loss("fl").bind(), 3).gate.startswith(
        "rule excess-risk-convex-pair;")
    for name in ("ael", "fl", "js", "tce"):
        assert check_excess_risk_bound(get_loss(name).bind(), 10).verdict.value == "PROVED"
    wiggly = loss_from_expression("1 - u + 0.05*sin(6*u)").bind()
    assert decide("excess-risk", wiggly, 3).gate.startswith("rule excess-risk-decreasing-pair;")


@pytest.mark.parametrize("spec", [
    loss_from_expression("max(0, 0.9 - u)").bind(),  # convex with a kink: no bound on l''
    loss_from_expression("1 - u**2").bind(),  # concave: the chord rule's case
    loss_from_expression("1 - u + 0.2*sin(6*u)").bind(),  # not monotone: l' > 0 near 0.
    loss_from_expression("a*exp(-u)", domains={"a": "a > 0"}),  # a free parameter
], ids=["kink", "concave", "increasing-part", "free-parameter"])
def test_outside_the_conditions_no_convex_pair_bound(spec):
    assert convex_pair_constant(spec, 3) is None
    if "sin" in spec.formula_text() or "max" in spec.formula_text():
        assert decreasing_pair_constant(spec, 3) is None


def test_a_wrong_constant_is_caught_at_a_sampled_point(monkeypatch):
    from alfs_theory.checks.properties import calibration

    good = convex_pair_constant(get_loss("tce").bind(), 3)
    monkeypatch.setattr(calibration, "convex_pair_constant",
                        lambda spec, n: {**good, "c": good["c"] * 1000})
    bad = check_excess_risk_bound(get_loss("tce").bind(), 3)
    assert bad.verdict.value == "REFUTED" and set(bad.counterexample.point) == {"p", "u"}


# ------------------------------------------------- class sums that are constant on the simplex
def test_a_class_sum_affine_in_v_is_its_value_on_the_simplex():
    from alfs_theory.checks.checker import admit

    raw = get_loss("ldrkl").bind()  # lam = 1: sum_k u_k^(1/lam) = 1 on the simplex
    b = admit(raw, 10)
    assert raw.kind == "vector" and b.kind == "pointwise"
    assert "equal on the simplex to" in b.notes and "S_ldr = 1" in b.notes
    U_ = np.random.default_rng(0).dirichlet(np.full(10, 0.5), size=50)
    assert np.allclose(b.numeric_losses(U_), raw.at_classes(10).numeric_losses(U_), rtol=1e-12)
    # lam = 2: sum_k u_k^(1/2) varies on the simplex, the loss stays a vector loss
    assert admit(get_loss("ldrkl").bind(lam=2), 10).kind == "vector"
    # typed: sum(2*v + 1) = 2 + K on the simplex
    t = admit(loss_from_expression("1 - u + 0.1*sum(2*v + 1)").bind(), 4)
    assert t.kind == "pointwise" and abs(float(t.pointwise_expr(4).subs(U, 0)) - 1.6) < 1e-12


def test_ldrkl_is_decided_as_the_pointwise_loss_it_is_at_lam_1():
    from alfs_theory.checks.checker import check_loss

    rep = check_loss("ldrkl", n_classes=10, checks=["asymmetric", "threshold", "excess-risk"])
    got = {r.check: r for r in rep.results}
    assert got["threshold"].verdict.value == "PROVED" and got["threshold"].value["eta_max"] == 0
    assert got["asymmetric"].verdict.value == "REFUTED"
    assert got["excess-risk"].certificate.method == "decreasing-pair"
    # brute force: at the asymmetry weights the risk at e_t is +oo (l(0+) = +oo), finite inside
    ell = _ldrkl(10)
    w = np.array([0.145] + [0.095] * 9)
    with np.errstate(divide="ignore"):
        at_vertex = w[0] * ell(np.array(1.0)) + w[1:].sum() * ell(np.array(1e-300))
    assert at_vertex > 500 and np.isfinite(w @ ell(np.full(10, 0.1)))


# ------------------------------------------------------------ random losses from the grammar
def test_random_losses_that_get_a_pair_bound_keep_it_on_a_simplex_grid():
    """The differential side of the two pair rules: random losses of the whole grammar (kinks,
    jumps, plateaus, bumps, poles), each checked at K = 3; wherever a pair route states a
    bound, its constant (1/coefficient, as stated) is tried on every point of a simplex grid
    against the grid's least risk, for 30 posteriors p (a third of them near ties)."""
    from brute import random_loss, random_special_loss

    from alfs_theory.checks.checker import admit
    from alfs_theory.errors import AlfsError

    hits = {"convex-pair": 0, "decreasing-pair": 0}
    G = _grid(3)
    for seed in range(10):  # 20 losses, about 25 CPU seconds
        for make in (random_loss, random_special_loss):
            fam, text = make(seed)
            try:
                spec = admit(loss_from_expression(text).bind(), 3)
            except AlfsError:
                continue  # refused at the gate (a pole inside (0, 1], ...)
            if not spec.is_pointwise:
                continue
            res = check_excess_risk_bound(spec, 3)
            method = res.certificate.method if res.certificate else None
            if method not in hits:
                continue
            hits[method] += 1
            c = 1 / float(res.value["coefficient"])
            with np.errstate(all="ignore"):
                LG = spec.numeric_losses(G)
            rng = np.random.default_rng(seed)
            for i in range(30):
                p = rng.dirichlet(np.ones(3))
                if i % 3 == 0:
                    p = np.sort(p)[::-1]
                    p[1] = max(p[0] - 10 ** rng.uniform(-3, -1), 0)
                    p /= p.sum()
                C = np.einsum("ik,k->i", LG, p)
                ok = np.isfinite(C)
                eps = p.max() - p[np.argmax(G, 1)]
                slack = C[ok] - C[ok].min() - c * eps[ok] ** 2
                assert slack.min() >= -1e-9, (fam, text, method, p, slack.min())
    assert hits["convex-pair"] >= 3 and hits["decreasing-pair"] >= 3, hits
