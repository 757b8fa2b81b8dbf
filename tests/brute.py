"""A brute-force reference for the checker, written independently of the provers.

Nothing here imports :mod:`alfs_theory.checks.properties`, :mod:`alfs_theory.checks.provers` or
:mod:`alfs_theory.checks.falsify`: the loss is evaluated only through ``LossSpec.numeric_losses``
(numpy) and ``LossSpec.mp_losses`` (mpmath). Dense simplex grids at K = 2, 3, 4, edge probes
down to 1e-14, random points, a Nelder-Mead refinement, and a 50-digit re-check of every
candidate; normalised losses are read as liminf (the boundary of the simplex is probed
along sequences, never evaluated at 0/0).

Also a generator of random losses from the whole grammar (:func:`random_loss`): piecewise-
linear losses with 1-4 breakpoints (monotone and not, continuous and with jumps), min/max of
affine and smooth pieces, polynomials with inflections, exp/log/power mixtures, bumps, and
sums with NCE.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import mpmath
import numpy as np

GRID = {2: 4000, 3: 60, 4: 20}


def simplex_grid(n: int, rng: np.random.Generator) -> np.ndarray:
    g = GRID[n]
    if n == 2:
        s = np.concatenate([np.linspace(0, 1, g + 1), np.logspace(-14, -2, 25),
                            1 - np.logspace(-14, -2, 25)])
        return np.stack([s, 1 - s], axis=1)
    pts = [np.array(c, dtype=float) / g for c in _comp(g, n)]
    ds = np.logspace(-14, -1, 14)
    for i, j in itertools.permutations(range(n), 2):  # edges leaving each vertex
        e = np.zeros((ds.size, n))
        e[:, i], e[:, j] = 1 - ds, ds
        pts.extend(e)
    for i in range(n):  # from a vertex towards the centre of the opposite face
        e = np.zeros((ds.size, n))
        e[:, i] = 1 - ds
        e[:, [k for k in range(n) if k != i]] = (ds / (n - 1))[:, None]
        pts.extend(e)
    pts.extend(rng.dirichlet(np.ones(n), size=2000))
    pts.extend(rng.dirichlet(np.full(n, 0.1), size=1000))
    return np.array(pts)


def _comp(total, parts):
    if parts == 1:
        yield (total,)
        return
    for i in range(total + 1):
        for rest in _comp(total - i, parts - 1):
            yield (i, *rest)


def risks(spec, w, U) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    with np.errstate(all="ignore"):
        L = spec.numeric_losses(U)
        r = np.where(w[None, :] == 0, 0.0, L * w[None, :]).sum(axis=1)
    return np.where(np.isnan(r), np.inf, r)


def refine(spec, w, u0, iters=400):
    """Nelder-Mead on the simplex through a softmax-free projection (clip and renormalise)."""
    from scipy.optimize import minimize

    def f(z):
        u = np.clip(np.r_[z, 1 - z.sum()], 0, None)
        if u.sum() <= 0:
            return np.inf
        u = u / u.sum()
        return float(risks(spec, w, u[None, :])[0])

    res = minimize(f, u0[:-1], method="Nelder-Mead",
                   options={"maxiter": iters, "xatol": 1e-12, "fatol": 1e-15})
    u = np.clip(np.r_[res.x, 1 - res.x.sum()], 0, None)
    return u / u.sum() if u.sum() > 0 else u0


def mp_risk(spec, w, u) -> mpmath.mpf:
    with mpmath.workdps(50):
        xs = [mpmath.mpf(float(x)) for x in u]
        s = mpmath.fsum(xs)
        xs = [x / s for x in xs]
        ls = spec.mp_losses(xs, dps=50)
        tot = mpmath.mpf(0)
        for wk, lk in zip(w, ls):
            if wk == 0:
                continue
            lk = lk.real if isinstance(lk, mpmath.mpc) else lk
            tot += mpmath.mpf(float(wk)) * lk
        return tot


@dataclass
class Argmin:
    risk_t: float  # risk at e_t (liminf along the edge when undefined there)
    best_other: float  # least risk found at points with ||u - e_t||_1 > 1e-6
    u_other: np.ndarray


def brute_asymmetry(spec, w, seed=0) -> Argmin:
    """The least risk away from e_t against the risk at e_t."""
    w = np.asarray(w, dtype=float)
    n, t = w.size, int(np.argmax(w))
    rng = np.random.default_rng(seed)
    U = simplex_grid(n, rng)
    r = risks(spec, w, U)
    et = np.eye(n)[t]
    r_t = float(risks(spec, w, et[None, :])[0])
    if not np.isfinite(r_t):  # liminf along the edges towards e_t
        near = np.abs(U - et).sum(axis=1) < 1e-9
        r_t = float(r[near].min()) if near.any() else np.inf
    far = np.abs(U - et).sum(axis=1) > 1e-6
    rf = np.where(far, r, np.inf)
    i = int(np.argmin(rf))
    best, ub = float(rf[i]), U[i]
    for j in np.argsort(rf)[:3]:
        u = refine(spec, w, U[j])
        if np.abs(u - et).sum() > 1e-6:
            v = float(risks(spec, w, u[None, :])[0])
            if v < best:
                best, ub = v, u
    return Argmin(r_t, best, ub)


def brute_calibration_gap(spec, p, seed=0) -> tuple[float, float]:
    """(least risk over the closure of the wrong-argmax region, least risk overall)."""
    p = np.asarray(p, dtype=float)
    n, t = p.size, int(np.argmax(p))
    rng = np.random.default_rng(seed)
    U = np.concatenate([simplex_grid(n, rng), p[None, :]])
    r = risks(spec, p, U)
    wrong = np.delete(U, t, axis=1).max(axis=1) >= U[:, t]
    rw = float(np.where(wrong, r, np.inf).min())
    best = float(r.min())
    for j in np.argsort(r)[:3]:
        u = refine(spec, p, U[j])
        best = min(best, float(risks(spec, p, u[None, :])[0]))
    return rw, best


def brute_ratio(ell_np, n=400000, seed=0) -> float:
    """Least sampled secant ratio of Definition 3 (an upper bound on r(l))."""
    rng = np.random.default_rng(seed)
    ui = rng.random(n) ** rng.choice([1.0, 4.0, 0.25], size=n)
    ui = np.where(rng.random(n) < 0.2, np.clip(1 - rng.random(n) * 1e-3, 0, 1), ui)
    uj = rng.random(n) * (1 - ui)
    uj = np.where(rng.random(n) < 0.2, 1 - ui, uj)
    d = uj * rng.random(n) ** 3
    d = np.maximum(d, 1e-7)
    uj = np.maximum(uj, d)
    ok = ui + uj <= 1 + 1e-15
    ui, uj, d = ui[ok], uj[ok], d[ok]
    with np.errstate(all="ignore"):
        num = ell_np(ui) - ell_np(np.minimum(ui + d, 1))
        den = ell_np(uj - d) - ell_np(uj)
        rat = np.where(den > 1e-300, num / den, np.inf)
    rat = rat[np.isfinite(rat)]
    return float(rat.min()) if rat.size else np.inf


def brute_decreasing(ell_np) -> bool:
    xs = np.linspace(0, 1, 100001)
    with np.errstate(all="ignore"):
        y = ell_np(xs)
    y = y[np.isfinite(y)]
    return bool(np.all(np.diff(y) <= 1e-12 * (1 + np.abs(y[:-1]))))


# ------------------------------------------------------------------- random losses
def _q(rng, lo=0.0, hi=1.0, den=20):
    """A random decimal in [lo, hi] on a grid of 1/den (short, exact in the grammar)."""
    k = rng.integers(int(round(lo * den)), int(round(hi * den)) + 1)
    return f"{k / den:g}"


def _pwl(rng, monotone: bool, continuous: bool) -> str:
    m = int(rng.integers(1, 5))
    xs = sorted(set(float(x) for x in rng.integers(1, 20, size=m) / 20))
    pts = [0.0, *xs, 1.0]
    if monotone:
        ys = np.sort(rng.integers(0, 21, size=len(pts)) / 10)[::-1]
    else:
        ys = rng.integers(0, 21, size=len(pts)) / 10
    args = []
    for i in range(len(pts) - 1):
        x0, x1, y0, y1 = pts[i], pts[i + 1], ys[i], ys[i + 1]
        if not continuous and i > 0 and rng.random() < 0.5:
            y0 = y0 + (0.2 if not monotone else 0.0) - (0.1 if monotone else 0.0)
            y0 = max(y0, y1) if monotone else y0
        slope = (y1 - y0) / (x1 - x0)
        piece = f"({y0:g} + ({slope:.6g})*(u - {x0:g}))"
        if i < len(pts) - 2:
            args += [piece, f"u < {x1:g}"]
        else:
            args.append(piece)
    return "piecewise(" + ", ".join(args) + ")"


def _smooth(rng) -> str:
    kind = rng.integers(0, 7)
    a, b, c = _q(rng, 0.1, 3), _q(rng, 0.1, 2), _q(rng, 0.05, 1)
    return [
        f"exp(-u/{a})",
        f"(1 - u)**{a}",
        f"-log(u + {c})",
        f"1 - u + {c}*(u - 0.5)**3",
        f"(({a}+1)**{b} - ({a}+u)**{b})/{b}",
        f"1 - u + {c}*exp(-((u - {_q(rng, 0.1, 0.9)})/0.05)**2)",
        f"(1 - u)**2 + {c}*(1 - u)",
    ][kind]


def random_loss(seed: int) -> tuple[str, str]:
    """(family, expression) for a random loss from the grammar; deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    fam = int(rng.integers(0, 7))
    if fam == 0:
        return "pwl-monotone", _pwl(rng, True, True)
    if fam == 1:
        return "pwl-any", _pwl(rng, False, bool(rng.random() < 0.6))
    if fam == 2:
        f = "max" if rng.random() < 0.5 else "min"
        k = int(rng.integers(2, 4))
        parts = [f"{_q(rng, 0.5, 3, 10)} - {_q(rng, 0.2, 3, 10)}*u" if rng.random() < 0.6
                 else _smooth(rng) for _ in range(k)]
        return f"{f}-mix", f"{f}(" + ", ".join(parts) + ")"
    if fam == 3:
        c = _q(rng, -2, 2, 10)
        return "poly-inflection", f"1 - u + ({c})*u*(1 - u)*(u - {_q(rng, 0.1, 0.9)})"
    if fam == 4:
        return "mixture", f"{_smooth(rng)} + {_q(rng, 0, 1, 10)}*({_smooth(rng)})"
    if fam == 5:
        return "bump", (f"1 - u + {_q(rng, 0.05, 0.5)}*exp(-((u - {_q(rng, 0.1, 0.9)})/"
                        f"{_q(rng, 0.02, 0.2, 50)})**2)")
    return "nce-sum", f"-log(u)/sum(-log(v)) + {_q(rng, 0.1, 2, 10)}*({_smooth(rng)})"


