"""Is g(x) = l(0) - l(x) superadditive on [0, 1]? A certificate by interval branch and bound.

For a pointwise loss l that is strictly decreasing and C^2 on [0, 1] with g superadditive,

    F(a, b) = g(a + b) - g(a) - g(b) = l(a) + l(b) - l(a + b) - l(0) >= 0   (a, b >= 0, a + b <= 1),

the risk sum_k w_k l(u_k) is uniquely least at e_t for **every** w with w_t the unique largest
weight (complete asymmetry): with s = 1 - u_t,

    R(u) - R(e_t) = w_t (g(1) - g(1 - s)) - sum_{k != t} w_k g(u_k)
                  >= w_t g(s) - w_n g(s) = (w_t - w_n) g(s) > 0     for s > 0,

since g >= 0, sum_k g(u_k) <= g(sum_k u_k) = g(s) and g(1) >= g(s) + g(1 - s). A convex g
(concave l) is superadditive; the certificate is for the losses that are neither (a small sine
bump on 1 - u), where no curvature rule applies.

The B&B covers the half-triangle a <= b (F is symmetric) with three kinds of box test:

* **corner** [0, a1] x [0, b1]: F(a, b) = int_0^a int_0^b g''(s + t) dt ds >= 0 when g'' >= 0 on
  [0, a1 + b1]: an interval enclosure, or the exact value g^(j)(0) >= 0 and an enclosure of
  g^(j+1) >= 0 (a Taylor ladder up to the 4th derivative: g''(0) = 0 for a sine bump);
* **edge** [0, a1] x [b0, b1]: F(a, b) = int_0^a (g'(b + t) - g'(t)) dt >= 0 when
  inf g' on [b0, a1 + b1] >= sup g' on [0, a1];
* **interior**: the centred form F(c) + grad F(box) . (x - c) at a point c of the box, >= 0.

A box none of them settles is halved along its longer side, up to a fixed number of boxes (so
the answer does not depend on the machine). Every enclosure is outward-rounded
(:mod:`.intervals`); the answer is a proof or None, never a refutation.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ...symbols import U, numeric_modules
from .intervals import (
    IntervalError,
    iv_hi,
    iv_lo,
    iv_make,
    iv_precision,
    to_interval_function,
)

__all__ = ["SuperadditiveProof", "superadditive_proof"]

_MAX_BOXES = 6000
_LADDER = 4  # the highest derivative of g the corner's ladder encloses
_ERRORS = (IntervalError, ZeroDivisionError, OverflowError, ValueError, TypeError)


@dataclass(frozen=True)
class SuperadditiveProof:
    """What the certificate established (for the evidence)."""

    boxes: int  # boxes settled
    ladder: int  # the derivative of g whose enclosure settled the corner
    phi_min: float  # inf(-l') on [0, 1] > 0: l strictly decreasing

    def text(self) -> str:
        ladder = ("g''" if self.ladder == 2 else
                  f"g^({self.ladder}) >= 0 there and g^(j)(0) >= 0 exactly for 2 <= j < "
                  f"{self.ladder}, so g''")
        return (f"g(x) = l(0) - l(x) is superadditive: F(a, b) = l(a) + l(b) - l(a + b) - l(0) "
                f">= 0 on a <= b, a + b <= 1, by interval branch and bound over {self.boxes} "
                f"boxes (near the corner {ladder} >= 0, so F = int int g''(s + t) >= 0; along "
                "a = 0, F = int_0^a (g'(b + t) - g'(t)) dt >= 0 from enclosures of g'; inside, "
                "the centred form); l strictly decreasing (-l' >= "
                f"{self.phi_min:.4g} on [0, 1]). Then R(u) - R(e_t) >= (w_t - w_n) g(1 - u_t) "
                "> 0 for every w with a unique largest w_t")


def _sampled_ok(ell: sp.Expr) -> bool:
    """A float screen: F >= 0 (up to rounding) on a grid of the half-triangle. A loss whose g
    is concave somewhere (convex l) fails here at once instead of spending the box budget."""
    try:
        f = sp.lambdify(U, ell, numeric_modules(ell))
        x = np.linspace(0.0, 1.0, 65)
        a, b = np.meshgrid(x, x, indexing="ij")
        keep = (a <= b) & (a + b <= 1.0)
        a, b = a[keep], b[keep]
        with np.errstate(all="ignore"):
            F = (np.asarray(f(a), float) + np.asarray(f(b), float)
                 - np.asarray(f(a + b), float) - float(f(0.0)))
            scale = max(1.0, float(np.max(np.abs(np.asarray(f(x), float)))))
    except Exception:  # noqa: BLE001 - a screen only: what lambdify cannot do, B&B won't either
        return False
    return bool(np.all(np.isfinite(F))) and bool(np.all(F >= -1e-9 * scale))


class _Boxes:
    """The compiled enclosures and the three box tests."""

    def __init__(self, ell: sp.Expr):
        self.L = to_interval_function(ell, [U])
        d = sp.diff(ell, U)
        self.D1 = to_interval_function(d, [U])
        g = [None, None]  # g^(j) = -l^(j) for j >= 1
        for _ in range(2, _LADDER + 1):
            d = sp.diff(d, U)
            g.append(-d)
        self.g = g
        self.G = {j: to_interval_function(g[j], [U]) for j in range(2, _LADDER + 1)}
        self.l0 = self.L(iv_make(0, 0))
        self.corner_order = 0
        self._zero_ok: dict[int, bool] = {}

    def _at_zero_nonneg(self, j: int) -> bool:
        """g^(j)(0) >= 0, exactly (a zero by sympy, a positive value by an enclosure)."""
        if j not in self._zero_ok:
            val = sp.simplify(self.g[j].subs(U, 0))
            if val == 0:
                ok = True
            else:
                try:
                    ok = bool(iv_lo(self.G[j](iv_make(0, 0))) > 0)
                except _ERRORS:
                    ok = False
            self._zero_ok[j] = ok
        return self._zero_ok[j]

    def convex_on(self, c) -> bool:
        """g'' >= 0 on [0, c] (the corner's test)."""
        box = iv_make(0, c)
        for j in range(2, _LADDER + 1):
            if iv_lo(self.G[j](box)) >= 0:
                self.corner_order = max(self.corner_order, j)
                return True
            if not self._at_zero_nonneg(j):
                return False
        return False

    def settled(self, a0, a1, b0, b1) -> bool:
        s_hi = min(a1 + b1, mpmath.mpf(1))
        if a0 == 0 and b0 == 0:
            return self.convex_on(s_hi)
        if a0 == 0 or b0 == 0:
            # the edge: F = int_0^a (g'(b + t) - g'(t)) dt, with a the side at 0
            (e1, f0) = (a1, b0) if a0 == 0 else (b1, a0)
            near = self.D1(iv_make(0, e1))  # l' near 0
            far = self.D1(iv_make(f0, s_hi))
            return bool(iv_lo(near) >= iv_hi(far))
        A, B = iv_make(a0, a1), iv_make(b0, b1)
        S = iv_make(a0 + b0, s_hi)  # a + b over the box's part of the triangle
        ca, cb = (a0 + a1) / 2, (b0 + b1) / 2
        if ca + cb > 1:  # a point of the box on the triangle (it meets it: a0 + b0 <= 1)
            cb = max(b0, 1 - ca)
            if ca + cb > 1 or cb > b1:
                ca, cb = a0, b0
        Ca, Cb = iv_make(ca, ca), iv_make(cb, cb)
        Fc = self.L(Ca) + self.L(Cb) - self.L(Ca + Cb) - self.l0
        dS = self.D1(S)
        low = Fc + (self.D1(A) - dS) * (A - Ca) + (self.D1(B) - dS) * (B - Cb)
        return bool(iv_lo(low) >= 0)


def superadditive_proof(ell: sp.Expr, phi_min: float, *,
                        max_boxes: int = _MAX_BOXES) -> SuperadditiveProof | None:
    """A proof that g = l(0) - l is superadditive on [0, 1], or None (no conclusion).

    ``ell`` is l(u) with every number bound; ``phi_min`` > 0 a proved lower bound of -l' on
    [0, 1] (the caller's: l strictly decreasing, C^1 up to the ends). l must be C^2 on [0, 1]
    with enclosable derivatives (a failed enclosure gives None)."""
    if not phi_min > 0 or not _sampled_ok(ell):
        return None
    try:
        with iv_precision():
            eng = _Boxes(ell)
            if not (mpmath.isfinite(iv_lo(eng.l0)) and mpmath.isfinite(iv_hi(eng.l0))):
                return None  # l(0) = +oo: no box inside could settle
            one, half = mpmath.mpf(1), mpmath.mpf(1) / 2
            stack = [(mpmath.mpf(0), half, mpmath.mpf(0), one)]
            done = 0
            while stack:
                a0, a1, b0, b1 = stack.pop()
                if a0 > b1 or a0 + b0 > 1:
                    continue  # off the half-triangle a <= b, a + b <= 1
                if eng.settled(a0, a1, b0, b1):
                    done += 1
                    continue
                if done + len(stack) >= max_boxes:
                    return None
                if a1 - a0 >= b1 - b0:
                    m = (a0 + a1) / 2
                    stack += [(a0, m, b0, b1), (m, a1, b0, b1)]
                else:
                    m = (b0 + b1) / 2
                    stack += [(a0, a1, b0, m), (a0, a1, m, b1)]
    except _ERRORS:
        return None
    return SuperadditiveProof(done, eng.corner_order, phi_min)

