"""The checker's texts say plainly what was proved (issue #25): an empty region of weights, a
zero noise threshold, simplified margins; --wide prints whole evidence; alfs train prints its
prediction as a short table. Verdicts are unchanged (asserted beside each text)."""

from __future__ import annotations

import pytest

from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.verdict import Verdict
from alfs_theory.cli import main

# l'(1) = 0 and l'(0) = -(9/4 + log(2)/2): convex, the KKT margin is -(9/4 + log 2/2) w_n
FLAT_AT_ONE = "(1 - u)**2*(9/8 + log(2)/4)"


def test_a_region_with_no_noisy_weight_vector_says_so_with_a_witness():
    rep = check_loss(FLAT_AT_ONE, n_classes=10, checks=["region", "threshold"])
    r = rep["region"]
    assert r.verdict is Verdict.PROVED and r.value["kind"] == "none"
    assert r.summary.startswith("asymmetric for no noisy weight vector (w_n > 0): the KKT "
                                "margin D = -w_n*(2*log(2) + 9)/4 is < 0 for every noisy w")
    assert "e.g. w = (0.9, 0.01111, 0.01111, ...) (symmetric noise, eta = 0.1): D = -0.0288508" \
        in r.summary
    assert "-9*w_n/4 - w_n*log(2)/2 >= 0" not in r.summary  # the unsimplified empty condition
    assert "D_k = -w_k*(2*log(2) + 9)/4," in r.evidence


def test_a_zero_threshold_tolerates_no_noise():
    rep = check_loss(FLAT_AT_ONE, n_classes=10, checks=["threshold"])
    th = rep["threshold"]
    assert th.verdict is Verdict.PROVED and th.value["eta_max"] == 0.0
    assert th.summary.startswith("tolerates no noise (eta_max = 0): the KKT margin D(eta) = "
                                 "-eta*(2*log(2) + 9)/36 is < 0 for every eta > 0")
    assert "tolerant iff eta <= 0" not in th.summary
    ce = check_loss("ce", n_classes=10, checks=["threshold"])["threshold"]
    assert ce.verdict is Verdict.PROVED and ce.summary == ("tolerates no noise (eta_max = 0): "
                                                          "l(0+) = oo")


@pytest.mark.parametrize("expr, text", [
    ("exp(-u/3)", "tolerant iff eta <= 9/(exp(1/3) + 9) = 0.86575"),
    ("(2 - u)**2", "tolerant iff eta <= 9/11 = 0.818182"),
])
def test_a_threshold_prints_its_exact_value(expr, text):
    th = check_loss(expr, n_classes=10, checks=["threshold"])["threshold"]
    assert th.verdict is Verdict.PROVED and th.summary == text


def test_regions_that_are_not_empty_keep_their_inequality():
    r = check_loss("exp(-u/3)", n_classes=10, checks=["region"])["region"]
    assert r.value["kind"] == "inequality" and r.summary == "asymmetric for w_t/w_n >= exp(1/3)"


def test_wide_prints_the_whole_evidence(capsys):
    argv = ["check", "agce", "-K", "10", "--only", "calibrated"]
    assert main(argv) == 0
    cut = capsys.readouterr().out
    assert main(argv + ["--wide"]) == 0
    wide = capsys.readouterr().out
    line = next(x for x in wide.splitlines() if x.startswith("calibrated"))
    assert len(line) > 160 and not line.endswith("...")
    assert max(len(x) for x in cut.splitlines()) <= 160
    full = check_loss("agce", n_classes=10, checks=["calibrated"])["calibrated"]
    assert full.evidence in line


def test_train_prints_its_prediction_as_a_short_table():
    from alfs_theory.cli.train import prediction_table

    pred = {"tolerant": True, "verdict": "PROVED", "threshold_symmetric": 0.9,
            "detail": "symmetric eta = 0.4 vs threshold 0.9 (exclusive): [vertex-comparison] "
                      + "risk = sum_k phi_k(u_k) " * 100}
    text = prediction_table(pred, 10)
    assert text.splitlines() == [
        "  theory (the checker's prediction; whole evidence in record.json):",
        "    verdict   PROVED",
        "    tolerant  yes",
        "    eta_max   0.9 (symmetric noise, K = 10)",
        "    why       symmetric eta = 0.4 vs threshold 0.9 (exclusive)"]
    none = prediction_table({"tolerant": None, "verdict": None, "threshold_symmetric": None,
                             "detail": "x" * 500}, 3)
    assert "tolerant  undecided" in none and "eta_max   -" in none
    assert max(len(x) for x in none.splitlines()) <= 125
