"""Classes the checker now decides (issue #24), each against an independent argument.

* 0*log 0 at the simplex's vertices reads as its limit (the continuous extension), so a
  Jensen-Shannon-like or entropy-regularised loss written with ``sum`` has a risk at e_t;
* strictly convex separable vector losses with +oo at u = 0 (label smoothing) are calibrated
  by the swap argument (the risk is lower semicontinuous and bounded below);
* an entropy term makes e_t the minimiser for no weight vector (B'(0) = -oo).
"""

from __future__ import annotations

import numpy as np
from brute import brute_asymmetry, brute_calibration_gap

from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.verdict import Verdict
from alfs_theory.userloss import loss_from_expression


def _user(expr: str):
    return loss_from_expression(expr).bind()


ENTROPY = "1 - u + 0.2*sum(v*log(v))"
SMOOTHING = "-0.9*log(u) - 0.1/K*sum(log(v))"


def test_zero_log_zero_at_a_vertex_is_its_limit():
    spec = _user(ENTROPY).at_classes(3)
    L = spec.numeric_losses(np.eye(3))
    assert np.all(np.isfinite(L))
    assert np.allclose(np.diag(L), 0.0) and np.allclose(L[0, 1:], 1.0)
    mp = spec.mp_losses([1, 0, 0])
    assert float(mp[0]) == 0.0 and float(mp[1]) == 1.0


def test_entropy_term_moves_mass_off_every_vertex():
    rep = check_loss(_user(ENTROPY), n_classes=3)
    region = rep.result("region")
    assert region.verdict is Verdict.PROVED and region.value["kind"] == "none"
    asym = rep.result("asymmetric")
    assert asym.verdict is Verdict.REFUTED
    got = brute_asymmetry(_user(ENTROPY).at_classes(3), [0.6, 0.25, 0.15])
    assert got.best_other < got.risk_t  # the brute force agrees: e_t is not the minimiser


def test_label_smoothing_is_calibrated():
    rep = check_loss(_user(SMOOTHING), n_classes=3, checks=["calibrated"])
    r = rep.result("calibrated")
    assert r.verdict is Verdict.PROVED and r.certificate.method == "swap-argument"
    spec = _user(SMOOTHING).at_classes(3)
    for p in ([0.5, 0.3, 0.2], [0.4, 0.35, 0.25]):
        wrong, best = brute_calibration_gap(spec, np.array(p))
        assert wrong > best  # the independent brute force: a positive gap


def test_an_entropy_term_tolerates_no_eta_not_even_clean_labels():
    """threshold-no-weights: the region rule proves no weight vector keeps e_t (B'(0) = -oo),
    so no eta > 0 is tolerated, and at eta = 0 the clean weights are decided too. Brute force
    with the test's own formula: at w = e_t, moving d = 0.01 to another class lowers the risk
    1 - u_t + 0.2 sum_k u_k log u_k."""
    for K in (3, 5):
        r = check_loss(ENTROPY, n_classes=K, checks=["threshold"]).results[0]
        assert r.verdict is Verdict.PROVED and "not even the clean labels" in r.summary
        assert r.value["eta_max"] == 0 and r.value["inclusive"] is False
        assert "threshold-no-weights" in r.gate

    def risk_clean(u):
        u = np.asarray(u, dtype=float)
        nz = u[u > 0]
        return 1 - u[0] + 0.2 * float(np.sum(nz * np.log(nz)))

    assert risk_clean([0.99, 0.01, 0.0]) < risk_clean([1.0, 0.0, 0.0])
