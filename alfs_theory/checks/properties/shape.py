"""Monotonicity and curvature of a pointwise loss ℓ on [0, 1], with evidence.

The prover ladder (shared/style.md): sympy sign rules under the parameter domains, then
interval bisection (sound bounds) for bound parameters, then a counterexample search that is
re-verified at 50 digits. A sympy ``None`` is never read as "false".
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ...spec import LossSpec
from ...symbols import NUMERIC_MODULES, U, simplify
from ...timing import time_limit  # noqa: F401 - re-exported: it was defined here first
from ..provers.pieces import is_nonsmooth, pieces_curvature, pieces_monotone, split_pieces
from ..verdict import Certificate, CheckResult, Counterexample, Verdict

__all__ = ["Shape", "check_decreasing", "check_shape", "derivatives", "sign_on_unit"]


def derivatives(spec: LossSpec) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(ℓ, ℓ′, ℓ″) of a pointwise spec, bound values substituted where bound."""
    key = ("derivs",)
    if key not in spec._cache:
        ell = spec.pointwise_expr()
        d1 = sp.diff(ell, U)
        d2 = sp.diff(d1, U)
        spec._cache[key] = (ell, d1, d2)
    return spec._cache[key]


def _domain_conditions(spec: LossSpec) -> list:
    bound = set(spec.value_dict)
    return [p.domain for p in spec.params if p.name not in bound and p.domain is not sp.true]


def _free_params(spec: LossSpec, expr: sp.Expr) -> list:
    return sorted((expr.free_symbols - {U}), key=str)


def _param_samples(spec: LossSpec, syms: list, n: int = 4) -> list[dict]:
    """A few in-domain parameter points (for counterexample search on families)."""
    grids = []
    for s in syms:
        p = next(pp for pp in spec.params if pp.symbol == s)
        lo = p.lower if p.lower is not None else -3.0
        hi = p.upper if p.upper is not None else lo + 6.0
        pts = np.linspace(lo, hi, n + 2)[1:-1].tolist()
        if p.upper is not None and not p.upper_strict:
            pts.append(float(p.upper))
        if p.default is not None:
            pts.append(float(p.default))
        grids.append(sorted(set(pts)))
    return [dict(zip(syms, combo)) for combo in itertools.product(*grids)]


def _mp_value(expr: sp.Expr, point: dict, dps: int = 50):
    with mpmath.workdps(dps):
        f = sp.lambdify(list(point), expr, "mpmath")
        return f(*[mpmath.mpf(str(v)) for v in point.values()])


def _log_expanded(expr: sp.Expr) -> sp.Expr:
    """``expr`` with each log of a product of powers split and the result factored, where that
    is shorter: sympy's simplify combines (3u + 7) log 10 - (3u + 7) log 3 into
    log(10**(3u + 7) * 3**(-3u - 7)) (JS's l''), a form the sign provers take 0.2 s over and
    the factored 7/(u (3u + 7) log(10/3)) 0.02 s. expand_log splits only where sympy's
    assumptions allow it (u >= 0 real, positive bases), so the two forms are equal."""
    if not any(isinstance(a.args[0], sp.Mul) and a.args[0].has(sp.Pow)
               for a in expr.atoms(sp.log)):
        return expr
    alt = None  # stays None when the 0.5 s run out (time_limit ends its block quietly)
    try:
        with time_limit(0.5):
            alt = sp.factor(sp.expand_log(expr))
    except (sp.PolynomialError, TypeError, ValueError):
        return expr
    return alt if alt is not None and alt.count_ops() < expr.count_ops() else expr


