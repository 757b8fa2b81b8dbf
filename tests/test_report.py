"""alfs report: the main job writes a self-contained HTML and a markdown report."""

from __future__ import annotations

import alfs_theory.report as report


def test_report_end_to_end_small(tmp_path, monkeypatch):
    import proofs_check.run as pr
    from proofs_check.ledger import LEDGER

    small = [c.id for c in LEDGER if c.id in ("T4-iff", "T5-concave")]
    real = pr.run_ledger
    monkeypatch.setattr(pr, "run_ledger", lambda **kw: real(only=small, **kw))
    monkeypatch.setattr(report, "SWEEP_LOSSES", [("ce", {}), ("agce", {"a": 1.0, "q": 2.0})])
    monkeypatch.setattr(report, "SWEEP_RATES", (0.0, 0.6))
    monkeypatch.setattr(report, "verdict_table", lambda: [
        {"loss": "agce", "kind": "pointwise", "shape": "concave", "ratio": "PROVED"}])
    s = report.run_report(tmp_path, epochs=2, workers=1, skip_figures=True)
    html = (tmp_path / "report.html").read_text()
    md = (tmp_path / "report.md").read_text()
    assert "<table>" in html and "T4-iff" in html and "agce" in html
    assert "## The paper's claims (2/2 as expected)" in md
    assert len(s["theory_vs_experiment"]) == 4  # 2 losses x 2 rates
    assert (tmp_path / "sweep" / "results.csv").exists()
    # a second run keeps the finished training runs (resumable)
    mtimes = {p: p.stat().st_mtime for p in (tmp_path / "sweep").rglob("record.json")}
    report.run_report(tmp_path, epochs=2, workers=1, skip_figures=True)
    assert {p: p.stat().st_mtime for p in (tmp_path / "sweep").rglob("record.json")} == mtimes


def test_verdict_table_rows_carry_the_region_and_the_threshold():
    rows = {r["loss"]: r for r in report.verdict_table(10, names=["agce", "ael", "nce+ael", "ce"])}
    assert rows["agce"]["asymmetric on"] == "every w" and rows["agce"]["eta_max"] == "< 0.9"
    assert rows["ael"]["asymmetric on"] == "w_t/w_n >= exp(1/3)"
    assert rows["ael"]["eta_max"].startswith("≤ 0.86")
    assert rows["nce+ael"]["asymmetric on"] == "w_t/w_n >= exp(2/5)"
    assert rows["ce"]["asymmetric on"] == "no w" and rows["ce"]["eta_max"] == "≤ 0"
