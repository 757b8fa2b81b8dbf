"""``alfs study ratio`` (issue #27): the statistics against hand-computed cases, the analysis on
synthetic rows, the grid's ratios from the checker, the ledger's empirical rows, and the tiny
setting end to end (resumed after a run is lost) with its document generated from the records."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest

from alfs_theory.errors import InputError
from alfs_theory.study import (
    analyse,
    bootstrap_interval,
    claim_verdict,
    outperform_rows,
    paired_test,
    partial_spearman,
    spearman,
    study_spec,
    verdict_of_interval,
)


# ---------------------------------------------------------------------------- statistics
def test_spearman_hand_case():
    # ranks differ by d = (0, 1, 1, 0): rho = 1 - 6 * 2 / (4 * 15) = 0.8
    assert spearman([1, 2, 3, 4], [10, 30, 20, 40]) == pytest.approx(0.8)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 2, 3], [5, 5, 5]))  # constant: undefined, not 0
    assert math.isnan(spearman([1, 2], [1, 2]))  # fewer than 3 points
    with pytest.raises(InputError, match="one length"):
        spearman([1, 2, 3], [1, 2])


def test_partial_spearman_hand_case():
    # rank correlations: r_xy = 0.8, r_xz = 0.6 (d = -1, 1, -1, 1), r_yz = 0 (d = -1, 2, -2, 1)
    # partial = (0.8 - 0.6 * 0) / sqrt((1 - 0.36)(1 - 0)) = 1
    x, y, z = [1, 2, 3, 4], [1, 3, 2, 4], [2, 1, 4, 3]
    assert spearman(x, z) == pytest.approx(0.6) and spearman(y, z) == pytest.approx(0.0)
    assert partial_spearman(x, y, z) == pytest.approx(1.0)
    # z a monotone function of x: nothing is left to correlate
    assert math.isnan(partial_spearman(x, y, [10, 20, 30, 40]))
    with pytest.raises(InputError, match="one length"):
        partial_spearman(x, y, [1, 2])


def test_partial_spearman_is_the_correlation_of_rank_residuals():
    """Independently: regress the ranks of x and y on the ranks of z and correlate the
    residuals (the definition of a partial correlation)."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(3)
    for _ in range(20):
        x, z = rng.normal(size=9), rng.normal(size=9)
        y = x - 0.7 * z + rng.normal(size=9)
        rx, ry, rz = rankdata(x), rankdata(y), rankdata(z)
        A = np.vstack([rz, np.ones(9)]).T
        ex = rx - A @ np.linalg.lstsq(A, rx, rcond=None)[0]
        ey = ry - A @ np.linalg.lstsq(A, ry, rcond=None)[0]
        want = ex @ ey / math.sqrt((ex @ ex) * (ey @ ey))
        assert partial_spearman(x, y, z) == pytest.approx(want, abs=1e-12)


def test_bootstrap_interval_cases():
    r = np.array([0.1, 0.5, 0.9])
    # every seed has the drop falling with r: every resample gives rho = -1
    D = np.array([[0.3, 0.4, 0.35], [0.2, 0.3, 0.25], [0.1, 0.2, 0.15]])
    ci = bootstrap_interval(lambda i: spearman(r, D[:, i].mean(1)), 3)
    assert (ci["lo"], ci["hi"], ci["n_valid"]) == (-1.0, -1.0, 2000)
    assert verdict_of_interval(ci["lo"], ci["hi"]) == "SUPPORTED"
    # two seeds with opposite orders: resample (0, 0) -> -1, (1, 1) -> +1 (a quarter each),
    # mixed -> equal means, rho undefined (half): left out and counted
    D2 = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]])
    ci2 = bootstrap_interval(lambda i: spearman(r, D2[:, i].mean(1)), 2)
    assert ci2["lo"] == -1.0 and ci2["hi"] == 1.0
    assert 850 < ci2["n_valid"] < 1150  # binomial(2000, 1/2)
    assert verdict_of_interval(ci2["lo"], ci2["hi"]) == "INCONCLUSIVE"
    again = bootstrap_interval(lambda i: spearman(r, D2[:, i].mean(1)), 2)
    assert again == ci2  # a fixed seed: the same interval every time
    assert bootstrap_interval(lambda i: float("nan"), 3)["lo"] is None
    with pytest.raises(InputError, match="at least one seed"):
        bootstrap_interval(lambda i: 0.0, 0)


def test_verdict_of_interval():
    assert verdict_of_interval(-0.9, -0.1) == "SUPPORTED"
    assert verdict_of_interval(0.1, 0.9) == "CONTRADICTED"
    assert verdict_of_interval(-0.5, 0.5) == "INCONCLUSIVE"
    assert verdict_of_interval(-0.5, 0.0) == "INCONCLUSIVE"  # 0 inside: not below 0
    assert verdict_of_interval(None, None) == "INCONCLUSIVE"


