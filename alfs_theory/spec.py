"""Loss specifications: one frozen sympy definition per loss, with parameter domains.

A loss L(u, y) over K classes is written as an expression ``expr`` in

* ``u``  = u_y, the probability of the labelled class (:data:`alfs_theory.symbols.U`),
* ``K``  the number of classes (:data:`alfs_theory.symbols.K`), where it matters,
* the loss's parameters (``a``, ``q``, ``gamma``, ...), each with a domain,
* *sum symbols* ``S_j`` standing for Σ_{k=1..K} g_j(u_k), one summand g_j(v) each.

A *pointwise* loss has no sum symbols: L(u, y) = ℓ(u_y). A *vector* loss (NCE, NFL, ANL,
AMSE, MSE, ...) uses sums over all classes. This form is exact for every K, so symbolic
checks can keep K free, and numeric code evaluates it for any concrete K.

Example
-------
>>> from alfs_theory import get_loss
>>> agce = get_loss("agce").bind(a=1, q=2)
>>> float(agce.pointwise_expr().subs("u", 0))
1.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache as _lru_cache
from typing import Any

import numpy as np
import sympy as sp

from .errors import ParameterError, SpecError
from .symbols import K, U, V, numeric_modules

__all__ = ["LossSpec", "Param", "combine", "make_param", "to_exact"]


def to_exact(value: float | str | sp.Basic) -> sp.Expr:
    """An exact sympy number for a user value: 1.5 -> 3/2, 0.1 -> 1/10 (via its repr)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        raise ParameterError(f"a parameter value must be a number, got the boolean {value!r}")
    if isinstance(value, int):
        return sp.Integer(value)
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu":
        return sp.Integer(int(value))  # numpy integers
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"a parameter value must be finite, got {value!r}")
        text = repr(float(value))  # a numpy float64 is a float whose repr names numpy
        # short decimals stay exact (1.5 -> 3/2, 0.1 -> 1/10); long ones become 17-digit floats,
        # since exact powers of rationals with huge denominators make sympy crawl
        return sp.Rational(text) if len(text.lstrip("-")) <= 10 else sp.Float(text, 17)
    if isinstance(value, str):
        try:
            f = float(value)
        except ValueError:
            raise ParameterError(f"a parameter value must be a number, got {value!r}") from None
        return to_exact(f)
    try:
        return to_exact(float(value))  # numpy scalars
    except (TypeError, ValueError):
        raise ParameterError(f"a parameter value must be a number, got {value!r}") from None


@dataclass(frozen=True)
class Param:
    """A loss parameter: its symbol, its domain as a sympy condition, a default.

    Build with :func:`make_param`, which derives the symbol's assumptions from the bounds.
    """

    name: str
    symbol: sp.Symbol
    domain: sp.Basic  # a sympy Boolean in ``symbol``
    default: float | None = None
    description: str = ""
    lower: float | None = None
    upper: float | None = None
    lower_strict: bool = True
    upper_strict: bool = False

    @property
    def domain_text(self) -> str:
        parts = []
        if self.lower is not None:
            parts.append(f"{_fmt(self.lower)} {'<' if self.lower_strict else '<='}")
        parts.append(self.name)
        if self.upper is not None:
            parts.append(f"{'<' if self.upper_strict else '<='} {_fmt(self.upper)}")
        if len(parts) == 1:
            return f"{self.name} real"
        return " ".join(parts)

    def contains(self, value: sp.Expr) -> bool:
        """True when ``value`` (a real number) lies in the domain."""
        v = sp.sympify(value)
        if not (v.is_real and v.is_finite):
            return False
        if self.lower is not None:
            lo = to_exact(self.lower)
            if (v <= lo) if self.lower_strict else (v < lo):
                return False
        if self.upper is not None:
            hi = to_exact(self.upper)
            if (v >= hi) if self.upper_strict else (v > hi):
                return False
        return True


_MAX_LOG10 = 300.0  # refuse numeric values beyond 1e300 that a substitution would create


