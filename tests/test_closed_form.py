"""The closed-form parameter condition of ``alfs region`` (conditions.closed_form_condition).

Three independent sides: the known conditions of theory.md T5 (written here by hand), a brute
force over the simplex written here (not the checker's provers), and the checker's own grid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from alfs_theory.checks.conditions import closed_form_condition, dominance_ratio, parameter_region
from alfs_theory.registry import get_loss

K = 10


def _pred(spec, names, noise, values, **kw):
    cf = closed_form_condition(spec, names, n_classes=kw.pop("n_classes", K), noise=noise, **kw)
    assert cf.condition is not None, cf.derivation
    f = cf.predicate([spec.param(n).symbol for n in names])
    return bool(f(*[values[n] for n in names]))


def test_dominance_ratio_is_exact():
    assert dominance_ratio("symmetric:0.6", 10) == sp.Integer(6)
    assert dominance_ratio("symmetric:0.8", 10) == sp.Rational(9, 4)
    assert dominance_ratio("pairflip:0.3", 10) == sp.Rational(7, 3)
    assert dominance_ratio("symmetric:0", 10) is sp.oo


# the known conditions (theory.md T5, "Closed-form ratios"), by hand
def _known(name, p, rho):
    if name == "agce":
        a, q = p["a"], p["q"]
        return True if q >= 1 else rho * (a / (a + 1)) ** (1 - q) >= 1
    if name == "aul":
        a, q = p["a"], p["q"]
        return True if q <= 1 else rho * ((a - 1) / a) ** (q - 1) >= 1
    if name == "ael":
        return rho * math.exp(-1 / p["a"]) >= 1
    raise AssertionError(name)


@pytest.mark.parametrize("name,ranges", [
    ("agce", {"a": (0.05, 10), "q": (0.05, 3)}),
    ("aul", {"a": (1.01, 10), "q": (0.05, 4)}),
    ("ael", {"a": (0.1, 20)}),
])
@pytest.mark.parametrize("eta", [0.3, 0.6, 0.8, 0.88])
def test_closed_form_matches_the_known_conditions(name, ranges, eta):
    spec = get_loss(name)
    names = list(ranges)
    cf = closed_form_condition(spec, names, n_classes=K, noise=f"symmetric:{eta}")
    assert cf.condition is not None, cf.derivation
    f = cf.predicate([spec.param(n).symbol for n in names])
    rho = (1 - eta) * (K - 1) / eta
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(200):
        p = {n: float(np.exp(rng.uniform(*np.log(ranges[n])))) for n in names}
        want = _known(name, p, rho)
        # leave out points a hair from the boundary (floating point decides those)
        if name == "agce" and p["q"] < 1:
            margin = rho * (p["a"] / (p["a"] + 1)) ** (1 - p["q"]) - 1
        elif name == "aul" and p["q"] > 1:
            margin = rho * ((p["a"] - 1) / p["a"]) ** (p["q"] - 1) - 1
        elif name == "ael":
            margin = rho * math.exp(-1 / p["a"]) - 1
        else:
            margin = 1.0
        if abs(margin) < 1e-9:
            continue
        assert bool(f(*[p[n] for n in names])) == want, (name, eta, p)
        checked += 1
    assert checked > 150


def _brute_e0_is_argmin(ell, w, n_grid=60):
    """Independent brute force for K = 3: e_0 beats every grid point of the simplex and
    every point near e_0 (where the KKT margin fails first)."""
    def R(u):
        return sum(wk * ell(uk) for wk, uk in zip(w, u))

    r0 = R((1.0, 0.0, 0.0))
    pts = []
    for i in range(n_grid + 1):
        for j in range(n_grid + 1 - i):
            pts.append((i / n_grid, j / n_grid, 1 - i / n_grid - j / n_grid))
    for d in np.logspace(-7, 0, 60):
        pts += [(1 - d, d, 0.0), (1 - d, d / 2, d / 2), (1 - d, 0.0, d)]
    for u in pts:
        if max(abs(u[0] - 1), abs(u[1]), abs(u[2])) < 1e-12:
            continue
        if R(u) <= r0 + 1e-12 * max(1.0, abs(r0)):
            return False
    return True


FAMILIES = [
    # (name, expr-free registered name or None, python l(u, p), parameter ranges)
    ("agce", lambda u, p: ((p["a"] + 1) ** p["q"] - (p["a"] + u) ** p["q"]) / p["q"],
     {"a": (0.1, 5), "q": (0.2, 2.5)}),
    ("aul", lambda u, p: ((p["a"] - u) ** p["q"] - (p["a"] - 1) ** p["q"]) / p["q"],
     {"a": (1.1, 5), "q": (0.3, 3)}),
    ("ael", lambda u, p: math.exp(-u / p["a"]), {"a": (0.2, 6)}),
]


@pytest.mark.parametrize("name,ell,ranges", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_closed_form_agrees_with_a_brute_force_minimiser(name, ell, ranges):
    spec = get_loss(name)
    names = list(ranges)
    rng = np.random.default_rng(11)
    agree = 0
    for eta in (0.3, 0.55, 0.62):  # K = 3: dominance ends at 2/3
        cf = closed_form_condition(spec, names, n_classes=3, noise=f"symmetric:{eta}")
        f = cf.predicate([spec.param(n).symbol for n in names])
        w = (1 - eta, eta / 2, eta / 2)
        for _ in range(12):
            p = {n: float(rng.uniform(*ranges[n])) for n in names}
            pred = bool(f(*[p[n] for n in names]))
            brute = _brute_e0_is_argmin(lambda u: ell(u, p), w)
            assert pred == brute, (name, eta, p, pred, brute)
            agree += 1
    assert agree == 36


def test_a_typed_family_gets_its_closed_form_and_the_grid_agrees():
    from alfs_theory.userloss import loss_from_expression

    spec = loss_from_expression("(a - u)**2", params={"a": 2.0}, domains={"a": "a > 1"})
    reg = parameter_region(spec, {"a": (1.05, 4.0)}, n_classes=K, noise="symmetric:0.7", n=6)
    cf = reg.closed
    assert cf is not None and cf.condition is not None, cf and cf.derivation
    assert not cf.disagree and cf.agree >= 5
    # convex, r = l'(1)/l'(0) = (a - 1)/a, rho = 27/7: tolerant iff a >= 27/20
    f = cf.predicate([spec.param("a").symbol])
    assert bool(f(1.36)) and bool(f(3.0)) and not bool(f(1.34)) and not bool(f(1.1))
    assert any("27/20" in t for t in cf.solved), cf.solved


def test_no_closed_form_is_said_plainly():
    cf = closed_form_condition(get_loss("nce+agce"), ["a"], n_classes=K, noise="symmetric:0.4")
    assert cf.condition is None and "vector loss" in cf.derivation
    assert "closed form: none" in cf.to_text()


def test_a_disagreement_with_the_grid_is_reported_not_hidden():
    """Feed the comparison a wrong closed form: every decided cell must be counted against it."""
    from alfs_theory.checks.conditions import ClosedForm, _compare

    spec = get_loss("ael")
    reg = parameter_region(spec, {"a": (0.3, 6.0)}, n_classes=K, noise="symmetric:0.8", n=5,
                           closed_form=False)
    a = spec.param("a").symbol
    wrong = ClosedForm(sp.Lt(a, 1), "deliberately wrong")
    _compare(wrong, reg, {"a": a})
    assert wrong.disagree, "a wrong closed form passed the grid"
    assert "INTERNAL ERROR" in wrong.to_text()


def test_region_cli_prints_the_closed_form(capsys):
    from alfs_theory.cli import main

    rc = main(["region", "ael", "--vary", "a=0.2:8", "--noise", "symmetric:0.8", "--grid", "4"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "closed form (derived): 9*exp(-1/a)/4 >= 1" in out
    assert "boundary: a = " in out and "agrees with every decided grid cell (4)" in out
