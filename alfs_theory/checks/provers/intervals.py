"""Sound numeric bounds with interval arithmetic (mpmath ``iv``) and branch and bound.

Every enclosure this module returns contains the true range of the expression over the box
(rounding is outward, at :data:`IV_PREC` bits). A sign is PROVED from enclosures only; a sign
is REFUTED only at a point whose value was re-verified at 50 digits; when the box budget runs
out the answer is UNDECIDED with the unresolved boxes.

Semantics at singular points: a value is the one-sided limit where the expression is defined
on one side only (``u**(-1/2)`` at ``u = 0`` is ``+inf``, ``log(0)`` is ``-inf``). Where a
sub-expression is not real on part of a box (``log`` of a possibly negative interval, a
fractional power of a possibly negative base) the enclosure is the whole line; where it is
not real on the whole box, :class:`IntervalDomainError` is raised. A narrower answer is never
given on a guess.

Example
-------
>>> import sympy as sp
>>> u = sp.Symbol("u")
>>> f = to_interval_function(sp.exp(-u) * (1 + u), [u])
>>> r = f((0, 1))          # encloses the range of e^{-u}(1+u) over [0, 1]
>>> float(r.a) <= 2 / sp.E.evalf() and float(r.b) >= 1
True
>>> prove_sign_on_interval(-(1 + u) ** sp.Rational(-1, 2), u, 0, 1,
...                        sign="negative", strict=True).verdict.value
'PROVED'
"""

from __future__ import annotations

import contextlib
import heapq
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv, libmp

from ...errors import AlfsError
from ...symbols import numeric_modules
from ..verdict import Certificate, CheckResult, Counterexample, Verdict

__all__ = [
    "IV_PREC",
    "POINT_DPS",
    "IntervalDomainError",
    "IntervalError",
    "IntervalFunction",
    "RangeBounds",
    "enclose",
    "enclose_range",
    "iv_precision",
    "prove_sign_on_interval",
    "to_interval_function",
    "verify_point",
]

IV_PREC = 80  #: bits of the interval endpoints
_MIN_REL_WIDTH = mpmath.ldexp(1, -44)  # boxes narrower than this (relative) are not split
POINT_DPS = 50  #: decimal digits of the re-verification of a counterexample


class IntervalError(AlfsError, ValueError):
    """An expression the interval layer cannot enclose (unknown function, free symbol)."""


class IntervalDomainError(IntervalError):
    """The expression is not real anywhere on the box (e.g. ``log`` of a negative interval)."""


class UndefinedPoint(Exception):
    """Internal: a sub-expression is not real on the whole box."""


class SingularPoint(Exception):
    """Internal (continuity-checking compile only): the box meets a point where an operation
    may be discontinuous (a pole, log at 0, a power of a base that may be 0 or negative)."""


_MISS = object()


@contextlib.contextmanager
def iv_precision(bits: int = IV_PREC):
    """Set ``mpmath.iv.prec`` to ``bits`` inside the block and restore it after."""
    old = iv.prec
    iv.prec = bits
    try:
        yield
    finally:
        iv.prec = old


# ----------------------------------------------------------------------------- helpers

_INF = mpmath.inf
_NINF = -mpmath.inf
_ZERO = mpmath.mpf(0)
_ONE = mpmath.mpf(1)


_mpf = mpmath.mp.make_mpf  # an mpf from a raw tuple, exactly (mpmath.mpf() would round)


def iv_lo(r) -> mpmath.mpf:
    return _mpf(r._mpi_[0])


def iv_hi(r) -> mpmath.mpf:
    return _mpf(r._mpi_[1])


def iv_make(a, b):
    """The interval [a, b] from endpoints already representable at the current precision."""
    return iv.mpf([a, b])


def _full():
    return iv.mpf([_NINF, _INF])


def _hull(x, y):
    return iv_make(min(iv_lo(x), iv_lo(y)), max(iv_hi(x), iv_hi(y)))


def iv_isnan(r) -> bool:
    return bool(mpmath.isnan(iv_lo(r)) or mpmath.isnan(iv_hi(r)))


def _mid_value(r) -> mpmath.mpf:
    a, b = iv_lo(r), iv_hi(r)
    return a if not mpmath.isfinite(b) else (b if not mpmath.isfinite(a) else (a + b) / 2)


def iv_intersect(x, y):
    a, b = max(iv_lo(x), iv_lo(y)), min(iv_hi(x), iv_hi(y))
    if a > b:  # cannot happen for two sound enclosures; keep the first rather than guess
        return x
    return iv_make(a, b)


def round_mpf(x: mpmath.mpf, rnd: str) -> mpmath.mpf:
    """``x`` rounded to the interval precision ('f' floor, 'c' ceiling, 'n' nearest)."""
    return _mpf(libmp.mpf_pos(x._mpf_, iv.prec, rnd))


_FMAX = 1.7976931348623157e308


def float_down(x) -> float:
    """A float <= x (x an mpf); a finite x never becomes +inf by overflow."""
    x = x if isinstance(x, mpmath.mpf) else mpmath.mpf(x)
    if not mpmath.isfinite(x):
        return float(x)
    v = libmp.to_float(x._mpf_, rnd="f")
    return _FMAX if v == float("inf") else v


def float_up(x) -> float:
    """A float >= x (x an mpf)."""
    x = x if isinstance(x, mpmath.mpf) else mpmath.mpf(x)
    if not mpmath.isfinite(x):
        return float(x)
    v = libmp.to_float(x._mpf_, rnd="c")
    return -_FMAX if v == float("-inf") else v


def exact_mid(a: mpmath.mpf, b: mpmath.mpf) -> mpmath.mpf | None:
    """A split point strictly inside (a, b), representable at the interval precision."""
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return None
    m = round_mpf(mpmath.ldexp(mpmath.fadd(a, b, prec=iv.prec + 16, rounding="n"), -1), "n")
    return m if a < m < b else None


def outward_mpf(x: sp.Expr, rnd: str) -> mpmath.mpf:
    """A representable number below ('f') or above ('c') the exact sympy number ``x``."""
    r = _const(sp.sympify(x))
    return iv_lo(r) if rnd == "f" else iv_hi(r)


