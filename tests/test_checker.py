"""The checker: known answers derived by the checker (not typed in), and broken losses."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import sympy as sp

from alfs_theory import get_loss
from alfs_theory.checks.checker import CHECK_NAMES, assert_loss_checks, check_loss
from alfs_theory.checks.properties.asymmetry import check_asymmetric_on_weights
from alfs_theory.checks.properties.calibration import check_calibration, check_excess_risk_bound
from alfs_theory.checks.properties.shape import check_decreasing, check_shape
from alfs_theory.checks.properties.tolerance import symmetric_noise_threshold
from alfs_theory.checks.verdict import Verdict
from alfs_theory.errors import ExpressionError, InputError
from alfs_theory.userloss import loss_from_expression

P, R, UD = Verdict.PROVED, Verdict.REFUTED, Verdict.UNDECIDED


def _ratio(spec, **inputs):
    """The ratio question through the engine (its rules and the gate)."""
    from alfs_theory.checks.engine import decide

    return decide("ratio", spec, 2, **inputs)


def _symmetric(spec, n_classes=None):
    """The symmetric question through the engine (its rules and the gate)."""
    from alfs_theory.checks.engine import decide

    return decide("symmetric", spec, n_classes)


def _num(expr, **vals):
    return float(expr.subs({sp.Symbol(k, positive=True): v for k, v in vals.items()}))


# ----------------------------------------------------------------- closed-form ratios
@pytest.mark.parametrize("a,q", [(1, 2), (1, 0.5), (2, 3), (0.5, 1.5), (3, 0.2)])
def test_agce_ratio_family_closed_form(a, q):
    r = _ratio(get_loss("agce"), bounds=False)
    assert r.verdict is P and r.certificate.method == "calculus"
    expected = (a / (a + 1)) ** abs(q - 1)
    got = float(r.value.subs({get_loss("agce").param("a").symbol: sp.Rational(str(a)),
                              get_loss("agce").param("q").symbol: sp.Rational(str(q))}))
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("a,q", [(1.5, 0.9), (3, 2), (6, 1.5), (1.2, 0.3)])
def test_aul_ratio_family_closed_form(a, q):
    spec = get_loss("aul")
    r = _ratio(spec, bounds=False)
    assert r.verdict is P
    got = float(r.value.subs({spec.param("a").symbol: sp.Rational(str(a)),
                              spec.param("q").symbol: sp.Rational(str(q))}))
    assert got == pytest.approx(((a - 1) / a) ** abs(q - 1), rel=1e-12)


def test_ael_and_mae_ratios():
    spec = get_loss("ael")
    r = _ratio(spec, bounds=False)
    assert r.verdict is P
    for a in (0.5, 3, 10):
        assert float(r.value.subs(spec.param("a").symbol, a)) == pytest.approx(math.exp(-1 / a))
    assert _ratio(get_loss("mae").bind()).value == 1


@pytest.mark.parametrize("name", ["ce", "gce"])
def test_ce_gce_ratio_zero(name):
    r = _ratio(get_loss(name).bind())
    assert r.verdict is P and float(r.value) == 0.0


@pytest.mark.parametrize("a,q,exp", [(1, 2, 0.5), (1.0, 0.5, 0.5**0.5), (2, 3, (2 / 3) ** 2)])
def test_bound_ratio_has_tight_certified_bounds(a, q, exp):
    r = _ratio(get_loss("agce").bind(a=a, q=q))
    lo, hi = r.estimate
    assert r.verdict is P and lo - 1e-12 <= exp <= hi + 1e-12 and hi - lo <= 1e-6


# ----------------------------------------------------------------- shape, symmetry
def test_shapes():
    assert check_shape(get_loss("agce").bind(a=1, q=2)).kind == "concave"
    assert check_shape(get_loss("agce").bind(a=1, q=0.5)).kind == "convex"
    assert check_shape(get_loss("ce").bind()).kind == "convex"
    assert check_shape(get_loss("mae").bind()).kind == "linear"


def test_symmetric_verdicts():
    assert _symmetric(get_loss("mae")).verdict is P
    assert _symmetric(get_loss("rce")).verdict is P
    assert _symmetric(get_loss("nce").bind(), 3).verdict is P
    ce = _symmetric(get_loss("ce").bind(), 3)
    assert ce.verdict is R and "u_b" in ce.counterexample.point
    assert _symmetric(get_loss("gce").bind(), 3).verdict is R


# ----------------------------------------------------------------- asymmetry on weights
def test_t4_iff_counterexample_agce_concave():
    """AGCE a=1 q=2 is concave (r = 1/2); w_m/w_n = 8/7 < 2 yet e_1 is the argmin."""
    res = check_asymmetric_on_weights(get_loss("agce").bind(a=1, q=2), [0.4, 0.35, 0.25])
    assert res.verdict is P and res.certificate.method == "vertex-comparison"


def test_convex_loss_fails_past_ratio():
    # convex AGCE (q = 0.5, r = 2^-0.5 ~ 0.707): w_m/w_n = 1.2 < 1/r = 1.414 -> not asymmetric
    res = check_asymmetric_on_weights(get_loss("agce").bind(a=1, q=0.5), [0.42, 0.35, 0.23])
    assert res.verdict is R
    cx = res.counterexample.values
    assert float(cx["risk_at_point"]) < float(cx["risk_at_e_t"])
    ok = check_asymmetric_on_weights(get_loss("agce").bind(a=1, q=0.5), [0.6, 0.3, 0.1])
    assert ok.verdict is P


def test_ce_never_asymmetric_on_noisy_weights():
    assert check_asymmetric_on_weights(get_loss("ce").bind(), [0.9, 0.05, 0.05]).verdict is R
    assert check_asymmetric_on_weights(get_loss("gce").bind(), [0.9, 0.05, 0.05]).verdict is R


def test_ties_at_top_are_refused():
    with pytest.raises(InputError, match="unique largest weight"):
        check_asymmetric_on_weights(get_loss("mae").bind(), [0.4, 0.4, 0.2])


def test_nce_k3_infimum_not_attained():
    res = check_asymmetric_on_weights(get_loss("nce").bind(), [0.6, 0.25, 0.15])
    assert res.verdict is R
    assert res.counterexample.sequence is not None
    assert res.counterexample.values["limit"] == pytest.approx(0.15)


def test_anl_and_amse_vector_losses():
    anl = get_loss("anl").bind(a=1.5, p=0.9)
    assert check_asymmetric_on_weights(anl, [0.34, 0.33, 0.33]).verdict is P
    amse = get_loss("amse").bind(a=2)
    # a >= 1/(w_t - w_2): 1/(0.6-0.3) = 3.33 > 2 -> refuted; 1/(0.8-0.1) = 1.43 <= 2 -> proved
    assert check_asymmetric_on_weights(amse, [0.6, 0.3, 0.1]).verdict is R
    assert check_asymmetric_on_weights(amse, [0.8, 0.1, 0.1]).verdict is P


# ----------------------------------------------------------------- thresholds
def test_symmetric_thresholds():
    K = 10
    conv = symmetric_noise_threshold(get_loss("agce").bind(a=1, q=0.5), K)
    r = 0.5**0.5
    assert conv.verdict is P
    assert conv.value["eta_max"] == pytest.approx(r * (K - 1) / (1 + r * (K - 1)), rel=1e-9)
    conc = symmetric_noise_threshold(get_loss("agce").bind(a=1, q=2), K)
    assert conc.verdict is P and conc.value["eta_max"] == pytest.approx(0.9)
    assert conc.value["inclusive"] is False
    mae = symmetric_noise_threshold(get_loss("mae").bind(), K)
    assert mae.value["eta_max"] == pytest.approx(0.9)
    ce = symmetric_noise_threshold(get_loss("ce").bind(), K)
    assert ce.value["eta_max"] == 0.0
    amse = symmetric_noise_threshold(get_loss("amse").bind(a=10), K)
    assert amse.value["eta_max"] == pytest.approx((K - 1) * (10 - 1) / (10 * K))
    ael = symmetric_noise_threshold(get_loss("ael").bind(a=3), K)
    r = math.exp(-1 / 3)
    assert ael.value["eta_max"] == pytest.approx(r * (K - 1) / (1 + r * (K - 1)))


# ----------------------------------------------------------------- calibration, excess risk
def test_calibration():
    assert check_calibration(get_loss("agce").bind(a=1, q=2), 3).verdict is P
    assert check_calibration(get_loss("ce").bind(), 3).verdict is P
    nce = check_calibration(get_loss("nce").bind(), 3)
    assert nce.verdict is R and nce.counterexample.sequence


def test_excess_risk_bound_mae_constant():
    res = check_excess_risk_bound(get_loss("mae").bind(), 3)
    assert res.verdict is P and float(res.value) == pytest.approx(3.0)
    res = check_excess_risk_bound(get_loss("agce").bind(a=1, q=2), 10)
    assert res.verdict is P and float(res.value) == pytest.approx(10 / 1.5)


def test_excess_risk_bound_of_log_losses_by_pinsker(monkeypatch):
    from alfs_theory.checks.properties import calibration

    ce = check_excess_risk_bound(get_loss("ce").bind(), 3)
    assert ce.verdict is P and ce.certificate.method == "pinsker"
    assert ce.value == {"form": "sqrt", "coefficient": 2}
    assert "sqrt(2 (R_L - R_L*))" in ce.summary
    # a scaled log loss typed by a user: l = -4 log u + 1, so sqrt((1/2)(R_L - R_L*))
    scaled = check_excess_risk_bound(loss_from_expression("1 - 4*log(u)").bind(), 10)
    assert scaled.verdict is P and scaled.value["coefficient"] == sp.Rational(1, 2)
    # neither concave, nor a log or power loss: the convex-pair route (smooth convex l)
    for spec in (get_loss("fl").bind(gamma=2), get_loss("ael").bind()):
        assert check_excess_risk_bound(spec, 3).certificate.method == "convex-pair"
    # convex with a kink: no route applies, no bound is claimed
    assert check_excess_risk_bound(loss_from_expression("max(0, 0.9 - u)").bind(),
                                   3).verdict is UD
    # a wrong scale (a bound 10x too tight) is caught at a sampled point
    monkeypatch.setattr(calibration, "log_loss_scale", lambda spec, n: sp.Integer(100))
    bad = check_excess_risk_bound(get_loss("ce").bind(), 3)
    assert bad.verdict is R and set(bad.counterexample.point) == {"p", "u"}


def test_excess_risk_bound_of_power_losses_by_hoelder(monkeypatch):
    from alfs_theory.checks.properties import calibration

    # GCE q <= 1/2: R01 - R01* <= sqrt(4 (1 - q) (R_L - R_L*))
    g = check_excess_risk_bound(get_loss("gce").bind(q=sp.Rational(1, 4)), 10)
    assert g.verdict is P and g.certificate.method == "power-holder"
    assert g.value == {"form": "power", "coefficient": 3, "exponent": sp.Rational(1, 2)}
    # q >= 1/2: (q/((1-q)(1-2^(-q/(1-q)))) (R_L - R_L*))^(1-q); at q = 1/2 both give sqrt(2 x)
    g = check_excess_risk_bound(get_loss("gce").bind(q=sp.Rational(7, 10)), 3)
    assert g.verdict is P and g.value["exponent"] == sp.Rational(3, 10)
    assert float(g.value["coefficient"]) == pytest.approx(0.7 / (0.3 * (1 - 2 ** (-7 / 3))))
    assert "^(3/10)" in g.summary
    half = check_excess_risk_bound(get_loss("gce").bind(q=sp.Rational(1, 2)), 3)
    assert half.value == {"form": "power", "coefficient": 2, "exponent": sp.Rational(1, 2)}
    # a rescaled power loss typed by a user: l = 5 - 3 u^(1/4), so c = 3/4, q = 1/4
    typed = loss_from_expression("5 - 3*u**(1/4)").bind()
    assert calibration.power_loss_form(typed, 3) == (sp.Rational(3, 4), sp.Rational(1, 4))
    t = check_excess_risk_bound(typed, 3)
    assert t.verdict is P and t.value["coefficient"] == 4  # 4 (1 - q)/c
    # not a power loss: q = 1 (MAE, the chord route) and u^q with q > 1 are not matched
    assert calibration.power_loss_form(get_loss("mae").bind(), 3) is None
    assert calibration.power_loss_form(loss_from_expression("1 - u**2").bind(), 3) is None
    # a bound 100x too tight is caught at a sampled point
    monkeypatch.setattr(calibration, "power_loss_form",
                        lambda spec, n: (sp.Integer(100), sp.Rational(1, 4)))
    bad = check_excess_risk_bound(get_loss("gce").bind(q=sp.Rational(1, 4)), 3)
    assert bad.verdict is R and set(bad.counterexample.point) == {"p", "u"}


def test_excess_risk_bound_of_quadratic_losses_by_projection(monkeypatch):
    from alfs_theory.checks.properties import calibration

    # MSE: C_L = ||u - p||^2 + const, R01 - R01* <= sqrt(2 (R_L - R_L*)), tight at K = 2
    m = check_excess_risk_bound(get_loss("mse").bind(), 2)
    assert m.verdict is P and m.certificate.method == "projection"
    assert m.value == {"form": "power", "coefficient": 2, "exponent": sp.Rational(1, 2)}
    assert m.certificate.data["min_slack"] < 1e-3  # u = (1/2, 1/2) meets it
    # AMSE (c = 1/K): a <= 1 gives m = a, a > 1 gives m = 1/(K - 1): 2 K (K - 1)^2 at K = 10
    assert calibration.quadratic_form(get_loss("amse").bind(a=10), 10) == (sp.Rational(1, 10),
                                                                            10)
    a10 = check_excess_risk_bound(get_loss("amse").bind(a=10), 10)
    assert a10.verdict is P and a10.value["coefficient"] == 2 * 10 * 81
    half = check_excess_risk_bound(get_loss("amse").bind(a=sp.Rational(1, 2)), 3)
    assert half.verdict is P and half.value["coefficient"] == 2 * 3 * 4
    # the checker now reports it for these vector losses (and not for others)
    rep = check_loss(get_loss("amse").bind(), n_classes=10, checks=["excess-risk"])
    assert [r.verdict for r in rep.results] == [P]
    assert calibration.quadratic_form(get_loss("nce").bind(), 3) is None
    assert calibration.quadratic_form(get_loss("anl").bind(), 3) is None
    assert calibration.quadratic_form(get_loss("ce").bind(), 3) is None
    # a claimed curvature 100x too large is caught at a sampled point
    monkeypatch.setattr(calibration, "quadratic_form", lambda spec, n: (sp.Integer(100), 1))
    bad = check_excess_risk_bound(get_loss("mse").bind(), 3)
    assert bad.verdict is R and set(bad.counterexample.point) == {"p", "u"}


def test_excess_risk_bound_of_sce_by_two_class_pinsker(monkeypatch):
    from alfs_theory.checks.properties import calibration

    # SCE = alpha CE + beta RCE, RCE = -log(clamp)(1 - u): l = -alpha log u - b u + const
    spec = get_loss("sce").bind(alpha=sp.Rational(1, 10), beta=1)
    alpha, b = calibration.log_linear_form(spec, 3)
    assert alpha == sp.Rational(1, 10) and float(b) == pytest.approx(math.log(1e4))
    res = check_excess_risk_bound(spec, 10)
    assert res.verdict is P and res.certificate.method == "pinsker-two-class"
    assert res.value == {"form": "sqrt", "coefficient": 20}  # the CE part's Pinsker bound
    # CE (b = 0) keeps its own route; u^q losses are not log-linear
    assert calibration.log_linear_form(get_loss("ce").bind(), 3) is None
    assert calibration.log_linear_form(get_loss("gce").bind(), 3) is None
    # the minimiser used for C_L* sums to 1 and beats nearby points of the simplex
    rng = np.random.default_rng(0)
    Pm = rng.dirichlet(np.ones(4), size=50)
    Um = calibration._log_linear_minimiser(Pm, 0.1, float(b))
    assert np.allclose(Um.sum(1), 1)

    def risk(u):
        return (Pm * (-0.1 * np.log(u) - float(b) * u)).sum(1)

    for _ in range(20):
        d = rng.normal(size=Pm.shape) * 1e-3
        d -= d.mean(1, keepdims=True)
        v = np.clip(Um + d, 1e-12, None)
        assert (risk(v / v.sum(1, keepdims=True)) >= risk(Um) - 1e-12).all()
    # a claimed alpha 100x too large is caught at a sampled point
    monkeypatch.setattr(calibration, "log_linear_form", lambda spec, n: (sp.Integer(10), b))
    bad = check_excess_risk_bound(spec, 3)
    # its minimiser is then not the minimum: a sampled excess L-risk below 0 is the checker
    # contradicting itself, reported as an internal error with the sampled pair, never PROVED
    assert bad.verdict is UD and bad.internal_error and "negative" in bad.internal_error
    assert set(bad.estimate["point"]) == {"p", "u"}


def test_simplex_projection_is_the_projection():
    from alfs_theory.checks.properties.calibration import _simplex_projection

    rng = np.random.default_rng(0)
    V = rng.normal(size=(200, 5)) * 3
    Pv = _simplex_projection(V)
    assert np.allclose(Pv.sum(1), 1) and (Pv >= 0).all()
    # obtuse angle: <v - P(v), w - P(v)> <= 0 for every w in the simplex (vertices suffice)
    for w in np.eye(5):
        assert (np.einsum("ik,ik->i", V - Pv, w - Pv) <= 1e-12).all()
    inside = rng.dirichlet(np.ones(5), size=50)
    assert np.allclose(_simplex_projection(inside), inside)


# ----------------------------------------------------------------- broken losses
def test_increasing_loss_is_caught():
    spec = loss_from_expression("u").bind()
    res = check_decreasing(spec)
    assert res.verdict is R
    assert _ratio(spec).verdict is UD


def test_narrow_bump_is_caught():
    spec = loss_from_expression("1 - u + 0.01*exp(-((u - 0.5)/0.001)^2)").bind()
    res = check_decreasing(spec)
    assert res.verdict is R
    u0 = res.counterexample.point["u"]
    assert 0.495 < u0 < 0.5


def test_half_convex_half_concave():
    spec = loss_from_expression("1 - u + 0.1*(u - 0.5)^3").bind()
    sh = check_shape(spec)
    assert sh.kind == "neither" and sh.result.verdict is P
    r = _ratio(spec)
    assert r.verdict is P and r.certificate.method == "interval-bisection"
    lo, hi = r.estimate
    assert hi - lo <= 1e-6
    # brute force over the derivative-ratio form on a grid never goes below the lower bound
    import numpy as np

    s = np.linspace(0, 1, 801)
    g = 1 - 0.3 * (s - 0.5) ** 2
    ratios = g[:, None] / g[None, :]
    mask = s[:, None] + s[None, :] <= 1
    assert ratios[mask].min() >= lo - 1e-9
    assert ratios[mask].min() <= hi + 1e-3


def test_undeclared_symbol_in_expression():
    with pytest.raises(ExpressionError, match="b"):
        loss_from_expression("1 - b*u")


# ----------------------------------------------------------------- report and helper
def test_report_formats_and_helper():
    rep = assert_loss_checks(get_loss("agce").bind(a=1, q=2),
                             {"ratio": "PROVED", "symmetric": "REFUTED", "calibrated": "PROVED"},
                             n_classes=10, noise="symmetric:0.6")
    d = rep.to_dict()
    assert d["schema"] == "alfs-check/2" and d["K"] == 10
    assert {c["verdict"] for c in d["checks"]} <= {"PROVED", "REFUTED", "UNDECIDED"}
    assert rep.result("noise").verdict is P
    assert "| ratio |  | **PROVED** |" in rep.to_markdown()
    assert "| noise | noise=symmetric:0.6 | **PROVED** |" in rep.to_markdown()
    assert "ratio" in rep.to_text()


# ----------------------------------------------------------------- one vocabulary (#25)
def test_every_key_is_a_stable_name_with_its_arguments_apart():
    rep = check_loss(get_loss("mae").bind(), n_classes=3, noise="symmetric:0.2",
                     weights=[0.5, 0.3, 0.2])
    names = [r.check for r in rep.results]
    assert names == ["decreasing", "shape", "ratio", "symmetric", "asymmetric", "region",
                     "threshold", "calibrated", "excess-risk", "noise", "asymmetric-on"]
    assert set(names) == set(CHECK_NAMES) and rep.keys() == names
    d = {c["check"]: c for c in rep.to_dict()["checks"]}
    assert d["threshold"]["args"] == {"K": 3}
    assert d["asymmetric"]["args"]["eta"] == pytest.approx(0.95 * 2 / 3, abs=1e-6)
    assert d["asymmetric"]["args"]["weights"] == pytest.approx([1 - 0.633333, 0.3166665,
                                                                0.3166665], abs=1e-6)
    assert d["noise"]["args"] == {"K": 3, "noise": "symmetric:0.2"}
    assert d["asymmetric-on"]["args"] == {"K": 3, "weights": [0.5, 0.3, 0.2]}
    for name in names:  # every name selects its own row, and indexes the report
        assert rep[name].check == name
        one = check_loss(get_loss("mae").bind(), n_classes=3, noise="symmetric:0.2",
                         weights=[0.5, 0.3, 0.2], checks=[name])
        assert name in one.keys()


@pytest.mark.parametrize("old, new", [("weights", "asymmetric-on"),
                                      ("symmetric-noise-threshold", "threshold"),
                                      ("excess-risk-bound", "excess-risk"),
                                      ("symmetric-noise-threshold(K=10)", "threshold")])
def test_old_names_are_refused_naming_the_new_one(old, new):
    with pytest.raises(InputError, match=f"'{re.escape(old)}' is now '{new}'") as e:
        check_loss(get_loss("mae").bind(), n_classes=3, checks=[old])
    assert "decreasing, shape, ratio" in str(e.value)
    rep = check_loss(get_loss("mae").bind(), n_classes=3, checks=["ratio"])
    with pytest.raises(KeyError, match=f"is now '{new}'"):
        rep[old]
    with pytest.raises(KeyError, match="no 'threshold' result in this report; it has ratio"):
        rep["threshold"]
    with pytest.raises(KeyError, match="the region of weights is 'region'"):
        rep["asymmetric-on"]


def test_helper_fails_with_a_clear_message():
    with pytest.raises(AssertionError, match="expected PROVED, got REFUTED"):
        assert_loss_checks(get_loss("ce").bind(), {"symmetric": "PROVED"}, n_classes=3,
                           checks=["symmetric"])


def test_noise_rows_pairflip():
    rep = check_loss(get_loss("agce").bind(a=1, q=2), n_classes=4, noise="pairflip:0.3",
                     checks=["noise"])
    assert rep.result("noise").verdict is P
    rep = check_loss(get_loss("agce").bind(a=1, q=2), n_classes=4, noise="pairflip:0.6",
                     checks=["noise"])
    assert rep.result("noise").verdict is R  # 0.6 > 0.4: not clean-labels-dominant


# ----------------------------------------------------------------- vector losses at K = 2
@pytest.mark.parametrize("name", ["nce", "nfl", "ngce", "nce+mae", "nce+rce", "nfl+agce"])
def test_two_class_normalised_losses_and_sums_are_completely_asymmetric(name):
    spec = get_loss(name).bind()
    d = check_asymmetric_on_weights(spec, [0.51, 0.49])
    assert d.verdict is P, d.summary
    assert d.certificate.method in ("normalised-two-class", "sum-of-parts")
    th = symmetric_noise_threshold(spec, 2)
    assert th.verdict is P and th.value["eta_max"] == 0.5 and not th.value["inclusive"]
    assert check_calibration(spec, 2).verdict is P


def test_two_class_rule_is_not_applied_at_three_classes():
    # the same NCE at K = 3 is degenerate (theory.md): the rule must not leak to K >= 3
    d = check_asymmetric_on_weights(get_loss("nce").bind(), [0.6, 0.25, 0.15])
    assert d.verdict is R


def test_two_class_sum_with_convex_part_is_refuted_against_the_vertex_limit():
    # NCE + 4 AEL(2.5): the AEL part is only asymmetric for eta <= r/(1+r) ~ 0.4013, and at
    # eta = 0.475 a point beats the (exact, sympy) limit of the risk at e_t
    spec = get_loss("nce+ael").bind()
    d = check_asymmetric_on_weights(spec, [0.525, 0.475])
    assert d.verdict is R and ("limit" in d.summary or "liminf" in d.summary)
    v = d.counterexample.values
    assert float(v["risk_at_point"]) < float(v["risk_at_e_t"])
    # the limit at e_t: alpha*w_s + beta*(w_t*exp(-1/a) + w_s*exp(0)) with a = 2.5, beta = 4
    assert float(v["risk_at_e_t"]) == pytest.approx(0.475 + 4 * (0.525 * math.exp(-0.4) + 0.475))
    # (its exact threshold is test_two_class_nce_plus_convex_part_threshold_is_the_parts)


def test_sum_of_parts_needs_every_part():
    # NCE + MAE at K = 3: the NCE part is not asymmetric (infimum not attained), so the sum
    # rule must not claim PROVED from the MAE part alone
    d = check_asymmetric_on_weights(get_loss("nce+mae").bind(), [0.6, 0.25, 0.15])
    assert d.verdict is not P or d.certificate.method != "sum-of-parts"


def test_normalised_numerator_recognises_affine_denominators():
    from alfs_theory.checks.properties.asymmetry import normalised_numerator
    from alfs_theory.symbols import U as u

    N = normalised_numerator(get_loss("ngce").bind(q=0.5), 2)  # (1 - u^q)/(K - sum u^q)
    assert N is not None
    assert float(N.subs(u, 0)) == pytest.approx(1.0) and float(N.subs(u, 1)) == 0.0
    assert normalised_numerator(get_loss("mae").bind(), 2) is None


def test_ngce_at_three_classes_is_asymmetric_exactly_on_equal_other_weights():
    # NGCE (q < 1) is normalised with N(0) = 1 finite: with the other weights equal the risk is
    # w_s + (w_t - w_s) pi_t, pi_t > 0 off e_t (PROVED); with unequal ones N'(0) = -inf lets
    # an edge move towards an above-average class lower the risk (REFUTED, 50 digits)
    spec = get_loss("ngce").bind(q=0.7)
    d = check_asymmetric_on_weights(spec, [0.5, 0.25, 0.25])
    assert d.verdict is P and d.certificate.method == "normalised-equal-weights"
    d = check_asymmetric_on_weights(spec, [0.9, 0.06, 0.04])
    assert d.verdict is R
    v = d.counterexample.values
    assert float(v["risk_at_point"]) < float(v["risk_at_e_t"])
    th = symmetric_noise_threshold(spec, 10)
    assert th.verdict is P and th.value["eta_max"] == pytest.approx(0.9)
    assert _symmetric(spec, 10).verdict is P


def test_ngce_q1_reduces_to_a_separable_mae_on_the_simplex():
    # q = 1: (1 - u)/(K - sum_k u_k) and sum_k u_k = 1 on the simplex, so the loss is NMAE
    d = check_asymmetric_on_weights(get_loss("ngce").bind(q=1), [0.5, 0.3, 0.2])
    assert d.verdict is P and d.certificate.method == "vertex-comparison"


def test_focal_loss_curvature_through_factor_signs():
    # l'' = (u^2 log u - 4u + 4) / (4 u^2 (1 - u)^(3/2)): singular at both ends, numerator
    # vanishing at 1; proved from N(1) = 0 and N' = 2u log u + u - 4 < 0
    sh = check_shape(get_loss("fl").bind(gamma=0.5))
    assert sh.kind == "convex" and sh.strict
    assert sh.result.certificate.method == "factor-sign"
    assert check_calibration(get_loss("fl").bind(gamma=0.5), 10).verdict is P


# ----------------------------------------------------------------- NCE/NFL sums at K >= 3
@pytest.mark.parametrize("name", ["nce+mae", "nce+rce", "nce+agce", "nce+anl", "nfl+aul"])
def test_normalised_plus_completely_asymmetric_sums(name):
    # the normalised part is >= min_k w_k with that bound approached at e_t; the other part is
    # continuous and uniquely minimised at e_t: every minimising sequence goes to e_t
    spec = get_loss(name).bind()
    for w in ([0.5, 0.3, 0.2], [0.2, 0.19, 0.18, 0.17, 0.16, 0.1]):
        d = check_asymmetric_on_weights(spec, w)
        assert d.verdict is P and d.certificate.method == "normalised-plus-asymmetric", d.summary
    th = symmetric_noise_threshold(spec, 10)
    assert th.verdict is P and th.value["eta_max"] == pytest.approx(0.9)
    assert check_calibration(spec, 10).verdict is P


@pytest.mark.parametrize("name,part", [("nce+ael", "ael"), ("nfl+amse", "amse")])
def test_normalised_plus_convex_sum_inherits_the_exact_threshold(name, part):
    spec = get_loss(name).bind()
    vals = spec.value_dict
    beta = vals["beta"]
    part_spec = get_loss(part).bind(**{k: v for k, v in vals.items()
                                       if k in get_loss(part).param_names})
    th = symmetric_noise_threshold(spec, 10)
    th_part = symmetric_noise_threshold(part_spec, 10)
    assert th.verdict is P and th.certificate.method == "normalised-plus-kkt"
    assert th.value["eta_max"] == pytest.approx(th_part.value["eta_max"], abs=1e-12)
    eta = th.value["eta_max"]
    from alfs_theory.checks.properties.tolerance import symmetric_weights

    below = check_asymmetric_on_weights(spec, symmetric_weights(10, eta - 1e-3))
    above = check_asymmetric_on_weights(spec, symmetric_weights(10, eta + 1e-3))
    assert below.verdict is P
    assert above.verdict is R
    v = above.counterexample.values
    assert float(v["risk_at_point"]) < float(v["risk_at_e_t"])
    assert beta > 0


@pytest.mark.parametrize("name,params", [("mse", {}), ("amse", {"a": 10}), ("amse", {"a": 0.5})])
def test_separable_convex_risks_with_order_preserving_minimiser_are_calibrated(name, params):
    # MSE: risk = |u - p|^2 + c; AMSE: |u - a p|^2/K + c; the minimiser keeps p's order
    res = check_calibration(get_loss(name).bind(**params), 5)
    assert res.verdict is P and res.certificate.method in ("kkt-order", "swap-argument")


# ----------------------------------------------------------------- the region of weights
def _in_region(value, w):
    s = sorted(w)
    wt, wn = s[-1], s[-2]
    kind = value["kind"]
    if kind == "all":
        return True
    if kind == "none":
        return False
    if kind == "equal-others":
        others = sorted(w)[:-1]
        return all(abs(x - others[0]) < 1e-15 for x in others)
    from alfs_theory.checks.properties.region import W_N, W_T

    return bool(value["condition"].subs({W_T: sp.Rational(wt), W_N: sp.Rational(wn)}))


@pytest.mark.parametrize("name,params", [
    ("ael", {"a": 3}), ("agce", {"a": 1, "q": 0.5}), ("agce", {"a": 1, "q": 2}),
    ("aul", {"a": 3, "q": 2}), ("amse", {"a": 3}), ("ngce", {"q": 0.7}), ("mae", {}),
    ("nce+ael", {}), ("nce+amse", {"a": 3}), ("ce", {}),
])
def test_weight_region_agrees_with_every_single_decision(name, params):
    # the region is derived once; each weight vector is decided separately by the definition
    import numpy as np

    from alfs_theory.checks.properties.region import weight_region

    K = 4
    spec = get_loss(name).bind(**params).at_classes(K)
    region = weight_region(spec, K)
    assert region.verdict is P, region.summary
    rng = np.random.default_rng(3)
    seen = set()
    cases = [[0.4, 0.2, 0.2, 0.2], [0.7, 0.1, 0.1, 0.1]]
    for _ in range(14):
        w = np.round(rng.dirichlet(np.ones(K) * 0.8), 3)
        w[-1] = round(1 - w[:-1].sum(), 3)
        if w.min() >= 0 and np.sort(w)[-1] != np.sort(w)[-2]:
            cases.append([float(x) for x in w])
    for w in cases:
        ws = [sp.Rational(str(x)) for x in w]
        ws[-1] = 1 - sum(ws[:-1])
        inside = _in_region(region.value, ws)
        d = check_asymmetric_on_weights(spec, ws)
        assert d.verdict is not UD, (name, w, d.summary)
        assert (d.verdict is P) == inside, (name, w, region.summary, d.summary)
        seen.add(inside)
    if region.value["kind"] not in ("all", "none"):
        assert seen == {True, False}  # the random cases hit both sides of the boundary


@pytest.mark.parametrize("name", ["nce+ael", "nce+amse", "nfl+ael", "ngce"])
def test_swap_argument_calibration(name):
    # each part cannot rise when u_t and a larger u_j swap (p_t > p_j), one part strictly falls
    res = check_calibration(get_loss(name).bind(), 4)
    assert res.verdict is P and res.certificate.method == "swap-argument", res.summary


def test_swap_argument_needs_a_strict_continuous_part():
    # NCE alone: its liminf on a face does not move under the swap; it stays REFUTED at K >= 3
    assert check_calibration(get_loss("nce").bind(), 3).verdict is R


def test_two_class_nce_plus_convex_part_threshold_is_the_parts():
    # at K = 2 NCE rises only by o(d) along the edge (d/log(1/d)), so AEL's KKT margin decides:
    # the threshold is AEL's r/(1 + r) exactly; just above it the dip sits at d ~ 1e-50
    import mpmath

    spec = get_loss("nce+ael").bind()
    th = symmetric_noise_threshold(spec, 2)
    r = math.exp(-1 / 2.5)
    assert th.verdict is P and th.value["eta_max"] == pytest.approx(r / (1 + r), abs=1e-12)
    with mpmath.workdps(300):
        eta = mpmath.mpf("0.402")  # just above r/(1+r) = 0.40131...
        d = mpmath.mpf(10) ** -60
        risk = spec.mp_risk([1 - eta, eta], [1 - d, d], dps=300)
        limit = eta + 4 * ((1 - eta) * mpmath.exp(-1 / mpmath.mpf(2.5)) + eta)
        assert risk < limit


@pytest.mark.parametrize("eta", ["0.3", "0.4", "0.4013", "0.402", "0.45", "0.49"])
def test_two_class_region_and_single_decisions_agree_for_nce_plus_ael(eta):
    from alfs_theory.checks.properties.region import weight_region

    spec = get_loss("nce+ael").bind().at_classes(2)
    region = weight_region(spec, 2)
    w = [1 - sp.Rational(eta), sp.Rational(eta)]
    d = check_asymmetric_on_weights(spec, w)
    assert d.verdict is not UD, d.summary
    assert (d.verdict is P) == _in_region(region.value, w)


def test_a_typed_vector_loss_gets_the_same_verdicts_as_the_registered_one():
    # NCE + 4 AEL(2.5) typed with a class sum: its additive terms become parts
    user = loss_from_expression("-log(u)/sum(-log(v)) + 4*exp(-u/a)", params={"a": 2.5},
                                domains={"a": "a > 0"})
    assert user.kind == "vector" and len(user.parts()) == 2
    for K in (2, 10):
        th_user = symmetric_noise_threshold(user.bind().at_classes(K), K)
        th_reg = symmetric_noise_threshold(get_loss("nce+ael").bind().at_classes(K), K)
        assert th_user.verdict is P and th_reg.verdict is P
        assert th_user.value["eta_max"] == pytest.approx(th_reg.value["eta_max"], abs=1e-12)
    nce = loss_from_expression("-log(u)/sum(-log(v))").bind()
    assert check_asymmetric_on_weights(nce, [0.7, 0.3]).verdict is P
    assert check_asymmetric_on_weights(nce, [0.6, 0.25, 0.15]).verdict is R
    with pytest.raises(ExpressionError, match="reserved"):
        loss_from_expression("S_0*u", params={"S_0": 1.0})
