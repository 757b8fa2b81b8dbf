"""The verdict cache (issue #25): a PROVED or REFUTED that left the gate is kept on disk, keyed
by the question, the bound loss, K, the inputs, the version and the package's source; a rerun
gets the same verdicts from it, marked "cached"; UNDECIDED is never kept; damage is ignored."""

from __future__ import annotations

import pytest

from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.engine import decide
from alfs_theory.checks.verdict import Verdict
from alfs_theory.cli import main
from alfs_theory.registry import get_loss


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ALFS_CACHE", "1")
    monkeypatch.setenv("ALFS_CACHE_DIR", str(tmp_path / "c"))
    return tmp_path / "c" / "checks"


def _rows(rep):
    return [(r.check, r.verdict, r.summary, str(r.value)) for r in rep.results]


def test_a_rerun_reads_the_same_verdicts_from_the_cache(cache):
    first = check_loss("agce", n_classes=10, checks=["ratio", "threshold", "symmetric"])
    files = list(cache.rglob("*.pickle"))
    assert len(files) == 3
    again = check_loss("agce", n_classes=10, checks=["ratio", "threshold", "symmetric"])
    assert _rows(again) == _rows(first)
    assert all(r.gate.startswith("cached (") for r in again.results)
    assert again["ratio"].value == first["ratio"].value  # the exact value, not its text
    # other parameters, another K: computed, not read
    other = check_loss("agce", params={"a": 2}, n_classes=10, checks=["ratio"])
    assert not other["ratio"].gate.startswith("cached")
    k3 = check_loss("agce", n_classes=3, checks=["ratio"])
    assert not k3["ratio"].gate.startswith("cached")


def test_undecided_is_never_cached_and_damage_is_recomputed(cache):
    bump = get_loss("agce").bind()
    r = decide("excess-risk", bump, 3, budget=1e-9)  # no time at all: UNDECIDED timed out
    assert r.verdict is Verdict.UNDECIDED and not list(cache.rglob("*.pickle"))
    decide("ratio", bump, 3)
    (f,) = cache.rglob("*.pickle")
    f.write_bytes(b"not a pickle")
    again = decide("ratio", bump, 3)
    assert again.verdict is Verdict.PROVED and not again.gate.startswith("cached")


def test_off_switches(cache, capsys, monkeypatch):
    monkeypatch.setenv("ALFS_CACHE", "0")
    check_loss("mae", n_classes=3, checks=["ratio"])
    assert not cache.exists()
    monkeypatch.setenv("ALFS_CACHE", "1")
    assert main(["--no-cache", "check", "mae", "-K", "3", "--only", "ratio"]) == 0
    assert not cache.exists()