def test_paired_test_hand_case():
    # differences 0.10, 0.08, 0.09: mean 0.09, sd 0.01, t = 0.09 / (0.01 / sqrt 3) = 15.588;
    # with 2 degrees of freedom the two-sided p is 1 - t / sqrt(t^2 + 2)
    t = paired_test([0.80, 0.82, 0.84], [0.70, 0.74, 0.75])
    want_t = 0.09 / (0.01 / math.sqrt(3))
    assert t["t"] == pytest.approx(want_t) and t["df"] == 2
    assert t["p"] == pytest.approx(1 - want_t / math.sqrt(want_t ** 2 + 2))
    assert t["mean_diff"] == pytest.approx(0.09)
    assert paired_test([0.5], [0.4])["p"] is None  # one pair: no test
    assert paired_test([0.5, 0.6], [0.4, 0.5])["p"] is None  # no spread in the differences
    with pytest.raises(InputError, match="pairs"):
        paired_test([1, 2], [1])


# ---------------------------------------------------------------------------- analysis
def _rows(sign=+1, seeds=(0, 1, 2), ratios=(0.1, 0.3, 0.6, 0.9)):
    """Synthetic study rows: AEL at four ratios, each seed with its own clean accuracy; the
    drop falls with r (sign=+1: the claim) or rises (sign=-1), plus seed noise."""
    rng = np.random.default_rng(1)
    rows = []
    for r in ratios:
        lb = f"ael_a={r}"
        for s in seeds:
            clean = 0.8 + 0.02 * s
            drop = 0.3 - sign * 0.25 * r + 0.01 * rng.normal()
            base = {"family": "ael", "role": "family", "loss": "ael", "label": lb,
                    "params": f"a={r}", "ratio": r, "target_ratio": r, "seed": s,
                    "threshold_symmetric": 9 * r / (1 + 9 * r), "predicted_tolerant": None}
            rows.append({**base, "noise": "clean", "last_acc": clean,
                         "clean_train_acc": 0.9 - 0.1 * r})
            rows.append({**base, "noise": "symmetric:0.6", "last_acc": clean - drop,
                         "clean_train_acc": 0.5})
    for s in seeds:
        for nz, acc in (("clean", 0.85), ("symmetric:0.6", 0.40)):
            rows.append({"family": "ce", "role": "endpoint", "loss": "ce", "label": "ce",
                         "params": "", "ratio": 0.0, "target_ratio": None, "seed": s,
                         "threshold_symmetric": 0.0, "predicted_tolerant": None,
                         "noise": nz, "last_acc": acc + 0.001 * s, "clean_train_acc": 0.99})
    return rows


def test_analyse_supports_and_contradicts():
    an = analyse(_rows(+1))
    (cell,) = an["cells"]
    assert cell["family"] == "ael" and cell["noise"] == "symmetric:0.6"
    assert [p["ratio"] for p in cell["points"]] == [0.1, 0.3, 0.6, 0.9]
    assert cell["rho"] == pytest.approx(-1.0) and cell["verdict"] == "SUPPORTED"
    # the drop is paired by seed against the same loss's clean run
    p0 = cell["points"][0]
    recs = [r for r in _rows(+1) if r["label"] == "ael_a=0.1"]
    for s, d in zip(cell["seeds"], p0["drops"]):
        c = next(r for r in recs if r["seed"] == s and r["noise"] == "clean")["last_acc"]
        n = next(r for r in recs if r["seed"] == s and r["noise"] != "clean")["last_acc"]
        assert d == pytest.approx(c - n)
    # the clean fit falls with r exactly as r rises: the partial correlation is undefined
    assert cell["partial_rho"] is None and cell["partial_verdict"] == "INCONCLUSIVE"
    assert an["claim_verdict"]["verdict"] == "SUPPORTED"
    (ce,) = an["references"]  # CE beside the family, in no verdict
    assert ce["loss"] == "ce" and ce["ratio"] == 0.0 and ce["n_seeds"] == 3
    assert ce["drop_mean"] == pytest.approx(0.45)
    bad = analyse(_rows(-1))
    assert bad["cells"][0]["verdict"] == "CONTRADICTED"
    assert bad["claim_verdict"]["verdict"] == "CONTRADICTED"
    # one seed: never a verdict, and it says why
    one = analyse(_rows(+1, seeds=(0,)))["cells"][0]
    assert one["verdict"] == "INCONCLUSIVE" and "needs 3 and 2" in one["why"]


