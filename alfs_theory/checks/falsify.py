"""The falsifier in front of every PROVED: an independent numeric search for a counterexample.

A prover can be wrong (a rule fired outside its assumptions, a bug). Before
:func:`~alfs_theory.checks.checker.check_loss` reports a PROVED, this module tries to break the
claim with code that shares nothing with the provers: it evaluates the loss only through
:meth:`LossSpec.numeric_losses` (numpy) and :meth:`LossSpec.mp_losses` (mpmath, 50 digits),
on grids, edges, vertices, random points and ties of the simplex, and reads the claim from
the result's ``check`` name and ``value``. A hit re-verified at 50 digits turns the verdict
into an *internal error*: UNDECIDED, naming the prover's claim and the falsifier's point, so
that a false PROVED is never printed (see :func:`falsify`).

A search that finds nothing proves nothing; the falsifier only ever takes PROVED away.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np

from ..spec import LossSpec
from .simplex import dirichlet_block, local_iters, local_moves_many, random_size
from .simplex import edges as _edges
from .simplex import local_moves as _refine
from .simplex import representatives as _representatives
from .simplex import risks as _risks
from .simplex import unit_rows as _unit_rows
from .verdict import simplex_text

__all__ = ["falsify", "mp_ell", "mp_risk", "simplex_candidates"]

_REL = 1e-9  # a numeric violation must exceed this relative margin before the 50-digit check


_TINY = mpmath.mpf("1e-30")  # 50-digit rounding noise is far below this


def _mp(x) -> mpmath.mpf:
    """The exact value of a float (or an mpf unchanged)."""
    return mpmath.mpf(float(x)) if not isinstance(x, mpmath.mpf) else x


def _above(b, a) -> bool:
    """b > a beyond 50-digit rounding noise, relative to their size (losses scaled by 1e-100
    differ by 1e-100, far above the noise of 50 digits, and are not ties)."""
    scale = max(abs(a), abs(b))
    return bool(b - a > _TINY * scale) if scale > 0 else bool(b > a)


def _exact_simplex(u) -> list:
    """u as mpf numbers summing exactly to 1 (the last coordinate absorbs the rounding).

    Equal coordinates are converted and divided once (a point of the large-K searches has a
    few distinct values among K): sums are taken as count x value, each product exact at 80
    digits, so every fsum is the same exact sum rounded once to 60 digits as entry by entry."""
    x = np.asarray([float(v) for v in u], dtype=float)
    x = np.where(x > 0, x, np.where(np.isnan(x), x, 0.0))  # max(x, 0), NaN kept as max() did
    vals, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    with mpmath.workdps(60):
        xv = [_mp(v) for v in vals]
        with mpmath.workdps(80):
            terms = [v * int(c) for v, c in zip(xv, cnt)]
        s = mpmath.fsum(terms)
        q = [v / s for v in xv]
        rest = cnt.copy()
        rest[inv[-1]] -= 1  # every coordinate but the last
        with mpmath.workdps(80):
            terms = [v * int(c) for v, c in zip(q, rest) if c]
        xs = [q[i] for i in inv]
        xs[-1] = 1 - mpmath.fsum(terms)
        if xs[-1] < 0:
            xs[-1] = mpmath.mpf(0)
        return xs


def mp_risk(spec: LossSpec, w, u) -> mpmath.mpf:
    """Σ_k w_k L(u, k) at 50 digits on u made exactly stochastic (NaN where not real).

    Terms with the same weight and the same loss value are added as count x term."""
    with mpmath.workdps(50):
        ls = spec.mp_losses(_exact_simplex(u), dps=50)
        groups: dict = {}
        for wk, lk in zip(w, ls):
            if wk == 0:
                continue
            if isinstance(lk, mpmath.mpc):
                if lk.imag != 0:
                    return mpmath.mpf("nan")
                lk = lk.real
            key = (float(wk) if not isinstance(wk, mpmath.mpf) else wk._mpf_, lk._mpf_)
            g = groups.get(key)
            if g is None:
                groups[key] = [wk, lk, 1]
            else:
                g[2] += 1
        return mpmath.fsum(_mp(wk) * lk * c for wk, lk, c in groups.values())


def simplex_candidates(n: int, t: int, rng: np.random.Generator | int, n_random: int = 3000,
                       w: np.ndarray | None = None):
    """Points of the K-simplex that break asymmetry claims most often: vertices, the edges
    from e_t to each e_k (fine near e_t; one class per distinct weight ``w``), ties between
    classes, the centroid, faces, a grid at K <= 4 and random points (Dirichlet with small
    and large concentration). ``rng`` an integer: a fresh generator of that seed, whose
    random points are drawn once per (K, count, seed) and reused."""
    reps = _representatives(w, n, t)
    pts = [_unit_rows(n, [t, *reps])]
    ds = np.concatenate([np.logspace(-10, -1, 10), np.linspace(0.1, 1.0, 19)])
    pts.append(_edges(n, t, reps, ds))
    # mass from e_t spread over every other class
    spread = np.zeros((ds.size, n))
    spread[:, t] = 1 - ds
    spread[:, [k for k in range(n) if k != t]] = (ds / (n - 1))[:, None]
    pts.append(spread)
    for m in range(2, min(n, 6) + 1):  # ties: t and the next m - 1 classes equal
        v = np.zeros(n)
        idx = [t] + (reps + [k for k in range(n) if k != t and k not in reps])[: m - 1]
        v[idx] = 1.0 / m
        pts.append(v[None, :])
    if n <= 4:
        g = 24 if n == 3 else 12
        grid = [np.array(c) / g for c in _compositions(g, n)]
        pts.append(np.array(grid))
    size = random_size(n, n_random // 4)  # about 1.6e6 numbers at large K
    concentrations = (0.05, 0.3, 1.0, 5.0)
    if isinstance(rng, (int, np.integer)):
        pts.append(dirichlet_block(n, size, int(rng), concentrations))
    else:
        pts += [rng.dirichlet(np.full(n, c), size=size) for c in concentrations]
    return np.concatenate(pts)


def _compositions(total: int, parts: int):
    if parts == 1:
        yield (total,)
        return
    for i in range(total + 1):
        for rest in _compositions(total - i, parts - 1):
            yield (i, *rest)


# ------------------------------------------------------------------------ claims
def _asym_claim(spec: LossSpec, w, seed: int = 0) -> str | None:
    """A point u ≠ e_t of the simplex whose risk is ≤ the risk at e_t (50 digits), or None.

    A function of (the bound loss, w, seed) alone (seeded searches), so it is asked once: the
    checks of one loss claim the same weights more than once (the threshold's and the noise
    claim's rows of symmetric noise), and a loss's checks at one K share its specs by value."""
    return _asym_claim_once(spec, tuple(float(x) for x in w), int(seed))


@functools.lru_cache(maxsize=64)
def _asym_claim_once(spec: LossSpec, w: tuple, seed: int) -> str | None:
    w = np.asarray(w)
    n = w.size
    t = int(np.argmax(w))
    U = simplex_candidates(n, t, int(seed), w=w)  # a fresh generator of that seed
    r = _risks(spec, w, U)
    et = _unit_rows(n, [t])[0]
    r_t = _risks(spec, w, et[None, :])[0]
    if not np.isfinite(r_t):
        return None  # the risk at e_t is a limit there; the provers handle that case
    far = np.abs(U - et).sum(axis=1) > 1e-6
    order = np.argsort(np.where(far, r, np.inf))[:6]
    cands = [U[i] for i in order if far[i]]
    if cands:
        cands += list(local_moves_many(spec, w, np.array(cands[:3]), seed=seed,
                                       iters=local_iters(n)))
    r_c = _risks(spec, w, np.array(cands)) if cands else np.array([])
    # only candidates that are close in floating point get the 50-digit re-check
    near = [u for u, rf in zip(cands, r_c) if rf <= r_t + 1e-8 * (1 + abs(r_t))]
    if not near:
        return None
    with mpmath.workdps(50):
        rt = mp_risk(spec, w, et)
        for u in near:
            if np.abs(u - et).sum() <= 1e-6:
                continue
            ru = mp_risk(spec, w, u)
            if mpmath.isnan(ru) or mpmath.isnan(rt):
                continue
            if not _above(ru, rt):  # lower, or a tie: e_t is then not the unique argmin
                return (f"w = {np.round(w, 6).tolist()}: risk {mpmath.nstr(ru, 15)} at u = "
                        f"{simplex_text(u, 8)} <= {mpmath.nstr(rt, 15)} at e_{t}")
    return None


def _decreasing_claim(spec: LossSpec) -> str | None:
    xs = np.concatenate([np.linspace(0, 1, 20001), np.logspace(-14, -2, 40),
                         1 - np.logspace(-14, -2, 40)])
    xs = np.unique(np.clip(xs, 0, 1))
    with np.errstate(all="ignore"):
        y = spec.numeric_losses(np.stack([xs, 1 - xs], axis=1))[:, 0]
    for i in np.argsort(-np.diff(y))[:10]:
        if not np.isfinite(y[i]) or not np.isfinite(y[i + 1]) or y[i + 1] <= y[i]:
            continue
        with mpmath.workdps(50):
            a, b = mp_ell(spec, xs[i]), mp_ell(spec, xs[i + 1])
            if _above(b, a):
                return f"l({xs[i]:.10g}) = {mpmath.nstr(a, 12)} < l({xs[i + 1]:.10g}) = " \
                       f"{mpmath.nstr(b, 12)}"
    return None


def _ell(spec: LossSpec, xs: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return spec.numeric_losses(np.stack([xs, 1 - xs], axis=1))[:, 0]


def mp_ell(spec: LossSpec, x, dps: int = 50) -> mpmath.mpf:
    """l(x) of a pointwise loss at ``dps`` digits (x a float, taken exactly, or an mpf)."""
    with mpmath.workdps(dps):
        return spec.mp_losses([_mp(x), 1 - _mp(x)], dps=dps)[0]


def _shape_claim(spec: LossSpec, kind: str) -> str | None:
    """Midpoint tests ℓ((a+b)/2) against (ℓ(a)+ℓ(b))/2 on a grid (exact dyadic points)."""
    if kind not in ("linear", "convex", "concave"):
        return None
    g = np.linspace(0, 1, 513)
    y = _ell(spec, g)
    worst = None
    for h in (1, 2, 4, 16, 64, 256):
        a, m, b = y[:-2 * h], y[h:-h], y[2 * h:]
        gap = (a + b) / 2 - m  # > 0 where strictly convex, < 0 where strictly concave
        ok = np.isfinite(gap)
        scale = 1e-9 * (1 + np.abs(m))
        for sign, bad_kind in ((1, "concave"), (-1, "convex")):
            if kind not in (bad_kind, "linear"):
                continue
            viol = ok & (sign * gap > scale)
            if viol.any():
                i = int(np.argmax(np.where(viol, sign * gap, -np.inf)))
                worst = (g[i], g[i + h], g[i + 2 * h], bad_kind)
                break
        if worst:
            break
    if worst is None:
        return None
    xa, xm, xb, bad = worst
    with mpmath.workdps(50):
        la, lm, lb = (mp_ell(spec, x) for x in (xa, xm, xb))
        gap = (la + lb) / 2 - lm
        if (bad == "concave" and _above(gap, 0)) or (bad == "convex" and _above(0, gap)):
            return (f"l({xm:g}) = {mpmath.nstr(lm, 12)} vs the chord "
                    f"{mpmath.nstr((la + lb) / 2, 12)} between u = {xa:g} and {xb:g}: not "
                    f"{kind}")
    return None


def _ratio_claim(spec: LossSpec, lo: float) -> str | None:
    """A sampled secant ratio of Definition 3 below the claimed lower bound."""
    rng = np.random.default_rng(0)
    n = 200000
    ui = rng.random(n) ** rng.choice([1.0, 3.0, 0.3], size=n)
    uj = rng.random(n) * (1 - ui)
    d = uj * rng.random(n) ** 2
    d = np.maximum(d, 1e-9)
    uj = np.maximum(uj, d)
    keep = ui + uj <= 1
    ui, uj, d = ui[keep], uj[keep], d[keep]
    num = _ell(spec, ui) - _ell(spec, np.minimum(ui + d, 1))
    den = _ell(spec, uj - d) - _ell(spec, uj)
    with np.errstate(all="ignore"):
        rat = np.where(den > 0, num / den, np.inf)
    rat = np.where(np.isfinite(rat), rat, np.inf)
    for i in np.argsort(rat)[:5]:
        if not rat[i] < lo - 1e-7 * max(1.0, abs(lo)):
            break
        with mpmath.workdps(50):
            a, b, c = _mp(ui[i]), _mp(uj[i]), _mp(d[i])
            nn = mp_ell(spec, a) - mp_ell(spec, a + c)
            dd = mp_ell(spec, b - c) - mp_ell(spec, b)
            if dd > 0 and _above(_mp(lo), nn / dd):
                return (f"at u_i = {ui[i]:.8g}, u_j = {uj[i]:.8g}, d = {d[i]:.3g} the ratio is "
                        f"{mpmath.nstr(nn / dd, 12)} < the claimed lower bound {lo:.10g}")
    return None


def _symmetric_claim(spec: LossSpec, n: int) -> str | None:
    rng = np.random.default_rng(0)
    # S is invariant under permuting the classes: near-vertices at 24 classes stand for all
    U = np.concatenate([rng.dirichlet(np.ones(n), size=200),
                        _unit_rows(n, range(min(n, 24))) * 0.98 + 0.02 / n,
                        np.full((1, n), 1.0 / n)])
    with np.errstate(all="ignore"):
        S = spec.numeric_losses(U).sum(axis=1)
    ok = np.isfinite(S)
    if ok.sum() < 2:
        return None
    S, U = S[ok], U[ok]
    i, j = int(np.argmin(S)), int(np.argmax(S))
    if S[j] - S[i] <= 1e-9 * (1 + abs(S[i])):
        return None
    with mpmath.workdps(50):
        a = mpmath.fsum(spec.mp_losses(_exact_simplex(U[i])))
        b = mpmath.fsum(spec.mp_losses(_exact_simplex(U[j])))
        if _above(a, b) or _above(b, a):
            return (f"sum_k L(u, k) = {mpmath.nstr(a, 12)} at u = {np.round(U[i], 6).tolist()} "
                    f"but {mpmath.nstr(b, 12)} at u = {np.round(U[j], 6).tolist()}")
    return None


def _calibration_claim(spec: LossSpec, n: int, seed: int = 0) -> str | None:
    """A posterior p with a clear top class where the closure of the wrong-argmax region
    (some u_j >= u_t, j != t) reaches the smallest risk found anywhere."""
    rng = np.random.default_rng(seed)
    ps = [np.r_[0.6, 0.4, np.zeros(n - 2)], np.r_[0.5, 0.3, np.full(n - 2, 0.2 / (n - 2))]
          if n > 2 else np.r_[0.7, 0.3]]
    ps += list(rng.dirichlet(np.ones(n), size=6))
    for p in ps:
        p = p / p.sum()
        srt = np.sort(p)
        if srt[-1] - srt[-2] < 0.05:
            continue
        t = int(np.argmax(p))
        U = simplex_candidates(n, t, rng, n_random=2000, w=p)
        U = np.concatenate([U, p[None, :]])
        r = _risks(spec, p, U)
        wrong = (np.delete(U, t, axis=1).max(axis=1) >= U[:, t])
        if not wrong.any() or not np.isfinite(r).any():
            continue
        iw = int(np.argmin(np.where(wrong, r, np.inf)))
        ia = int(np.argmin(r))
        best_all = _refine(spec, p, U[ia], seed=seed, iters=local_iters(n))
        r_all = min(_risks(spec, p, best_all[None, :])[0], r[ia])
        r_w = r[iw]
        if not np.isfinite(r_w) or r_w > r_all + 1e-12 * (1 + abs(r_all)):
            continue
        with mpmath.workdps(50):
            mw = mp_risk(spec, p, U[iw])
            ma = min(mp_risk(spec, p, best_all), mp_risk(spec, p, U[ia]))
            if mpmath.isnan(mw) or mpmath.isnan(ma) or _above(mw, ma):
                continue
        return (f"p = {simplex_text(p)}: the wrong-argmax closure point u = "
                f"{simplex_text(U[iw], 8)} has risk {mpmath.nstr(mw, 15)}, no more than "
                f"the least risk found anywhere ({mpmath.nstr(ma, 15)})")
    return None


def _threshold_claim(spec: LossSpec, n: int, value: dict) -> str | None:
    eta_max = value.get("eta_max") if isinstance(value, dict) else None
    if eta_max is None or eta_max <= 0:
        return None
    fracs = (0.25, 0.5, 0.8, 0.95, 0.999) if n <= 50 else (0.5, 0.95, 0.999)
    for frac in fracs:
        eta = eta_max * frac
        w = [1 - eta] + [eta / (n - 1)] * (n - 1)
        hit = _asym_claim(spec, w)
        if hit:
            return f"claimed tolerant for eta < {eta_max:.6g}, but at eta = {eta:.6g}: {hit}"
    return None


def _region_claim(spec: LossSpec, n: int, value: dict) -> str | None:
    if not isinstance(value, dict) or value.get("kind") not in ("all", "inequality"):
        return None
    rng = np.random.default_rng(1)
    cond = value.get("condition")
    reps = 3 if n <= 50 else 1  # at large K each trial costs K-wide 50-digit risks
    trials = [np.sort(rng.dirichlet(np.ones(n) * c))[::-1] for c in (0.5, 1, 3, 10)
              for _ in range(reps)]
    trials += [np.r_[0.4, 0.35, 0.25, np.zeros(max(0, n - 3))][:n]]
    for w in trials:
        w = w / w.sum()
        if w[0] - w[1] < 1e-3:
            continue
        if value["kind"] == "inequality" and cond is not None:
            import sympy as sp

            from .properties.region import W_N, W_T

            holds = cond.subs({W_T: sp.Float(w[0], 30), W_N: sp.Float(w[1], 30)})
            if holds is not sp.true:
                continue
        hit = _asym_claim(spec, w)
        if hit:
            return f"claimed asymmetric for {value.get('text')}: {hit}"
    return None


def _noise_claim(spec: LossSpec, value: dict) -> str | None:
    classes = value.get("classes") if isinstance(value, dict) else None
    if classes is None:
        return None
    for c in classes:  # one row per class of rows equal up to a permutation
        w = np.r_[c["diagonal"], np.repeat([v for v, _ in c["off_diagonal"]],
                                           [n for _, n in c["off_diagonal"]])]
        hit = _asym_claim(spec, w)
        if hit:
            return f"row {c['rows'][0][0]}: {hit}"
    return None


def falsify(result, spec: LossSpec, n_classes: int) -> str | None:
    """Try to break the PROVED claim of ``result`` (a CheckResult: its check name, value and
    estimate) on the bound ``spec`` at K = ``n_classes``; a description of a re-verified
    counterexample, or None."""
    check, value = result.check, result.value
    b = spec if spec.is_bound else spec.bind()
    b = b.at_classes(n_classes)
    n = n_classes
    name = check.split("(")[0]
    try:
        if name == "decreasing" and b.is_pointwise:
            return _decreasing_claim(b)
        if name == "shape" and b.is_pointwise:
            return _shape_claim(b, value)
        if name == "ratio" and b.is_pointwise:
            claimed = []  # the claimed value and the lower certified bound, whichever is less
            for x in (value, result.estimate[0] if isinstance(result.estimate, tuple) else None):
                try:
                    claimed.append(float(x))
                except (TypeError, ValueError):
                    pass
            return _ratio_claim(b, min(claimed)) if claimed else None
        if name == "symmetric":
            return _symmetric_claim(b, n)
        if name in ("asymmetric", "asymmetric-on") and isinstance(value, dict):
            w = value.get("weights")
            return _asym_claim(b, w) if w is not None else None
        if name == "region":
            return _region_claim(b, n, value)
        if name == "threshold":
            return _threshold_claim(b, n, value)
        if name == "calibrated":
            return _calibration_claim(b, n)
        if name == "noise":
            return _noise_claim(b, value)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError, FloatingPointError):
        return None
    return None
