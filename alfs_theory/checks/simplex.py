"""Points of the probability simplex that the numeric searches share (the falsifier and the
search rule of "asymmetric on w"), built without K x K arrays so that K = 10,000 stays small.

Nothing here proves anything: these are the places a search looks.
"""

from __future__ import annotations

import numpy as np

from ..spec import LossSpec


def representatives(w: np.ndarray | None, n: int, t: int, cap: int = 24) -> list[int]:
    """Classes other than t, one per distinct weight (classes of equal weight are
    exchangeable), at most ``cap``: the largest and smallest weights first."""
    others = [k for k in range(n) if k != t]
    if w is None:
        return others[:cap]
    seen, reps = set(), []
    for k in sorted(others, key=lambda k: -w[k]):
        key = round(float(w[k]), 12)
        if key not in seen:
            seen.add(key)
            reps.append(k)
    if len(reps) > cap:
        reps = reps[: cap // 2] + reps[-(cap // 2):]
    return reps


def unit_rows(n: int, idx) -> np.ndarray:
    """The rows e_k (k in ``idx``) of the K x K identity, without building it (K = 10,000)."""
    idx = list(idx)
    out = np.zeros((len(idx), n))
    out[np.arange(len(idx)), idx] = 1.0
    return out


def edges(n: int, t: int, ks, ds: np.ndarray) -> np.ndarray:
    """Points (1 - d) e_t + d e_k for each k in ``ks`` and d in ``ds``."""
    ks = [k for k in ks if k != t]
    out = np.zeros((len(ks) * ds.size, n))
    for j, k in enumerate(ks):
        out[j * ds.size:(j + 1) * ds.size, t] = 1 - ds
        out[j * ds.size:(j + 1) * ds.size, k] = ds
    return out


def random_size(n: int, wanted: int, numbers: int = 400_000) -> int:
    """How many random points of dimension n to draw: ``wanted``, at most about ``numbers``
    floats in all (K = 10,000: 50 points), never below 50."""
    return max(50, min(wanted, numbers // n))


def risks(spec: LossSpec, w: np.ndarray, U: np.ndarray) -> np.ndarray:
    """sum_k w_k L(u, k) per row of U in floating point (NaN -> inf; w_k = 0 drops its term)."""
    with np.errstate(all="ignore"):
        L = spec.numeric_losses(U)
        r = np.where(w[None, :] == 0, 0.0, L * w[None, :]).sum(axis=1)
    return np.where(np.isnan(r), np.inf, r)


def local_moves(spec: LossSpec, w: np.ndarray, u0: np.ndarray, iters: int = 300,
                seed: int = 0) -> np.ndarray:
    """A few hundred random local moves that keep the lowest risk (no gradients needed)."""
    rng = np.random.default_rng(seed)
    best, rb = u0.copy(), risks(spec, w, u0[None, :])[0]
    step = 0.1
    for _ in range(iters):
        c = best + rng.normal(scale=step, size=(16, best.size))
        c = np.clip(c, 0, None)
        c = c / np.maximum(c.sum(axis=1, keepdims=True), 1e-300)
        r = risks(spec, w, c)
        i = int(np.argmin(r))
        if r[i] < rb:
            best, rb = c[i], r[i]
        else:
            step *= 0.93
        if step < 1e-9:
            break
    return best


def local_iters(n: int) -> int:
    """Local moves cost 16 x K numbers each: 300 at K <= 50, 80 up to K = 500, then about
    6e5 numbers per start (K = 1,000: 40; K = 10,000: 12)."""
    return 300 if n <= 50 else max(12, min(80, 40_000 // n))