def _log10_size(e: sp.Basic, env: dict) -> float | None:
    """An estimate of log10 |e| after substituting ``env`` (numbers), computed from the leaves
    up in floating point without building any large number; None where e still depends on
    a free symbol (u, a class sum) or cannot be estimated. Only powers and exp grow fast."""
    if e in env:
        v = env[e]
        return math.log10(abs(float(v))) if v != 0 else -math.inf
    if e.is_Number:
        try:
            v = abs(float(e))
        except (TypeError, ValueError, OverflowError):
            return math.inf
        return math.log10(v) if v else -math.inf
    if e.is_Symbol or not e.args:
        return None if not e.is_number else 0.0
    sizes = [_log10_size(a, env) for a in e.args]
    if isinstance(e, sp.Pow):
        b, x = sizes
        if b is None or x is None or b == -math.inf:
            return None  # 0**x: zero, or a division by zero the domain check reports
        if x > 20:
            return math.inf if b > 1e-12 else (-math.inf if b < -1e-12 else 0.0)
        try:
            xv = float(e.args[1].subs(env)) if x < 20 else math.inf
        except (TypeError, ValueError):
            return None
        return xv * b
    if isinstance(e, sp.exp):
        (x,) = sizes
        if x is None:
            return None
        if x > 20:
            return math.inf
        try:
            return float(e.args[0].subs(env)) / math.log(10)
        except (TypeError, ValueError):
            return None
    if any(z is None for z in sizes):
        return None
    if isinstance(e, sp.Mul):
        return sum(sizes)
    return max(sizes) + math.log10(len(sizes))  # Add and the rest: a crude bound


def guard_substitution(expr: sp.Basic, env: dict, what: str) -> None:
    """Raise :class:`SpecError` when substituting ``env`` into ``expr`` would build a number
    beyond 1e300 (``K**K**K`` at K = 10, ``a**a**a`` at a = 10), before sympy tries to."""
    env = {k: v for k, v in env.items() if v is not None}
    if not env:
        return
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Pow, sp.exp)) and node.free_symbols and \
                node.free_symbols <= set(env):
            size = _log10_size(node, env)
            if size is not None and size > _MAX_LOG10:
                how = "overflow" if size == math.inf else f"be about 1e{size:.3g}"
                raise SpecError(f"{what}: the term {sp.sstr(node)} would {how} after "
                                f"substituting "
                                f"{', '.join(f'{k} = {v}' for k, v in env.items())}, beyond "
                                "1e300; the checker refuses numbers that large")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def make_param(
    name: str,
    *,
    lower: float | None = None,
    upper: float | None = None,
    lower_strict: bool = True,
    upper_strict: bool = False,
    default: float | None = None,
    description: str = "",
) -> Param:
    """A parameter with domain ``lower (<|<=) name (<|<=) upper``; either bound may be None."""
    assumptions: dict[str, bool] = {"real": True}
    if lower is not None and (lower > 0 or (lower == 0 and lower_strict)):
        assumptions = {"positive": True}
    elif lower is not None and lower == 0:
        assumptions = {"nonnegative": True}
    sym = sp.Symbol(name, **assumptions)
    conds = []
    if lower is not None:
        rel = sp.StrictGreaterThan if lower_strict else sp.GreaterThan
        conds.append(rel(sym, to_exact(lower), evaluate=False))
    if upper is not None:
        rel = sp.StrictLessThan if upper_strict else sp.LessThan
        conds.append(rel(sym, to_exact(upper), evaluate=False))
    domain = sp.And(*conds, evaluate=False) if len(conds) > 1 else (conds[0] if conds else sp.true)
    return Param(name, sym, domain, default, description, lower, upper, lower_strict, upper_strict)


