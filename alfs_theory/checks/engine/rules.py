"""The checker's rules, in the order the engine tries them for each question.

Each rule states the facts it needs (:data:`alfs_theory.checks.engine.base.FACTS`) and the
certificate it gives; the engine checks the facts before the rule may fire. Each rule is one
prover (its certificate names it: vertex-comparison, kkt, pieces, interval-bisection, ...);
the ratio question is split so that a jump can never reach the slope formulas.
"""

from __future__ import annotations

import sympy as sp

from ...symbols import U
from ..verdict import Certificate, CheckResult, Verdict
from .base import Context, Rule

__all__ = ["RULES", "rules_for"]

RULES: list[Rule] = []


def rule(name: str, question: str, requires: tuple[str, ...], certificate: str, source: str):
    def deco(fn):
        RULES.append(Rule(name, question, tuple(requires), certificate, source, fn))
        return fn
    return deco


def rules_for(question: str) -> list[Rule]:
    """The rules of a question in their order (``asymmetric`` asks the ``weights`` rules on
    the weights of symmetric noise just below clean-labels dominance)."""
    q = "weights" if question == "asymmetric" else question
    return [r for r in RULES if r.question == q]


# ------------------------------------------------------------------------------ ratio
def _jumps_up(ctx: Context) -> list:
    return [j for j in (ctx.fact("jumps") or []) if any(s.is_positive for s in j.steps())]


def _decreasing_point(ctx: Context, lo: sp.Expr, hi: sp.Expr):
    """A rational t in (lo, hi) inside a piece where l'(t) < 0 (50 digits), with the value."""
    P = ctx.fact("pieces")
    branches = P.intervals() if P is not None else [(0, 1, ctx.spec.pointwise_expr())]
    for a, b, br in branches:
        a, b = max(sp.sympify(a), lo), min(sp.sympify(b), hi)
        if not a < b:
            continue
        d1 = sp.diff(br, U)
        for k in (2, 3, 5, 9, 17, 33):
            for i in range(1, k):
                t = sp.nsimplify(a + (b - a) * sp.Rational(i, k), rational=True)
                try:
                    v = sp.N(d1.subs(U, t), 50)
                except (TypeError, ValueError):
                    continue
                if v.is_real and v.is_number and v < -sp.Float("1e-20"):
                    return t, v
    return None


@rule("ratio-upward-jump", "ratio", ("pointwise", "bound", "has-upward-jump"),
      "r(l) = -oo: a minimising sequence (an upward jump in the numerator, a vanishing "
      "decrease in the denominator)", "definition 3 (theory.md, 'A jump in l')")
def ratio_upward_jump(ctx: Context) -> CheckResult | None:
    for j in _jumps_up(ctx):
        c = j.at
        if c >= 1:
            continue  # the jump at u = 1 would need u_j -> 0: no rule yet
        step = next(s for s in j.steps() if s.is_positive)
        t = _decreasing_point(ctx, sp.Integer(0), 1 - c)
        if t is None:
            continue
        t, slope = t
        how = (f"l jumps up at u = {sp.sstr(c)} ({j.text()}): with u_i straddling it "
               f"(u_i < {sp.sstr(c)} <= u_i + d) the numerator l(u_i) - l(u_i + d) tends to "
               f"-{sp.sstr(step)} < 0, while at u_j = {sp.sstr(t)} (u_i + u_j <= 1) the "
               f"denominator l(u_j - d) - l(u_j) = {sp.sstr(sp.N(-slope, 8))}*d + o(d) -> 0+; "
               "the quotient tends to -oo as d -> 0, so r(l) = -oo and the ratio test "
               "certifies no weights")
        return CheckResult("ratio", Verdict.PROVED, "r(l) = -oo (an upward jump: l is not "
                           "monotone)", certificate=Certificate("jump", how, {
                               "jump_at": sp.sstr(c), "step": sp.sstr(step),
                               "u_j": sp.sstr(t)}), value=-sp.oo, estimate=None)
    return None


@rule("ratio-downward-jump", "ratio", ("pointwise", "bound", "decreasing", "not-continuous"),
      "r(l) = 0: quotients are >= 0 for a non-increasing l, and a jump in the denominator "
      "drives them to 0", "definition 3 (theory.md, 'A jump in l')")
