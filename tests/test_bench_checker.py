"""benchmarks/bench_checker.py side by side: each (loss, K) in fresh processes per checkout,
the least CPU time kept, the ratio printed with whether the verdicts agree (timings are
printed, never asserted)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_PATH = ROOT / "benchmarks" / "bench_checker.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_checker", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_child_reports_one_row_of_the_loss_it_was_given():
    row = _bench().child_row(ROOT, "mae", 3)
    assert row["loss"] == "mae" and row["K"] == 3 and row["cpu"] > 0
    assert row["verdicts"] and set(row["verdicts"]) <= set("PRU")


def test_side_by_side_prints_a_ratio_and_the_verdicts_agreement():
    out = subprocess.run([sys.executable, str(_PATH), "--K", "3", "--loss", "mae", "--tree",
                          str(ROOT), "--tree", str(ROOT), "--repeat", "1"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    row = [x for x in out.splitlines() if x.startswith("mae ")]
    assert len(row) == 1 and row[0].split()[-1] == "same" and row[0].split()[-2].endswith("x")
    assert "geometric mean ratio" in out


def test_one_tree_is_refused_with_what_would_pass():
    out = subprocess.run([sys.executable, str(_PATH), "--K", "3", "--loss", "mae", "--tree",
                          str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "give two checkouts" in out.stderr
