"""Is e_t the unique minimiser of sum_k w_k l(u_k) on the simplex? A certificate for a pointwise,
non-increasing, differentiable l of any curvature (theory.md, definition 2).

With s = 1 - u_t the mass moved off e_t and g(x) = l(0) - l(x) >= 0, h(s) = l(1 - s) - l(1),

    R(u) - R(e_t) = w_t h(s) - sum_{k != t} w_k g(u_k),     sum_{k != t} u_k = s, 0 <= u_k <= s.

The certificate bounds the second sum from above and the first from below, on a grid:

* **g from above.** l is non-increasing, so on (x_j, x_{j+1}] g(x) <= l(0) - l(x_{j+1}) (one
  interval enclosure of l at each grid point); on [0, x_1] g(x) <= M0 x with M0 >= sup(-l') there
  (an interval enclosure of l'). The upper concave hull g^_b of these bounds on [0, b] is a
  concave piecewise-linear majorant of g with g^_b(0) = 0.
* **the sum from above.** max sum_k w_k g^_b(u_k) subject to sum u_k = s is a fractional knapsack
  over the hull's segments (value w_k * slope, capacity its length): a concave piecewise-linear
  Phi_b(s), exact for the majorant, nondecreasing in s and in b.
* **away from e_t** (s in a grid cell [x_{i-1}, x_i] with x_i > s0): R(u) - R(e_t) >=
  w_t (l(1 - x_{i-1}) - l(1)) - Phi_b(x_i) with b >= x_i, which must be > 0 (by a margin far above
  the float rounding of the knapsack).
* **near e_t** (0 < s <= s0): Phi_{s0}(s) <= s w_n sigma_1 (sigma_1 the hull's first slope) and
  h(s) >= s m1 with m1 <= inf(-l') on [1 - s0, 1] (an interval enclosure), so w_t m1 > w_n sigma_1
  settles it: the KKT margin at e_t, made uniform on a neighbourhood.

Every bound is sound; the answer is a proof or None (never a refutation: a failed bound says
nothing). Cost: one interval evaluation of l per grid point (cached per loss), then numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from ...symbols import U
from .intervals import IntervalError, float_down, float_up, iv_hi, iv_lo, to_interval_function

__all__ = ["EnvelopeProof", "envelope_asymmetry"]

_GRIDS = (256, 1024, 4096)
_MARGIN = 1e-9  # relative to the loss's scale: far above float rounding of the knapsack


@dataclass(frozen=True)
class EnvelopeProof:
    """What the certificate established (for the evidence)."""

    n_grid: int
    s0: float
    near_lhs: float  # w_t * m1
    near_rhs: float  # w_n * sigma_1
    min_gap: float  # the least lower bound of R(u) - R(e_t) over the cells s >= s0

    def text(self) -> str:
        return (f"grid of {self.n_grid} cells on [0, 1]: for s = 1 - u_t >= {self.s0:.4g} every "
                f"cell's lower bound of R(u) - R(e_t) is >= {self.min_gap:.4g} > 0 (l "
                "non-increasing: enclosures of l at the grid points bound g = l(0) - l(x) from "
                "above and h = l(1 - s) - l(1) from below; the other classes' best split of s "
                "is a knapsack over the upper concave hull of g's bound); for 0 < s <= "
                f"{self.s0:.4g}: w_t * min(-l') = {self.near_lhs:.6g} > w_n * (the hull's "
                f"first slope) = {self.near_rhs:.6g}")


class _Grid:
    """Enclosures of l at the points x_j = j/N and of -l' on each cell [x_j, x_{j+1}], for one l
    given as continuous pieces [(a, b, branch)] covering [0, 1]; from them, g's majorant:
    g(x) <= min(g(x_j) + (x - x_j) D_j, g(x_{j+1})) on the cell."""

    def __init__(self, pieces: list, N: int) -> None:
        self.N = N
        self.pieces = [(sp.Rational(a), sp.Rational(b), to_interval_function(br, [U]),
                        to_interval_function(-sp.diff(br, U), [U])) for a, b, br in pieces]
        lo, hi = np.empty(N + 1), np.empty(N + 1)
        for j in range(N + 1):
            x = sp.Rational(j, N)
            f = next(f for a, b, f, _ in self.pieces if a <= x <= b)
            r = f((x, x))
            lo[j], hi[j] = float_down(iv_lo(r)), float_up(iv_hi(r))
        self.lo, self.hi = lo, hi
        dlo, dhi = np.empty(N), np.empty(N)
        for j in range(N):
            dlo[j], dhi[j] = self.dneg_bounds(sp.Rational(j, N), sp.Rational(j + 1, N))
        self.dlo, self.dhi = dlo, dhi  # inf and sup of -l' on each cell
        ghi = np.maximum(0.0, hi[0] - lo)  # g(x_j) from above
        ghi[0] = 0.0  # g(0) = 0 exactly
        self.ghi = ghi

    def dneg_bounds(self, a: sp.Rational, b: sp.Rational) -> tuple[float, float]:
        """inf and sup of -l' over [a, b] (at a kink: the one-sided slopes of both pieces, which
        bound every difference quotient of the continuous l there)."""
        lo, hi = float("inf"), float("-inf")
        for pa, pb, _, d in self.pieces:
            c, e = max(a, pa), min(b, pb)
            if c > e or (c == e and a < b):
                continue  # no overlap (a shared end point is the neighbour's too)
            r = d((c, e))
            lo, hi = min(lo, float_down(iv_lo(r))), max(hi, float_up(iv_hi(r)))
        return lo, hi


def _grid(spec, pieces: list, N: int) -> _Grid | None:
    """The grid of one l (cached on the spec: a threshold asks many weight vectors)."""
    key = ("envelope-grid", tuple((sp.srepr(sp.sympify(a)), sp.srepr(sp.sympify(b)),
                                   sp.srepr(br)) for a, b, br in pieces), N)
    cache = spec._cache
    if key not in cache:
        try:
            g = _Grid(pieces, N)
        except (IntervalError, ZeroDivisionError, OverflowError, ValueError, TypeError,
                StopIteration):
            g = None
        ok = g is not None and all(np.all(np.isfinite(x)) for x in (g.lo, g.hi, g.dlo, g.dhi))
        cache[key] = g if ok else None
    return cache[key]


def _upper_hull(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The upper concave hull of points sorted by x (monotone chain), as its vertices."""
    hx: list[float] = []
    hy: list[float] = []
    for x, y in zip(xs.tolist(), ys.tolist()):
        while len(hx) >= 2 and (hy[-1] - hy[-2]) * (x - hx[-2]) <= (y - hy[-2]) * (hx[-1] - hx[-2]):
            hx.pop()
            hy.pop()
        hx.append(x)
        hy.append(y)
    return np.asarray(hx), np.asarray(hy)