def sign_on_unit(
    expr: sp.Expr,
    spec: LossSpec,
    *,
    sign: str,
    strict: bool,
    check: str,
    what: str,
) -> CheckResult:
    """Decide whether ``expr`` (in u and possibly free parameters) has ``sign`` on [0, 1].

    ``sign`` is "negative" or "positive"; with ``strict=False`` zero is allowed.
    """
    from ..provers import prove_sign_on_interval, prove_sign_symbolic

    t0 = time.perf_counter()
    if expr.count_ops() < 60:
        expr = _log_expanded(simplify(expr))
    free = _free_params(spec, expr)
    # the symbolic rung is for parametric families and small expressions; on a large,
    # fully numeric expression sympy's simplification can take minutes while interval
    # bisection decides it in milliseconds
    res = None
    if free or expr.count_ops() <= 10:
        with time_limit(4.0):
            res = prove_sign_symbolic(expr, U, 0, 1, sign=sign, strict=strict,
                                      assumptions=_domain_conditions(spec))
        if res is not None and res.verdict is Verdict.PROVED:
            return _retitle(res, check, f"{what}: PROVED on 0 <= u <= 1", t0)
    if not free:
        res = prove_sign_on_interval(expr, U, 0, 1, sign=sign, strict=strict)
        if res.verdict is not Verdict.PROVED and not _interior_refutation(res):
            alt = sign_by_factors(expr, sign=sign, check=check)
            if alt is not None:
                return _retitle(alt, check, f"{what}: PROVED on 0 < u < 1", t0)
        if res.verdict is Verdict.REFUTED:
            return _retitle(res, check, f"{what}: REFUTED", t0)
        return _retitle(res, check, f"{what}: {res.verdict.value}", t0)
    # a family: look for a counterexample at sample parameters; never PROVED from sampling
    f = sp.lambdify([U, *free], expr, NUMERIC_MODULES)
    grid = np.linspace(0.0, 1.0, 401)
    for pt in _param_samples(spec, free):
        with np.errstate(all="ignore"):
            vals = np.broadcast_to(f(grid, *pt.values()), grid.shape)
        bad = (vals > 0) if sign == "negative" else (vals < 0)
        if not strict:
            bad = bad & (np.abs(vals) > 1e-12)
        else:
            bad = bad | (vals == 0)
        idx = np.flatnonzero(bad & np.isfinite(vals))
        if idx.size:
            u0 = float(grid[idx[0]])
            point = {U: u0, **pt}
            v = _mp_value(expr, point)
            ok = (v > 0) if sign == "negative" else (v < 0)
            if ok or (strict and v == 0):
                ce = Counterexample(
                    point={str(k): float(x) for k, x in point.items()},
                    detail=f"{sp.sstr(expr)} = {mpmath.nstr(v, 12)} at "
                           + ", ".join(f"{k}={x:g}" for k, x in point.items()),
                    values={"value": mpmath.nstr(v, 20)},
                )
                return CheckResult(check, Verdict.REFUTED, f"{what}: REFUTED for some "
                                   "parameters in the domain", counterexample=ce,
                                   seconds=time.perf_counter() - t0)
    return CheckResult(
        check, Verdict.UNDECIDED,
        f"{what}: UNDECIDED for the family (sympy could not show it for all parameters)",
        estimate=f"holds at {len(_param_samples(spec, free))} sampled parameter points",
        seconds=time.perf_counter() - t0,
    )


def _interior_refutation(res: CheckResult) -> bool:
    """A REFUTED sign whose witness lies strictly inside (0, 1) (one at an end point may only
    say that the expression vanishes or is singular there)."""
    if res.verdict is not Verdict.REFUTED or res.counterexample is None:
        return False
    try:
        x = float(next(iter(res.counterexample.point.values())))
    except (StopIteration, TypeError, ValueError):
        return True
    return 0.0 < x < 1.0


def _end_is_zero(e: sp.Expr, x0: int) -> bool:
    v = end_value(e, x0)
    return v is not None and v == 0


def _monotone_to_zero(num: sp.Expr, want: str, a, b, zero_at: int | None):
    """``num`` has sign ``want`` strictly on the open piece (a, b): directly by interval
    bisection, or, where num vanishes at an end point, because num′ has the sign that makes
    num move away from 0 into the piece (num(b) = 0 and num′ of the opposite sign on [a, b],
    or num(a) = 0 and num′ of the same sign)."""
    from ..provers import prove_sign_on_interval

    if zero_at is None:
        r = prove_sign_on_interval(num, U, a, b, sign=want, strict=True)
        return (r, "") if r.verdict is Verdict.PROVED else (None, "")
    d = sp.diff(num, U)
    flip = {"positive": "negative", "negative": "positive"}
    dsign = flip[want] if zero_at == b else want
    r = prove_sign_on_interval(d, U, a, b, sign=dsign, strict=True)
    if r.verdict is not Verdict.PROVED:
        return None, ""
    return r, (f"N({zero_at}) = 0 and N' = {sp.sstr(d)} is {dsign} on [{a}, {b}] "
               f"({r.certificate.method if r.certificate else 'proved'})")


