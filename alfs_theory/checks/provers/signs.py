"""Symbolic sign proofs for parametric expressions: the first rung of the prover ladder.

The variable's range [lo, hi] and the parameter domains are encoded by substitutions into
fresh symbols whose sympy assumptions carry them, then sympy's assumption system (and a small
set of sign rules for products, sums and powers) is asked for the sign:

* the variable: ``u = lo + t`` (t ≥ 0, a superset of [lo, hi]), ``u = hi - t`` (t ≥ 0),
  ``u = lo + (hi - lo) t/(1 + t)`` and ``u = hi - (hi - lo) t/(1 + t)`` (t > 0, the open
  interval, with the end points checked separately, by one-sided limits where needed);
* a parameter: ``a > 1`` becomes ``a = 1 + b`` (b > 0), ``a >= 0`` becomes ``a = b`` (b ≥ 0),
  ``0 < p < 1`` becomes ``p = 1/(1 + c)`` (c > 0), and a closed end of a bounded domain is a
  separate case (``0 < p <= 1``: p = 1/(1 + c) and p = 1).

Each substitution covers the whole range, so a sign shown after it holds on the range.
sympy answering None or False means "could not show it": the verdict is then UNDECIDED,
never REFUTED.

Example
-------
>>> import sympy as sp
>>> u, a, q = sp.symbols("u a q", positive=True)
>>> d2 = -(q - 1) * (a + u) ** (q - 2)          # AGCE l''
>>> prove_sign_symbolic(d2, u, 0, 1, sign="negative", strict=True,
...                     assumptions=[a > 0, q > 1]).verdict.value
'PROVED'
>>> prove_sign_symbolic(d2, u, 0, 1, sign="negative", strict=True,
...                     assumptions=[a > 0, q > 0]).verdict.value
'UNDECIDED'
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping

import sympy as sp

from ...timing import clock
from ..verdict import Certificate, CheckResult, Verdict

__all__ = ["parameter_bounds", "parameter_substitutions", "prove_sign_symbolic",
           "risky_for_rewriting"]

# abstract signs: "+" (> 0), "-" (< 0), "0" (= 0), ">=0", "<=0"; None = unknown
_NEG = {"+": "-", "-": "+", "0": "0", ">=0": "<=0", "<=0": ">=0"}


# ----------------------------------------------------------------------------- domains


def _linear_bound(rel) -> tuple | None:
    """``rel`` as (symbol, bound, kind, strict) with kind 'lo' or 'hi', for relations linear in
    one symbol with numeric coefficients (``2*q > 1`` -> (q, 1/2, 'lo', True))."""
    if not isinstance(rel, sp.core.relational.Relational):
        return None
    op = rel.rel_op
    if op not in ("<", "<=", ">", ">="):
        return None
    d = rel.lhs - rel.rhs
    syms = d.free_symbols
    if len(syms) != 1:
        return None
    (x,) = syms
    try:
        poly = sp.Poly(d, x)
    except sp.PolynomialError:
        return None
    if poly.degree() != 1:
        return None
    k, m = poly.all_coeffs()
    if not (k.is_number and m.is_number and k.is_real and m.is_real) or k == 0:
        return None
    # exact: a Float coefficient is taken at its binary value (no decimal guessing)
    m, k = (sp.Rational(x) if x.is_Float else x for x in (m, k))
    bound = -m / k
    greater = op in (">", ">=")  # d > 0 <=> k x > -m
    if k < 0:
        greater = not greater
    return x, bound, ("lo" if greater else "hi"), op in ("<", ">")


def parameter_bounds(assumptions) -> dict:
    """Numeric bounds per parameter: ``{symbol: [lo, lo_strict, hi, hi_strict]}``.

    ``assumptions`` may be None, a relational or And (``a > 1``, ``(q > 0) & (q <= 1)``), an
    iterable of them, or a mapping ``{symbol: (lo, lo_strict)}``,
    ``{symbol: (lo, lo_strict, hi, hi_strict)}`` or ``{symbol: sympy.Interval}``. Conditions
    that are not numeric bounds on one symbol (``a > q``) are ignored, which is sound: a sign
    proved under fewer hypotheses holds under more.
    """
    out: dict = {}

    def put(x, kind, bound, strict):
        b = out.setdefault(x, [None, False, None, False])
        if kind == "lo":
            if b[0] is None or bound > b[0] or (bound == b[0] and strict):
                b[0], b[1] = bound, strict
        else:
            if b[2] is None or bound < b[2] or (bound == b[2] and strict):
                b[2], b[3] = bound, strict

    if assumptions is None:
        return out
    if isinstance(assumptions, Mapping):
        for x, spec in assumptions.items():
            if isinstance(spec, sp.Interval):
                if spec.start.is_finite:
                    put(x, "lo", spec.start, bool(spec.left_open))
                if spec.end.is_finite:
                    put(x, "hi", spec.end, bool(spec.right_open))
                continue
            spec = tuple(spec)
            if len(spec) >= 2 and spec[0] is not None:
                put(x, "lo", sp.sympify(spec[0]), bool(spec[1]))
            if len(spec) == 4 and spec[2] is not None:
                put(x, "hi", sp.sympify(spec[2]), bool(spec[3]))
        _merge_own(out, put)
        return out
    items: list = []
    stack = [assumptions] if not isinstance(assumptions, Iterable) or isinstance(
        assumptions, sp.Basic) else list(assumptions)
    while stack:
        c = stack.pop()
        if isinstance(c, sp.And):
            stack.extend(c.args)
        elif isinstance(c, (list, tuple)):
            stack.extend(c)
        else:
            items.append(c)
    for c in items:
        lb = _linear_bound(c)
        if lb is not None:
            put(lb[0], lb[2], lb[1], lb[3])
    _merge_own(out, put)
    return out


def _merge_own(out: dict, put) -> None:
    """Add what a symbol's own assumptions say (``q > 0`` is already True for a positive q,
    so the relational disappears; the substitution must still keep q > 0)."""
    for x in list(out):
        if x.is_positive:
            put(x, "lo", sp.S.Zero, True)
        elif x.is_nonnegative:
            put(x, "lo", sp.S.Zero, False)
        if x.is_negative:
            put(x, "hi", sp.S.Zero, True)
        elif x.is_nonpositive:
            put(x, "hi", sp.S.Zero, False)


def _dummy(x: sp.Symbol, tag: str, **assume) -> sp.Dummy:
    if x.is_integer:
        assume["integer"] = True
    return sp.Dummy(f"{x.name}_{tag}", real=True, **assume)


def parameter_substitutions(assumptions) -> list[dict]:
    """Cases covering the parameter domains: a list of ``{parameter: expression}`` maps.

    Every parameter point of the domain is the image of some case under some values of the
    fresh symbols (whose assumptions carry the domain), so a sign proved in every case holds
    on the whole domain. ``[{}]`` when nothing is assumed.
    """
    per_symbol = []
    for x, (lo, lo_s, hi, hi_s) in parameter_bounds(assumptions).items():
        cases = []
        if lo is not None and hi is not None:
            if lo > hi or (lo == hi and (lo_s or hi_s)):
                cases = []  # empty domain: vacuous
            elif lo == hi:
                cases = [{x: lo}]
            else:
                c = _dummy(x, "c", positive=True)
                cases = [{x: lo + (hi - lo) / (1 + c)}]  # the open interval (lo, hi)
                if not lo_s:
                    cases.append({x: lo})
                if not hi_s:
                    cases.append({x: hi})
        elif lo is not None:
            c = _dummy(x, "c", positive=True) if lo_s else _dummy(x, "c", nonnegative=True)
            cases = [{x: lo + c}]
        elif hi is not None:
            c = _dummy(x, "c", positive=True) if hi_s else _dummy(x, "c", nonnegative=True)
            cases = [{x: hi - c}]
        per_symbol.append(cases)
    out = []
    for combo in itertools.product(*per_symbol):
        d: dict = {}
        for part in combo:
            d.update(part)
        out.append(d)
    return out


# ----------------------------------------------------------------------------- sign rules


def _mul_sign(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return None
    if a == "0" or b == "0":
        return "0"
    if a == "+":
        return b
    if a == "-":
        return _NEG[b]
    if b in ("+", "-"):
        return _mul_sign(b, a)
    # both weak
    return ">=0" if a == b else "<=0"


def _add_sign(signs: list) -> str | None:
    if any(s is None for s in signs):
        return None
    if all(s in ("+", ">=0", "0") for s in signs):
        return "+" if "+" in signs else (">=0" if ">=0" in signs else "0")
    if all(s in ("-", "<=0", "0") for s in signs):
        return "-" if "-" in signs else ("<=0" if "<=0" in signs else "0")
    return None


def _sympy_sign(e: sp.Expr) -> str | None:
    if e.is_positive:
        return "+"
    if e.is_negative:
        return "-"
    if e.is_zero:
        return "0"
    return None


def _asign(e: sp.Expr, depth: int = 0) -> str | None:
    """Abstract sign of a real expression: structural rules for products, sums, powers and
    elementary functions first (cheap), sympy's assumption queries as the fallback."""
    if e.is_Number:
        return None if not e.is_real else ("0" if e == 0 else ("+" if e > 0 else "-"))
    out = None
    if depth <= 8:
        out = _structural_sign(e, depth)
    if out in ("+", "-", "0"):
        return out
    if depth > 0 and (e.is_Add or e.is_Mul or e.is_Pow):
        return out  # sympy's queries on a compound node redo the structural work: only at the top
    s = _sympy_sign(e)
    if s is not None:
        return s
    if out is not None:
        return out
    return ">=0" if e.is_nonnegative else ("<=0" if e.is_nonpositive else None)


