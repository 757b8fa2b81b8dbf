"""Rule excess-risk-convex-pair: for a convex decreasing pointwise l, C_L(p, u) - C_L*(p) >= c eps^2
with eps = p_m - p_argmax u, hence R01 - R01* <= sqrt((R_L - R_L*)/c).

The constant is checked against an adversary written here, apart from the provers: l is
evaluated by numpy from the test's own formula, the wrong-argmax infimum is searched by SLSQP
from several starts on the face u_m = u_j (where a near tie of p is cheapest to get wrong), and
the unconstrained infimum by SLSQP as well. Losses outside the rule's conditions must not get it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from alfs_theory.checks.engine import decide
from alfs_theory.checks.properties.calibration import check_excess_risk_bound, convex_pair_constant
from alfs_theory.registry import get_loss
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


@pytest.mark.parametrize("K", [2, 3, 10])
@pytest.mark.parametrize("name,ell", CASES, ids=[c[0] for c in CASES])
def test_the_constant_holds_against_an_adversary(name, ell, K):
    spec = _spec(name)
    res = check_excess_risk_bound(spec, K)
    assert res.verdict.value == "PROVED" and res.certificate.method == "convex-pair", res.summary
    c = float(convex_pair_constant(spec, K)["c"])
    assert float(res.value["coefficient"]) >= 1 / c  # rounded up, never down
    rng = np.random.default_rng(K)
    worst = np.inf
    for i in range(6 if K == 10 else 10):
        eps = 10 ** rng.uniform(-2.5, -0.2)
        if K == 2:
            p = np.array([(1 + eps) / 2, (1 - eps) / 2])
        else:
            a = rng.uniform(max(1 / K, eps), (1 + eps) / 2)
            rest = rng.dirichlet(np.ones(K - 2)) * (1 - 2 * a + eps)
            if rest.max(initial=0) > a - eps:  # keep m = 0 the largest, j = 1 the second
                continue
            p = np.concatenate([[a, a - eps], rest])
        gap = _least(ell, p, K, rng, tie=(0, 1)) - _least(ell, p, K, rng)
        worst = min(worst, gap / eps**2)
    assert worst >= c * (1 - 1e-6), (name, K, worst, c)


def test_the_engine_names_the_rule_and_the_zoo_losses_are_decided():
    assert decide("excess-risk", get_loss("fl").bind(), 3).gate.startswith(
        "rule excess-risk-convex-pair;")
    for name in ("ael", "fl", "js", "tce"):
        assert check_excess_risk_bound(get_loss(name).bind(), 10).verdict.value == "PROVED"


@pytest.mark.parametrize("spec", [
    loss_from_expression("max(0, 0.9 - u)").bind(),  # convex with a kink: no bound on l''
    loss_from_expression("1 - u**2").bind(),  # concave: the chord rule's case
    loss_from_expression("a*exp(-u)", domains={"a": "a > 0"}),  # a free parameter
], ids=["kink", "concave", "free-parameter"])
def test_outside_the_conditions_no_convex_pair_bound(spec):
    assert convex_pair_constant(spec, 3) is None


def test_a_wrong_constant_is_caught_at_a_sampled_point(monkeypatch):
    from alfs_theory.checks.properties import calibration

    good = convex_pair_constant(get_loss("tce").bind(), 3)
    monkeypatch.setattr(calibration, "convex_pair_constant",
                        lambda spec, n: {**good, "c": good["c"] * 1000})
    bad = check_excess_risk_bound(get_loss("tce").bind(), 3)
    assert bad.verdict.value == "REFUTED" and set(bad.counterexample.point) == {"p", "u"}