def ratio_downward_jump(ctx: Context) -> CheckResult | None:
    jumps = ctx.fact("jumps") or []
    inner = [j for j in jumps if j.at < 1]
    if not inner:
        return None
    j = inner[0]
    c = j.at
    step = max((-s for s in j.steps()), key=lambda s: float(s))
    how = (f"l is non-increasing (proved), so every secant quotient with a positive "
           f"denominator is >= 0 and r(l) >= 0; l jumps down at u = {sp.sstr(c)} "
           f"({j.text()}): with u_j - d < {sp.sstr(c)} <= u_j the denominator l(u_j - d) - "
           f"l(u_j) stays >= {sp.sstr(step)}, while a numerator at a point u_i < 1 - "
           f"{sp.sstr(c)} where l is continuous is O(d) -> 0. So r(l) = 0: slope quotients "
           "of the pieces do not apply to a discontinuous l")
    return CheckResult("ratio", Verdict.PROVED, "r(l) = 0 (a downward jump)",
                       certificate=Certificate("jump", how, {"jump_at": sp.sstr(c),
                                                             "step": sp.sstr(step)}),
                       value=sp.Integer(0), estimate=(0.0, 0.0))


@rule("ratio-closed-form", "ratio", ("pointwise", "continuous", "decreasing"),
      "closed form from the proved curvature (affine 1, concave l'(0)/l'(1), convex "
      "l'(1)/l'(0), a Piecewise in a family's curvature factor), checked against sound "
      "interval bounds when l is bound", "theory.md, closed-form ratios")
def ratio_closed_form(ctx: Context) -> CheckResult | None:
    from ..properties.ratio import closed_form_finding

    return closed_form_finding(ctx.spec, tol=ctx.inputs.get("tol", 1e-6),
                               bounds=ctx.inputs.get("bounds", True))


@rule("ratio-interval-bisection", "ratio", ("pointwise", "bound", "continuous", "decreasing"),
      "sound interval bounds lo <= inf l'(s)/l'(t) <= hi, hi - lo <= tol (no closed form)",
      "theory.md, the derivative shortcut")
def ratio_interval_bisection(ctx: Context) -> CheckResult | None:
    from ..properties.ratio import bisection_finding

    return bisection_finding(ctx.spec, tol=ctx.inputs.get("tol", 1e-6))


@rule("ratio-undetermined", "ratio", ("pointwise",),
      "never a verdict: why r(l) is open (not decreasing, no closed form, bounds not "
      "converged), with the bounds found", "definition 3")
def ratio_undetermined(ctx: Context) -> CheckResult:
    from ..properties.ratio import undetermined_finding

    return undetermined_finding(ctx.spec, tol=ctx.inputs.get("tol", 1e-6))


# ------------------------------------------------------------------ the other questions
@rule("decreasing-sign", "decreasing", ("pointwise", "smooth-formula"),
      "sign of l' on [0, 1] (assumptions, substitutions, interval bisection); REFUTED by two "
      "points with l(u1) > l(u0) at 50 digits", "definition (l non-increasing)")
def decreasing_sign(ctx: Context):
    from ..properties.shape import decreasing_sign

    return decreasing_sign(ctx.spec)


@rule("decreasing-pieces", "decreasing", ("pointwise", "not-smooth-formula"),
      "exact pieces: every branch's slope and every step at a breakpoint goes down (UNDECIDED "
      "for a family: the breakpoints move with the parameters)", "definition (l non-increasing)")
def decreasing_pieces(ctx: Context):
    from ..properties.shape import decreasing_pieces

    return decreasing_pieces(ctx.spec)


@rule("shape-sign", "shape", ("pointwise", "smooth-formula"),
      "sign of l'' on [0, 1] (or of a parameter factor of it: a family's case split); "
      "'neither' from two points where l'' has opposite signs", "theory.md T4 (convex / "
      "concave l)")
def shape_sign(ctx: Context):
    from ..properties.shape import shape_sign

    return shape_sign(ctx.spec).result


@rule("shape-pieces", "shape", ("pointwise", "not-smooth-formula"),
      "exact pieces: every branch's curvature and the slope jump at each kink (a jump makes l "
      "neither convex nor concave)", "theory.md T4 (convex / concave l)")