def test_outperform_and_claim_verdict():
    rows = _rows(+1)
    (o,) = outperform_rows(rows)
    assert o["best_baseline"] == "ce" and o["best_asym"] == "ael_a=0.9"
    assert o["mean_diff"] > 0 and o["seeds"] == [0, 1, 2]
    assert o["verdict"] == ("SUPPORTED" if o["p"] < 0.05 else "INCONCLUSIVE")
    mk = [{"verdict": v} for v in ("SUPPORTED", "INCONCLUSIVE")]
    assert claim_verdict(mk)["verdict"] == "INCONCLUSIVE"
    assert claim_verdict(mk + [{"verdict": "CONTRADICTED"}])["verdict"] == "CONTRADICTED"
    assert claim_verdict([])["verdict"] == "INCONCLUSIVE"


def test_bad_arguments_are_named():
    with pytest.raises(InputError, match="setting must be one of tiny, cpu, full"):
        study_spec("fast")
    with pytest.raises(InputError, match="dataset must be auto, fashion-mnist or digits"):
        study_spec("tiny", dataset="mnist")
    with pytest.raises(InputError, match="--seeds: the cpu setting needs at least 3 seeds"):
        study_spec("cpu", seeds=[0, 1])
    with pytest.raises(InputError, match="--seeds repeats a seed"):
        study_spec("tiny", seeds=[0, 0])


def test_a_folder_holds_one_study(tmp_path):
    """Records of another setting are never mixed into a study: refused before any run."""
    from alfs_theory.study import run_study

    (tmp_path / "study.json").write_text(json.dumps(
        {"dataset": "digits", "epochs": 30, "setting": {"name": "cpu"}, "runs": []}))
    with pytest.raises(InputError, match="holds a study with another epochs, setting"):
        run_study(tmp_path, setting="tiny", dataset="digits", progress=False)


def test_a_reworded_setting_description_keeps_the_folder(tmp_path):
    """The setting's 'why' is prose: rewording it in a release must not orphan a half-finished
    study (its name, data sizes, data set and epochs define it)."""
    from alfs_theory.study import run_study

    (tmp_path / "study.json").write_text(json.dumps(
        {"dataset": "digits", "epochs": 2, "runs": [],
         "setting": {"name": "tiny", "why": "older wording", "train_subset": 200,
                     "test_subset": 100}}))
    with pytest.raises(InputError, match="no run of the study finished"):
        run_study(tmp_path, setting="tiny", dataset="digits", progress=False, train=False)


def test_cli_refuses_a_bad_setting(capsys):
    from alfs_theory.cli import main

    with pytest.raises(SystemExit) as e:
        main(["study", "ratio", "--setting", "fast"])
    assert e.value.code == 2
    assert "--setting" in capsys.readouterr().err


@pytest.mark.slow
def test_cpu_grid_ratios_come_from_the_checker():
    """Six or more ratios per family, spread over (0, 1), each the checker's value of the
    parameters chosen by inverting the closed form (so it lands on its target)."""
    from alfs_theory.study import family_grid

    grid = family_grid("cpu")
    for fam in ("ael", "agce", "aul"):
        pts = [g for g in grid if g["family"] == fam]
        rs = sorted(g["ratio"] for g in pts)
        assert len(rs) >= 6 and rs[0] < 0.2 and rs[-1] > 0.8
        assert all(g["ratio_verdict"] == "PROVED" for g in pts)
        for g in pts:
            assert g["ratio"] == pytest.approx(g["target_ratio"], abs=2e-3)
        # only the parameter that moves r varies (AGCE: q fixed)
        if fam == "agce":
            assert {g["params"]["q"] for g in pts} == {0.5}
    assert {g["loss"] for g in grid if g["role"] == "endpoint"} == {"mae", "ce", "gce"}
    end = {g["loss"]: g["ratio"] for g in grid if g["role"] == "endpoint"}
    assert end == {"mae": 1.0, "ce": 0.0, "gce": 0.0}
    # the threshold beside each point is the checker's; for convex l it is r(K-1)/(1+r(K-1))
    for g in grid:
        if g["role"] == "family":
            r = g["ratio"]
            assert g["threshold_symmetric"] == pytest.approx(9 * r / (1 + 9 * r), abs=1e-6)


# ---------------------------------------------------------------------------- end to end
def test_ledger_without_records_says_so(tmp_path):
    from alfs_theory.ledger.run import run_ledger

    rep = run_ledger(only=["EMP-ratio-tolerance", "EMP-outperform"], out_dir=tmp_path,
                     study_dir=tmp_path / "nothing", stream=open("/dev/null", "w"))
    for r in rep["claims"]:
        assert r["found"] == "NO RECORDS" and r["ok"] and r["section"] == "empirical"
        assert "no recorded runs (run alfs study ratio)" in r["evidence"]
    md = (tmp_path / "report-partial.md").read_text()
    assert "## Empirical claims (read from recorded runs; never PROVED)" in md


