"""Points of the probability simplex that the numeric searches share (the falsifier and the
search rule of "asymmetric on w"), built without K x K arrays so that K = 10,000 stays small.

Nothing here proves anything: these are the places a search looks.
"""

from __future__ import annotations

import functools

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


@functools.lru_cache(maxsize=4)
def dirichlet_block(n: int, size: int, seed: int, concentrations: tuple) -> np.ndarray:
    """``size`` Dirichlet points of dimension n per concentration, stacked, as a fresh
    ``default_rng(seed)`` draws them first. Cached and read-only: the claims and probes of one
    check ask for the same block again and again (at K = 1,000 its 1.6e6 numbers take 58 ms
    to draw)."""
    rng = np.random.default_rng(seed)
    out = np.concatenate([rng.dirichlet(np.full(n, c), size=size) for c in concentrations])
    out.setflags(write=False)
    return out


def risks(spec: LossSpec, w: np.ndarray, U: np.ndarray) -> np.ndarray:
    """sum_k w_k L(u, k) per row of U in floating point (NaN -> inf; w_k = 0 drops its term)."""
    with np.errstate(all="ignore"):
        L = spec.numeric_losses(U)
        r = np.where(w[None, :] == 0, 0.0, L * w[None, :]).sum(axis=1)
    return np.where(np.isnan(r), np.inf, r)


def local_moves(spec: LossSpec, w: np.ndarray, u0: np.ndarray, iters: int = 300,
                seed: int = 0) -> np.ndarray:
    """A few hundred random local moves that keep the lowest risk (no gradients needed)."""
    return local_moves_many(spec, w, np.asarray(u0)[None, :], iters, seed)[0]


def local_moves_many(spec: LossSpec, w: np.ndarray, U0: np.ndarray, iters: int = 300,
                     seed: int = 0) -> np.ndarray:
    """:func:`local_moves` from each row of ``U0``, run side by side: one risk evaluation per
    round for every start still moving (a start's candidates, its own generator seeded
    ``seed`` and its steps are what it would have alone, so the points are the same, bit for
    bit, as the starts run one after another; only the number of numpy calls shrinks)."""
    U0 = np.asarray(U0, dtype=float)
    m, n = U0.shape
    rngs = [np.random.default_rng(seed) for _ in range(m)]
    best = U0.copy()
    rb = risks(spec, w, U0)
    step = np.full(m, 0.1)
    live = list(range(m))
    for _ in range(iters):
        if not live:
            break
        c = np.concatenate([best[j] + rngs[j].normal(scale=step[j], size=(16, n)) for j in live])
        c = np.clip(c, 0, None)
        c = c / np.maximum(c.sum(axis=1, keepdims=True), 1e-300)
        r = risks(spec, w, c)
        still = []
        for b, j in enumerate(live):
            rj = r[16 * b:16 * (b + 1)]
            i = int(np.argmin(rj))
            if rj[i] < rb[j]:
                best[j], rb[j] = c[16 * b + i], rj[i]
            else:
                step[j] *= 0.93
            if step[j] >= 1e-9:
                still.append(j)
        live = still
    return best


def local_iters(n: int) -> int:
    """Local moves cost 16 x K numbers each: 300 at K <= 50, 80 up to K = 500, then about
    6e5 numbers per start (K = 1,000: 40; K = 10,000: 12)."""
    return 300 if n <= 50 else max(12, min(80, 40_000 // n))
