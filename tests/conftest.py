"""Shared fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["log_softmax", "softmax"])
def path(request, monkeypatch):
    """Both ways the torch twins compute u: small batches take log_softmax, large ones softmax
    (``alfs_theory.nn.functional._SOFTMAX_FROM``); ``"softmax"`` forces the large-batch way."""
    if request.param == "softmax":
        from alfs_theory.nn import functional as nnf

        monkeypatch.setattr(nnf, "_SOFTMAX_FROM", 0)
        monkeypatch.setattr(nnf, "_SOFTMAX_MIN_K", 2)
    return request.param
