"""Rule weights-clean-parts: on clean weights (w = e_t) a vector loss A(u_t) + sum_j c_j sum_k
g_j(u_k) with A strictly decreasing and c_j g_j concave keeps e_t as its unique minimiser.
Every PROVED is checked against a brute force written here (random simplex points, edges,
faces), and losses just outside the rule's conditions must not be PROVED by it."""

from __future__ import annotations

import numpy as np
import pytest

from alfs_theory.checks.engine import decide
from alfs_theory.registry import get_loss
from alfs_theory.userloss import loss_from_expression


def _brute_min_gap(spec, K: int, seed: int = 0) -> float:
    """min over many simplex points u != e_0 of R(u) - R(e_0) on w = e_0 (numpy; no prover)."""
    rng = np.random.default_rng(seed)
    pts = [rng.dirichlet(np.full(K, c), size=4000) for c in (0.05, 0.3, 1.0, 5.0)]
    d = np.logspace(-8, 0, 60)[:, None]
    for k in range(1, K):
        e = np.zeros((d.size, K))
        e[:, 0] = 1 - d[:, 0]
        e[:, k] = d[:, 0]
        pts.append(e)
    spread = np.zeros((d.size, K))
    spread[:, 0] = 1 - d[:, 0]
    spread[:, 1:] = d / (K - 1)
    pts.append(spread)
    U = np.concatenate(pts)
    U = U[np.abs(U - np.eye(K)[0]).sum(1) > 1e-9]
    w = np.eye(K)[0]
    r = spec.risk(w, U)
    r0 = float(spec.risk(w, np.eye(K)[0][None, :])[0])
    return float(np.nanmin(r - r0))


CASES = [
    ("softbootstrap", None),
    ("ce+sr", None),
    (None, "-log(u) - 0.5*sum(v*log(v))"),
    (None, "(1 - u)**2 + 0.3*sum(sqrt(v))"),
    (None, "exp(-u) - exp(-1) + 2*sum(v - v**2)"),
    (None, "-log(u) + 0.2*sum(log(1 + v))"),
]


@pytest.mark.parametrize("name, expr", CASES)
@pytest.mark.parametrize("K", [3, 5])
def test_clean_parts_proves_and_brute_force_agrees(name, expr, K):
    spec = get_loss(name).bind() if name else loss_from_expression(expr).bind()
    r = decide("weights", spec, K, weights=[1] + [0] * (K - 1))
    assert r.verdict.name == "PROVED", r.summary
    if name:  # the registered ones only this rule decides (a separable concave risk may be
        # decided first by the vertex rule)
        assert r.gate.startswith("rule weights-clean-parts;")
    assert _brute_min_gap(spec, K) > -1e-12


@pytest.mark.parametrize("expr", [
    "-log(u) + 0.5*sum(v**2)",          # c g convex: the class sums are least inside
    "(u - 0.5)**2 + sum(sqrt(v))",      # A not decreasing
    "1 - u + 3*sum(v*log(v))",          # c g convex (v log v): no claim from this rule
])
def test_outside_its_conditions_the_rule_does_not_fire(expr):
    spec = loss_from_expression(expr).bind()
    r = decide("weights", spec, 3, weights=[1, 0, 0])
    assert not r.gate.startswith("rule weights-clean-parts;") or _brute_min_gap(spec, 3) > -1e-12
    if r.verdict.name == "PROVED":
        assert _brute_min_gap(spec, 3) > -1e-12
    if r.verdict.name == "REFUTED":
        assert _brute_min_gap(spec, 3) <= 1e-9