def shape_pieces(ctx: Context):
    from ..properties.shape import shape_pieces

    return shape_pieces(ctx.spec).result


@rule("symmetric-affine", "symmetric", ("pointwise",),
      "l affine: sum_k l(u_k) = K l(0) + l(1) - l(0) for every K (asked for every K)",
      "definition 1 (Ghosh et al.)")
def symmetric_affine(ctx: Context):
    from ..properties.symmetric import symmetric_affine

    return symmetric_affine(ctx.spec, ctx.n)


@rule("symmetric-structure", "symmetric", (),
      "structure: every term affine in u_y (sums to K*c0 + c1) or normalised (sums to 1)",
      "definition 1 (Ghosh et al.)")
def symmetric_structure(ctx: Context):
    from ..properties.symmetric import symmetric_structure

    return symmetric_structure(ctx.spec, ctx.n)


@rule("symmetric-witness", "symmetric", (),
      "REFUTED: two simplex points whose sums differ at 50 digits", "definition 1")
def symmetric_witness(ctx: Context):
    from ..properties.symmetric import symmetric_witness

    return symmetric_witness(ctx.spec, ctx.n)


@rule("symmetric-exact-sum", "symmetric", (),
      "every partial derivative of the symbolic sum (u_K eliminated) is 0, at K <= 5; else a "
      "witness at that K or UNDECIDED", "definition 1")
def symmetric_exact_sum(ctx: Context):
    from ..properties.symmetric import symmetric_exact_sum

    return symmetric_exact_sum(ctx.spec, ctx.n)


def _weights_problem(ctx: Context):
    from ..properties.asymmetry import weights_problem

    key = "weights-problem"
    if key not in ctx.inputs:
        ctx.inputs[key] = weights_problem(ctx.spec, ctx.inputs["weights"],
                                          ratio=ctx.inputs.get("ratio"),
                                          search=ctx.inputs.get("search", True))
    return ctx.inputs[key]


def _weights_step(step_name: str):
    def decide(ctx: Context):
        from ..properties import asymmetry

        return getattr(asymmetry, step_name)(_weights_problem(ctx))
    return decide


#: the rules of "asymmetric on w" (questions ``asymmetric`` and ``weights``), in the order of
#: ``properties.asymmetry.WEIGHT_RULES`` (a test keeps the two in step): name, facts,
#: certificate, source
WEIGHT_RULE_TABLE = (
    ("weights_vertex", "weights-vertex", ("separable-concave",),
     "vertex comparison: a concave separable risk is least at a vertex, e_i scores const + "
     "w_i*beta (PROVED for beta < 0, REFUTED by a vertex otherwise)", "definition 2, T4"),
    ("weights_kkt", "weights-kkt", ("separable-convex",),
     "KKT margins D_k at e_t (PROVED when all >= 0, = 0 only if strictly convex; REFUTED "
     "along an edge with D_k < 0)", "definition 2, T4 (convex l)"),
    ("weights_complete", "weights-complete", (),
     "complete asymmetry (concave separable risk, normalised K = 2, a superadditive "
     "l(0) - l, sums of such parts)", "definition 2, T4 (concave l)"),
    ("weights_parts", "weights-parts", (), "every part of a sum asymmetric on w",
     "definition 2"),
    ("weights_ratio_test", "weights-ratio-test", ("pointwise",),
     "(w_t/w_n) r(l) >= 1 with r(l) a gated ratio verdict (sufficient only)", "T4"),
    ("weights_envelope", "weights-envelope", ("pointwise", "bound", "continuous",
                                              "decreasing"),
     "R(u) - R(e_t) > 0 on a grid of s = 1 - u_t from enclosures of l and l' (the other "
     "classes' best split of s: a knapsack over the concave hull of g's bound) and the KKT "
     "margin made uniform near e_t (any curvature)", "definition 2"),
    ("weights_clean_parts", "weights-clean-parts", ("vector",),
     "clean weights w = e_t: L(u, t) = A(u_t) + sum_j c_j sum_k g_j(u_k) with A strictly "
     "decreasing and c_j g_j concave, so the class sums are least at every vertex alike",
     "definition 2 (derived)"),
    ("weights_normalised_sum", "weights-normalised-sum", ("vector",),
     "normalised part + asymmetric parts: every minimising sequence converges to e_t; or a "
     "point below the liminf at e_t", "theory.md, vector losses"),
    ("weights_bounded_normalised", "weights-bounded-normalised", ("vector",),
     "normalised with N(0) finite at K >= 3: equal other weights (PROVED), else an edge move",
     "derived (C-NGCE)"),
    ("weights_negative_tie", "weights-negative-tie", ("vector",),
     "L = c - N(u_y)/sum_k N(u_k), N non-decreasing with N = 0 on [0, b]: the other classes "
     "inside the plateau tie e_t exactly (REFUTED: argmin != {e_t})",
     "definition 2 (derived, NNCE)"),
    ("weights_normalised_negative", "weights-normalised-negative", ("vector",),
     "NCE-type parts + normalized negative parts with a zero plateau (ANL-CE): the infimum is "
     "approached along a sequence converging away from e_t (REFUTED, K >= 3)",
     "definition 2 (derived, ANL-CE)"),
    ("weights_normalised_sequence", "weights-normalised-sequence", ("vector",),
     "a minimising sequence away from e_t (NCE, NFL at K >= 3)", "theory.md, NCE"),
    ("weights_search", "weights-search", (),
     "never PROVED: a searched point below e_t re-verified at 50 digits (REFUTED), else "
     "UNDECIDED with the best point", "definition 2"),
)