def to_rational(x) -> sp.Expr:
    """An exact sympy number for a bound: floats by their binary value, strings by decimal."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, (int, np.integer)):
        return sp.Integer(int(x))
    if isinstance(x, (float, np.floating)):
        return sp.Rational(float(x))
    if isinstance(x, mpmath.mpf):
        return _mpf_to_rational(x)
    return sp.Rational(str(x))


def _mpf_to_rational(x: mpmath.mpf) -> sp.Rational:
    if not mpmath.isfinite(x):
        raise IntervalError(f"not a finite number: {x}")
    man, exp = x.man_exp
    return sp.Integer(man) * sp.Integer(2) ** exp


# ----------------------------------------------------------------------------- constants


def _int_iv(n: int):
    return iv.mpf(n)  # outward rounded when n needs more bits than the precision


def _const(x: sp.Expr):
    """A sound enclosure of a sympy number."""
    if x.is_Integer:
        return _int_iv(int(x))
    if x.is_Rational:
        return _int_iv(int(x.p)) / _int_iv(int(x.q))
    if x.is_Float:
        if not x.is_finite:
            raise UndefinedPoint(f"non-finite constant {x}")
        t = x._mpf_
        return iv_make(_mpf(libmp.mpf_pos(t, iv.prec, "f")), _mpf(libmp.mpf_pos(t, iv.prec, "c")))
    if x is sp.pi:
        return iv.pi + 0
    if x is sp.E:
        return iv.e + 0
    if x in (sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise UndefinedPoint(f"non-finite constant {x}")
    v = sp.N(x, 45)
    if not v.is_real or not v.is_finite:
        raise UndefinedPoint(f"the constant {x} is not a real number")
    with mpmath.workdps(45):
        c = mpmath.mpf(str(v))
        w = abs(c) * mpmath.mpf(10) ** -38 + mpmath.mpf(10) ** -300
        lo, hi = c - w, c + w
    return iv_make(round_mpf(lo, "f"), round_mpf(hi, "c"))


# ----------------------------------------------------------------------------- the compiler

_SMOOTH = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.atan, sp.tanh, sp.sinh, sp.cosh,
           sp.asinh, sp.erf)


def is_smooth(expr: sp.Expr) -> bool:
    """Built from Add, Mul, Pow and smooth functions only (mean-value forms are valid)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and not isinstance(node, _SMOOTH):
            return False
        if isinstance(node, (sp.Piecewise, sp.Abs, sp.Min, sp.Max)):
            return False
    return True


def _mono(fn, increasing: bool):
    """Interval extension of a monotone function from mpmath at extra precision, widened."""

    def f(x):
        a, b = (iv_lo(x), iv_hi(x)) if increasing else (iv_hi(x), iv_lo(x))
        if max(abs(a), abs(b)) > _EXP_CAP and mpmath.isfinite(a) and mpmath.isfinite(b):
            return _full()  # huge arguments: no attempt at sinh(2^(2^30)); the line is sound
        prec = iv.prec
        with mpmath.workprec(prec + 40):
            va, vb = fn(a), fn(b)
            slack = mpmath.ldexp(_ONE, -(prec - 8))
            if mpmath.isfinite(va):
                va = va - abs(va) * slack
            if mpmath.isfinite(vb):
                vb = vb + abs(vb) * slack
        return iv_make(round_mpf(va, "f"), round_mpf(vb, "c"))

    return f


_EXP_CAP = mpmath.mpf(2) ** 20  # exp of larger arguments: bounded by exp(+-cap) and 0 / inf
_TRIG_CAP = mpmath.mpf(2) ** 200


def _exp(x):
    """exp on an interval, without computing exp of astronomically large arguments."""
    a, b = iv_lo(x), iv_hi(x)
    if -_EXP_CAP <= a and b <= _EXP_CAP:
        return iv.exp(x)
    ca, cb = min(max(a, -_EXP_CAP), _EXP_CAP), max(min(b, _EXP_CAP), -_EXP_CAP)
    r = iv.exp(iv_make(ca, cb))
    return iv_make(iv_lo(r) if a >= -_EXP_CAP else _ZERO, iv_hi(r) if b <= _EXP_CAP else _INF)


def _trig(fn):
    """sin/cos/tan, answering [-1, 1] (the whole line for tan) for huge arguments."""
    whole = fn is iv.tan

    def g(x):
        if max(abs(iv_lo(x)), abs(iv_hi(x))) > _TRIG_CAP:
            return _full() if whole else iv_make(-_ONE, _ONE)
        return fn(x)

    return g


def _cosh(x):
    a, b = iv_lo(x), iv_hi(x)
    if a >= 0:
        return _mono(mpmath.cosh, True)(x)
    if b <= 0:
        return _mono(mpmath.cosh, False)(x)
    top = _mono(mpmath.cosh, True)(iv_make(_ZERO, max(-a, b)))
    return iv_make(_ONE, iv_hi(top))


def _ipow(base, n: int):
    """base**n for an integer n (negative base allowed)."""
    if n >= 0:
        return base**n
    p = base ** (-n)
    pa, pb = iv_lo(p), iv_hi(p)
    if pa > 0 or pb < 0:
        return 1 / p
    if pa == 0 and pb == 0:  # the pole itself: +inf for even powers, sign unknown for odd
        return iv_make(_INF, _INF) if n % 2 == 0 else _full()
    return 1 / p  # [1/pb, inf] or [-inf, 1/pa] or the whole line


def _rpow_nonneg(base, e):
    """base**e for base >= 0 and a real exponent interval ``e`` (0**e is the limit)."""
    ba, bb = iv_lo(base), iv_hi(base)
    if ba > 0:
        return iv.exp(e * iv.log(base))
    ea, eb = iv_lo(e), iv_hi(e)
    if bb == 0:
        if ea > 0:
            return iv_make(_ZERO, _ZERO)
        if eb < 0:
            return iv_make(_INF, _INF)
        return iv_make(_ZERO, _INF)
    top = iv.exp(e * iv.log(iv_make(bb, bb)))
    if ea > 0:  # increasing in the base: from 0 at base 0 to the value at bb
        return iv_make(_ZERO, iv_hi(top))
    if eb < 0:  # decreasing in the base: +inf at base 0
        return iv_make(iv_lo(top), _INF)
    return iv_make(_ZERO, _INF)


def _rpow_const(base, e):
    """base**e for a non-integer constant exponent: real only for base >= 0."""
    ba, bb = iv_lo(base), iv_hi(base)
    if bb < 0:
        raise UndefinedPoint("fractional power of a negative base")
    if ba < 0:
        return _full()  # not real on part of the box: say nothing
    return _rpow_nonneg(base, e)


def _integer_value(x: sp.Expr) -> int | None:
    if x.is_Integer:
        return int(x)
    if x.is_Rational:
        return None
    if x.is_Float and x.is_finite and x == int(x):
        return int(x)
    return None


_REL = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}


