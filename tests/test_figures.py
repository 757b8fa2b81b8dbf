"""Figures: the data behind each figure (not pixels), the build, skipping, determinism.

Reference values: theory.md ("Closed-form ratios", T5). AGCE r = (a/(a+1))^|q−1|, AUL
r = ((a−1)/a)^|q−1|, AEL r = exp(−1/a); under symmetric noise a convex loss tolerates
η ≤ r(K−1)/(1 + r(K−1)), a concave one every η < (K−1)/K.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from alfs_theory.cli.figures import register as register_cli
from alfs_theory.errors import InputError
from alfs_theory.experiments.sweep import Cell, collect_results, write_reports
from alfs_theory.experiments.train import TrainConfig
from alfs_theory.figures import (
    FIGURES,
    SWEEP_COMMAND,
    fig_accuracy_vs_noise,
    fig_phase,
    fig_ratio,
    fig_ratio_vs_accuracy,
    fig_thresholds,
    fig_training,
)
from alfs_theory.figures.build import build, resolve_names
from alfs_theory.plotting import (
    data_population,
    eta_max_from_ratio,
    predicted_eta_max,
    read_sweep_rows,
)

K = 10


# ---------------------------------------------------------------------------------- fake runs
def _record(loss: str, params: dict, rate: float, seed: int, accs: list[float],
            threshold: float) -> dict:
    """A run record with the fields and nesting of alfs_theory.experiments.train.run_training's."""
    noise = f"symmetric:{rate:g}"  # as the sweep names it (symmetric:0 for rate 0)
    last = {"epoch": len(accs), "train_loss": 0.5, "test_acc": accs[-1],
            "noisy_train_acc": 0.7, "clean_train_acc": 0.8, "memorised": 0.1, "lr": 0.0,
            "seconds": 0.1}
    best = max(range(len(accs)), key=lambda i: (accs[i], -i))
    cfg = TrainConfig(loss=loss, params=params, noise=noise, seed=seed, epochs=len(accs))
    T = (np.full((K, K), rate / (K - 1)) + np.eye(K) * (1 - rate - rate / (K - 1))).tolist()
    return {
        "complete": True, "status": "finished", "format": 1, "config": cfg.to_dict(),
        "loss": {"name": loss, "params": params, "title": loss, "formula": "l(u) = ..."},
        "dataset": {"name": "digits", "K": K, "n_train": 1437, "n_test": 360,
                    "input_shape": [1, 8, 8], "source": "sklearn", "normalisation": None},
        "model": {"name": "mlp", "parameters": 1000},
        "noise": {"spec": noise, "kind": "symmetric", "eta": rate,
                  "description": "", "sampling": "per-sample", "nominal_rate": rate,
                  "nominal_rate_meaning": "", "actual_rate": rate, "actual_rate_meaning": "",
                  "n_flipped": 0, "transition_matrix": T, "empirical_matrix": T,
                  "orientation": "row-stochastic T[true, noisy]", "labels_sha256": "0"},
        "accuracy": {"last": accs[-1], "last_epoch": len(accs), "best": accs[best],
                     "best_epoch": best + 1, "meaning": ""},
        "final": last,
        "prediction": {"available": True, "tolerant": rate < threshold, "verdict": "PROVED",
                       "threshold_symmetric": threshold, "detail": "fake"},
        "environment": {}, "timing": {"train_seconds": 0.3, "resumed_from_epoch": None},
    }


LOSSES = [("ce", {}, 0.0), ("agce", {"a": 1.0, "q": 2.0}, 0.9)]
RATES = [0.0, 0.4, 0.8]


