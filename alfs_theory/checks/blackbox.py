"""Numeric checks of a torch loss that has no formula: ``alfs check --torch MODULE:NAME``.

A loss given only as code ``fn(logits, labels)`` is evaluated on the simplex through logits
z = log u (softmax(log u) = u; a vertex u = e_t is z_t = 0 and z_k = −1e4 elsewhere, where
float64 softmax is exactly e_t). Without a formula nothing can be proved: every verdict here is
REFUTED, with a counterexample that was evaluated twice (the second time as a fresh batch, so
a batch-dependent loss is caught too) and whose margin exceeds the tolerance, or UNDECIDED, with
the numeric estimate and how much was searched. Never PROVED.

Checks: ``decreasing`` (in u_y along the paths u = (u_y, rest spread evenly), and on random
pairs), ``symmetric`` (Σ_k L(u, k) constant on the simplex), ``asymmetric`` / ``noise`` (one
result per distinct row, ``args["row"]``) / ``asymmetric-on`` (is the clean vertex e_t the
minimiser of the noisy risk Σ_k w_k L(u, k)?), and
``threshold`` (an estimate of the largest η where e_t stays the minimiser).

``fn`` may be a plain callable (run here) or an :class:`alfs_theory.nn.sandbox.UserLoss`, the
user's code in a child process bounded in CPU time and memory (what ``alfs check --torch``
passes). A NaN loss value is the loss's error (:class:`~alfs_theory.errors.UserCodeError`,
naming the row and label); +inf is allowed (a loss may be infinite at u_y = 0). ``timeout``
bounds each check's wall time: past it the check answers UNDECIDED, "timed out".
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import InputError, UserCodeError
from .verdict import CheckResult, Counterexample, Verdict, args_text, simplex_text

__all__ = ["blackbox_check"]

_VERTEX_GAP = 1e4
_REL_TOL = 1e-7  # differences below this (relative to the values' size) are rounding


class _Loss:
    """L(u, k) of a torch callable, for float64 probability vectors (rows of ``u``)."""

    def __init__(self, fn: Callable, K: int, name: str = "the torch loss") -> None:
        from ..nn.sandbox import as_evaluator

        self.ev, self.K, self.name = as_evaluator(fn), K, name
        self.calls = 0

    def __call__(self, u: np.ndarray, labels: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(np.asarray(u, dtype=np.float64))
        with np.errstate(divide="ignore"):
            z = np.where(u > 0, np.log(np.maximum(u, 1e-300)), -_VERTEX_GAP)
        z = np.maximum(z, np.max(z, axis=1, keepdims=True) - _VERTEX_GAP)
        self.calls += len(u)
        labels = np.asarray(labels)
        vals = self.ev.values(z, labels)
        bad = np.flatnonzero(np.isnan(vals))
        if bad.size:
            i = int(bad[0])
            more = f" and at {bad.size - 1} other row(s) of that batch" if bad.size > 1 else ""
            raise UserCodeError(f"{self.name} returned NaN at row {i} for label "
                                f"{int(labels[i])} (u = {simplex_text(u[i])}, given as logits "
                                f"log(u)){more}: a loss must be a number on the simplex (+inf "
                                "is allowed)")
        return vals

    def risk(self, w: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Σ_k w_k L(u, k) for each row of u."""
        u = np.atleast_2d(u)
        n, K = u.shape
        labels = np.tile(np.arange(K), n)
        vals = self(np.repeat(u, K, axis=0), labels).reshape(n, K)
        return vals @ np.asarray(w, dtype=np.float64)


def _tol(*vals) -> float:
    return _REL_TOL * max([1.0, *[abs(float(v)) for v in vals if np.isfinite(v)]])


def _vertex(K: int, t: int) -> np.ndarray:
    e = np.zeros(K)
    e[t] = 1.0
    return e