def _register_steps(table, question: str, step) -> None:
    """Register the rows (step function, rule name, facts, certificate, source) of ``table``
    as rules of ``question``, in their order; ``step(name)`` makes each rule's decide."""
    for fn, name, requires, cert, src in table:
        RULES.append(Rule(name, question, requires, cert, src, step(fn)))


_register_steps(WEIGHT_RULE_TABLE, "weights", _weights_step)


def _region_step(step_name: str):
    def decide(ctx: Context):
        from ..properties import region

        out = getattr(region, step_name)(ctx.spec, ctx.n)
        return None if out is None else region.region_result(out)
    return decide


#: the rules of the region of weights, in the order of ``properties.region.REGION_RULES``
#: (a test keeps the two in step); none fires: UNDECIDED, decide single weight vectors
REGION_RULE_TABLE = (
    ("region_complete", "region-complete", (),
     "complete asymmetry (concave separable risk, normalised at K = 2, a superadditive "
     "l(0) - l, sums of such parts): every w with a unique largest entry",
     "definition 2, T5 (concave l)"),
    ("region_normalised_sequence", "region-normalised-sequence", (),
     "N(u_y)/sum N(u_k), N(0+) = oo at K >= 3: a wrong-argmax minimising sequence for every "
     "w (no weight vector)", "theory.md, NCE"),
    ("region_negative_tie", "region-negative-tie", ("vector",),
     "L = c - N(u_y)/sum N(u_k) with N = 0 on [0, b]: an exact tie for every w (no weight "
     "vector)", "definition 2 (derived, NNCE)"),
    ("region_normalised_negative", "region-normalised-negative", ("vector",),
     "NCE-type + normalized negative parts (ANL-CE) at K >= 3: a minimising sequence away "
     "from e_t for every w (no weight vector)", "definition 2 (derived, ANL-CE)"),
    ("region_normalised_equal_weights", "region-normalised-equal-weights", (),
     "normalised, N(0) finite, N'(0) = -oo at K >= 3: exactly the w with equal other entries",
     "derived (C-NGCE)"),
    ("region_normalised_plus_region", "region-normalised-plus-region", (),
     "NCE/NFL + a rest X at K >= 3: the region of X, by these rules", "derived"),
    ("region_kkt", "region-kkt", ("separable-convex",),
     "separable convex risk: the KKT margins at e_t, one linear inequality in (w_t, w_n) "
     "(the second largest weight binds)", "T4, T5 (convex l)"),
)

_register_steps(REGION_RULE_TABLE, "region", _region_step)


def _threshold_step(step_name: str):
    def decide(ctx: Context):
        from ..properties import tolerance

        return getattr(tolerance, step_name)(ctx.spec, ctx.n, ctx.inputs.get("ratio"),
                                             ctx.inputs.get("search", True))
    return decide