def _accs(loss: str, rate: float, seed: int) -> list[float]:
    top = 0.95 - (0.6 if loss == "ce" else 0.1) * rate + 0.01 * seed
    return [round(top * f, 6) for f in (0.5, 0.8, 1.0)]


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A sweep folder in the real layout: run folders with record.json and metrics.jsonl,
    and results.csv / theory_vs_experiment.csv written by alfs_theory.experiments.sweep's own writer."""
    out = tmp_path_factory.mktemp("sweep")
    cells = []
    for loss, params, thr in LOSSES:
        label = loss + "".join(f"_{k}={v:g}" for k, v in sorted(params.items()))
        for rate in RATES:
            for seed in (0, 1):
                d = out / "digits" / label / f"symmetric-{rate:g}" / f"seed{seed}"
                d.mkdir(parents=True)
                accs = _accs(loss, rate, seed)
                (d / "record.json").write_text(json.dumps(
                    _record(loss, params, rate, seed, accs, thr), indent=2))
                (d / "metrics.jsonl").write_text("".join(
                    json.dumps({"epoch": e + 1, "train_loss": 1.0, "test_acc": a}) + "\n"
                    for e, a in enumerate(accs)))
                cells.append(Cell(d, TrainConfig(), label, "symmetric", rate))
    write_reports(collect_results(cells, out), out, seeds=[0, 1])
    return out


