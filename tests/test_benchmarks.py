"""The loss benchmark runs, and the references it times against are what it says they are."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from alfs_theory.nn import TWINS  # noqa: E402

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_losses.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_losses", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_floor_ce_is_the_accurate_ce(bench):
    # the "floor" is only a floor if it is as accurate as the twin: values and gradients equal
    # ours in float64 on ordinary and extreme rows
    torch.manual_seed(0)
    z = torch.randn(64, 7, dtype=torch.float64) * 5
    z[0] = torch.tensor([60.0, 0, 0, 0, 0, 0, 0])  # u_y -> 1: CE ≈ 6·e^-60
    z[1] = torch.tensor([-800.0, 0, 0, 0, 0, 0, 0])  # u_y underflows: CE ≈ 800
    y = torch.randint(0, 7, (64,))
    y[:2] = 0
    z1 = z.clone().requires_grad_()
    z2 = z.clone().requires_grad_()
    a, b = bench.floor_ce(z1, y), TWINS["ce"](z2, y)
    torch.testing.assert_close(a, b, rtol=1e-13, atol=0)
    assert 0 < float(a[0].detach()) < 1e-24
    w = torch.rand(64, dtype=torch.float64)
    (a * w).sum().backward()
    (b * w).sum().backward()
    torch.testing.assert_close(z1.grad, z2.grad, rtol=1e-13, atol=1e-300)


def test_relative_error_probe_tells_accurate_from_naive(bench):
    assert bench._ce_rel_error(bench.floor_ce, 10, "cpu") < 1e-13
    assert bench._ce_rel_error(TWINS["ce"], 10, "cpu") < 1e-13
    # the naive one-hot CE rounds -log u_y to 0 at margin 40: relative error 1
    assert bench._ce_rel_error(bench.naive_twin("ce"), 10, "cpu") == pytest.approx(1.0)


def test_naive_twins_compute_the_registered_formulas(bench):
    # the speed ratios compare like with like: at ordinary logits each naive twin (official
    # code style, with its clamps) agrees with ours to float32 rounding
    torch.manual_seed(1)
    z = torch.randn(32, 10)
    y = torch.randint(0, 10, (32,))
    for name, ours in TWINS.items():
        naive = bench.naive_twin(name)
        with torch.no_grad():
            torch.testing.assert_close(naive(z, y), ours(z, y), rtol=2e-4, atol=2e-5,
                                       msg=lambda m, name=name: f"{name}: {m}")


def test_benchmark_main_prints_every_table(bench, capsys):
    bench.main(["--device", "cpu", "--losses", "ce", "nce+agce", "--batches", "8",
                "--classes", "3", "--min-run-time", "0.002", "--rounds", "1", "--floor",
                "--step"])
    out = capsys.readouterr().out
    assert "forward+backward, ms per call" in out
    assert "geometric mean naive/ours" in out
    assert "the cost of accuracy" in out and "rel. error at margin 40" in out
    assert "one training step of the digits MLP" in out
    for name in ("ce ", "nce+agce"):
        assert out.count(name) >= 2, out  # in the loss table and the step table


def test_run_returns_a_row_per_configuration(bench):
    rows = bench.run("cpu", ["mae"], [4, 6], [2, 5], 0.002, 1, rounds=1, out=io.StringIO())
    assert [(r[0], r[1], r[2]) for r in rows] == [("mae", 4, 2), ("mae", 4, 5), ("mae", 6, 2),
                                                  ("mae", 6, 5)]
    assert all(r[3] > 0 and r[4] > 0 and r[5] > 0 for r in rows)
