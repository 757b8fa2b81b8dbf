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

from ..spec import LossSpec
from ..symbols import U
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
    expr = sp.simplify(expr) if expr.count_ops() < 60 else expr
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
        if res.verdict is Verdict.REFUTED:
            return _retitle(res, check, f"{what}: REFUTED", t0)
        return _retitle(res, check, f"{what}: {res.verdict.value}", t0)
    # a family: look for a counterexample at sample parameters; never PROVED from sampling
    f = sp.lambdify([U, *free], expr, "numpy")
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


class _Timeout(Exception):
    pass


class time_limit:
    """Bound a sympy call to ``seconds`` (main thread, POSIX); on expiry the block's target
    stays unset and the caller treats the rung as undecided."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False

    def __enter__(self):
        import signal
        import threading

        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            def _raise(signum, frame):
                raise _Timeout()

            self.old = signal.signal(signal.SIGALRM, _raise)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.armed:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old)
        return exc_type is _Timeout


def _retitle(res: CheckResult, check: str, summary: str, t0: float) -> CheckResult:
    return CheckResult(check, res.verdict, summary, res.certificate, res.counterexample,
                       res.estimate, res.value, time.perf_counter() - t0)


def check_decreasing(spec: LossSpec) -> CheckResult:
    """ℓ′(u) ≤ 0 on [0, 1] (non-increasing in the labelled probability)."""
    if "decreasing" not in spec._cache:  # cached: the ratio and calibration ask again
        _, d1, _ = derivatives(spec)
        spec._cache["decreasing"] = sign_on_unit(d1, spec, sign="negative", strict=False,
                                                 check="decreasing", what="l'(u) <= 0")
    return spec._cache["decreasing"]


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
            return sp.simplify(v)
    except (TypeError, ValueError):
        pass
    try:
        return sp.limit(e, U, x0, "+" if x0 == 0 else "-")
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class Curvature:
    """The sign of a second derivative on [0, 1]: 'linear', 'convex', 'concave' or 'unknown'
    (with the non-strict convexity and concavity attempts kept as evidence)."""

    kind: str
    strict: bool
    convex: CheckResult | None = None
    concave: CheckResult | None = None

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
    """Curvature of ℓ on [0, 1] (cached on the spec: several checks ask for it)."""
    if "shape" in spec._cache:
        return spec._cache["shape"]
    t0 = time.perf_counter()
    _, _, d2 = derivatives(spec)
    d2s = sp.simplify(d2)
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