# ---------------------------------------------------------------------------------- data
def test_core_imports_without_matplotlib():
    code = ("import sys, alfs_theory, alfs_theory.plotting, alfs_theory.checks.properties.ratio; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_ratio_curves_are_the_closed_forms():
    d = fig_ratio.make_data(quick=True)
    q = d["agce"]["x"]
    by_a = {s["params"]["a"]: s for s in d["agce"]["series"]}
    np.testing.assert_allclose(by_a[1.0]["r"], 0.5 ** np.abs(q - 1), rtol=1e-12)
    for a, s in by_a.items():
        np.testing.assert_allclose(s["r"], (a / (a + 1)) ** np.abs(q - 1), rtol=1e-12)
        assert np.array_equal(s["convex"], q <= 1)  # AGCE convex iff q <= 1
    for s in d["aul"]["series"]:
        a = s["params"]["a"]
        np.testing.assert_allclose(s["r"], ((a - 1) / a) ** np.abs(d["aul"]["x"] - 1),
                                   rtol=1e-12)
        assert np.array_equal(s["convex"], d["aul"]["x"] >= 1)
    (ael,) = d["ael"]["series"]
    np.testing.assert_allclose(ael["r"], np.exp(-1 / d["ael"]["x"]), rtol=1e-12)


def test_phase_boundary_and_heat_map():
    d = fig_phase.make_data(quick=True)
    agce, aul = d["agce"], d["aul"]
    assert agce["K"] == K and agce["etas"] == (0.6, 0.8)
    for i, eta in enumerate(agce["etas"]):
        a, q = agce["boundary"][i]
        assert len(a) >= 5 and np.all(q <= 1)  # AGCE loses asymmetry only where convex
        r = (a / (a + 1)) ** (1 - q)
        np.testing.assert_allclose(r * (K - 1) / (1 + r * (K - 1)), eta, atol=1e-9)
        a, q = aul["boundary"][i]
        assert len(a) >= 5 and np.all(q >= 1)
        r = ((a - 1) / a) ** (q - 1)
        np.testing.assert_allclose(r * (K - 1) / (1 + r * (K - 1)), eta, atol=1e-9)
    # heat map: the convex formula where q <= 1, (K-1)/K elsewhere
    A, Q = np.meshgrid(agce["x"], agce["y"])
    r = (A / (A + 1)) ** np.abs(Q - 1)
    want = np.where(Q <= 1, r * (K - 1) / (1 + r * (K - 1)), (K - 1) / K)
    np.testing.assert_allclose(agce["eta_max"], want, rtol=1e-12)
    for i, eta in enumerate(agce["etas"]):
        assert np.array_equal(agce["tolerant"][i], agce["eta_max"] >= eta)
    # the larger rate is tolerated on a smaller region
    assert agce["tolerant"][1].sum() < agce["tolerant"][0].sum()


@pytest.mark.parametrize("name,params", [("agce", {"a": 0.1, "q": 0.5}),
                                         ("agce", {"a": 1, "q": 2}),
                                         ("aul", {"a": 2, "q": 1.5})])
def test_eta_max_spot_checks_against_the_checker(name, params):
    from alfs_theory.checks.properties.tolerance import symmetric_noise_threshold
    from alfs_theory.registry import get_loss

    got = float(predicted_eta_max(name, K, **params))
    want = symmetric_noise_threshold(get_loss(name).bind(**params), K).value["eta_max"]
    assert got == pytest.approx(want, abs=1e-12)


def test_population_minimiser_flips_at_the_predicted_threshold():
    d = data_population([("agce", {"a": 1, "q": 0.5})], K=K, etas=[0.8, 0.88])
    (s,) = d["series"]
    th = s["threshold"]["eta_max"]
    assert s["convex"] is True and s["threshold"]["verdict"] == "PROVED"
    assert th == pytest.approx(float(eta_max_from_ratio(2 ** -0.5, K, True)), abs=1e-12)
    assert 0.8 < th < 0.88
    assert s["u_y"][0] == pytest.approx(1.0, abs=1e-9)  # below: the clean vertex
    assert s["u_y"][1] < 0.99  # above: it moves off the vertex


def test_training_data_from_run_records(sweep_dir):
    d = fig_training.make_data(runs=sweep_dir)
    assert [p["noise"] for p in d["panels"]] == ["symmetric:0", "symmetric:0.4",
                                                 "symmetric:0.8"]
    assert d["n_runs"] == len(LOSSES) * len(RATES) * 2
    panel = d["panels"][1]
    ce = next(s for s in panel["series"] if s["label"] == "ce")
    assert ce["epochs"].tolist() == [1, 2, 3] and ce["seeds"] == [0, 1]
    want = np.mean([_accs("ce", 0.4, 0), _accs("ce", 0.4, 1)], axis=0)
    np.testing.assert_allclose(ce["acc_mean"], want)
    assert ce["threshold"] == 0.0
    agce = next(s for s in panel["series"] if s["loss"] == "agce")
    assert agce["label"] == "agce_a=1_q=2" and agce["threshold"] == 0.9


def test_accuracy_vs_noise_from_a_sweep(sweep_dir):
    d = fig_accuracy_vs_noise.make_data(runs=sweep_dir)
    (panel,) = d["panels"]
    assert panel["kind"] == "symmetric"
    by = {s["label"]: s for s in panel["series"]}
    assert set(by) == {"ce", "agce_a=1_q=2"}
    ce = by["ce"]
    assert ce["rates"].tolist() == RATES and ce["n"].tolist() == [2, 2, 2]
    want = [np.mean([_accs("ce", r, s)[-1] for s in (0, 1)]) for r in RATES]
    np.testing.assert_allclose(ce["acc_mean"], want)
    assert ce["threshold"] == 0.0 and by["agce_a=1_q=2"]["threshold"] == 0.9
    # results.csv is the source; without it the run records give the same rows
    rows = read_sweep_rows(sweep_dir)
    assert rows and all(r["source"].endswith("results.csv") for r in rows)
    from_records = read_sweep_rows(sweep_dir / "digits")
    def key(r):
        return (r["loss_label"], r["rate"], r["seed"], r["last_acc"])

    assert sorted(map(key, from_records)) == sorted(map(key, rows))


def test_ratio_vs_accuracy_predicted_and_measured(sweep_dir, tmp_path):
    d = fig_ratio_vs_accuracy.make_data(runs=tmp_path / "none", quick=True)
    p = d["predicted"]
    assert d["measured"] is None
    assert len(p["r"]) == len(fig_ratio_vs_accuracy.points(quick=True))
    cvx = p["convex"]
    np.testing.assert_allclose(p["eta_max"][cvx], p["r"][cvx] * 9 / (1 + 9 * p["r"][cvx]))
    np.testing.assert_allclose(p["eta_max"][~cvx], 0.9)
    d = fig_ratio_vs_accuracy.make_data(runs=sweep_dir, quick=True)
    s04 = next(s for s in d["measured"]["series"] if s["rate"] == 0.4)
    assert s04["labels"] == ["agce_a=1_q=2", "ce"]
    np.testing.assert_allclose(s04["r"], [0.5, 0.0])
    assert s04["convex"].tolist() == [False, True]


# ---------------------------------------------------------------------------------- build
def test_every_figure_builds(sweep_dir, tmp_path):
    out = tmp_path / "out"
    manifest = build(out_dir=out, formats=("png",), runs=sweep_dir, quick=True,
                     progress=False)
    assert list(manifest) == list(FIGURES)
    for name, m in manifest.items():
        assert m["status"] == "built", (name, m)
        assert m["files"] == [str(out / f"{name}.png")]
        assert Path(m["files"][0]).stat().st_size > 1000
    assert not [p for p in out.iterdir() if ".tmp." in p.name]  # atomic writes left no temp


def test_training_figures_skip_without_runs(tmp_path, capsys):
    manifest = build(only="training,accuracy_vs_noise", out_dir=tmp_path / "out",
                     runs=tmp_path / "no-runs", quick=True)
    for name in ("fig_training", "fig_accuracy_vs_noise"):
        assert manifest[name]["status"] == "skipped"
        assert SWEEP_COMMAND in manifest[name]["reason"]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    assert "skipped" in capsys.readouterr().err


def test_output_is_byte_identical(tmp_path):
    kw = {"only": "ratio", "formats": "png,svg,pdf", "quick": True, "progress": False}
    m1 = build(out_dir=tmp_path / "a", **kw)
    m2 = build(out_dir=tmp_path / "b", **kw)
    files = [f for m in m1.values() for f in m["files"]]
    assert len(files) == 3
    for f1, f2 in zip(files, [f for m in m2.values() for f in m["files"]]):
        assert Path(f1).read_bytes() == Path(f2).read_bytes(), f1
    assert b"<dc:date>" not in (tmp_path / "a" / "fig_ratio.svg").read_bytes()


def test_unknown_names_and_formats():
    assert resolve_names("ratio,fig_phase") == ["fig_ratio", "fig_phase"]
    with pytest.raises(InputError) as e:
        resolve_names("ratoi")
    assert "fig_ratio" in str(e.value) and all(n in str(e.value) for n in FIGURES)
    with pytest.raises(InputError, match="png, pdf, svg"):
        build(only="ratio", formats="gif", progress=False)


def test_cli_subcommand(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="alfs")
    register_cli(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["figures", "--only", "ratio", "--out", str(tmp_path),
                              "--format", "svg", "--quick"])
    assert args.func(args) == 0
    assert (tmp_path / "fig_ratio.svg").stat().st_size > 1000
    assert "1 figure(s) built" in capsys.readouterr().out


def test_threshold_figure_data_come_from_the_checker(tmp_path):
    d = fig_thresholds.make_data(quick=True)
    rows = {r["name"]: r for r in d["rows"]}
    assert set(rows) == set(fig_thresholds.QUICK)
    assert rows["agce"]["eta_max"] == pytest.approx(0.9) and rows["agce"]["inclusive"] is False
    assert rows["ce"]["eta_max"] == 0.0
    assert rows["nce"]["eta_max"] == 0.0 and rows["nce"]["method"] == "normalised-sequence"
    r = math.exp(-1 / 2.5)  # NCE + AEL(2.5) inherits AEL's threshold r(K-1)/(1+r(K-1))
    assert rows["nce+ael"]["eta_max"] == pytest.approx(9 * r / (1 + 9 * r), abs=1e-9)
    assert rows["ngce"]["eta_max"] == pytest.approx(0.9)
    values = [x["eta_max"] for x in d["rows"]]
    assert values == sorted(values)
    files = fig_thresholds.draw(d, tmp_path, ("png",))
    assert files and os.path.getsize(files[0]) > 1000