def sign_by_factors(expr: sp.Expr, *, sign: str, check: str = "sign") -> CheckResult | None:
    """Sign of a numeric expression in u on the open interval (0, 1) from its factors, for
    expressions singular or vanishing at an end point (ℓ'' of the focal loss:
    (u² log u − 4u + 4) / (4u²(1 − u)^(3/2))), where interval bisection on [0, 1] cannot close.

    Writes expr = N / D; each factor of D is a power of u or 1 − u (positive inside) or a
    number, or has its sign proved by bisection; N's sign comes from :func:`_monotone_to_zero`
    on [0, 1] (or on [0, 1/2] and [1/2, 1] when N vanishes at both ends). Returns a PROVED
    result with the certificate ``factor-sign``, or None (which decides nothing)."""
    from ..provers import prove_sign_on_interval

    if expr.count_ops() > 200:
        return None
    with time_limit(4.0):
        num, den = None, None
        num, den = sp.fraction(sp.factor(sp.together(expr)))
    if num is None or num.has(sp.zoo, sp.nan) or not num.has(U):
        return None
    den_sign, notes = 1, []
    for f in sp.Mul.make_args(den):
        if f.is_number:
            if not f.is_nonzero or not f.is_real:
                return None
            den_sign *= 1 if f.is_positive else -1
            continue
        base, ex = f.as_base_exp()
        if base in (U, 1 - U) and ex.is_real:
            notes.append(f"{sp.sstr(f)} > 0")
            continue
        for sgn, val in (("positive", 1), ("negative", -1)):
            r = prove_sign_on_interval(f, U, 0, 1, sign=sgn, strict=True)
            if r.verdict is Verdict.PROVED:
                den_sign *= val
                notes.append(f"{sp.sstr(f)} {sgn} (interval-bisection)")
                break
        else:
            return None
    want = sign if den_sign > 0 else {"positive": "negative", "negative": "positive"}[sign]
    z0, z1 = _end_is_zero(num, 0), _end_is_zero(num, 1)
    half = sp.Rational(1, 2)
    if z0 and z1:
        pieces = [(0, half, 0), (half, 1, 1)]
    else:
        pieces = [(0, 1, 0 if z0 else (1 if z1 else None))]
    how = []
    for a, b, z in pieces:
        r, note = _monotone_to_zero(num, want, a, b, z)
        if r is None:
            return None
        how.append(note or f"N {want} on [{a}, {b}] (interval-bisection)")
    cert = Certificate(
        "factor-sign",
        f"expr = N/D with N = {sp.sstr(num)}, D = {sp.sstr(den)}; D: "
        f"{'; '.join(notes) or 'a number'} (sign {'+' if den_sign > 0 else '-'}) on (0, 1); "
        f"N {want} on (0, 1): {'; '.join(how)}",
        {"numerator": num, "denominator": den},
    )
    return CheckResult(check, Verdict.PROVED, f"{sign} on 0 < u < 1", certificate=cert)


def _retitle(res: CheckResult, check: str, summary: str, t0: float) -> CheckResult:
    return CheckResult(check, res.verdict, summary, res.certificate, res.counterexample,
                       res.estimate, res.value, time.perf_counter() - t0)


def check_decreasing(spec: LossSpec) -> CheckResult:
    """ℓ′(u) ≤ 0 on [0, 1] (non-increasing in the labelled probability), by the route that fits
    the formula: :func:`decreasing_pieces` for a non-smooth ℓ (piecewise, min, max, abs, ...),
    :func:`decreasing_sign` otherwise. Cached: the ratio and calibration ask again. The
    engine's rules call the two routes themselves; this is the fact they share."""
    ell = derivatives(spec)[0]
    return decreasing_pieces(spec) if is_nonsmooth(ell) else decreasing_sign(spec)


def decreasing_sign(spec: LossSpec) -> CheckResult:
    """Rule ``decreasing-sign``: the sign of ℓ′ on [0, 1] for a smooth formula (assumptions,
    substitutions, interval bisection; a 50-digit witness of an increase)."""
    if "decreasing" not in spec._cache:
        _, d1, _ = derivatives(spec)
        spec._cache["decreasing"] = sign_on_unit(d1, spec, sign="negative", strict=False,
                                                 check="decreasing", what="l'(u) <= 0")
    return spec._cache["decreasing"]


