"""The checker's prediction for a training run: is this loss tolerant of this noise?

Used by ``alfs train`` / ``alfs sweep`` to put the theory beside the measurement.
"""

from __future__ import annotations

import numpy as np

from ..spec import LossSpec
from .verdict import Verdict

__all__ = ["predict_noise_tolerance"]


def _symmetric_rate(T: np.ndarray) -> float | None:
    K = len(T)
    eta = 1 - T[0, 0]
    ref = np.full((K, K), eta / (K - 1))
    np.fill_diagonal(ref, 1 - eta)
    return float(eta) if np.allclose(T, ref, atol=1e-12) else None


def predict_noise_tolerance(spec: LossSpec, T_row, *, budget: float = 120.0) -> dict:
    """{"tolerant", "verdict", "threshold_symmetric", "detail"} for a bound spec and a
    row-stochastic T (T[i, j] = P(noisy j | clean i)).

    ``tolerant`` is True (PROVED: every row keeps the clean minimiser), False (REFUTED) or
    None (UNDECIDED). ``threshold_symmetric`` is the largest tolerated symmetric rate at this K.
    The checker's rule engine answers within ``budget`` CPU seconds (past it: UNDECIDED,
    "timed out"), so a prediction never holds up a finished training run.
    """
    from ..timing import time_limit

    T = np.asarray(T_row, dtype=float)
    K = len(T)
    spec = (spec if spec.is_bound else spec.bind()).at_classes(K)
    out = None
    with time_limit(budget):  # one CPU budget for the prediction (the falsifier included)
        out = _predict(spec, T, K)
    if out is None:
        return {"tolerant": None, "verdict": "UNDECIDED", "threshold_symmetric": None,
                "detail": f"timed out: the checker did not finish within {budget:g} CPU "
                          "seconds"}
    return out


def _predict(spec: LossSpec, T, K: int) -> dict:
    from .engine import decide

    threshold = None
    try:
        th = decide("threshold", spec, K)
        if th.value and th.value.get("eta_max") is not None:
            threshold = float(th.value["eta_max"])
    except Exception:  # noqa: BLE001 - a threshold is optional context
        th = None
    eta = _symmetric_rate(T)
    if eta is not None and th is not None and th.verdict is Verdict.PROVED and threshold is not None:
        incl = bool(th.value.get("inclusive"))
        tol = eta <= threshold if incl else eta < threshold
        return {"tolerant": tol, "verdict": "PROVED" if tol else "REFUTED",
                "threshold_symmetric": threshold,
                "detail": f"symmetric eta = {eta:g} vs threshold {threshold:.6g} "
                          f"({'inclusive' if incl else 'exclusive'}): {th.evidence}"}
    res = decide("noise", spec, K, T=T)
    tol = {Verdict.PROVED: True, Verdict.REFUTED: False}.get(res.verdict)
    return {"tolerant": tol, "verdict": res.verdict.value, "threshold_symmetric": threshold,
            "detail": f"{res.summary} | {res.evidence}"}
