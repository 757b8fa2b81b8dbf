"""The training-epoch benchmark runs, prints its ratio, and compares like with like.

Behaviour only: no timing is asserted (the benchmark prints figures; it is not a timed test).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_train.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_train", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_quickest_run_prints_the_ratio_and_writes_json(tmp_path):
    # synthetic data (a folder without the files) keeps it quick, and shows the fallback is
    # announced; the real files go through the same code after loading
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(_PATH), "--n", "256", "--repeats", "1", "--workers", "0",
         "--no-gpu", "--quiet", "--data-root", str(tmp_path / "no-data"), "--json", str(out)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("NOTE: Fashion-MNIST not found")
    assert "SYNTHETIC 28x28 data" in proc.stdout
    assert "ratio B/A (cpu, s per epoch, DataLoader workers=0 / ours):" in proc.stdout
    assert "torch " in proc.stdout and "thread(s)" in proc.stdout and "CPUs" in proc.stdout
    d = json.loads(out.read_text())
    assert d["n"] == 256 and d["synthetic"] is True
    assert d["batch"] == 128 and d["loss"] == "ce"
    assert d["optimizer"] == {"name": "SGD", "lr": 0.01, "momentum": 0.9,
                              "weight_decay": 1e-3}
    (res,) = d["results"]
    assert res["device"] == "cpu"
    a, b = res["rows"]
    assert (a["style"], b["style"], b["workers"]) == ("ours", "official", 0)
    assert a["ratio_to_ours"] == 1.0
    for row in (a, b):
        assert row["seconds_per_epoch_median"] > 0 and row["samples_per_s"] > 0
        assert row["peak_rss_increase_mib"] >= 0 and row["threads"] >= 1
        assert len(row["runs"]) == 1


def test_both_styles_feed_the_network_the_same_inputs(bench):
    # the per-item ToTensor + Normalize of the official style gives, item for item, the rows
    # of our preloaded standardised tensor (so the ratio compares the same work)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, size=40).astype(np.int64)
    mean, std = bench.channel_stats(x)
    xa, ya = bench.resident_tensors(x, y, mean, std, torch.device("cpu"))
    ds = bench.official_dataset(x, y, mean, std)
    assert len(ds) == 40 and xa.shape == (40, 1, 28, 28) and xa.dtype == torch.float32
    for i in (0, 7, 39):
        img, target = ds[i]
        assert isinstance(target, int) and target == int(ya[i])
        assert img.shape == (1, 28, 28) and img.dtype == torch.float32
        torch.testing.assert_close(img, xa[i], rtol=1e-6, atol=1e-6)
    xb, yb = next(iter(bench.official_loader(ds, 0, torch.device("cpu"))))
    assert xb.shape == (40, 1, 28, 28) and yb.dtype == torch.int64


def test_batches_cover_every_index_once_and_never_leave_one_sample(bench):
    perm = torch.randperm(257)
    parts = bench.batches(257, 128, perm)
    assert [len(p) for p in parts] == [128, 129]
    assert torch.equal(torch.cat(parts), perm)
    assert [len(p) for p in bench.batches(300, 128, torch.arange(300))] == [128, 128, 44]


def test_missing_data_falls_back_to_synthetic_and_says_so(bench, tmp_path):
    x, y, source, note = bench.load_images(tmp_path / "nowhere")
    assert source == "synthetic" and "SYNTHETIC" in note
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and 0 <= y.min() and y.max() < 10


def test_refuses_a_subset_whose_last_batch_is_one_sample(bench, capsys):
    with pytest.raises(SystemExit) as e:
        bench.main(["--n", "129"])
    assert e.value.code == 2
    assert "n % 128 != 1" in capsys.readouterr().err
