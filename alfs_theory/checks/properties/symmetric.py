"""Symmetric losses (Ghosh et al. 2017): Σ_k L(u, k) = C for every u on the simplex."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ...spec import LossSpec
from ...symbols import K, U, simplify
from ..provers.pieces import is_nonsmooth
from ..verdict import Certificate, CheckResult, Counterexample, Verdict
from .shape import curvature_of

__all__ = ["symmetric_affine", "symmetric_exact_sum", "symmetric_structure",
           "symmetric_witness"]


def _sum_expr(spec: LossSpec, n: int):
    total = sp.Integer(0)
    us = None
    for y in range(n):
        e, us = spec.vector_expr(n, y)
        total += e
    return total, us


def symmetric_affine(spec: LossSpec, n_classes: int | None = None) -> CheckResult | None:
    """Rule ``symmetric-affine``: a pointwise affine ℓ sums to K ℓ(0) + (ℓ(1) − ℓ(0)) for
    every K (asked only for every K; None otherwise or when ℓ is not affine)."""
    if not spec.is_pointwise or n_classes is not None:
        return None
    ell = spec.pointwise_expr()
    if not is_affine(ell, spec):
        return None
    C = simplify(K * ell.subs(U, 0) + ell.subs(U, 1) - ell.subs(U, 0))
    cert = Certificate("sympy", f"l is affine, so sum_k l(u_k) = K l(0) + l'*1 = "
                       f"{sp.sstr(C)} for every K", {"C": C})
    return CheckResult("symmetric", Verdict.PROVED, f"symmetric for every K: sum = {sp.sstr(C)}",
                       certificate=cert, value=C)


def symmetric_structure(spec: LossSpec, n_classes: int | None = None) -> CheckResult | None:
    """Rule ``symmetric-structure``: every term affine in u_y or normalised (None otherwise)."""
    rule = _structural(spec, n_classes)
    if rule is None:
        return None
    scope = "every K" if spec.expr.has(K) or not spec.sums else f"K = {n_classes}"
    return CheckResult("symmetric", Verdict.PROVED, f"symmetric for {scope} (structural rule)",
                       certificate=Certificate("structure", rule, {}))


def symmetric_witness(spec: LossSpec, n_classes: int | None = None) -> CheckResult | None:
    """Rule ``symmetric-witness``: two simplex points whose sums differ at 50 digits (cheap:
    most losses are not symmetric); None when the three probe points agree."""
    n = n_classes if n_classes is not None else 3
    ce = _refute(spec, n)
    if ce is None:
        return None
    return CheckResult("symmetric", Verdict.REFUTED, f"not symmetric at K = {n}",
                       counterexample=ce)


def symmetric_exact_sum(spec: LossSpec, n_classes: int | None = None) -> CheckResult:
    """Rule ``symmetric-exact-sum``: every partial derivative of Σ_y L(u, y), with
    u_K = 1 − Σ_{k<K} u_k substituted, simplifies to 0 (certificate gives C), for the K asked
    (at most 5) or for K = 2, 3, 4; else a witness at that K, else UNDECIDED."""
    name = "symmetric"
    ks = [n_classes] if n_classes is not None else [2, 3, 4]
    if max(ks) > 5:
        return CheckResult(name, Verdict.UNDECIDED,
                           f"no structural rule and K = {max(ks)} is too large for the symbolic "
                           "sum; no counterexample found", estimate="no differing points found")
    proved_for = []
    consts = {}
    for n in ks:
        total, us = _sum_expr(spec, n)
        total = total.subs(us[-1], 1 - sum(us[:-1]))
        # partial derivatives of a non-smooth sum miss its jumps: no derivative route there
        derivs_zero = not is_nonsmooth(total)
        for x in us[:-1]:
            d = simplify(sp.diff(total, x))
            if d != 0:
                derivs_zero = False
                break
        if derivs_zero:
            C = simplify(total.subs({x: sp.Rational(1, n) for x in us[:-1]}))
            proved_for.append(n)
            consts[n] = C
            continue
        ce = _refute(spec, n)
        if ce is not None:
            return CheckResult(name, Verdict.REFUTED, f"not symmetric at K = {n}",
                               counterexample=ce)
        return CheckResult(name, Verdict.UNDECIDED,
                           f"K = {n}: sympy could not reduce the sum, no counterexample found",
                           estimate="no differing points found")
    cert = Certificate(
        "sympy",
        "every partial derivative of sum_y L(u, y) (u_K = 1 - sum of the others) is 0 for K in "
        f"{proved_for}; sums: " + ", ".join(f"K={k}: {sp.sstr(c)}" for k, c in consts.items()),
        {"C": {str(k): c for k, c in consts.items()}},
    )
    scope = f"K = {n_classes}" if n_classes is not None else f"K in {proved_for}"
    return CheckResult(name, Verdict.PROVED, f"symmetric for {scope}", certificate=cert,
                       value=consts)


def is_affine(f: sp.Expr, spec: LossSpec) -> bool:
    """f = c0 + c1·u on [0, 1]: f'' simplifies to 0 for a smooth f; a non-smooth f must be
    proved affine from its exact pieces (one slope, continuous), never from f'' = 0."""
    if not is_nonsmooth(f):
        return simplify(sp.diff(f, U, 2)) == 0
    return curvature_of(f, spec, name="l", check="symmetric").kind == "linear"


def _structural(spec: LossSpec, n: int | None = None) -> str | None:
    """Σ_y L(u, y) is constant for every K when L is a weighted sum of affine pointwise terms
    (Σ_k (c0 + c1 u_k) = K c0 + c1) and normalised terms N(u_y)/Σ_k N(u_k) (sum 1)."""
    from ...symbols import V

    expr = spec.subs_values(spec.expr)
    sums = dict(spec.summands())
    parts = []
    for term in sp.Add.make_args(expr):
        syms = term.free_symbols & set(sums)
        if not syms:
            if term.free_symbols & {U} and not is_affine(term, spec):
                return None
            parts.append("affine")
            continue
        if len(syms) != 1:
            return None
        (S,) = syms
        N = sums[S].subs(V, U)
        c = simplify(term * S / N)
        if not c.free_symbols & ({U} | set(sums)):
            parts.append("normalised")
            continue
        # denominators written as alpha*K + beta*S = sum_k (alpha + beta*g(u_k))
        num, den = sp.fraction(sp.together(term))
        den = sp.expand(den)
        alpha, beta = den.coeff(K), den.coeff(S)
        if alpha == 0 and n is not None and not den.has(K):  # K already fixed to n
            alpha = sp.expand(den - beta * S) / n
            den = alpha * K + beta * S
        if simplify(den - alpha * K - beta * S) != 0 or (alpha.free_symbols | beta.free_symbols) \
                & ({U, K} | set(sums)):
            return None
        h = alpha + beta * N
        c = simplify(num / h)
        if c.free_symbols & ({U, K} | set(sums)):
            return None
        parts.append("normalised")
    if not parts:
        return None
    return ("every term is affine in u_y (sums to K*c0 + c1) or normalised "
            "N(u_y)/sum_k N(u_k) (sums to 1): " + " + ".join(parts))


def _refute(spec: LossSpec, n: int) -> Counterexample | None:
    if not spec.is_bound:
        spec = spec.bind()
    pts = [np.full(n, 1.0 / n), np.r_[0.7, np.full(n - 1, 0.3 / (n - 1))],
           np.r_[0.2, 0.5, np.full(n - 2, 0.3 / max(1, n - 2))][:n]]
    pts = [p / p.sum() for p in pts]
    with mpmath.workdps(50):
        sums = [mpmath.fsum(spec.mp_losses([mpmath.mpf(float(x)) for x in p])) for p in pts]
        for i in range(1, len(pts)):
            if mpmath.isfinite(sums[i]) and abs(sums[i] - sums[0]) > mpmath.mpf("1e-30"):
                return Counterexample(
                    point={"u_a": [float(x) for x in pts[0]], "u_b": [float(x) for x in pts[i]]},
                    detail=f"sum_k L(u,k) = {mpmath.nstr(sums[0], 12)} at u_a but "
                           f"{mpmath.nstr(sums[i], 12)} at u_b (K = {n}, "
                           f"{spec.describe_values()})",
                    values={"sum_a": mpmath.nstr(sums[0], 25), "sum_b": mpmath.nstr(sums[i], 25)},
                )
    return None
