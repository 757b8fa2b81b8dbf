"""proofs_check: the ledger runs end to end and every verdict is the one it expects."""

from __future__ import annotations

import json

import pytest

from alfs_theory.errors import InputError
from alfs_theory.ledger.claims import LEDGER
from alfs_theory.ledger.run import run_ledger


def test_ledger_ids_unique_and_complete():
    ids = [c.id for c in LEDGER]
    assert len(ids) == len(set(ids))
    # every claim family of shared/theory.md has a row
    for prefix in ("D1", "D2", "D3", "T1", "T2", "T3", "T4", "T5", "C-AMSE", "C-ANL", "E-"):
        assert any(i.startswith(prefix) for i in ids), prefix


def test_full_ledger_as_expected(tmp_path):
    rep = run_ledger(out_dir=tmp_path, stream=open("/dev/null", "w"))
    bad = [(r["id"], r["expected"], r["found"], r["evidence"][:300]) for r in rep["claims"]
           if not r["ok"]]
    assert not bad, bad
    d = json.loads((tmp_path / "report.json").read_text())
    assert d["schema"] == "alfs-ledger/1" and d["ok"]
    md = (tmp_path / "report.md").read_text()
    assert "| T4-iff |" in md and "**REFUTED**" in md
    t4 = next(r for r in d["claims"] if r["id"] == "T4-iff")
    assert "8/7" in t4["evidence"]  # the counterexample is in the report
    pop = next(r for r in d["claims"] if r["id"] == "T1-population-symmetric")
    rows = pop["data"]["rows"]
    assert len(rows) >= 8
    assert all(abs(row["measured"] - row["predicted"]) <= 2e-3 for row in rows)


def test_unknown_id_is_refused(tmp_path):
    with pytest.raises(InputError, match="unknown ledger id"):
        run_ledger(only=["NOPE"], out_dir=tmp_path)


def test_a_partial_run_never_replaces_the_full_report(tmp_path, capsys):
    """`alfs verify --only` writes report-partial.* (saying it is partial) beside the full
    report, and the default folder is in the current directory, not inside the package."""
    import os

    from alfs_theory.cli import main

    (tmp_path / "report.md").write_text("the full report")
    assert main(["verify", "--only", "D1-symmetric", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "report.md").read_text() == "the full report"
    md = (tmp_path / "report-partial.md").read_text()
    assert "Partial run" in md and "D1-symmetric" in md
    assert "report-partial.md" in capsys.readouterr().out
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert main(["verify", "--only", "D1-symmetric"]) == 0
    finally:
        os.chdir(cwd)
    assert (tmp_path / "alfs-verify" / "report-partial.json").is_file()


def test_the_flip_bracket_fails_for_a_wrong_prediction():
    """T1-population's two decisions at pred -/+ 2e-3 can fail: a prediction 0.01 off is
    caught on either side, and the true flip (AEL a = 3, K = 10: 9/(e^(1/3) + 9)) passes."""
    import math

    from alfs_theory import get_loss
    from alfs_theory.population import flip_within

    spec = get_loss("ael").bind(a=3)
    true = 9 / (math.exp(1 / 3) + 9)
    got = flip_within(spec, 10, "symmetric", true, 2e-3)
    assert got is not None and got.lo < true < got.hi
    assert flip_within(spec, 10, "symmetric", true + 0.01, 2e-3) is None
    assert flip_within(spec, 10, "symmetric", true - 0.01, 2e-3) is None
