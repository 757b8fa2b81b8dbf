"""Sweeps: the grid, validation before compute, resumability, reports, the process pool, Ray."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import os
import time

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from alfs_theory.cli.sweep import register as register_cli
from alfs_theory.errors import AlfsError, InputError, ParameterError, UnknownLossError
from alfs_theory.experiments.sweep import (
    SweepError,
    SweepSpec,
    make_grid,
    parse_loss_list,
    run_sweep,
)
from alfs_theory.experiments.train import CHECKPOINT_FILE, RECORD_FILE, TrainConfig, run_training

BASE = TrainConfig(device="cpu", threads=1)


def _spec(**kw) -> SweepSpec:
    d = {"losses": [("ce", {}), ("mae", {})], "noise": ["symmetric"], "rates": [0.0, 0.4],
         "seeds": [0], "dataset": "digits", "epochs": 1, "base": BASE}
    d.update(kw)
    return SweepSpec(**d)


def _stamps(root):
    return {p: os.stat(p).st_mtime_ns for p in sorted(root.rglob(RECORD_FILE))}


def test_grid_layout_and_validation(tmp_path):
    cells = make_grid(_spec(losses=[("agce", {"a": 1, "q": 2}), ("ce", {})], seeds=[0, 1],
                            noise=["symmetric", "clean"]), tmp_path)
    # 2 losses x (2 rates + clean) x 2 seeds
    assert len(cells) == 12
    rel = {str(c.run_dir.relative_to(tmp_path)) for c in cells}
    assert "digits/agce_a=1_q=2/symmetric-0.4/seed1" in rel
    assert "digits/ce/clean/seed0" in rel
    assert {c.config.noise for c in cells} == {"symmetric:0", "symmetric:0.4", "clean"}
    for bad, err in [({"losses": [("nope", {})]}, UnknownLossError),
                     ({"losses": [("agce", {"a": 0})]}, ParameterError),
                     ({"rates": [0.2, 1.2]}, InputError),
                     ({"seeds": []}, InputError),
                     ({"seeds": [0, 0]}, InputError)]:
        with pytest.raises(err):
            run_sweep(_spec(**bad), tmp_path / "bad", workers=1, progress=False)
    assert not (tmp_path / "bad").exists()  # refused before anything was written


def test_sweep_is_resumable_and_writes_reports(tmp_path):
    out = tmp_path / "sweep"
    first = run_sweep(_spec(), out, workers=1, progress=False)
    assert (first["total"], first["new"], first["ran"], first["failed"]) == (4, 4, 4, [])
    stamps = _stamps(out)
    assert len(stamps) == 4
    second = run_sweep(_spec(), out, workers=1, progress=False)
    assert (second["done_before"], second["ran"], second["new"], second["resumed"]) == \
        (4, 0, 0, 0)
    assert _stamps(out) == stamps  # nothing was redone

    rows = list(csv.DictReader(io.StringIO((out / "results.csv").read_text())))
    assert len(rows) == 4
    assert {r["loss"] for r in rows} == {"ce", "mae"}
    assert {r["rate"] for r in rows} == {"0.0", "0.4"}
    for r in rows:
        assert 0 <= float(r["last_acc"]) <= float(r["best_acc"]) <= 1
        assert r["sampling"] == "per-sample" and r["nominal_rate"] and r["actual_rate"]
    md = (out / "results.md").read_text()
    assert "LAST epoch" in md and "BEST epoch" in md and "| ce |" in md and "rate 0.4" in md
    tv = list(csv.DictReader(io.StringIO((out / "theory_vs_experiment.csv").read_text())))
    assert len(tv) == 4
    assert {"predicted_tolerant", "verdict", "threshold_symmetric", "last_acc_mean",
            "drop_from_clean_last"} <= set(tv[0])
    assert [t["drop_from_clean_last"] for t in tv if t["rate"] == "0.0"] == ["0.0", "0.0"]
    assert "Theory beside experiment" in (out / "theory_vs_experiment.md").read_text()


def test_sweep_refuses_finished_runs_of_another_configuration(tmp_path):
    out = tmp_path / "sweep"
    run_sweep(_spec(losses=[("ce", {})], rates=[0.0]), out, workers=1, progress=False)
    with pytest.raises(SweepError, match="epochs: 1 there vs 2 now"):
        run_sweep(_spec(losses=[("ce", {})], rates=[0.0], epochs=2), out, workers=1,
                  progress=False)


def test_sweep_resumes_partial_runs(tmp_path):
    out = tmp_path / "sweep"
    spec = _spec(losses=[("ce", {})], rates=[0.4], epochs=2)
    (cell,) = make_grid(spec, out)
    run_training(cell.config, cell.run_dir, progress=False, stop_after=1)
    assert (cell.run_dir / CHECKPOINT_FILE).exists()
    s = run_sweep(spec, out, workers=1, progress=False)
    assert (s["resumed"], s["new"], s["ran"]) == (1, 0, 1)
    from alfs_theory.experiments.train import load_record

    assert load_record(cell.run_dir)["timing"]["resumed_from_epoch"] == 1


def test_sweep_process_pool(tmp_path):
    out = tmp_path / "sweep"
    s = run_sweep(_spec(losses=[("ce", {})]), out, workers=2, threads=1, progress=False)
    assert (s["ran"], s["failed"]) == (2, [])
    assert len(_stamps(out)) == 2


def test_failed_run_is_reported_not_fatal(tmp_path, monkeypatch):
    import alfs_theory.experiments.sweep as sw

    real = sw.run_training

    def flaky(cfg, run_dir, progress=True, **kw):
        if cfg.noise != "symmetric:0":
            raise RuntimeError("disk full")
        return real(cfg, run_dir, progress=progress, **kw)

    monkeypatch.setattr(sw, "run_training", flaky)
    s = run_sweep(_spec(losses=[("ce", {})]), tmp_path / "s", workers=1, progress=False)
    assert s["ran"] == 2 and len(s["failed"]) == 1
    assert "disk full" in s["failed"][0]["error"]


@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="ray is installed")
def test_ray_missing_says_how_to_install(tmp_path):
    with pytest.raises(SweepError) as info:
        run_sweep(_spec(), tmp_path / "s", ray_address="auto", progress=False)
    assert "pip install ray" in str(info.value) and isinstance(info.value, AlfsError)
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_ray_local_cluster(tmp_path):  # pragma: no cover - only where ray is installed
    s = run_sweep(_spec(losses=[("ce", {})], rates=[0.0]), tmp_path / "s", ray_address="local",
                  threads=1, progress=False)
    assert (s["ran"], s["failed"]) == (1, [])


def test_parse_loss_list():
    assert parse_loss_list("ce, AGCE", ["agce:a=1", "agce:q=2"]) == [
        ("ce", {}), ("agce", {"a": 1.0, "q": 2.0})]
    with pytest.raises(InputError, match="LOSS:NAME=VALUE"):
        parse_loss_list("agce", ["a=1"])
    with pytest.raises(InputError, match="not in --losses"):
        parse_loss_list("ce", ["agce:a=1"])


def test_cli_sweep(tmp_path, capsys):
    p = argparse.ArgumentParser(prog="alfs")
    sub = p.add_subparsers(dest="cmd", required=True)
    register_cli(sub)
    argv = ["sweep", "--losses", "ce,agce", "--loss-param", "agce:a=1", "--noise", "symmetric",
            "--rates", "0.0,0.6", "--seeds", "0", "--dataset", "digits", "--epochs", "1",
            "--out", str(tmp_path / "s"), "--workers", "1", "--threads", "1", "--device", "cpu",
            "--quiet"]
    args = p.parse_args(argv)
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "4 runs: 0 finished before, 4 run now" in out and "results.md" in out
    args = p.parse_args(argv)
    assert args.func(args) == 0
    assert "4 runs: 4 finished before, 0 run now" in capsys.readouterr().out
    assert (tmp_path / "s" / "digits" / "agce_a=1" / "symmetric-0.6" / "seed0" /
            RECORD_FILE).exists()


def test_a_dead_worker_fails_only_its_run(tmp_path, monkeypatch):
    """A worker killed mid-run (SIGKILL, OOM) used to abort the sweep with BrokenProcessPool."""
    import json
    import sys

    monkeypatch.syspath_prepend(os.path.dirname(__file__))
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(__file__) + os.pathsep
                       + os.environ.get("PYTHONPATH", ""))
    from sweep_helpers import crash_on_mae

    assert "sweep_helpers" in sys.modules
    summary = run_sweep(_spec(), tmp_path, workers=2, progress=False, runner=crash_on_mae)
    failed = {os.path.relpath(f["run_dir"], tmp_path): f["error"] for f in summary["failed"]}
    assert set(failed) == {"digits/mae/symmetric-0/seed0", "digits/mae/symmetric-0.4/seed0"}
    assert all("worker process running it died" in e for e in failed.values())
    # the CE runs finished and are in the reports; the failures are on disk with their cause
    assert summary["ran"] == 4
    assert len(list(tmp_path.rglob(RECORD_FILE))) == 2
    on_disk = json.loads((tmp_path / "failed.json").read_text())
    assert {os.path.relpath(f["run_dir"], tmp_path) for f in on_disk} == set(failed)
    assert "ce" in (tmp_path / "results.csv").read_text()


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the process tree from /proc")
def test_workers_end_when_the_sweep_is_killed(tmp_path):
    """SIGKILL of the sweep used to leave its pool workers running (and writing) for good."""
    import signal
    import subprocess
    import sys
    import textwrap

    here = os.path.dirname(__file__)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {here!r})
        from sweep_helpers import slow
        from alfs_theory.experiments.sweep import SweepSpec, run_sweep
        from alfs_theory.experiments.train import TrainConfig
        spec = SweepSpec(losses=[("ce", {{}}), ("mae", {{}})], noise=["symmetric"],
                         rates=[0.0, 0.4], seeds=[0], dataset="digits", epochs=1,
                         base=TrainConfig(device="cpu", threads=1))
        run_sweep(spec, {str(tmp_path)!r}, workers=2, progress=True, runner=slow)
    """)
    env = dict(os.environ, PYTHONPATH=here + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 3:  # forkserver + 2 workers
            time.sleep(0.5)
            workers = _descendants(proc.pid)
        assert len(workers) >= 3, "the pool never started"
        time.sleep(1.0)
        workers = _descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not [w for w in workers if _alive(w)], "workers outlived the killed sweep"
        assert not list(tmp_path.rglob("late-*"))
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in _descendants(proc.pid):
            try:
                os.kill(w, signal.SIGKILL)
            except OSError:
                pass


def test_full_noise_strings_read_as_their_kind_and_rate(tmp_path):
    """--noise clean,symmetric:0.4,asym:0.2 (as alfs reproduce gives it): the folders keep the
    string, the reports group and grade the cells by kind and rate (not as clean references)."""
    from alfs_theory.experiments.sweep import noise_string_kind

    assert noise_string_kind("symmetric:0.4") == ("symmetric", 0.4)
    assert noise_string_kind("sym:0.8") == ("symmetric", 0.8)
    assert noise_string_kind("asymmetric:0.2") == ("asym", 0.2)
    assert noise_string_kind("clean") == ("clean", 0.0)
    assert noise_string_kind("noise/T.npy") == ("noise/T.npy", None)
    spec = SweepSpec(losses=[("ce", {})], noise=["clean", "symmetric:0.4", "asym:0.2"],
                     seeds=[0], dataset="digits", epochs=1)
    cells = make_grid(spec, tmp_path)
    got = [(c.run_dir.parent.name, c.noise_kind, c.rate) for c in cells]
    assert got == [("clean", "clean", 0.0), ("symmetric_0.4", "symmetric", 0.4),
                   ("asym_0.2", "asym", 0.2)]
