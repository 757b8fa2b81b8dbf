"""Shared fixtures, and one CPU thread per test process.

torch's default (a thread per core) oversubscribes a shared 2-core machine: on the small
networks and batches of these tests each extra thread costs CPU and gains no time (a digits
epoch took 16x the CPU). The environment variables are set before torch is imported, so this
process and every subprocess a test starts (the CLI, sweep workers, the user's code) use one
thread; a test that wants more asks torch itself.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# the verdict cache off: every test computes what it asserts (tests/test_cache.py turns it on
# in a folder of its own)
os.environ["ALFS_CACHE"] = "0"

import pytest  # noqa: E402


@pytest.fixture(params=["log_softmax", "softmax"])
def path(request, monkeypatch):
    """Both ways the torch twins compute u: small batches take log_softmax, large ones softmax
    (``alfs_theory.nn.functional._SOFTMAX_FROM``); ``"softmax"`` forces the large-batch way."""
    if request.param == "softmax":
        from alfs_theory.nn import functional as nnf

        monkeypatch.setattr(nnf, "_SOFTMAX_FROM", 0)
        monkeypatch.setattr(nnf, "_SOFTMAX_MIN_K", 2)
    return request.param


#: the longest tests (20-80 s each on 2 cores; `--durations` lists them), started first: on
#: several processes (pytest-xdist's worksteal hands each process a contiguous half of the
#: collection and lets an idle one steal from the tail of another) a long test that begins
#: near the end holds the whole run while the other process idles
LONG_FIRST = (
    "test_ledger.py::test_full_ledger_as_expected",
    "test_docs.py::test_documented_long_command_runs_as_written",
    "test_wheel.py::test_a_fresh_venv_runs_the_commands_and_the_fixture",
    "test_excess_convex.py::test_random_losses_that_get_a_pair_bound_keep_it_on_a_simplex_grid",
    "test_study.py::test_tiny_study_end_to_end_resumes_and_reports",
    "test_superadditive.py::test_random_wiggles_proved_only_where_a_grid_agrees",
)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not any(name in item.nodeid for name in LONG_FIRST))
