"""The domain of a loss: before any check, L must be real and defined on the simplex.

What the checker assumes of a loss (docs/theory.md, "What the checker assumes"):

* a **pointwise** ℓ is real and finite on (0, 1]; at u = 0 it may be +∞ (CE: −log 0), read
  as the one-sided limit; −∞, non-real values and undefined values (0/0, log of a negative
  number, a division by zero) are refused anywhere on [0, 1];
* a **vector** loss L(u, k) is real and finite at every point of the open simplex (all
  u_k > 0); on the boundary its formula may be undefined (NCE at a vertex is ∞/∞) and the
  checker reads it as the limit (liminf for infima), never as a number it made up.

:func:`assert_loss_defined` looks for a point that breaks this: a grid on [0, 1] refined
near the ends, the exact roots in [0, 1] of every log argument, denominator and base of a
fractional power, and the breakpoints of a piecewise ℓ (pointwise); vertices, edges, the
centroid and random points (vector). Each candidate is re-evaluated at 50 digits with
mpmath, and the error names the point, the value and what would pass.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ...errors import DomainError
from ...spec import LossSpec
from ...symbols import U

__all__ = ["assert_loss_defined", "pole_candidates", "special_points"]


def special_points(expr: sp.Expr, var: sp.Symbol = U, seconds: float = 3.0) -> list:
    """Exact points of [0, 1] where ``expr`` may be undefined: roots of log arguments,
    denominators and bases of non-integer powers, and the breakpoints of piecewise conditions,
    sign, Heaviside, floor and ceiling (whose value at a breakpoint is its own). Min, Max and Abs
    add none: they are defined exactly where their arguments are, and each argument's own nodes
    are visited. A helper for the grid, not a proof: at most ``seconds`` CPU in all, a third of
    that per candidate (simplest first), so that one equation sympy cannot solve quickly (a
    radical such as (2.35 + u)**1.35 = c) does not take the time of the others. Empty when no
    root can be found exactly."""
    from ..provers.pieces import NONSMOOTH, roots_in

    cands = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.log):
            cands.append(node.args[0])
        elif isinstance(node, sp.Pow):
            base, ex = node.args
            if ex.is_number and ex.is_negative:
                cands.append(base)
            if not (ex.is_integer is True):
                cands.append(base)
        elif isinstance(node, NONSMOOTH) and not isinstance(node, (sp.Min, sp.Max, sp.Abs)):
            for rel in node.atoms(sp.core.relational.Relational):
                cands.append(rel.lhs - rel.rhs)
            for a in node.args:
                if isinstance(a, sp.Expr):
                    cands.append(a)
    from ...timing import time_limit

    todo = [c for c in dict.fromkeys(cands) if c.has(var) and not c.free_symbols - {var}]
    todo.sort(key=sp.count_ops)
    out: list = []
    with time_limit(seconds):
        for c in todo:
            roots = None
            with time_limit(seconds / 3):
                try:
                    roots = roots_in(c, var, 0, 1)
                except Exception:  # noqa: BLE001
                    roots = None
            out.extend(roots or [])
    return out[:200]


def _bad_value(v) -> str | None:
    """Why an mpmath value is not an admissible loss value (None when it is)."""
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            return f"not real ({mpmath.nstr(v, 8)})"
        v = v.real
    try:
        v = mpmath.mpf(v)
    except (TypeError, ValueError):
        return f"not a number ({v})"
    if mpmath.isnan(v):
        return "undefined (0/0, oo - oo or 0*oo)"
    if mpmath.isinf(v):
        return "+oo" if v > 0 else "-oo"
    return None


def _mp_at(f, x):
    try:
        with mpmath.workdps(50):
            return f(x)
    except ZeroDivisionError:
        return mpmath.mpf("nan")
    except (ValueError, TypeError, OverflowError) as exc:
        return exc


_MAX_POWER = 1000  # integer powers of an expression in u beyond this are refused


def _assert_tractable(e: sp.Expr, what: str) -> None:
    """Refuse, with a clear message, expressions the symbolic provers cannot hold: an integer
    power beyond 1000 of an expression in u (expanded, it has a million terms) and values
    beyond 1e300 at u = 1/2 or u = 1 (exp(exp(exp(exp(exp(u)))))), before any work."""
    from ...spec import guard_substitution

    for node in sp.preorder_traversal(e):
        if isinstance(node, sp.Pow) and node.base.free_symbols and node.exp.is_Integer and \
                abs(node.exp) > _MAX_POWER:
            raise DomainError(f"{what}: the power {sp.sstr(node)} has an integer exponent beyond "
                              f"{_MAX_POWER} on an expression in u; the symbolic provers would "
                              "expand it. Write a smaller exponent, or a non-integer one")
    syms = e.free_symbols
    for x in (sp.Rational(1, 2), sp.Integer(1)):
        try:
            guard_substitution(e, {s: x for s in syms}, what + f" at u = {x}")
        except Exception as exc:  # SpecError: report it as the domain problem it is
            raise DomainError(str(exc)) from None


def _pointwise(spec: LossSpec) -> None:
    ell = spec.pointwise_expr()
    what = f"loss {spec.name!r} ({spec.describe_values()})"
    _assert_tractable(ell, what)
    if ell.has(sp.zoo, sp.nan):
        raise DomainError(f"{what}: l(u) = {sp.sstr(ell)} is undefined for every u (a division "
                          "by zero or 0/0 after the parameter values were substituted); pass "
                          "parameter values for which l is real and finite on (0, 1]")
    if ell.has(sp.I):
        raise DomainError(f"{what}: l(u) = {sp.sstr(ell)} has the imaginary unit in it; a loss "
                          "must be real on [0, 1]")
    f = sp.lambdify(U, ell, "mpmath")
    grid = [sp.Rational(i, 1000) for i in range(1001)]
    edges = [sp.Rational(1, 10**k) for k in (4, 8, 14)] + [1 - sp.Rational(1, 10**k)
                                                          for k in (4, 8, 14)]
    pts = sorted(set(grid + edges + [x for x in special_points(ell) if 0 <= x <= 1]),
                 key=lambda x: float(x))
    for x in pts:
        with mpmath.workdps(50):
            xm = mpmath.mpf(x.p) / x.q if x.is_Rational else mpmath.mpf(sp.N(x, 60))
        v = _mp_at(f, xm)
        if isinstance(v, Exception):
            raise DomainError(f"{what}: l(u) = {sp.sstr(ell)} cannot be evaluated at u = "
                              f"{sp.sstr(x)}: {v}; a loss must be real and finite on (0, 1]")
        why = _bad_value(v)
        if why is None or (why == "+oo" and x == 0):
            continue  # +oo at u = 0 is the documented convention (CE)
        if why == "undefined (0/0, oo - oo or 0*oo)" and x == 0:
            lim = _right_limit(ell)
            if lim is not None and (lim.is_finite or lim == sp.oo):
                continue  # read as the limit from the right, l(0+) = lim
        raise DomainError(f"{what}: l(u) = {sp.sstr(ell)} is {why} at u = {sp.sstr(x)}; a "
                          "loss must be real and finite on (0, 1] (+oo allowed only at u = 0, "
                          "as for -log u)")
    _refuse_poles(ell, f, what)


def pole_candidates(expr: sp.Expr, var: sp.Symbol = U) -> list:
    """Exact points of [0, 1] where ``expr`` may have a pole: the roots of every denominator
    (and base of a negative power), of cos(a) for tan(a) and of sin(a) for cot(a), and the end
    u = 1 (where an evaluation at a rounded pi/2 looks finite)."""
    from ..provers.pieces import roots_in

    cands = [sp.Integer(1)]
    for node in sp.preorder_traversal(expr):
        den = None
        if isinstance(node, sp.Pow) and node.exp.is_number and node.exp.is_negative:
            den = node.base
        elif isinstance(node, sp.tan):
            den = sp.cos(node.args[0])
        elif isinstance(node, sp.cot):
            den = sp.sin(node.args[0])
        if den is None or not den.has(var) or den.free_symbols - {var}:
            continue
        try:
            cands += [r for r in (roots_in(den, var, 0, 1) or []) if 0 < r <= 1]
        except Exception:  # noqa: BLE001 - a root we cannot isolate is probed by the grid
            pass
        for x in (0, 1):  # roots_in looks inside (0, 1): the ends are tried exactly
            try:
                if abs(sp.N(den.subs(var, x), 30)) < 1e-25:
                    cands.append(sp.Integer(x))
            except (TypeError, ValueError):
                pass
    return sorted(set(cands), key=float)[:200]


def _refuse_poles(ell: sp.Expr, f, what: str) -> None:
    """Refuse a pole inside (0, 1]: |l| growing without bound towards a point (tan(pi*u) at
    1/2, 1/sin(2*pi*u) at 1/2 and 1, tan(pi*u/2) at 1). At a rounded pole the 50-digit value
    is merely huge, so each candidate is probed at distances 1e-8, 1e-16, 1e-32 on each side."""
    for x0 in pole_candidates(ell):
        if x0 <= 0:
            continue
        for side in (-1, 1):
            if x0 >= 1 and side > 0:
                continue
            with mpmath.workdps(90):
                xm = mpmath.mpf(x0.p) / x0.q if x0.is_Rational else mpmath.mpf(sp.N(x0, 100))
                vals = [_mp_at(f, xm + side * mpmath.mpf(10) ** (-k)) for k in (8, 16, 32)]
            mags = []
            for v in vals:
                if isinstance(v, Exception) or _bad_value(v) is not None:
                    mags = None
                    break
                mags.append(abs(mpmath.mpf(v.real if isinstance(v, mpmath.mpc) else v)))
            if mags and mags[2] > 1e12 * (1 + mags[0]) and mags[1] > 1e4 * (1 + mags[0]):
                where = "from the left" if side < 0 else "from the right"
                raise DomainError(
                    f"{what}: l(u) = {sp.sstr(ell)} has a pole at u = {sp.sstr(x0)} (|l| grows "
                    f"without bound approaching it {where}: {mpmath.nstr(mags[0], 6)} at "
                    f"distance 1e-8, {mpmath.nstr(mags[2], 6)} at 1e-32); a loss must be real "
                    "and finite on (0, 1] (+oo allowed only at u = 0, as for -log u)")


def _right_limit(ell: sp.Expr):
    try:
        return sp.limit(ell, U, 0, "+")
    except Exception:  # noqa: BLE001
        return None


def _vector(spec: LossSpec, n: int, seed: int = 0) -> None:
    what = f"loss {spec.name!r} ({spec.describe_values()}) at K = {n}"
    for e in (spec.subs_values(spec.expr), *[g for _, g in spec.summands()]):
        _assert_tractable(e, what)
    rng = np.random.default_rng(seed)
    pts = [np.full(n, 1.0 / n)]
    size = 40 if n <= 50 else (8 if n <= 200 else 2)  # 50 digits cost K x K per point
    if n <= 256:
        pts += list(rng.dirichlet(np.ones(n), size=size))
        pts += list(rng.dirichlet(np.full(n, 0.2), size=size))
    else:  # 256 distinct entries, each repeated: mp_losses evaluates one value per entry
        groups = np.arange(n) % 256
        for conc in (1.0, 1.0, 0.2, 0.2):
            g = rng.dirichlet(np.full(256, conc))
            p = g[groups] / np.bincount(groups)[groups]
            pts.append(p / p.sum())
    for p in pts:
        if np.any(p <= 0):
            continue
        try:
            vals = spec.mp_losses([float(x) for x in p], dps=30)
        except (ZeroDivisionError, ValueError, TypeError, OverflowError) as exc:
            raise DomainError(f"{what}: L cannot be evaluated at u = "
                              f"{np.round(p, 6).tolist()}: {exc}") from None
        for k, v in enumerate(vals):
            why = _bad_value(v)
            if why is not None:
                raise DomainError(
                    f"{what}: L(u, {k}) is {why} at u = {np.round(p, 6).tolist()} (inside the "
                    "simplex); a loss must be real and finite at every u with all u_k > 0")


def assert_loss_defined(spec: LossSpec, n_classes: int) -> None:
    """Raise :class:`~alfs_theory.errors.DomainError` naming a point where the bound loss is
    not real and defined (see the module docstring); return None otherwise. Cached."""
    b = spec if spec.is_bound else spec.bind()
    key = ("defined", n_classes)
    if b._cache.get(key):
        return
    b = b.at_classes(n_classes)
    if b.is_pointwise:
        _pointwise(b)
    else:
        _vector(b, n_classes)
    spec._cache[key] = True