def _random_simplex(rng, n: int, K: int) -> np.ndarray:
    parts = [rng.dirichlet(np.ones(K), n), rng.dirichlet(np.full(K, 0.2), n)]
    near = rng.dirichlet(np.ones(K), n) * 0.05
    near[np.arange(n), rng.integers(0, K, n)] += 0.95
    return np.vstack(parts + [near / near.sum(1, keepdims=True)])


def _check_decreasing(L: _Loss, K: int, rng, t0: float) -> CheckResult:
    grid = np.linspace(0.0, 1.0, 201)
    rest = (1 - grid) / (K - 1)
    u = np.repeat(rest[:, None], K, axis=1)
    u[:, 0] = grid
    v = L(u, np.zeros(len(grid), dtype=int))
    worst = (0.0, None)
    for i in range(len(grid) - 1):
        rise = v[i + 1] - v[i]
        if np.isfinite(rise) and rise > worst[0]:
            worst = (rise, i)
    rise, i = worst
    if i is not None and rise > _tol(v[i], v[i + 1]):
        again = L(u[[i, i + 1]], np.zeros(2, dtype=int))  # re-evaluated as a fresh batch
        if again[1] - again[0] > _tol(*again):
            cx = Counterexample({"u_y": [float(grid[i]), float(grid[i + 1])]},
                                f"L rises from {again[0]:.10g} at u_y = {grid[i]:.4g} to "
                                f"{again[1]:.10g} at u_y = {grid[i + 1]:.4g} (other classes "
                                "equal), re-evaluated", {"rise": float(again[1] - again[0])},
                                digits=15)
            return CheckResult("decreasing", Verdict.REFUTED, "increases in u_y (numeric, "
                               "re-verified)", counterexample=cx,
                               seconds=time.perf_counter() - t0)
    return CheckResult("decreasing", Verdict.UNDECIDED, "no increase found on 201 points of "
                       "u_y (a torch loss without a formula cannot be proved decreasing)",
                       estimate={"points": len(grid), "largest rise": float(max(rise, 0.0))},
                       seconds=time.perf_counter() - t0)


def _check_symmetric(L: _Loss, K: int, rng, t0: float) -> CheckResult:
    u = _random_simplex(rng, 40, K)
    sums = np.array([L(np.repeat(row[None], K, 0), np.arange(K)).sum() for row in u])
    fin = np.isfinite(sums)
    if fin.sum() >= 2:
        a, b = int(np.argmin(np.where(fin, sums, np.inf))), int(np.argmax(np.where(fin, sums,
                                                                                   -np.inf)))
        if sums[b] - sums[a] > _tol(sums[a], sums[b]):
            sa = L(np.repeat(u[a][None], K, 0), np.arange(K)).sum()
            sb = L(np.repeat(u[b][None], K, 0), np.arange(K)).sum()
            if abs(sb - sa) > _tol(sa, sb):
                cx = Counterexample({"u_a": simplex_text(u[a]), "u_b": simplex_text(u[b])},
                                    f"sum_k L(u,k) = {sa:.10g} at u_a but {sb:.10g} at u_b "
                                    f"(K = {K}), re-evaluated", digits=15)
                return CheckResult("symmetric", Verdict.REFUTED, f"not symmetric at K = {K} "
                                   "(numeric, re-verified)", counterexample=cx,
                                   seconds=time.perf_counter() - t0)
    spread = float(np.nanmax(sums) - np.nanmin(sums)) if fin.any() else float("nan")
    return CheckResult("symmetric", Verdict.UNDECIDED, f"sum_k L(u, k) constant to {spread:.3g} "
                       f"on {len(u)} points (numeric only: not a proof)",
                       estimate={"points": len(u), "spread": spread},
                       seconds=time.perf_counter() - t0)