@dataclass(frozen=True)
class LossSpec:
    """The one source of truth for a loss.

    Parameters
    ----------
    name : registry key, lowercase (``"agce"``, ``"nce+rce"``).
    expr : L(u, y) in ``u`` (= u_y), ``K``, the parameters and the sum symbols.
    params : the parameters, with domains and defaults.
    sums : pairs (S_j, g_j(v)): S_j stands for Σ_k g_j(u_k) over all K classes.
    title, references, notes : for people: the full name, sources (paper, equation), caveats.
    components : for a weighted sum of losses, pairs (weight parameter name, component name).
    values : bound parameter values (set by :meth:`bind`).
    """

    name: str
    expr: sp.Expr
    params: tuple[Param, ...] = ()
    sums: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    title: str = ""
    references: tuple[str, ...] = ()
    notes: str = ""
    components: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, Any], ...] = ()
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip():
            raise SpecError(
                f"a loss needs a non-empty name without surrounding spaces, got {self.name!r}"
            )
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise SpecError(f"loss {self.name!r}: parameter names repeat: {names}")
        bad = {"u", "v", "K"} & set(names)
        if bad:
            raise SpecError(
                f"loss {self.name!r}: parameter name(s) {sorted(bad)} are reserved "
                "(u: labelled-class probability, v: summand variable, K: classes)"
            )
        allowed = {U, K} | {p.symbol for p in self.params} | {s for s, _ in self.sums}
        extra = self.expr.free_symbols - allowed
        if extra:
            raise SpecError(
                f"loss {self.name!r}: undeclared symbol(s) {sorted(map(str, extra))} in "
                f"{self.expr}; declared: u, K, parameters {names}, sums "
                f"{[str(s) for s, _ in self.sums]}. Declare each as a parameter with a domain."
            )
        for s, g in self.sums:
            extra = g.free_symbols - ({V, K} | {p.symbol for p in self.params})
            if extra:
                raise SpecError(
                    f"loss {self.name!r}: summand of {s} has undeclared symbol(s) "
                    f"{sorted(map(str, extra))}; a summand may use v, K and the parameters"
                )

    # ------------------------------------------------------------------ basics
    @property
    def kind(self) -> str:
        """``"pointwise"`` (L(u, y) = ℓ(u_y)) or ``"vector"`` (uses every u_k)."""
        return "vector" if self.sums else "pointwise"

    @property
    def is_pointwise(self) -> bool:
        return not self.sums

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ParameterError(
            f"loss {self.name!r} has no parameter {name!r}; its parameters: "
            f"{list(self.param_names) or 'none'}"
        )

    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Name -> symbol for u, K and every parameter (what a user expression may use)."""
        d = {"u": U, "K": K}
        d.update({p.name: p.symbol for p in self.params})
        return d

    @property
    def is_bound(self) -> bool:
        return len(self.values) == len(self.params)

    @property
    def value_dict(self) -> dict[str, Any]:
        return dict(self.values)

    def defaults(self) -> dict[str, float | None]:
        return {p.name: p.default for p in self.params}

    # ------------------------------------------------------------------ binding
    def bind(self, **values: Any) -> LossSpec:
        """Fix parameter values (missing ones take their defaults), checking every domain.

        Raises :class:`~alfs_theory.errors.ParameterError` naming the parameter, the violated
        condition and what would pass.
        """
        known = set(self.param_names)
        unknown = set(values) - known
        if unknown:
            raise ParameterError(
                f"loss {self.name!r} has no parameter(s) {sorted(unknown)}; "
                f"its parameters: {sorted(known) or 'none'}"
            )
        bound: list[tuple[str, Any]] = []
        prev = self.value_dict
        for p in self.params:
            if p.name in values:
                raw = values[p.name]
            elif p.name in prev:
                raw = prev[p.name]
            elif p.default is not None:
                raw = p.default
            else:
                raise ParameterError(
                    f"loss {self.name!r}: parameter {p.name!r} has no default; give a value "
                    f"with {p.domain_text}"
                )
            val = to_exact(raw)
            if not p.contains(val):
                raise ParameterError(
                    f"loss {self.name!r}: parameter {p.name}={_show(raw)} is outside its "
                    f"domain {p.domain_text}; pass a value with {p.domain_text}"
                )
            bound.append((p.name, float(val) if not isinstance(raw, sp.Basic) else raw))
        env = {self.param(n).symbol: to_exact(v) for n, v in bound}
        for e in (self.expr, *[g for _, g in self.sums]):
            guard_substitution(e, env, f"loss {self.name!r}")
        return replace(self, values=tuple(bound), _cache={})

    def exact_values(self) -> dict[sp.Symbol, sp.Expr]:
        """Bound values as exact sympy numbers, keyed by symbol."""
        return {self.param(n).symbol: to_exact(v) for n, v in self.values}

    def subs_values(self, e: sp.Expr) -> sp.Expr:
        return e.subs(self.exact_values()) if self.values else e

    # ------------------------------------------------------------------ expressions
    def pointwise_expr(self, n_classes: int | None = None) -> sp.Expr:
        """ℓ(u) for a pointwise loss, with bound values (and K, if given) substituted."""
        if not self.is_pointwise:
            raise SpecError(
                f"loss {self.name!r} is a vector loss (uses Σ_k over all classes); it has no "
                "pointwise ℓ(u). Use vector_expr(...) or numeric_losses(...)."
            )
        e = self.subs_values(self.expr)
        if n_classes is not None:
            e = e.subs(K, n_classes)
        return e

    def at_classes(self, n_classes: int) -> "LossSpec":
        """The same loss with K fixed to ``n_classes`` (for checks at a given K)."""
        env = {K: n_classes, **{self.param(n).symbol: to_exact(v) for n, v in self.values}}
        for e in (self.expr, *[g for _, g in self.sums]):
            guard_substitution(e, env, f"loss {self.name!r} at K = {n_classes}")
        return replace(self, expr=self.expr.subs(K, n_classes),
                       sums=tuple((s, g.subs(K, n_classes)) for s, g in self.sums), _cache={})

    def parts(self) -> tuple[tuple[sp.Expr, "LossSpec"], ...]:
        """The terms of a weighted sum Σ_i w_i L_i built by :func:`combine`: pairs (w_i, L_i),
        w_i an exact number when bound (else its symbol), L_i carrying the bound values of its
        own parameters. Empty for a loss that is not such a sum."""
        if "parts" in self._cache:
            return self._cache["parts"]
        if not self.components:
            self._cache["parts"] = self._additive_parts()
            return self._cache["parts"]
        out: list[tuple[sp.Expr, LossSpec]] = []
        wsyms = [self.param(w).symbol for w, _ in self.components]
        exact = self.exact_values()
        for (wname, cname), ws in zip(self.components, wsyms):
            e = sp.diff(self.expr, ws)
            if e.free_symbols & set(wsyms):  # not linear in the weights: not a plain sum
                out = []
                break
            sums = tuple((s, g) for s, g in self.sums if s in e.free_symbols)
            used = e.free_symbols.union(*[g.free_symbols for _, g in sums])
            params = tuple(p for p in self.params if p.symbol in used)
            values = tuple((n, v) for n, v in self.values if n in {p.name for p in params})
            part = LossSpec(name=cname, expr=e, params=params, sums=sums, values=values)
            out.append((exact.get(ws, ws), part))
        if out and sp.expand(self.expr - sum(w * p.expr for w, p in zip(wsyms, (q for _, q in
                                                                               out)))) != 0:
            out = []
        self._cache["parts"] = tuple(out)
        return self._cache["parts"]

    def _additive_parts(self) -> tuple[tuple[sp.Expr, "LossSpec"], ...]:
        """For a vector loss not built by :func:`combine` (e.g. typed by a user): its additive
        terms grouped by the class sums they use, each group a part of weight 1, when there
        are at least two groups (``-log(u)/sum(-log(v)) + b*(1 - u)``: the NCE term and the
        pointwise rest). Empty otherwise."""
        if not self.sums:
            return ()
        sum_syms = [S for S, _ in self.sums]
        groups: dict[frozenset, sp.Expr] = {}
        for term in sp.Add.make_args(sp.expand(self.expr, mul=False, multinomial=False,
                                               power_exp=False, power_base=False, log=False)):
            key = frozenset(S for S in sum_syms if term.has(S))
            groups[key] = groups.get(key, sp.Integer(0)) + term
        if len(groups) < 2:
            return ()
        names = {p.name for p in self.params}
        out = []
        for i, (key, e) in enumerate(sorted(groups.items(), key=lambda kv: len(kv[0]))):
            sums = tuple((S, g) for S, g in self.sums if S in key)
            used = e.free_symbols.union(*[g.free_symbols for _, g in sums])
            params = tuple(p for p in self.params if p.symbol in used)
            keep = {p.name for p in params} & names
            values = tuple((n, v) for n, v in self.values if n in keep)
            out.append((sp.Integer(1), LossSpec(name=f"{self.name}[{i}]", expr=e, params=params,
                                                sums=sums, values=values)))
        return tuple(out)

    def summands(self) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
        return tuple((s, self.subs_values(g)) for s, g in self.sums)

    def vector_expr(self, n_classes: int, y: int = 0) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
        """L(u, y) as an expression in K explicit symbols u_0..u_{K-1} (bound values used)."""
        us = sp.symbols(f"u_0:{n_classes}", real=True, nonnegative=True)
        e = self.subs_values(self.expr).subs(K, n_classes)
        for s, g in self.summands():
            e = e.subs(s, sp.Add(*[g.subs(K, n_classes).subs(V, uk) for uk in us]))
        return e.subs(U, us[y]), us

    def formula_text(self) -> str:
        """The formula in plain text, with sums written out."""
        body = sp.sstr(self.expr)
        uk = sp.Symbol("u_k")
        where = "; ".join(f"{s} = sum_k {sp.sstr(g.subs(V, uk))}" for s, g in self.sums)
        head = "L(u, y) = " if self.sums else "l(u) = "
        return head + body + (f"   where {where}" if where else "") + "   [u = u_y]"

    def formula_latex(self) -> str:
        e = self.expr
        repl = {
            s: sp.Symbol(r"\sum_{k=1}^{K} " + "(" + sp.latex(g.subs(V, sp.Symbol("u_k"))) + ")")
            for s, g in self.sums
        }
        e = e.subs(repl) if repl else e
        return sp.latex(e.subs(U, sp.Symbol("u_y")) if self.sums else e)

    # ------------------------------------------------------------------ numerics
    def _lambdas(self, module: str) -> tuple[Callable, list[Callable]]:
        key = ("lambdas", module)
        if key not in self._cache:
            if not self.is_bound:
                raise ParameterError(
                    f"loss {self.name!r}: bind parameter values first, e.g. "
                    f"get_loss({self.name!r}).bind(...); parameters: {list(self.param_names)}"
                )
            sum_syms = [s for s, _ in self.sums]
            body, summands = self.subs_values(self.expr), [g for _, g in self.summands()]
            mods = numeric_modules(body, *summands) if module == "numeric" else module
            f = sp.lambdify([U, K, *sum_syms], body, mods)
            gs = [sp.lambdify([V, K], g, mods) for g in summands]
            self._cache[key] = (f, gs)
        return self._cache[key]

    def numeric_losses(self, u: np.ndarray) -> np.ndarray:
        """L(u, k) for every class k, for probability vectors u of shape (..., K) (numpy)."""
        u = np.asarray(u, dtype=float)
        n = u.shape[-1]
        f, gs = self._lambdas("numeric")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            sums = []
            for j, g in enumerate(gs):
                gv = np.array(np.broadcast_to(g(u, n), u.shape), dtype=float)
                for x in (0.0, 1.0):  # 0*log 0 at the boundary: the summand's limit there
                    bad = np.isnan(gv) & (u == x)
                    if bad.any():
                        gv[bad] = float(self._summand_limit(j, x, n))
                sums.append(np.sum(gv, axis=-1, keepdims=True))
            out = np.array(np.broadcast_to(f(u, n, *sums), u.shape), dtype=float)
        if not self.sums:  # a pointwise l undefined at u = 0 or 1 (0*log 0): its limit there
            for x in (0.0, 1.0):
                bad = np.isnan(out) & (u == x)
                if bad.any():
                    out[bad] = float(self._mp_limit(x, n))
        return out

    def risk(self, w: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Σ_k w_k L(u, k): the (noisy) conditional risk for label weights w. A class of zero
        weight contributes nothing, even where its loss is infinite (0·∞ = 0)."""
        w = np.asarray(w, dtype=float)
        with np.errstate(invalid="ignore"):
            terms = w * self.numeric_losses(u)
        return np.sum(np.where(w == 0, 0.0, terms), axis=-1)

    def mp_losses(self, u: Iterable, dps: int = 50) -> list:
        """L(u, k) for every k at ``dps`` decimal digits with mpmath (for re-verification)."""
        import mpmath

        with mpmath.workdps(dps):
            u = [mpmath.mpf(x) if not isinstance(x, mpmath.mpf) else x for x in u]
            n = len(u)
            f, gs = self._lambdas("mpmath")
            sums = []
            keys = [x._mpf_ for x in u]  # raw tuples: hashed far faster than mpf numbers
            mult: dict = {}  # each distinct entry with its multiplicity
            for x, kx in zip(u, keys):
                if kx in mult:
                    mult[kx][1] += 1
                else:
                    mult[kx] = [x, 1]
            for j, g in enumerate(gs):
                sums.append(mpmath.fsum(c * self._mp_summand(j, g, x, n)
                                        for x, c in mult.values()))
            out = []
            seen: dict = {}  # L(u, k) depends on u_k (and the sums) only: one value per entry
            for x, kx in zip(u, keys):
                v = seen.get(kx)
                if v is None:
                    try:
                        v = f(x, n, *sums)
                    except ZeroDivisionError:  # 1/u at u = 0: the one-sided limit, or nan
                        v = self._mp_limit(x, n)
                    if not self.sums and (x == 0 or x == 1) and \
                            (isinstance(v, mpmath.mpc) or mpmath.isnan(v)):
                        v = self._mp_limit(x, n)  # 0*log 0 at u = 0: the limit, as for summands
                    seen[kx] = v
                out.append(v)
            return out

    def _mp_summand(self, j: int, g, x, n: int):
        """The summand g_j(x) at 50 digits; at x = 0 or 1, where it is undefined (0*log 0), its
        one-sided limit (the continuous extension the theory reads on the boundary)."""
        import mpmath

        try:
            v = g(x, n)
        except (ZeroDivisionError, ValueError):
            v = mpmath.mpf("nan")
        if (x == 0 or x == 1) and (isinstance(v, mpmath.mpc) or mpmath.isnan(v)):
            return self._summand_limit(j, int(x), n)
        return v

    def _summand_limit(self, j: int, x: float, n: int):
        """lim g_j(v) as v -> x from inside [0, 1] (mpmath number; nan if it does not exist),
        cached: 0 for v*log(v) at 0."""

        import mpmath

        key = ("summand-limit", j, int(x), n, mpmath.mp.dps)
        if key not in self._cache:
            self._cache[key] = _mp_end_limit(self.summands()[j][1].subs(K, n), V, int(x))
        return self._cache[key]

    def _mp_limit(self, x, n: int):
        """L at a point where mpmath divides by zero: for a pointwise ℓ at u = 0 or 1 the
        one-sided limit (±oo allowed), otherwise nan (undefined; callers read nan as such)."""
        import mpmath

        if self.sums or x not in (0, 1):
            return mpmath.mpf("nan")
        key = ("mp-limit", int(x), n, mpmath.mp.dps)
        if key not in self._cache:
            self._cache[key] = _mp_end_limit(self.subs_values(self.expr).subs(K, n), U, int(x))
        return self._cache[key]

    def mp_risk(self, w: Iterable, u: Iterable, dps: int = 50):
        import mpmath

        with mpmath.workdps(dps):
            u = [mpmath.mpf(x) if not isinstance(x, mpmath.mpf) else x for x in u]
            # equal (w_k, u_k) pairs have equal terms: count them (K = 10,000); keyed by the
            # raw mpf tuples, whose hash is far cheaper than an mpf's
            count: dict = {}
            wval: dict = {}
            for wk, uk in zip(w, u):
                kw = wk._mpf_ if isinstance(wk, mpmath.mpf) else wk
                if kw not in wval:
                    wval[kw] = wk if isinstance(wk, mpmath.mpf) else mpmath.mpf(wk)
                key = (kw, uk._mpf_)
                count[key] = count.get(key, 0) + 1
            ls = {uk._mpf_: lk for uk, lk in zip(u, self.mp_losses(u, dps))}
            return mpmath.fsum(n * wval[kw] * ls[ku] for (kw, ku), n in count.items()
                               if wval[kw] != 0)

    def describe_values(self) -> str:
        return ", ".join(f"{n}={_show(v)}" for n, v in self.values) or "no parameters"