def _structural_sign(e: sp.Expr, depth: int) -> str | None:
    if e.is_Mul:
        out = "+"
        for f in e.args:
            out = _mul_sign(out, _asign(f, depth + 1))
            if out is None:
                return None
        return out
    if e.is_Add:
        return _add_sign([_asign(t, depth + 1) for t in e.args])
    if e.is_Pow:
        b, x = e.base, e.exp
        sb = _asign(b, depth + 1)
        if x.is_even and sb in ("+", "-"):
            return "+"
        if x.is_even and x.is_positive and sb is not None:
            return ">=0" if sb != "0" else "0"
        if x.is_integer and x.is_positive and sb is not None:
            return sb if not x.is_even else ">=0"
        if sb == "+" and x.is_real:
            return "+"
        if sb == "-" and x.is_integer:
            return "-" if x.is_odd else ("+" if x.is_even else None)
        if sb in (">=0", "0") and x.is_positive:
            return ">=0" if sb == ">=0" else "0"
        return None
    if isinstance(e, sp.exp):
        return "+" if e.args[0].is_real else None
    if isinstance(e, sp.log):
        arg = e.args[0]
        if _asign(arg, depth + 1) == "+":
            d = _asign(arg - 1, depth + 1)
            if d is None:
                try:
                    d = _asign(sp.factor_terms(sp.together(arg - 1)), depth + 1)
                except (TypeError, ValueError, sp.PolynomialError):
                    d = None
            return d
        return None
    if isinstance(e, sp.Abs):
        return "+" if e.args[0].is_nonzero else ">=0"
    return None