@pytest.mark.slow
def test_tiny_study_end_to_end_resumes_and_reports(tmp_path, capsys):
    import os
    import subprocess
    import sys
    import time

    from alfs_theory.cli import main
    from alfs_theory.experiments.records import record_is_complete
    from alfs_theory.ledger.run import run_ledger

    out = tmp_path / "study"
    argv = ["study", "ratio", "--setting", "tiny", "--dataset", "digits", "--out", str(out),
            "--workers", "1", "--threads", "1", "--quiet"]
    # killed (SIGKILL) once five runs have finished, then resumed: the finished runs stay
    proc = subprocess.Popen([sys.executable, "-m", "alfs_theory.cli", *argv],
                            env={**os.environ, "OMP_NUM_THREADS": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            if sum(record_is_complete(p.parent) for p in out.rglob("record.json")) >= 5:
                break
            time.sleep(0.1)
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = {p: p.stat().st_mtime_ns for p in out.rglob("record.json")
              if record_is_complete(p.parent)}
    assert 5 <= len(before) < 16
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "16/16 runs finished" in said and "8x8 digits" in said
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    recs = sorted(out.rglob("record.json"))
    assert len(recs) == 16
    for ext in ("md", "csv", "json", "png"):
        assert (out / f"ratio_study.{ext}").stat().st_size > 0
    assert (out / "ratio_study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((out / "ratio_study.json").read_text())
    (cell,) = doc["analysis"]["cells"]
    # rho against the records, read here without the package's readers
    by = {}
    for p in recs:
        rec = json.loads(p.read_text())
        by[(rec["loss"]["name"], json.dumps(rec["loss"]["params"], sort_keys=True),
            rec["noise"]["spec"], rec["config"]["seed"])] = rec
    drops = []
    for pt in cell["points"]:
        a = float(pt["params"].split("=")[1])
        key = json.dumps({"a": a}, sort_keys=True)
        ds = [by[("ael", key, "clean", s)]["accuracy"]["last"]
              - by[("ael", key, "symmetric:0.6", s)]["accuracy"]["last"] for s in (0, 1)]
        assert pt["drops"] == pytest.approx(ds)
        assert pt["fits"] == pytest.approx([by[("ael", key, "clean", s)]["final"]
                                            ["clean_train_acc"] for s in (0, 1)])
        drops.append(sum(ds) / 2)
    want = spearman([p["ratio"] for p in cell["points"]], drops)
    assert (cell["rho"] is None and math.isnan(want)) or cell["rho"] == pytest.approx(want)
    md = (out / "ratio_study.md").read_text()
    assert "setting `tiny`" in md and "NOT evidence" in md and "8x8 digits" in md
    assert md.index("## The analysis (stated before the numbers)") < \
        md.index("## Rank correlation of r and the accuracy drop")
    assert "Machine:" in md and "Wall time:" in md and "Partial" not in md
    assert "--setting tiny" in md  # the command
    assert f"| {cell['verdict']} |" in md.replace("**", "")
    csv_lines = (out / "ratio_study.csv").read_text().strip().splitlines()
    assert len(csv_lines) == 1 + 16 and "clean_train_acc" in csv_lines[0]
    # a lost run is trained again; the finished ones are not touched
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("record.json")}
    lost = recs[0].parent
    shutil.rmtree(lost)
    assert main(["study", "ratio", "--setting", "tiny", "--dataset", "digits", "--out",
                 str(out), "--report-only", "--quiet"]) == 0
    assert "**Partial**: 15 of the study's 16 runs" in (out / "ratio_study.md").read_text()
    assert main(argv) == 0
    assert (lost / "record.json").is_file()
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items() if p.parent != lost)
    assert "Partial" not in (out / "ratio_study.md").read_text()
    # the ledger reads the records: an empirical verdict, never PROVED / REFUTED
    rep = run_ledger(only=["EMP-ratio-tolerance", "EMP-outperform"], out_dir=tmp_path,
                     study_dir=out, stream=open("/dev/null", "w"))
    for r in rep["claims"]:
        assert r["found"] in ("SUPPORTED", "CONTRADICTED", "INCONCLUSIVE") and r["ok"]
        assert "setting tiny" in r["evidence"]
    ratio_row = rep["claims"][0]
    assert ratio_row["found"] == doc["analysis"]["claim_verdict"]["verdict"]


def test_cli_setting_names_are_the_studys():
    """alfs study's --setting choices (kept in the CLI so --help imports no numpy) are the
    settings the study defines."""
    from alfs_theory.cli.study import SETTING_NAMES
    from alfs_theory.study import SETTINGS

    assert SETTING_NAMES == tuple(SETTINGS)
