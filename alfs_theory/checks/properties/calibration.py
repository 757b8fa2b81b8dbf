"""Classification calibration (T2) and the excess-risk bound (T3).

Calibration (Tewari & Bartlett 2007): for every p ∈ Δ_K with a unique largest entry,
inf over u with argmax u ≠ argmax p of C_L(p, u) = Σ_k p_k L(u, k) is strictly larger than
inf over all u.

Routes to PROVED:
* completely asymmetric (a separable concave risk with β < 0, a normalised loss at K = 2, or
  a sum of such parts; see :func:`.asymmetry.complete_asymmetry`) and L finite and continuous
  on the simplex:
  e_t is the unique minimiser, it lies outside the closure of the wrong-argmax region, and a
  continuous function on that compact closure attains its infimum there (T2's argument);
* a strictly convex decreasing pointwise ℓ: the KKT minimiser u_k = (ℓ′)⁻¹(λ / p_k) keeps
  the order of p, so its argmax is argmax p, and it is unique.
Route to REFUTED: for a normalised loss L = N(u_y)/Σ_k N(u_k) with N ≥ 0 and K ≥ 3, take
p = e_t: the wrong-argmax sequence u = (…, u_m = ε, …) drives C_L(p, u) → 0 = inf (sympy limit).
Otherwise a numeric search reports the smallest gap found, UNDECIDED.

Excess risk (derived in shared/theory.md, T3): for a concave decreasing ℓ with
Δ = ℓ(0) − ℓ(1) > 0, R_01(f) − R_01* ≤ (K / Δ)(R_L(f) − R_L*). Its proof (ℓ above its chord)
is the certificate; a Monte Carlo check over random posteriors p and predictions u looks for
violations and reports any as a counterexample. For ℓ = −c·log u + d (CE): Pinsker,
sqrt(2 (R_L − R_L*)/c); for ℓ = −α log u − b u + d, b > 0 (SCE): the same bound with c = α
(stationarity, then Pinsker on two classes). For ℓ = c·(1 − u^q)/q + d with 0 < q < 1 (GCE):
Hölder and a two-class tie, (A·(R_L − R_L*))^e with e = 1/2, A = 4(1 − q)/c for q ≤ 1/2 and e = 1 − q,
A = q/(c(1 − q)(1 − 2^(−q/(1−q)))) for q ≥ 1/2. For a separable quadratic vector loss,
C_L(p, u) = c‖u − a·p‖² + const(p) (MSE, AMSE): the projection of a·p onto the simplex,
sqrt(2 (R_L − R_L*)/(c m²)) with m = a for a ≤ 1, 1/(K − 1) for a > 1 (derivations in
docs/theory.md).
"""

from __future__ import annotations

import time

import mpmath
import numpy as np
import sympy as sp

from ...spec import LossSpec
from ...symbols import U, simplify
from ..provers.pieces import is_nonsmooth
from ..verdict import Certificate, CheckResult, Counterexample, Verdict
from .asymmetry import (
    complete_asymmetry,
    lsc_ends,
    negative_normalised,
    normalised_negative_sum,
    normalised_numerator,
    separable_form,
    sum_with_normalised_complete,
)
from .shape import check_decreasing, check_shape, end_value, sign_on_unit

__all__ = ["CALIBRATION_RULES", "calibration_face", "calibration_gap", "calibration_kkt_order",
           "calibration_normalised_sum", "calibration_normalised_witness", "calibration_swap",
           "calibration_t2", "check_calibration", "convex_pair_constant", "decreasing_pair_constant",
           "EXCESS_RISK_RULES",
           "check_excess_risk_bound", "excess_risk_constant", "log_loss_scale",
           "log_linear_form", "power_loss_form", "quadratic_form"]


def _res(spec: LossSpec, n: int, t0: float, v, s, **kw) -> CheckResult:
    return CheckResult("calibrated", v, s, seconds=time.perf_counter() - t0, **kw)


def calibration_t2(spec: LossSpec, n: int, t0: float) -> CheckResult | None:
    """T2: completely asymmetric with a finite continuous risk => calibrated."""
    full = complete_asymmetry(spec, n)
    if full is None or not full.continuous:
        return None
    cert = Certificate(
        "T2-compactness",
        f"completely asymmetric ({full.certificate.method}: {full.certificate.detail}) and "
        "L finite and continuous on the simplex: the wrong-argmax closure is compact and "
        "excludes e_t, so its infimum exceeds the risk at e_t",
        {"asymmetry": full.certificate.to_dict()})
    return _res(spec, n, t0, Verdict.PROVED, "calibrated (asymmetric => calibrated, T2)",
                certificate=cert)


def calibration_normalised_sum(spec: LossSpec, n: int, t0: float) -> CheckResult | None:
    """NCE/NFL + completely asymmetric parts: the normalised part never goes below min_k p_k
    and the continuous parts keep a margin on the wrong-argmax closure."""
    cert = sum_with_normalised_complete(spec, n)
    if cert is None:
        return None
    cert = Certificate(
        "T2-lower-bound",
        f"{cert.detail}. On the closure of the wrong-argmax region (which excludes e_t) "
        "the continuous parts stay above their minimum by a positive margin, while the "
        "normalised parts never go below min_k p_k: the infimum there exceeds the overall "
        "infimum, approached only at e_t", {})
    return _res(spec, n, t0, Verdict.PROVED, "calibrated (normalised part + completely "
                "asymmetric parts)", certificate=cert)


def calibration_negative_normalised(spec: LossSpec, n: int, t0: float) -> CheckResult | None:
    """L = c - N(u_y)/sum_k N(u_k), N >= 0 non-decreasing, N(0) = 0 < N(1/K): calibrated. The
    conditional risk is c - F with F the mean of the p_k weighted by N(u_k); F = p_t at e_t,
    and a u whose argmax is not t has some u_j >= u_t, so N(u_j) >= N(u_t) and
    F <= p_2 + (p_t - p_2) N(u_t)/sum N <= (p_t + p_2)/2 < p_t."""
    nn = negative_normalised(spec, n)
    if nn is None or not simplify(nn.N.subs(U, sp.Rational(1, n))).is_positive:
        return None
    cert = Certificate(
        "negative-normalised",
        f"{nn.evidence}, N(1/K) > 0 (so sum_k N(u_k) > 0 on the simplex). For p with a unique "
        "largest p_t and second largest p_2, C(p, u) = c - F(u) with F = sum_k p_k N(u_k) / "
        "sum_k N(u_k); F(e_t) = p_t. If argmax u != t, some j != t has u_j >= u_t, so "
        "N(u_j) >= N(u_t) and F <= p_2 + (p_t - p_2) N(u_t)/(N(u_t) + N(u_j)) <= "
        "(p_t + p_2)/2: the wrong-argmax infimum exceeds the infimum by at least "
        "(p_t - p_2)/2 > 0", {"N": nn.N, "c": nn.c})
    return _res(spec, n, t0, Verdict.PROVED, "calibrated (normalized negative: the "
                "wrong-argmax risk is at least (p_t - p_2)/2 above the infimum)",
                certificate=cert)


def calibration_normalised_negative_sum(spec: LossSpec, n: int,
                                        t0: float) -> CheckResult | None:
    """NCE-type parts (coefficients a_i) + normalized negative parts (b_j, some > 0): the
    infimum sum a_i p_min + sum b_j (c_j - p_t) is approached with argmax t, and a wrong argmax
    costs at least sum b_j (p_t - p_2)/2 more."""
    got = normalised_negative_sum(spec, n)
    if got is None:
        return None
    norm, neg = got
    if not all(simplify(nn.N.subs(U, sp.Rational(1, n))).is_positive for _, nn in neg):
        return None
    b = sum((c for c, _ in neg), sp.Integer(0))
    cert = Certificate(
        "normalised-negative-sum",
        f"{len(norm)} normalised part(s) with N(0+) = oo and {len(neg)} normalized negative "
        f"part(s) ({'; '.join(nn.evidence for _, nn in neg)}), coefficients >= 0, sum of the "
        f"negative ones b = {sp.sstr(b)} > 0. For p with a unique largest p_t: every normalised "
        "part is a weighted mean of the p_k (>= p_min), every negative part is c - F with "
        "F <= p_t, and u_k = v inside the plateaus (k != t, m), u_m = eps -> 0 (m = argmin p) "
        "reaches both bounds with argmax t, so the infimum is sum a_i p_min + sum b_j (c_j - "
        "p_t); a wrong-argmax u has F <= (p_t + p_2)/2 in every negative part, so its risk is at "
        "least b (p_t - p_2)/2 above the infimum", {"b": b})
    return _res(spec, n, t0, Verdict.PROVED, "calibrated (normalised + normalized negative "
                "parts: a wrong argmax costs at least b (p_t - p_2)/2)", certificate=cert)