#: the rules of the symmetric-noise threshold, in the order of
#: ``properties.tolerance.THRESHOLD_RULES`` (a test keeps the two in step)
THRESHOLD_RULE_TABLE = (
    ("threshold_infinite_loss", "threshold-infinite-loss", ("pointwise",),
     "l(0+) = oo: every eta > 0 makes the risk at e_y infinite (eta_max = 0)", "T5"),
    ("threshold_infinite_at_vertex", "threshold-infinite-at-vertex", ("vector",),
     "L(e_y, k) = +oo for k != y: every eta > 0 makes the risk at e_y infinite (eta = 0 "
     "decided on the clean weights)", "T5"),
    ("threshold_bounded_normalised", "threshold-bounded-normalised", (),
     "normalised with N(0) finite at K >= 3: symmetric noise has equal other weights, so "
     "every eta < (K-1)/K", "derived (C-NGCE)"),
    ("threshold_normalised_sequence", "threshold-normalised-sequence", (),
     "N(u_y)/sum N(u_k) at K >= 3: a wrong-argmax minimising sequence (eta_max = 0)",
     "theory.md, NCE"),
    ("threshold_negative_tie", "threshold-negative-tie", ("vector",),
     "L = c - N(u_y)/sum N(u_k) with N = 0 on [0, b]: an exact tie for every weight vector, "
     "clean ones included (no eta)", "definition 2 (derived, NNCE)"),
    ("threshold_normalised_negative", "threshold-normalised-negative", ("vector",),
     "NCE-type + normalized negative parts (ANL-CE) at K >= 3: the infimum is approached away "
     "from e_y for every weight vector, clean ones included (no eta)",
     "definition 2 (derived, ANL-CE)"),
    ("threshold_complete", "threshold-complete", (),
     "complete asymmetry (a superadditive l(0) - l among its routes; or a normalised sum "
     "with completely asymmetric parts): every eta < (K-1)/K", "T5 (concave l)"),
    ("threshold_kkt", "threshold-kkt", ("separable-convex",),
     "the KKT margin D(eta) at e_y solved exactly (inclusive when strictly convex)",
     "T5 (convex l)"),
    ("threshold_normalised_plus_kkt", "threshold-normalised-plus-kkt", (),
     "normalised parts with N(0+) = oo add nothing: the rest's KKT threshold", "derived"),
    ("threshold_no_weights", "threshold-no-weights", (),
     "the region question proves no noisy weight vector keeps e_y: no eta > 0 (eta = 0 "
     "decided on the clean weights)", "definition 2, T5"),
    ("threshold_bounds", "threshold-bounds", (),
     "never PROVED: a lower bound from the ratio test or the parts of a sum, an upper one "
     "from refutations narrowed by bisection (UNDECIDED)", "T4, T5"),
)

_register_steps(THRESHOLD_RULE_TABLE, "threshold", _threshold_step)


def _calibration_step(step_name: str):
    def decide(ctx: Context):
        import time

        from ..properties import calibration

        return getattr(calibration, step_name)(ctx.spec, ctx.n, time.perf_counter())
    return decide


#: the rules of calibration, in the order of ``properties.calibration.CALIBRATION_RULES``
CALIBRATION_RULE_TABLE = (
    ("calibration_t2", "calibration-t2", (),
     "T2: completely asymmetric with a finite continuous risk (the wrong-argmax closure is "
     "compact and excludes e_t)", "definition 4, T2"),
    ("calibration_normalised_sum", "calibration-normalised-sum", ("vector",),
     "NCE/NFL + completely asymmetric parts: a lower bound on the wrong-argmax closure",
     "T2 (derived for sums)"),
    ("calibration_negative_normalised", "calibration-negative-normalised", ("vector",),
     "L = c - N(u_y)/sum N(u_k), N >= 0 non-decreasing, N(0) = 0 < N(1/K): the wrong-argmax "
     "risk is (p_t - p_2)/2 above the infimum", "definition 4 (derived, NNCE)"),
    ("calibration_normalised_negative_sum", "calibration-normalised-negative-sum", ("vector",),
     "NCE-type + normalized negative parts: the infimum keeps argmax t and a wrong argmax "
     "costs b (p_t - p_2)/2", "definition 4 (derived, ANL-CE)"),
    ("calibration_swap", "calibration-swap", (),
     "swap argument: separable (A - B)' < 0 or normalised N' < 0, differentiable, risk lower "
     "semicontinuous and bounded below", "definition 4"),
    ("calibration_kkt_order", "calibration-kkt-order", ("pointwise",),
     "strictly convex decreasing differentiable l: the minimiser keeps the order of p",
     "definition 4"),
    ("calibration_normalised_witness", "calibration-normalised-witness", ("vector",),
     "REFUTED by a wrong-argmax minimising sequence (NCE at K >= 3)", "theory.md, NCE"),
    ("calibration_face", "calibration-face", ("pointwise",),
     "REFUTED by a tie or plateau minimiser on a face (exact pieces, vertex enumeration)",
     "definition 4"),
    ("calibration_gap", "calibration-gap", (),
     "never a verdict: the smallest gap a numeric search finds (UNDECIDED)", "definition 4"),
)