def random_special_loss(seed: int) -> tuple[str, str]:
    """(family, expression) using the grammar's elementary functions; deterministic in seed."""
    rng = np.random.default_rng(10_000 + seed)
    a, b, c = _q(rng, 0.5, 4), _q(rng, 0.1, 0.9), _q(rng, 0.02, 0.3)
    forms = [
        ("sin-wiggle", f"1 - u - {c}*sin({int(rng.integers(1, 4))}*pi*u)"),
        ("tanh", f"tanh({a}*(1 - u))"),
        ("erfc", f"erfc({a}*u) + {c}*(1 - u)"),
        ("sigmoid", f"sigmoid({a}*({b} - u))"),
        ("softplus", f"softplus(-{a}*u) - softplus(-{a})"),
        ("log1p-expm1", f"log1p({c}*(1 - u)) + expm1({c}*(1 - u))"),
        ("sign-kink", f"1 - u + {c}*sign(u - {b})*(u - {b})"),
        ("cos-bump", f"1 - u + {c}*cos(pi*u)**2"),
        ("atan-asinh", f"atan({a}*(1 - u)) + asinh({c}*(1 - u))"),
    ]
    return forms[int(rng.integers(0, len(forms)))]


def random_wiggle_loss(seed: int) -> tuple[str, str]:
    """(family, expression) for a smooth loss that is neither convex nor concave: a sine
    bump on 1 - u (with and without a phase), on exp(-a u), or a cubic with an inflection;
    deterministic in seed. About a third have a superadditive g = l(0) - l."""
    rng = np.random.default_rng(20_000 + seed)
    a, c, f, ph = _q(rng, 0.2, 2), _q(rng, 0.01, 0.15, 100), _q(rng, 2, 10), _q(rng, 0.1, 3)
    d = _q(rng, 0.05, 1)
    e = f"{float(_q(rng, 0.1, 1)) * float(d):.4g}"
    forms = [
        ("sin-bump", f"1 - u + {c}*sin({f}*u)"),
        ("sin-phase", f"1 - u + {c}*sin({f}*u + {ph})"),
        ("exp-sin", f"exp(-{a}*u) + {c}*sin({f}*u)"),
        ("cubic", f"1 - u - {d}*u**2 + {e}*u**3"),
    ]
    return forms[int(rng.integers(0, len(forms)))]