class _Compiler:
    """sympy tree -> closure on a tuple of intervals.

    With ``continuity=True`` the closure raises ``SingularPoint`` whenever the box meets a point
    where some operation may fail to be continuous, so a normal return certifies that the
    expression (smooth functions only) is continuous on the box: what the monotone and
    mean-value forms need (atan(1/u) over [-1, 1] is bounded, has a negative derivative
    enclosure, and jumps at 0).
    """

    def __init__(self, variables: Sequence[sp.Symbol], continuity: bool = False):
        self.index = {v: i for i, v in enumerate(variables)}
        self.cont = continuity

    def compile(self, e: sp.Expr) -> Callable:
        if e.is_Symbol:
            if e not in self.index:
                raise IntervalError(
                    f"free symbol {e} has no value: substitute every parameter by a number "
                    f"first (variables are {list(self.index)})")
            i = self.index[e]
            return lambda X: X[i]
        if e.is_Number or e.is_NumberSymbol:
            try:
                c = _const(e)
            except UndefinedPoint as ex:
                raise IntervalDomainError(str(ex)) from None
            return lambda X: c
        if not e.free_symbols:
            f = self._node(e)
            try:
                c = f(())
            except UndefinedPoint as ex:
                raise IntervalDomainError(f"the constant {e} is not real: {ex}") from None
            return lambda X: c
        return self._node(e)

    def _node(self, e: sp.Expr) -> Callable:
        cont = self.cont
        if e.is_Add:
            fs = [self.compile(a) for a in e.args]

            def add(X):
                r = fs[0](X)
                for g in fs[1:]:
                    r = r + g(X)
                return r

            return add
        if e.is_Mul:
            fs = [self.compile(a) for a in e.args]

            def mul(X):
                r = fs[0](X)
                for g in fs[1:]:
                    r = r * g(X)
                return r

            return mul
        if e.is_Pow:
            fb = self.compile(e.base)
            ex = e.exp
            if ex.is_number:
                n = _integer_value(ex)
                if n is not None:
                    if self.cont and n < 0:

                        def ipow_c(X):
                            b = fb(X)
                            if iv_lo(b) <= 0 <= iv_hi(b):
                                raise SingularPoint("pole")
                            return _ipow(b, n)

                        return ipow_c
                    return lambda X: _ipow(fb(X), n)
                if ex == sp.Rational(1, 2):

                    def sqrt(X):
                        b = fb(X)
                        if cont and iv_lo(b) < 0:
                            raise SingularPoint("sqrt of a possibly negative base")
                        if iv_hi(b) < 0:
                            raise UndefinedPoint("sqrt of a negative interval")
                        return _full() if iv_lo(b) < 0 else iv.sqrt(b)

                    return sqrt
                try:
                    ce = _const(ex)
                except UndefinedPoint as exc:
                    raise IntervalDomainError(str(exc)) from None
                if self.cont:

                    def rpow_c(X):
                        b = fb(X)
                        if iv_lo(b) < 0 or (iv_lo(b) == 0 and iv_lo(ce) <= 0):
                            raise SingularPoint("power of a base that may be 0 or negative")
                        return _rpow_const(b, ce)

                    return rpow_c
                return lambda X: _rpow_const(fb(X), ce)
            fe = self.compile(ex)

            def vpow(X):
                b = fb(X)
                if cont and iv_lo(b) <= 0:
                    raise SingularPoint("variable power of a base that may be 0 or negative")
                if iv_lo(b) < 0:
                    return _full()  # real at most where the exponent is an integer
                return _rpow_nonneg(b, fe(X))

            return vpow
        if isinstance(e, sp.exp):
            f = self.compile(e.args[0])
            return lambda X: _exp(f(X))
        if isinstance(e, sp.log):
            f = self.compile(e.args[0])

            def log(X):
                x = f(X)
                a, b = iv_lo(x), iv_hi(x)
                if cont and a <= 0:
                    raise SingularPoint("log of a possibly non-positive argument")
                if b < 0:
                    raise UndefinedPoint("log of a negative interval")
                if a < 0:
                    return _full()
                if b == 0:
                    return iv_make(_NINF, _NINF)
                if a == 0:
                    return iv_make(_NINF, iv_hi(iv.log(iv_make(b, b))))
                return iv.log(x)

            return log
        if isinstance(e, (sp.sin, sp.cos, sp.tan)):
            f = self.compile(e.args[0])
            g = {sp.sin: _trig(iv.sin), sp.cos: _trig(iv.cos), sp.tan: _trig(iv.tan)}[type(e)]
            if cont and isinstance(e, sp.tan):

                def tan_c(X):
                    r = g(f(X))
                    if not (mpmath.isfinite(iv_lo(r)) and mpmath.isfinite(iv_hi(r))):
                        raise SingularPoint("tan near a pole")
                    return r

                return tan_c
            return lambda X: g(f(X))
        mono = {sp.atan: mpmath.atan, sp.tanh: mpmath.tanh, sp.sinh: mpmath.sinh,
                sp.asinh: mpmath.asinh, sp.erf: mpmath.erf}
        if type(e) in mono:
            f = self.compile(e.args[0])
            g = _mono(mono[type(e)], True)
            return lambda X: g(f(X))
        if isinstance(e, sp.cosh):
            f = self.compile(e.args[0])
            return lambda X: _cosh(f(X))
        if isinstance(e, sp.Abs):
            f = self.compile(e.args[0])

            def absf(X):
                x = f(X)
                a, b = iv_lo(x), iv_hi(x)
                if a >= 0:
                    return x
                if b <= 0:
                    return -x
                return iv_make(_ZERO, max(-a, b))

            return absf
        if isinstance(e, (sp.Min, sp.Max)):
            fs = [self.compile(a) for a in e.args]
            pick = min if isinstance(e, sp.Min) else max

            def minmax(X):
                xs = [g(X) for g in fs]
                return iv_make(pick(iv_lo(x) for x in xs), pick(iv_hi(x) for x in xs))

            return minmax
        if isinstance(e, sp.sign):
            f = self.compile(e.args[0])

            def sgn(X):
                x = f(X)
                a, b = iv_lo(x), iv_hi(x)
                lo_ = -1 if a < 0 else (0 if a == 0 else 1)
                hi_ = 1 if b > 0 else (0 if b == 0 else -1)
                return iv_make(mpmath.mpf(lo_), mpmath.mpf(hi_))

            return sgn
        if isinstance(e, sp.Heaviside):
            f = self.compile(e.args[0])
            h0 = e.args[1] if len(e.args) > 1 else sp.Rational(1, 2)
            c0 = _const(h0)

            def heav(X):
                x = f(X)
                a, b = iv_lo(x), iv_hi(x)
                vals = []
                if a < 0:
                    vals.append(iv_make(_ZERO, _ZERO))
                if b > 0:
                    vals.append(iv_make(_ONE, _ONE))
                if a <= 0 <= b:
                    vals.append(c0)
                out = vals[0]
                for v in vals[1:]:
                    out = _hull(out, v)
                return out

            return heav
        if isinstance(e, sp.Piecewise):
            pairs = []
            prev: list = []
            for v, c in e.args:
                try:  # where this branch is the one taken: its condition and no earlier one
                    eff = sp.And(c, *[sp.Not(p) for p in prev])
                except (TypeError, ValueError):
                    eff = c
                pairs.append((self.compile(v), self._cond(c), self._restriction(eff)))
                prev.append(c)

            def pw(X):
                out = None
                for fv, fc, restr in pairs:
                    c = fc(X)
                    if c is False:
                        continue
                    Xr = _restrict(X, restr)
                    if Xr is None:  # the branch's region misses the box
                        continue
                    try:
                        v = fv(Xr)
                    except UndefinedPoint:
                        if c is True:
                            raise
                        v = _full()
                    out = v if out is None else _hull(out, v)
                    if c is True:
                        break
                if out is None:
                    raise UndefinedPoint("no branch of the Piecewise applies on this box")
                return out

            return pw
        raise IntervalError(
            f"no interval rule for {type(e).__name__} in {sp.sstr(e)}; supported: +, *, "
            "powers, exp, log, sqrt, sin, cos, tan, atan, tanh, sinh, cosh, asinh, erf, Abs, "
            "Min, Max, sign, Heaviside, Piecewise")

    def _restriction(self, cond) -> dict:
        """Bounds var >= lo / var <= hi implied by a condition (a conjunction of linear
        inequalities in one variable each); {} when nothing simple is implied. Strict
        inequalities give their closure, so the restricted box still covers the region."""
        out: dict = {}
        items = cond.args if isinstance(cond, sp.And) else (cond,)
        for r in items:
            if not isinstance(r, sp.core.relational.Relational) or r.rel_op not in _REL:
                continue
            d = r.lhs - r.rhs
            syms = d.free_symbols
            if len(syms) != 1:
                continue
            (x,) = syms
            if x not in self.index:
                continue
            try:
                poly = sp.Poly(d, x)
            except sp.PolynomialError:
                continue
            if poly.degree() != 1:
                continue
            k, m = poly.all_coeffs()
            if not (k.is_number and m.is_number and k.is_real and m.is_real) or k == 0:
                continue
            try:  # the bound -m/k as an outward enclosure (Floats at their binary value)
                root = _const(-m) / _const(k)
            except UndefinedPoint:
                continue
            op = r.rel_op
            if k < 0:
                op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            lo_b, hi_b = out.get(self.index[x], (None, None))
            if op in (">", ">=", "=="):
                lo_b = iv_lo(root) if lo_b is None else max(lo_b, iv_lo(root))
            if op in ("<", "<=", "=="):
                hi_b = iv_hi(root) if hi_b is None else min(hi_b, iv_hi(root))
            out[self.index[x]] = (lo_b, hi_b)
        return out

    def _cond(self, c) -> Callable:
        """Three-valued truth of a condition on a box: True, False or None (maybe)."""
        if c is sp.true or c is True:
            return lambda X: True
        if c is sp.false or c is False:
            return lambda X: False
        if isinstance(c, sp.core.relational.Relational) and c.rel_op in _REL:
            d = self.compile(c.lhs - c.rhs)
            op = _REL[c.rel_op]

            def rel(X):
                try:
                    r = d(X)
                except UndefinedPoint:
                    return None
                if iv_isnan(r):
                    return None
                a, b = iv_lo(r), iv_hi(r)
                if op == "lt":
                    return True if b < 0 else (False if a >= 0 else None)
                if op == "le":
                    return True if b <= 0 else (False if a > 0 else None)
                if op == "gt":
                    return True if a > 0 else (False if b <= 0 else None)
                if op == "ge":
                    return True if a >= 0 else (False if b < 0 else None)
                if op == "eq":
                    return True if a == b == 0 else (False if a > 0 or b < 0 else None)
                return False if a == b == 0 else (True if a > 0 or b < 0 else None)

            return rel
        if isinstance(c, (sp.And, sp.Or)):
            parts = [self._cond(a) for a in c.args]
            is_and = isinstance(c, sp.And)

            def junction(X):
                vals = [p(X) for p in parts]
                if is_and:
                    return False if False in vals else (True if all(vals) else None)
                return True if True in vals else (False if all(v is False for v in vals)
                                                  else None)

            return junction
        if isinstance(c, sp.Not):
            p = self._cond(c.args[0])

            def neg(X):
                v = p(X)
                return None if v is None else (not v)

            return neg
        return lambda X: None