def decreasing_pieces(spec: LossSpec) -> CheckResult:
    """Rule ``decreasing-pieces``: a non-smooth ℓ split at its exact breakpoints; each piece's
    slope and every step at a breakpoint must go down (a jump up breaks monotonicity even
    where every branch decreases)."""
    if "decreasing" not in spec._cache:
        spec._cache["decreasing"] = _decreasing_pieces(derivatives(spec)[0], spec)
    return spec._cache["decreasing"]


def _nonsmooth_family(check: str, what: str, t0: float) -> CheckResult:
    return CheckResult(check, Verdict.UNDECIDED, f"{what}: UNDECIDED (non-smooth l with free "
                       "parameters: the breakpoints depend on them; bind the parameters)",
                       estimate="non-smooth family", seconds=time.perf_counter() - t0)


def _decreasing_pieces(ell: sp.Expr, spec: LossSpec) -> CheckResult:
    t0 = time.perf_counter()
    what = "l non-increasing"
    if _free_params(spec, ell):
        return _nonsmooth_family("decreasing", what, t0)
    P = split_pieces(ell, U)
    if P is None:
        return CheckResult("decreasing", Verdict.UNDECIDED, f"{what}: UNDECIDED (the "
                           "breakpoints of the non-smooth l could not be found exactly)",
                           estimate="no exact split", seconds=time.perf_counter() - t0)
    ok, why = pieces_monotone(P)
    if ok is True:
        cert = Certificate("pieces", f"l = {P.describe()}; {why}",
                           {"breaks": [sp.sstr(b) for b in P.breaks]})
        return CheckResult("decreasing", Verdict.PROVED, f"{what}: PROVED on 0 <= u <= 1 "
                           f"({len(P.branches)} pieces)", certificate=cert,
                           seconds=time.perf_counter() - t0)
    if ok is False:
        ce = increase_witness(ell)
        if ce is not None:
            return CheckResult("decreasing", Verdict.REFUTED, f"{what}: REFUTED ({why})",
                               counterexample=ce, seconds=time.perf_counter() - t0)
    return CheckResult("decreasing", Verdict.UNDECIDED, f"{what}: UNDECIDED ({why})",
                       estimate=why, seconds=time.perf_counter() - t0)


def increase_witness(ell: sp.Expr, n: int = 4001) -> Counterexample | None:
    """Two points u0 < u1 of [0, 1] with ℓ(u1) > ℓ(u0), re-verified at 50 digits."""
    f = sp.lambdify(U, ell, NUMERIC_MODULES)
    xs = np.linspace(0.0, 1.0, n)
    with np.errstate(all="ignore"):
        ys = np.broadcast_to(np.asarray(f(xs), dtype=complex), xs.shape)
    ys = np.where(np.abs(ys.imag) > 0, np.nan, ys.real)
    order = np.argsort(-(np.diff(ys)))[:20]
    for i in order:
        x0, x1 = sp.Rational(str(xs[i])), sp.Rational(str(xs[i + 1]))
        with mpmath.workdps(50):
            v0, v1 = _mp_value(ell, {U: x0}), _mp_value(ell, {U: x1})
        try:
            if mpmath.im(v0) != 0 or mpmath.im(v1) != 0 or not v1 > v0:
                continue
        except TypeError:
            continue
        return Counterexample(
            point={"u0": float(x0), "u1": float(x1)},
            detail=f"l({float(x0):.6g}) = {mpmath.nstr(v0, 12)} < l({float(x1):.6g}) = "
                   f"{mpmath.nstr(v1, 12)}: l increases",
            values={"l(u0)": mpmath.nstr(v0, 20), "l(u1)": mpmath.nstr(v1, 20)})
    return None