def calibration_swap(spec: LossSpec, n: int, t0: float) -> CheckResult | None:
    """The swap argument (see :func:`_swap_argument`)."""
    cert = _swap_argument(spec, n)
    if cert is None:
        return None
    return _res(spec, n, t0, Verdict.PROVED, "calibrated (swap argument)", certificate=cert)


def calibration_kkt_order(spec: LossSpec, n: int, t0: float) -> CheckResult | None:
    """A strictly convex decreasing differentiable pointwise l: the minimiser keeps the order
    of p (p_k l'(u_k) = lambda) and is unique."""
    if not spec.is_pointwise:
        return None
    shape = check_shape(spec)
    dec = check_decreasing(spec)
    # precondition: l differentiable (the KKT equation p_k l'(u_k) = lambda); a kink's
    # subdifferential lets ties u_t = u_j solve it (kinked strictly convex l)
    if not (shape.kind == "convex" and shape.strict and dec.verdict is Verdict.PROVED
            and not is_nonsmooth(spec.pointwise_expr())):
        return None
    cert = Certificate(
        "kkt-order",
        "strictly convex decreasing l: the minimiser of sum_k p_k l(u_k) solves "
        "p_k l'(u_k) = lambda on its support, so u_k increases with p_k and "
        "argmax u = argmax p; it is unique (strict convexity)")
    return _res(spec, n, t0, Verdict.PROVED, "calibrated (order-preserving minimiser)",
                certificate=cert)


def calibration_normalised_witness(spec: LossSpec, n: int, t0: float) -> CheckResult | None:
    """A normalised loss at K >= 3: a wrong-argmax sequence reaches the infimum 0."""
    ce = _normalised_witness(spec, n)
    if ce is None:
        return None
    return _res(spec, n, t0, Verdict.REFUTED, "not calibrated: a wrong-argmax sequence "
                "reaches the infimum 0 of the conditional risk at p = e_t", counterexample=ce)


def calibration_face(spec: LossSpec, n: int, t0: float) -> CheckResult | None:
    """Tie and plateau refutations on a face of 2 or 3 classes (exact pieces, vertex
    enumeration for continuous piecewise-linear l)."""
    got = _face_refutation(spec, n) if spec.is_pointwise else None
    if got is None:
        return None
    return _res(spec, n, t0, Verdict.REFUTED, got[0], counterexample=got[1])


def calibration_gap(spec: LossSpec, n: int, t0: float) -> CheckResult:
    """The last rung: the smallest gap a numeric search finds; never a verdict."""
    gap = _numeric_gap(spec, n)
    return _res(spec, n, t0, Verdict.UNDECIDED, "no exact rule applies; smallest gap found "
                f"numerically: {gap['gap']:.4g}", estimate=gap)


CALIBRATION_RULES = (calibration_t2, calibration_normalised_sum,
                     calibration_negative_normalised, calibration_normalised_negative_sum,
                     calibration_swap,
                     calibration_kkt_order, calibration_normalised_witness, calibration_face,
                     calibration_gap)
"""The rules of the calibration question, in order (the engine registers each with its
facts: alfs_theory.checks.engine.rules)."""


def check_calibration(spec: LossSpec, n_classes: int) -> CheckResult:
    """Classification calibration at K = n_classes: the first of :data:`CALIBRATION_RULES`
    that decides."""
    t0 = time.perf_counter()
    for step in CALIBRATION_RULES:
        out = step(spec, n_classes, t0)
        if out is not None:
            return out
    raise AssertionError("calibration_gap always answers")  # pragma: no cover


def _swap_part(p: LossSpec, n: int):
    """(evidence, strict) when swapping u_t and u_j (u_j > u_t, p_t > p_j) cannot raise part
    p's conditional risk (liminf where undefined), strict when it always lowers it; None when
    neither is proved."""
    form = separable_form(p, n)
    if form is not None:
        # precondition: A and B differentiable on (0, 1). The swap settles u_j > u_t only; at
        # a tie u_j = u_t the mass move from j to t changes the risk by one-sided slopes, and
        # at a kink the minimiser can be the tie itself (max(2 - 3u, 1 - u), p = (0.6, 0.4))
        # and the risk lower semicontinuous, bounded below: A, B finite or +oo at 0 (-log u),
        # finite at 1, so the minimum over the compact wrong-argmax closure is attained
        if not lsc_ends(form):
            return None
        D1 = sp.diff(form.A - form.B, U)
        strict = sign_on_unit(D1, p, sign="negative", strict=True, check="calibrated",
                              what="(A - B)' < 0")
        if strict.verdict is Verdict.PROVED:
            return f"{p.name}: separable, (A - B)' < 0, finite", True
        weak = sign_on_unit(D1, p, sign="negative", strict=False, check="calibrated",
                            what="(A - B)' <= 0")
        return (f"{p.name}: separable, (A - B)' <= 0", False) if weak.verdict is \
            Verdict.PROVED else None
    N = normalised_numerator(p, n)
    if N is None or is_nonsmooth(N):
        return None
    dec = sign_on_unit(sp.diff(N, U), p, sign="negative", strict=False, check="calibrated",
                       what="N' <= 0")
    if dec.verdict is not Verdict.PROVED:
        return None
    n0 = end_value(N, 0)
    if n0 is not None and n0.is_finite:
        strict = sign_on_unit(sp.diff(N, U), p, sign="negative", strict=True,
                              check="calibrated", what="N' < 0")
        if strict.verdict is Verdict.PROVED:
            return f"{p.name}: normalised, N' < 0, N(0) = {sp.sstr(n0)} finite", True
    return f"{p.name}: normalised, N' <= 0", False


def _swap_argument(spec: LossSpec, n: int) -> Certificate | None:
    """Calibration from a swap: for p with unique largest p_t and u with u_j >= u_t, swapping
    u_t and u_j (or, at a tie, moving mass from j to t) changes a separable part
    Σ_k B(u_k) + Σ_k p_k (A − B)(u_k) by (p_t − p_j)((A − B)(u_j) − (A − B)(u_t)), and a
    normalised part Σ p_k N(u_k)/Σ N(u_k) by (p_t − p_j)(N(u_j) − N(u_t))/Σ N: never up when
    A − B and N decrease, strictly down for a part with (A − B)' < 0 (finite) or N' < 0 with
    N(0) finite. The lower-semicontinuous risk attains its minimum on the compact closure of
    the wrong-argmax region, and the swapped point beats it: inf over wrong argmax > inf."""
    parts = spec.parts()
    if not parts or separable_form(spec, n) is not None:  # the whole risk at once
        live = [spec]
    else:  # part by part (a sum with a normalised part)
        if not all(w.is_number and w >= 0 for w, _ in parts):
            return None
        live = [p for w, p in parts if w > 0]
    got = [_swap_part(p, n) for p in live]
    if not live or any(g is None for g in got) or not any(g[1] for g in got):
        return None
    return Certificate(
        "swap-argument",
        "every part is non-increasing under the swap u_t <-> u_j (u_j >= u_t, p_t > p_j) and "
        "one strictly decreasing: " + "; ".join(g[0] for g in got) + ". The risk (liminf "
        "where undefined) is lower semicontinuous, so its minimum over the compact "
        "wrong-argmax closure is attained, and the swapped point with the right argmax is "
        "strictly lower: calibrated")