def _restrict(X: tuple, restr: dict):
    """X with the variables' boxes cut to the bounds in ``restr``; None when empty."""
    if not restr:
        return X
    Xl = list(X)
    for i, (blo, bhi) in restr.items():
        a, b = iv_lo(Xl[i]), iv_hi(Xl[i])
        if blo is not None:
            a = max(a, blo)
        if bhi is not None:
            b = min(b, bhi)
        if a > b:
            return None
        Xl[i] = iv_make(a, b)
    return tuple(Xl)


# ----------------------------------------------------------------------------- public compile


def _as_interval(b):
    if isinstance(b, iv.mpf):
        return b
    if isinstance(b, (tuple, list)) and len(b) == 2:
        lo, hi = _const(to_rational(b[0])), _const(to_rational(b[1]))
        return iv_make(iv_lo(lo), iv_hi(hi))
    c = _const(to_rational(b))
    return c


class IntervalFunction:
    """A compiled sound interval extension of a sympy expression.

    Call with one box per variable: an ``iv.mpf``, a pair ``(lo, hi)`` or a number. Returns an
    ``iv.mpf`` containing every real value of the expression over the box; raises
    :class:`IntervalDomainError` when the expression is nowhere real on the box.
    """

    def __init__(self, expr: sp.Expr, variables: Sequence[sp.Symbol], *,
                 continuity: bool = False):
        self.expr = sp.sympify(expr)
        self.variables = tuple(variables)
        extra = self.expr.free_symbols - set(self.variables)
        if extra:
            raise IntervalError(
                f"{sp.sstr(self.expr)} has free symbols {sorted(map(str, extra))} besides the "
                f"variables {list(map(str, self.variables))}: substitute the parameters by "
                "numbers first")
        with iv_precision():
            self._f = _Compiler(self.variables, continuity).compile(self.expr)

    def raw(self, X: tuple):
        """Evaluate on a tuple of ``iv.mpf`` at the current precision; raises ``UndefinedPoint``."""
        try:
            r = self._f(X)
        except (OverflowError, ZeroDivisionError):
            return _full()  # an arithmetic limit of mpmath: say nothing rather than guess
        return _full() if iv_isnan(r) else r

    def __call__(self, *boxes):
        if len(boxes) != len(self.variables):
            raise IntervalError(f"expected {len(self.variables)} boxes, got {len(boxes)}")
        with iv_precision(max(IV_PREC, iv.prec)):
            X = tuple(_as_interval(b) for b in boxes)
            try:
                return self.raw(X)
            except UndefinedPoint as ex:
                raise IntervalDomainError(
                    f"{sp.sstr(self.expr)} is not real anywhere on the box "
                    f"{[str(x) for x in X]}: {ex}") from None


