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