def _normalised_witness(spec: LossSpec, n: int) -> Counterexample | None:
    if n < 3:  # at K = 2 a normalised loss is completely asymmetric (see complete_asymmetry)
        return None
    N = normalised_numerator(spec, n)
    if N is None:
        return None
    eps = sp.Symbol("epsilon", positive=True)
    rest = [sp.Rational(1, 5) / (n - 2)] * (n - 2)
    u = [rest[0] if n > 2 else 0] * n
    u[0], u[1], u[2] = sp.Rational(1, 5), sp.Rational(4, 5) - eps, eps
    if n > 3:
        u[1] = sp.Rational(4, 5) - eps - sum(sp.Rational(1, 100) for _ in range(n - 3))
        for k in range(3, n):
            u[k] = sp.Rational(1, 100)
    risk = N.subs(U, u[0]) / sum(N.subs(U, x) for x in u)
    try:
        lim = sp.limit(risk, eps, 0, "+")
    except Exception:  # noqa: BLE001
        return None
    if lim != 0:
        return None
    with mpmath.workdps(50):
        e_num = mpmath.mpf("1e-300")
        pt = [mpmath.mpf(sp.Rational(x.subs(eps, 0)).p) / sp.Rational(x.subs(eps, 0)).q
              for x in u]
        pt[2] = e_num
        pt[1] -= e_num
        val = spec.mp_losses(pt)[0]
    return Counterexample(
        point={f"u{k}": sp.sstr(x) for k, x in enumerate(u)},
        detail=(f"p = e_0; along u(eps) = ({', '.join(sp.sstr(x) for x in u)}) (argmax class 1) "
                f"C_L(p, u) -> {lim} (sympy limit), which is the infimum since L >= 0; at "
                f"eps = 1e-300 it is {mpmath.nstr(val, 6)}"),
        values={"limit": 0, "at_eps_1e-300": mpmath.nstr(val, 20)},
        sequence="u(eps), eps -> 0+",
    )


# --------------------------------------------------------------- exact refutations on a face
def _face_refutation(spec: LossSpec, n: int):
    """REFUTED evidence for a non-increasing pointwise ℓ, from a posterior p supported on a
    face of s <= 3 classes (ℓ non-increasing: classes of weight 0 take no mass at some
    minimiser, so the infimum over Δ_K is the infimum over that face):

    * *tie rule* (s = 2, any ℓ continuous at 1/2): p = (a, 1 − a), a > 1/2, and
      g(x) = C(x) − C(1/2), C(x) = a ℓ(x) + (1 − a) ℓ(1 − x), proved non-increasing on
      [0, 1/2] and g(1 − x) proved non-increasing on [0, 1/2] (exact pieces or interval
      bisection): the tie u = (1/2, 1/2) is a global minimiser, and u(ε) = (1/2 − ε, 1/2 + ε)
      with the wrong argmax reaches it as ε → 0;
    * *vertex enumeration* (continuous piecewise-linear ℓ with rational data, s <= 3): a
      separable piecewise-linear program over the face has a minimiser with at most one
      coordinate inside a linear piece, so the exact minimum is the least value over the
      finitely many such points; one of them in the closure of the wrong-argmax region
      (some u_j >= u_t) with that value refutes.

    Returns (summary, Counterexample) or None (which decides nothing)."""
    from ..provers.pieces import pieces_monotone, split_pieces

    if check_decreasing(spec).verdict is not Verdict.PROVED:
        return None
    ell = spec.pointwise_expr(n)
    if ell.free_symbols - {U}:
        return None
    P = split_pieces(ell, U)
    if P is not None and P.continuity()[0] is True and all(
            sp.diff(e, U, 2) == 0 for e in P.branches) and all(
            x.is_Rational for x in P.breaks):
        got = _plateau_enumeration(ell, P, n)
        if got is not None:
            return got
    half = sp.Rational(1, 2)
    if P is None or P.continuity()[0] is not True:
        return None
    x = sp.Symbol("x", nonnegative=True)
    for a in (sp.Rational(k, 100) for k in (51, 55, 60, 70, 80, 90)):
        C = a * ell.subs(U, x) + (1 - a) * ell.subs(U, 1 - x)
        g = C - C.subs(x, half)
        ok = True
        for h in (g, g.subs(x, 1 - x)):
            Q = split_pieces(h.subs(x, U), U, 0, half)
            if Q is None or pieces_monotone(Q)[0] is not True:
                ok = False
                break
        if not ok:
            continue
        pw = "(" + ", ".join([sp.sstr(a), sp.sstr(1 - a)] + ["0"] * (n - 2)) + ")"
        ce = Counterexample(
            point={"p": [float(a), float(1 - a)] + [0.0] * (n - 2),
                   "u": [0.5, 0.5] + [0.0] * (n - 2)},
            detail=(f"p = {pw}: the tie u = (1/2, 1/2{', 0' * (n - 2)}) minimises C_L(p, .) "
                    f"(C(x) - C(1/2) proved non-increasing on [0, 1/2] and non-decreasing on "
                    f"[1/2, 1], exact pieces); u(eps) = (1/2 - eps, 1/2 + eps, ...) has the "
                    f"wrong argmax and C_L(p, u(eps)) -> C_L(p, tie) = "
                    f"{sp.sstr(sp.nsimplify(C.subs(x, half)))} (l continuous): the infimum over "
                    "wrong-argmax u equals the infimum"),
            values={"risk_at_tie": str(sp.N(C.subs(x, half), 30))},
            sequence="u(eps) = (1/2 - eps, 1/2 + eps, 0, ...), eps -> 0+")
        return ("not calibrated: the minimiser of the conditional risk is a tie, reached by "
                "wrong-argmax points", ce)
    return None


def _plateau_enumeration(ell: sp.Expr, P, n: int):
    """The vertex enumeration of :func:`_face_refutation` for a continuous piecewise-linear
    ℓ (exact rationals throughout)."""
    import itertools

    pts = list(P.points)
    vals = {x: sp.nsimplify(ell.subs(U, x)) for x in pts}

    def lval(x):
        return vals[x] if x in vals else sp.nsimplify(ell.subs(U, x))

    faces = [2] + ([3] if n >= 3 else [])
    for s in faces:
        grid = range(1, 100)
        cands = []
        for c in itertools.product(grid, repeat=s):
            if sum(c) != 100 or list(c) != sorted(c, reverse=True) or c[0] == c[1]:
                continue
            cands.append([sp.Rational(x, 100) for x in c])
        cands.sort(key=lambda p: p[0] - p[1])  # near-ties first
        for p in cands[:150]:
            best, where = None, []
            for free in range(s):
                for fixed in itertools.product(pts, repeat=s - 1):
                    rest = 1 - sum(fixed)
                    if rest < 0 or rest > 1:
                        continue
                    u = list(fixed[:free]) + [rest] + list(fixed[free:])
                    val = sum(pk * lval(uk) for pk, uk in zip(p, u))
                    if best is None or val < best:
                        best, where = val, [u]
                    elif val == best:
                        where.append(u)
            wrong = [u for u in where if max(u[1:]) >= u[0]]
            if not wrong:
                continue
            u = wrong[0]
            full_p = [float(x) for x in p] + [0.0] * (n - s)
            full_u = [sp.sstr(x) for x in u] + ["0"] * (n - s)
            ce = Counterexample(
                point={"p": full_p, "u": full_u},
                detail=(f"p = ({', '.join(sp.sstr(x) for x in p)}{', 0' * (n - s)}): the exact "
                        f"minimum of C_L(p, .) is {sp.sstr(best)} (enumeration of the "
                        f"{len(pts)}^{s - 1}*{s} points with at most one coordinate inside a "
                        f"linear piece of l), attained at u = ({', '.join(full_u)}), where "
                        f"class {max(range(1, s), key=lambda j: u[j])} has u_j >= u_t "
                        "(wrong-argmax closure; l continuous): not calibrated"),
                values={"minimum": sp.sstr(best)})
            return ("not calibrated: a wrong-argmax point attains the exact minimum of the "
                    "conditional risk", ce)
    return None