def to_interval_function(expr: sp.Expr, variables) -> IntervalFunction:
    """Compile ``expr`` (parameters already numbers) into a sound interval extension.

    Parameters
    ----------
    expr : sympy expression in ``variables`` only.
    variables : a symbol or a sequence of symbols, in the order of the boxes.
    """
    if isinstance(variables, sp.Symbol):
        variables = [variables]
    return IntervalFunction(expr, variables)


def enclose(expr: sp.Expr, var: sp.Symbol, lo, hi):
    """One sound enclosure (an ``iv.mpf``) of ``expr`` over ``var`` in [lo, hi]."""
    return to_interval_function(expr, [var])((lo, hi))


# ----------------------------------------------------------------------------- 1-D engine


class Encloser:
    """Enclosures of a one-variable expression over [a, b] at increasing effort.

    effort 0: the natural interval extension; 1: intersected with the monotone form (exact
    end-point values where the derivative has a sign) or the mean-value form; 2: also the
    second-order Taylor forms about both end points (they resolve touching zeros there).
    Point values are cached; boxes have end points representable at the interval precision.
    """

    def __init__(self, expr: sp.Expr, var: sp.Symbol, order: int = 2):
        self.expr = expr
        self.var = var
        self.f = IntervalFunction(expr, [var])
        self.df = self.d2f = self.fc = self.dfc = None
        if order >= 1 and is_smooth(expr):
            try:
                d1 = sp.diff(expr, var)
                self.df = IntervalFunction(d1, [var])
                # continuity-checking twins: the derivative forms are used only on boxes where
                # these certify that f (and f' for the Taylor forms) is continuous
                self.fc = IntervalFunction(expr, [var], continuity=True)
                if order >= 2:
                    self.d2f = IntervalFunction(sp.diff(d1, var), [var])
                    self.dfc = IntervalFunction(d1, [var], continuity=True)
            except IntervalError:
                self.df = self.d2f = self.fc = self.dfc = None
        self._cont: dict = {}
        self._pts: dict = {}
        self._dpts: dict = {}
        self.zeros: list = []  # enclosures C of exact rationals c with f(c) = f'(c) = 0

    def add_double_zeros(self, lo_q, hi_q) -> None:
        """Find rationals c in [lo, hi] where sympy shows f(c) = f'(c) = 0 exactly (double
        roots of the numerator of a rational function); Taylor forms about them resolve
        touching zeros at points that are not box end points (e.g. 6 (u - 1/3)^2 >= 0)."""
        if self.d2f is None:
            return
        for c in _double_zeros(self.expr, self.var, lo_q, hi_q):
            self.zeros.append(_const(c))

    @staticmethod
    def _eval(fn, X):
        try:
            return fn.raw(X)
        except UndefinedPoint:
            return None

    def point(self, x: mpmath.mpf):
        """Thin-interval value at an exactly representable x (None where not real)."""
        r = self._pts.get(x, _MISS)
        if r is _MISS:
            r = self._eval(self.f, (iv_make(x, x),))
            self._pts[x] = r
        return r

    def dpoint(self, x: mpmath.mpf):
        r = self._dpts.get(x, _MISS)
        if r is _MISS:
            r = self._eval(self.df, (iv_make(x, x),))
            self._dpts[x] = r
        return r

    def natural(self, a, b):
        """The natural enclosure over [a, b] (None when nowhere real there)."""
        return self._eval(self.f, (iv_make(a, b),))

    def continuous(self, fn, X) -> bool:
        """Whether the continuity-checking compile ``fn`` certifies continuity on X."""
        if fn is None:
            return False
        key = (id(fn), iv_lo(X), iv_hi(X))
        ok = self._cont.get(key)
        if ok is None:
            try:
                r = fn.raw((X,))
                ok = bool(mpmath.isfinite(iv_lo(r)) and mpmath.isfinite(iv_hi(r)))
            except (SingularPoint, UndefinedPoint):
                ok = False
            self._cont[key] = ok
        return ok

    def refine1(self, a, b, r):
        """``r`` intersected with the monotone form or the mean-value form."""
        if self.df is None or a == b:
            return r
        X = iv_make(a, b)
        if not self.continuous(self.fc, X):
            return r
        D = self._eval(self.df, (X,))
        if D is None or iv_isnan(D):
            return r
        da, db = iv_lo(D), iv_hi(D)
        if da >= 0 or db <= 0:
            pa, pb = self.point(a), self.point(b)
            if pa is not None and pb is not None:
                lo_, hi_ = (iv_lo(pa), iv_hi(pb)) if da >= 0 else (iv_lo(pb), iv_hi(pa))
                if lo_ <= hi_:
                    return iv_intersect(r, iv_make(lo_, hi_))
        m = exact_mid(a, b)
        pm = self.point(m) if m is not None else None
        if pm is not None:
            mv = pm + D * (X - iv_make(m, m))
            if not iv_isnan(mv):
                r = iv_intersect(r, mv)
        return r

    def refine2(self, a, b, r):
        """``r`` intersected with the second-order Taylor forms about a and about b."""
        if self.d2f is None or a == b:
            return r
        X = iv_make(a, b)
        if not (self.continuous(self.fc, X) and self.continuous(self.dfc, X)):
            return r
        D2 = self._eval(self.d2f, (X,))
        if D2 is None or iv_isnan(D2):
            return r
        for c in (a, b):
            fc, dc = self.point(c), self.dpoint(c)
            if fc is None or dc is None:
                continue
            h = X - iv_make(c, c)
            t2 = fc + dc * h + D2 * (h * h) / 2
            if not iv_isnan(t2):
                r = iv_intersect(r, t2)
        w = b - a
        for C in self.zeros:  # f(x) = f''(xi) (x - c)^2 / 2 with xi between x and c
            if iv_lo(C) > b + w or iv_hi(C) < a - w:
                continue
            H = _hull(X, C)
            if not (self.continuous(self.fc, H) and self.continuous(self.dfc, H)):
                continue
            D2h = self._eval(self.d2f, (H,))
            if D2h is None or iv_isnan(D2h):
                continue
            h = X - C
            t2 = D2h * (h**2) / 2
            if not iv_isnan(t2):
                r = iv_intersect(r, t2)
        return r

    def enclose(self, a, b, effort: int = 1):
        """Enclosure over [a, b] at the given effort (None when nowhere real there)."""
        r = self.natural(a, b)
        if r is None:
            return None
        if effort >= 1:
            r = self.refine1(a, b, r)
        if effort >= 2:
            r = self.refine2(a, b, r)
        return r


