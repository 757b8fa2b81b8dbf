"""alfs report: the main job writes a self-contained HTML and a markdown report."""

from __future__ import annotations

import alfs_theory.report as report


def test_report_end_to_end_small(tmp_path, monkeypatch):
    small = ["T4-iff", "T5-concave"]
    monkeypatch.setattr(report, "SWEEP_LOSSES", [("ce", {}), ("agce", {"a": 1.0, "q": 2.0})])
    monkeypatch.setattr(report, "SWEEP_RATES", (0.0, 0.6))
    monkeypatch.setattr(report, "verdict_table", lambda: [
        {"loss": "agce", "kind": "pointwise", "shape": "concave", "ratio": "PROVED"}])
    s = report.run_report(tmp_path, epochs=2, workers=1, skip_figures=True, dataset="digits",
                          seeds=(0,), claims=small)
    html = (tmp_path / "report.html").read_text()
    md = (tmp_path / "report.md").read_text()
    assert "<table>" in html and "T4-iff" in html and "agce" in html
    assert ("## The paper's claims (2/2 as expected; only 2 of the ledger's claims, chosen "
            "with --claims)") in md
    assert len(s["theory_vs_experiment"]) == 4  # 2 losses x 2 rates
    assert (tmp_path / "sweep" / "results.csv").exists()
    # a second run keeps the finished training runs (resumable)
    mtimes = {p: p.stat().st_mtime for p in (tmp_path / "sweep").rglob("record.json")}
    report.run_report(tmp_path, epochs=2, workers=1, skip_figures=True, dataset="digits",
                      seeds=(0,), claims=small)
    assert {p: p.stat().st_mtime for p in (tmp_path / "sweep").rglob("record.json")} == mtimes


def test_verdict_table_rows_carry_the_region_and_the_threshold():
    rows = {r["loss"]: r for r in report.verdict_table(10, names=["agce", "ael", "nce+ael", "ce"])}
    assert rows["agce"]["asymmetric on"] == "every w" and rows["agce"]["eta_max"] == "< 0.9"
    assert rows["ael"]["asymmetric on"] == "w_t/w_n >= exp(1/3)"
    assert rows["ael"]["eta_max"].startswith("≤ 0.86")
    assert rows["nce+ael"]["asymmetric on"] == "w_t/w_n >= exp(2/5)"
    assert rows["ce"]["asymmetric on"] == "no w" and rows["ce"]["eta_max"] == "≤ 0"


def test_report_picks_fashion_mnist_when_installed_and_says_so(monkeypatch, tmp_path):
    import alfs_theory.experiments.data as data

    for n in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        (tmp_path / (n + ".gz")).write_bytes(b"")
    monkeypatch.setattr(data, "DEFAULT_FASHION_MNIST_ROOT", str(tmp_path))
    assert report.report_dataset("auto") == "digits"  # one file missing
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"")
    assert report.report_dataset("auto") == "fashion-mnist"
    assert report.report_dataset("digits") == "digits"
    import pytest

    from alfs_theory.errors import InputError

    with pytest.raises(InputError, match="auto, fashion-mnist, digits"):
        report.report_dataset("cifar10")


def test_report_diagnoses_each_contradiction(tmp_path, monkeypatch):
    """AGCE at symmetric 0.8 on the digits, 3 epochs: predicted tolerant, yet far below its
    clean run; the report names the cell, and the diagnosis carries the population minimiser,
    the subset curves, a follow-up run and a figure; a rerun redoes nothing."""
    import json

    monkeypatch.setattr(report, "SWEEP_LOSSES", [("agce", {"a": 1.0, "q": 2.0})])
    monkeypatch.setattr(report, "SWEEP_RATES", (0.0, 0.8))
    monkeypatch.setattr(report, "verdict_table", lambda: [])
    s = report.run_report(tmp_path, epochs=3, workers=1, skip_figures=True, dataset="digits",
                          seeds=(0, 1), followups=1, claims=["T4-iff"])
    assert s["dataset"] == "digits" and s["seeds"] == [0, 1]
    assert [c["loss"] for c in s["contradictions"]] == ["agce_a=1_q=2"]
    (d,) = s["diagnoses"]
    assert d["population"]["at_clean"] and d["population"]["min_u_true"] > 0.99
    kinds = {f["kind"]: f for f in d["followups"]}
    assert "last_acc" in kinds["longer"] and "skipped" in kinds["more-data"]
    assert "population minimiser" in d["reading"] and "3x epochs" in d["reading"]
    md = (tmp_path / "report.md").read_text()
    assert "Training data: **digits**" in md and "seeds 0, 1" in md
    assert "## Diagnosis of each contradiction" in md and "### agce_a=1_q=2 at symmetric:0.8" in md
    assert "-- diagnosis: the noisy population minimiser" in md
    saved = json.loads((tmp_path / "sweep" / "diagnosis" / "diagnosis.json").read_text())
    curves = saved[0]["curves"]
    assert len(curves["epoch"]) == 3 and all(0 <= x <= 1 for x in curves["clean_subset_acc"])
    assert (tmp_path / "sweep" / "diagnosis" / "agce_a=1_q=2__symmetric_0.8.png").exists()
    mtimes = {p: p.stat().st_mtime for p in tmp_path.rglob("record.json")}
    report.run_report(tmp_path, epochs=3, workers=1, skip_figures=True, dataset="digits",
                      seeds=(0, 1), followups=1, claims=["T4-iff"])
    assert {p: p.stat().st_mtime for p in tmp_path.rglob("record.json")} == mtimes


def test_subset_accuracies_invert_the_recorded_mixture():
    from alfs_theory.experiments.diagnosis import subset_accuracies

    f, a_c, a_f, mem = 0.3, 0.9, 0.25, 0.6
    noisy = (1 - f) * a_c + f * mem
    clean = (1 - f) * a_c + f * a_f
    got = subset_accuracies(noisy, clean, mem, f)
    assert abs(got[0] - a_c) < 1e-12 and abs(got[1] - a_f) < 1e-12
    assert subset_accuracies(0.8, 0.8, None, 0.0) == (0.8, None)
    assert subset_accuracies(None, 0.8, 0.1, 0.2) == (None, None)


def test_followups_side_by_side_equal_one_by_one(tmp_path):
    """The diagnosis trains a cell's follow-up runs in worker processes when it may: the
    records are the very runs one by one would give (same accuracies), and a follow-up that
    cannot run (its data files are missing) is reported as skipped, not raised."""
    import dataclasses

    from alfs_theory.experiments.diagnosis import _followups
    from alfs_theory.experiments.train import TrainConfig

    cfg = TrainConfig(loss="gce", dataset="digits", device="cpu", threads=1, epochs=2,
                      noise="symmetric:0.4", train_subset=400, test_subset=200)
    rec = {"dataset": {"n_train": 400, "n_train_available": 1258}}
    one = _followups(cfg, rec, tmp_path / "one", progress=False, workers=1)
    two = _followups(cfg, rec, tmp_path / "two", progress=False, workers=2)
    assert [f["kind"] for f in one] == [f["kind"] for f in two] == ["longer", "more-data"]
    for a, b in zip(one, two):
        assert (a["last_acc"], a["best_acc"], a["memorised"]) == \
            (b["last_acc"], b["best_acc"], b["memorised"])
    gone = dataclasses.replace(cfg, dataset="mnist", data_root=str(tmp_path / "no-such"))
    got = _followups(gone, rec, tmp_path / "gone", progress=False, workers=2)
    assert [f["kind"] for f in got] == ["longer", "more-data"]
    assert all("no-such" in f["skipped"] for f in got)
