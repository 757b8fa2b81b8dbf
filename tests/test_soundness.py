"""Soundness: the examples of false PROVED verdicts reported against the checker, and the
mechanisms that now stop them (non-smooth pieces, ties, the domain check, the falsifier, the
time budget, guarded substitutions)."""

from __future__ import annotations

import fractions

import pytest
import sympy as sp

from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.verdict import Certificate, CheckResult, Verdict, simplex_text
from alfs_theory.cli import main
from alfs_theory.errors import DomainError, InputError, SpecError
from alfs_theory.userloss import loss_from_expression

PLATEAU = "piecewise(1 - u, u < 0.3, 0.7, u < 0.6, 1.3 - u)"
KINK = "max(2 - 3*u, 1 - u)"


def _user(text, **params):
    return loss_from_expression(text, params=params).bind(**params)


def _verdicts(rep):
    return {r.check: r for r in rep.results}


def test_plateau_loss_is_not_taken_for_affine():
    rep = check_loss(_user(PLATEAU), n_classes=3, weights=[0.4, 0.32, 0.28])
    v = _verdicts(rep)
    assert v["shape"].value == "neither" and v["shape"].verdict is Verdict.PROVED
    assert v["symmetric"].verdict is Verdict.REFUTED
    # at w = (0.4, 0.32, 0.28) the centroid scores 0.7 against 0.72 at e_t
    assert v["asymmetric-on"].verdict is Verdict.REFUTED
    assert v["region"].verdict is not Verdict.PROVED
    th = v["threshold"]
    assert th.verdict is not Verdict.PROVED or abs(th.value["eta_max"] - 4 / 7) < 1e-9
    if th.verdict is Verdict.UNDECIDED and th.value.get("hi") is not None:
        assert th.value["hi"] >= 4 / 7 - 1e-12  # refuted only above the true threshold 4/7
    assert v["calibrated"].verdict is Verdict.REFUTED
    assert not rep.internal_errors
    # r = 0 (the plateau), with the certified bounds agreeing
    assert v["ratio"].verdict is Verdict.PROVED and float(v["ratio"].value) == 0


def test_kinked_convex_loss_with_a_tie_minimiser_is_not_calibrated():
    for n in (2, 3):
        r = check_loss(_user(KINK), n_classes=n, checks=["calibrated"]).results[0]
        assert r.verdict is Verdict.REFUTED, r.summary
        p = r.counterexample.point["p"]
        assert len(p) == n and p[0] > p[1]
    # the same with curved pieces goes through the tie rule (exact pieces on a 2-class face)
    r = check_loss(_user(KINK + " + (1-u)**2/100"), n_classes=3,
                   checks=["calibrated"]).results[0]
    assert r.verdict is Verdict.REFUTED and "tie" in r.summary


def test_kinked_convex_loss_keeps_its_kkt_threshold():
    rep = check_loss(_user(KINK), n_classes=2, checks=["shape", "threshold"])
    v = _verdicts(rep)
    assert v["shape"].value == "convex" and not rep.internal_errors
    th = v["threshold"]
    assert th.verdict is Verdict.PROVED and th.certificate.method == "kkt"
    assert th.value["exact"] == sp.Rational(1, 4) and th.value["inclusive"] is False


@pytest.mark.parametrize("text,params,where", [
    ("log(u-2)", {}, "not real"),
    ("sqrt(-1)*u", {}, "imaginary"),
    ("u/a", {"a": 0}, "undefined for every u"),
    ("log((u-0.3)**2)", {}, "u = 3/10"),
    ("1/(u-0.5)", {}, "u = 1/2"),
])
def test_losses_not_defined_on_the_simplex_are_refused(text, params, where):
    with pytest.raises(DomainError, match=where.replace("(", r"\(")):
        check_loss(_user(text, **params), n_classes=3)


def test_cli_names_the_point_where_the_loss_fails(capsys):
    assert main(["check", "--expr", "log(u-2)", "-K", "3"]) == 2
    err = capsys.readouterr().err
    assert "log(u - 2)" in err and "not real" in err and "Traceback" not in err


def test_plus_infinity_at_zero_is_the_documented_convention():
    rep = check_loss(_user("1/u - 1"), n_classes=10, noise="symmetric:0.01")
    noise = [r for r in rep.results if r.check == "noise"][0]
    assert "could not run" not in noise.summary
    assert noise.verdict is Verdict.REFUTED  # l(0) = oo: no noisy row keeps e_t


def test_a_contradicted_prover_becomes_an_internal_error():
    from alfs_theory.checks.engine import gate

    spec = _user(PLATEAU).at_classes(3)
    fake = CheckResult("asymmetric-on", Verdict.PROVED, "argmin = {e_t}",
                       certificate=Certificate("bogus", "a rule that fired outside its domain"),
                       value={"weights": [0.4, 0.32, 0.28], "t": 0})
    out = gate(fake, spec, 3)
    assert out.verdict is Verdict.UNDECIDED and out.internal_error and out.sealed
    assert "bogus" in out.internal_error and "falsifier" in out.internal_error
    with pytest.raises(ValueError):
        CheckResult("x", Verdict.PROVED, "s", certificate=Certificate("m", "d"),
                    internal_error="contradiction")


def test_falsifier_leaves_true_claims_alone():
    from alfs_theory.checks.engine import gate

    spec = _user("((1+1)**2 - (1+u)**2)/2").at_classes(3)  # AGCE a=1 q=2: completely asym.
    ok = CheckResult("asymmetric-on", Verdict.PROVED, "argmin = {e_t}",
                     certificate=Certificate("vertex-comparison", "concave"),
                     value={"weights": [0.4, 0.35, 0.25], "t": 0})
    out = gate(ok, spec, 3)
    assert out.verdict is Verdict.PROVED and out.sealed and out.certificate == ok.certificate
    assert out.gate == "falsifier: no counterexample"