def curvature_of(f: sp.Expr, spec: LossSpec, *, name: str, check: str) -> "Curvature":
    """Curvature of a function ``f`` of u on [0, 1]: from ``f''`` for a smooth f; for a
    non-smooth f from its exact pieces *and* the slope jumps and continuity at each breakpoint
    (:func:`~alfs_theory.checks.provers.pieces.pieces_curvature`), never from ``f''`` alone, which is
    blind to kinks."""
    if not is_nonsmooth(f):
        return classify_curvature(simplify(sp.diff(f, U, 2)), spec, name=f"{name}''",
                                  check=check)
    if _free_params(spec, f):
        return Curvature("unknown", False)
    P = split_pieces(f, U)
    if P is None:
        return Curvature("unknown", False)
    pc = pieces_curvature(P)
    if pc.kind in ("convex", "concave"):
        res = CheckResult(check, Verdict.PROVED, f"{name} {pc.kind}",
                          certificate=Certificate("pieces", f"{name} = {P.describe()}: "
                                                  f"{pc.detail}"))
        return Curvature(pc.kind, pc.strict, **{pc.kind: res})
    if pc.kind == "linear":
        return Curvature("linear", False)
    return Curvature("neither" if pc.kind == "neither" else "unknown", False,
                     pieces=(P, pc))


@dataclass(frozen=True)
class Shape:
    """Curvature of ℓ on [0, 1]: 'linear', 'convex', 'concave', 'neither' or 'unknown'."""

    kind: str
    strict: bool  # strictly convex/concave (ℓ'' ≠ 0 on (0, 1))
    result: CheckResult
    case_factor: sp.Expr | None = None  # for families: the parameter factor deciding the sign


def end_value(e: sp.Expr, x0: int) -> sp.Expr | None:
    """e at u = x0 ∈ {0, 1}, as a one-sided limit where the plain value is undefined or
    infinite; None when the limit depends on a parameter sympy cannot sign."""
    try:
        v = e.subs(U, x0)
        if v.is_finite and v.free_symbols <= e.free_symbols and not v.has(sp.nan, sp.zoo):
            return simplify(v)
    except (TypeError, ValueError):
        pass
    side = "+" if x0 == 0 else "-"
    if not is_nonsmooth(e):
        fast = _limit_by_parts(e, x0, side)
        if fast is not None:
            return fast if fast.is_infinite else simplify(fast)
    try:
        return sp.limit(e, U, x0, side)
    except NotImplementedError:
        return None


def _limit_by_parts(e: sp.Expr, x0: int, side: str) -> sp.Expr | None:
    """The one-sided limit of a smooth sum or product at u = x0 as the sum or product of its
    parts' limits (each part's finite value at x0 where it has one, as :func:`end_value` takes
    it, else sympy's limit of that part alone): the limit laws, valid when the parts' limits
    exist in the extended reals and no oo - oo or 0 * oo arises (None then, and the caller asks
    sympy for the limit of the whole). Gruntz on the whole of a long sum such as JS's
    derivative, whose one unbounded term is 3*log(u), took 0.5 s; its parts take milliseconds."""
    if not (e.is_Add or e.is_Mul):
        return None
    parts = []
    for a in e.args:
        v = _part_limit(a, x0, side)
        if v is None:
            return None
        parts.append(v)
    return _extended_real(sp.Add(*parts) if e.is_Add else sp.Mul(*parts))


def _extended_real(v: sp.Expr) -> sp.Expr | None:
    """``v`` when it is a real number or +-oo; None for anything else (nan, zoo, an
    AccumBounds, oo times an unsigned factor, a complex number, an expression)."""
    if v in (sp.oo, -sp.oo):
        return v
    if not v.is_number or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.AccumBounds) or \
            v.is_real is not True:
        return None
    return v


def _part_limit(a: sp.Expr, x0: int, side: str) -> sp.Expr | None:
    if not a.has(U):
        return a if a.is_number and a.is_finite else None
    try:
        v = a.subs(U, x0)
        if v.is_number and v.is_finite and not v.has(sp.nan, sp.zoo):
            return v
    except (TypeError, ValueError):
        pass
    if a.is_Add or a.is_Mul:
        r = _limit_by_parts(a, x0, side)
        if r is not None:
            return r
    try:
        return _extended_real(sp.limit(a, U, x0, side))
    except (NotImplementedError, ValueError, TypeError):
        return None