def _meets(s: str | None, sign: str, strict: bool) -> bool:
    if s is None:
        return False
    if sign == "negative":
        return s == "-" if strict else s in ("-", "<=0", "0")
    return s == "+" if strict else s in ("+", ">=0", "0")


_SPLITTABLE = (sp.exp, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh)


def risky_for_rewriting(e: sp.Expr, limit: int = 64) -> bool:
    """True when factor/cancel/simplify may blow up: large numbers inside exp/trig arguments
    (exp(-(1000 u - 500)^2) becomes a polynomial of degree 10^6 in exp(u)) or large integer
    powers."""
    for node in sp.preorder_traversal(e):
        if isinstance(node, _SPLITTABLE):
            nums = [abs(n) for n in node.args[0].atoms(sp.Number) if n.is_real]
            if nums and max(nums) > limit:
                return True
        elif node.is_Pow and node.exp.is_Integer and abs(node.exp) > limit:
            return True
    return False


def _forms(e: sp.Expr, max_ops: int):
    """The expression in a few algebraic forms (the costly ones only when small and safe)."""
    yield "as given", e
    if risky_for_rewriting(e):
        return
    ops = sp.count_ops(e)
    rewrites = [("factor", sp.factor), ("cancel", sp.cancel), ("powsimp", sp.powsimp)]
    if ops <= max_ops:
        for name, fn in rewrites:
            try:
                f = fn(e)
            except (TypeError, ValueError, NotImplementedError, sp.PolynomialError,
                    RecursionError):
                continue
            if f != e:
                yield name, f
    if ops <= max_ops // 2:
        try:
            yield "simplify", sp.simplify(e)
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            pass