def _hull_points(G: _Grid, i_b: int) -> tuple[np.ndarray, np.ndarray]:
    """The upper concave hull of g's majorant on [0, x_{i_b}]: on each cell the least of the
    slope bound from its left end and g's bound at its right end (one kink at most)."""
    N = G.N
    d = 1.0 / N
    xs, ys = [0.0], [0.0]
    for j in range(i_b):
        a, ga, gb = j * d, G.ghi[j], G.ghi[j + 1]
        line_end = ga + d * G.dhi[j]
        if line_end <= gb:
            xs.append((j + 1) * d)
            ys.append(line_end)
        else:
            # the kink where the slope bound reaches g(x_{j+1}), moved towards a (so the chord
            # from (a, g(a)) to it is steeper than the bound: at or above the majorant)
            xk = a + (gb - ga) / G.dhi[j] * (1 - 1e-12)
            xk = min(max(xk, a), (j + 1) * d)
            xs += [xk, (j + 1) * d]
            ys += [gb, gb]
    xs_a, ys_a = np.asarray(xs), np.asarray(ys)
    order = np.lexsort((-ys_a, xs_a))
    xs_a, ys_a = xs_a[order], ys_a[order]
    keep = np.r_[True, np.diff(xs_a) > 0]
    return _upper_hull(xs_a[keep], ys_a[keep])


