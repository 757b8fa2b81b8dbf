"""Certified infima by branch and bound over boxes, and the asymmetry-ratio infimum.

Lower bounds come from interval enclosures (natural form intersected with the mean-value or
monotone form), upper bounds from thin-interval evaluations at feasible points, so
``lo <= inf <= hi`` always holds; ``converged`` says whether ``hi - lo <= tol`` was reached
within the box budget.

Example
-------
>>> import sympy as sp
>>> u = sp.Symbol("u")
>>> b = ratio_infimum_bounds(1 + u, u)          # g = -l' for AGCE a = 1, q = 2
>>> b.lo <= 0.5 <= b.hi and b.hi - b.lo <= 1e-6
True
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv

from ...symbols import numeric_modules
from ...timing import clock
from ..verdict import Verdict
from .intervals import (
    Encloser,
    IntervalError,
    IntervalFunction,
    SingularPoint,
    UndefinedPoint,
    exact_mid,
    float_down,
    float_up,
    is_smooth,
    iv_hi,
    iv_intersect,
    iv_isnan,
    iv_lo,
    iv_make,
    iv_precision,
    outward_mpf,
    prove_sign_on_interval,
    round_mpf,
    to_rational,
)

__all__ = ["InfimumBounds", "RatioBounds", "certified_infimum", "ratio_infimum_bounds"]

_ONE = mpmath.mpf(1)
_ZERO = mpmath.mpf(0)
_INF = mpmath.inf


@dataclass(frozen=True)
class InfimumBounds:
    """lo <= inf f <= hi over the feasible set; ``argmin`` the point giving ``hi``."""

    lo: float
    hi: float
    argmin: dict
    boxes: int
    converged: bool
    seconds: float = 0.0
    detail: str = ""


@dataclass(frozen=True)
class RatioBounds:
    """lo <= r <= hi for r = inf { g(s)/g(t) : s, t >= 0, s + t <= 1 }.

    ``argmin`` is the (s, t) where the value ``hi`` was certified; ``g_nonnegative`` whether
    g >= 0 on [0, 1] was proved (then enclosures are clipped at 0).
    """

    lo: float
    hi: float
    argmin: tuple[float, float]
    boxes: int
    converged: bool
    seconds: float = 0.0
    g_nonnegative: bool | None = None
    detail: str = ""
    data: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- generic n-D


def _constraint_exprs(constraint) -> list[sp.Expr]:
    """Constraints as expressions c with feasibility c <= 0 (strict ones by their closure)."""
    if constraint is None:
        return []
    items = list(constraint) if isinstance(constraint, (list, tuple)) else [constraint]
    out = []
    for c in items:
        if isinstance(c, sp.And):
            out.extend(_constraint_exprs(list(c.args)))
        elif isinstance(c, sp.core.relational.Relational):
            if c.rel_op in ("<", "<="):
                out.append(c.lhs - c.rhs)
            elif c.rel_op in (">", ">="):
                out.append(c.rhs - c.lhs)
            else:
                raise IntervalError(f"constraint {c} must be an inequality")
        else:
            out.append(sp.sympify(c))
    return out


def certified_infimum(expr: sp.Expr, vars_and_boxes, *, constraint=None, tol: float = 1e-6,
                      max_boxes: int = 20000, max_seconds: float = 30.0,
                      grid: int = 17) -> InfimumBounds:
    """Sound bounds on inf of ``expr`` over a box, optionally cut by inequality constraints.

    Parameters
    ----------
    expr : sympy expression in the box variables only.
    vars_and_boxes : ``{symbol: (lo, hi)}`` or a sequence of ``(symbol, lo, hi)``.
    constraint : None, a relational (``s + t <= 1``), an expression ``c`` meaning ``c <= 0``,
        or a list of them. Strict inequalities are treated by their closure (the infimum of a
        continuous function is the same).
    tol : stop when ``hi - lo <= tol``.
    max_boxes, max_seconds : budgets (the bounds stay sound; ``converged`` False if spent).

    Returns
    -------
    InfimumBounds with ``lo <= inf <= hi`` (``hi = inf`` when no feasible point was certified).
    """
    t0 = clock()
    if isinstance(vars_and_boxes, dict):
        spec = [(v, lo, hi) for v, (lo, hi) in vars_and_boxes.items()]
    else:
        spec = [tuple(x) for x in vars_and_boxes]
    variables = [v for v, _, _ in spec]
    n = len(variables)
    expr = sp.sympify(expr)
    cons = _constraint_exprs(constraint)
    with iv_precision():
        F = IntervalFunction(expr, variables)
        grads = Fc = None
        if is_smooth(expr):
            try:
                grads = [IntervalFunction(sp.diff(expr, v), variables) for v in variables]
                Fc = IntervalFunction(expr, variables, continuity=True)
            except IntervalError:
                grads = Fc = None
        Cs = [IntervalFunction(c, variables) for c in cons]
        root = tuple((outward_mpf(to_rational(lo), "f"), outward_mpf(to_rational(hi), "c"))
                     for _, lo, hi in spec)

        def ev(fn, X):
            try:
                r = fn.raw(X)
            except UndefinedPoint:
                return None
            return None if iv_isnan(r) else r

        def feasible_box(X) -> bool:
            for C in Cs:
                r = ev(C, X)
                if r is not None and iv_lo(r) > 0:
                    return False
            return True

        def point_value(p):
            """Certified upper bound of f at a feasible point, or None."""
            X = tuple(iv_make(x, x) for x in p)
            for C in Cs:
                r = ev(C, X)
                if r is None or iv_hi(r) > 0:
                    return None
            r = ev(F, X)
            if r is None or mpmath.isinf(iv_hi(r)):
                return None
            return iv_hi(r)

        def box_lb(box):
            X = tuple(iv_make(a, b) for a, b in box)
            if not feasible_box(X):
                return None, None
            r = ev(F, X)
            if r is None:
                return _INF, None  # nowhere real on the box: contributes nothing
            G = None
            if grads is not None and _continuous(Fc, X):
                G = [ev(g, X) for g in grads]
                if all(g is not None for g in G):
                    mids = [exact_mid(a, b) if a < b else a for a, b in box]
                    if all(m is not None for m in mids):
                        fm = ev(F, tuple(iv_make(m, m) for m in mids))
                        if fm is not None:
                            mv = fm
                            for gi, (a, b), m in zip(G, box, mids):
                                mv = mv + gi * (iv_make(a, b) - iv_make(m, m))
                            if not iv_isnan(mv):
                                r = iv_intersect(r, mv)
                else:
                    G = None
            return iv_lo(r), G

        best = [_INF, None]

        def try_point(p):
            v = point_value(p)
            if v is not None and v < best[0]:
                best[0], best[1] = v, tuple(p)

        # a coarse grid of starting points (deterministic)
        k = max(2, grid if n <= 2 else (5 if n == 3 else 3))
        axes = []
        for a, b in root:
            if mpmath.isfinite(a) and mpmath.isfinite(b):
                axes.append([round_mpf(a + (b - a) * mpmath.mpf(i) / (k - 1), "n")
                             for i in range(k)])
            else:
                axes.append([a if mpmath.isfinite(a) else b])
        try:
            f_np = sp.lambdify(variables, expr, numeric_modules(expr))
            mesh = np.meshgrid(*[np.array([float(x) for x in ax]) for ax in axes],
                               indexing="ij")
            with np.errstate(all="ignore"):
                vals = np.asarray(f_np(*mesh), dtype=float) * np.ones_like(mesh[0])
            order = np.argsort(np.where(np.isfinite(vals), vals, np.inf), axis=None)
            cand = [np.unravel_index(i, vals.shape) for i in order[: 8 * n]]
        except Exception:  # noqa: BLE001 - the float scan is only a hint
            cand = list(itertools.islice(itertools.product(*[range(len(ax)) for ax in axes]),
                                         64))
        for idx in cand:
            try_point([axes[d][i] for d, i in enumerate(idx)])

        lb0, G0 = box_lb(root)
        heap: list = []
        stuck: list = []
        boxes = 1
        cnt = 0
        if lb0 is not None:
            heap.append((lb0, cnt, root, G0))
        tol_m = mpmath.mpf(tol)
        deadline = t0 + max_seconds
        rounds = 0
        while heap:
            lb, _, box, G = heap[0]
            rounds += 1
            if best[0] - lb <= tol_m or boxes >= max_boxes or (
                    rounds % 32 == 0 and clock() > deadline):
                break
            heapq.heappop(heap)
            mids = [exact_mid(a, b) for a, b in box]
            # points: the centre and the corner the gradient signs point to
            if all(m is not None for m in mids):
                try_point(mids)
            if G is not None:
                corner = []
                for gi, (a, b), m in zip(G, box, mids):
                    corner.append(a if iv_lo(gi) >= 0 else (b if iv_hi(gi) <= 0 else
                                                          (m if m is not None else a)))
                try_point(corner)
            # split the dimension contributing most to the enclosure width
            scores = []
            for d, ((a, b), m) in enumerate(zip(box, mids)):
                if m is None:
                    scores.append(-1)
                    continue
                w = b - a
                if G is not None and mpmath.isfinite(iv_lo(G[d])) and mpmath.isfinite(iv_hi(G[d])):
                    scores.append(w * max(abs(iv_lo(G[d])), abs(iv_hi(G[d])), mpmath.mpf(1e-30)))
                else:
                    scores.append(w * mpmath.mpf(10) ** 30)
            d = max(range(n), key=lambda i: scores[i])
            if scores[d] < 0:
                stuck.append(lb)
                continue
            a, b = box[d]
            m = mids[d]
            for piece in ((a, m), (m, b)):
                child = box[:d] + (piece,) + box[d + 1:]
                boxes += 1
                clb, cG = box_lb(child)
                if clb is None or clb > best[0]:
                    continue
                cnt += 1
                heapq.heappush(heap, (max(clb, lb), cnt, child, cG))
        lo = min([h[0] for h in heap] + stuck + [best[0]])
        hi = best[0]
    conv = bool(hi - lo <= tol)
    arg = ({str(v): float(x) for v, x in zip(variables, best[1])} if best[1] is not None
           else {})
    return InfimumBounds(float_down(lo), float_up(hi), arg, boxes, conv,
                         clock() - t0,
                         f"branch and bound over {boxes} boxes, mpmath iv")


# ----------------------------------------------------------------------------- the ratio


def _probe_points(deep: bool):
    """(s, t) probes for singular end points: t -> 0, t -> 1, s -> 0, s -> 1.

    t = 2^-k for k up to 2^12, or up to 2^38 when ``deep`` (only for expressions without
    exp/trig, whose evaluation at 2^-(2^38) stays cheap: a power or a log of it is cheap, the
    sine or the exponential of its reciprocal is not).
    """
    half = mpmath.mpf("0.5")
    pts = []
    for j in range(2, 41 if deep else 15):
        k = 2**j if j <= 6 else 2**j // 4
        t = mpmath.ldexp(_ONE, -k)
        pts.append((half, t))
        pts.append((None, t))  # s = the best s found so far, if feasible
    for k in [*range(2, 120, 3), 160, 240, 360, 540, 810, 1215]:  # t -> 1 and s -> 1
        e = mpmath.ldexp(_ONE, -k)
        one_e = mpmath.fsub(_ONE, e, prec=k + 8, rounding="n")  # exact: k + 1 bits
        pts.append((_ZERO, one_e))
        pts.append((e, one_e))
        pts.append((one_e, _ZERO))
        pts.append((one_e, e))
        pts.append((e, None))
    return pts


def ratio_infimum_bounds(g_expr: sp.Expr, var: sp.Symbol, *, tol: float = 1e-6,
                         max_boxes: int = 60000, max_seconds: float = 30.0,
                         grid: int = 4097) -> RatioBounds:
    """Sound bounds on r = inf { g(s)/g(t) : s, t >= 0, s + t <= 1 } for g >= 0 on [0, 1].

    With g = -l' this is the asymmetry ratio r(l) of a decreasing differentiable loss
    (theory.md, "closed-form ratios"). Branch and bound over boxes S x T of the triangle:
    a box's lower bound is min g(S') / max g(T') with S', T' the box clipped by s + t <= 1
    and 1-D enclosures of g (natural form intersected with the monotone form, exact where g'
    has a sign on the interval, or the mean-value form); the upper bound is the best value
    certified at a feasible point by thin-interval evaluation. Points where g(t) = 0 give
    +inf and do not lower the infimum; g = +inf at an end point (GCE, CE) gives r = 0, with
    ``hi`` driven below ``tol`` by probes approaching the singularity.

    Parameters
    ----------
    g_expr : sympy expression in ``var`` only (numbers for every parameter).
    tol : target width ``hi - lo``.
    max_boxes, max_seconds : budgets for the branch and bound (the bounds stay sound when
        either runs out; ``converged`` is then False).

    Returns
    -------
    RatioBounds(lo, hi, argmin=(s, t), boxes, converged, ...).

    Raises
    ------
    IntervalError when g takes a negative value (re-verified at 50 digits): the ratio of a
    loss that is not decreasing is not what the asymmetry ratio measures.
    """
    t0 = clock()
    g_expr = sp.sympify(g_expr)
    with iv_precision():
        sign = prove_sign_on_interval(g_expr, var, 0, 1, sign="positive", strict=False,
                                      max_boxes=3000, scan_points=129)
        if sign.verdict is Verdict.REFUTED:
            raise IntervalError(
                f"ratio_infimum_bounds needs g >= 0 on [0, 1] (g = -l' of a decreasing loss); "
                f"{sign.counterexample.detail}")
        nonneg = sign.verdict is Verdict.PROVED
        eng = Encloser(g_expr, var, order=1)
        gcache: dict = {}

        def G(a, b):
            key = (a, b)
            r = gcache.get(key)
            if r is None and key not in gcache:
                r = eng.enclose(a, b, 1)
                if r is not None and nonneg:
                    r = iv_make(max(iv_lo(r), _ZERO), max(iv_hi(r), _ZERO))
                gcache[key] = r
            return r

        def P(x):
            r = eng.point(x)
            if r is not None and nonneg:
                r = iv_make(max(iv_lo(r), _ZERO), max(iv_hi(r), _ZERO))
            return r

        best = [_INF, (0.0, 1.0)]

        def feasible(s, t) -> bool:
            return s >= 0 and t >= 0 and _sum_le_one(s, t)

        def try_point(s, t):
            """Certify g(s)/g(t) at a feasible point; keep it when it improves ``hi``."""
            if s is None or t is None or not feasible(s, t):
                return
            bits = max(_bits(s), _bits(t))
            if bits <= iv.prec:
                ps, pt = P(s), P(t)
            else:  # a point near 1 with many bits: evaluate it exactly, at more precision
                with iv_precision(bits + 8):
                    try:
                        ps = eng.f.raw((iv_make(s, s),))
                        pt = eng.f.raw((iv_make(t, t),))
                    except UndefinedPoint:
                        return
                    v = _ratio_hi(ps, pt, nonneg)
            if bits <= iv.prec:
                v = _ratio_hi(ps, pt, nonneg)
            if v is not None and v < best[0]:
                best[0], best[1] = v, (float(s), float(t))
                best_st[0], best_st[1] = s, t

        best_st = [None, None]

        # 1) float grid + local polish: a good incumbent before any box is split
        s_hint, t_hint = _float_search(g_expr, var, grid)
        for s_f, t_f in ((s_hint, t_hint),):
            if s_f is None:
                continue
            s = round_mpf(mpmath.mpf(s_f), "n")
            t = round_mpf(mpmath.mpf(t_f), "n")
            if not feasible(s, t):
                s = _one_minus(t, "f")
            try_point(max(s, _ZERO), t)
        for s, t in ((_ZERO, _ONE), (_ONE, _ZERO), (_ZERO, _ZERO),
                     (mpmath.mpf("0.5"), mpmath.mpf("0.5"))):
            try_point(s, t)
        # 2) probes towards singular end points
        deep = not any(isinstance(n, (sp.exp, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh,
                                      sp.tanh, sp.erf, sp.atan, sp.asinh))
                       for n in sp.preorder_traversal(g_expr))
        for s, t in _probe_points(deep):
            if s is None:
                s = best_st[0]
                if s is not None and t is not None and not feasible(s, t):
                    s = _one_minus(t, "f")
            if t is None:
                t = best_st[1]
                if s is not None and t is not None and not feasible(s, t):
                    t = _one_minus(s, "f")
            try_point(s, t)

        # 3) branch and bound over the triangle
        def clip_hi(x):  # the smallest representable number >= 1 - x
            return _one_minus(x, "c")

        def box_lb(s0, s1, t0, t1):
            if not _sum_le_one(s0, t0):
                return None, None, None
            s1c, t1c = min(s1, clip_hi(t0)), min(t1, clip_hi(s0))
            N, D = G(s0, s1c), G(t0, t1c)
            if N is None or D is None:
                return _INF, N, D  # g not real on a whole side: no feasible value here
            na, db = iv_lo(N), iv_hi(D)
            if nonneg:
                if db <= 0 or mpmath.isinf(na):
                    return _INF, N, D
                if mpmath.isinf(db):
                    return _ZERO, N, D
                return iv_lo(iv_make(na, na) / iv_make(db, db)), N, D
            if iv_lo(D) > 0:
                q = N / D
                return (iv_lo(q) if not iv_isnan(q) else -_INF), N, D
            return -_INF, N, D

        root = (_ZERO, _ONE, _ZERO, _ONE)
        lb0, N0, D0 = box_lb(*root)
        heap = [(lb0, 0, root, N0, D0)]
        stuck: list = []
        boxes = 1
        cnt = 0
        tol_m = mpmath.mpf(tol)
        min_w = mpmath.ldexp(_ONE, -60)
        deadline = t0 + max_seconds
        rounds = 0
        while heap:
            lb, _, box, N, D = heap[0]
            rounds += 1
            if best[0] - lb <= tol_m or boxes >= max_boxes or (
                    rounds % 32 == 0 and clock() > deadline):
                break
            heapq.heappop(heap)
            s0, s1, t0, t1 = box
            s1c, t1c = min(s1, clip_hi(t0)), min(t1, clip_hi(s0))
            # incumbent: the box corner pairing the smaller g(s) with the larger g(t)
            ss = [s0, s1c]
            ts = [t0, t1c]
            for s in ss:
                for t in ts:
                    try_point(s, t)
            # which side to split: the one whose enclosure width costs more of the bound
            ws, wt = s1 - s0, t1 - t0
            split_s = ws >= wt
            if N is not None and D is not None:
                wn = iv_hi(N) - iv_lo(N)
                wd = iv_hi(D) - iv_lo(D)
                db = iv_hi(D)
                if mpmath.isfinite(wn) and mpmath.isfinite(wd) and db > 0 and \
                        mpmath.isfinite(db):
                    gap_s = wn / db
                    gap_t = max(iv_lo(N), _ZERO) * wd / (db * db)
                    split_s = gap_s >= gap_t
                elif not mpmath.isfinite(wd) and mpmath.isfinite(wn):
                    split_s = False
                elif not mpmath.isfinite(wn) and mpmath.isfinite(wd):
                    split_s = True
            if split_s and ws < min_w:
                split_s = False
            if not split_s and wt < min_w:
                split_s = ws >= min_w
                if not split_s:
                    stuck.append(lb)
                    continue
            if split_s:
                m = exact_mid(s0, s1)
                kids = [(s0, m, t0, t1), (m, s1, t0, t1)] if m is not None else []
            else:
                m = exact_mid(t0, t1)
                kids = [(s0, s1, t0, m), (s0, s1, m, t1)] if m is not None else []
            if not kids:
                stuck.append(lb)
                continue
            for kb in kids:
                boxes += 1
                clb, cN, cD = box_lb(*kb)
                if clb is None or clb > best[0]:
                    continue
                cnt += 1
                heapq.heappush(heap, (max(clb, lb), cnt, kb, cN, cD))
        lo = min([h[0] for h in heap] + stuck + [best[0]])
        if nonneg:
            lo = max(lo, _ZERO)
        hi = best[0]
        lo_f, hi_f = float_down(lo), float_up(hi)
    conv = bool(hi_f - lo_f <= tol)
    return RatioBounds(
        lo=lo_f, hi=hi_f, argmin=best[1], boxes=boxes, converged=conv,
        seconds=clock() - t0, g_nonnegative=nonneg,
        detail=(f"branch and bound over the triangle s, t >= 0, s + t <= 1: {boxes} boxes, "
                f"g >= 0 {'proved' if nonneg else 'not proved'}; "
                f"{'converged' if conv else 'not converged'} to {tol:g}"),
        data={"open_boxes": len(heap), "stuck_boxes": len(stuck)})


def _one_minus(x: mpmath.mpf, rnd: str) -> mpmath.mpf:
    """1 - x rounded to the interval precision, down ('f') or up ('c'), without exact sums."""
    return mpmath.fsub(_ONE, x, prec=iv.prec, rounding=rnd)


def _continuous(fn, X) -> bool:
    """The continuity-checking compile certifies ``fn`` continuous (and finite) on X."""
    try:
        r = fn.raw(X)
    except (SingularPoint, UndefinedPoint):
        return False
    return bool(mpmath.isfinite(iv_lo(r)) and mpmath.isfinite(iv_hi(r)))


def _sum_le_one(s: mpmath.mpf, t: mpmath.mpf) -> bool:
    """s + t <= 1, decided exactly (an exact sum of 2^-huge and 1/2 would need huge memory)."""
    if s <= 0.5 and t <= 0.5:
        return True
    # s + t rounded up at 256 bits: equal to the exact sum whenever that sum has <= 256 bits
    return mpmath.fadd(s, t, prec=256, rounding="u") <= 1


def _bits(x: mpmath.mpf) -> int:
    return int(x.man_exp[0]).bit_length() if x else 0


def _ratio_hi(ps, pt, nonneg: bool):
    """A certified upper bound of g(s)/g(t) from thin enclosures, or None."""
    if ps is None or pt is None or iv_isnan(ps) or iv_isnan(pt):
        return None
    if nonneg:
        ps = iv_make(max(iv_lo(ps), _ZERO), max(iv_hi(ps), _ZERO))
    if iv_lo(pt) <= 0 or mpmath.isinf(iv_hi(ps)):
        return None
    if mpmath.isinf(iv_lo(pt)):  # g(t) = +inf, g(s) finite
        return _ZERO if iv_lo(ps) >= 0 else None
    q = ps / pt
    return None if iv_isnan(q) else iv_hi(q)


def _float_search(g_expr, var, n: int):
    """A float estimate of the minimising (s, t): grid with prefix maxima, then polishing."""
    try:
        f = sp.lambdify(var, g_expr, numeric_modules(g_expr))
        xs = np.linspace(0.0, 1.0, n)
        with np.errstate(all="ignore"):
            g = np.asarray(f(xs), dtype=float) * np.ones_like(xs)
    except Exception:  # noqa: BLE001 - only a hint for the incumbent
        return None, None
    gt = np.where(np.isnan(g), -np.inf, g)
    pm = np.maximum.accumulate(gt)
    arg = np.maximum.accumulate(np.where(gt == pm, np.arange(n), 0))
    den = pm[::-1]  # s_i pairs with t in [0, 1 - s_i], i.e. indices 0 .. n-1-i
    with np.errstate(all="ignore"):
        ratio = np.where(np.isfinite(g) & (g >= 0) & (den > 0), g / den, np.inf)
    if not np.any(np.isfinite(ratio)):
        return None, None
    i = int(np.argmin(ratio))
    s, t = float(xs[i]), float(xs[arg[n - 1 - i]])
    def fv(x):
        try:
            with np.errstate(all="ignore"):
                v = float(f(np.float64(x)))
        except (ArithmeticError, ValueError, TypeError):
            return np.nan
        return v if np.isfinite(v) else np.nan

    h = 2.0 / (n - 1)
    for _ in range(2):  # polish: alternate 1-D golden-section searches near the grid optimum
        x = _golden(fv, max(0.0, s - h), min(1.0 - t, s + h))
        if x is not None and fv(x) <= fv(s):
            s = x
        x = _golden(lambda y: -fv(y), max(0.0, t - h), min(1.0 - s, t + h))
        if x is not None and fv(x) >= fv(t):
            t = x
    return s, t


def _golden(fun, a: float, b: float, iters: int = 80) -> float | None:
    """Golden-section minimisation of a float function on [a, b] (a hint, not a bound)."""
    if not b > a:
        return None
    r = (5**0.5 - 1) / 2
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = fun(c), fun(d)
    for _ in range(iters):
        if not (np.isfinite(fc) and np.isfinite(fd)):
            return None
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = fun(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = fun(d)
        if b - a < 1e-13:
            break
    return (a + b) / 2