def _numeric_gap(spec: LossSpec, n: int, n_p: int = 20, seed: int = 0) -> dict:
    """min over random p of [inf over wrong-argmax u] − [inf over u], by sampling u."""
    from ..simplex import random_size, unit_rows

    rng = np.random.default_rng(seed)
    size = random_size(n, 3000, numbers=2_000_000)  # K = 10,000: 200 points per draw
    U_ = np.concatenate([rng.dirichlet(np.full(n, c), size=size) for c in (0.2, 1.0, 5.0)]
                        + [unit_rows(n, range(min(n, 64)))])
    with np.errstate(all="ignore"):
        L = spec.numeric_losses(U_)
    best = {"gap": np.inf}
    for _ in range(n_p):
        p = rng.dirichlet(np.ones(n))
        t = int(np.argmax(p))
        with np.errstate(all="ignore"):
            C = L @ p
        C = np.where(np.isnan(C), np.inf, C)
        wrong = np.argmax(U_, axis=1) != t
        gap = float(C[wrong].min() - C.min())
        if gap < best["gap"]:
            best = {"gap": gap, "p": np.round(p, 4).tolist()}
    return best


def excess_risk_constant(spec: LossSpec, n_classes: int) -> sp.Expr | None:
    """K / Δ with Δ = ℓ(0) − ℓ(1), when ℓ is proved concave and decreasing; else None."""
    if not spec.is_pointwise:
        return None
    shape = check_shape(spec)
    if shape.kind not in ("concave", "linear"):
        return None
    ell = spec.pointwise_expr(n_classes)
    delta = simplify(ell.subs(U, 0) - ell.subs(U, 1))
    if not delta.is_positive:
        return None
    return simplify(n_classes / delta)


def log_loss_scale(spec: LossSpec, n_classes: int) -> sp.Expr | None:
    """c > 0 when ℓ(u) = −c·log u + const (u·ℓ′(u) ≡ −c, proved symbolically); else None."""
    if not spec.is_pointwise:
        return None
    ell = spec.pointwise_expr(n_classes)
    t = simplify(U * sp.diff(ell, U))
    if U in t.free_symbols or not (-t).is_positive:
        return None
    return simplify(-t)


def log_linear_form(spec: LossSpec, n_classes: int) -> tuple[sp.Expr, sp.Expr] | None:
    """(α, b) with α > 0, b > 0 when u·ℓ′(u) ≡ −α − b·u, i.e. ℓ = −α log u − b u + const
    (SCE = α CE + β RCE: b = β·(−log clamp)); proved symbolically. b = 0 (CE) is
    :func:`log_loss_scale`'s case; else None."""
    if not spec.is_pointwise:
        return None
    ell = spec.pointwise_expr(n_classes)
    t = sp.expand_log(simplify(U * sp.diff(ell, U)), force=True)
    b = simplify(-sp.diff(t, U))
    if U in b.free_symbols or not b.is_positive:
        return None
    alpha = simplify(sp.expand_log(-(t + b * U), force=True))
    if U in alpha.free_symbols or not alpha.is_positive:
        return None
    return alpha, b


def power_loss_form(spec: LossSpec, n_classes: int) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, q) with c > 0 and 0 < q < 1 when u·ℓ′(u) ≡ −c·u^q, i.e. ℓ = c·(1 − u^q)/q + const
    (GCE and its rescalings; proved symbolically: q = u t′/t and c = −t/u^q are free of u for
    t = u ℓ′(u)); else None."""
    if not spec.is_pointwise:
        return None
    ell = spec.pointwise_expr(n_classes)
    t = simplify(U * sp.diff(ell, U))
    if t == 0:
        return None
    q = simplify(U * sp.diff(t, U) / t)
    if U in q.free_symbols or not (q.is_positive and (1 - q).is_positive):
        return None
    c = simplify(-t / U**q)
    if U in c.free_symbols or not c.is_positive:
        return None
    return c, q


def quadratic_form(spec: LossSpec, n_classes: int) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, a) with c, a > 0 when L(u, y) = A(u_y) + Σ_{k≠y} B(u_k) with B″ ≡ 2c and
    A − B ≡ const − 2c·a·u (proved symbolically), so that C_L(p, u) = c‖u − a·p‖² + const(p)
    on the simplex (MSE: c = a = 1; AMSE: c = 1/K); else None."""
    if spec.is_pointwise:
        return None
    form = separable_form(spec, n_classes)
    if form is None:
        return None
    c = simplify(sp.diff(form.B, U, 2) / 2)
    slope = simplify(sp.diff(form.A - form.B, U))
    if U in c.free_symbols or U in slope.free_symbols or not c.is_positive:
        return None
    a = simplify(-slope / (2 * c))
    return (c, a) if a.is_positive else None


