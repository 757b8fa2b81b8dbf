"""Bad input and bad files at the command line and in the library: a message that names what
is wrong (and the file), exit 2, no traceback, and no work done first (issue 14)."""

from __future__ import annotations

import gzip
import json
import pickle
import time

import numpy as np
import pytest

from alfs_theory.cli import main
from alfs_theory.errors import DataError, InputError


def _err(capsys) -> str:
    e = capsys.readouterr().err
    assert "Traceback" not in e
    return e


# ----------------------------------------------------------------------------- output folders
@pytest.mark.parametrize("argv, what", [
    (["train", "--loss", "ce", "--epochs", "1"], "run folder"),
    (["sweep", "--losses", "ce", "--epochs", "1"], "sweep folder"),
    (["verify", "--only", "T1-population-symmetric"], "ledger output folder"),
    (["figures", "--only", "fig_ratio"], "figures folder"),
    (["report", "--skip-sweep"], "report folder"),
])
def test_unwritable_output_folder_is_named_before_any_work(tmp_path, capsys, argv, what):
    pytest.importorskip("torch")
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    t0 = time.perf_counter()
    assert main([*argv, "--out", str(blocker / "sub")]) == 2
    err = _err(capsys)
    assert f"cannot write the {what} '{blocker / 'sub'}'" in err and "Not a directory" in err
    assert time.perf_counter() - t0 < 10  # refused up front, not after the work
    assert main([*argv, "--out", str(blocker)]) == 2
    assert f"{what} '{blocker}' is a file, not a folder" in _err(capsys)


# ----------------------------------------------------------------------------- corrupt data files
def test_broken_gzip_stream_names_the_file(tmp_path):
    from alfs_theory.experiments.data import read_idx

    good = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 200]) + bytes(200))
    bad = good[:12] + bytes(b ^ 0x5A for b in good[12:-8]) + good[-8:]
    p = tmp_path / "train-labels-idx1-ubyte.gz"
    p.write_bytes(bad)
    with pytest.raises(DataError, match=rf"could not read {p}.*corrupt gzip"):
        read_idx(p)
    p.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(DataError, match=rf"could not read {p}"):
        read_idx(p)


@pytest.mark.parametrize("labels, what", [(["cat", "dog"], "<U3"), ([None, None], "object"),
                                          ([1.5, 2.0], "float64")])
def test_cifar_labels_that_are_not_integers(tmp_path, labels, what):
    from alfs_theory.experiments.data import load_cifar10

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": labels}, f)
    with pytest.raises(DataError, match=rf"b'labels' must hold integer class labels, got "
                                         rf"dtype {what}"):
        load_cifar10(tmp_path)


# ----------------------------------------------------------------------------- run records
@pytest.mark.parametrize("content", ["[]", '{"complete": true}', "{not json", '"text"',
                                     '{"complete": true, "config": 3}'])