def _mp_end_limit(e: sp.Expr, var: sp.Symbol, x: int):
    """lim e as ``var`` -> x from inside [0, 1] (x = 0 or 1) as an mpmath number at the working
    precision (+ 10 digits): ±inf kept, nan where sympy finds no real limit."""
    import mpmath

    lim = _end_limit(e, var, x)
    if lim == sp.oo:
        return mpmath.inf
    if lim == -sp.oo:
        return -mpmath.inf
    if lim.is_real and lim.is_finite:
        return _mp_at_precision(lim, mpmath.mp.dps)
    return mpmath.mpf("nan")


@_lru_cache(maxsize=512)
def _end_limit(e: sp.Expr, var: sp.Symbol, x: int) -> sp.Expr:
    try:
        return sp.limit(e, var, x, "+" if x == 0 else "-")
    except (NotImplementedError, ValueError, TypeError):
        return sp.nan


@_lru_cache(maxsize=1024)
def _mp_at_precision(value: sp.Expr, dps: int):
    import mpmath

    return mpmath.mpf(sp.N(value, max(60, dps + 10)))


def _show(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def combine(
    name: str,
    parts: Mapping[str, tuple[str, LossSpec]] | Iterable[tuple[str, LossSpec]],
    *,
    weight_defaults: Mapping[str, float] | None = None,
    param_defaults: Mapping[str, float] | None = None,
    title: str = "",
    references: tuple[str, ...] = (),
    notes: str = "",
) -> LossSpec:
    """A weighted sum Σ_i w_i L_i of specs, each weight a parameter w_i > 0.

    ``parts`` is a sequence of (weight name, spec). Parameters of the parts are merged; a
    clash of names between parts with different domains is an error. Sum symbols are renamed
    per part so they never collide.
    """
    items = list(parts.items()) if isinstance(parts, Mapping) else list(parts)
    weight_defaults = dict(weight_defaults or {})
    param_defaults = dict(param_defaults or {})
    params: dict[str, Param] = {}
    weights: list[Param] = []
    expr = sp.Integer(0)
    sums: list[tuple[sp.Symbol, sp.Expr]] = []
    comps: list[tuple[str, str]] = []
    for i, (wname, spec) in enumerate(items):
        w = make_param(wname, lower=0, lower_strict=False, default=weight_defaults.get(wname, 1.0),
                       description=f"weight of {spec.name}")
        weights.append(w)
        for p in spec.params:
            if p.name in params and params[p.name].domain != p.domain:
                raise SpecError(f"combine {name!r}: parameter {p.name!r} clashes between parts")
            if p.name in param_defaults:
                p = replace(p, default=param_defaults[p.name])
            params[p.name] = p
        e = spec.expr
        for s, g in spec.sums:
            s2 = sp.Symbol(f"{s.name}_{i}", real=True)
            e = e.subs(s, s2)
            sums.append((s2, g))
        expr = expr + w.symbol * e
        comps.append((wname, spec.name))
    all_params = tuple(weights) + tuple(params.values())
    if {w.name for w in weights} & set(params):
        raise SpecError(f"combine {name!r}: a weight name clashes with a parameter name")
    refs = references or tuple(r for _, s in items for r in s.references)
    return LossSpec(
        name=name,
        expr=expr,
        params=all_params,
        sums=tuple(sums),
        title=title or " + ".join(f"{w}·{s.title or s.name}" for (w, s) in items),
        references=tuple(dict.fromkeys(refs)),
        notes=notes,
        components=tuple(comps),
    )