def _simplex_projection(V: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row of V onto the probability simplex (sort and threshold)."""
    S = -np.sort(-V, axis=1)
    cum = np.cumsum(S, axis=1) - 1.0
    idx = np.arange(1, V.shape[1] + 1)
    rho = np.count_nonzero(S - cum / idx > 0, axis=1)
    tau = cum[np.arange(len(V)), rho - 1] / rho
    return np.maximum(V - tau[:, None], 0.0)


def _check_sampled_pairs(spec: LossSpec, n: int, samples: int, seed: int, c_star, bound,
                         bound_text: str) -> tuple[float, Counterexample | None]:
    """Sampled (p, u) pairs against a bound p_max − p_argmax u ≤ bound(C_L(p, u) − C_L*(p)).

    ``c_star(P)`` gives C_L*(p) per row, ``bound`` maps excess L to allowed excess 0-1 (numpy).
    Returns the least slack and, where a pair breaks the bound by more than 1e-9, a
    counterexample whose C_L is re-evaluated at 50 digits.
    """
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(n, 0.7), size=samples)
    Uu = np.concatenate([rng.dirichlet(np.full(n, a), size=samples // 2) for a in (0.3, 3.0)])
    C = np.einsum("ik,ik->i", P, spec.numeric_losses(Uu))
    Cstar = c_star(P)
    excess01 = P.max(1) - P[np.arange(samples), np.argmax(Uu, 1)]
    neg = (C - Cstar) < -1e-9 * (1 + np.abs(Cstar))
    if neg.any():  # a sampled risk below the claimed infimum: the derivation is inconsistent
        i = int(np.argmax(neg))
        return -np.inf, Counterexample(
            {"p": P[i].tolist(), "u": Uu[i].tolist()},
            f"INCONSISTENT: the sampled excess L-risk {C[i] - Cstar[i]:.6g} is negative at "
            f"p = {np.round(P[i], 6).tolist()}, u = {np.round(Uu[i], 6).tolist()}")
    slack = bound(C - Cstar) - excess01
    i = int(np.argmin(slack))
    if slack[i] >= -1e-9:
        return float(slack[i]), None
    with mpmath.workdps(50):
        Lm = spec.mp_losses([mpmath.mpf(float(x)) for x in Uu[i]])
        Cm = mpmath.fsum(mpmath.mpf(float(p)) * lk for p, lk in zip(P[i], Lm))
    return float(slack[i]), Counterexample(
        {"p": P[i].tolist(), "u": Uu[i].tolist()},
        f"excess 0-1 {excess01[i]:.6g} > {bound_text} at excess L {float(Cm) - Cstar[i]:.6g}")


def _c_star_at(spec: LossSpec, minimiser):
    """C_L*(p) per row, as the risk at ``minimiser(P)`` (the rows of u* for each p)."""
    return lambda P: np.einsum("ik,ik->i", P, spec.numeric_losses(minimiser(P)))


def _sampled_bound(spec: LossSpec, n: int, samples: int, seed: int, name: str, t0: float, *,
                   c_star, bound, bound_text: str, method: str, proof: str, data: dict,
                   summary: str, value) -> CheckResult:
    """A derived bound, tried on sampled (p, u) pairs (:func:`_check_sampled_pairs`): REFUTED
    with the breaking pair, else PROVED with ``proof`` (ending in a full stop) as certificate."""
    least, ce = _check_sampled_pairs(spec, n, samples, seed, c_star, bound, bound_text)
    if ce is not None and ce.detail.startswith("INCONSISTENT"):
        # the route's C_L* is not a minimum for this loss: its derivation does not apply
        return CheckResult(name, Verdict.UNDECIDED, f"INTERNAL ERROR: {ce.detail}",
                           estimate=ce.to_dict(), seconds=time.perf_counter() - t0,
                           internal_error=f"the {method} route's C_L* is not the infimum: "
                                          f"{ce.detail}")
    if ce is not None:
        return CheckResult(name, Verdict.REFUTED, "the bound fails at a sampled point",
                           counterexample=ce, seconds=time.perf_counter() - t0)
    cert = Certificate(method, f"{proof} Monte Carlo: {samples} (p, u) pairs, least slack "
                       f"{least:.3g} >= 0", {**data, "min_slack": least})
    return CheckResult(name, Verdict.PROVED, summary, certificate=cert, value=value,
                       seconds=time.perf_counter() - t0)


def _log_linear_minimiser(P: np.ndarray, alpha: float, b: float) -> np.ndarray:
    """The minimiser u_k = α p_k/(λ − b p_k) of Σ_k p_k (−α log u_k − b u_k) on the simplex,
    λ > b·max p found by bisection (Σ u_k falls from ∞ to 0 as λ grows)."""
    lo = b * P.max(1, keepdims=True)
    hi = lo + alpha + b  # there u_k <= α p_k/(α + b), so Σ u_k <= α/(α + b) < 1
    for _ in range(200):  # stops once no row's bracket narrows (about 60 halvings)
        mid = 0.5 * (lo + hi)
        open_ = (mid > lo) & (mid < hi)
        if not open_.any():
            break
        with np.errstate(divide="ignore"):
            big = (alpha * P / (mid - b * P)).sum(1, keepdims=True) > 1
        lo, hi = np.where(big & open_, mid, lo), np.where(~big & open_, mid, hi)
    return alpha * P / (hi - b * P)


def _log_bound(spec: LossSpec, n: int, alpha: sp.Expr, b: sp.Expr, name: str, samples: int,
               seed: int, t0: float) -> CheckResult:
    """ℓ = −α log u − b u + d with b >= 0: R01 − R01* ≤ sqrt(2 (R_L − R_L*)/α). b = 0 (CE):
    Pinsker; b > 0 (SCE): stationarity, then Pinsker on two classes."""
    af, bf = float(alpha), float(b)

    def minimiser(P):
        return P if bf == 0 else _log_linear_minimiser(P, af, bf)  # Gibbs at b = 0

    coef = simplify(2 / alpha)
    if bf == 0:
        method, proof = "pinsker", (
            f"u l'(u) = {sp.sstr(-alpha)} (proved), so l = {sp.sstr(-alpha * sp.log(U))} + const "
            f"and C_L(p,u) - C_L*(p) = {sp.sstr(alpha)} KL(p||u) (Gibbs: the minimiser is u = p). "
            "With m = argmax p, j = argmax u: p_m - p_j <= (p_m - u_m)+ + (u_j - p_j)+ <= "
            "||p - u||_1 <= sqrt(2 KL(p||u)) (Pinsker)")
    else:
        method, proof = "pinsker-two-class", (
            f"u l'(u) = -{sp.sstr(alpha)} - {sp.sstr(b)} u (proved), so l = -alpha log u - b u + "
            f"const, alpha = {sp.sstr(alpha)}, b = {sp.sstr(b)} > 0. The minimiser is u*_k = "
            "alpha p_k/(lambda - b p_k) (order-preserving), and with w_k = u_k/u*_k the "
            "stationarity conditions give C_L(p,u) - C_L*(p) >= alpha sum_k p_k phi(w_k), "
            "phi(w) = w - 1 - log w >= 0. With m = argmax p, j = argmax u (u_j >= u_m): keep the "
            "terms m and j; their least value under u_j >= u_m is at u_m = u_j = alpha s/(lambda "
            "- b s), s = (p_m + p_j)/2, where w_m <= s/p_m < 1 < s/p_j <= w_j (b >= 0), so the "
            "excess is >= alpha (p_m log(p_m/s) + p_j log(p_j/s)) >= alpha (p_m - p_j)^2/(2(p_m "
            "+ p_j)) (Pinsker on two points) >= alpha eps^2/2")
    return _sampled_bound(
        spec, n, samples, seed, name, t0, c_star=_c_star_at(spec, minimiser),
        bound=lambda x: np.sqrt(2.0 * np.maximum(x, 0.0) / af),
        bound_text=f"sqrt(2 x excess L / {af:.6g})", method=method,
        proof=f"{proof}; sqrt is concave (Jensen over x).", data={"coefficient": coef},
        summary=f"R01 - R01* <= sqrt({sp.sstr(coef)} (R_L - R_L*))",
        value={"form": "sqrt", "coefficient": coef})


def _power_bound(spec: LossSpec, n: int, c: sp.Expr, q: sp.Expr, name: str, samples: int,
                 seed: int, t0: float) -> CheckResult:
    """ℓ = c(1 − u^q)/q + d, 0 < q < 1: R01 − R01* ≤ (A (R_L − R_L*))^e (docs/theory.md)."""
    r = 1 / (1 - q)
    half = sp.Rational(1, 2)
    if q <= half:  # x^r has x^(r-2) >= 1 on (0, 1]: a quadratic gain
        A, e = 4 * (1 - q) / c, half
        step = ("r <= 2: (x^r)'' = r(r-1)x^(r-2) >= r(r-1) on (0, 1], so D >= r(r-1) eps^2/4 "
                "and C_L - C_L* >= c eps^2/(4(1-q))")
    else:  # x^(r-1) convex: D grows with the mean (a+b)/2, least at b = 0
        A, e = q / (c * (1 - q) * (1 - 2 ** (1 - r))), 1 - q
        step = ("r >= 2: D = f(s+eps/2) + f(s-eps/2) - 2f(s), s = (a+b)/2, grows with s "
                "(f' = r x^(r-1) convex) and is least at b = 0: D >= eps^r (1 - 2^(1-r)), so "
                "C_L - C_L* >= c eps^r (1 - 2^(1-r))(1-q)/q")
    A, e = sp.nsimplify(simplify(A)), sp.nsimplify(e)
    Af, ef, rf = float(A), float(e), float(r)

    def minimiser(P):  # u_k ∝ p_k^r, from logs (p_k^r underflows for large r)
        L = rf * np.log(P)
        W = np.exp(L - L.max(1, keepdims=True))
        return W / W.sum(1, keepdims=True)

    return _sampled_bound(
        spec, n, samples, seed, name, t0, c_star=_c_star_at(spec, minimiser),
        bound=lambda x: (Af * np.maximum(x, 0.0)) ** ef,
        bound_text=f"({Af:.6g} x excess L)^{ef:.6g}", method="power-holder",
        proof=f"u l'(u) = {sp.sstr(-c * U**q)} (proved), so l = c (1 - u^q)/q + const with "
        f"c = {sp.sstr(c)}, q = {sp.sstr(q)}, r = 1/(1-q) = {sp.sstr(sp.nsimplify(r))}; C_L(p,u) - "
        "C_L*(p) = (c/q)(||p||_r - sum_k p_k u_k^q) (Hoelder: the minimiser is u ∝ p^r). With "
        "m = argmax p, j = argmax u (u_j >= u_m), a = p_m, b = p_j, eps = a - b: sum_k p_k "
        "u_k^q <= sum_k p~_k u_k^q <= ||p~||_r, p~ = p with p_m, p_j both (a+b)/2; and "
        "||p||_r - ||p~||_r >= D/r, D = a^r + b^r - 2((a+b)/2)^r (mean value, norms <= 1). "
        f"{step}. The inverse t -> (A t)^e is concave (Jensen over x).",
        data={"coefficient": A, "exponent": e},
        summary=f"R01 - R01* <= ({sp.sstr(A)} (R_L - R_L*))^({sp.sstr(e)})"
        + ("" if A.is_Rational else f", {sp.sstr(A)} = {Af:.6g}"),
        value={"form": "power", "coefficient": A, "exponent": e})


def _projection_bound(spec: LossSpec, n: int, c: sp.Expr, a: sp.Expr, name: str, samples: int,
                      seed: int, t0: float) -> CheckResult:
    """C_L = c‖u − a p‖² + const: R01 − R01* ≤ sqrt(2 (R_L − R_L*)/(c m²)) (docs/theory.md)."""
    m = a if a <= 1 else sp.Rational(1, n - 1)
    A = sp.nsimplify(simplify(2 / (c * m**2)))
    Af, af = float(A), float(a)
    why = ("a <= 1: a p needs no clipping, u* = a p + (1 - a)/K, so u*_m - u*_j = a eps"
           if a <= 1 else
           "a > 1: u* = (a p - tau)+; if j is in its support u*_m - u*_j = a eps >= eps, "
           "otherwise u*_m - u*_j = u*_m >= 1/(K-1) >= eps/(K-1) (the support has at most "
           "K - 1 classes)")
    half = sp.Rational(1, 2)
    return _sampled_bound(
        spec, n, samples, seed, name, t0,
        c_star=_c_star_at(spec, lambda P: _simplex_projection(af * P)),
        bound=lambda x: np.sqrt(Af * np.maximum(x, 0.0)),
        bound_text=f"sqrt({Af:.6g} x excess L)", method="projection",
        proof=f"L = A(u_y) + sum_(k!=y) B(u_k) with B'' = {sp.sstr(2 * c)} and (A - B)' = "
        f"{sp.sstr(-2 * c * a)} (proved), so C_L(p,u) = c ||u - a p||^2 + const(p), c = "
        f"{sp.sstr(c)}, a = {sp.sstr(a)}: the minimiser u* is the projection of a p onto the "
        "simplex and C_L(p,u) - C_L*(p) >= c ||u - u*||^2 (obtuse angle at a projection). It "
        "keeps the order of p. With m = argmax p, j = argmax u (u_j >= u_m), eps = p_m - p_j: "
        "||u - u*|| >= (u*_m - u*_j)/sqrt(2), and " + why + f"; so eps <= sqrt(2/c) "
        f"||u - u*|| / {sp.sstr(m)}. sqrt is concave (Jensen over x).",
        data={"coefficient": A, "exponent": half},
        summary=f"R01 - R01* <= ({sp.sstr(A)} (R_L - R_L*))^(1/2)",
        value={"form": "power", "coefficient": A, "exponent": half})


def check_excess_risk_bound(spec: LossSpec, n_classes: int, *, samples: int = 20000,
                            seed: int = 0) -> CheckResult:
    """An excess-risk bound R_01 − R_01* ≤ ψ⁻¹(R_L − R_L*), pointwise in x, with a proof: the
    first of :data:`EXCESS_RISK_RULES` that applies (the engine registers each as a rule).

    Concave decreasing ℓ: (K/Δ)(R_L − R_L*) (chord argument). ℓ = −c log u + d (CE):
    sqrt(2 (R_L − R_L*)/c) (Pinsker); ℓ = −α log u − b u + d, b > 0 (SCE): sqrt(2 (R_L − R_L*)/α)
    (Pinsker on two classes). ℓ = c(1 − u^q)/q + d, 0 < q < 1 (GCE):
    (A (R_L − R_L*))^e (Hölder). C_L = c‖u − a·p‖² + const (MSE, AMSE): sqrt(A (R_L − R_L*))
    (projection onto the simplex). Otherwise UNDECIDED.
    """
    for step in EXCESS_RISK_RULES:
        out = step(spec, n_classes, samples=samples, seed=seed)
        if out is not None:
            return out
    raise AssertionError("excess_risk_none always answers")  # pragma: no cover


def _samples(n: int, samples: int) -> int:
    # the Monte Carlo pairs cost samples x K numbers: keep about 2e6 of them at large K
    # (K = 1000: 2000 pairs; K = 10,000: 200, 2e6 numbers per array)
    return max(200, min(samples, 2_000_000 // n))


def _pair_samples(n: int, samples: int) -> int:
    # the pair routes' C_L* is iterated (a table inversion, or 2 x 400 descent steps): keep
    # about 1e5 numbers per array (K = 10: 5,000 pairs; K = 1000: 100; K = 10,000: 10)
    return max(10, min(samples // 4, 100_000 // n))


def _er_name(n: int) -> str:
    return "excess-risk"


def excess_risk_chord(spec: LossSpec, n: int, *, samples: int = 20000,
                      seed: int = 0) -> CheckResult | None:
    """Concave decreasing pointwise l: (K/Delta)(R_L - R_L*) by the chord argument."""
    c = excess_risk_constant(spec, n)
    if c is None:
        return None
    cf = float(c)
    ell = spec.pointwise_expr(n)
    l0, l1 = float(ell.subs(U, 0)), float(ell.subs(U, 1))
    return _sampled_bound(
        spec, n, _samples(n, samples), seed, _er_name(n), time.perf_counter(),
        c_star=lambda P: l1 * P.max(1) + l0 * (1 - P.max(1)),  # concave: the vertex e_argmax p
        bound=lambda e: cf * e, bound_text=f"{cf:.6g} x excess L", method="chord-argument",
        proof=f"l concave decreasing (proved): l lies above its chord, so C_L(p,u) - C_L*(p) >= "
        f"(Delta/K)(p_max - p_argmax u); constant K/Delta = {sp.sstr(c)} = {cf:.6g}.",
        data={"constant": c}, summary=f"R01 - R01* <= {cf:.6g} (R_L - R_L*)", value=c)


def excess_risk_pinsker(spec: LossSpec, n: int, *, samples: int = 20000,
                        seed: int = 0) -> CheckResult | None:
    """l = -c log u + d: sqrt(2 (R_L - R_L*)/c) by Pinsker's inequality."""
    c_log = log_loss_scale(spec, n)
    if c_log is None:
        return None
    return _log_bound(spec, n, c_log, sp.Integer(0), _er_name(n), _samples(n, samples), seed,
                      time.perf_counter())


def excess_risk_log_linear(spec: LossSpec, n: int, *, samples: int = 20000,
                           seed: int = 0) -> CheckResult | None:
    """l = -alpha log u - b u + d, b > 0 (SCE): sqrt(2 (R_L - R_L*)/alpha), two-class Pinsker."""
    loglin = log_linear_form(spec, n)
    if loglin is None:
        return None
    return _log_bound(spec, n, *loglin, _er_name(n), _samples(n, samples), seed,
                      time.perf_counter())


def excess_risk_power(spec: LossSpec, n: int, *, samples: int = 20000,
                      seed: int = 0) -> CheckResult | None:
    """l = c(1 - u^q)/q + d with 0 < q < 1 (GCE): (A (R_L - R_L*))^e by Hoelder."""
    power = power_loss_form(spec, n)
    if power is None:
        return None
    return _power_bound(spec, n, *power, _er_name(n), _samples(n, samples), seed,
                        time.perf_counter())


def excess_risk_projection(spec: LossSpec, n: int, *, samples: int = 20000,
                           seed: int = 0) -> CheckResult | None:
    """C_L = c ||u - a p||^2 + const (MSE, AMSE): sqrt(A (R_L - R_L*)) by projection."""
    quad = quadratic_form(spec, n)
    if quad is None:
        return None
    return _projection_bound(spec, n, *quad, _er_name(n), _samples(n, samples), seed,
                             time.perf_counter())


_PAIR_THETAS = (sp.Rational(1, 4), sp.Rational(1, 2), sp.Rational(3, 4), sp.Rational(9, 10))


def convex_pair_constant(spec: LossSpec, n: int) -> dict | None:
    """The constant c > 0 of C_L(p, u) − C_L*(p) ≥ c·ε², ε = p_m − p_argmax u, for a convex
    pointwise ℓ that is C² on [(1 − θ)/K, 1/2 + θ/K] and strictly decreasing at 1/2 + θ/K
    (docs/theory.md, "Excess-risk bounds"): moving mass t ≤ θ/K from j = argmax u to
    m = argmax p lowers the risk by at least ε t φ − M t²/2, φ = −ℓ′(1/2 + θ/K), M ≥ sup ℓ″
    (both certified by interval branch and bound), so c = min(φ²/(2M), θ φ/(2K)), the best
    over a few θ. None when ℓ is not proved convex, not smooth, has free parameters, or no θ
    gives φ > 0 with a finite M."""
    return _pair_constant(spec, n, convex=True)


def decreasing_pair_constant(spec: LossSpec, n: int) -> dict | None:
    """As :func:`convex_pair_constant` for a pointwise ℓ that need not be convex, strictly
    decreasing on [0, 1] (φ = −ℓ′ ≥ φ_min > 0 there) and C² on [(1 − θ)/K, 1/2 + θ/K] with
    |ℓ″| ≤ M: where y − x ≥ ρ = κε swapping u_m and u_j lowers the risk by ε(ℓ(x) − ℓ(y)) ≥
    κ φ_min ε²; where y − x < ρ the move of t ≤ θ/K lowers it by at least
    t ε (φ_min − Mκ/2) − M t²/2. With κ = min(φ_min/M, θ/K):
    c = min(φ_min²/(8M), θ φ_min/(4K), κ φ_min)."""
    return _pair_constant(spec, n, convex=False)


def _pair_constant(spec: LossSpec, n: int, *, convex: bool) -> dict | None:
    if not spec.is_pointwise:
        return None
    shape = check_shape(spec)
    if convex and shape.kind != "convex":
        return None
    ell = spec.pointwise_expr(n)
    if ell.free_symbols - {U} or ell != spec.pointwise_expr():
        return None  # a parameter left free, or an l that depends on K (its shape was not)
    if is_nonsmooth(ell):
        return None
    from ..provers.intervals import IntervalError, bound_extreme, to_rational

    d1 = sp.diff(ell, U)
    d2 = sp.diff(d1, U)
    errors = (IntervalError, ValueError, ZeroDivisionError, OverflowError)
    prepared: dict = {}

    def ranges(e, lo, hi, sides=("min", "max"), *, rel=1e-3, max_boxes=300):
        # (greatest sound lower bound of min, least sound upper bound of max) over equal forms
        # of e: a factored form often encloses far tighter near a pole. The branch and bound
        # stops at a tolerance relative to e's size there (l'' ~ 1e8 near u = 1/K at K = 1000)
        if e not in prepared:  # once per expression, not once per theta
            # factor only small rational functions of u (LDR-KL's l'): on a Gaussian bump's
            # derivative sympy's factor ran for minutes
            cheap = e.is_rational_function(U) and sp.count_ops(e) <= 60
            prepared[e] = (sp.lambdify(U, e, "numpy"),
                           tuple(dict.fromkeys((e, sp.factor(e)) if cheap else (e,))))
        f, forms = prepared[e]

        def size(x):
            try:
                with np.errstate(all="ignore"):
                    return abs(float(f(np.float64(x))))
            except (ArithmeticError, ValueError, TypeError):
                return np.nan

        pts = np.array([size(x) for x in (lo, (lo + hi) / 2, hi)])
        pts = pts[np.isfinite(pts)]
        tol = rel * (float(pts.max()) if pts.size else 1.0) + 1e-12
        mins, maxs = [-np.inf], [np.inf]
        for form in forms:
            for side, into in (("min", mins), ("max", maxs)):
                if side in sides:
                    try:
                        into.append(bound_extreme(form, U, lo, hi, maximize=side == "max",
                                                  tol=tol, max_boxes=max_boxes))
                    except errors:
                        pass
        return max(mins), min(maxs)

    if not convex:
        phi_all = ranges(-d1, 0, 1, ("min",))[0]
        if not np.isfinite(phi_all) or phi_all <= 0:
            return None
    best = None
    for theta in _PAIR_THETAS:
        if 2 * theta > n:
            continue
        lo, hi = (1 - theta) / n, sp.Rational(1, 2) + theta / n
        phi = ranges(-d1, hi, hi, ("min",), max_boxes=4)[0] if convex else phi_all
        r2 = ranges(d2, lo, hi, ("max",) if convex else ("min", "max"), rel=0.02)
        M = r2[1] if convex else max(r2[1], -r2[0])
        if convex and not (np.isfinite(phi) and phi > 0):
            continue
        if not np.isfinite(M):
            continue
        phi_q = to_rational(phi)
        M_q = to_rational(max(M, 0.0))
        if convex:
            c2 = theta * phi_q / (2 * n)
            c = c2 if M_q == 0 else min(phi_q**2 / (2 * M_q), c2)
        else:
            c2 = theta * phi_q / (4 * n)
            kappa = theta / n if M_q == 0 else min(phi_q / M_q, theta / n)
            c = min(c2, kappa * phi_q) if M_q == 0 else min(phi_q**2 / (8 * M_q), c2,
                                                             kappa * phi_q)
        if best is None or c > best["c"]:
            best = {"c": c, "theta": theta, "phi": phi_q, "M": M_q, "lo": lo, "hi": hi}
    return best


def _convex_minimiser(spec: LossSpec, n: int):
    """u*(p) of Σ_k p_k ℓ(u_k) on the simplex for a convex decreasing ℓ (numpy, per row): the
    KKT point u_k = ψ(λ/p_k) with ψ the inverse of φ = −ℓ′ (tabulated, clamped to [0, 1]) and
    λ bisected until Σ_k u_k = 1; rows renormalised onto the simplex."""
    ell = spec.pointwise_expr(n)
    phi = sp.lambdify(U, -sp.diff(ell, U), "numpy")
    g = np.unique(np.concatenate([np.linspace(0.0, 1.0, 8193), np.logspace(-14, -0.3, 3000),
                                  1.0 - np.logspace(-14, -0.3, 3000)]))
    with np.errstate(all="ignore"):
        f = np.asarray(np.broadcast_to(phi(g), g.shape), dtype=float)
    ok = np.isfinite(f)
    g, f = g[ok], np.maximum.accumulate(f[ok][::-1])[::-1]  # φ non-increasing, as proved
    xs, ys = f[::-1], g[::-1]  # increasing φ values -> decreasing u

    def psi(v):
        return np.interp(v, xs, ys, left=1.0, right=0.0)

    def minimiser(P):
        P = np.asarray(P, dtype=float)
        at = np.interp(1.0 / n, g, f)
        lo = np.zeros((len(P), 1))
        hi = np.maximum(P.max(1, keepdims=True) * at, 1e-300) * 2.0
        zero = ~(P > 0)
        R = np.empty_like(P)  # lambda / p_k, written in place (see _least_risk)
        with np.errstate(divide="ignore", invalid="ignore"):
            for _ in range(64):
                mid = 0.5 * (lo + hi)
                np.divide(mid, P, out=R)
                R[zero] = np.inf
                big = psi(R).sum(1, keepdims=True) > 1.0
                lo, hi = np.where(big, mid, lo), np.where(big, hi, mid)
            Us = psi(np.where(P > 0, hi / P, np.inf))
        return Us / Us.sum(1, keepdims=True)

    return minimiser


def _least_risk(spec: LossSpec, n: int, iters: int = 400):
    """C_L*(p) per row for a pointwise l that need not be convex (numpy): the least risk reached
    by exponentiated-gradient descent from two starts (p and a sharpened p) and at the vertex
    e_argmax p: an upper estimate of the infimum, used only by the Monte Carlo check. A descent
    stops after ``iters`` steps, or sooner once no row's risk has moved in 20 steps beyond
    1e-15 of its size (LDR-KL: converged to that level within 50 of the 400 steps, which cost
    1 s of CPU at K = 1000)."""
    ell = spec.pointwise_expr(n)
    f = sp.lambdify(U, ell, "numpy")
    phi = sp.lambdify(U, -sp.diff(ell, U), "numpy")

    def risk(P, Us):
        with np.errstate(all="ignore"):
            L = np.asarray(np.broadcast_to(f(Us), Us.shape), dtype=float)
        C = np.einsum("ik,ik->i", P, np.where(P > 0, L, 0.0))
        return np.where(np.isnan(C), np.inf, C)

    def c_star(P):
        P = np.asarray(P, dtype=float)
        vertex = np.zeros_like(P)
        vertex[np.arange(len(P)), np.argmax(P, 1)] = 1.0
        best = risk(P, vertex)
        # the step's arrays are made once and written in place (the same operations in the
        # same order, so the same numbers): a fresh (100, 1000) array per operation cost its
        # page faults again on every one of the 800 steps
        Us, T, G = (np.empty_like(P) for _ in range(3))
        for sharp in (1.0, 4.0):
            Z = sharp * np.log(np.maximum(P, 1e-300))
            last = None
            for i in range(iters):
                Z -= Z.max(1, keepdims=True)
                np.exp(Z, out=Us)
                Us /= Us.sum(1, keepdims=True)
                if i % 20 == 0:  # stop once no row's risk moves in 20 steps (rounding level)
                    now = risk(P, Us)
                    if last is not None and np.all(
                            np.abs(last - now) <= 1e-15 * (1.0 + np.abs(now))):
                        break
                    last = now
                np.maximum(Us, 1e-300, out=T)
                with np.errstate(all="ignore"):
                    np.multiply(P, np.asarray(np.broadcast_to(phi(T), T.shape), dtype=float),
                                out=G)
                np.nan_to_num(G, copy=False, nan=0.0, posinf=1e6)
                step = 0.5 / (1.0 + 0.01 * i)
                np.multiply(G, step, out=G)
                np.minimum(G, 30.0, out=G)
                np.log(T, out=Z)
                Z += G
            Z -= Z.max(1, keepdims=True)
            Us = np.exp(Z)
            best = np.minimum(best, risk(P, Us / Us.sum(1, keepdims=True)))
        return best

    return c_star


def _pair_bound(spec: LossSpec, n: int, pair: dict, samples: int, seed: int, c_star,
                method: str, proof) -> CheckResult:
    """sqrt(A (R_L - R_L*)) with A = 1/c rounded up, c from a pair route's ``pair``; ``proof``
    maps (A, c) to the certificate's text."""
    c = pair["c"]
    A = _round_up(1 / c)
    Af = float(A)
    half = sp.Rational(1, 2)
    return _sampled_bound(
        spec, n, _pair_samples(n, samples), seed, _er_name(n), time.perf_counter(),
        c_star=c_star, bound=lambda x: np.sqrt(Af * np.maximum(x, 0.0)),
        bound_text=f"sqrt({Af:.6g} x excess L)", method=method,
        proof=f"{proof(sp.sstr(A), float(c))} sqrt is concave (Jensen over x).",
        data={"coefficient": A, "exponent": half, "theta": pair["theta"],
              "phi_min": pair["phi"], "M": pair["M"]},
        summary=f"R01 - R01* <= ({sp.sstr(A)} (R_L - R_L*))^(1/2)",
        value={"form": "power", "coefficient": A, "exponent": half})


def excess_risk_convex_pair(spec: LossSpec, n: int, *, samples: int = 20000,
                            seed: int = 0) -> CheckResult | None:
    """Convex decreasing pointwise l: sqrt((R_L - R_L*)/c) by moving mass between two classes."""
    pair = convex_pair_constant(spec, n)
    if pair is None:
        return None
    th, lo, hi = pair["theta"], pair["lo"], pair["hi"]
    return _pair_bound(
        spec, n, pair, samples, seed, _c_star_at(spec, _convex_minimiser(spec, n)),
        "convex-pair", lambda A, c: (
            "l convex (proved). With m = argmax p, j = argmax u, eps = p_m - p_j, x = u_m <= "
            f"y = u_j (y >= 1/K, x <= 1/2): moving t <= theta/K = {sp.sstr(th / n)} from j to "
            "m stays in the simplex and lowers C_L(p, .) by int_0^t (p_m phi(x+s) - p_j "
            "phi(y-s)) ds >= eps t phi_min - M t^2/2 (phi = -l' non-increasing; where x+s > "
            f"y-s, phi(y-s) - phi(x+s) <= 2 M s with l'' <= M on [{sp.sstr(lo)}, "
            f"{sp.sstr(hi)}]; p_j <= 1/2), so C_L(p,u) - C_L*(p) >= c eps^2 with c = "
            f"min(phi_min^2/(2M), theta phi_min/(2K)): phi_min = -l'({sp.sstr(hi)}) >= "
            f"{float(pair['phi']):.6g}, M <= {float(pair['M']):.6g} (interval branch and "
            f"bound), c >= {c:.6g}, 1/c <= {A}."))


def excess_risk_decreasing_pair(spec: LossSpec, n: int, *, samples: int = 20000,
                                seed: int = 0) -> CheckResult | None:
    """Strictly decreasing pointwise l, not convex: sqrt((R_L - R_L*)/c), a swap where u_m and
    u_j are far apart, a move of mass where they are close."""
    pair = decreasing_pair_constant(spec, n)
    if pair is None:
        return None
    th, lo, hi = pair["theta"], pair["lo"], pair["hi"]
    return _pair_bound(
        spec, n, pair, samples, seed, _least_risk(spec, n), "decreasing-pair", lambda A, c: (
            "l strictly decreasing on [0, 1]: phi = -l' >= phi_min = "
            f"{float(pair['phi']):.6g} > 0 (interval branch and bound). With m = argmax p, "
            "j = argmax u, eps = p_m - p_j, x = u_m <= y = u_j (y >= 1/K, x <= 1/2) and "
            "kappa = min(phi_min/M, theta/K): if y - x >= kappa eps, swapping u_m and u_j "
            "lowers C_L(p, .) by eps (l(x) - l(y)) >= kappa phi_min eps^2; otherwise moving "
            f"t <= theta/K = {sp.sstr(th / n)} from j to m lowers it by >= t eps (phi_min - "
            f"M kappa/2) - M t^2/2, |l''| <= M = {float(pair['M']):.6g} on [{sp.sstr(lo)}, "
            f"{sp.sstr(hi)}] (interval branch and bound), p_j <= 1/2. So C_L(p,u) - C_L*(p) "
            f">= c eps^2 with c = min(phi_min^2/(8M), theta phi_min/(4K), kappa phi_min) >= "
            f"{c:.6g}, 1/c <= {A}."))


def _round_up(x: sp.Expr) -> sp.Rational:
    """x rounded up to 4 significant digits, as a rational (a larger constant is still a bound)."""
    import math

    xf = float(x)
    e = math.floor(math.log10(xf)) - 3
    q = sp.Rational(10) ** e
    r = sp.ceiling(sp.Rational(x) / q) * q
    return sp.Rational(r)


def excess_risk_none(spec: LossSpec, n: int, *, samples: int = 20000,
                     seed: int = 0) -> CheckResult:
    """Never a verdict: no derived bound applies."""
    return CheckResult(_er_name(n), Verdict.UNDECIDED,
                       "no bound established for this loss: the derived ones need a "
                       "concave decreasing pointwise l (K/Delta), l = -c log u + d "
                       "(Pinsker), l = -alpha log u - b u + d (two-class Pinsker), "
                       "l = c(1 - u^q)/q + d with 0 < q < 1 (Hoelder) or a "
                       "quadratic risk c ||u - a p||^2 (projection)",
                       estimate="not applicable")


EXCESS_RISK_RULES = (excess_risk_chord, excess_risk_pinsker, excess_risk_log_linear,
                     excess_risk_power, excess_risk_projection, excess_risk_convex_pair,
                     excess_risk_decreasing_pair, excess_risk_none)
"""The routes to an excess-risk bound in the order they are tried; the engine registers each
as a named rule (alfs_theory.checks.engine.rules)."""