def _knapsack(hx: np.ndarray, hy: np.ndarray, groups: list[tuple[float, int]]):
    """Phi(s) = max sum_k w_k ghat(u_k), sum u_k = s, as (breakpoints C, values V): concave PWL."""
    slopes = np.diff(hy) / np.diff(hx)
    lengths = np.diff(hx)
    vals, caps = [], []
    for w, m in groups:
        vals.append(w * slopes)
        caps.append(m * lengths)
    vals, caps = np.concatenate(vals), np.concatenate(caps)
    order = np.argsort(-vals, kind="stable")
    C = np.r_[0.0, np.cumsum(caps[order])]
    V = np.r_[0.0, np.cumsum(vals[order] * caps[order])]
    return C, V


def envelope_asymmetry(spec, ell, ws, t: int) -> EnvelopeProof | None:
    """A proof that argmin sum_k w_k l(u_k) = {e_t}, or None (no conclusion).

    ``ell`` is l(u) with every parameter and K bound, or its continuous pieces
    [(a, b, branch)] covering [0, 1] in order; l must be non-increasing and continuous on
    [0, 1], each branch differentiable on its piece with finite one-sided slopes (the caller
    establishes this; a failed enclosure here just gives None)."""
    pieces = [(0, 1, ell)] if isinstance(ell, sp.Basic) else list(ell)
    w = [float(x) for x in ws]
    wt = w[t]
    others = [x for i, x in enumerate(w) if i != t]
    wn = max(others)
    if wn <= 0 or wt <= wn:
        return None
    counts: dict[float, int] = {}
    for x in others:
        if x > 0:
            counts[x] = counts.get(x, 0) + 1
    groups = sorted(counts.items(), key=lambda kv: -kv[0])
    for N in _GRIDS:
        G = _grid(spec, pieces, N)
        if G is None:
            return None
        scale = max(1.0, float(np.max(np.abs(G.hi))), float(np.max(np.abs(G.lo))))
        margin = _MARGIN * scale
        l1_hi = G.hi[N]
        d = 1.0 / N
        # away from e_t: cell i is s in [a, b] = [x_{i-1}, x_i]. Below: w_t h(s) >= w_t (h(a) +
        # (s - a) m_i) with m_i = inf(-l') on [1 - b, 1 - a]; above: Phi(s) <= Phi(a) + (s - a)
        # Phi'(a+) (concave). Both linear in s: the gap is > 0 on the cell if it is at both ends.
        # Phi is the knapsack over the hull on [0, x_P], P the power of two with P/2 < i <= P.
        i = np.arange(2, N + 1)
        a = (i - 1) * d
        h_a = G.lo[N - (i - 1)] - l1_hi
        m_i = G.dlo[N - i]
        phi_a = np.empty_like(a)
        slope = np.empty_like(a)
        P = 1
        while True:
            sel = (i > P // 2) & (i <= P)
            if sel.any():
                hx, hy = _hull_points(G, P)
                C, V = _knapsack(hx, hy, groups)
                phi_a[sel] = np.interp(a[sel], C, V)
                k = np.clip(np.searchsorted(C, a[sel], side="right") - 1, 0, len(C) - 2)
                dC = np.diff(C)
                slope[sel] = np.where(dC[k] > 0, np.diff(V)[k] / np.where(dC[k] > 0, dC[k], 1),
                                      0.0)
            if P >= N:
                break
            P *= 2
        gap_a = wt * h_a - phi_a
        gap_b = wt * (h_a + d * m_i) - (phi_a + d * slope)
        gap = np.minimum(gap_a, gap_b)
        bad = np.flatnonzero(gap <= margin)
        i0 = int(i[bad[-1]]) if bad.size else 1  # every cell above x_{i0} passes
        if i0 > N // 4:
            continue  # a finer grid tightens the bounds
        # near e_t (0 < s <= s0 = x_{i0}): Phi(s) <= s w_n sigma_1, h(s) >= s m1
        try:
            m1 = G.dneg_bounds(1 - sp.Rational(i0, N), sp.Integer(1))[0]
        except IntervalError:
            return None
        hx, hy = _hull_points(G, i0)
        sigma1 = float((hy[1] - hy[0]) / (hx[1] - hx[0])) if len(hx) > 1 else 0.0
        if not wt * m1 > wn * sigma1 + margin:
            continue
        rest = gap[i > i0]
        return EnvelopeProof(N, i0 / N, wt * m1, wn * sigma1,
                             float(rest.min()) if rest.size else float("inf"))
    return None
