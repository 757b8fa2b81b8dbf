"""LossSpec, registry and parameter domains."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import alfs_theory as at
from alfs_theory.errors import ParameterError, SpecError, UnknownLossError
from alfs_theory.spec import LossSpec, combine, make_param
from alfs_theory.symbols import K, U, V

PAPER_LOSSES = [
    "ce", "fl", "mae", "gce", "rce", "sce", "nce", "nfl", "ngce", "nmae", "agce", "aul",
    "ael", "anl", "amse", "nce+mae", "nce+rce", "nfl+mae", "nfl+rce", "nce+agce", "nce+aul",
    "nce+ael", "nfl+agce", "nfl+aul", "nfl+ael", "anl+rce", "nce+anl", "nce+amse", "nfl+amse",
]


def test_every_paper_loss_is_registered():
    missing = set(PAPER_LOSSES) - set(at.list_losses())
    assert not missing, f"not registered: {sorted(missing)}"


@pytest.mark.parametrize("name", PAPER_LOSSES)
def test_loss_binds_defaults_and_sums_to_finite_values(name):
    s = at.get_loss(name).bind()
    assert s.is_bound
    u = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
    L = s.numeric_losses(u)
    assert L.shape == u.shape and np.all(np.isfinite(L))
    # numpy and 50-digit mpmath evaluation agree
    mp = np.array([float(x) for x in s.mp_losses(u[0])])
    np.testing.assert_allclose(L[0], mp, rtol=1e-12)


def test_vector_expr_matches_numeric():
    s = at.get_loss("anl").bind(a=2, p=0.5)
    e, us = s.vector_expr(3, y=1)
    u = [0.2, 0.5, 0.3]
    val = float(e.subs(dict(zip(us, u))))
    assert val == pytest.approx(s.numeric_losses(np.array(u))[1], rel=1e-12)


def test_known_values():
    # AGCE a=1 q=2: l(u) = 2 - (1+u)^2/2 ; RCE: -log(1e-4)(1-u) ; NMAE: (1-u)/(K-1)
    assert at.get_loss("agce").bind(a=1, q=2).pointwise_expr() == 2 - (U + 1) ** 2 / 2
    rce = at.get_loss("rce").bind()
    assert float(rce.pointwise_expr().subs(U, 0)) == pytest.approx(9.210340371976184)
    assert at.get_loss("nmae").bind().pointwise_expr(10) == (1 - U) / 9
    # NCE is a normalised loss: it sums to 1 over the labels
    u = np.array([0.7, 0.2, 0.1])
    assert at.get_loss("nce").bind().numeric_losses(u).sum() == pytest.approx(1.0)


def test_unknown_loss_suggests_close_names():
    with pytest.raises(UnknownLossError, match="did you mean 'agce'"):
        at.get_loss("agcee")
    with pytest.raises(KeyError):  # also a KeyError for callers that expect one
        at.get_loss("no-such-loss")


def test_aliases_and_case():
    assert at.get_loss("AGCE") is at.get_loss("agce")
    assert at.get_loss("jal-ce") is at.get_loss("nce+amse")
    assert at.get_loss("aue") is at.get_loss("aul")


@pytest.mark.parametrize(
    "name,kw,fragment",
    [
        ("aul", {"a": 1.0}, "1 < a"),
        ("agce", {"a": -1}, "0 < a"),
        ("anl", {"p": 1.5}, "0 < p <= 1"),
        ("gce", {"q": 0}, "0 < q <= 1"),
        ("agce", {"b": 1}, "no parameter"),
        ("agce", {"a": float("nan")}, "finite"),
        ("agce", {"a": "x"}, "must be a number"),
    ],
)
def test_bind_rejects_out_of_domain(name, kw, fragment):
    with pytest.raises(ParameterError, match=fragment):
        at.get_loss(name).bind(**kw)


def test_bind_boundary_values():
    assert at.get_loss("anl").bind(p=1).value_dict["p"] == 1.0  # p <= 1 admits 1
    assert at.get_loss("amse").bind(a=0).value_dict["a"] == 0.0  # a >= 0 admits 0


def test_undeclared_symbol_is_refused():
    b = sp.Symbol("b")
    with pytest.raises(SpecError, match=r"undeclared symbol\(s\) \['b'\]"):
        LossSpec(name="bad", expr=1 - U * b)
    with pytest.raises(SpecError, match="summand"):
        S = sp.Symbol("S")
        LossSpec(name="bad2", expr=S, sums=((S, V * b),))


def test_reserved_parameter_name_is_refused():
    with pytest.raises(SpecError, match="reserved"):
        LossSpec(name="bad", expr=U, params=(make_param("K", lower=0),))


def test_user_spec_can_be_registered_and_removed():
    c = make_param("c", lower=0, default=2.0)
    spec = LossSpec(name="test-square", expr=(1 - U) ** c.symbol, params=(c,))
    at.register(spec)
    try:
        assert at.get_loss("test-square").bind(c=3).pointwise_expr() == (1 - U) ** 3
        with pytest.raises(SpecError, match="already registered"):
            at.register(spec)
    finally:
        at.registry.unregister("test-square")
    assert "test-square" not in at.list_losses()


def test_combine_renames_sums_and_keeps_weights():
    s = combine("x", [("alpha", at.get_loss("nce")), ("beta", at.get_loss("nfl"))])
    assert len(s.sums) == 2 and s.sums[0][0] != s.sums[1][0]
    assert s.param_names[:2] == ("alpha", "beta")
    b = s.bind(alpha=2, beta=0)
    u = np.array([0.5, 0.3, 0.2])
    np.testing.assert_allclose(b.numeric_losses(u), 2 * at.get_loss("nce").bind().numeric_losses(u))


def test_numeric_requires_binding():
    with pytest.raises(ParameterError, match="bind parameter values first"):
        at.get_loss("agce").numeric_losses(np.array([0.5, 0.5]))


def test_k_is_symbolic_in_vector_losses():
    assert K in at.get_loss("ngce").expr.free_symbols
    assert at.get_loss("nce").kind == "vector" and at.get_loss("agce").kind == "pointwise"


def test_core_imports_without_torch_and_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['matplotlib'] = None\n"
        "import alfs_theory, alfs_theory.cli\n"
        "print(len(alfs_theory.list_losses()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 31


def test_numpy_scalars_are_exact_numbers_too():
    """Weights and parameters from numpy (np.float64 is a float whose repr names numpy) become
    the same exact numbers as the Python ones: the weights of a notebook's Dirichlet draw."""
    import numpy as np

    from alfs_theory.spec import to_exact

    assert to_exact(np.float64(0.0629)) == to_exact(0.0629) == sp.Rational(629, 10000)
    assert to_exact(np.int64(3)) == 3 and to_exact(np.float32(0.5)) == sp.Rational(1, 2)