def end_slope(f: sp.Expr, x0: int) -> sp.Expr | None:
    """The one-sided derivative of f at the end u = x0 ∈ {0, 1} (from the right at 0, from the
    left at 1). For a non-smooth f the slope of its first (last) exact piece: sympy's
    derivative of min/max/piecewise at a tie is a Heaviside average of the branches' slopes,
    not the slope f has next to the end. None when it cannot be found."""
    from ..provers.pieces import split_pieces

    if not is_nonsmooth(f):
        return end_value(sp.diff(f, U), x0)
    if f.free_symbols - {U}:
        return None
    P = split_pieces(f, U)
    if P is None:
        return None
    i = 0 if x0 == 0 else len(P.branches) - 1
    return P.slope(i, sp.Integer(x0), "+" if x0 == 0 else "-")


@dataclass(frozen=True)
class Curvature:
    """The sign of a second derivative on [0, 1]: 'linear', 'convex', 'concave' or 'unknown'
    (with the non-strict convexity and concavity attempts kept as evidence)."""

    kind: str
    strict: bool
    convex: CheckResult | None = None
    concave: CheckResult | None = None
    pieces: tuple | None = None  # (Pieces, PiecewiseCurvature) for a non-smooth function

    @property
    def certificate(self):
        proof = {"convex": self.convex, "concave": self.concave}.get(self.kind)
        return proof.certificate if proof is not None else None


def classify_curvature(d2: sp.Expr, spec: LossSpec, *, name: str, check: str) -> Curvature:
    """Decide ``d2`` ≡ 0, ≥ 0 or ≤ 0 on [0, 1] (and whether strictly), by the prover ladder."""
    if d2 == 0:
        return Curvature("linear", False)
    cvx = sign_on_unit(d2, spec, sign="positive", strict=False, check=check,
                       what=f"{name} >= 0")
    if cvx.verdict is Verdict.PROVED:
        strict = sign_on_unit(d2, spec, sign="positive", strict=True, check=check,
                              what=f"{name} > 0").verdict is Verdict.PROVED
        return Curvature("convex", strict, cvx)
    ccv = sign_on_unit(d2, spec, sign="negative", strict=False, check=check,
                       what=f"{name} <= 0")
    if ccv.verdict is Verdict.PROVED:
        strict = sign_on_unit(d2, spec, sign="negative", strict=True, check=check,
                              what=f"{name} < 0").verdict is Verdict.PROVED
        return Curvature("concave", strict, cvx, ccv)
    return Curvature("unknown", False, cvx, ccv)


def check_shape(spec: LossSpec) -> Shape:
    """Curvature of ℓ on [0, 1] by the route that fits the formula: :func:`shape_pieces` for a
    non-smooth ℓ, :func:`shape_sign` otherwise (cached on the spec: several checks ask)."""
    ell = derivatives(spec)[0]
    return shape_pieces(spec) if is_nonsmooth(ell) else shape_sign(spec)


def shape_pieces(spec: LossSpec) -> Shape:
    """Rule ``shape-pieces``: the curvature of a non-smooth ℓ from its exact pieces (each
    branch's curvature, the slope jumps at the kinks, jumps and isolated values)."""
    if "shape" not in spec._cache:
        spec._cache["shape"] = _shape_pieces(derivatives(spec)[0], spec, time.perf_counter())
    return spec._cache["shape"]


def shape_sign(spec: LossSpec) -> Shape:
    """Rule ``shape-sign``: the sign of ℓ″ on [0, 1] for a smooth formula (or of one parameter
    factor of it, for a family whose curvature depends on its parameters)."""
    if "shape" in spec._cache:
        return spec._cache["shape"]
    t0 = time.perf_counter()
    _, _, d2 = derivatives(spec)
    d2s = simplify(d2)
    c = classify_curvature(d2s, spec, name="l''", check="shape")
    if c.kind == "linear":
        cert = Certificate("sympy", "l''(u) simplifies to 0: l is affine")
        r = CheckResult("shape", Verdict.PROVED, "linear (affine) on [0, 1]", certificate=cert,
                        value="linear", seconds=time.perf_counter() - t0)
        out = Shape("linear", False, r)
    elif c.kind in ("convex", "concave"):
        r = CheckResult("shape", Verdict.PROVED,
                        f"{'strictly ' if c.strict else ''}{c.kind} on [0, 1]",
                        certificate=c.certificate, value=c.kind,
                        seconds=time.perf_counter() - t0)
        out = Shape(c.kind, c.strict, r)
    elif (c.convex.verdict is Verdict.REFUTED and c.concave.verdict is Verdict.REFUTED
          and not _free_params(spec, d2s)):
        cert = Certificate(
            "two-points",
            f"l'' changes sign: {c.convex.counterexample.detail}; "
            f"{c.concave.counterexample.detail}",
            {"convexity_fails": c.convex.counterexample.point,
             "concavity_fails": c.concave.counterexample.point},
        )
        r = CheckResult("shape", Verdict.PROVED, "neither convex nor concave on [0, 1]",
                        certificate=cert, value="neither", seconds=time.perf_counter() - t0)
        out = Shape("neither", False, r)
    else:
        factor = _parameter_case_factor(spec, d2s)
        detail = "curvature undecided"
        if factor is not None:
            detail = (f"the sign of l'' follows the sign of {sp.sstr(factor)} "
                      "(parameter-dependent)")
        r = CheckResult("shape", Verdict.UNDECIDED, detail, estimate=detail, value="unknown",
                        seconds=time.perf_counter() - t0)
        out = Shape("unknown", False, r, case_factor=factor)
    spec._cache["shape"] = out
    return out