def test_corrupt_record_is_rerun_not_a_crash(tmp_path, capsys, content):
    pytest.importorskip("torch")
    from alfs_theory.experiments.records import (
        RecordError,
        load_record,
        record_is_complete,
        record_problem,
    )

    run = tmp_path / "run"
    run.mkdir()
    (run / "record.json").write_text(content)
    assert not record_is_complete(run)
    with pytest.raises(RecordError, match=r"record.json"):
        load_record(run, complete=True)
    assert main(["train", "--loss", "ce", "--epochs", "1", "--out", str(run),
                 "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "is corrupt or unfinished" in err and "Traceback" not in err
    assert record_is_complete(run) and record_problem(load_record(run)) is None


def test_sweep_reruns_and_reports_corrupt_records(tmp_path):
    pytest.importorskip("torch")
    from alfs_theory.experiments.records import record_is_complete
    from alfs_theory.experiments.sweep import SweepSpec, run_sweep
    from alfs_theory.experiments.train import TrainConfig

    spec = SweepSpec(losses=[("ce", {})], noise=["symmetric"], rates=[0.0, 0.4], seeds=[0],
                     dataset="digits", epochs=1, base=TrainConfig(device="cpu", threads=1))
    run_sweep(spec, tmp_path, workers=1, progress=False)
    runs = sorted(p.parent for p in tmp_path.rglob("record.json"))
    assert len(runs) == 2
    (runs[0] / "record.json").write_text('{"complete": true}')
    (runs[1] / "record.json").write_text("[]")
    s = run_sweep(spec, tmp_path, workers=1, progress=False)
    assert set(s["corrupt"]) == {str(r) for r in runs} and s["ran"] == 2
    assert all(record_is_complete(r) for r in runs)


def test_corrupt_metrics_file_is_named_by_figures(tmp_path, capsys):
    pytest.importorskip("torch")
    run = tmp_path / "runs" / "one"
    assert main(["train", "--loss", "ce", "--epochs", "2", "--out", str(run), "--quiet"]) == 0
    with open(run / "metrics.jsonl", "a") as f:
        f.write("{truncated\n")
    capsys.readouterr()
    assert main(["figures", "--only", "fig_training", "--runs", str(tmp_path / "runs"),
                 "--out", str(tmp_path / "figs")]) == 2
    assert f"{run / 'metrics.jsonl'}, line 3: not valid JSON" in _err(capsys)


# ----------------------------------------------------------------------------- check / ratio
@pytest.mark.parametrize("weights, msg", [("nan,0.5,0.5", "entry 1 is nan"),
                                          ("0.5,inf,0.1", "entry 2 is inf"),
                                          ("0.5,-0.1,0.6", "entry 2 is -0.1"),
                                          ("0,0,0", "all 0"), ("0.5,0.5", "has 2 entries")])
def test_bad_weights_are_refused(capsys, weights, msg):
    assert main(["check", "agce", "-K", "3", "--weights", weights, "--only", "asymmetric-on"]) == 2
    assert msg in _err(capsys)


def test_weights_not_summing_to_one_are_normalised_and_said(capsys):
    from alfs_theory import get_loss
    from alfs_theory.checks.checker import check_loss

    rep = check_loss(get_loss("agce").bind(a=1, q=2), n_classes=3, weights=[2, 1, 1],
                     checks=["asymmetric-on"])
    r = rep["asymmetric-on"]
    assert r.verdict.value == "PROVED" and r.value["weights"] == [0.5, 0.25, 0.25]
    assert "weights normalised to sum 1 (they summed to 4" in r.summary
    same = check_loss(get_loss("agce").bind(a=1, q=2), n_classes=3, weights=[0.5, 0.25, 0.25],
                      checks=["asymmetric-on"])["asymmetric-on"]
    assert "normalised" not in same.summary and same.verdict == r.verdict


@pytest.mark.parametrize("only", ["asymmetric-on", "noise"])
def test_only_a_check_that_needs_an_input_says_so(capsys, only):
    assert main(["check", "agce", "--only", only]) == 2
    assert f"--only {only} needs" in _err(capsys)


@pytest.mark.parametrize("argv, msg", [
    (["ratio", "agce", "--tol", "-1"], "argument --tol: expected a finite number > 0"),
    (["ratio", "agce", "--tol", "nan"], "(not finite)"),
    (["check", "agce", "--timeout", "0"], "argument --timeout"),
    (["check", "agce", "-K", "1"], "argument --classes/-K: expected an integer >= 2"),
    (["train", "--loss", "ce", "--out", "x", "--seed", str(2**64)], "argument --seed"),
    (["train", "--loss", "ce", "--out", "x", "--epochs", "0"], "argument --epochs"),
    (["sweep", "--losses", "ce", "--out", "x", "--workers", "0"], "argument --workers"),
    (["report", "--workers", "0"], "argument --workers: expected an integer >= 1 and <= "),
])
def test_bad_numbers_are_refused_by_the_parser(capsys, argv, msg):
    pytest.importorskip("torch")
    t0 = time.perf_counter()
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and time.perf_counter() - t0 < 5
    assert msg in _err(capsys)


def test_sweep_seed_beyond_64_bits(tmp_path, capsys):
    pytest.importorskip("torch")
    assert main(["sweep", "--losses", "ce", "--out", str(tmp_path), "--seeds",
                 f"0,{2**64}"]) == 2
    assert "outside [0, 2**64 - 1]" in _err(capsys)
    from alfs_theory.experiments.train import TrainConfig, resolve_config

    with pytest.raises(InputError, match=r"seed must be an integer in \[0, 2\*\*64 - 1\]"):
        resolve_config(TrainConfig(seed=2**64))
    resolve_config(TrainConfig(seed=2**64 - 1))  # the largest torch takes


def test_empty_expr_says_what_to_type(capsys):
    for cmd in ("check", "ratio"):
        assert main([cmd, "--expr", ""]) == 2
        assert "--expr is empty: type a loss formula in u" in _err(capsys)


def test_ratio_of_a_formula_with_K(capsys):
    assert main(["ratio", "--expr", "1 - u*K/10"]) == 2
    assert "depends on the number of classes K: give it with -K" in _err(capsys)
    assert main(["ratio", "--expr", "K*(1 - u)", "-K", "4", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "PROVED"
    assert main(["ratio", "nce"]) == 2
    assert "is a vector loss" in _err(capsys)


def test_complex_noise_matrix_is_refused(tmp_path):
    from alfs_theory.noise import make_noise, validate_transition_matrix

    T = np.array([[0.9, 0.1], [0.2, 0.8]], dtype=complex)
    T[0, 1] += 0.3j
    with pytest.raises(InputError, match=r"must be real; entry \[0, 1\] has an imaginary part"):
        validate_transition_matrix(T)
    p = tmp_path / "T.npy"
    np.save(p, T)
    with pytest.raises(InputError, match="imaginary part"):
        make_noise(str(p), 2)
    # complex with zero imaginary parts is a real matrix
    assert validate_transition_matrix(T.real.astype(complex)).dtype == np.float64


def test_unexpected_errors_are_one_line_not_a_traceback(capsys, monkeypatch):
    import alfs_theory.cli as cli

    def boom(args):
        raise ZeroDivisionError("deliberate")

    monkeypatch.delenv("ALFS_DEBUG", raising=False)
    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["list"].set_defaults(func=boom)
    assert main(["list"]) == 3
    err = _err(capsys)
    assert "internal error: ZeroDivisionError: deliberate" in err and "ALFS_DEBUG=1" in err
    monkeypatch.setenv("ALFS_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["list"])


def test_file_errors_at_the_top_are_named(capsys, monkeypatch, tmp_path):
    import alfs_theory.cli as cli

    def denied(args):
        raise PermissionError(13, "Permission denied", str(tmp_path / "x.csv"))

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["list"].set_defaults(func=denied)
    assert main(["list"]) == 2
    assert f"alfs list: error: {tmp_path / 'x.csv'}: Permission denied" in _err(capsys)


def test_a_killed_checkpoint_write_is_cleaned_at_the_next_start(tmp_path):
    pytest.importorskip("torch")
    import os
    import subprocess
    import sys

    from alfs_theory.experiments.train import TrainConfig, run_training

    run = tmp_path / "run"
    run.mkdir()
    # a temp left by a writer that no longer runs (a finished child process), 2 minutes old
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = run / f".checkpoint.pt.{dead}.0badf00d.tmp"
    stale.write_bytes(b"half a checkpoint")
    old = time.time() - 120
    os.utime(stale, (old, old))
    mine = run / f".record.json.{os.getpid()}.12345678.tmp"  # a live writer's: kept
    mine.write_text("{")
    os.utime(mine, (old, old))
    run_training(TrainConfig(loss="ce", epochs=1, device="cpu"), run, progress=False)
    assert not stale.exists() and mine.exists()
    assert not [p for p in run.iterdir() if p.name.endswith(".tmp") and p != mine]