def test_every_check_is_bounded_by_its_budget(monkeypatch):
    import time

    import alfs_theory.checks.properties.calibration as cal

    def slow(*a, **k):  # the budget counts CPU time: burn it (a sleep would not count)
        t = time.process_time()
        while time.process_time() - t < 30:
            pass
        raise AssertionError("the budget should have stopped this")

    monkeypatch.setattr(cal, "calibration_t2", slow)  # the first rule the engine tries
    t0 = time.perf_counter()
    rep = check_loss(_user("1 - u"), n_classes=3, checks=["calibrated", "decreasing"],
                     timeout=1.0)
    assert time.perf_counter() - t0 < 10
    v = _verdicts(rep)
    assert v["calibrated"].verdict is Verdict.UNDECIDED and "timed out" in v["calibrated"].summary
    assert v["decreasing"].verdict is Verdict.PROVED  # the others still run
    with pytest.raises(InputError, match="--timeout"):
        check_loss(_user("1-u"), n_classes=3, timeout=-1)
    with pytest.raises(InputError, match="unknown check"):
        check_loss(_user("1-u"), n_classes=3, checks=["calibratd"])


def test_nested_time_limits_keep_the_outer_budget():
    import time

    from alfs_theory.checks.properties.shape import time_limit

    def burn(seconds):  # budgets count CPU time: a sleep would not spend them
        t = time.process_time()
        while time.process_time() - t < seconds:
            pass

    t0 = time.process_time()
    with time_limit(0.6) as outer:
        for _ in range(10):
            with time_limit(0.2) as inner:
                burn(0.5)
            assert inner.expired
    assert outer.expired and time.process_time() - t0 < 1.5


@pytest.mark.parametrize("text,params,err", [
    ("u*K**K**K", {}, SpecError),
    ("u*a**a**a", {"a": 10}, SpecError),
    ("(u+1)**1000000", {}, DomainError),
    ("exp(exp(exp(exp(exp(u)))))", {}, DomainError),
])
def test_expressions_that_explode_are_refused_at_once(text, params, err):
    with pytest.raises(err, match="1e300|beyond 1000|overflow"):
        check_loss(_user(text, **params), n_classes=10)


def test_symmetric_noise_rows_are_decided_once(monkeypatch):
    import alfs_theory.checks.properties.tolerance as tol

    calls = []
    real = tol.check_asymmetric_on_weights
    monkeypatch.setattr(tol, "check_asymmetric_on_weights",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    from alfs_theory import get_loss

    rep = check_loss(get_loss("ael").bind(a=0.45), n_classes=100, checks=["region"],
                     noise="symmetric:0.914")
    noise = [r for r in rep.results if r.check == "noise"][0]
    assert len(calls) == 1 and noise.verdict is Verdict.PROVED
    assert "100 rows" in noise.summary


def test_undecided_noise_rows_say_proved_refuted_undecided():
    import numpy as np

    from alfs_theory.checks.properties.tolerance import check_transition_matrix

    T = np.array([[0.5, 0.5, 0.0], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])  # row 0 not dominant
    r = check_transition_matrix(_user("1 - u").at_classes(3), T)
    assert r.verdict is Verdict.REFUTED
    assert "1 refuted" in r.summary and "proved" in r.summary and "undecided" in r.summary


def test_witnesses_lie_on_the_simplex_at_the_printed_precision():
    for u in ([0.995, 0.000555555555, 0.0044444444444], [1 / 3] * 3, [0.2, 0.8, 1e-300]):
        text = simplex_text(u)
        parts = [fractions.Fraction(x) for x in text.strip("()").split(", ")]
        assert sum(parts) == 1 and all(x >= 0 for x in parts)


def test_nfl_description_names_the_detached_weights():
    from alfs_theory import get_loss

    notes = get_loss("nfl").notes
    assert "weights" in notes and "not the normaliser" in notes


@pytest.mark.parametrize("make", [
    lambda sp, U: 1 - sp.erf(2 * U),
    lambda sp, U: 1 / (1 + sp.exp(4 * (U - sp.Rational(1, 2)))),
    lambda sp, U: sp.log(1 + sp.exp(-3 * U)),
    lambda sp, U: 1 - U - sp.Rational(1, 20) * sp.sin(2 * sp.pi * U),
    lambda sp, U: sp.tanh(1 - U),
])
def test_special_functions_evaluate_on_arrays_and_ratios_match_brute_force(make):
    """erf, sigmoid, softplus, sin, tanh, asinh: the numeric paths (lambdify with scipy before
    numpy) evaluate them elementwise, and a PROVED ratio's bounds contain the brute-force
    infimum of the secant ratio."""
    import numpy as np
    import sympy as sp
    from brute import brute_ratio

    from alfs_theory.checks.checker import check_loss
    from alfs_theory.spec import LossSpec
    from alfs_theory.symbols import U

    spec = LossSpec(name="special", expr=make(sp, U))
    vals = spec.numeric_losses(np.array([[0.2, 0.8], [0.6, 0.4]]))
    assert np.all(np.isfinite(vals)) and vals.shape == (2, 2)
    rep = check_loss(spec, n_classes=3, checks=["decreasing", "ratio"], timeout=60)
    assert not rep.internal_errors
    r = rep.result("ratio")
    assert r.verdict.value == "PROVED", r.summary
    f = sp.lambdify(U, spec.expr, ["scipy", "numpy"])
    lo, hi = (float(x) for x in r.estimate)
    b = brute_ratio(f)
    assert lo - 1e-9 <= b <= hi + 0.05 * max(1.0, abs(hi)), (lo, hi, b)  # b: sampled, >= r
