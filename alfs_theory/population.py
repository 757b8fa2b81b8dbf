"""Population-level noise tolerance: the exact form of the theory, with no network.

For a clean class t (class posterior e_t) and a noise model T, the noisy conditional risk is
Σ_k T[t, k] L(u, k). Noise tolerance at the population level means its minimiser over the
simplex is still e_t. Here the minimiser is found by *numeric* minimisation (SLSQP from many
starts, plus vertices), independently of the checker's exact rules, and the flip rate — the
smallest η at which e_t stops being the minimiser — is located by bisection and compared with
the threshold the checker predicts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .spec import LossSpec

__all__ = [
    "FlipResult",
    "e_t_is_minimiser",
    "measured_flip_rate",
    "noise_row",
    "numeric_minimiser",
]


def noise_row(kind: str, K: int, eta: float, t: int = 0) -> np.ndarray:
    """Row t of the transition matrix: the noisy label distribution of clean class t."""
    w = np.zeros(K)
    if kind == "symmetric":
        w[:] = eta / (K - 1)
        w[t] = 1 - eta
    elif kind == "pairflip":
        w[t] = 1 - eta
        w[(t + 1) % K] += eta
    else:
        raise ValueError(f"unknown noise kind {kind!r}; use 'symmetric' or 'pairflip'")
    return w


def numeric_minimiser(spec: LossSpec, w: np.ndarray, *, seed: int = 0, n_starts: int = 4,
                      stop_below: float | None = None):
    """(u*, risk) minimising Σ_k w_k L(u, k) over the simplex, numerically.

    Every candidate point (vertices, starts, lines from the vertices) is evaluated in one
    batched call of ``spec.risk``; SLSQP gets the forward-difference gradient as one batched
    call too (scipy's "2-point" rule: step sqrt(eps) max(1, |u_i|), turned back at the upper
    bound), instead of K + 1 scalar calls per gradient. ``stop_below``: return as soon as a
    point with a risk below it is found (a question that one such point answers)."""
    K = len(w)
    rng = np.random.default_rng(seed)
    lo = 1e-12

    def batch(U: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            v = np.asarray(spec.risk(w, np.clip(U, 0, 1)), dtype=float)
        return np.where(np.isfinite(v), v, 1e300)

    def f(u):
        return float(batch(u[None, :])[0])

    step = np.sqrt(np.finfo(float).eps)

    def jac(u):
        h = step * np.maximum(1.0, np.abs(u))
        h = np.where(u + h > 1, -h, h)
        pts = np.vstack([u[None, :], u[None, :] + np.diag(h)])
        v = batch(pts)
        return (v[1:] - v[0]) / h

    eye = np.eye(K)
    # SLSQP from near one vertex per distinct weight: classes of equal weight are exchangeable
    # (every loss here is permutation-equivariant), so their vertices give the same run up to
    # a permutation (symmetric noise at K = 10: 2 vertex starts, not 10)
    firsts = list(dict.fromkeys(float(x) for x in w).keys())
    reps = [int(np.flatnonzero(w == x)[0]) for x in firsts]
    starts = [eye[i] * (1 - 1e-6) + 1e-6 / K for i in reps]
    starts += [np.full(K, 1 / K), w / w.sum()]
    starts += list(rng.dirichlet(np.ones(K), size=n_starts))
    # lines from every vertex towards the weights and towards the uniform point, on a log
    # scale of the moved mass: minimisers can sit 1e-11 away from a vertex (GCE, q = 0.7)
    d = np.logspace(-16, 0, 97)[:, None]
    lines = [(1 - d) * eye[i] + d * target
             for i in range(K) for target in (w / w.sum(), np.full(K, 1 / K))]
    cands = np.vstack([eye, np.array(starts)] + lines)  # evaluated as they are
    vals = batch(cands)
    i = int(np.argmin(vals))  # the first of equal values, as a scan in this order keeps
    best_u, best = cands[i], float(vals[i])
    cons = ({"type": "eq", "fun": lambda u: u.sum() - 1, "jac": lambda u: np.ones(K)},)
    for u0 in starts:
        if stop_below is not None and best < stop_below:
            break
        res = minimize(f, u0, jac=jac, method="SLSQP", bounds=[(lo, 1)] * K, constraints=cons,
                       options={"maxiter": 300, "ftol": 1e-15})
        u = np.clip(res.x, 0, 1)
        u = u / u.sum()
        v = f(u)
        if v < best:
            best_u, best = u, v
    return best_u, best


def e_t_is_minimiser(spec: LossSpec, w: np.ndarray, t: int = 0, *, rtol: float = 1e-13) -> bool:
    """True when no point found numerically beats the risk at e_t (nor ties it away from
    e_t: a different point within rtol counts as a failure of uniqueness)."""
    K = len(w)
    with np.errstate(all="ignore"):
        r_t = float(spec.risk(w, np.eye(K)[t]))
    if not np.isfinite(r_t):
        return False
    u, best = numeric_minimiser(spec, w, stop_below=r_t - rtol * max(1.0, abs(r_t)))
    if best < r_t - rtol * max(1.0, abs(r_t)):
        return False
    if np.argmax(u) != t and best <= r_t + rtol * max(1.0, abs(r_t)):
        return False  # a tie at another vertex: e_t is not the unique minimiser
    return True


@dataclass(frozen=True)
class FlipResult:
    eta: float  # smallest eta at which e_t is no longer the minimiser (bisection midpoint)
    lo: float
    hi: float


def flip_within(spec: LossSpec, K: int, kind: str, eta: float, delta: float) -> FlipResult | None:
    """The flip bracketed around a predicted rate: e_t minimises the noisy risk at
    eta - delta (when that is > 0) and does not at eta + delta (when that is < 1). Returns the
    bracket (``eta`` its middle) when both hold, else None: two numeric decisions instead of
    the dozen of :func:`measured_flip_rate`'s bisection, at the tolerance a claim checks."""
    lo, hi = max(eta - delta, 0.0), min(eta + delta, 1.0)
    if lo > 0 and not e_t_is_minimiser(spec, noise_row(kind, K, lo)):
        return None
    if hi < 1 and e_t_is_minimiser(spec, noise_row(kind, K, hi)):
        return None
    return FlipResult((lo + hi) / 2, lo, hi)


def measured_flip_rate(spec: LossSpec, K: int, kind: str = "symmetric", *,
                       tol: float = 1e-4, eta_max: float = 1.0) -> FlipResult:
    """Bisection on η of the numeric decision "e_t minimises the noisy risk"."""
    lo, hi = 0.0, eta_max
    if not e_t_is_minimiser(spec, noise_row(kind, K, 1e-9)):
        return FlipResult(0.0, 0.0, 1e-9)
    if e_t_is_minimiser(spec, noise_row(kind, K, hi - 1e-12)):
        return FlipResult(hi, hi, hi)
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if e_t_is_minimiser(spec, noise_row(kind, K, mid)):
            lo = mid
        else:
            hi = mid
    return FlipResult((lo + hi) / 2, lo, hi)
