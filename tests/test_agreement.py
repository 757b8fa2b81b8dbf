"""Graded agreement of theory and experiment in the sweep reports (issue 16, item 1)."""

from __future__ import annotations

import csv

import pytest

pytest.importorskip("torch")

from alfs_theory.experiments.sweep import AGREEMENT_RULE, grade_agreement, write_reports


def _row(loss, rate, seed, acc, tolerant, mem=0.1, thr=0.9):
    return {"loss": loss, "params": "", "loss_label": loss, "noise": f"symmetric:{rate:g}",
            "noise_kind": "symmetric", "rate": rate, "sampling": "per-sample", "seed": seed,
            "status": "finished", "nominal_rate": rate, "actual_rate": rate,
            "last_acc": acc, "last_epoch": 30, "best_acc": acc, "best_epoch": 30,
            "memorised_last": mem, "noisy_train_acc_last": None,
            "predicted_tolerant": tolerant, "verdict": "PROVED", "threshold_symmetric": thr,
            "prediction_detail": f"{loss} at {rate}: some checker text", "run_dir": "x"}


@pytest.mark.parametrize("tol, drop, n, sd, want", [
    (True, 0.02, 3, 0.01, "agrees"), (True, 0.30, 3, 0.01, "contradicts"),
    (True, 0.12, 3, 0.01, "inconclusive"), (True, 0.22, 3, 0.02, "inconclusive"),
    (False, 0.40, 1, None, "agrees"), (False, 0.01, 1, None, "inconclusive"),
])
def test_grade_agreement_rule(tol, drop, n, sd, want):
    t = {"rate": 0.4, "noise_kind": "symmetric", "drop_from_clean_last": drop,
         "predicted_tolerant": tol, "n_seeds": n, "memorised_last_mean": 0.1,
         "threshold_symmetric": 0.9}
    assert grade_agreement(t, sd, sd)["agreement"] == want


def test_reports_name_contradictions_and_note_once_per_loss(tmp_path):
    rows = []
    for seed, (a0, a4, a8) in enumerate([(0.97, 0.95, 0.40), (0.96, 0.95, 0.42),
                                         (0.97, 0.94, 0.39)]):
        rows += [_row("agce", 0.0, seed, a0, True), _row("agce", 0.4, seed, a4, True),
                 _row("agce", 0.8, seed, a8, True),
                 _row("ce", 0.0, seed, a0, True), _row("ce", 0.4, seed, 0.70, False, mem=0.6),
                 _row("ce", 0.8, seed, 0.20, False, mem=0.8)]
    write_reports(rows, tmp_path, seeds=[0, 1, 2])
    md = (tmp_path / "theory_vs_experiment.md").read_text()
    assert AGREEMENT_RULE in md
    assert "**1 contradiction(s)**" in md and "- agce at symmetric:0.8: predicted tolerant" in md
    # one note per loss, not one per cell
    assert md.count("- agce: ") == 1 and md.count("- ce: ") == 1
    table = list(csv.DictReader((tmp_path / "theory_vs_experiment.csv").open()))
    got = {(r["loss"], r["rate"]): r["agreement"] for r in table}
    assert got[("agce", "0.4")] == "agrees" and got[("agce", "0.8")] == "contradicts"
    assert got[("ce", "0.8")] == "agrees" and got[("agce", "0.0")] == "-"


def test_the_rule_text_rounds_the_threshold():
    from alfs_theory.experiments.sweep import grade_agreement

    g = grade_agreement({"rate": 0.8, "drop_from_clean_last": 0.35, "predicted_tolerant": True,
                         "threshold_symmetric": 0.8657498598429585, "n_seeds": 3}, 0.02, 0.02)
    assert g["agreement"] == "contradicts"
    assert "(threshold 0.8657)" in g["agreement_rule"]