def _double_zeros(expr: sp.Expr, var: sp.Symbol, lo_q, hi_q) -> list:
    """Rationals c in [lo, hi] with f(c) = f'(c) = 0 exactly, for rational functions f."""
    try:
        num, den = sp.fraction(sp.together(expr))
        if not num.is_polynomial(var) or not den.is_polynomial(var):
            return []
        P = sp.Poly(num, var)
        if not (P.domain.is_QQ or P.domain.is_ZZ) or not 2 <= P.degree() <= 60:
            return []
        G = sp.gcd(P, P.diff(var))
        if G.degree() < 1:
            return []
        roots = sp.Poly(G, var).ground_roots()
    except (sp.PolynomialError, NotImplementedError, TypeError, ValueError):
        return []
    d1 = sp.diff(expr, var)
    out = []
    for c in roots:
        if not (lo_q <= c <= hi_q):
            continue
        try:
            if sp.simplify(expr.subs(var, c)) == 0 and sp.simplify(d1.subs(var, c)) == 0:
                out.append(c)
        except (TypeError, ValueError, ZeroDivisionError):
            continue
    return out


# ----------------------------------------------------------------------------- point checks


def _norm_sign(sign: str) -> str:
    s = str(sign).lower()
    if s in ("negative", "neg", "-", "<", "nonpositive"):
        return "negative"
    if s in ("positive", "pos", "+", ">", "nonnegative"):
        return "positive"
    raise ValueError(f"sign must be 'negative' or 'positive', got {sign!r}")


def _want(sign: str, strict: bool) -> str:
    if sign == "negative":
        return "< 0" if strict else "<= 0"
    return "> 0" if strict else ">= 0"


def verify_point(expr: sp.Expr, var: sp.Symbol, x, *, sign: str, strict: bool,
                 dps: int = POINT_DPS) -> tuple[bool, str | None]:
    """Whether ``expr`` at ``var = x`` (exact) violates the sign, re-verified at ``dps`` digits.

    Returns (violated, value as a string). A value that is infinite, not real, or too close
    to 0 to be signed at ``dps`` digits is never reported as a violation (except an exact 0
    against a strict sign, which sympy must establish exactly).
    """
    sign = _norm_sign(sign)
    xq = to_rational(x)
    try:
        v = expr.subs(var, xq)
    except (TypeError, ValueError, ZeroDivisionError):
        return False, None
    if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or v.free_symbols:
        return False, None
    if v.is_zero is True or v == 0:
        return bool(strict), "0"
    try:
        val = sp.N(v, dps)
    except (TypeError, ValueError):
        return False, None
    re_, im_ = val.as_real_imag()
    if not re_.is_Number or not im_.is_Number or abs(im_) > sp.Float(10) ** (-dps + 5):
        return False, None
    if abs(re_) < sp.Float(10) ** (-dps + 10):
        return False, None  # too close to 0 to sign at this precision
    bad = bool(re_ > 0) if sign == "negative" else bool(re_ < 0)
    with mpmath.workdps(dps):
        s = mpmath.nstr(mpmath.mpf(str(re_)), 25)
    return bad, s


def _make_counterexample(expr, var, xq, value: str, want: str, how: str) -> Counterexample:
    xf = float(xq)
    xs = sp.sstr(xq) if xq.q < 10**6 else f"{xf:.17g}"
    return Counterexample(
        point={str(var): xf},
        detail=(f"{sp.sstr(expr)} = {value} at {var} = {xs} "
                f"({POINT_DPS}-digit re-evaluation; found by {how}), wanted {want}"),
        values={"value": value, "exact_point": sp.sstr(xq)},
        digits=POINT_DPS,
    )


# ----------------------------------------------------------------------------- sign proofs


