"""weights-kkt with a margin D_k = -oo (phi'(0) = -oo while phi(0) is finite, as for the
Jensen-Shannon loss): the refuting move from e_t towards e_k can be as small as 1e-80 at
K = 10,000, where the weight ratio w_t/w_k is about 500. The move the checker reports is checked
here at high precision with the test's own formula of the loss."""

from __future__ import annotations

import mpmath
import pytest

from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.properties.tolerance import symmetric_weights


def _g(u):
    """The JS loss at pi_1 = 0.7 up to a positive factor: 0.3 u log(u/m) - 0.3 (1-u) log 0.3
    - 0.7 log m, m = 0.3 u + 0.7 (u log u -> 0 at u = 0)."""
    m = mpmath.mpf("0.3") * u + mpmath.mpf("0.7")
    head = 0 if u == 0 else mpmath.mpf("0.3") * u * mpmath.log(u / m)
    return head - mpmath.mpf("0.3") * (1 - u) * mpmath.log(mpmath.mpf("0.3")) \
        - mpmath.mpf("0.7") * mpmath.log(m)


@pytest.mark.parametrize("K", [1000, 10000])
def test_a_steep_margin_is_refuted_with_a_tiny_move_that_really_lowers_the_risk(K):
    r = check_loss("js", n_classes=K, checks=["asymmetric"]).results[0]
    assert r.verdict.value == "REFUTED" and "weights-kkt" in r.gate, r.summary
    d_text = r.summary.split("moving mass d = ")[1].split(" ")[0]
    eta = round(0.95 * (K - 1) / K, 6)
    w = [mpmath.mpf(str(x)) for x in symmetric_weights(K, eta)]
    digits = int(-mpmath.log10(mpmath.mpf(d_text))) + 60
    with mpmath.workdps(digits):
        d = mpmath.mpf(d_text)
        wt, wk = w[0], w[1]
        change = wt * (_g(1 - d) - _g(mpmath.mpf(1))) + wk * (_g(d) - _g(mpmath.mpf(0)))
        assert change < 0
        # and a 100 times larger weight on e_t would make the same move cost more than it gains
        assert 100 * wt * (_g(1 - d) - _g(mpmath.mpf(1))) + wk * (_g(d) - _g(mpmath.mpf(0))) > 0


def test_a_noise_row_at_k_10000_needs_a_move_of_1e_minus_10240_and_it_holds():
    """Symmetric noise 0.4 at K = 10,000: w_t/w_k = 0.6/(0.4/9999) = 15,000, so the JS loss's
    refuting move is about 1e-10240; checked at that precision with the test's formula."""
    r = check_loss("js", n_classes=10000, noise="symmetric:0.4", checks=["noise"]).results[0]
    assert r.verdict.value == "REFUTED", r.summary
    why = r.value["classes"][0]["why"]
    d_text = why.split("moving mass d = ")[1].split(" ")[0]
    e = int(-mpmath.log10(mpmath.mpf(d_text)))
    assert e > 5000  # the ladder had to go this far
    with mpmath.workdps(e + 60):
        d = mpmath.mpf(10) ** -e
        wt, wk = mpmath.mpf("0.6"), mpmath.mpf("0.4") / 9999
        change = wt * (_g(1 - d) - _g(mpmath.mpf(1))) + wk * (_g(d) - _g(mpmath.mpf(0)))
        assert change < 0