def _post_forms(e: sp.Expr):
    """Cheap rewritings after the variable substitution (t/(1 + t) terms need together)."""
    yield "", e
    if risky_for_rewriting(e):
        return
    for name, fn in (("together", sp.together), ("factor_terms", sp.factor_terms)):
        try:
            f = fn(e)
        except (TypeError, ValueError, sp.PolynomialError, RecursionError):
            continue
        if f != e:
            yield f" then {name}", f


def _decide_form(form: sp.Expr, sign: str, strict: bool) -> str | None:
    """'' or ' (numerator / denominator)' when the sign rules show the sign, else None."""
    if form.has(sp.nan, sp.zoo):
        return None
    if _meets(_asign(form), sign, strict):
        return ""
    if form.is_Mul or form.is_Pow:
        num, den = sp.fraction(form)
        if den != 1:
            sn, sd = _asign(num), _asign(den)
            if sd in ("+", "-") and _meets(_mul_sign(sn, sd), sign, strict):
                return " (numerator / denominator)"
    return None


def _decide(e: sp.Expr, sign: str, strict: bool, max_ops: int) -> str | None:
    """The name of the form in which the sign was shown, or None."""
    for name, form in _forms(e, max_ops):
        for post, f2 in _post_forms(form):
            how = _decide_form(f2, sign, strict)
            if how is not None:
                return name + post + how
    return None


def _endpoint_value(e: sp.Expr, var: sp.Symbol, x, inner: str) -> sp.Expr | None:
    """e at var = x, or the one-sided limit from ``inner`` ('+' or '-') when undefined."""
    try:
        v = e.subs(var, x)
    except (TypeError, ValueError, ZeroDivisionError):
        v = sp.nan
    if v.has(sp.nan, sp.zoo):
        if sp.count_ops(e) > 60 or risky_for_rewriting(e):
            return None
        try:
            v = sp.limit(e, var, x, inner)
        except (NotImplementedError, ValueError, TypeError, RecursionError):
            return None
        if v.has(sp.nan, sp.zoo) or isinstance(v, sp.AccumBounds):
            return None
    return v


def _infinite_ok(v: sp.Expr, sign: str) -> bool | None:
    if v == sp.oo:
        return sign == "positive"
    if v == -sp.oo:
        return sign == "negative"
    return None


# ----------------------------------------------------------------------------- the prover