def _structural_constant(expr: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """``expr`` as a constant when it does not depend on ``var`` after simplification."""
    if var not in expr.free_symbols:
        return expr
    from .signs import risky_for_rewriting

    if sp.count_ops(expr) > 150 or risky_for_rewriting(expr):
        return None
    for form in (sp.expand, sp.cancel):
        try:
            e = form(expr)
        except (TypeError, ValueError, sp.PolynomialError):
            continue
        if var not in e.free_symbols:
            return e
    if sp.count_ops(expr) <= 80 and _numerically_constant(expr, var):
        try:
            e = sp.simplify(expr)
        except (TypeError, ValueError, RecursionError):
            return None
        if var not in e.free_symbols:
            return e
    return None


def _numerically_constant(expr: sp.Expr, var: sp.Symbol) -> bool:
    """Cheap filter before sp.simplify: equal values at three odd points (30 digits)."""
    vals = []
    for x in (sp.Rational(2137, 10000), sp.Rational(5813, 10000), sp.Rational(8711, 10000)):
        try:
            v = sp.N(expr.subs(var, x), 30)
        except (TypeError, ValueError, ZeroDivisionError):
            return True
        if not v.is_number or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return True
        vals.append(v)
    scale = max(abs(v) for v in vals) + 1
    return all(abs(v - vals[0]) <= scale * sp.Float(10) ** -20 for v in vals[1:])


def _constant_sign(expr, const, var, lo_q, hi_q, sign, strict, check, t0) -> CheckResult:
    want = _want(sign, strict)
    label = f"{sp.sstr(expr)} {want} on [{lo_q}, {hi_q}]"
    mid = (lo_q + hi_q) / 2
    c = sp.sympify(const)
    if c.is_zero is True or c == 0:
        if not strict:
            cert = Certificate("constant", f"{label}: the expression simplifies to 0",
                               {"constant": 0})
            return CheckResult(check, Verdict.PROVED, f"{want} (identically 0)",
                               certificate=cert, seconds=time.perf_counter() - t0)
        ce = Counterexample({str(var): float(mid)},
                            f"{sp.sstr(expr)} is identically 0 (sympy simplification), so not "
                            f"{want}", {"value": "0", "exact_point": sp.sstr(mid)})
        return CheckResult(check, Verdict.REFUTED, f"{want} fails: identically 0",
                           counterexample=ce, seconds=time.perf_counter() - t0)
    try:
        with iv_precision():
            r = IntervalFunction(c, [])()
    except IntervalError:
        r = None
    if r is not None:
        a, b = iv_lo(r), iv_hi(r)
        ok = (b < 0 if strict else b <= 0) if sign == "negative" else (
            a > 0 if strict else a >= 0)
        if ok:
            cert = Certificate("constant",
                               f"{label}: the expression is the constant {sp.sstr(c)}, "
                               f"enclosed in [{mpmath.nstr(a, 12)}, {mpmath.nstr(b, 12)}]",
                               {"constant": sp.sstr(c)})
            return CheckResult(check, Verdict.PROVED, f"{want} (constant)", certificate=cert,
                               seconds=time.perf_counter() - t0)
    for x in (mid, lo_q, hi_q):
        bad, val = verify_point(expr, var, x, sign=sign, strict=strict)
        if bad:
            ce = _make_counterexample(expr, var, x, val, want, "simplification to a constant")
            return CheckResult(check, Verdict.REFUTED, f"{want} fails", counterexample=ce,
                               seconds=time.perf_counter() - t0)
    return CheckResult(check, Verdict.UNDECIDED,
                       f"{label}: constant {sp.sstr(c)} could not be signed",
                       estimate={"constant": sp.sstr(c)}, seconds=time.perf_counter() - t0)


def _scan(expr, var, lo_q, hi_q, sign, strict, n: int):
    """Float grid scan for candidate counterexamples (returned best first), never a verdict."""
    if n <= 0:
        return []
    try:
        f = sp.lambdify(var, expr, numeric_modules(expr))
        xs = np.linspace(float(lo_q), float(hi_q), n)
        with np.errstate(all="ignore"):
            vals = np.asarray(f(xs), dtype=float) * np.ones_like(xs)
    except Exception:  # noqa: BLE001 - lambdify of an unusual expression: skip the scan
        return []
    score = vals if sign == "negative" else -vals
    ok = np.isfinite(score) & ((score >= 0) if strict else (score > 0))
    idx = np.flatnonzero(ok)
    idx = idx[np.argsort(-score[idx])][:3]
    out = []
    for i in idx:
        xq = to_rational(float(xs[i]))
        xq = min(max(xq, lo_q), hi_q)
        out.append(xq)
    return out


def prove_sign_on_interval(expr: sp.Expr, var: sp.Symbol, lo, hi, *, sign: str,
                           strict: bool, max_boxes: int = 8000, check: str = "sign",
                           scan_points: int = 257) -> CheckResult:
    """Decide ``expr < 0`` (``<= 0``, ``> 0``, ``>= 0``) for ``var`` in [lo, hi].

    PROVED when every box of a bisection of [lo, hi] has an interval enclosure of the right
    sign (certificate ``interval-bisection``: boxes, depth, the worst bound); REFUTED when a
    point violates the sign at 50 digits (counterexample); UNDECIDED when ``max_boxes``
    enclosures were spent, or boxes became too narrow to split, with the unresolved boxes.

    Parameters
    ----------
    expr : sympy expression in ``var`` only (parameters substituted by numbers).
    sign : "negative" or "positive".
    strict : with ``False`` the value 0 is allowed.

    Boxes are processed worst first, so narrow violations (a bump of width 1e-3) are reached
    after a few dozen bisections.
    """
    t0 = time.perf_counter()
    sign = _norm_sign(sign)
    want = _want(sign, strict)
    expr = sp.sympify(expr)
    extra = expr.free_symbols - {var}
    if extra:
        raise IntervalError(
            f"prove_sign_on_interval: {sp.sstr(expr)} has free symbols "
            f"{sorted(map(str, extra))} besides {var}; substitute the parameters first or use "
            "prove_sign_symbolic for a family")
    lo_q, hi_q = to_rational(lo), to_rational(hi)
    if not (lo_q.is_finite and hi_q.is_finite) or lo_q > hi_q:
        raise IntervalError(f"need a finite interval lo <= hi, got [{lo}, {hi}]")
    label = f"{sp.sstr(expr)} {want} on [{lo}, {hi}]"
    const = _structural_constant(expr, var)
    if const is not None:
        return _constant_sign(expr, const, var, lo_q, hi_q, sign, strict, check, t0)

    def refuted(xq, val, how):
        ce = _make_counterexample(expr, var, xq, val, want, how)
        return CheckResult(check, Verdict.REFUTED, f"{want} fails at {var} = {float(xq):.10g}",
                           counterexample=ce, seconds=time.perf_counter() - t0)

    # end points and a float scan: cheap candidates, each re-verified at 50 digits
    for xq in (lo_q, hi_q, *_scan(expr, var, lo_q, hi_q, sign, strict, scan_points)):
        bad, val = verify_point(expr, var, xq, sign=sign, strict=strict)
        if bad:
            return refuted(xq, val, "end-point / grid scan")

    def ok(r) -> bool:
        if sign == "negative":
            b = iv_hi(r)
            return b < 0 if strict else b <= 0
        a = iv_lo(r)
        return a > 0 if strict else a >= 0

    def key(r):  # most violating first
        return -iv_hi(r) if sign == "negative" else iv_lo(r)

    def point_bad(r) -> bool:  # a thin enclosure certainly on the wrong side
        if r is None or iv_isnan(r):
            return False
        if sign == "negative":
            a = iv_lo(r)
            return a >= 0 if strict else a > 0
        b = iv_hi(r)
        return b <= 0 if strict else b < 0

    with iv_precision():
        try:
            eng = Encloser(expr, var, order=2)
            eng.add_double_zeros(lo_q, hi_q)
        except IntervalError as ex:
            return CheckResult(check, Verdict.UNDECIDED, f"{label}: no interval extension",
                               estimate=str(ex), seconds=time.perf_counter() - t0)
        a0, b0 = outward_mpf(lo_q, "f"), outward_mpf(hi_q, "c")
        worst = None
        boxes = 0
        depth_max = 0
        unresolved: list = []
        undefined: list = []
        heap: list = []
        counter = 0
        closest = None  # the sampled point closest to violating the sign: (x, value)

        def examine(a, b, depth):
            """Enclose [a, b]; True if settled (sign shown), else push it."""
            nonlocal boxes, worst, counter, depth_max
            boxes += 1
            depth_max = max(depth_max, depth)
            r = eng.natural(a, b)
            if r is None:
                undefined.append((a, b))
                return
            for refine in (None, eng.refine1, eng.refine2):
                if refine is not None:
                    r = refine(a, b, r)
                if ok(r):
                    w = iv_hi(r) if sign == "negative" else iv_lo(r)
                    if worst is None or (w > worst if sign == "negative" else w < worst):
                        worst = w
                    return
            counter += 1
            heapq.heappush(heap, (key(r), counter, a, b, depth, r))

        examine(a0, b0, 0)
        while heap:
            if boxes >= max_boxes:
                break
            _, _, a, b, depth, r = heapq.heappop(heap)
            m = exact_mid(a, b)
            if m is None or (b - a) <= max(abs(m), _ONE) * _MIN_REL_WIDTH:
                unresolved.append((a, b, r))
                continue
            pm = eng.point(m)
            if pm is not None and not iv_isnan(pm):
                pv = _mid_value(pm)
                if closest is None or (pv > closest[1] if sign == "negative" else
                                       pv < closest[1]):
                    closest = (m, pv)
            if point_bad(pm):
                xq = _mpf_to_rational(m)
                if lo_q <= xq <= hi_q:
                    bad, val = verify_point(expr, var, xq, sign=sign, strict=strict)
                    if bad:
                        return refuted(xq, val, f"interval bisection ({boxes} boxes)")
            examine(a, m, depth + 1)
            examine(m, b, depth + 1)

        open_boxes = [(x[2], x[3], x[5]) for x in heap] + unresolved
        if not open_boxes and not undefined:
            wtxt = "n/a" if worst is None else mpmath.nstr(worst, 6)
            cert = Certificate(
                "interval-bisection",
                f"{label}: {boxes} boxes, depth {depth_max}, every enclosure {want} "
                f"(worst bound {wtxt}; mpmath iv at {IV_PREC} bits)",
                {"boxes": boxes, "depth": depth_max,
                 "worst_bound": None if worst is None else float(worst),
                 "interval": [float(lo_q), float(hi_q)], "precision_bits": IV_PREC})
            return CheckResult(check, Verdict.PROVED, f"{want} on [{lo}, {hi}]",
                               certificate=cert, seconds=time.perf_counter() - t0)
        open_boxes.sort(key=lambda x: key(x[2]))
        why = (f"box budget of {max_boxes} enclosures spent" if boxes >= max_boxes
               else "boxes too narrow to split still straddle the bound")
        if undefined:
            why += f"; not real on {len(undefined)} boxes, e.g. [{float(undefined[0][0])}, " \
                   f"{float(undefined[0][1])}]"
        est = {
            "boxes": boxes,
            "open_boxes": [[float_down(a), float_up(b)] for a, b, _ in open_boxes[:10]],
            "n_open_boxes": len(open_boxes),
            "worst_enclosure": ([float_down(iv_lo(open_boxes[0][2])), float_up(iv_hi(open_boxes[0][2]))]
                                if open_boxes else None),
            "undefined_boxes": [[float_down(a), float_up(b)] for a, b in undefined[:5]],
            "closest_point": (None if closest is None else
                              {"x": float(closest[0]), "value": float(closest[1])}),
        }
        return CheckResult(check, Verdict.UNDECIDED, f"{label}: {why}", estimate=est,
                           seconds=time.perf_counter() - t0)


# ----------------------------------------------------------------------------- ranges


class RangeBounds(NamedTuple):
    """Sound bounds on the range of f over [lo, hi]: min_lo <= min f <= min_hi and
    max_lo <= max f <= max_hi (extended reals); ``argmin``/``argmax`` where the point
    values ``min_hi``/``max_lo`` were seen."""

    min_lo: float
    max_hi: float
    min_hi: float
    max_lo: float
    argmin: float
    argmax: float
    boxes: int
    converged: bool


def _bb_extreme(eng: Encloser, a0, b0, *, maximize: bool, tol: float, max_boxes: int):
    """Branch and bound for min (or max) of a 1-D function: (bound, incumbent, arg, boxes)."""
    def lower(r):  # lower bound of sgn * f over the box
        return iv_lo(r) if not maximize else -iv_hi(r)

    def pval(x):
        p = eng.point(x)
        if p is None or iv_isnan(p):
            return None
        v = iv_hi(p) if not maximize else -iv_lo(p)  # a certified upper bound of sgn*f(x)
        return v

    inc, arg = _INF, None
    for x in (a0, b0, exact_mid(a0, b0)):
        if x is None:
            continue
        v = pval(x)
        if v is not None and v < inc:
            inc, arg = v, x
    heap: list = []
    stuck: list = []
    boxes = 1
    r = eng.enclose(a0, b0, 1)
    if r is None:
        raise IntervalDomainError(f"{sp.sstr(eng.expr)} is not real on [{a0}, {b0}]")
    cnt = 0
    heap.append((lower(r), cnt, a0, b0))
    tol_m = mpmath.mpf(tol)
    while heap:
        lb, _, a, b = heap[0]
        if inc - lb <= tol_m or boxes >= max_boxes:
            break
        heapq.heappop(heap)
        m = exact_mid(a, b)
        if m is None:
            stuck.append(lb)
            continue
        v = pval(m)
        if v is not None and v < inc:
            inc, arg = v, m
        for c, d in ((a, m), (m, b)):
            boxes += 1
            rc = eng.enclose(c, d, 1)
            if rc is None:
                continue
            lc = max(lower(rc), lb)
            if lc > inc:
                continue
            cnt += 1
            heapq.heappush(heap, (lc, cnt, c, d))
    bound = min([h[0] for h in heap] + stuck + [inc])
    return bound, inc, arg, boxes


def bound_extreme(expr: sp.Expr, var: sp.Symbol, lo, hi, *, maximize: bool = False,
                  tol: float = 1e-6, max_boxes: int = 2000) -> float:
    """A sound lower bound of min ``expr`` (``maximize``: a sound upper bound of max) over
    ``var`` in [lo, hi], by the branch and bound of :func:`enclose_range` on that side only (a
    pole at one end costs the other side nothing)."""
    expr = sp.sympify(expr)
    with iv_precision():
        eng = Encloser(expr, var, order=1)
        a0, b0 = outward_mpf(to_rational(lo), "f"), outward_mpf(to_rational(hi), "c")
        bound = _bb_extreme(eng, a0, b0, maximize=maximize, tol=tol, max_boxes=max_boxes)[0]
    return float_up(-bound) if maximize else float_down(bound)


def enclose_range(expr: sp.Expr, var: sp.Symbol, lo, hi, *, tol: float = 1e-9,
                  max_boxes: int = 4000) -> RangeBounds:
    """Sound bounds on min and max of ``expr`` over ``var`` in [lo, hi] by branch and bound.

    ``converged`` is True when both the min and the max are pinned to within ``tol``.

    >>> import sympy as sp
    >>> u = sp.Symbol("u")
    >>> rb = enclose_range(u * (1 - u), u, 0, 1, tol=1e-8)
    >>> rb.min_lo <= 0 <= rb.min_hi and rb.max_lo <= 0.25 <= rb.max_hi
    True
    """
    expr = sp.sympify(expr)
    with iv_precision():
        eng = Encloser(expr, var, order=1)
        a0, b0 = outward_mpf(to_rational(lo), "f"), outward_mpf(to_rational(hi), "c")
        mn_lo, mn_hi, amin, n1 = _bb_extreme(eng, a0, b0, maximize=False, tol=tol,
                                             max_boxes=max_boxes)
        mx_lo_neg, mx_hi_neg, amax, n2 = _bb_extreme(eng, a0, b0, maximize=True, tol=tol,
                                                     max_boxes=max_boxes)
    max_hi, max_lo = -mx_lo_neg, -mx_hi_neg
    conv = bool(mn_hi - mn_lo <= tol and max_hi - max_lo <= tol)
    return RangeBounds(float_down(mn_lo), float_up(max_hi), float_up(mn_hi), float_down(max_lo),
                       float(amin) if amin is not None else float("nan"),
                       float(amax) if amax is not None else float("nan"), n1 + n2, conv)
