"""``alfs reproduce``: the paper's loss set on real data, end to end on small IDX files that the
test writes, and the table's numbers against the run records read independently."""

from __future__ import annotations

import gzip
import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from test_data import _idx_bytes  # noqa: E402 - the IDX writer of the loader tests

from alfs_theory.cli import main  # noqa: E402
from alfs_theory.experiments.data import MNIST_FILES  # noqa: E402
from alfs_theory.reproduce import (  # noqa: E402
    PAPER_LOSSES,
    PAPER_NOISE,
    reproduction_rows,
    reproduction_spec,
)


def _write_fashion(folder: Path, n_train=120, n_test=40, seed=0) -> None:
    """Class-separable images (a bright row per class) so that a run learns something."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)

    def images(y):
        x = rng.integers(0, 40, (len(y), 28, 28))
        for i, c in enumerate(y):
            x[i, 2 + 2 * c] = 250
        return x

    ytr, yte = np.arange(n_train) % 10, np.arange(n_test) % 10
    for base, a in zip(MNIST_FILES, (images(ytr), ytr, images(yte), yte)):
        with gzip.open(folder / f"{base}.gz", "wb") as f:
            f.write(_idx_bytes(a))


def test_paper_grid_is_the_issue_s():
    assert PAPER_LOSSES == ("ce", "gce", "sce", "nce+rce", "agce", "aul", "ael", "nce+agce",
                            "nce+aul", "nce+ael")
    assert PAPER_NOISE == ("clean", "symmetric:0.4", "symmetric:0.8", "asym:0.2", "asym:0.4")
    spec = reproduction_spec()
    assert spec.dataset == "fashion-mnist" and list(spec.seeds) == [0, 1, 2]
    assert spec.base.preset == "official" and spec.base.sampling == "published"
    assert spec.epochs == 8 and spec.base.train_subset == 4000
    full = reproduction_spec(setting="full")
    assert full.epochs is None and full.base.train_subset is None


def test_unknown_setting_is_named():
    from alfs_theory.errors import InputError

    with pytest.raises(InputError, match="setting must be one of cpu, full"):
        reproduction_spec(setting="fast")


def _row(label, noise, seed, last, best, tol=None, mem=0.0):
    return {"loss": label, "loss_label": label, "params": "", "noise": noise, "seed": seed,
            "last_acc": last, "best_acc": best, "best_epoch": 3, "memorised_last": mem,
            "predicted_tolerant": tol, "verdict": "", "threshold_symmetric": 0.9,
            "actual_rate": 0.0}


def test_rows_statistics_and_grading():
    rows = [_row("agce", "clean", s, v, v + 0.01) for s, v in enumerate((0.80, 0.82, 0.84))]
    rows += [_row("agce", "symmetric:0.8", s, v, 0.5, tol=True)
             for s, v in enumerate((0.30, 0.32, 0.31))]
    out = reproduction_rows(rows, ("clean", "symmetric:0.8"))
    clean, noisy = out
    assert clean["last_acc_mean"] == pytest.approx(0.82)
    assert clean["last_acc_std"] == pytest.approx(statistics.stdev([0.80, 0.82, 0.84]))
    assert noisy["drop_from_clean_last"] == pytest.approx(0.82 - 0.31)
    assert noisy["agreement"] == "contradicts" and clean["agreement"] == "-"
    assert noisy["rate"] == 0.8 and noisy["noise_kind"] == "symmetric"
    assert noisy["n_seeds"] == 3 and noisy["seeds"] == [0, 1, 2]


@pytest.mark.slow
def test_reproduce_end_to_end(tmp_path, capsys):
    root, out = tmp_path / "fmnist", tmp_path / "repro"
    _write_fashion(root)
    argv = ["reproduce", "--out", str(out), "--data-root", str(root), "--losses", "ce,agce",
            "--noise", "clean,symmetric:0.4,asym:0.4", "--seeds", "0,1", "--epochs", "2",
            "--train-subset", "100", "--test-subset", "40", "--workers", "1", "--quiet"]
    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "reproduction: 12/12 runs finished" in said
    for ext in ("md", "csv", "json", "png"):
        assert (out / f"reproduction.{ext}").stat().st_size > 0
    assert (out / "reproduction.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((out / "reproduction.json").read_text())
    rows = doc["rows"]
    assert len(rows) == 6 and {r["n_seeds"] for r in rows} == {2}
    # every mean and std against the records, read here without the package's readers
    for r in rows:
        label = "ce_preset=official" if r["loss"] == "ce" else "agce_preset=official"
        tag = {"clean": "clean", "symmetric:0.4": "symmetric_0.4",
               "asym:0.4": "asym_0.4"}[r["noise"]]
        recs = [json.loads((out / "fashion-mnist" / label / tag / f"seed{s}" /
                            "record.json").read_text()) for s in (0, 1)]
        last = [x["accuracy"]["last"] for x in recs]
        best = [x["accuracy"]["best"] for x in recs]
        assert r["last_acc_mean"] == pytest.approx(sum(last) / 2)
        assert r["last_acc_std"] == pytest.approx(statistics.stdev(last))
        assert r["best_acc_mean"] == pytest.approx(sum(best) / 2)
        assert all(x["noise"]["sampling"] == "published" for x in recs)
        assert all(x["preset"]["name"] == "official" for x in recs)
        assert all(x["config"]["epochs"] == 2 for x in recs)
    # the record keeps the published procedure beside the intended model
    rec = json.loads((out / "fashion-mnist" / "ce_preset=official" / "asym_0.4" / "seed0" /
                      "record.json").read_text())["noise"]
    assert rec["published"]["published"] is True and rec["published"]["kind"] == "asym"
    assert rec["transition_matrix"][7][1] == pytest.approx(0.4)  # the MNIST map 7 -> 1
    assert rec["intended_matrix"][7][8] == pytest.approx(0.4)  # intended: pair-flip fallback
    assert "pair-flip" in rec["intended_description"]
    agce = [r for r in rows if r["loss"] == "agce"][0]
    assert agce["params"]  # the official parameters are shown (a=..;q=..)
    md = (out / "reproduction.md").read_text()
    assert "--losses ce,agce" in md and "--epochs 2" in md  # the command
    assert "## Clean test accuracy (%) at the last epoch" in md
    assert "## Clean test accuracy (%) at the best epoch" in md
    assert "Machine:" in md and "Wall time:" in md and "Partial" not in md
    ce_clean = next(r for r in rows if r["loss"] == "ce" and r["noise"] == "clean")
    cell = f"{100 * ce_clean['last_acc_mean']:.1f} ± {100 * ce_clean['last_acc_std']:.1f}"
    assert cell in md
    # resumable: a second call trains nothing and gives the same table
    stamps = sorted(p.stat().st_mtime_ns for p in out.rglob("record.json"))
    assert main(argv) == 0
    assert sorted(p.stat().st_mtime_ns for p in out.rglob("record.json")) == stamps
    assert json.loads((out / "reproduction.json").read_text())["rows"] == rows
    # a report of a partial grid says so and trains nothing
    more = [a if a != "0,1" else "0,1,2" for a in argv] + ["--report-only"]
    assert main(more) == 0
    assert "**Partial**: 12 of the grid's 18 runs" in (out / "reproduction.md").read_text()
    assert len(list(out.rglob("record.json"))) == 12
    assert not math.isnan(rows[0]["last_acc_mean"])


def test_alike_losses_are_named_together():
    from alfs_theory.reproduce import _alike_rows

    rows = [_row("agce", nz, s, v, v + 0.02) for nz, v in (("clean", 0.75), ("symmetric:0.8", 0.46))
            for s in (0, 1)]
    rows += [_row("nce+agce", nz, s, v + 0.002, v + 0.021)
             for nz, v in (("clean", 0.75), ("symmetric:0.8", 0.46)) for s in (0, 1)]
    rows += [_row("ce", nz, s, v, v) for nz, v in (("clean", 0.86), ("symmetric:0.8", 0.32))
             for s in (0, 1)]
    agg = reproduction_rows(rows, ("clean", "symmetric:0.8"))
    assert _alike_rows(agg) == [["agce", "nce+agce"]]
    assert _alike_rows(agg, tol=0.001) == []


def test_best_cell_is_tested_against_the_runner_up():
    """Per column, the best loss against the runner-up by a paired t-test over seeds, on
    synthetic rows: a lead that is steady across seeds is significant, one that flips sign
    between seeds is not, and the report names the latter."""
    from alfs_theory.reproduce import _significance_md, best_vs_runner_up

    rows = []
    # symmetric:0.4: agce ahead of ce by 0.10, 0.08, 0.09 (t = 15.59, df 2)
    for s, (a, c) in enumerate(((0.80, 0.70), (0.82, 0.74), (0.84, 0.75))):
        rows += [_row("agce", "symmetric:0.4", s, a, a), _row("ce", "symmetric:0.4", s, c, c)]
    # symmetric:0.8: gce ahead on average (0.43 vs 0.42) but not in every seed
    for s, (g, c) in enumerate(((0.50, 0.40), (0.35, 0.45), (0.44, 0.41))):
        rows += [_row("gce", "symmetric:0.8", s, g, g), _row("ce", "symmetric:0.8", s, c, c)]
    noise = ("symmetric:0.4", "symmetric:0.8")
    agg = reproduction_rows(rows, noise)
    tests = best_vs_runner_up(agg, noise)
    t4, t8 = tests
    assert (t4["best"], t4["runner_up"], t4["seeds"]) == ("agce", "ce", [0, 1, 2])
    want_t = 0.09 / (0.01 / math.sqrt(3))
    assert t4["t"] == pytest.approx(want_t) and t4["df"] == 2
    assert t4["p"] == pytest.approx(1 - want_t / math.sqrt(want_t ** 2 + 2))  # df = 2
    assert t4["significant"] is True
    assert (t8["best"], t8["runner_up"]) == ("gce", "ce")
    assert t8["p"] > 0.5 and t8["significant"] is False
    md = "\n".join(_significance_md(tests, "noise"))
    assert "not significant" in md and "significant at 0.05" in md
    assert "not significantly ahead of the runner-up (p >= 0.05 or untestable): sym 0.8 " \
           "(GCE vs CE)." in md
    # seeds the two do not share are left out of the pairing
    agg2 = reproduction_rows(rows + [_row("agce", "symmetric:0.8", 5, 0.99, 0.99)], noise)
    t8b = best_vs_runner_up(agg2, noise)[1]
    assert t8b["best"] == "agce" and t8b["seeds"] == [] and t8b["significant"] is None