_register_steps(CALIBRATION_RULE_TABLE, "calibrated", _calibration_step)


def _excess_risk_step(step_name: str):
    def decide(ctx: Context):
        from ..properties import calibration

        return getattr(calibration, step_name)(ctx.spec, ctx.n)
    return decide


#: the routes to an excess-risk bound, in the order of
#: ``properties.calibration.EXCESS_RISK_RULES`` (a test keeps the two in step); every bound is
#: also checked on sampled pairs (p, u) before it is stated
EXCESS_RISK_RULE_TABLE = (
    ("excess_risk_chord", "excess-risk-chord", ("pointwise",),
     "concave decreasing l: (K/Delta)(R_L - R_L*), l above its chord", "T3"),
    ("excess_risk_pinsker", "excess-risk-pinsker", ("pointwise",),
     "l = -c log u + d: sqrt(2 (R_L - R_L*)/c), Pinsker", "derived (CE)"),
    ("excess_risk_log_linear", "excess-risk-log-linear", ("pointwise",),
     "l = -alpha log u - b u + d, b > 0: sqrt(2 (R_L - R_L*)/alpha), two-class Pinsker",
     "derived (SCE)"),
    ("excess_risk_power", "excess-risk-power", ("pointwise",),
     "l = c(1 - u^q)/q + d, 0 < q < 1: (A (R_L - R_L*))^e, Hoelder", "derived (GCE)"),
    ("excess_risk_projection", "excess-risk-projection", ("pointwise-or-quadratic",),
     "C_L = c ||u - a p||^2 + const: sqrt(A (R_L - R_L*)), projection onto the simplex",
     "derived (MSE, AMSE)"),
    ("excess_risk_convex_pair", "excess-risk-convex-pair", ("pointwise",),
     "convex l, C^2 near the middle, strictly decreasing at 1/2 + theta/K: sqrt((R_L - R_L*)/c), "
     "mass moved between two classes, c by interval bounds on l' and l''", "derived (FL, AEL)"),
    ("excess_risk_decreasing_pair", "excess-risk-decreasing-pair", ("pointwise",),
     "l strictly decreasing on [0, 1], C^2 near the middle: sqrt((R_L - R_L*)/c), a swap of "
     "u_m and u_j or a move of mass, c by interval bounds on l' and |l''|", "derived (LDR-KL)"),
    ("excess_risk_none", "excess-risk-none", ("pointwise-or-quadratic",),
     "never a verdict: no derived bound applies (UNDECIDED)", "T3"),
)

_register_steps(EXCESS_RISK_RULE_TABLE, "excess-risk", _excess_risk_step)


@rule("noise-rows", "noise", (),
      "asymmetry decided per distinct row of T (up to permutation)", "T1, T5")
def noise_rows(ctx: Context):
    from ..properties.tolerance import check_transition_matrix

    return check_transition_matrix(ctx.spec, ctx.inputs["T"], ratio=ctx.inputs.get("ratio"))


@rule("instance-rows", "instance", (),
      "every sample's row eta_{x,.} clean-labels-dominant and the loss asymmetric on it",
      "T1 (instance-dependent noise)")
def instance_rows(ctx: Context):
    from ..properties.tolerance import check_instance_dependent

    return check_instance_dependent(ctx.spec, ctx.inputs["E"], ctx.inputs["labels"])