def _shape_pieces(ell: sp.Expr, spec: LossSpec, t0: float) -> Shape:
    """The shape of a non-smooth ℓ from its exact pieces (kinks, jumps, isolated values)."""
    c = curvature_of(ell, spec, name="l", check="shape")
    if c.kind == "linear":
        P = split_pieces(ell, U)
        cert = Certificate("pieces", f"l = {P.describe()}: every piece affine with one slope "
                           "and l continuous, so l is one affine function")
        r = CheckResult("shape", Verdict.PROVED, "linear (affine) on [0, 1]", certificate=cert,
                        value="linear", seconds=time.perf_counter() - t0)
        return Shape("linear", False, r)
    if c.kind in ("convex", "concave"):
        r = CheckResult("shape", Verdict.PROVED,
                        f"{'strictly ' if c.strict else ''}{c.kind} on [0, 1] (piecewise: "
                        "pieces and slope jumps)", certificate=c.certificate, value=c.kind,
                        seconds=time.perf_counter() - t0)
        return Shape(c.kind, c.strict, r)
    if c.kind == "neither" and c.pieces is not None:
        P, pc = c.pieces
        cert = Certificate("pieces", f"l = {P.describe()}: {pc.detail}",
                           {k: str(v) for k, v in (pc.witness or {}).items()})
        r = CheckResult("shape", Verdict.PROVED, "neither convex nor concave on [0, 1] ("
                        + "; ".join(f"{v}" for v in (pc.witness or {}).values()) + ")",
                        certificate=cert, value="neither", seconds=time.perf_counter() - t0)
        return Shape("neither", False, r)
    why = c.pieces[1].detail if c.pieces is not None else (
        "non-smooth l with free parameters" if _free_params(spec, ell)
        else "the breakpoints could not be found exactly")
    r = CheckResult("shape", Verdict.UNDECIDED, f"curvature undecided: {why}", estimate=why,
                    value="unknown", seconds=time.perf_counter() - t0)
    return Shape("unknown", False, r)


def _parameter_case_factor(spec: LossSpec, d2: sp.Expr) -> sp.Expr | None:
    """For a family: the one factor of ℓ″ free of u whose sign is not fixed by the domains.

    Returns ``c`` with ℓ″ = c · (factors of proved constant sign), oriented so that
    c ≥ 0 ⇔ ℓ convex. None when no such single factor exists.
    """
    from ..provers import prove_sign_symbolic

    coeff, factors = sp.factor(d2).as_coeff_mul()
    if coeff == 0:
        return None
    conds = _domain_conditions(spec)

    def fixed_sign(f) -> int | None:
        for sgn, name in ((1, "positive"), (-1, "negative")):
            if prove_sign_symbolic(f, U, 0, 1, sign=name, strict=True,
                                   assumptions=conds).verdict is Verdict.PROVED:
                return sgn
        return None

    sign = 1 if coeff > 0 else -1
    open_factor = None
    for f in factors:
        sgn = fixed_sign(f)
        if sgn is not None:
            sign *= sgn
        elif U not in f.free_symbols and open_factor is None:
            open_factor = f
        else:
            return None
    if open_factor is None:
        return None
    return sp.expand(sign * open_factor)