def _match_symbols(assumptions, expr: sp.Expr) -> list[dict]:
    """Parameter cases keyed by the expression's own symbols: a user's ``Symbol('a')`` and
    the spec's ``Symbol('a', positive=True)`` are different objects with the same name, so
    assumptions are re-keyed by name (and then also carry the expression symbol's own
    assumptions)."""
    by_name = {x.name: x for x in expr.free_symbols}

    def rekey(c):
        if isinstance(c, sp.Basic):
            ren = {x: by_name[x.name] for x in c.free_symbols
                   if x.name in by_name and x is not by_name[x.name]}
            return c.xreplace(ren) if ren else c
        return c

    if isinstance(assumptions, Mapping):
        assumptions = {by_name.get(getattr(k, "name", None), k): v
                       for k, v in assumptions.items()}
    elif isinstance(assumptions, sp.Basic):
        assumptions = rekey(assumptions)
    elif assumptions is not None:
        assumptions = [rekey(c) for c in assumptions]
    return [{k: v for k, v in case.items() if k in expr.free_symbols}
            for case in parameter_substitutions(assumptions)]


_CACHE: dict = {}
_CACHE_SIZE = 512


def _cache_key(expr, var, lo, hi, sign, strict, assumptions, max_ops):
    if isinstance(assumptions, Mapping):
        akey = ("map", tuple(sorted(((str(k), k, tuple(v) if not isinstance(v, sp.Basic) else v)
                                     for k, v in assumptions.items()), key=lambda x: x[0])))
    elif assumptions is None or isinstance(assumptions, sp.Basic):
        akey = ("one", assumptions)
    else:
        akey = ("seq", tuple(assumptions))
    key = (expr, var, sp.sympify(lo), sp.sympify(hi), sign, bool(strict), akey, max_ops)
    hash(key)
    return key


def prove_sign_symbolic(expr: sp.Expr, var: sp.Symbol, lo, hi, *, sign: str, strict: bool,
                        assumptions=(), check: str = "sign", max_ops: int = 80,
                        max_seconds: float = 3.0) -> CheckResult:
    """Show ``expr < 0`` (``<= 0``, ``> 0``, ``>= 0``) for ``lo <= var <= hi`` symbolically.

    Parameters
    ----------
    expr : sympy expression in ``var`` and free parameters.
    lo, hi : the range of ``var`` (numbers; ``-oo``/``oo`` allowed).
    sign : "negative" or "positive"; ``strict=False`` allows 0.
    assumptions : parameter domains (see :func:`parameter_bounds`).
    max_ops : expressions larger than this skip the costly rewritings (factor, simplify).
    max_seconds : time budget; when spent the answer is UNDECIDED.

    Returns
    -------
    CheckResult with Verdict.PROVED and Certificate(method="sympy-assumptions") when shown,
    else Verdict.UNDECIDED. Never REFUTED: sympy failing to show a sign is not a disproof.
    """
    t0 = clock()
    s = str(sign).lower()
    if s not in ("negative", "positive"):
        raise ValueError(f"sign must be 'negative' or 'positive', got {sign!r}")
    sign = s
    expr = sp.sympify(expr)
    try:
        key = _cache_key(expr, var, lo, hi, sign, strict, assumptions, max_ops)
    except TypeError:  # unhashable assumptions: no cache
        key = None
    if key is not None and key in _CACHE:
        res = _CACHE[key]
        return dataclasses.replace(res, check=check, seconds=clock() - t0)
    res = _prove_sign_symbolic(expr, var, lo, hi, sign, strict, assumptions, check, max_ops,
                               t0, t0 + max_seconds)
    if key is not None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = res
    return res


