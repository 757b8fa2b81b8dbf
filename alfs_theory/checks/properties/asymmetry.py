"""Asymmetry on given weights, decided from the definition (theory.md, Definition 2).

L is asymmetric on weights w (unique largest w_t) when argmin_{u ∈ Δ_K} Σ_k w_k L(u, k)
= {e_t}. The decision ladder:

1. **Separable risks.** When Σ_y w_y L(u, y) = Σ_k φ_k(u_k) — every pointwise loss, and vector
   losses affine in their class sums (MSE, AMSE, ANL, ANL+RCE) — write
   φ_k = w_k A + (W − w_k) B with A, B fixed functions of one variable (W = Σ w). Then
   * A, B concave ⇒ the minimum sits at a vertex, and vertex e_i scores
     const + w_i β with β = (A(1) − A(0)) − (B(1) − B(0)): e_t is the unique minimiser of
     every weight vector with a unique maximum iff β < 0 (completely asymmetric);
   * A, B convex ⇒ e_t is optimal iff every directional derivative towards e_k is ≥ 0:
     D_k = φ_k′(0) − φ_t′(1) ≥ 0 (KKT); unique when all D_k > 0 or φ is strictly convex.
   Both are exact, with sympy numbers; violations come with a re-verified counterexample.
2. **Ratio test** (pointwise): (w_t / w_n) · r(ℓ) ≥ 1 is sufficient (T4, "if" direction).
3. **Complete asymmetry** (:func:`complete_asymmetry`): besides the concave separable case,
   a normalised loss L = N(u_y)/Σ_k N(u_k) at K = 2 (NCE, NFL, NGCE: the risk is
   w_s + (w_t − w_s)·N(s)/(N(s) + N(1 − s)), least only at s = u_t = 1), a smooth strictly
   decreasing pointwise ℓ of any curvature whose g = ℓ(0) − ℓ is superadditive (certified by
   :mod:`..provers.superadditive`: R(u) − R(e_t) ≥ (w_t − w_n) g(1 − u_t)), and a sum with
   non-negative weights of completely asymmetric parts (NCE+MAE, NFL+AGCE, ... at K = 2).
   A sum whose every part is proved asymmetric on the given w is asymmetric on w.
4. **Normalised (symmetric) losses at K ≥ 3** with a risk undefined at e_t (NCE: ∞/∞):
   Σ_k L(u, k) = C and L ≥ 0 give the lower bound C · min_k w_k, and a minimising sequence with
   the wrong argmax (one u_k → 0 for the class of least weight) witnesses the failure.
5. **Search**: vertices, edges towards e_t, random and optimised interior points; a point
   with risk below the risk at e_t refutes (re-verified at 50 digits; at K = 2, where the
   formula at e_t may be undefined, against the exact sympy limit of the risk there).
   Otherwise UNDECIDED.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ...errors import InputError
from ...spec import LossSpec, to_exact
from ...symbols import K, U, V, simplify
from ..provers.pieces import NONSMOOTH, is_nonsmooth, split_pieces
from ..verdict import Certificate, CheckResult, Counterexample, Verdict, simplex_text
from .shape import curvature_of, end_slope, end_value, sign_on_unit

__all__ = [
    "SeparableForm",
    "Complete",
    "WEIGHT_RULES",
    "WeightsProblem",
    "check_asymmetric_on_weights",
    "complete_asymmetry",
    "exact_weights",
    "finite_ends",
    "lsc_ends",
    "rest_of_sum",
    "risk_search",
    "separable_form",
    "simplex_reduced",
    "sum_with_normalised_complete",
    "sum_with_normalised_on_weights",
    "weights_bounded_normalised",
    "weights_complete",
    "weights_kkt",
    "weights_normalised_sequence",
    "weights_normalised_sum",
    "weights_parts",
    "weights_problem",
    "weights_envelope",
    "weights_negative_tie",
    "weights_normalised_negative",
    "weights_ratio_test",
    "weights_search",
    "weights_vertex",
]


def exact_weights(w: Sequence) -> list[sp.Rational]:
    exact: dict = {}  # one conversion per distinct object (K = 10,000 repeats a few)
    ws = []
    for x in w:
        key = id(x)  # w holds x alive, so ids are not reused during the loop
        if key not in exact:
            exact[key] = to_exact(x)
        ws.append(exact[key])
    if len(ws) < 2:
        raise InputError(f"weights need at least 2 classes, got {len(ws)}")
    if any(x < 0 for x in dict.fromkeys(ws)):
        raise InputError(f"weights must be >= 0, got {weights_text(ws)}")
    return ws


def float_weights(ws: Sequence) -> list[float]:
    """The weights as floats, one conversion per distinct value."""
    memo: dict = {}  # keyed by identity: hashing a sympy Float costs more than float()
    out = []
    for x in ws:
        v = memo.get(id(x))
        if v is None:
            v = memo[id(x)] = float(x)
        out.append(v)
    return out


def weights_text(ws: Sequence, digits: int = 4) -> str:
    """``(0.6, 0.1, 0.1, 0.2)``; beyond 12 classes runs of equal weights are counted:
    ``(0.0501, 9.5e-05 x 9999)``."""
    fs = float_weights(ws)
    if len(fs) <= 12:
        return "(" + ", ".join(f"{x:.{digits}g}" for x in fs) + ")"
    parts, i = [], 0
    while i < len(fs):
        j = i
        while j + 1 < len(fs) and fs[j + 1] == fs[i]:
            j += 1
        parts.append(f"{fs[i]:.{digits}g}" + (f" x {j - i + 1}" if j > i else ""))
        i = j + 1
    if len(parts) > 12:
        parts = parts[:6] + [f"... {len(parts) - 12} runs ..."] + parts[-6:]
    return "(" + ", ".join(parts) + ")"


def _top(ws: list) -> int:
    from collections import Counter

    count = Counter(ws)  # hashes, not K sympy comparisons
    m = max(count)
    idx = [i for i, x in enumerate(ws) if x == m] if count[m] > 1 else [ws.index(m)]
    if len(idx) > 1:
        raise InputError(
            f"the definition needs a unique largest weight; classes {idx} tie at {float(m):g}. "
            "Break the tie (a weight vector with one strict maximum) to ask the question."
        )
    return idx[0]


# ------------------------------------------------------------------------- separable form
@dataclass(frozen=True)
class SeparableForm:
    """φ_k = w_k A + (W − w_k) B on [0, 1]; shapes of A and B with their evidence."""

    A: sp.Expr
    B: sp.Expr
    shape: str  # "concave", "convex", "mixed"
    strict: bool
    evidence: str


def simplex_reduced(spec: LossSpec, n_classes: int) -> sp.Expr:
    """L(u, y) at K = n_classes with bound values, and every class sum whose summand is
    c0 + c1·v replaced by its value on the simplex, K·c0 + c1 (Σ_k u_k = 1)."""
    expr = spec.subs_values(spec.expr).subs(K, n_classes)
    for s, g in spec.summands():
        g = sp.expand(g.subs(K, n_classes))
        c1 = sp.diff(g, V)
        if not c1.has(V) and not (g - c1 * V).has(V):
            expr = expr.subs(s, n_classes * (g - c1 * V) + c1)
    return expr


def separable_form(spec: LossSpec, n_classes: int) -> SeparableForm | None:
    """The separable decomposition of a bound spec at K = n_classes, or None."""
    key = ("separable", n_classes)
    if key in spec._cache:
        return spec._cache[key]
    expr = simplex_reduced(spec, n_classes)
    sum_syms = [s for s, _ in spec.sums]
    coeffs = []
    for s in sum_syms:
        c = sp.diff(expr, s)
        if c.free_symbols & ({U} | set(sum_syms)):
            spec._cache[key] = None
            return None
        coeffs.append(c)
    h = sp.expand(expr - sum(c * s for c, s in zip(coeffs, sum_syms)))
    if h.free_symbols & set(sum_syms):
        spec._cache[key] = None
        return None
    B = sum((c * g.subs(K, n_classes).subs(V, U) for c, (_, g) in zip(coeffs, spec.summands())),
            sp.Integer(0))
    A = h + B
    shapes = []
    strict = True
    notes = []
    for name, f in (("A", A), ("B", B)):
        c = curvature_of(f, spec, name=name, check="separable")
        shapes.append(c.kind)
        strict = strict and c.strict
        notes.append({"linear": f"{name}'' = 0",
                      "unknown": f"{name}: curvature not proved"}.get(
            c.kind, f"{name} {c.kind} ({c.certificate.method if c.certificate else ''})"))
    kinds = set(shapes) - {"linear"}
    if B == 0:
        kinds = set(shapes[:1]) - {"linear"}
    if not kinds:
        shape = "linear"
    elif kinds == {"convex"}:
        shape = "convex"
    elif kinds == {"concave"}:
        shape = "concave"
    else:
        shape = "mixed"
    if shape == "linear":
        strict = False
    # a strictly convex A with linear/convex B gives strictly convex φ_k whenever w_k > 0
    if shape == "convex" and shapes[0] == "convex" and not strict and not is_nonsmooth(A):
        strict = sign_on_unit(simplify(sp.diff(A, U, 2)), spec, sign="positive", strict=True,
                              check="separable", what="A'' > 0").verdict is Verdict.PROVED
    form = SeparableForm(simplify(A), simplify(B), shape, strict, "; ".join(notes))
    spec._cache[key] = form
    return form


def _mul(w: sp.Expr, x: sp.Expr) -> sp.Expr:
    """w·x with 0·∞ = 0 (a class of zero weight contributes nothing)."""
    return sp.Integer(0) if w == 0 else w * x


def _phi_prime_ends(form: SeparableForm):
    return (end_slope(form.A, 0), end_slope(form.A, 1), end_slope(form.B, 0),
            end_slope(form.B, 1))


def _ends(form: SeparableForm):
    return end_value(form.A, 0), end_value(form.A, 1), end_value(form.B, 0), end_value(form.B, 1)


def finite_ends(form: SeparableForm) -> bool:
    """A and B finite at u = 0 and u = 1 as written (no limits taken) and continuous on
    [0, 1]: then the separable risk is finite and continuous on the closed simplex. A smooth
    expression finite at both ends is continuous between them; a non-smooth one (piecewise,
    min, max, ...) must be proved continuous from its exact pieces."""
    if not all(e.is_finite for e in (form.A.subs(U, 0), form.A.subs(U, 1), form.B.subs(U, 0),
                                     form.B.subs(U, 1))):
        return False
    for f in (form.A, form.B):
        if is_nonsmooth(f):
            P = split_pieces(f, U)
            if P is None or P.continuity()[0] is not True:
                return False
    return True


def lsc_ends(form: SeparableForm) -> bool:
    """A and B smooth, finite at u = 1 and finite or +oo at u = 0 (the one-sided limit, as
    -log u): then the separable risk is lower semicontinuous on the closed simplex with values
    in (-oo, +oo], bounded below, and finite inside it (a minimum over a compact set is
    attained). Weaker than :func:`finite_ends`, which the vertex and T2 rules need."""
    if is_nonsmooth(form.A) or is_nonsmooth(form.B):
        return False
    for f in (form.A, form.B):
        v0, v1 = end_value(f, 0), end_value(f, 1)
        if v0 is None or v1 is None or not v1.is_finite:
            return False
        if not (v0.is_finite or v0 == sp.oo):
            return False
    return True


def kkt_margins(form: SeparableForm, ws: list, t: int) -> list:
    """D_k = φ_k′(0) − φ_t′(1) for k ≠ t (convex case); ≥ 0 for all k ⇔ e_t optimal."""
    A0, A1, B0, B1 = _phi_prime_ends(form)
    W = sum(ws)
    rhs = _mul(ws[t], A1) + _mul(W - ws[t], B1)
    memo: dict = {}  # D_k depends on w_k only: one simplify per distinct weight (K = 1000)

    def margin(wk):
        if wk not in memo:
            memo[wk] = simplify(_mul(wk, A0) + _mul(W - wk, B0) - rhs)
        return memo[wk]

    return [None if k == t else margin(ws[k]) for k in range(len(ws))]


def vertex_beta(form: SeparableForm) -> sp.Expr:
    """β = (A(1) − A(0)) − (B(1) − B(0)); vertex e_i scores const + w_i β (concave case)."""
    A0, A1, B0, B1 = _ends(form)
    return simplify((A1 - A0) - (B1 - B0))


# ------------------------------------------------------------------------- counterexamples
def _vertex(n: int, i: int) -> list:
    return [1 if k == i else 0 for k in range(n)]


def _mp_weights(ws: list) -> list:
    """Exact weights as mpf at the working precision."""
    exact: dict = {}  # one division per distinct object (K = 10,000 repeats a few)
    for x in ws:
        if id(x) not in exact:
            r = sp.Rational(x)
            exact[id(x)] = mpmath.mpf(r.p) / r.q
    return [exact[id(x)] for x in ws]


def _mp_list(xs, via_str: bool) -> list:
    """xs as mpf numbers (``mpf(str(x))`` or ``mpf(x)``; mpf entries kept), each distinct
    entry converted once: a point at K = 1,000 has a few distinct coordinates."""
    done: dict = {}
    out = []
    for x in xs:
        if isinstance(x, mpmath.mpf):
            out.append(x)
            continue
        key = (type(x), x)
        v = done.get(key)
        if v is None:
            v = done[key] = mpmath.mpf(str(x)) if via_str else mpmath.mpf(x)
        out.append(v)
    return out


def _verified(spec: LossSpec, ws: list, u_bad: list, u_ref: list, *, strict: bool = True,
              dps: int = 50):
    """Risk at u_bad vs u_ref at ``dps`` digits (50 unless a move of 1e-640 needs more);
    returns (ok, r_bad, r_ref)."""
    with mpmath.workdps(dps):
        wf = _mp_weights(ws)
        r_bad = spec.mp_risk(wf, _mp_list(u_bad, True), dps)
        r_ref = spec.mp_risk(wf, _mp_list(u_ref, False), dps)
        if mpmath.isnan(r_bad) or mpmath.isnan(r_ref):
            return False, r_bad, r_ref
        ok = r_bad < r_ref if strict else r_bad <= r_ref
        return bool(ok), r_bad, r_ref


def two_class_vertex_limit(spec: LossSpec, ws: list, t: int) -> sp.Expr | None:
    """K = 2: lim_{u_t -> 1-} of the risk, exact (sympy), where the formula at e_t itself is
    undefined (NCE: ∞/∞). On the 1-D simplex this limit is the risk extended by continuity, the
    value a counterexample must beat. None when sympy cannot take it."""
    key = ("vertex-limit", tuple(ws), t)
    if key in spec._cache:
        return spec._cache[key]
    s = sp.Symbol("s", positive=True)
    risk = sp.Integer(0)
    for y in range(2):
        e, us = spec.vector_expr(2, y)
        u = [s, 1 - s] if t == 0 else [1 - s, s]
        risk += ws[y] * e.subs(dict(zip(us, u)))
    try:
        lim = sp.limit(risk, s, 1, "-")
    except Exception:  # noqa: BLE001 - sympy fails in many ways on exotic limits
        lim = None
    if lim is not None and not (lim.is_number and lim.is_finite):
        lim = None
    spec._cache[key] = lim
    return lim


_STEEP = tuple(40 * 2 ** i for i in range(11))  # moves 1e-40 ... 1e-40960


def _edge_counterexample(spec, ws, t, k, strict=True, steep=False):
    """A point on the edge e_t -> e_k (or towards the weights themselves, which keeps every
    weighted class's mass positive) with risk below (or equal to) the risk at e_t. ``steep``
    (a margin D_k = -oo, as for phi'(0) = -oo) goes on to moves d = 1e-40 ... 1e-40960, each
    at d's digits + 50: the gain w_k (phi(0) - phi(d)) ~ d log(1/d) outgrows the cost
    w_t |phi'(1)| d only as log(1/d) exceeds w_t/w_k (about 500 at K = 10,000)."""
    n = len(ws)
    W = sum(ws)
    moves = [(d, 50) for d in (0.5, 0.25, 0.1, 0.03, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-12,
                               1e-20)]
    ladders = [moves]
    if steep:  # the costly moves (up to 41,000 digits) after the cheap ones of a direction
        ladders.append([(mpmath.power(10, -e), 50 + e) for e in _STEEP])
    # a direction skips the steep ladder where every cheap move had risk +oo (a class of
    # weight > 0 at u_j = 0 with L = +oo there: CE, FL, label smoothing at K >= 3, whatever
    # d is) and the weights' direction is no move at all when w = e_t
    at_vertex = all(ws[j] == 0 for j in range(n) if j != t)
    frac: dict = {}  # w / W exactly, once per distinct weight (K = 10,000 repeats a few)
    for direction in ("edge", "weights"):
        if direction == "weights" and at_vertex:
            continue
        finite = False
        for steep_move, lad in enumerate(ladders):
            if steep_move and not finite:
                continue
            for d, dps in lad:
                with mpmath.workdps(dps):
                    dd = mpmath.mpf(d)
                    if direction == "edge":
                        u = [mpmath.mpf(0)] * n
                        u[t] = 1 - dd
                        u[k] = dd
                    else:
                        step: dict = {}  # dd * w / W at this precision, per distinct weight
                        u = []
                        for w in ws:
                            v = step.get(w)
                            if v is None:
                                r = frac.get(w)
                                if r is None:
                                    r = frac[w] = sp.Rational(w / W)
                                v = step[w] = dd * mpmath.mpf(r.p) / r.q
                            u.append(v)
                        u[t] += 1 - dd
                ok, rb, rr = _verified(spec, ws, u, _vertex(n, t), strict=strict, dps=dps)
                if ok:
                    return u, rb, rr, d
                finite |= bool(rb != mpmath.inf)
    return None


def _ce(u, rb, rr, what: str) -> Counterexample:
    pt = {f"u{k}": float(x) for k, x in enumerate(u)}
    return Counterexample(
        point=pt,
        detail=f"{what}: risk {mpmath.nstr(rb, 12)} at u = {simplex_text(u)} vs "
               f"{mpmath.nstr(rr, 12)} at e_t",
        values={"risk_at_point": mpmath.nstr(rb, 25), "risk_at_e_t": mpmath.nstr(rr, 25)},
    )


def risk_search(spec: LossSpec, w: np.ndarray, t: int, *, seed: int = 0, n_random: int = 4000):
    """Numeric search for the lowest risk over the simplex; returns (best u, best risk).

    Vertices and edges from e_t are taken at one class per distinct weight (classes of equal
    weight are exchangeable), random points are capped at about 1.6e6 numbers, and the local
    refinement is Nelder-Mead in the softmax coordinates at K <= 30, random local moves beyond
    (Nelder-Mead in 10,000 dimensions neither converges nor fits a budget)."""
    from ..simplex import (
        dirichlet_block,
        edges,
        local_iters,
        local_moves_many,
        random_size,
        representatives,
        unit_rows,
    )

    n = len(w)
    reps = representatives(w, n, t)
    cands = [unit_rows(n, [t, *reps])]
    # the points a fresh default_rng(seed) draws, drawn once for every probe of a check
    cands.append(dirichlet_block(n, random_size(n, n_random // 4), int(seed),
                                 (0.1, 0.5, 1.0, 5.0)))
    ds = np.concatenate([np.logspace(-12, -1, 12), np.linspace(0.1, 0.9, 9)])
    cands.append(edges(n, t, reps, ds))
    U_ = np.concatenate(cands)
    with np.errstate(all="ignore"):
        r = spec.risk(w, U_)
    r = np.where(np.isnan(r), np.inf, r)
    order = np.argsort(r)[:5]
    best_u, best_r = U_[order[0]], r[order[0]]
    if n > 30:
        for p in local_moves_many(spec, w, U_[order[:3]], iters=local_iters(n), seed=seed):
            with np.errstate(all="ignore"):
                v = float(spec.risk(w, p))
            if np.isfinite(v) and v < best_r:
                best_u, best_r = p, v
        return best_u, float(best_r)
    try:
        from scipy.optimize import minimize

        for i in order:
            z0 = np.log(np.clip(U_[i], 1e-12, None))

            def f(z):
                zz = z - z.max()
                p = np.exp(zz) / np.exp(zz).sum()
                with np.errstate(all="ignore"):
                    v = float(spec.risk(w, p))
                return v if np.isfinite(v) else 1e300

            res = minimize(f, z0, method="Nelder-Mead",
                           options={"maxiter": 400 * n, "xatol": 1e-10, "fatol": 1e-14})
            zz = res.x - res.x.max()
            p = np.exp(zz) / np.exp(zz).sum()
            if res.fun < best_r:
                best_u, best_r = p, res.fun
    except Exception:  # pragma: no cover - optional refinement only
        pass
    return best_u, float(best_r)


# ------------------------------------------------------------------------- the decision
@dataclass
class WeightsProblem:
    """One question "is argmin_u sum_k w_k L(u, k) = {e_t}?" as the weight rules see it: the
    exact weights, the top class, the ratio verdict for the ratio test, and ``done`` building
    the finding with the weights and the ratio test's note in its summary."""

    spec: LossSpec
    ws: list
    t: int
    n: int
    ratio: CheckResult | None
    search: bool
    seed: int
    t0: float
    value: dict
    note: str = ""

    def done(self, verdict, summary, **kw) -> CheckResult:
        wtxt = weights_text(self.ws)
        return CheckResult("asymmetric-on", verdict, f"w = {wtxt}: {summary}{self.note}",
                           seconds=time.perf_counter() - self.t0, value=self.value, **kw)

    @property
    def form(self) -> SeparableForm | None:
        return separable_form(self.spec, self.n)


def weights_problem(spec: LossSpec, weights: Sequence, *, ratio: CheckResult | None = None,
                    search: bool = True, seed: int = 0) -> WeightsProblem:
    """The problem for :data:`WEIGHT_RULES`, with the ratio test of T4 reported beside the
    decision (sufficient only; exact for convex l)."""
    ws = exact_weights(weights)
    t = _top(ws)
    value = {"weights": float_weights(ws), "t": t}
    note = ""
    if spec.is_pointwise and ratio is not None and ratio.verdict is Verdict.PROVED:
        r_lo = ratio_lower(ratio)
        wn = max(x for i, x in enumerate(ws) if i != t)
        if r_lo is not None:
            lhs = float(ws[t] / wn) * r_lo if wn else float("inf")
            value["ratio_test"] = {"lhs": lhs, "passes": lhs >= 1}
            note = f" [ratio test (w_t/w_n) r = {lhs:.4g}: {'passes' if lhs >= 1 else 'fails'}]"
    return WeightsProblem(spec, ws, t, len(ws), ratio, search, seed, time.perf_counter(),
                          value, note)


def weights_vertex(P: WeightsProblem) -> CheckResult | None:
    """Separable concave (or affine) risk: its minimum is at a vertex; vertex e_i scores
    const + w_i*beta, so beta < 0 proves e_t, beta >= 0 refutes with a vertex."""
    form = P.form
    if form is None or form.shape not in ("concave", "linear"):
        return None
    ws, t, n = P.ws, P.t, P.n
    beta = vertex_beta(form)
    if beta.is_negative:
        cert = Certificate(
            "vertex-comparison",
            f"risk = sum_k phi_k(u_k) with phi concave ({form.evidence}); min at a vertex; "
            f"vertex e_i scores const + w_i*beta with beta = {sp.sstr(beta)} < 0, least at "
            "the unique largest weight: completely asymmetric",
            {"beta": beta},
        )
        return P.done(Verdict.PROVED, "argmin = {e_t} (vertex argument)", certificate=cert)
    # beta >= 0: a vertex with smaller weight scores no worse
    k = min((i for i in range(n) if i != t), key=lambda i: ws[i])
    ok, rb, rr = _verified(P.spec, ws, _vertex(n, k), _vertex(n, t), strict=False)
    if ok:
        return P.done(Verdict.REFUTED, f"vertex e_{k} scores {mpmath.nstr(rb, 10)} <= "
                      f"{mpmath.nstr(rr, 10)} at e_t (beta = {sp.sstr(beta)} >= 0)",
                      counterexample=_ce(_vertex(n, k), rb, rr, f"vertex e_{k}"))
    return None


def weights_kkt(P: WeightsProblem) -> CheckResult | None:
    """Separable convex risk: e_t is the minimiser iff every KKT margin D_k >= 0 (> 0, or = 0
    with phi strictly convex); a negative margin is refuted along its edge."""
    form = P.form
    if form is None or form.shape != "convex":
        return None
    ws, t, n, spec = P.ws, P.t, P.n, P.spec
    D = kkt_margins(form, ws, t)
    neg = [k for k in range(n) if k != t and (D[k].is_negative or D[k] == -sp.oo)]
    if not neg and all(D[k].is_nonnegative for k in range(n) if k != t):
        zero = [k for k in range(n) if k != t and D[k] == 0]
        if not zero or form.strict:
            cert = Certificate(
                "kkt",
                f"risk = sum_k phi_k(u_k), phi convex ({form.evidence}); directional "
                f"derivatives from e_t: min_k D_k = "
                f"{sp.sstr(min((D[k] for k in range(n) if k != t), key=lambda x: float(x)))}"
                + (" (= 0 with phi strictly convex: still the unique minimiser)" if zero
                   else " > 0"),
                {"D": [None if d is None else d for d in D]},
            )
            return P.done(Verdict.PROVED, "argmin = {e_t} (KKT at e_t)", certificate=cert)
        found = _edge_counterexample(spec, ws, t, zero[0], strict=False)
        if found:
            u, rb, rr, d = found
            return P.done(Verdict.REFUTED, f"D_{zero[0]} = 0 and phi not strictly convex: "
                          "the risk ties along the edge", counterexample=_ce(u, rb, rr, "tie"))
    if neg:
        k = neg[0]
        found = _edge_counterexample(spec, ws, t, k, steep=D[k] == -sp.oo)
        if found:
            u, rb, rr, d = found
            return P.done(
                Verdict.REFUTED,
                f"moving mass d = {mpmath.nstr(mpmath.mpf(d), 3)} from e_t to e_{k} lowers the risk "
                f"(D_{k} = {sp.sstr(D[k])} < 0)",
                counterexample=_ce(u, rb, rr, f"edge e_t -> e_{k}"))
    return None


def weights_complete(P: WeightsProblem) -> CheckResult | None:
    """A completely asymmetric loss (complete_asymmetry) is asymmetric on every w."""
    full = complete_asymmetry(P.spec, P.n)
    if full is None:
        return None
    return P.done(Verdict.PROVED, "argmin = {e_t} (completely asymmetric)",
                  certificate=full.certificate)


def weights_parts(P: WeightsProblem) -> CheckResult | None:
    """A sum of parts each proved asymmetric on w is asymmetric on w."""
    cert = _parts_on_weights(P.spec, P.ws)
    if cert is None:
        return None
    return P.done(Verdict.PROVED, "argmin = {e_t} (every part of the sum)", certificate=cert)


def weights_ratio_test(P: WeightsProblem) -> CheckResult | None:
    """T4's sufficient condition for a pointwise loss: (w_t/w_n) r(l) >= 1."""
    spec, ratio, ws, t = P.spec, P.ratio, P.ws, P.t
    if not (spec.is_pointwise and ratio is not None and ratio.verdict is Verdict.PROVED):
        return None
    lo = ratio_lower(ratio)
    if lo is None:
        return None
    wn = max(x for i, x in enumerate(ws) if i != t)
    if wn == 0 or float(ws[t] / wn) * lo >= 1:
        cert = Certificate(
            "ratio-test",
            f"(w_t/w_n) * r = {float(ws[t] / wn) if wn else float('inf'):.6g} * "
            f"{lo:.6g} >= 1 (T4, sufficient)", {"r_lower": lo})
        return P.done(Verdict.PROVED, "argmin = {e_t} (ratio test)", certificate=cert)
    return None


def weights_envelope(P: WeightsProblem) -> CheckResult | None:
    """A pointwise, proved non-increasing, continuous l of any curvature (smooth, or in exact
    smooth pieces): R(u) - R(e_t) bounded
    below on a grid of s = 1 - u_t by enclosures of l and l' (the other classes' best split of
    s is a knapsack over the concave hull of g = l(0) - l(x)'s bound), and near e_t by the KKT
    margin made uniform (:func:`~alfs_theory.checks.provers.envelope.envelope_asymmetry`).
    Proves only; a bound that fails says nothing."""
    spec = P.spec
    if not spec.is_pointwise:
        return None
    from .shape import check_decreasing

    ell = spec.pointwise_expr(P.n)
    if ell.free_symbols - {U} or check_decreasing(spec).verdict is not Verdict.PROVED:
        return None
    pieces: list | sp.Expr = ell
    if is_nonsmooth(ell):  # continuous pieces: each branch's slopes bound l's at the kinks
        split = split_pieces(ell, U)
        if split is None or split.jumps():
            return None
        pieces = split.intervals()
        if any(br.has(*NONSMOOTH) for _, _, br in pieces):
            return None
    from ..provers.envelope import envelope_asymmetry

    proof = envelope_asymmetry(spec, pieces, P.ws, P.t)
    if proof is None:
        return None
    cert = Certificate("envelope", proof.text(), {"grid": proof.n_grid, "s0": proof.s0,
                                                  "min_gap": proof.min_gap})
    return P.done(Verdict.PROVED, "argmin = {e_t} (monotone envelope)", certificate=cert)


def weights_clean_parts(P: WeightsProblem) -> CheckResult | None:
    """Clean weights (w = e_t) on a vector loss L(u, t) = A(u_t) + sum_j c_j sum_k g_j(u_k):
    with A strictly decreasing and every c_j g_j concave on [0, 1], each class sum is least at
    every vertex alike (a concave function on the simplex; all vertices give c_j (g_j(1) +
    (K-1) g_j(0))) and A(u_t) > A(1) unless u_t = 1, so e_t is the unique minimiser (soft
    bootstrapping, CE + an l_p regulariser with p < 1)."""
    spec, n, t = P.spec, P.n, P.t
    if spec.is_pointwise or [i for i, w in enumerate(P.ws) if w != 0] != [t]:
        return None
    S = [sym for sym, _ in spec.sums]
    e = sp.expand(spec.subs_values(spec.expr).subs(K, n))
    A = e.subs({sym: 0 for sym in S})
    cs = [sp.diff(e, sym) for sym in S]
    if any(c.free_symbols & ({U, *S}) for c in cs):
        return None  # not linear in the class sums, or a coefficient depends on u_t
    if simplify(e - A - sum(c * sym for c, sym in zip(cs, S))) != 0:
        return None
    if A.free_symbols - {U} or is_nonsmooth(A):
        return None
    steps = []
    for c, (sym, g) in zip(cs, spec.summands()):
        h = (c * g.subs(K, n)).subs(V, U)
        if h.free_symbols - {U} or is_nonsmooth(h):
            return None
        h0, h1 = end_value(h, 0), end_value(h, 1)
        if h0 is None or h1 is None or not (h0.is_finite and h1.is_finite):
            return None
        conc = sign_on_unit(sp.diff(h, U, 2), spec, sign="negative", strict=False,
                            check="asymmetric-on", what=f"({sp.sstr(c)})*g''")
        if conc.verdict is not Verdict.PROVED:
            return None
        steps.append(f"{sp.sstr(c)}*{sym} with {sp.sstr(c)}*g concave on [0, 1] "
                     f"(({sp.sstr(c)})*g'' <= 0: {conc.certificate.method}), each vertex "
                     f"{sp.sstr(simplify(h1 + (n - 1) * h0))}")
    dA = sp.diff(A, U)
    if simplify(dA) == 0:
        return None
    a1 = end_value(A, 1)
    if a1 is None or not a1.is_finite:
        return None
    dec = sign_on_unit(dA, spec, sign="negative", strict=False, check="asymmetric-on",
                       what="A'")
    if dec.verdict is not Verdict.PROVED:
        return None
    cert = Certificate(
        "clean-parts",
        f"w = e_t: the risk is L(u, t) = A(u_t) + sum_j c_j sum_k g_j(u_k) with A = "
        f"{sp.sstr(A)}, A' <= 0 on [0, 1] ({dec.certificate.method}) and not identically 0 "
        "(analytic, so A is strictly decreasing); "
        + "; ".join(steps) + ": a concave class sum is least at the vertices, all equal, and "
        "A(u_t) > A(1) unless u_t = 1, so e_t is the unique minimiser")
    return P.done(Verdict.PROVED, "argmin = {e_t} (clean weights: decreasing part + concave "
                  "class sums)", certificate=cert)


def weights_normalised_sum(P: WeightsProblem) -> CheckResult | None:
    """NCE/NFL + parts: every minimising sequence converges to e_t (proof), or a point below
    the liminf of the risk at e_t (refutation)."""
    cert = sum_with_normalised_on_weights(P.spec, P.ws)
    if cert is not None:
        return P.done(Verdict.PROVED, "every minimising sequence converges to e_t (normalised "
                      "part + asymmetric parts)", certificate=cert)
    found = _sum_with_normalised_refute(P.spec, P.ws, P.t)
    if found is None:
        return None
    u, rb, rr, how = found
    ce = Counterexample(
        point={f"u{k}": mpmath.nstr(x, 8) for k, x in enumerate(u)},
        detail=(f"{how}: risk {mpmath.nstr(rb, 12)} < {mpmath.nstr(rr, 12)} = the liminf "
                "of the risk at e_t (normalised parts at min_k w_k, the rest at e_t)"),
        values={"risk_at_point": mpmath.nstr(rb, 25), "risk_at_e_t": mpmath.nstr(rr, 25)})
    return P.done(Verdict.REFUTED, "a point below the liminf of the risk at e_t",
                  counterexample=ce)


def weights_bounded_normalised(P: WeightsProblem) -> CheckResult | None:
    """A normalised loss with N(0) finite at K >= 3: asymmetric exactly on the w whose other
    entries are equal; otherwise an edge move lowers the risk."""
    got = bounded_normalised(P.spec, P.ws, P.t) if P.n >= 3 else None
    if got is None:
        return None
    if got[0] == "PROVED":
        return P.done(Verdict.PROVED, "argmin = {e_t} (normalised, equal other weights)",
                      certificate=got[1])
    u, rb, rr, d, j = got[1]
    return P.done(Verdict.REFUTED, f"moving mass d = {d:g} from e_t to e_{j} (a class of "
                  "above-average weight) lowers the normalised risk",
                  counterexample=_ce(u, rb, rr, f"edge e_t -> e_{j}"))


def weights_negative_tie(P: WeightsProblem) -> CheckResult | None:
    """Normalized negative losses whose N vanishes on [0, b] (NNCE's clamp): a point with
    every other class inside the plateau ties e_t exactly, so argmin != {e_t}."""
    got = negative_normalised_tie(P.spec, P.ws, P.t)
    if got is None:
        return None
    u, rb, rr, nn = got
    ce = _ce([float(x) for x in u], rb, rr,
             f"exact tie: {nn.evidence}; at u_k = {sp.sstr(u[(P.t + 1) % P.n])} (k != t) every "
             "N(u_k) = 0, so the risk is c W - w_t, as at e_t")
    return P.done(Verdict.REFUTED, "argmin != {e_t}: a point with the other classes in N's "
                  "zero plateau ties the risk at e_t exactly", counterexample=ce)


def weights_normalised_negative(P: WeightsProblem) -> CheckResult | None:
    """NCE-type + normalized negative parts (ANL-CE): a minimising sequence converging away
    from e_t."""
    res = normalised_negative_sequence(P.spec, P.ws, P.t)
    if res is None:
        return None
    return P.done(Verdict.REFUTED, res[0], counterexample=res[1])


def weights_normalised_sequence(P: WeightsProblem) -> CheckResult | None:
    """Normalised losses whose risk is undefined at e_t: a minimising sequence elsewhere."""
    res = normalised_sequence(P.spec, P.ws, P.t)
    if res is None:
        return None
    return P.done(Verdict.REFUTED, res[0], counterexample=res[1])


def weights_search(P: WeightsProblem) -> CheckResult:
    """The last rung: a numeric search for a point below the risk at e_t, re-verified at 50
    digits (REFUTED), or UNDECIDED with the best point found. It never proves."""
    spec, ws, t, n = P.spec, P.ws, P.t, P.n
    if not P.search:
        return P.done(Verdict.UNDECIDED, "no exact rule applies and search is off",
                      estimate="not searched")
    wf = np.array(float_weights(ws))
    best_u, best_r = risk_search(spec, wf, t, seed=P.seed)
    with np.errstate(all="ignore"):
        r_t = float(spec.risk(wf, np.array(_vertex(n, t), dtype=float)))
    lim = two_class_vertex_limit(spec, ws, t) if n == 2 and np.isnan(r_t) else None
    if lim is not None:
        r_t = float(lim)
    beats = (np.isfinite(r_t) and best_r < r_t - 1e-12 * max(1.0, abs(r_t))) or (
        r_t == np.inf and np.isfinite(best_r))  # an infinite risk at e_t loses to any finite one
    if beats and lim is not None:
        with mpmath.workdps(50):
            rb = spec.mp_risk(_mp_weights(ws), [mpmath.mpf(float(x)) for x in best_u])
            rr = mpmath.mpf(sp.N(lim, 60))
            if rb < rr:
                return P.done(Verdict.REFUTED, "a point with lower risk than the limit at e_t "
                              f"(search; K = 2, limit {sp.sstr(sp.N(lim, 10))} by sympy)",
                              counterexample=_ce(best_u, rb, rr, "search vs the limit at e_t"))
    elif beats:
        ok, rb, rr = _verified(spec, ws, [mpmath.mpf(float(x)) for x in best_u], _vertex(n, t))
        if ok:
            return P.done(Verdict.REFUTED, "a point with lower risk than e_t (search)",
                          counterexample=_ce(best_u, rb, rr, "search"))
    est = {"risk_at_e_t": r_t, "best_risk_found": best_r,
           "best_point": [round(float(x), 6) for x in best_u],
           "argmax_of_best": int(np.argmax(best_u))}
    why = ("risk at e_t undefined" if not np.isfinite(r_t) else
           "no point beats e_t in the search, but no exact rule proves it")
    return P.done(Verdict.UNDECIDED, why, estimate=est)


WEIGHT_RULES = (weights_vertex, weights_kkt, weights_complete, weights_parts,
                weights_ratio_test, weights_envelope, weights_clean_parts, weights_normalised_sum,
                weights_bounded_normalised, weights_negative_tie, weights_normalised_negative,
                weights_normalised_sequence, weights_search)
"""The rules of "asymmetric on w", in the order they are tried: the engine registers each as a
named rule with its facts (alfs_theory.checks.engine.rules); :func:`check_asymmetric_on_weights` runs
the same sequence for the provers that ask many weight vectors (thresholds, noise rows)."""


def check_asymmetric_on_weights(
    spec: LossSpec,
    weights: Sequence,
    *,
    ratio: CheckResult | None = None,
    search: bool = True,
    seed: int = 0,
) -> CheckResult:
    """Is argmin_u Σ_k w_k L(u, k) = {e_t}, t = argmax w? Evidence for every verdict: the
    first of :data:`WEIGHT_RULES` that decides."""
    P = weights_problem(spec, weights, ratio=ratio, search=search, seed=seed)
    for step in WEIGHT_RULES:
        out = step(P)
        if out is not None:
            return out
    raise AssertionError("weights_search always answers")  # pragma: no cover


def ratio_lower(ratio: CheckResult) -> float | None:
    if ratio.estimate and isinstance(ratio.estimate, tuple) and ratio.estimate[0] is not None:
        return float(ratio.estimate[0])
    v = ratio.value
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def normalised_numerator(spec: LossSpec, n: int) -> sp.Expr | None:
    """N(u) when L = N(u_y) / Σ_k N(u_k) at K = n with N ≥ 0 proved (NCE, NFL, NGCE, ...);
    such a loss sums to 1 over the labels and is bounded below by 0.

    The spec may write the denominator as any affine function c0 + c1·S of its class sum
    S = Σ_k g(u_k) (NGCE: K − Σ_k u_k^q); then N(v) = c0/K + c1·g(v), and the identity
    L = N(u)/Σ_k N(u_k) is checked by sympy before N is returned."""
    key = ("normalised", n)
    if key in spec._cache:
        return spec._cache[key]
    spec._cache[key] = None
    if len(spec.sums) != 1:
        return None
    (S, g), = spec.summands()
    g = g.subs(K, n)
    expr = spec.subs_values(spec.expr).subs(K, n)
    num, den = sp.fraction(sp.together(expr))
    if den.has(U) or not num.has(U) or not den.has(S):
        return None
    c1 = sp.diff(den, S)
    c0 = sp.expand(den - c1 * S)
    if c1 == 0 or c1.has(S) or c0.has(S):
        return None
    N = (c0 / n + c1 * g).subs(V, U)
    try:
        if simplify(expr - N / den) != 0:
            return None
    except (TypeError, ValueError, NotImplementedError):
        return None
    for cand in (N, -N):  # N/D = (−N)/(−D): the sign convention of sp.together is arbitrary
        cand = simplify(cand)
        nonneg = sign_on_unit(cand, spec, sign="positive", strict=False, check="nonneg",
                              what="N >= 0")
        if nonneg.verdict is Verdict.PROVED:
            spec._cache[key] = cand
            return cand
    return None


_NON_ANALYTIC = (sp.Abs, sp.Min, sp.Max, sp.Piecewise, sp.sign, sp.Heaviside, sp.floor,
                 sp.ceiling)


@dataclass(frozen=True)
class Complete:
    """Evidence that a loss is completely asymmetric at K classes: e_t is the unique minimiser
    of Σ_k w_k L(u, k) for every w with a unique largest w_t. ``continuous``: the risk is
    finite and continuous on the closed simplex (extended by continuity where a formula is
    0/0 or ∞/∞), which calibration (T2) needs."""

    certificate: Certificate
    continuous: bool


def vanishing_numerator(spec: LossSpec, n: int) -> tuple[sp.Expr, str] | None:
    """(N, evidence) for a normalised loss at K = n whose N ≥ 0 has N′ ≤ 0, N(1) = 0,
    N(1/2) > 0 and is real-analytic on (0, 1): then N > 0 on [0, 1) (a decreasing analytic N
    vanishing at some c < 1 would vanish on [c, 1] and so everywhere)."""
    key = ("vanishing", n)
    if key in spec._cache:
        return spec._cache[key]
    spec._cache[key] = None
    N = normalised_numerator(spec, n)
    if N is None or N.has(*_NON_ANALYTIC):
        return None
    if end_value(N, 1) != 0:
        return None
    half = simplify(N.subs(U, sp.Rational(1, 2)))
    if not half.is_positive:
        return None
    dec = sign_on_unit(sp.diff(N, U), spec, sign="negative", strict=False, check="normalised",
                       what="N'(u) <= 0")
    if dec.verdict is not Verdict.PROVED:
        return None
    how = dec.certificate.method if dec.certificate else "proved"
    ev = (f"N(u) = {sp.sstr(N)}: N >= 0 and N' <= 0 on [0, 1] ({how}), N(1) = 0, "
          f"N(1/2) = {sp.sstr(sp.N(half, 6))} > 0, N real-analytic on (0, 1), so N > 0 on "
          "[0, 1)")
    spec._cache[key] = (N, ev)
    return spec._cache[key]


def _normalised_two_class(spec: LossSpec) -> Complete | None:
    """K = 2 and L = N(u_y)/(N(u_1) + N(u_2)) with N as in :func:`vanishing_numerator`: the
    risk w_s + (w_t − w_s) N(s)/(N(s) + N(1 − s)), s = u_t, exceeds its value w_s at s = 1
    everywhere else."""
    got = vanishing_numerator(spec, 2)
    if got is None:
        return None
    N, ev = got
    cert = Certificate(
        "normalised-two-class",
        f"K = 2, L = N(u_y)/(N(u_1) + N(u_2)) with {ev}. With s = u_t the risk is "
        "w_s + (w_t - w_s) N(s)/(N(s) + N(1 - s)) > w_s for s < 1 and -> w_s as s -> 1: e_t "
        "is the unique minimiser (risk extended by continuity at the vertices) for every "
        "w_t > w_s",
        {"N": N},
    )
    return Complete(cert, True)


@dataclass(frozen=True)
class NegativeNormalised:
    """L = c - N(u_y)/sum_k N(u_k) with N >= 0 non-decreasing on [0, 1], N(0) = 0 and
    N(1) > 0 (Ye et al.'s normalized negative losses, NNCE). The risk is c W minus the mean of
    the w_k weighted by N(u_k): at most w_t, reached at e_t and wherever N(u_k) = 0 for every
    k != t. ``plateau`` is b > 0 when N = 0 on [0, b] exactly (the clamp at min_prob), else
    None; ``evidence`` says how each fact was proved."""

    c: sp.Expr
    N: sp.Expr
    plateau: sp.Expr | None
    evidence: str


def negative_normalised(spec: LossSpec, n: int) -> NegativeNormalised | None:
    """The facts of :class:`NegativeNormalised` at K = n, proved (sympy identity, exact pieces
    of N with its monotonicity certified), or None. Cached."""
    key = ("negative-normalised", n)
    if key in spec._cache:
        return spec._cache[key]
    spec._cache[key] = None
    if spec.is_pointwise or len(spec.sums) != 1:
        return None
    from ...spec import LossSpec as _Spec
    from ..provers.pieces import split_pieces
    from .shape import check_decreasing

    (S, g), = spec.summands()
    N = g.subs(K, n).subs(V, U)
    expr = spec.subs_values(spec.expr).subs(K, n)
    if N.free_symbols - {U} or not N.has(U):
        return None
    c = sp.simplify(expr + N / S)  # the identity L = c - N(u_y)/S, checked by sympy
    if c.free_symbols or not c.is_number:
        return None
    mono = check_decreasing(_Spec(name="minus-N", expr=-N))  # -N non-increasing
    if mono.verdict is not Verdict.PROVED:
        return None
    pieces = split_pieces(N, U)
    if pieces is None:
        return None
    n0, n1 = pieces.end_values
    if n0 is None or n1 is None or sp.simplify(n0) != 0 or not sp.simplify(n1).is_positive:
        return None
    plateau = None
    if pieces.breaks and sp.simplify(pieces.branches[0]) == 0:
        plateau = pieces.breaks[0]
    how = mono.certificate.method if mono.certificate else "proved"
    ev = (f"L = {sp.sstr(c)} - N(u_y)/sum_k N(u_k) (sympy identity), N(u) = {sp.sstr(N)} "
          f"non-decreasing on [0, 1] ({how}), N(0) = 0, N(1) = {sp.sstr(n1)} > 0"
          + (f", N = 0 on [0, {sp.sstr(plateau)}]" if plateau is not None else ""))
    spec._cache[key] = NegativeNormalised(c, N, plateau, ev)
    return spec._cache[key]


def negative_normalised_tie(spec: LossSpec, ws: list, t: int):
    """For :class:`NegativeNormalised` with a plateau [0, b]: the point u with u_k = b/2 for
    k != t ties the risk at e_t exactly (N(u_k) = 0 there, so the weighted mean is w_t at
    both), so argmin != {e_t}. Returns (u, r_u, r_t, NegativeNormalised) with the 50-digit
    risks, or None."""
    n = len(ws)
    nn = negative_normalised(spec, n)
    if nn is None or nn.plateau is None:
        return None
    v = nn.plateau / 2
    if not v.is_Rational:  # e^-5/2: a binary rational next to it, checked exactly below
        v = sp.Rational(float(v))
    if not v.is_positive or (n - 1) * v >= sp.Rational(1, 2):
        return None
    if sp.simplify(nn.N.subs(U, v)) != 0 or not sp.simplify(nn.N.subs(U, 1 - (n - 1) * v)
                                                            ).is_positive:
        return None
    u = [v] * n
    u[t] = 1 - (n - 1) * v
    ok, rb, rr = _verified(spec, ws, [mpmath.mpf(x.p) / x.q for x in u], _vertex(n, t),
                           strict=False)
    if not ok:  # the 50-digit risks must tie (or the point be lower) as the identity says
        return None
    return u, rb, rr, nn


def normalised_negative_sum(spec: LossSpec, n: int):
    """A sum with coefficients >= 0 of normalised parts N(u_y)/sum N(u_k) with N(0+) = oo
    (NCE, NFL: :func:`unbounded_numerator`) and normalized negative parts with a zero plateau
    (:func:`negative_normalised`), at least one of the latter with coefficient > 0 (Ye et al.'s
    ANL-CE = alpha NCE + beta NNCE). Returns (normalised [(coef, N)], negative [(coef,
    NegativeNormalised)]) or None. Cached."""
    key = ("normalised-negative-sum", n)
    if key in spec._cache:
        return spec._cache[key]
    spec._cache[key] = None
    parts = spec.parts()
    if not parts or not all(c.is_number and c >= 0 for c, _ in parts):
        return None
    norm, neg = [], []
    for c, p in parts:
        N = unbounded_numerator(p, n)
        if N is not None:
            norm.append((c, N))
            continue
        nn = negative_normalised(p, n)
        if nn is None or nn.plateau is None:
            return None
        neg.append((c, nn))
    if not any(c > 0 for c, _ in neg):
        return None
    spec._cache[key] = (norm, neg)
    return spec._cache[key]


def normalised_negative_sequence(spec: LossSpec, ws: list, t: int):
    """For :func:`normalised_negative_sum` at K >= 3 and w with a unique largest w_t: the risk is
    at least sum_i a_i min_k w_k + sum_j b_j (c_j W - w_t) (a weighted mean of the w_k for each
    normalised part; at most w_t for each negative one), and the sequence u_k = v (k != t, m),
    u_m = eps -> 0 (m a class of least weight, v inside every plateau) reaches that bound while
    converging to a point other than e_t. Returns (summary, Counterexample) or None."""
    n = len(ws)
    got = normalised_negative_sum(spec, n) if n >= 3 else None
    if got is None:
        return None
    norm, neg = got
    v = min(nn.plateau for _, nn in neg) / 2
    if not v.is_Rational:
        v = sp.Rational(float(v))
    if not v.is_positive or (n - 1) * v >= sp.Rational(1, 2):
        return None
    ut = 1 - (n - 2) * v  # u_t at eps = 0; u_t(eps) = ut - eps
    if any(sp.simplify(nn.N.subs(U, v)) != 0 or not sp.simplify(nn.N.subs(U, ut - v))
           .is_positive for _, nn in neg):
        return None
    m = min((i for i in range(n) if i != t), key=lambda i: ws[i])
    W = sum(ws, sp.Integer(0))
    rest_w = W - ws[t] - ws[m]
    eps = sp.Symbol("epsilon", positive=True)
    limits = []
    for _, N in norm:  # grouped: three terms whatever K is
        Nm, Nt, Nv = N.subs(U, eps), N.subs(U, ut - eps), N.subs(U, v)
        seq = (ws[m] * Nm + ws[t] * Nt + rest_w * Nv) / (Nm + Nt + (n - 2) * Nv)
        try:
            lim = sp.limit(seq, eps, 0, "+")
        except Exception:  # noqa: BLE001 - sympy may fail on exotic N
            return None
        if not lim.is_number or sp.simplify(lim - ws[m]) != 0:
            return None
        limits.append(lim)
    bound = (sum((c * ws[m] for c, _ in norm), sp.Integer(0))
             + sum((c * (nn.c * W - ws[t]) for c, nn in neg), sp.Integer(0)))
    u = [v] * n
    u[m] = eps
    u[t] = ut - eps
    names = ", ".join(nn.evidence.split(" (sympy")[0] for _, nn in neg)
    detail = (f"every normalised part is a weighted mean of the w_k (>= min_k w_k = "
              f"{sp.sstr(ws[m])}) and every negative part ({names}) is c W minus a weighted "
              f"mean of the w_k (>= c W - w_t), so risk >= {float(bound):.10g}; along u_k = {sp.sstr(v)} (k != {t}, {m}), u_{m} = eps -> 0 "
              f"the negative parts equal their bound exactly (every N(u_k) = 0, k != {t}) and the "
              f"normalised parts tend to w_{m} (sympy limit): the infimum is approached while u "
              f"tends to a point other than e_{t} (u_k = {sp.sstr(v)} for k != {t}, {m})")
    ce = Counterexample(
        point={f"u{k}": sp.sstr(x) for k, x in enumerate(u)}, detail=detail,
        values={"infimum": float(bound)},
        sequence=f"u(eps) = ({', '.join(sp.sstr(x) for x in u)}), eps -> 0+")
    return ("the infimum is also approached along a sequence converging away from e_t "
            "(normalised + normalized-negative parts)", ce)


def bounded_normalised(spec: LossSpec, ws: list, t: int):
    """K >= 3, L = N(u_y)/Σ_k N(u_k) with N as in :func:`vanishing_numerator` and N(0) finite
    (NGCE; not NCE, whose N(0) = ∞ lets the normaliser blow up). The risk is the weighted mean
    Σ_k w_k π_k with π_k = N(u_k)/Σ N ∈ [0, 1].

    * All other weights equal (w_s): risk = w_s + (w_t − w_s) π_t and
      π_t >= N(u_t)/(N(u_t) + (K − 1) N(0)) > 0 unless u_t = 1: PROVED.
    * Otherwise moving mass ε from e_t to a class j of above-average weight lowers N(u_j) from
      N(0) while N(u_t) grows from 0; a point on that edge below the risk at e_t refutes
      (50 digits). Returns ("PROVED", Certificate) | ("REFUTED", (u, r_bad, r_ref, j)) | None.
    """
    n = len(ws)
    got = vanishing_numerator(spec, n)
    if got is None:
        return None
    N, ev = got
    n0 = end_value(N, 0)
    if n0 is None or not (n0.is_finite and n0.is_positive):
        return None
    others = [ws[k] for k in range(n) if k != t]
    if all(x == others[0] for x in others):
        return "PROVED", Certificate(
            "normalised-equal-weights",
            f"K = {n}, L = N(u_y)/sum_k N(u_k) with {ev}, N(0) = {sp.sstr(n0)} finite. Every "
            f"other weight equals w_s = {sp.sstr(others[0])}, so the risk is "
            "w_s + (w_t - w_s) N(u_t)/sum_k N(u_k) with sum_k N(u_k) <= N(u_t) + (K-1) N(0): "
            "it exceeds w_s = risk(e_t) unless N(u_t) = 0, i.e. u_t = 1",
            {"N": N, "N0": n0})
    avg = sum(others) / len(others)
    for j in sorted((k for k in range(n) if k != t and ws[k] > avg), key=lambda k: -ws[k]):
        found = _edge_counterexample(spec, ws, t, j)
        if found:
            return "REFUTED", (*found, j)
    return None


def complete_asymmetry(spec: LossSpec, n: int) -> Complete | None:
    """Exact rules for complete asymmetry at K = n, or None when none applies (which decides
    nothing). Rules: a separable concave risk with β < 0 (vertex comparison); a normalised
    loss at K = 2; a pointwise ℓ with a superadditive ℓ(0) − ℓ (any curvature); a sum with
    non-negative weights of completely asymmetric parts (each part's risk is uniquely
    minimised at e_t, so their sum is)."""
    key = ("complete", n)
    if key in spec._cache:
        return spec._cache[key]
    out = None
    form = separable_form(spec, n)
    if form is not None and form.shape in ("concave", "linear"):
        beta = vertex_beta(form)
        if beta.is_negative:
            out = Complete(Certificate(
                "vertex-comparison",
                f"risk = sum_k phi_k(u_k) with phi concave ({form.evidence}); min at a vertex; "
                f"vertex e_i scores const + w_i*beta with beta = {sp.sstr(beta)} < 0, least at "
                "the unique largest weight: completely asymmetric", {"beta": beta}),
                finite_ends(form))
    if out is None and n == 2:
        out = _normalised_two_class(spec)
    if out is None and (form is None or form.shape == "mixed"):
        # a convex risk has a concave g = l(0) - l: subadditive, never this route's
        out = _superadditive_complete(spec, n)
    parts = spec.parts() if out is None else ()
    if parts and all(w.is_number and w >= 0 for w, _ in parts):
        live = [(w, p) for w, p in parts if w > 0]
        subs = [complete_asymmetry(p, n) for _, p in live]
        if live and all(c is not None for c in subs):
            detail = "; ".join(f"{sp.sstr(w)}*{p.name}: {c.certificate.method}"
                               for (w, p), c in zip(live, subs))
            out = Complete(Certificate(
                "sum-of-parts",
                f"a sum with weights >= 0 of completely asymmetric parts ({detail}): each "
                "part's risk is uniquely minimised at e_t, so their sum is",
                {"parts": [c.certificate.to_dict() for c in subs]}),
                all(c.continuous for c in subs))
    spec._cache[key] = out
    return out


def _superadditive_complete(spec: LossSpec, n: int) -> Complete | None:
    """A pointwise l, smooth and strictly decreasing on [0, 1], whose g = l(0) - l is
    superadditive (:mod:`..provers.superadditive`): completely asymmetric at every K, whatever
    its curvature (a sine bump on 1 - u is neither convex nor concave)."""
    if not spec.is_pointwise:
        return None
    from ..provers.intervals import bound_extreme, is_smooth
    from ..provers.superadditive import superadditive_proof

    ell = spec.pointwise_expr(n)
    if ell.free_symbols - {U} or not is_smooth(ell):
        return None
    try:
        phi_min = bound_extreme(-sp.diff(ell, U), U, 0, 1, tol=1e-3, max_boxes=400)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    if not phi_min > 0:
        return None
    proof = superadditive_proof(ell, phi_min)
    if proof is None:
        return None
    return Complete(Certificate("superadditive", proof.text(),
                                {"boxes": proof.boxes, "phi_min": proof.phi_min}), True)


def _parts_on_weights(spec: LossSpec, ws: list) -> Certificate | None:
    """A weighted sum whose every part (weight > 0) is proved asymmetric on w is."""
    parts = spec.parts()
    if not parts or not all(w.is_number and w >= 0 for w, _ in parts):
        return None
    live = [(w, p) for w, p in parts if w > 0]
    n = len(ws)
    if not live or (n >= 3 and any(normalised_numerator(p, n) is not None for _, p in live)):
        return None  # a normalised part at K >= 3 is never asymmetric (its infimum is not at e_t)
    subs = [check_asymmetric_on_weights(p, ws, search=False) for _, p in live]
    if not all(r.verdict is Verdict.PROVED for r in subs):
        return None
    detail = "; ".join(f"{sp.sstr(w)}*{p.name}: {r.certificate.method}"
                       for (w, p), r in zip(live, subs))
    return Certificate("sum-of-parts",
                       f"every part (weight > 0) is asymmetric on w ({detail}); each part's "
                       "risk is uniquely minimised at e_t, so their sum is",
                       {"parts": [r.certificate.to_dict() for r in subs]})


def unbounded_numerator(spec: LossSpec, n: int) -> sp.Expr | None:
    """N for a normalised loss at K = n >= 2 with N >= 0, N(0+) = ∞ and N finite and
    real-analytic on (0, 1] (NCE, NFL): its risk Σ_k w_k N(u_k)/Σ_k N(u_k) is a weighted mean
    of the w_k, so it is >= min_k w_k everywhere, and that bound is approached as u -> e_t
    (take the least-weight class m with u_m -> 0 so fast that N(u_m) swamps every other
    N(u_k)); the formula itself is undefined (∞/∞) at e_t."""
    key = ("unbounded", n)
    if key not in spec._cache:  # asked for every part, for every weight vector: sympy limits
        spec._cache[key] = _unbounded_numerator(spec, n) if n >= 2 else None
    return spec._cache[key]


def _unbounded_numerator(spec: LossSpec, n: int) -> sp.Expr | None:
    N = normalised_numerator(spec, n)
    if N is None or N.has(*_NON_ANALYTIC):
        return None
    if end_value(N, 0) != sp.oo:
        return None
    n1 = end_value(N, 1)
    if n1 is None or not n1.is_finite:
        return None
    if n == 2:
        # K = 2: along the edge from e_t the part rises by (w_t - w_s) N(1-d)/(N(1-d) + N(d)),
        # which is o(d) when N(1-d)/d stays bounded (N(d) -> oo): it adds nothing to the
        # first-order margin at e_t, so the rest's KKT margin decides there too
        d = sp.Symbol("d", positive=True)
        try:
            slope = sp.limit(N.subs(U, 1 - d) / d, d, 0, "+")
        except Exception:  # noqa: BLE001 - sympy fails in many ways on exotic limits
            return None
        if not (slope.is_number and slope.is_finite):
            return None
    return N


def continuous_part(p: LossSpec, n: int) -> bool:
    """A separable risk Σ_k φ_k(u_k) with φ finite at 0 and 1: continuous on the simplex."""
    form = separable_form(p, n)
    return form is not None and finite_ends(form)


def _split_unbounded(spec: LossSpec, n: int):
    """(unbounded normalised parts, other parts) of a sum with numeric weights >= 0, when the
    other parts are all continuous and both lists are non-empty; else None."""
    parts = spec.parts()
    if n < 2 or not parts or not all(w.is_number and w >= 0 for w, _ in parts):
        return None
    live = [(w, p) for w, p in parts if w > 0]
    norm = [(w, p) for w, p in live if unbounded_numerator(p, n) is not None]
    rest = [(w, p) for w, p in live if unbounded_numerator(p, n) is None]
    if not norm or not rest or not all(continuous_part(p, n) for _, p in rest):
        return None
    return norm, rest


_LSC = ("the risk is read at points where its formula is undefined (e_t: inf/inf) as its "
        "lower-semicontinuous envelope, the liminf, so 'argmin = {e_t}' means every minimising "
        "sequence converges to e_t")


def _unbounded_sum_cert(norm, rest, how: str, ws_text: str) -> Certificate:
    names_n = ", ".join(f"{sp.sstr(w)}*{p.name}" for w, p in norm)
    names_r = "; ".join(f"{sp.sstr(w)}*{p.name}: {h}" for (w, p), h in zip(rest, how))
    return Certificate(
        "normalised-plus-asymmetric",
        f"{names_n}: normalised with N(0+) = oo, so each such risk is >= min_k w_k everywhere "
        f"and -> min_k w_k along a sequence to e_t; the other parts ({names_r}) are continuous "
        f"and uniquely minimised at e_t {ws_text}. Hence the sum is > its liminf at e_t at every "
        f"u != e_t; {_LSC}",
        {})


def sum_with_normalised_on_weights(spec: LossSpec, ws: list) -> Certificate | None:
    """NCE/NFL + parts asymmetric on w (APL and ALFs sums at K >= 3)."""
    split = _split_unbounded(spec, len(ws))
    if split is None:
        return None
    norm, rest = split
    subs = [check_asymmetric_on_weights(p, ws, search=False) for _, p in rest]
    if not all(r.verdict is Verdict.PROVED for r in subs):
        return None
    return _unbounded_sum_cert(norm, rest, [r.certificate.method for r in subs], "for these w")


def sum_with_normalised_complete(spec: LossSpec, n: int) -> Certificate | None:
    """NCE/NFL + completely asymmetric continuous parts: for every w with a unique maximum."""
    split = _split_unbounded(spec, n)
    if split is None:
        return None
    norm, rest = split
    subs = [complete_asymmetry(p, n) for _, p in rest]
    if not all(c is not None and c.continuous for c in subs):
        return None
    return _unbounded_sum_cert(norm, rest, [c.certificate.method for c in subs],
                               "for every w with a unique largest entry")


def rest_of_sum(spec: LossSpec, n: int) -> tuple[list, LossSpec] | None:
    """For a sum with NCE/NFL-type parts at K = n >= 2: (those parts with weights, the sum of
    the other, continuous parts as one spec), or None."""
    split = _split_unbounded(spec, n)
    if split is None:
        return None
    norm, rest = split
    key = ("rest", n)
    if key not in spec._cache:
        params, sums, values, expr = {}, [], {}, sp.Integer(0)
        for w, p in rest:
            expr += w * p.expr
            params.update({q.name: q for q in p.params})
            sums.extend(p.sums)
            values.update(dict(p.values))
        spec._cache[key] = LossSpec(
            name=" + ".join(f"{sp.sstr(w)}*{p.name}" for w, p in rest), expr=expr,
            params=tuple(params.values()), sums=tuple(dict(sums).items()),
            values=tuple(values.items()))
    return norm, spec._cache[key]


def _sum_with_normalised_refute(spec: LossSpec, ws: list, t: int):
    """A 50-digit point of an NCE/NFL + continuous sum below its liminf at e_t,
    Σ_norm a_i·min_k w_k + rest(e_t): mass d moved from e_t to a class k ≠ m (m the least
    weight), u_m = 10^(-10^9) so that the normalised parts sit at min w, other classes at
    10^-30. Returns (u, r_bad, r_ref, description) or None."""
    n = len(ws)
    got = rest_of_sum(spec, n)
    if got is None:
        return None
    norm, rest = got
    m = min((k for k in range(n) if k != t), key=lambda k: (ws[k], k))
    if n == 2:  # the normalised part rises by o(d): the dip may need a very small d
        for k in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048):
            with mpmath.workdps(k + 60):
                wf = _mp_weights(ws)
                ref = sum(mpmath.mpf(float(a)) for a, _ in norm) * wf[m]
                ref += rest.mp_risk(wf, _vertex(2, t), dps=k + 60)
                d = mpmath.mpf(10) ** -k
                u = [1 - d, d] if t == 0 else [d, 1 - d]
                r = spec.mp_risk(wf, u, dps=k + 60)
                if mpmath.isfinite(r) and r < ref:
                    return u, r, ref, f"d = 1e-{k} moved from e_t to e_{m}"
        return None
    with mpmath.workdps(50):
        wf = _mp_weights(ws)
        ref = sum(mpmath.mpf(float(a)) for a, _ in norm) * wf[m]
        ref += rest.mp_risk(wf, _vertex(n, t))
        tiny, small = mpmath.mpf("1e-1000000000"), mpmath.mpf("1e-30")
        for k in sorted((k for k in range(n) if k not in (t, m)), key=lambda k: -ws[k]):
            for d in ("0.999999", "0.5", "0.25", "0.1", "0.03", "0.01", "0.001", "0.0001",
                      "0.000001"):
                u = [small] * n
                u[m], u[k] = tiny, mpmath.mpf(d)
                u[t] = 0
                u[t] = 1 - mpmath.fsum(u)
                r = spec.mp_risk(wf, u)
                if mpmath.isfinite(r) and r < ref:
                    return u, r, ref, f"d = {d} moved from e_t to e_{k}, u_{m} = 1e-1000000000"
    return None


def normalised_sequence(spec: LossSpec, ws: list, t: int):
    """For L = N(u_y) / Σ_k N(u_k) with N ≥ 0 (NCE, NFL, ...) and K ≥ 3: the risk is a weighted
    mean of the w_k, bounded below by min w; a sequence driving one u_m → 0 (m of least weight)
    with the wrong argmax attains that bound in the limit."""
    n = len(ws)
    N = normalised_numerator(spec, n) if n >= 3 else None
    if N is None:
        return None
    m = min((i for i in range(n) if i != t), key=lambda i: ws[i])
    j = next(i for i in range(n) if i not in (t, m))
    eps = sp.Symbol("epsilon", positive=True)
    u = [sp.Rational(1, 5) / max(1, n - 2)] * n
    u[m] = eps
    u[j] = 1 - eps - sum(u[i] for i in range(n) if i not in (m, j))
    # every class other than m and j sits at the same u = c: group them, so the symbolic
    # limit has three terms whatever K is (one term per class took minutes at K = 1000)
    c = u[next(i for i in range(n) if i not in (m, j))] if n > 2 else None
    rest_w = sum((ws[k] for k in range(n) if k not in (m, j)), sp.Integer(0))
    Nm, Nj = N.subs(U, eps), N.subs(U, u[j])
    Nc = N.subs(U, c) if c is not None else sp.Integer(0)
    seq = (ws[m] * Nm + ws[j] * Nj + rest_w * Nc) / (Nm + Nj + (n - 2) * Nc)
    try:
        lim = sp.limit(seq, eps, 0, "+")
    except Exception:  # noqa: BLE001 - sympy may fail on exotic N
        return None
    if not lim.is_number or abs(float(lim - ws[m])) > 1e-12 * max(1.0, abs(float(ws[m]))):
        return None
    with mpmath.workdps(50):
        e_num = mpmath.mpf("1e-300")
        pt = [mpmath.mpf(0)] * n
        for k in range(n):
            if k == m:
                pt[k] = e_num
            elif k != j:
                pt[k] = mpmath.mpf(u[k].p) / u[k].q
        pt[j] = 1 - mpmath.fsum(pt[k] for k in range(n) if k != j)
    ok, rb, rr = _verified(spec, ws, pt, pt, strict=False)
    detail = (f"sum_k L(u, k) = 1 and L >= 0, so risk >= min_k w_k = {float(ws[m]):g}; the "
              f"sequence u_{m} = eps -> 0 (argmax u = class {j}, not {t}) has risk -> "
              f"{float(lim):g} (sympy limit): the infimum is approached away from e_t")
    ce = Counterexample(
        point={f"u{k}": (sp.sstr(x)) for k, x in enumerate(u)},
        detail=detail, values={"limit": float(lim), "risk_at_eps_1e-300": mpmath.nstr(rb, 15)},
        sequence=f"u(eps) = ({', '.join(sp.sstr(x) for x in u)}), eps -> 0+",
    )
    return ("the infimum is not attained at e_t: a minimising sequence with the wrong argmax "
            "exists", ce)