def _beats_vertex(L: _Loss, w: np.ndarray, t: int, rng, samples: int):
    """(best point, its risk, the vertex's risk, points tried): a search for u with
    R(u) < R(e_t), from random points, the edges to each vertex and a local refinement."""
    K = len(w)
    e_t = _vertex(K, t)
    r_t = float(L.risk(w, e_t)[0])
    cands = [_random_simplex(rng, max(1, samples // 3), K)]
    for j in range(K):  # edges e_t -> e_j and e_t -> uniform, where minimisers usually move
        s = np.linspace(0.0, 1.0, 41)[1:, None]
        cands.append((1 - s) * e_t + s * _vertex(K, j))
    s = np.linspace(0.0, 1.0, 41)[1:, None]
    cands.append((1 - s) * e_t + s * np.full(K, 1.0 / K))
    U = np.vstack(cands)
    R = L.risk(w, U)
    R = np.where(np.isfinite(R), R, np.inf)
    i = int(np.argmin(R))
    best, rb = U[i], float(R[i])
    step = 0.05
    for _ in range(60):  # pattern search around the best point, on the simplex
        moved = False
        for j in range(K):
            for k in range(K):
                if j == k or best[k] <= 0:
                    continue
                d = min(step, best[k])
                cand = best.copy()
                cand[j] += d
                cand[k] -= d
                rc = float(L.risk(w, cand)[0])
                if np.isfinite(rc) and rc < rb:
                    best, rb, moved = cand, rc, True
        if not moved:
            step /= 2
            if step < 1e-6:
                break
    return best, rb, r_t, len(U)


def _check_weights(L: _Loss, w: np.ndarray, name: str, rng, samples: int,
                   t0: float) -> CheckResult:
    t = int(np.argmax(w))
    if np.sum(w == w[t]) > 1:
        raise InputError("the weights need a unique largest entry (the clean class)")
    best, rb, r_t, n = _beats_vertex(L, w, t, rng, samples)
    if rb < r_t - _tol(rb, r_t):
        again_b, again_t = float(L.risk(w, best)[0]), float(L.risk(w, _vertex(len(w), t))[0])
        if again_b < again_t - _tol(again_b, again_t):
            cx = Counterexample({"u": simplex_text(best)},
                                f"risk {again_b:.10g} at u = {simplex_text(best)} below "
                                f"{again_t:.10g} at e_{t} (re-evaluated)", digits=15)
            return CheckResult(name, Verdict.REFUTED, f"e_{t} is not the minimiser: a point "
                               "beats it (numeric, re-verified)", counterexample=cx,
                               seconds=time.perf_counter() - t0)
    return CheckResult(name, Verdict.UNDECIDED, f"no point beat e_{t} among {n} candidates and a "
                       "local search (numeric only: a torch loss without a formula is never "
                       "PROVED)", estimate={"risk at e_t": r_t, "best other": rb,
                                            "candidates": n},
                       seconds=time.perf_counter() - t0)


def _check_threshold(L: _Loss, K: int, rng, samples: int, t0: float) -> CheckResult:
    def ok(eta: float) -> bool:
        w = np.full(K, eta / (K - 1))
        w[0] = 1 - eta
        best, rb, r_t, _ = _beats_vertex(L, w, 0, rng, samples // 2)
        return not rb < r_t - _tol(rb, r_t)

    cap = (K - 1) / K
    lo, hi = 0.0, cap
    if not ok(1e-3):
        lo, hi = 0.0, 1e-3
    else:
        lo = 1e-3
        for _ in range(12):
            mid = (lo + hi) / 2
            if ok(mid):
                lo = mid
            else:
                hi = mid
    return CheckResult("threshold", Verdict.UNDECIDED,
                       f"numeric estimate: e_y stays the minimiser up to eta ~ {lo:.4g} "
                       f"(first failure found at {hi:.4g}); not a proof",
                       estimate={"lo": lo, "hi": hi}, seconds=time.perf_counter() - t0)


def blackbox_check(fn: Callable, *, n_classes: int = 10, noise: str | None = None,
                   weights: Sequence[float] | None = None, name: str = "torch loss",
                   seed: int = 0, samples: int = 600, threshold: bool = True,
                   timeout: float | None = None,
                   progress: Callable[[str], None] | None = None):
    """Numeric verdicts for a torch loss without a formula (REFUTED re-verified, or
    UNDECIDED with an estimate; never PROVED). Returns a
    :class:`~alfs_theory.checks.checker.CheckReport`.

    ``fn``: a callable ``(logits, labels) -> (N,) losses`` or a
    :class:`~alfs_theory.nn.sandbox.UserLoss`. ``timeout``: wall seconds per check (None: no
    bound); past it the check answers UNDECIDED, "timed out". ``progress``: called with one
    line as each check starts and ends (elapsed seconds). Raises
    :class:`~alfs_theory.errors.UserCodeError` when the loss fails or returns NaN."""
    from ..timing import time_limit
    from .checker import CheckReport, checked_weights, parse_noise

    K = int(n_classes)
    if K < 2:
        raise InputError(f"--classes must be >= 2, got {n_classes}")
    T = parse_noise(noise, K)[0] if noise else None  # bad input fails before any work
    ws = checked_weights(weights, K)[0] if weights is not None else None
    rng = np.random.default_rng(seed)
    loss_name = f"the torch loss {name}" if name != "torch loss" else "the torch loss"
    L = _Loss(fn, K, loss_name)
    L(np.full((2, K), 1.0 / K), np.array([0, K - 1]))  # a bad callable fails here, clearly
    t_all = time.perf_counter()
    rep = CheckReport(name, {}, "black box", "no formula: evaluated numerically through "
                      "logits log(u)", K, noise=noise)
    eta = round(0.95 * (K - 1) / K, 6)
    w = np.full(K, eta / (K - 1))
    w[0] = 1 - eta
    # (name, args, run): the stable names of check_loss, the values asked at in args
    tasks = [("decreasing", {"K": K}, lambda t0: _check_decreasing(L, K, rng, t0)),
             ("symmetric", {"K": K}, lambda t0: _check_symmetric(L, K, rng, t0))]
    tasks.append(("asymmetric", {"K": K, "eta": eta, "weights": w.tolist()},
                  lambda t0: _check_weights(L, w, "asymmetric", rng, samples, t0)))
    if threshold:
        tasks.append(("threshold", {"K": K}, lambda t0: _check_threshold(L, K, rng, samples, t0)))
    if T is not None:
        rows = [r for r in range(K) if not any(np.array_equal(T[r], T[q]) for q in range(r))]
        for r in rows[:3]:
            tasks.append(("noise", {"K": K, "noise": noise, "row": r},
                          lambda t0, r=r: _check_weights(L, np.asarray(T[r], dtype=float),
                                                         "noise", rng, samples, t0)))
    if ws is not None:
        wf = np.array([float(x) for x in ws])
        tasks.append(("asymmetric-on", {"K": K, "weights": wf.tolist()},
                      lambda t0: _check_weights(L, wf, "asymmetric-on", rng, samples, t0)))
    for i, (check, args, run) in enumerate(tasks, 1):
        label = f"{check} {args_text(args)}"
        if progress:
            progress(f"[{i}/{len(tasks)}] {label} ... ({time.perf_counter() - t_all:.1f} s "
                     "so far)")
        t0 = time.perf_counter()
        res = None
        if timeout is None:
            res = run(t0)
        else:
            with time_limit(timeout) as lim:
                res = run(t0)
            if lim.expired or res is None:
                res = CheckResult(check, Verdict.UNDECIDED, f"timed out: the check did not "
                                  f"finish within {timeout:g} s (raise the budget with "
                                  "--timeout)", estimate="timed out", seconds=timeout)
        rep.results.append(dataclasses.replace(res, args=args))
        if progress:
            progress(f"[{i}/{len(tasks)}] {label}: {res.verdict.value} in "
                     f"{time.perf_counter() - t0:.1f} s")
    from .engine import gate

    # no formula: the gate turns any PROVED into an internal error and passes the REFUTED,
    # whose witnesses were evaluated twice here (the second time as a fresh batch)
    rep.results = [gate(r, None, K) for r in rep.results]
    rep.seconds = time.perf_counter() - t_all
    return rep
