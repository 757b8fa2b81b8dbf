"""The losses of the wider field (alfs_theory/losses/field.py, issue #24).

Each spec is compared with its paper's formula evaluated independently (numpy on u, or on the
logits where the paper states it there), at its limits, and at parameter values outside its
domain; the twins are held to the specs by tests/test_crossval.py, and here to the formulas
written on the logits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from alfs_theory import ParameterError, get_loss, list_losses
from alfs_theory.cli import main
from alfs_theory.losses.field import taylor_ce, taylor_ce_expr
from alfs_theory.registry import register, unregister
from alfs_theory.symbols import U

NEW = ("tce", "poly1", "ls", "js", "softbootstrap", "nnce", "nce+nnce", "ce+sr", "ldrkl")


def _simplex(rng, n, k):
    u = rng.dirichlet(np.ones(k) * 0.7, size=n)
    return np.clip(u, 1e-12, None) / np.clip(u, 1e-12, None).sum(1, keepdims=True)


def _losses(name, u, **params):
    return get_loss(name).bind(**params).numeric_losses(u)


# ----------------------------------------------------------------------------- the registry
@pytest.mark.parametrize("name", NEW)
def test_registered_with_paper_and_defaults_in_domain(name):
    spec = get_loss(name)
    assert name in list_losses()
    assert spec.references and all(len(r) > 10 for r in spec.references)
    assert spec.bind().is_bound  # defaults lie in the domains
    for p in spec.params:
        assert p.default is not None and p.description, (name, p.name)


@pytest.mark.parametrize("name, bad, domain", [
    ("poly1", {"eps": -1.5}, "-1 <= eps"),
    ("ls", {"s": 1.0}, "0 <= s < 1"),
    ("js", {"pi1": 1.0}, "0 < pi1 < 1"),
    ("softbootstrap", {"beta": 1.2}, "0 <= beta <= 1"),
    ("nnce", {"min_prob": 0.5}, "0 < min_prob < 0.0001"),
    ("ce+sr", {"p": 0.0}, "0 < p <= 1"),
    ("ce+sr", {"lam": -1.0}, "0 <= lam"),
    ("ldrkl", {"lam": 0.0}, "0 < lam"),
    ("ldrkl", {"c": -0.5}, "0 <= c"),
    ("nce+nnce", {"beta": -1.0}, "0 <= beta"),
])
def test_bad_parameters_name_the_parameter_and_its_domain(name, bad, domain):
    (pname, value), = bad.items()
    with pytest.raises(ParameterError) as info:
        get_loss(name).bind(**bad)
    msg = str(info.value)
    assert f"{pname}=" in msg and domain in msg, msg


@pytest.mark.parametrize("t", [0, 2.5, "2", True, 65])
def test_taylor_order_must_be_an_integer_in_range(t):
    with pytest.raises(ParameterError, match=r"order t=.* t must be an integer with 1 <= t <= 64"):
        taylor_ce(t)


def test_list_and_show_include_the_new_losses(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in NEW:
        assert any(line.split()[:1] == [name] for line in out.splitlines()), name
    assert main(["show", "nce+nnce"]) == 0
    out = capsys.readouterr().out
    assert "Ye et al." in out and "NOT the registry's 'anl'" in out
    assert main(["show", "anl"]) == 0
    assert "nce+nnce" in capsys.readouterr().out  # and the other way round


# ----------------------------------------------------------------------------- the formulas
def test_taylor_ce_is_the_taylor_polynomial_of_ce():
    x = 1 - U
    assert sp.expand(taylor_ce_expr(2) - (x + x**2 / 2)) == 0
    assert sp.expand(taylor_ce_expr(1) - get_loss("mae").expr) == 0
    # the series of -log u about u = 1, to the order t
    for t in (3, 6):
        series = sp.series(-sp.log(U), U, 1, t + 1).removeO()
        assert sp.expand(taylor_ce_expr(t) - series) == 0
    # as t grows it tends to CE (remainder < x^(t+1)/((t+1)(1-x)))
    f = sp.lambdify(U, taylor_ce_expr(64))
    assert abs(f(0.5) - math.log(2)) < 0.5**65 / 65 * 2 + 4e-16
    assert abs(sp.lambdify(U, taylor_ce_expr(6))(0.5) - math.log(2)) > 0.5**7 / 7  # it can fail


def test_a_registered_order_goes_through_the_fused_term_and_matches_its_spec():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from test_crossval import assert_twin_matches_spec

    from alfs_theory.nn import functional as nnf

    spec = register(taylor_ce(5, name="zz_tce5"), overwrite=True)
    try:
        def twin(logits, labels, **_):
            return nnf._run("zz_tce5", logits, labels, True, {}, ((1.0, nnf._tce, (5,)),))

        rng = np.random.default_rng(1)
        z = np.vstack([rng.normal(size=(4, 6)) * 8, [[60.0, 0, 0, 0, 0, 0]]])
        assert_twin_matches_spec(spec.name, {}, z, np.array([0, 1, 2, 3, 0]), twin=twin)
    finally:
        unregister(spec.name)


def test_poly1_is_ce_plus_eps_times_mae():
    u = _simplex(np.random.default_rng(0), 20, 4)
    for eps in (-1.0, 0.0, 2.0):
        np.testing.assert_allclose(_losses("poly1", u, eps=eps), -np.log(u) + eps * (1 - u),
                                   rtol=1e-12)


def test_label_smoothing_is_ce_against_the_smoothed_target():
    rng = np.random.default_rng(1)
    k = 5
    u = _simplex(rng, 10, k)
    for s in (0.0, 0.1, 0.6):
        target = (1 - s) * np.eye(k) + s / k  # row y: the smoothed one-hot of y
        expect = -(target @ np.log(u).T).T  # [n, y]
        np.testing.assert_allclose(_losses("ls", u, s=s), expect, rtol=1e-12)
    np.testing.assert_allclose(_losses("ls", u, s=0.0), -np.log(u), rtol=1e-12)


def _js_direct(u, y, pi1):
    e = np.zeros_like(u)
    e[y] = 1.0
    m = pi1 * e + (1 - pi1) * u

    def kl(p, q):
        nz = p > 0
        return float(np.sum(p[nz] * np.log(p[nz] / q[nz])))

    z = -(1 - pi1) * math.log(1 - pi1)
    return (pi1 * kl(e, m) + (1 - pi1) * kl(u, m)) / z


def test_js_is_the_weighted_js_divergence_over_its_scale():
    rng = np.random.default_rng(2)
    u = _simplex(rng, 6, 4)
    u[0] = [0.0, 0.3, 0.7, 0.0]  # zeros: 0 log 0 terms, the label's included
    for pi1 in (0.1, 0.5, 0.7, 0.9):
        got = _losses("js", u, pi1=pi1)
        for i in range(u.shape[0]):
            for y in range(u.shape[1]):
                assert got[i, y] == pytest.approx(_js_direct(u[i], y, pi1), rel=1e-10, abs=1e-14)


def test_js_vertex_limits_and_its_ce_mae_interpolation():
    spec = get_loss("js")
    e = np.array([[1.0, 0.0, 0.0]])
    for pi1 in (0.3, 0.7):
        out = spec.bind(pi1=pi1).numeric_losses(e)[0]
        h = -pi1 * math.log(pi1) - (1 - pi1) * math.log(1 - pi1)  # at u_y = 0: H(pi1) / Z
        assert out[0] == 0.0
        assert out[1] == pytest.approx(h / (-(1 - pi1) * math.log(1 - pi1)), rel=1e-12)
        mp = spec.bind(pi1=pi1).mp_losses([1, 0, 0])
        assert float(mp[1]) == pytest.approx(out[1], rel=1e-12)
    # pi1 -> 1: MAE (1 - u); pi1 -> 0: CE (the paper's Z makes both limits exact; the first
    # is approached only like 1/log(1/(1 - pi1)), so it is taken symbolically)
    p = spec.param("pi1").symbol
    for u in (sp.Rational(3, 10), sp.Rational(9, 10)):
        e = spec.expr.subs(U, u)
        assert sp.limit(e, p, 1, "-") == 1 - u
        assert sp.simplify(sp.limit(e, p, 0, "+") + sp.log(u)) == 0


def test_soft_bootstrapping_is_ce_against_the_mixed_target():
    rng = np.random.default_rng(3)
    k = 4
    u = _simplex(rng, 8, k)
    u[0] = [0.0, 0.2, 0.8, 0.0]
    for beta in (0.0, 0.95, 1.0):
        got = _losses("softbootstrap", u, beta=beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            ulogu = np.where(u > 0, u * np.log(u), 0.0)
            for y in range(k):
                ce = -np.log(u[:, y]) if beta else 0.0  # beta = 0: no CE term at all
                expect = beta * ce - (1 - beta) * ulogu.sum(1)
                np.testing.assert_allclose(got[:, y], expect, rtol=1e-12)


def test_nnce_is_symmetric_and_clamps_small_probabilities():
    rng = np.random.default_rng(4)
    k = 6
    u = _simplex(rng, 10, k)
    for min_prob in (1e-7, 5e-5):
        out = _losses("nnce", u, min_prob=min_prob)
        np.testing.assert_allclose(out.sum(1), k - 1, rtol=1e-12)  # sum_k NNCE(u, k) = K - 1
        a = np.maximum(-np.log(min_prob) + np.log(u), 0.0)
        np.testing.assert_allclose(out, 1 - a / a.sum(1, keepdims=True), rtol=1e-12)
    tiny = np.array([[1 - 2e-9, 1e-9, 1e-9]])  # both below min_prob: clamped, a = 0
    assert _losses("nnce", tiny).tolist()[0] == [0.0, 1.0, 1.0]


def test_anl_ce_of_ye_is_alpha_nce_plus_beta_nnce_and_not_anl():
    u = _simplex(np.random.default_rng(5), 5, 3)
    got = _losses("nce+nnce", u, alpha=2.0, beta=3.0)
    np.testing.assert_allclose(got, 2 * _losses("nce", u) + 3 * _losses("nnce", u), rtol=1e-12)
    assert not np.allclose(got, _losses("anl", u))
    assert "Zhou" in get_loss("anl").references[0] and "Ye" in get_loss("nce+nnce").references[0]


def test_ce_sr_is_ce_plus_the_lp_norm():
    u = _simplex(np.random.default_rng(6), 7, 5)
    for p, lam in ((0.1, 1.2), (1.0, 0.5)):
        expect = -np.log(u) + lam * (u**p).sum(1, keepdims=True)
        np.testing.assert_allclose(_losses("ce+sr", u, p=p, lam=lam), expect, rtol=1e-12)


def _ldr_on_logits(z, y, lam, c):
    k = len(z)
    t = np.array([(c * (j != y) + z[j] - z[y]) / lam for j in range(k)])
    mx = t.max()
    return lam * (mx + math.log(np.mean(np.exp(t - mx))))


def test_ldrkl_in_u_equals_its_logit_form():
    rng = np.random.default_rng(7)
    for lam, c in ((1.0, 2.0), (0.3, 0.0), (5.0, 1.0)):
        spec = get_loss("ldrkl").bind(lam=lam, c=c)
        for _ in range(5):
            z = rng.normal(size=4) * 3
            u = np.exp(z - z.max())
            u /= u.sum()
            got = spec.numeric_losses(u[None])[0]
            for y in range(4):
                assert got[y] == pytest.approx(_ldr_on_logits(z, y, lam, c), rel=1e-10,
                                               abs=1e-12)


# ----------------------------------------------------------------------------- the twins
@pytest.mark.parametrize("name, params", [
    ("ldrkl", {"lam": 0.7, "c": 0.0}), ("ldrkl", {}), ("tce", {}), ("poly1", {"eps": -1.0}),
    ("js", {}), ("ls", {"s": 0.3}), ("softbootstrap", {}), ("nnce", {}), ("nce+nnce", {}),
    ("ce+sr", {}),
])
def test_twins_agree_with_the_composite_form_and_the_logit_formulas(name, params):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from alfs_theory.nn import functional as nnf
    from alfs_theory.nn.compose import spec_torch

    g = torch.Generator().manual_seed(0)
    z = (torch.randn(16, 7, generator=g, dtype=torch.float64) * 4).requires_grad_(True)
    y = torch.randint(0, 7, (16,), generator=g)
    fused = nnf.get_twin(name)(z, y, **params)
    (gf,) = torch.autograd.grad(fused.sum(), z)
    comp = spec_torch(name, **params)(z, y)
    (gc,) = torch.autograd.grad(comp.sum(), z)
    torch.testing.assert_close(fused, comp, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(gf, gc, rtol=1e-8, atol=1e-12)
    if name == "ldrkl":
        lam, c = params.get("lam", 1.0), params.get("c", 2.0)
        for i in range(16):
            assert float(fused[i].detach()) == pytest.approx(
                _ldr_on_logits(z[i].detach().numpy(), int(y[i]), lam, c), rel=1e-12, abs=1e-14)


def test_ldrkl_without_margin_is_exactly_zero_at_a_tie():
    torch = pytest.importorskip("torch")
    from alfs_theory.nn import functional as nnf

    z = torch.full((2, 5), 3.0, dtype=torch.float64)
    out = nnf.ldrkl_loss(z, torch.tensor([0, 4]), lam=0.5, c=0.0)
    assert out.tolist() == [0.0, 0.0]
    assert float(get_loss("ldrkl").bind(c=0.0).numeric_losses(np.full((1, 5), 0.2))[0, 0]) == \
        pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name, bad", [("poly1", {"eps": -2.0}), ("nnce", {"min_prob": 0.5}),
                                       ("js", {"pi1": 0.0}), ("ldrkl", {"lam": -1.0})])
def test_twins_refuse_parameters_outside_the_domain(name, bad):
    torch = pytest.importorskip("torch")
    from alfs_theory.nn import functional as nnf

    (pname, _), = bad.items()
    with pytest.raises(ParameterError, match=pname):
        nnf.get_twin(name)(torch.zeros(2, 3), torch.tensor([0, 1]), **bad)
