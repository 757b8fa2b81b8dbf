"""Non-smooth functions of one variable, split exactly into smooth pieces.

``piecewise``, ``min``, ``max``, ``abs``, ``sign`` and ``Heaviside`` make a function whose
symbolic derivative (sympy differentiates each branch) says nothing at the points where the
branch changes: a kink, a jump or an isolated point value. Every rule that reads curvature or
monotonicity from derivatives must therefore look at those points too. :func:`split_pieces`
finds them exactly (roots of the branch conditions, real-root isolation for polynomials,
``solveset`` otherwise) and returns a :class:`Pieces`: the breakpoints, the smooth branch on
each open interval between them, the value at each breakpoint and at the ends, and one-sided
limits and slopes. The functions below decide, with evidence,

* :meth:`Pieces.continuity`: every one-sided limit equals the value there;
* :func:`pieces_monotone`: non-increasing (each branch's slope ≤ 0, no upward jump);
* :func:`pieces_curvature`: convex / concave / affine from each branch's second derivative
  *and* the jump of the slope at each breakpoint (a continuous function is convex iff each
  piece is and every slope jumps up).

A split that cannot be found exactly (conditions sympy cannot solve, a time limit, more than
``max_breaks`` breakpoints) returns None, and the callers answer UNDECIDED.

>>> import sympy as sp
>>> u = sp.Symbol("u", nonnegative=True)
>>> P = split_pieces(sp.Max(2 - 3*u, 1 - u), u)
>>> [str(b) for b in P.breaks], [str(e) for e in P.branches]
(['1/2'], ['2 - 3*u', '1 - u'])
>>> pieces_curvature(P).kind
'convex'
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["NONSMOOTH", "Jump", "Pieces", "PiecewiseCurvature", "is_nonsmooth", "pieces_curvature",
           "pieces_monotone", "prune_minmax", "same_value", "split_pieces",
           "to_piecewise"]

NONSMOOTH = (sp.Piecewise, sp.Abs, sp.Min, sp.Max, sp.sign, sp.Heaviside, sp.floor,
             sp.ceiling)
"""The node types whose value or slope may change abruptly."""


def is_nonsmooth(expr: sp.Basic) -> bool:
    """True when ``expr`` contains a node that may break smoothness (see :data:`NONSMOOTH`)."""
    return isinstance(expr, sp.Basic) and expr.has(*NONSMOOTH)


def to_piecewise(expr: sp.Expr) -> sp.Expr:
    """``expr`` with Abs, Min, Max, sign and Heaviside written as Piecewise (folded)."""
    def rw(e):
        if isinstance(e, sp.Abs):
            x = e.args[0]
            return sp.Piecewise((x, x >= 0), (-x, True))
        if isinstance(e, sp.sign):
            x = e.args[0]
            return sp.Piecewise((1, x > 0), (-1, x < 0), (0, True))
        if isinstance(e, sp.Heaviside):
            x = e.args[0]
            h0 = e.args[1] if len(e.args) > 1 else sp.Rational(1, 2)
            return sp.Piecewise((0, x < 0), (1, x > 0), (h0, True))
        if isinstance(e, (sp.Min, sp.Max)):
            return e.rewrite(sp.Piecewise)
        return e

    out = expr
    for _ in range(50):  # nested nodes are rewritten bottom-up, a level per pass
        new = out.replace(lambda e: isinstance(e, (sp.Abs, sp.sign, sp.Heaviside, sp.Min,
                                                   sp.Max)), rw)
        if new == out:
            break
        out = new
    return out


@dataclass(frozen=True)
class Jump:
    """A discontinuity of f at ``at``: the left limit, the value, the right limit (None where
    the side lies outside the interval)."""

    at: sp.Expr
    left: sp.Expr | None
    value: sp.Expr
    right: sp.Expr | None

    def steps(self) -> list[sp.Expr]:
        """The signed steps met going right through ``at`` (value − left, right − value)."""
        out = []
        if self.left is not None:
            out.append(self.value - self.left)
        if self.right is not None:
            out.append(self.right - self.value)
        return out

    def text(self) -> str:
        parts = []
        if self.left is not None:
            parts.append(f"l({sp.sstr(self.at)}-) = {sp.sstr(self.left)}")
        parts.append(f"l({sp.sstr(self.at)}) = {sp.sstr(self.value)}")
        if self.right is not None:
            parts.append(f"l({sp.sstr(self.at)}+) = {sp.sstr(self.right)}")
        return ", ".join(parts)


class _Undecidable(Exception):
    pass


@dataclass(frozen=True)
class Pieces:
    """f on [lo, hi] as smooth branches between exact breakpoints.

    ``breaks`` b_1 < ... < b_m lie strictly inside (lo, hi); ``branches[i]`` is f on the open
    interval (b_i, b_{i+1}) (with b_0 = lo, b_{m+1} = hi), a smooth expression in ``var``;
    ``values[i]`` is f(b_i); ``end_values`` is (f(lo), f(hi)), ±oo kept (an undefined value at an
    end read as the one-sided limit); None where undefined.
    """

    var: sp.Symbol
    lo: sp.Expr
    hi: sp.Expr
    breaks: tuple
    branches: tuple
    values: tuple
    end_values: tuple

    @property
    def points(self) -> tuple:
        return (self.lo, *self.breaks, self.hi)

    def intervals(self):
        """(a, b, branch) for each open piece."""
        pts = self.points
        return [(pts[i], pts[i + 1], self.branches[i]) for i in range(len(self.branches))]

    @property
    def smooth(self) -> bool:
        """No breakpoint and the ends agree with the branch: one smooth expression."""
        return not self.breaks and self.continuity()[0] is True

    def limit(self, i: int, x: sp.Expr, side: str) -> sp.Expr:
        """Branch i at x, approached from ``side`` ('+' or '-')."""
        return _limit(self.branches[i], self.var, x, side)

    def slope(self, i: int, x: sp.Expr, side: str) -> sp.Expr:
        return _limit(sp.diff(self.branches[i], self.var), self.var, x, side)

    def _sides(self):
        """(x, f(x), [(side, one-sided limit), ...]) at lo, each breakpoint and hi, in order;
        a side outside [lo, hi] is left out, a limit not found is None."""
        n = len(self.branches)
        for j, x in enumerate(self.points):
            val = self.end_values[0] if j == 0 else (self.end_values[1] if j == n
                                                     else self.values[j - 1])
            sides = []
            if j > 0:
                sides.append(("-", self.limit(j - 1, x, "-")))
            if j < n:
                sides.append(("+", self.limit(j, x, "+")))
            yield x, val, sides

    def continuity(self) -> tuple[bool | None, str]:
        """(True, '') when every one-sided limit equals the value (+oo = +oo allowed at an
        end, as for -log u at 0); (False, where) at the first jump or isolated value;
        (None, why) when a value or limit cannot be decided."""
        for x, val, sides in self._sides():
            for _, lim in sides:
                if val is None or lim is None:
                    return None, f"value or limit at {sp.sstr(x)} undefined or not found"
                z = _same(val, lim)
                if z is None:
                    return None, f"cannot decide whether f is continuous at {sp.sstr(x)}"
                if not z:
                    return False, (f"f jumps at {sp.sstr(x)}: value {sp.sstr(val)}, one-sided "
                                   f"limit {sp.sstr(lim)}")
        return True, ""

    def jumps(self) -> list[Jump] | None:
        """Every point of [lo, hi] where f is not continuous, with its one-sided limits and
        value; None when a value or limit cannot be decided."""
        out = []
        for x, val, sides in self._sides():
            if val is None or any(lim is None for _, lim in sides):
                return None
            same = [_same(val, lim) for _, lim in sides]
            if any(z is None for z in same):
                return None
            if not all(same):
                lims = dict(sides)
                out.append(Jump(x, lims.get("-"), val, lims.get("+")))
        return out

    def describe(self) -> str:
        segs = [f"[{sp.sstr(a)}, {sp.sstr(b)}]: {sp.sstr(e)}" for a, b, e in self.intervals()]
        return "; ".join(segs)


def same_value(a: sp.Expr, b: sp.Expr) -> bool | None:
    """a = b for two numbers of the extended reals (None: undecided)."""
    if a == b:
        return True
    if a.is_infinite or b.is_infinite:
        return False
    return _is_zero(a - b)


_same = same_value


def _is_zero(d: sp.Expr) -> bool | None:
    if d == 0:
        return True
    z = d.is_zero
    if z is not None:
        return bool(z)
    try:
        v = sp.N(d, 60)
    except (TypeError, ValueError):
        return None
    if v.is_number and abs(v) > sp.Float("1e-40"):
        return False
    return None


def _limit(e: sp.Expr, x: sp.Symbol, x0: sp.Expr, side: str) -> sp.Expr | None:
    try:
        v = e.subs(x, x0)
        if v.is_number and v.is_finite and v.is_real and not v.has(sp.nan, sp.zoo):
            return v
    except (TypeError, ValueError, ZeroDivisionError):
        pass
    try:
        v = sp.limit(e, x, x0, side)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if v.has(sp.nan, sp.zoo) or not (v.is_real or v in (sp.oo, -sp.oo)) or isinstance(
            v, sp.AccumBounds):
        return None
    return v


def roots_in(h: sp.Expr, var: sp.Symbol, lo, hi) -> list | None:
    """Exact roots of h in the open interval (lo, hi), and of its denominator; None when
    they cannot be found exactly."""
    h = sp.together(h)
    num, den = sp.fraction(h)
    out = []
    for part in (num, den):
        if not part.has(var):
            continue
        if part.is_polynomial(var):
            try:
                poly = sp.Poly(part, var)
            except sp.PolynomialError:
                return None
            if not all(c.is_rational for c in poly.all_coeffs()):
                sol = sp.solveset(part, var, sp.Interval.open(lo, hi))
                if not isinstance(sol, sp.FiniteSet):
                    return None
                out.extend(sol)
                continue
            if poly.degree() > 60:
                return None
            for r in poly.real_roots():
                if lo < r < hi:
                    out.append(r)
            continue
        try:
            sol = sp.solveset(part, var, sp.Interval.open(lo, hi))
        except (NotImplementedError, ValueError, TypeError):
            return None
        if not isinstance(sol, sp.FiniteSet):
            return None
        out.extend(sol)
    return out


def _rational_inside(a: sp.Expr, b: sp.Expr) -> sp.Rational:
    m = (a + b) / 2
    if m.is_Rational:
        return m
    for digits in (6, 12, 24, 48):
        q = sp.Rational(str(sp.N(m, digits)))
        if a < q < b:
            return q
    raise _Undecidable(f"no rational point found between {a} and {b}")


def _select_branch(e: sp.Expr, var: sp.Symbol, x0: sp.Rational) -> sp.Expr:
    """The smooth expression that ``e`` equals near ``x0``: each Piecewise replaced by the
    first branch whose condition holds at x0 (conditions are constant between breakpoints)."""
    if isinstance(e, sp.Piecewise):
        for val, cond in e.args:
            c = cond.subs(var, x0) if isinstance(cond, sp.Basic) else cond
            if c is sp.true or c is True:
                return _select_branch(val, var, x0)
            if c is not sp.false and c is not False:
                raise _Undecidable(f"condition {cond} undecided at {var} = {x0}")
        raise _Undecidable(f"no branch of {sp.sstr(e)} applies at {var} = {x0}")
    if not e.args or not e.has(sp.Piecewise):
        return e
    return e.func(*[_select_branch(a, var, x0) for a in e.args])


def _value_at(e: sp.Expr, var: sp.Symbol, x0: sp.Expr) -> sp.Expr | None:
    try:
        v = e.subs(var, x0)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if isinstance(v, sp.Piecewise) or v.has(sp.Piecewise):
        try:
            v = sp.piecewise_fold(v)
            if isinstance(v, sp.Piecewise):
                return None
        except (TypeError, ValueError):
            return None
    if not v.is_number or v.has(sp.nan, sp.zoo):
        return None
    if v in (sp.oo, -sp.oo):
        return v
    return v if v.is_real else None


def split_pieces(f: sp.Expr, var: sp.Symbol, lo=0, hi=1, *, max_breaks: int = 64,
                 seconds: float = 5.0) -> Pieces | None:
    """Split ``f`` (numeric apart from ``var``) on [lo, hi] into smooth pieces (see module
    docstring); None when the breakpoints cannot be found exactly within ``seconds``."""
    from ...timing import time_limit

    lo, hi = sp.sympify(lo), sp.sympify(hi)
    if f.free_symbols - {var}:
        return None
    key = (f, var, lo, hi, max_breaks)
    if key in _SPLITS:  # several checks ask for the same split (a failed one costs `seconds`)
        return _SPLITS[key]
    out = None
    with time_limit(seconds) as lim:
        out = _split(f, var, lo, hi, max_breaks)
    if len(_SPLITS) > 512:
        _SPLITS.clear()
    if not lim.expired or seconds >= 5.0:  # a split cut short by a tighter outer budget may
        _SPLITS[key] = out                 # succeed later with more time: cache only our own
    return out


_SPLITS: dict = {}


def _split(f, var, lo, hi, max_breaks):
    out = _split_once(f, var, lo, hi, max_breaks)
    if out is None and f.has(sp.Min, sp.Max):
        # a crossing with no closed form (min(exp(-1.5*u), 1 - 0.7*u)): drop the arguments
        # that a certified sign proof shows never attain the min (max) on [lo, hi]
        g = prune_minmax(f, var, lo, hi)
        if g != f:
            out = _split_once(g, var, lo, hi, max_breaks)
    return out


def prune_minmax(f: sp.Expr, var: sp.Symbol, lo, hi, *, max_boxes: int = 2000) -> sp.Expr:
    """``f`` with every argument b of a Min (Max) dropped where another argument a is proved
    a <= b (a >= b) on all of [lo, hi] by interval bisection
    (:func:`~alfs_theory.checks.provers.intervals.prove_sign_on_interval`): there min(a, b) = a as a
    function, whether or not the two touch. Arguments with a non-smooth node or another free
    symbol are kept as they are."""
    from ..verdict import Verdict
    from .intervals import prove_sign_on_interval

    def dominated(a, b, want) -> bool:
        d = a - b
        if d.free_symbols - {var} or is_nonsmooth(d):
            return False
        try:
            r = prove_sign_on_interval(d, var, lo, hi, sign=want, strict=False,
                                       max_boxes=max_boxes)
        except Exception:  # noqa: BLE001 - no proof: keep both
            return False
        return r.verdict is Verdict.PROVED

    def rw(e):
        if not isinstance(e, sp.Basic) or not e.args:
            return e
        args = [rw(a) for a in e.args]
        if not isinstance(e, (sp.Min, sp.Max)):
            return e.func(*args) if args != list(e.args) else e
        want = "negative" if isinstance(e, sp.Min) else "positive"
        keep = list(args)
        changed = True
        while changed and len(keep) > 1:
            changed = False
            for a in keep:
                b = next((b for b in keep if b is not a and dominated(a, b, want)), None)
                if b is not None:
                    keep.remove(b)
                    changed = True
                    break
        return keep[0] if len(keep) == 1 else e.func(*keep)

    return rw(f)


def _split_once(f, var, lo, hi, max_breaks):
    g = to_piecewise(f)
    if g.has(sp.floor, sp.ceiling):
        return None
    try:
        g = sp.piecewise_fold(g) if g.has(sp.Piecewise) else g
    except (TypeError, ValueError):
        return None
    breaks: set = set()
    for node in sp.preorder_traversal(g):
        if not isinstance(node, sp.Piecewise):
            continue
        for _, cond in node.args:
            if not isinstance(cond, sp.Basic):
                continue
            for rel in cond.atoms(sp.core.relational.Relational):
                roots = roots_in(rel.lhs - rel.rhs, var, lo, hi)
                if roots is None:
                    return None
                breaks.update(roots)
                if len(breaks) > max_breaks:
                    return None
    try:
        bs = sorted(breaks, key=lambda r: sp.N(r, 50))
    except TypeError:
        return None
    uniq = []
    for b in bs:
        if not uniq or _is_zero(b - uniq[-1]) is not True:
            uniq.append(b)
    pts = [lo, *uniq, hi]
    try:
        branches = tuple(_select_branch(g, var, _rational_inside(pts[i], pts[i + 1]))
                         for i in range(len(pts) - 1))
    except _Undecidable:
        return None
    # merge neighbours that are the same expression and have no special value between them
    vals = [_value_at(g, var, b) for b in uniq]
    # at the two ends an undefined value (log 0 = zoo) is read as the one-sided limit, the
    # extended-real convention of the checker (l(0) = +oo for CE)
    ends = (_value_at(g, var, lo), _value_at(g, var, hi))
    if ends[0] is None:
        ends = (_limit(branches[0], var, lo, "+"), ends[1])
    if ends[1] is None:
        ends = (ends[0], _limit(branches[-1], var, hi, "-"))
    keep_b, keep_v, keep_e = [], [], [branches[0]]
    for j, b in enumerate(uniq):
        nxt = branches[j + 1]
        if sp.simplify(nxt - keep_e[-1]) == 0:  # one branch on both sides of b
            lim = _limit(nxt, var, b, "+")
            if vals[j] is not None and lim is not None and _is_zero(vals[j] - lim) is True:
                continue  # and f(b) on it: b is no breakpoint
        keep_b.append(b)
        keep_v.append(vals[j])
        keep_e.append(nxt)
    return Pieces(var, lo, hi, tuple(keep_b), tuple(keep_e), tuple(keep_v), ends)


# ------------------------------------------------------------------------------ decisions
def _prove(expr, var, a, b, sign, strict):
    """Sign of a smooth branch expression on [a, b] (outer rational bounds for irrational
    breakpoints: a stronger claim, so sound)."""
    from ..verdict import Verdict
    from .intervals import prove_sign_on_interval

    def outer(x, down):
        if x.is_Rational:
            return x
        v = sp.N(x, 30)
        q = sp.Rational(str(v))
        step = sp.Rational(1, 10**25)
        return q - step if down else q + step

    e = sp.simplify(expr) if expr.count_ops() < 60 else expr
    if e.is_number:
        ok = (e < 0 if strict else e <= 0) if sign == "negative" else (e > 0 if strict else
                                                                       e >= 0)
        return bool(ok), f"{sp.sstr(e)} (constant)"
    r = prove_sign_on_interval(e, var, outer(a, True), outer(b, False), sign=sign,
                               strict=strict)
    if r.verdict is Verdict.PROVED:
        return True, f"{sp.sstr(e)} {sign} on [{sp.sstr(a)}, {sp.sstr(b)}] (interval-bisection)"
    if r.verdict is Verdict.REFUTED:
        return False, r.counterexample.detail
    return None, f"{sp.sstr(e)} {sign} on [{sp.sstr(a)}, {sp.sstr(b)}] undecided"


def pieces_monotone(P: Pieces) -> tuple[bool | None, str]:
    """Non-increasing on [lo, hi]: each branch's slope ≤ 0 on its piece, and at every
    breakpoint and end the values step down (f(b−) ≥ f(b) ≥ f(b+))."""
    notes = []
    for a, b, e in P.intervals():
        ok, why = _prove(sp.diff(e, P.var), P.var, a, b, "negative", False)
        if ok is not True:
            return ok, f"on ({sp.sstr(a)}, {sp.sstr(b)}): {why}"
        notes.append(why)
    # the values in order along [lo, hi]: f(lo), f(lo+), f(b1-), f(b1), f(b1+), ..., f(hi)
    seq = [(P.lo, P.end_values[0]), (P.lo, P.limit(0, P.lo, "+"))]
    for j, b in enumerate(P.breaks):
        seq += [(b, P.limit(j, b, "-")), (b, P.values[j]), (b, P.limit(j + 1, b, "+"))]
    seq += [(P.hi, P.limit(len(P.branches) - 1, P.hi, "-")), (P.hi, P.end_values[1])]
    for (x0, v0), (x1, v1) in zip(seq, seq[1:]):
        if v0 is None or v1 is None:
            return None, f"a value or one-sided limit at {sp.sstr(x1)} is undefined"
        if _same(v0, v1) is True:
            continue
        up = v1 > v0
        if up is sp.true or up is True:
            return False, f"f steps up at {sp.sstr(x1)}: from {sp.sstr(v0)} to {sp.sstr(v1)}"
        if not (up is sp.false or up is False):
            return None, f"cannot compare the values {sp.sstr(v0)}, {sp.sstr(v1)}"
    steps = f"; values step down at the breakpoints {[sp.sstr(b) for b in P.breaks]}" \
        if P.breaks else ""
    return True, "; ".join(notes) + steps


@dataclass(frozen=True)
class PiecewiseCurvature:
    kind: str  # "linear", "convex", "concave", "neither", "unknown"
    strict: bool
    detail: str
    witness: dict | None = None  # for "neither": where convexity and concavity fail


def pieces_curvature(P: Pieces) -> PiecewiseCurvature:
    """Convex / concave / affine from the pieces: a function continuous on [lo, hi] is convex
    iff every branch is convex on its piece and the slope jumps up at every breakpoint
    (concave: down). A discontinuous function is neither (a jump breaks both), reported with
    the jump as witness."""
    cont, why = P.continuity()
    if cont is False:
        return PiecewiseCurvature("neither", False, f"not continuous: {why}",
                                  {"jump": why})
    if cont is None:
        return PiecewiseCurvature("unknown", False, f"continuity undecided: {why}")
    v = P.var
    br_kind = []
    notes = []
    for a, b, e in P.intervals():
        d2 = sp.simplify(sp.diff(e, v, 2))
        if d2 == 0:
            br_kind.append(("linear", False))
            notes.append(f"({sp.sstr(a)}, {sp.sstr(b)}): {sp.sstr(e)} affine")
            continue
        tried = []
        for sign, kind in (("positive", "convex"), ("negative", "concave")):
            ok, why = _prove(d2, v, a, b, sign, False)
            tried.append((ok, why))
            if ok:
                st, _ = _prove(d2, v, a, b, sign, True)
                br_kind.append((kind, bool(st)))
                notes.append(f"({sp.sstr(a)}, {sp.sstr(b)}): {why}")
                break
        else:
            if all(ok is False for ok, _ in tried):
                return PiecewiseCurvature("neither", False, f"the piece on ({sp.sstr(a)}, "
                                          f"{sp.sstr(b)}) changes curvature: "
                                          f"{tried[0][1]}; {tried[1][1]}")
            return PiecewiseCurvature("unknown", False, f"curvature of the piece on "
                                      f"({sp.sstr(a)}, {sp.sstr(b)}) undecided")
    jumps = []
    for j, b in enumerate(P.breaks):
        dl, dr = P.slope(j, b, "-"), P.slope(j + 1, b, "+")
        if dl is None or dr is None or not (dl.is_finite and dr.is_finite):
            return PiecewiseCurvature("unknown", False, f"one-sided slopes at {sp.sstr(b)} "
                                      "not finite or not found")
        dj = dr - dl
        z = _is_zero(dj)
        if z is None:
            return PiecewiseCurvature("unknown", False, f"slope jump at {sp.sstr(b)} "
                                      "undecided")
        jumps.append((b, dl, dr, 0 if z else (1 if sp.N(dj, 50) > 0 else -1)))
    kinds = {k for k, _ in br_kind} - {"linear"}
    jsign = {s for *_, s in jumps} - {0}
    jtxt = "; ".join(f"slope at {sp.sstr(b)}: {sp.sstr(dl)} -> {sp.sstr(dr)}"
                     for b, dl, dr, _ in jumps)
    detail = "; ".join(notes) + (f"; {jtxt}" if jtxt else "")
    if not kinds and not jsign:
        return PiecewiseCurvature("linear", False, "every piece affine with the same slope, "
                                  "continuous: " + detail)
    if kinds <= {"convex"} and jsign <= {1}:
        strict = all(s for k, s in br_kind)
        return PiecewiseCurvature("convex", strict, detail)
    if kinds <= {"concave"} and jsign <= {-1}:
        strict = all(s for k, s in br_kind)
        return PiecewiseCurvature("concave", strict, detail)
    # neither: name one place where each fails
    wit = {}
    for b, dl, dr, s in jumps:
        if s < 0:
            wit.setdefault("convexity_fails", f"slope drops at {sp.sstr(b)}: {sp.sstr(dl)} -> "
                           f"{sp.sstr(dr)}")
        if s > 0:
            wit.setdefault("concavity_fails", f"slope rises at {sp.sstr(b)}: {sp.sstr(dl)} -> "
                           f"{sp.sstr(dr)}")
    for (a, b, e), (k, st) in zip(P.intervals(), br_kind):
        if not st:
            continue
        if k == "concave":
            wit.setdefault("convexity_fails", f"strictly concave piece on ({sp.sstr(a)}, "
                           f"{sp.sstr(b)})")
        if k == "convex":
            wit.setdefault("concavity_fails", f"strictly convex piece on ({sp.sstr(a)}, {sp.sstr(b)})")
    if "convexity_fails" in wit and "concavity_fails" in wit:
        return PiecewiseCurvature("neither", False, detail, wit)
    return PiecewiseCurvature("unknown", False, "mixed pieces: " + detail)
