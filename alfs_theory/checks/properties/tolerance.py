"""Noise tolerance (T1, T5): thresholds for symmetric noise, verdicts per row of a transition
matrix, and the per-sample condition for instance-dependent noise.

Symmetric noise of rate η gives each clean class the weights w_t = 1 − η, w_k = η/(K − 1).
For separable risks the exact rules of :mod:`.asymmetry` are linear in η, so the threshold
comes out exactly (a sympy number); otherwise the ratio test gives a certified lower bound and
a counterexample search an upper one.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import mpmath
import numpy as np
import sympy as sp

from ...errors import InputError
from ...spec import LossSpec
from ...symbols import U, simplify, tidy_linear
from ...timing import clock
from ..verdict import Certificate, CheckResult, Counterexample, Verdict
from .asymmetry import (
    bounded_normalised,
    check_asymmetric_on_weights,
    complete_asymmetry,
    continuous_part,
    kkt_margins,
    negative_normalised_tie,
    normalised_negative_sequence,
    normalised_numerator,
    normalised_sequence,
    ratio_lower,
    rest_of_sum,
    separable_form,
    sum_with_normalised_complete,
    unbounded_numerator,
)

__all__ = [
    "THRESHOLD_RULES",
    "check_instance_dependent",
    "check_transition_matrix",
    "symmetric_noise_threshold",
    "symmetric_weights",
]

ETA = sp.Symbol("eta", nonnegative=True)
_BISECTIONS = 10  # halvings of the threshold's bracket: width (hi - lo) / 1024 at most
_BISECTIONS_LARGE_K = 4  # beyond K = 1,000 a probe costs 1-2 s of CPU: 4 halvings (1/16)
_BISECTION_SAFETY_S = 30.0  # CPU seconds; only a pathological loss reaches it (and is told)


def _halvings(n: int) -> int:
    """How many halvings the threshold's bisection makes: a function of K alone, so that the
    bracket is the same on every machine (a CPU cap of 6 s stopped ce+sr's at K = 10,000
    after 4 or 5 probes, depending on the machine's speed)."""
    return _BISECTIONS if n <= 1000 else _BISECTIONS_LARGE_K


def symmetric_weights(n: int, eta) -> list:
    return [1 - eta] + [eta / (n - 1)] * (n - 1)


def symmetric_noise_threshold(spec: LossSpec, n_classes: int, *,
                              ratio: CheckResult | None = None,
                              search: bool = True) -> CheckResult:
    """The largest η with argmin = {e_y} under symmetric noise at K classes.

    ``value`` is a dict: eta_max (float), exact (sympy or None), inclusive (bool: tolerant
    at eta_max itself), lo/hi (a bracket when not exact). Clean-labels-dominance caps η below
    (K − 1)/K. ``search=False`` skips the counterexample search for an upper bound (the exact
    rules still run).
    """
    key = ("threshold", n_classes, search)
    if ratio is None and key in spec._cache:
        return spec._cache[key]
    out = _threshold(spec, n_classes, ratio, search)
    if ratio is None:
        spec._cache[key] = out
    return out


def _threshold(spec: LossSpec, n_classes: int, ratio, search: bool) -> CheckResult:
    t0 = time.perf_counter()
    for step in THRESHOLD_RULES:
        out = step(spec, n_classes, ratio, search)
        if out is not None:
            return dataclasses.replace(out, seconds=time.perf_counter() - t0)
    raise AssertionError("threshold_bounds always answers")  # pragma: no cover


def _name(n: int) -> str:
    return "threshold"


def _res(n: int, verdict, summary, value, **kw) -> CheckResult:
    return CheckResult(_name(n), verdict, summary, value=value, **kw)


def _no_eta(n: int, summary: str, cert: Certificate) -> CheckResult:
    """PROVED: no eta keeps e_y the unique minimiser (eta_max = 0, not attained)."""
    return _res(n, Verdict.PROVED, summary,
                {"eta_max": 0.0, "exact": sp.Integer(0), "inclusive": False}, certificate=cert)


def threshold_infinite_loss(spec: LossSpec, n: int, ratio, search: bool) -> CheckResult | None:
    """l(0+) = oo: for any eta > 0 the risk at e_y is infinite (eta_max = 0)."""
    if not spec.is_pointwise:
        return None
    ell = spec.pointwise_expr(n)
    try:
        l0 = sp.limit(ell, U, 0, "+")
    except (NotImplementedError, ValueError):
        return None
    if l0 != sp.oo:
        return None
    cert = Certificate("infinite-loss", "l(0+) = oo: for any eta > 0 every other class "
                       "has positive weight, so the risk at e_y is infinite while any "
                       "interior point has a finite risk")
    return _res(n, Verdict.PROVED, f"tolerates no noise ({ZERO_THRESHOLD}): l(0+) = oo",
                {"eta_max": 0.0, "exact": sp.Integer(0), "inclusive": True}, certificate=cert)


def threshold_infinite_at_vertex(spec: LossSpec, n: int, ratio,
                                  search: bool) -> CheckResult | None:
    """A vector loss with L(e_y, k) = +oo for the other labels k (a log u_k term, as in soft
    bootstrapping or label smoothing): every eta > 0 makes the risk at e_y infinite while the
    risk is finite inside the simplex (the spec gate), so no eta > 0 is tolerated; eta = 0 is
    decided on the clean weights (if L(e_y, y) = +oo too, as in label smoothing, it is not)."""
    if spec.is_pointwise:
        return None
    import mpmath

    e = [mpmath.mpf(1)] + [mpmath.mpf(0)] * (n - 1)
    try:
        at_vertex = spec.mp_losses(e)
    except (ValueError, ZeroDivisionError, TypeError, ArithmeticError):
        return None
    others = at_vertex[1:]
    if not others or not all(mpmath.isinf(x) and x > 0 for x in others):
        return None
    # the limit, seen along u = (1 - (n-1) eps, eps, ...): the other labels' losses grow. A
    # sum over the K - 1 small entries (sparse regularisation: lam sum_k u_k^p, p < 1) can hide
    # the growth at eps = 1e-10 when K is large (999 x 1e-10^0.1 = 100 at K = 1000): a deeper
    # sequence is looked at where the first does not show it
    for ks in ((10, 20, 40), (40, 80, 160)):
        grows = []
        for k in ks:
            eps = mpmath.mpf(10) ** -k
            u = [1 - (n - 1) * eps] + [eps] * (n - 1)
            grows.append(min(spec.mp_losses(u)[1:]))
        d1, d2 = grows[1] - grows[0], grows[2] - grows[1]
        if d1 > 0 and d2 >= d1:  # a log-like divergence; a finite limit's steps shrink
            break
    else:
        return None
    why = ("L(e_y, k) = +oo for every k != y (the spec's vertex limit; along u = (1 - (K-1) eps, "
           f"eps, ...) the other labels' loss is {mpmath.nstr(grows[0], 6)}, "
           f"{mpmath.nstr(grows[1], 6)}, {mpmath.nstr(grows[2], 6)} at eps = "
           + ", ".join(f"1e-{k}" for k in ks)
           + "): for eta > 0 the noisy risk at e_y is infinite, inside the simplex finite")
    return _no_positive_eta(spec, n, search, why, "L(e_y, k) = +oo for k != y",
                            "infinite-loss")


def _no_positive_eta(spec: LossSpec, n: int, search: bool, why: str, short: str,
                     method: str) -> CheckResult:
    """No eta > 0 is tolerated (``why``); eta = 0 decided on the clean weights e_y: PROVED with
    eta_max = 0 inclusive, PROVED for no eta, or UNDECIDED when the clean question is open."""
    clean = check_asymmetric_on_weights(spec, [1] + [0] * (n - 1), search=search)
    if clean.verdict is Verdict.PROVED:
        return _res(n, Verdict.PROVED, f"tolerates no noise ({ZERO_THRESHOLD}): {short}",
                    {"eta_max": 0.0, "exact": sp.Integer(0), "inclusive": True},
                    certificate=Certificate(method, f"{why}; at eta = 0 e_y is the "
                                            f"minimiser ({clean.summary})"))
    if clean.verdict is Verdict.REFUTED:
        return _res(n, Verdict.PROVED, "tolerant for no eta (not even the clean labels: "
                    f"{clean.summary})", {"eta_max": 0.0, "exact": sp.Integer(0),
                                          "inclusive": False},
                    certificate=Certificate(method, f"{why}; at eta = 0 e_y is not "
                                            f"the minimiser: {clean.counterexample.detail}"))
    # every eta > 0 is refuted; eta = 0 itself stays open
    return _res(n, Verdict.UNDECIDED, f"no eta > 0 is tolerated ({short}); "
                f"eta = 0 (clean labels) undecided: {clean.summary}",
                {"eta_max": None, "lo": 0.0, "hi": 0.0},
                estimate={"lo": 0.0, "hi": 0.0, "why": why})


def threshold_no_weights(spec: LossSpec, n: int, ratio, search: bool) -> CheckResult | None:
    """The region question answered "no weight vector" (every w with w_n > 0 at least, through
    the engine and its gate): symmetric noise at any eta > 0 gives w_n > 0, so no eta > 0 is
    tolerated; eta = 0 is decided on the clean weights (an entropy term -sum v log v pulls
    mass off e_y even there)."""
    from ..engine import decide

    reg = decide("region", spec, n)
    if reg.verdict is not Verdict.PROVED or not isinstance(reg.value, dict) or \
            reg.value.get("kind") != "none":
        return None
    return _no_positive_eta(spec, n, search, f"the region rule proves {reg.summary}",
                            "no noisy weight vector keeps e_y", "region-none")


def threshold_bounded_normalised(spec: LossSpec, n: int, ratio,
                                 search: bool) -> CheckResult | None:
    """Normalised with N(0) finite at K >= 3: symmetric noise gives every other class the same
    weight, which the rule proves, for every eta < (K-1)/K."""
    if n < 3:
        return None
    cap = sp.Rational(n - 1, n)
    got = bounded_normalised(spec, symmetric_weights(n, cap / 2), 0)
    if got is None or got[0] != "PROVED":
        return None
    cert = Certificate("normalised-equal-weights",
                       "symmetric noise gives every other class the same weight, so the "
                       f"rule holds for every eta < (K-1)/K: {got[1].detail}")
    return _res(n, Verdict.PROVED, f"tolerant for every eta < (K-1)/K = {float(cap):.6g}",
                {"eta_max": float(cap), "exact": cap, "inclusive": False}, certificate=cert)


def threshold_normalised_sequence(spec: LossSpec, n: int, ratio,
                                  search: bool) -> CheckResult | None:
    """N(u_y)/sum_k N(u_k) with N >= 0 at K >= 3: a wrong-argmax minimising sequence for every
    weight vector (eta_max = 0, not attained)."""
    if n < 3 or normalised_numerator(spec, n) is None:
        return None
    cap = sp.Rational(n - 1, n)
    out = normalised_sequence(spec, symmetric_weights(n, cap / 2), 0)
    if out is None:
        return None
    cert = Certificate(
        "normalised-sequence",
        "L = N(u_y)/sum_k N(u_k) with N >= 0 at K >= 3: for every weight vector the "
        "risk's infimum min_k w_k is approached along a sequence with the wrong argmax "
        f"(shown at eta = {float(cap / 2):.6g}: {out[1].detail})")
    return _no_eta(n, "tolerant for no eta: the infimum of the noisy (and the clean) risk is "
                   "approached away from e_y", cert)


def threshold_negative_tie(spec: LossSpec, n: int, ratio, search: bool) -> CheckResult | None:
    """L = c - N(u_y)/sum_k N(u_k) with N = 0 on [0, b]: for every weight vector with a unique
    largest entry, clean ones included, the other classes inside the plateau tie e_y exactly,
    so no eta keeps e_y the unique minimiser."""
    cap = sp.Rational(n - 1, n)
    shown = []
    for eta in (sp.Integer(0), cap / 2):
        got = negative_normalised_tie(spec, symmetric_weights(n, eta), 0)
        if got is None:
            return None
        shown.append(f"eta = {sp.sstr(eta)}: risk {mpmath.nstr(got[1], 12)} at u_k = "
                     f"{sp.sstr(got[0][1])} (k != y), {mpmath.nstr(got[2], 12)} at e_y")
    cert = Certificate(
        "negative-tie",
        f"{got[3].evidence}. For any w with a unique largest w_y the risk is c W minus the "
        "mean of the w_k weighted by N(u_k), at most w_y, and equal to w_y at e_y and at every "
        "u whose other classes lie in the plateau: e_y is never the unique minimiser, not even "
        f"for clean labels ({'; '.join(shown)})")
    return _no_eta(n, "tolerant for no eta, not even clean labels: the other classes inside "
                   "N's zero plateau tie e_y exactly", cert)


def threshold_normalised_negative(spec: LossSpec, n: int, ratio,
                                  search: bool) -> CheckResult | None:
    """NCE-type + normalized negative parts (ANL-CE) at K >= 3: for every weight vector with a
    unique largest entry, clean ones included, the infimum is approached away from e_y."""
    shown = []
    for eta in (sp.Integer(0), sp.Rational(n - 1, n) / 2):
        got = normalised_negative_sequence(spec, symmetric_weights(n, eta), 0)
        if got is None:
            return None
        shown.append(f"eta = {sp.sstr(eta)}: {got[1].sequence}")
    cert = Certificate("normalised-negative-sequence",
                       f"{got[1].detail}. The argument holds for every w with a unique largest "
                       f"entry, clean labels included ({'; '.join(shown)})")
    return _no_eta(n, "tolerant for no eta, not even clean labels: the infimum is approached "
                   "along a sequence converging away from e_y", cert)


def threshold_complete(spec: LossSpec, n: int, ratio, search: bool) -> CheckResult | None:
    """Complete asymmetry (or a normalised sum with completely asymmetric parts): e_y wins
    whenever w_y is the unique largest weight, so every eta < (K-1)/K."""
    cap = sp.Rational(n - 1, n)
    full = complete_asymmetry(spec, n)
    cert = full.certificate if full is not None else sum_with_normalised_complete(spec, n)
    if cert is None:
        return None
    return _res(n, Verdict.PROVED, f"tolerant for every eta < (K-1)/K = {float(cap):.6g}",
                {"eta_max": float(cap), "exact": cap, "inclusive": False}, certificate=cert)


def threshold_kkt(spec: LossSpec, n: int, ratio, search: bool) -> CheckResult | None:
    """Convex separable risk: the KKT margin D(eta) at e_y is solved for its root."""
    form = separable_form(spec, n)
    if form is None or form.shape != "convex":
        return None
    cap = sp.Rational(n - 1, n)
    ws = symmetric_weights(n, ETA)
    D = simplify(kkt_margins(form, ws, 0)[1])
    if D.has(sp.oo, -sp.oo, sp.zoo):
        cert = Certificate("kkt", f"D(eta) = {sp.sstr(D)}: infinite slope at 0, so e_y is "
                           "never optimal once eta > 0")
        return _res(n, Verdict.PROVED, f"tolerates no noise ({ZERO_THRESHOLD}): the margin is "
                    "-oo for every eta > 0", {"eta_max": 0.0, "exact": sp.Integer(0),
                                               "inclusive": True}, certificate=cert)
    sols = [s for s in sp.solve(sp.Eq(D, 0), ETA) if s.is_real]
    if not D.subs(ETA, 0).is_nonnegative:
        return None
    if not sols:
        eta_max, incl = cap, False
    else:
        s = min(sols, key=lambda x: float(x))
        eta_max = sp.Min(s, cap)
        incl = bool(s < cap) and form.strict
    exact = sp.nsimplify(simplify(eta_max))
    cert = Certificate(
        "kkt",
        f"convex separable risk; margin D(eta) = {sp.sstr(_tidy_eta(D))} >= 0 iff "
        f"eta <= {sp.sstr(exact)}" + (" (equality kept: strictly convex)" if incl else ""),
        {"D": D})
    return _res(n, Verdict.PROVED, _threshold_text(exact, incl, D),
                {"eta_max": float(eta_max), "exact": sp.nsimplify(eta_max), "inclusive": incl},
                certificate=cert)


def threshold_normalised_plus_kkt(spec: LossSpec, n: int, ratio,
                                  search: bool) -> CheckResult | None:
    """Normalised parts with N(0+) = oo plus a rest decided by KKT: the sum tolerates exactly
    what the rest tolerates."""
    got = rest_of_sum(spec, n)
    if got is None:
        return None
    rest_th = symmetric_noise_threshold(got[1], n, search=False)
    cert = rest_th.certificate
    if rest_th.verdict is not Verdict.PROVED or cert is None or cert.method != "kkt":
        return None
    names = ", ".join(p.name for _, p in got[0])
    why = ("they sit at their bound min_k w_k at e_t (liminf) and on every edge "
           "e_t -> e_k with the other classes at 0 (K >= 3)" if n >= 3 else
           "at K = 2 they are least at e_t and rise only by o(d) along the edge "
           "(N(1-d)/d bounded, N(0+) = oo), adding nothing to the first-order margin")
    cert = Certificate(
        "normalised-plus-kkt",
        f"{names}: normalised with N(0+) = oo; under symmetric noise {why}. So the sum "
        f"tolerates exactly what the rest ({got[1].name}) tolerates: {cert.detail}")
    return _res(n, Verdict.PROVED, rest_th.summary, dict(rest_th.value), certificate=cert)


def threshold_bounds(spec: LossSpec, n: int, ratio, search: bool) -> CheckResult:
    """Never PROVED: a lower bound from the parts of a sum or the ratio test (T5), an upper one
    from refutations on a grid of eta narrowed by bisection (CPU-bounded)."""
    cap = sp.Rational(n - 1, n)
    lo = 0.0
    how = "ratio test"
    part_lo = _parts_threshold(spec, n, cap)
    if part_lo is not None:
        lo, how = part_lo
    if spec.is_pointwise and ratio is not None and ratio.verdict is Verdict.PROVED:
        r = ratio_lower(ratio)
        if r is not None and 0 < r < float("inf"):  # r <= 0 (jumps: r = 0 or -oo) gives none
            lo = min(r * (n - 1) / (1 + r * (n - 1)), float(cap))
    # the noisy risk gap is linear in eta, (1 - eta) A(u) - eta B(u) / (K - 1) with A, B >= 0,
    # so a proof at eta holds below it and a refutation above it: bisect on both
    hi = None
    ce = None
    capped = False

    def probe(eta: float) -> CheckResult:
        return check_asymmetric_on_weights(spec, symmetric_weights(n, eta))

    def proved_at(eta: float, out: CheckResult) -> str:
        method = out.certificate.method if out.certificate is not None else "proof"
        return f"{method} at eta = {eta:.6g}"

    for eta in np.linspace(lo, float(cap), 9)[1:-1] if search else ():
        out = probe(float(eta))
        if out.verdict is Verdict.REFUTED:
            hi, ce = float(eta), out.counterexample
            break
        if out.verdict is Verdict.PROVED and eta > lo:
            lo, how = float(eta), proved_at(float(eta), out)
    if search:
        a, b = lo, (hi if hi is not None else float(cap))
        # a fixed number of halvings (the bracket must not depend on the machine: a CPU cap
        # alone made it stop at different widths), with a CPU cap only as a safety net
        t_bis = clock()
        for _ in range(_halvings(n)):
            if b - a <= 1e-3 * max(b, 1e-3):
                break
            if clock() - t_bis > _BISECTION_SAFETY_S:
                capped = True
                break
            mid = (a + b) / 2
            out = probe(mid)
            if out.verdict is Verdict.REFUTED:
                b, hi, ce = mid, mid, out.counterexample
            else:
                a = mid
                if out.verdict is Verdict.PROVED:
                    lo, how = mid, proved_at(mid, out)
    summary = (f"tolerant for eta <= {lo:.6g} ({how})" if lo > 0 else
               "no tolerated rate proved (the ratio test gives none)")
    if hi is not None:
        summary += f"; refuted at eta = {hi:.6g}"
    if capped:
        summary += (f" (the bisection stopped at its CPU safety net of "
                    f"{_BISECTION_SAFETY_S:.0f} s: this bracket depends on the machine)")
    est = {"lo": lo, "hi": hi}
    if ce is not None:
        est["refuted_at_hi"] = ce.to_dict()
    return _res(n, Verdict.UNDECIDED, summary, {"eta_max": None, "lo": lo, "hi": hi},
                estimate=est)


THRESHOLD_RULES = (threshold_infinite_loss, threshold_infinite_at_vertex,
                   threshold_bounded_normalised,
                   threshold_normalised_sequence, threshold_negative_tie,
                   threshold_normalised_negative, threshold_complete,
                   threshold_kkt,
                   threshold_normalised_plus_kkt, threshold_no_weights, threshold_bounds)
"""The rules of the symmetric-noise threshold in the order they are tried: the engine
registers each as a named rule (alfs_theory.checks.engine.rules); :func:`symmetric_noise_threshold`
runs the same sequence for the provers that ask a part's threshold (sums)."""


def _parts_threshold(spec: LossSpec, n: int, cap) -> tuple[float, str] | None:
    """For a sum with weights >= 0: every part tolerant for eta <= eta_i (proved) makes the
    sum tolerant for eta <= min eta_i (strictly below it where a part's bound is strict)."""
    parts = spec.parts()
    if not parts or not all(w.is_number and w >= 0 for w, _ in parts):
        return None
    live = [p for w, p in parts if w > 0]
    if n >= 3 and any(unbounded_numerator(p, n) is not None for p in live):
        # NCE/NFL parts do not restrict (sum_with_normalised_on_weights): the others decide
        live = [p for p in live if unbounded_numerator(p, n) is None]
        if not live or not all(continuous_part(p, n) for p in live):
            return None
    subs = [symmetric_noise_threshold(p, n, search=False) for p in live]
    if not live or any(r.verdict is not Verdict.PROVED for r in subs):
        return None
    worst = min(subs, key=lambda r: r.value["eta_max"])
    lo = worst.value["eta_max"]
    if not worst.value["inclusive"]:
        lo = float(np.nextafter(lo, 0.0)) if lo > 0 else 0.0
    names = ", ".join(f"{p.name} <= {r.value['eta_max']:.6g}" for p, r in zip(live, subs))
    return min(lo, float(cap)), f"every part of the sum: {names}"


def check_transition_matrix(spec: LossSpec, T_row, *, ratio=None) -> CheckResult:
    """Verdict per row i of a row-stochastic T (T[i, j] = P(noisy j | clean i)): is the noisy
    minimiser still e_i? Rows that are not clean-labels-dominant fail by construction.

    ``T_row`` is a K x K array or a :class:`alfs_theory.noise.NoiseRows`. The classes of every
    loss here are exchangeable (L(u, k) is one formula in u_k and symmetric sums), so a row's
    verdict depends only on its diagonal entry and the multiset of the others: each class of
    rows equal up to a permutation is decided once (symmetric noise: one question for all K
    rows, and no K x K matrix when it comes as NoiseRows)."""
    from ...noise import NoiseRows

    t0 = time.perf_counter()
    if isinstance(T_row, NoiseRows):
        rows = T_row
    else:
        T = np.asarray(T_row, dtype=float)
        if T.ndim != 2 or T.shape[0] != T.shape[1]:
            raise InputError(f"a transition matrix must be square K x K, got shape {T.shape}")
        rows = NoiseRows.from_matrix(T)  # InputError naming the row that is not stochastic
    classes = []
    worst = Verdict.PROVED
    first_ce = None
    exact: dict = {}  # nsimplify once per distinct value

    def rational(x: float):
        if x not in exact:
            exact[x] = sp.nsimplify(x, rational=True)
        return exact[x]

    for c in rows.classes:
        entry = c.to_dict()
        if not c.dominant:
            why = (f"not clean-labels-dominant: T[{c.first},{c.first}] = {c.diagonal:.4g} <= "
                   f"{c.largest_other:.4g}, an off-diagonal entry of the same row")
            entry.update(verdict="REFUTED", why=why)
            worst = Verdict.REFUTED
            first_ce = first_ce or Counterexample({"row": c.first}, why)
            classes.append(entry)
            continue
        w = [rational(c.diagonal)]
        for v, n in c.off_diagonal:
            w += [rational(v)] * n
        out = check_asymmetric_on_weights(spec, w, ratio=ratio)
        entry.update(verdict=out.verdict.value, why=out.summary)
        classes.append(entry)
        if out.verdict is Verdict.REFUTED:
            worst = Verdict.REFUTED
            if first_ce is None and out.counterexample is not None:
                ce = out.counterexample
                first_ce = dataclasses.replace(
                    ce, point={"row": c.first, **ce.point},
                    detail=f"row {c.first} (clean class first, the others largest first): "
                           f"{ce.detail}")
        elif out.verdict is Verdict.UNDECIDED and worst is Verdict.PROVED:
            worst = Verdict.UNDECIDED
    counts = {v: sum(e["n_rows"] for e in classes if e["verdict"] == v)
              for v in ("PROVED", "REFUTED", "UNDECIDED")}
    distinct = (f"{len(classes)} distinct row{'s' if len(classes) != 1 else ''} up to a "
                "permutation")
    if worst is Verdict.PROVED:
        summary = f"all {rows.K} rows keep the clean minimiser (PROVED per row; {distinct})"
    else:
        summary = (f"rows: {counts['PROVED']} proved to keep the clean minimiser, "
                   f"{counts['REFUTED']} refuted, {counts['UNDECIDED']} undecided "
                   f"(of {rows.K}; {distinct})")
    kw = {}
    if worst is Verdict.PROVED:
        kw["certificate"] = Certificate("per-row", "every class of rows decided PROVED",
                                        {"classes": classes})
    elif worst is Verdict.REFUTED:
        kw["counterexample"] = first_ce
    value = {"K": rows.K, "classes": classes}
    return CheckResult("noise", worst, summary, value=value,
                       estimate=None if worst is not Verdict.UNDECIDED else classes,
                       seconds=time.perf_counter() - t0, **kw)


def check_instance_dependent(spec: LossSpec, eta_rows: np.ndarray, labels: Sequence[int],
                             *, max_rows: int = 200) -> CheckResult:
    """The condition of T1 for instance-dependent noise on given samples: every row
    η_{x,·} must be clean-labels-dominant at its clean label y and the loss asymmetric on it."""
    t0 = time.perf_counter()
    E = np.asarray(eta_rows, dtype=float)
    y = np.asarray(labels, dtype=int)
    if E.ndim != 2 or len(E) != len(y):
        raise InputError(f"eta_rows must be N x K with one label per row; got {E.shape} and "
                         f"{y.shape}")
    if np.any((y < 0) | (y >= E.shape[1])):
        raise InputError(f"labels must lie in [0, {E.shape[1]})")
    clean = E[np.arange(len(y)), y]
    other = np.where(np.eye(E.shape[1], dtype=bool)[y], -np.inf, E).max(1)
    dominant = clean > other
    idx = np.flatnonzero(dominant)[:max_rows]
    fails, undecided = [], []
    for i in idx:
        w = np.roll(E[i], -y[i])  # put the clean class first; losses are class-symmetric
        out = check_asymmetric_on_weights(spec, [sp.nsimplify(x, rational=True) for x in w],
                                          search=False)
        if out.verdict is Verdict.REFUTED:
            fails.append(int(i))
        elif out.verdict is Verdict.UNDECIDED:
            undecided.append(int(i))
    n_dom = int(dominant.sum())
    value = {"n": len(y), "clean_dominant": n_dom, "checked": len(idx),
             "asymmetric_fails": fails, "undecided": undecided,
             "not_dominant": np.flatnonzero(~dominant)[:20].tolist()}
    summary = (f"{n_dom}/{len(y)} samples clean-labels-dominant; of {len(idx)} checked, "
               f"{len(fails)} fail asymmetry, {len(undecided)} undecided")
    if n_dom < len(y) or fails:
        i = int(np.flatnonzero(~dominant)[0]) if n_dom < len(y) else fails[0]
        ce = Counterexample({"sample": i, "eta_row": E[i].tolist(), "label": int(y[i])},
                            f"sample {i}: the condition of T1 fails")
        return CheckResult("instance", Verdict.REFUTED, summary, counterexample=ce,
                           value=value, seconds=time.perf_counter() - t0)
    if undecided or len(idx) < n_dom:
        return CheckResult("instance", Verdict.UNDECIDED, summary, value=value,
                           estimate=value, seconds=time.perf_counter() - t0)
    cert = Certificate("per-sample", "every sample's row is clean-labels-dominant and the loss "
                       "is asymmetric on it")
    return CheckResult("instance", Verdict.PROVED, summary, certificate=cert,
                       value=value, seconds=time.perf_counter() - t0)


ZERO_THRESHOLD = "eta_max = 0"


def _tidy_eta(D: sp.Expr) -> sp.Expr:
    """A margin D(eta) for printing, collected in eta."""
    return tidy_linear(D, ETA)


def _threshold_text(eta_max: sp.Expr, inclusive: bool, D: sp.Expr) -> str:
    """The threshold's summary: ``tolerant iff eta <= 9/11 = 0.818182``; a zero threshold
    reads ``tolerates no noise (eta_max = 0)``, with the margin that every eta > 0 makes
    negative."""
    if eta_max == 0:
        return (f"tolerates no noise ({ZERO_THRESHOLD}): the KKT margin D(eta) = "
                f"{sp.sstr(_tidy_eta(D))} is < 0 for every eta > 0")
    exact = sp.sstr(eta_max)
    num = f"{float(eta_max):.6g}"
    shown = num if (eta_max.is_Float or len(exact) > 30 or exact == num) else f"{exact} = {num}"
    return f"tolerant iff eta {'<=' if inclusive else '<'} {shown}"
