"""The pytest helper over every registered loss: every check runs and answers with evidence."""

from __future__ import annotations

import pytest

from alfs_theory import get_loss, list_losses
from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.verdict import Verdict

# what shared/theory.md and the checker's own derivations say, per loss (K = 10, defaults)
EXPECTED = {
    "mae": {"symmetric": "PROVED", "calibrated": "PROVED"},
    "rce": {"symmetric": "PROVED"},
    "nce": {"symmetric": "PROVED", "asymmetric": "REFUTED", "calibrated": "REFUTED"},
    "ce": {"symmetric": "REFUTED", "asymmetric": "REFUTED", "calibrated": "PROVED"},
    "agce": {"symmetric": "REFUTED", "asymmetric": "PROVED", "calibrated": "PROVED"},
    "aul": {"asymmetric": "PROVED", "calibrated": "PROVED"},
    "anl": {"asymmetric": "PROVED", "calibrated": "PROVED"},
    "gce": {"asymmetric": "REFUTED"},
    # issue #24. NNCE: sum_k (A - CE(u_k)) / sum_j (A - CE(u_j)) = 1, so sum_k NNCE = K - 1
    # (Ye et al.'s symmetry); ANL-CE adds symmetric NCE. Taylor CE (t = 2), Poly-1 and JS are
    # convex and decreasing with a finite ratio test only for TCE: l'(0) = -oo for Poly-1 and
    # JS (JS's u log u), so no noisy weights keep e_t (theory.md T4, necessary for convex l)
    "nnce": {"symmetric": "PROVED"},
    "nce+nnce": {"symmetric": "PROVED"},
    "tce": {"symmetric": "REFUTED", "calibrated": "PROVED"},
    "poly1": {"asymmetric": "REFUTED", "calibrated": "PROVED"},
    "js": {"asymmetric": "REFUTED", "calibrated": "PROVED"},
}


@pytest.mark.parametrize("name", list_losses())
def test_every_check_runs_on_every_loss(name):
    rep = check_loss(get_loss(name).bind(), n_classes=10)
    assert rep.results, name
    for r in rep.results:
        assert "could not run" not in r.summary, f"{name}: {r.check}: {r.summary}"
        if r.verdict is Verdict.PROVED:
            assert r.certificate is not None
        if r.verdict is Verdict.REFUTED:
            assert r.counterexample is not None
    for check, verdict in EXPECTED.get(name, {}).items():
        got = rep.result(check)
        assert got.verdict.value == verdict, (
            f"{name}: {got.check} expected {verdict}, got {got.verdict.value}: {got.summary}")