def _prove_sign_symbolic(expr, var, lo, hi, sign, strict, assumptions, check, max_ops,
                         t0, deadline) -> CheckResult:
    want = ("< 0" if strict else "<= 0") if sign == "negative" else ("> 0" if strict else ">= 0")
    lo_s, hi_s = sp.sympify(lo), sp.sympify(hi)
    label = f"{sp.sstr(expr)} {want} for {lo} <= {var} <= {hi}"
    cases = _match_symbols(assumptions, expr)
    shown = []
    for case in cases:
        e0 = expr.xreplace(case) if case else expr
        how = _prove_case(e0, var, lo_s, hi_s, sign, strict, max_ops, deadline)
        if how is None:
            why = ("time budget spent; " if clock() > deadline else "") + (
                "sympy could not show it") + (
                f" in the parameter case {_case_text(case)}" if case else "")
            return CheckResult(check, Verdict.UNDECIDED, f"{label}: {why}",
                               estimate="symbolic sign rules inconclusive (not a disproof)",
                               seconds=clock() - t0)
        shown.append((_case_text(case), how))
    detail = "; ".join(f"{how}" + (f" [parameters: {c}]" if c else "") for c, how in shown)
    cert = Certificate("sympy-assumptions", f"{label}: {detail}",
                       {"cases": [{"parameters": c, "rule": h} for c, h in shown]})
    return CheckResult(check, Verdict.PROVED, f"{want} on [{lo}, {hi}] (symbolic)",
                       certificate=cert, seconds=clock() - t0)


def _case_text(case: dict) -> str:
    def fresh(v):
        return ", ".join(
            f"{d} {'> 0' if d.is_positive else '>= 0'}" for d in sorted(v.free_symbols, key=str)
            if isinstance(d, sp.Dummy))

    return ", ".join(f"{k} = {sp.sstr(v)}" + (f" ({fresh(v)})" if fresh(v) else "")
                     for k, v in case.items())


def _prove_case(e: sp.Expr, var: sp.Symbol, lo, hi, sign: str, strict: bool,
                max_ops: int, deadline: float) -> str | None:
    """How the sign was shown for one parameter case, or None."""
    if var not in e.free_symbols:
        name = _decide(e, sign, strict, max_ops)
        return None if name is None else f"constant in {var}; sign rules on the {name} form"
    t_nn = sp.Dummy("t", nonnegative=True, real=True)
    t_p = sp.Dummy("t", positive=True, real=True)
    attempts = []
    if lo.is_finite:
        attempts.append((f"{var} = {sp.sstr(lo)} + t, t >= 0", lo + t_nn, []))
    if hi.is_finite:
        attempts.append((f"{var} = {sp.sstr(hi)} - t, t >= 0", hi - t_nn, []))
    if lo.is_finite and hi.is_finite:
        w = hi - lo
        attempts.append(((f"{var} = {sp.sstr(lo)} + {sp.sstr(w)} t/(1 + t), t > 0, "
                         "and both end points"), lo + w * t_p / (1 + t_p), [lo, hi]))
        attempts.append(((f"{var} = {sp.sstr(hi)} - {sp.sstr(w)} t/(1 + t), t > 0, "
                         "and both end points"), hi - w * t_p / (1 + t_p), [lo, hi]))
    if not lo.is_finite and not hi.is_finite:
        attempts.append((f"{var} real", sp.Dummy("t", real=True), []))
    for name, form in _forms(e, max_ops):  # the costly rewritings once, before substituting
        for text, sub, ends in attempts:
            if clock() > deadline:
                return None
            try:
                es = form.xreplace({var: sub})
            except (TypeError, ValueError):
                continue
            how = None
            for post, f2 in (_post_forms(es) if ends else (("", es),)):
                h = _decide_form(f2, sign, strict)
                if h is not None:
                    how = f"{name}{post}{h}"
                    break
            if how is None or not _ends_ok(e, var, lo, hi, ends, sign, strict, max_ops):
                continue
            return f"substituting {text}; sign rules on the {how} form"
    return None


def _ends_ok(e, var, lo, hi, ends, sign: str, strict: bool, max_ops: int) -> bool:
    for x in ends:
        v = _endpoint_value(e, var, x, "+" if x == lo else "-")
        if v is None:
            # undefined there and no limit sympy can take: the value at the end point is
            # the one-sided limit (if any) of values of the proved sign, so it has the weak
            # sign; a strict sign needs the limit itself
            if strict:
                return False
            continue
        inf = _infinite_ok(v, sign)
        if inf is not None:
            if not inf:
                return False
            continue
        if _decide(v, sign, strict, max_ops) is None:
            return False
    return True
