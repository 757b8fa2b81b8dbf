"""The ledger: every claim of the paper (and of shared/theory.md) with how it is checked.

Each entry states the claim as mathematics, its source, the method, the verdict the project
expects, and a function that computes the verdict found with its evidence. A claim the paper
states but that fails carries ``expected = "REFUTED"`` and a counterexample in the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .. import get_loss
from ..checks.engine import decide
from ..checks.properties.tolerance import symmetric_weights
from ..checks.verdict import Verdict
from ..errors import InputError
from ..population import flip_within, measured_flip_rate
from ..spec import LossSpec
from ..symbols import U

P, R, UD = "PROVED", "REFUTED", "UNDECIDED"


@dataclass
class Outcome:
    verdict: str
    evidence: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    source: str
    method: str
    expected: str
    run: Callable[[], Outcome]
    paper_ids: tuple[str, ...] = ()
    note: str = ""
    #: "theory" (decided by the checker: PROVED / REFUTED / UNDECIDED) or "empirical" (read
    #: from recorded runs: SUPPORTED / CONTRADICTED / INCONCLUSIVE, or NO RECORDS; never
    #: PROVED or REFUTED, and its ``run`` takes the study folder)
    section: str = "theory"


def _b(name: str, **kw) -> LossSpec:
    return get_loss(name).bind(**kw)


def _convex(spec) -> bool:
    """The checker proved l convex (the shape verdict, through the engine's gate)."""
    r = decide("shape", spec, 2)
    return r.verdict is Verdict.PROVED and "convex" in r.summary and "concave" not in r.summary


def _weights(spec, w, **kw):
    """Asymmetry on the weights w, decided by the engine (its gate included)."""
    return decide("weights", spec, len(w), weights=list(w), **kw)


def _all(results: list, want: Verdict) -> bool:
    return all(r.verdict is want for r in results)


# ---------------------------------------------------------------------------- definitions
def _symmetric_yes() -> Outcome:
    rs = [decide("symmetric", get_loss("mae"), None), decide("symmetric", get_loss("rce"), None)]
    ok = _all(rs, Verdict.PROVED)
    return Outcome(P if ok else UD, "; ".join(f"{n}: {r.verdict} {r.evidence}"
                                               for n, r in zip(("MAE", "RCE"), rs)))


def _symmetric_no() -> Outcome:
    rs = {n: decide("symmetric", _b(n), 3) for n in ("ce", "gce", "fl")}
    ok = _all(list(rs.values()), Verdict.REFUTED)
    return Outcome(R if ok else UD, "; ".join(f"{n}: {r.verdict} {r.evidence}"
                                               for n, r in rs.items()))


def _closed_forms() -> Outcome:
    """The checker derives r(ℓ) itself; compare with the paper's formulas at random points."""
    rng = np.random.default_rng(0)
    forms = {
        "agce": lambda a, q: (a / (a + 1)) ** abs(q - 1),
        "aul": lambda a, q: ((a - 1) / a) ** abs(q - 1),
    }
    worst = 0.0
    lines = []
    for name, ref in forms.items():
        spec = get_loss(name)
        r = decide("ratio", spec, 2, bounds=False)
        if r.verdict is not Verdict.PROVED:
            return Outcome(UD, f"{name}: {r.summary}")
        a_s, q_s = spec.param("a").symbol, spec.param("q").symbol
        for _ in range(20):
            a = round(float(rng.uniform(1.05, 6)) if name == "aul" else
                      float(rng.uniform(0.05, 6)), 3)
            q = round(float(rng.uniform(0.05, 4)), 3)
            got = float(r.value.subs({a_s: sp.Rational(repr(a)), q_s: sp.Rational(repr(q))}))
            worst = max(worst, abs(got - ref(a, q)) / ref(a, q))
        lines.append(f"{name}: r = {sp.sstr(r.value)}")
    ael = get_loss("ael")
    r = decide("ratio", ael, 2, bounds=False)
    for a in (0.3, 1, 2.5, 3, 10):
        got = float(r.value.subs(ael.param("a").symbol, sp.Rational(repr(float(a)))))
        worst = max(worst, abs(got - math.exp(-1 / a)) / math.exp(-1 / a))
    lines.append(f"ael: r = {sp.sstr(r.value)}")
    mae = decide("ratio", _b("mae"), 2)
    lines.append(f"mae: r = {mae.value}")
    ok = worst < 1e-12 and mae.value == 1
    return Outcome(P if ok else R, "; ".join(lines) + f"; max relative gap to the paper's "
                   f"formulas over 45 random parameter points: {worst:.2e}", {"worst": worst})


def _ratio_zero() -> Outcome:
    rs = {"ce": decide("ratio", _b("ce"), 2), "gce(q=0.7)": decide("ratio", _b("gce", q=0.7), 2),
          "gce(q=0.3)": decide("ratio", _b("gce", q=0.3), 2)}
    ok = all(r.verdict is Verdict.PROVED and float(r.value) == 0 for r in rs.values())
    return Outcome(P if ok else UD, "; ".join(f"{n}: {r.summary}" for n, r in rs.items()))


# ---------------------------------------------------------------------------- T4
def _t4_iff() -> Outcome:
    spec = _b("agce", a=1, q=2)
    w = [sp.Rational(2, 5), sp.Rational(7, 20), sp.Rational(1, 4)]
    r = decide("ratio", spec, 2)
    lhs = float(w[0] / w[1]) * float(r.value)
    d = _weights(spec, w, ratio=None)
    if lhs < 1 and d.verdict is Verdict.PROVED:
        return Outcome(R, f"AGCE(a=1,q=2) on w = (0.4, 0.35, 0.25): (w_m/w_n) r = 8/7 * 1/2 = "
                       f"{lhs:.4f} < 1, yet the definition holds: {d.evidence}. The 'only if' "
                       "direction fails for concave l.", {"lhs": lhs})
    return Outcome(UD, f"lhs {lhs}, definition {d.verdict}")


def _random_weights(rng, K):
    w = rng.dirichlet(np.ones(K) * 0.7)
    w = np.round(w, 4)
    w[-1] = 1 - w[:-1].sum()
    if w.min() < 0 or np.sort(w)[-1] == np.sort(w)[-2]:
        return None
    return [sp.Rational(repr(float(x))) for x in w]


def _t4_sufficient() -> Outcome:
    rng = np.random.default_rng(1)
    losses = [_b("agce", a=1, q=0.5), _b("ael", a=3), _b("aul", a=3, q=2), _b("agce", a=1, q=2),
              _b("aul", a=1.5, q=0.9), _b("mae")]
    n_pass = n_checked = 0
    for spec in losses:
        r = float(decide("ratio", spec, 2, bounds=False).value)
        for _ in range(25):
            w = _random_weights(rng, int(rng.integers(2, 6)))
            if w is None:
                continue
            s = sorted(w)
            if float(s[-1] / s[-2]) * r < 1:
                continue
            n_checked += 1
            d = _weights(spec, w, search=False)
            if d.verdict is Verdict.REFUTED:
                return Outcome(R, f"{spec.name} {spec.describe_values()} w={w}: ratio test "
                               f"passes but {d.evidence}")
            n_pass += d.verdict is Verdict.PROVED
    ok = n_pass == n_checked and n_checked > 20
    return Outcome(P if ok else UD, f"{n_checked} random weight vectors passing the ratio test "
                   f"(6 losses, K = 2..5): the definition PROVED exactly for {n_pass}",
                   {"checked": n_checked})


def _t4_necessary_convex() -> Outcome:
    rng = np.random.default_rng(2)
    losses = [_b("agce", a=1, q=0.5), _b("ael", a=3), _b("aul", a=3, q=2), _b("ael", a=1)]
    n_ref = n = 0
    for spec in losses:
        assert _convex(spec)
        r = float(decide("ratio", spec, 2, bounds=False).value)
        for _ in range(25):
            w = _random_weights(rng, int(rng.integers(2, 6)))
            if w is None:
                continue
            s = sorted(w)
            if float(s[-1] / s[-2]) * r >= 1:
                continue
            n += 1
            d = _weights(spec, w, search=False)
            n_ref += d.verdict is Verdict.REFUTED
    ok = n_ref == n and n > 20
    return Outcome(P if ok else UD, f"{n} random weight vectors failing the ratio test for "
                   f"convex l: the definition REFUTED (re-verified counterexample) for {n_ref}")


def _t4_other_reading() -> Outcome:
    """With d taking all of u_j's mass, r'(l) = inf [l(u_i) − l(u_i+u_j)]/[l(0) − l(u_j)]."""
    spec = _b("agce", a=1, q=2)
    f = sp.lambdify(U, spec.pointwise_expr(), "numpy")
    g = np.linspace(0, 1, 601)
    ui, uj = np.meshgrid(g, g, indexing="ij")
    m = (ui + uj <= 1) & (uj > 0)
    with np.errstate(all="ignore"):
        ratio = (f(ui) - f(ui + uj)) / (f(0 * uj) - f(uj))
    rmin = float(np.nanmin(np.where(m, ratio, np.inf)))
    at0 = float((f(0.0) - f(0.3)) / (f(0.0) - f(0.3)))
    ok = abs(rmin - 1) < 1e-9 and at0 == 1.0
    return Outcome(P if ok else UD, "concave l: a secant moved right is steeper, so "
                   f"[l(u_i) - l(u_i+u_j)]/[l(0) - l(u_j)] >= 1 with equality at u_i = 0; "
                   f"grid minimum {rmin:.12f}. Under this reading r' = 1 and the 'iff' agrees "
                   "with the complete asymmetry of concave l.", {"grid_min": rmin})


# ---------------------------------------------------------------------------- T5
def _t5_convex() -> Outcome:
    K = 10
    lines, ok = [], True
    for spec in [_b("ael", a=3), _b("agce", a=1, q=0.5), _b("aul", a=3, q=2), _b("ael", a=1)]:
        r = float(decide("ratio", spec, 2, bounds=False).value)
        pred = r * (K - 1) / (1 + r * (K - 1))
        th = decide("threshold", spec, K)
        got = th.value["eta_max"]
        ok &= th.verdict is Verdict.PROVED and abs(got - pred) < 1e-12
        lines.append(f"{spec.name}({spec.describe_values()}): {got:.6f} vs {pred:.6f}")
    return Outcome(P if ok else R, "; ".join(lines))


def _t5_concave() -> Outcome:
    K = 10
    lines, ok = [], True
    for spec in [_b("agce", a=1, q=2), _b("aul", a=1.5, q=0.9), _b("mae"), _b("agce", a=3, q=1.5)]:
        th = decide("threshold", spec, K)
        ok &= th.verdict is Verdict.PROVED and abs(th.value["eta_max"] - 0.9) < 1e-12
        lines.append(f"{spec.name}({spec.describe_values()}): eta < {th.value['eta_max']:.4f}")
    return Outcome(P if ok else R, "; ".join(lines))


# ---------------------------------------------------------------------------- T1 population
_POP_LOSSES = [("agce", {"a": 1, "q": 2}), ("agce", {"a": 1, "q": 0.5}),
               ("aul", {"a": 1.5, "q": 0.9}), ("aul", {"a": 3, "q": 2}), ("ael", {"a": 3}),
               ("ael", {"a": 1}), ("mae", {}), ("ce", {}), ("gce", {"q": 0.7})]


def _predicted_flip(spec, K, kind):
    if kind == "symmetric":
        th = decide("threshold", spec, K)
        return th.value.get("eta_max")
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-4:  # 14 halvings: the claim compares at 2e-3
        mid = (lo + hi) / 2
        w = [sp.Rational(1) - sp.Rational(repr(mid)), sp.Rational(repr(mid))] + [0] * (K - 2)
        try:
            d = _weights(spec, w, search=False)
        except InputError:
            hi = mid
            continue
        if d.verdict is Verdict.PROVED:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _population(kind: str) -> Outcome:
    K = 10 if kind == "symmetric" else 4
    rows, ok = [], True
    for name, kw in _POP_LOSSES:
        spec = _b(name, **kw)
        pred = _predicted_flip(spec, K, kind)
        # two decisions at pred -/+ 2e-3 (the tolerance the claim checks); only where they
        # disagree with the prediction is the flip located by the full bisection
        meas = flip_within(spec, K, kind, pred, 2e-3) if pred is not None else None
        good = meas is not None
        if meas is None:
            meas = measured_flip_rate(spec, K, kind, tol=2e-4)
        ok &= good
        rows.append({"loss": f"{name}({spec.describe_values()})", "predicted": pred,
                     "measured": meas.eta, "bracket": [meas.lo, meas.hi], "agree": good})
    ev = "; ".join(f"{r['loss']}: predicted {r['predicted']:.4f}, flip in "
                   f"[{r['bracket'][0]:.4f}, {r['bracket'][1]:.4f}]" for r in rows)
    return Outcome(P if ok else R, ev, {"rows": rows})


def _class_conditional() -> Outcome:
    rng = np.random.default_rng(3)
    spec = _b("agce", a=1, q=2)
    n = 0
    for _ in range(5):
        T = rng.dirichlet(np.ones(4), size=4)
        T = T + np.eye(4) * 1.5
        T = T / T.sum(1, keepdims=True)
        res = decide("noise", spec, len(T), T=T)
        if res.verdict is not Verdict.PROVED:
            return Outcome(R, f"a clean-labels-dominant T failed: {res.summary}")
        n += 1
    T = np.array([[0.5, 0.5, 0.0], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8]])
    bad = decide("noise", spec, len(T), T=T)
    ok = bad.verdict is Verdict.REFUTED
    return Outcome(P if ok else UD, f"{n} random clean-labels-dominant 4x4 T: every row keeps "
                   f"the clean minimiser (AGCE a=1 q=2); a T with a tied row: {bad.summary}")


def _instance_dependent() -> Outcome:
    rng = np.random.default_rng(4)
    E = rng.dirichlet(np.ones(5), size=40)
    y = E.argmax(1)
    spec = _b("aul", a=1.5, q=0.9)
    res = decide("instance", spec, E.shape[1], E=E, labels=y)
    E2 = E.copy()
    i = 0
    j = (y[i] + 1) % 5
    E2[i] = 0.0
    E2[i, y[i]] = 0.5 - 1e-9
    E2[i, j] = 0.5 + 1e-9
    res2 = decide("instance", spec, E2.shape[1], E=E2, labels=y)
    ok = res.verdict is Verdict.PROVED and res2.verdict is Verdict.REFUTED
    return Outcome(P if ok else UD, f"40 samples with clean-dominant rows: {res.summary}; one "
                   f"row failing dominance by 1e-9: {res2.verdict} ({res2.summary})")


# ---------------------------------------------------------------------------- T2, T3
def _t2() -> Outcome:
    lines, ok = [], True
    for spec in [_b("agce", a=1, q=2), _b("aul", a=1.5, q=0.9), _b("ael", a=3), _b("mae"),
                 _b("anl")]:
        for K in (3, 10):
            c = decide("calibrated", spec, K)
            ok &= c.verdict is Verdict.PROVED
            lines.append(f"{spec.name} K={K}: {c.verdict}")
    return Outcome(P if ok else UD, "; ".join(lines))


def _nce_calibration() -> Outcome:
    c = decide("calibrated", _b("nce"), 3)
    return Outcome(c.verdict.value, c.evidence)


def _nce_asym() -> Outcome:
    d = _weights(_b("nce"), [sp.Rational(3, 5), sp.Rational(1, 4),
                                                sp.Rational(3, 20)])
    return Outcome(d.verdict.value, d.evidence)


def _nce_k2() -> Outcome:
    """K = 2: normalised losses and their APL sums with a symmetric passive part are
    completely asymmetric (exact two-class rule), while adding a convex AEL breaks it."""
    w = [sp.Rational(7, 10), sp.Rational(3, 10)]
    lines, ok = [], True
    for name in ("nce", "nfl", "ngce", "nce+mae", "nce+rce", "nfl+rce"):
        d = _weights(_b(name), w)
        ok &= d.verdict is Verdict.PROVED
        lines.append(f"{name}: {d.verdict.value} ({d.certificate.method if d.certificate else '-'})")
    w_hi = [sp.Rational(21, 40), sp.Rational(19, 40)]  # symmetric noise eta = 0.475
    d = _weights(_b("nce+ael"), w_hi)
    ok &= d.verdict is Verdict.REFUTED
    lines.append(f"nce+ael w=(0.525, 0.475): {d.verdict.value} ({d.summary[:80]})")
    return Outcome(P if ok else UD, "; ".join(lines))


def _ngce_k3() -> Outcome:
    """NGCE at K >= 3: asymmetric on w iff the non-top weights are equal (derived here)."""
    rng = np.random.default_rng(11)
    lines, ok = [], True
    for q in (0.3, 0.7, 0.9):
        spec = _b("ngce", q=q)
        for n in (3, 5):
            s = float(rng.uniform(0.02, 0.9 / n))
            eq = [1 - (n - 1) * s] + [s] * (n - 1)
            d_eq = _weights(spec, eq)
            w = _random_weights(rng, n)
            d_w = _weights(spec, w) if w is not None else None
            ok &= d_eq.verdict is Verdict.PROVED and (d_w is None or d_w.verdict is Verdict.REFUTED)
            lines.append(f"q={q} K={n}: equal others {d_eq.verdict.value}, random "
                         f"{None if d_w is None else d_w.verdict.value}")
    # population level, independently of the exact rules: numeric minimiser of the noisy risk
    spec = _b("ngce")
    sym = measured_flip_rate(spec, 4, "symmetric", tol=2e-4)
    pair = measured_flip_rate(spec, 4, "pairflip", tol=2e-4, eta_max=0.5)
    ok &= abs(sym.eta - 0.75) < 1e-3 and pair.eta < 0.01
    lines.append(f"population K=4 (q=0.7): symmetric flip at {sym.eta:.4f} (predicted 0.75), "
                 f"pair-flip at {pair.eta:.4f} (predicted 0+: any eta > 0)")
    return Outcome(P if ok else UD, "; ".join(lines))


def _apl_sums() -> Outcome:
    """NCE/NFL + X at K = 10: completely asymmetric X makes the sum tolerant of every
    clean-labels-dominant symmetric noise; a convex X passes its exact threshold on."""
    lines, ok = [], True
    for name in ("nce+agce", "nfl+agce", "nfl+aul", "nce+mae", "nce+rce"):
        th = decide("threshold", _b(name), 10)
        ok &= th.verdict is Verdict.PROVED and abs(th.value["eta_max"] - 0.9) < 1e-12
        lines.append(f"{name}: eta < {th.value.get('eta_max')}")
    for name, part in (("nce+ael", ("ael", {"a": 2.5})), ("nfl+ael", ("ael", {"a": 3.0})),
                       ("nce+aul", ("aul", {"a": 6.0, "q": 1.5}))):
        th = decide("threshold", _b(name), 10)
        th_p = decide("threshold", _b(part[0], **part[1]), 10)
        ok &= th.verdict is Verdict.PROVED and abs(th.value["eta_max"] - th_p.value["eta_max"]) < 1e-12
        lines.append(f"{name}: eta <= {th.value.get('eta_max'):.6g} (= {part[0]} alone)")
    return Outcome(P if ok else UD, "; ".join(lines))


def _t3() -> Outcome:
    lines, ok = [], True
    for spec in [_b("agce", a=1, q=2), _b("aul", a=1.5, q=0.9), _b("mae")]:
        for K in (2, 3, 10):
            c = decide("excess-risk", spec, K)
            ok &= c.verdict is Verdict.PROVED
            lines.append(f"{spec.name} K={K}: K/Delta = {float(c.value):.4g}" if c.value is not None
                         else f"{spec.name} K={K}: {c.verdict}")
    return Outcome(P if ok else R, "; ".join(lines))


def _derived_bounds(cases) -> Outcome:
    """PROVED when, for every (label, spec, want) and K = 2, 3, 10, the checker proves the bound
    and each entry of want(K) (coefficient, exponent) equals its value exactly (sympy)."""
    lines, ok = [], True
    for label, spec, want in cases:
        got = []
        for K in (2, 3, 10):
            c = decide("excess-risk", spec, K)
            value = c.value if isinstance(c.value, dict) else {}
            ok &= c.verdict is Verdict.PROVED and all(
                k in value and sp.simplify(value[k] - v) == 0 for k, v in want(K).items())
            got.append(f"K={K}: {c.verdict} {sp.sstr(value.get('coefficient'))}")
        lines.append(f"{label}: " + ", ".join(got))
    return Outcome(P if ok else R, "; ".join(lines))


def _t3_power() -> Outcome:
    half = sp.Rational(1, 2)

    def want(q):
        if q <= half:
            return lambda K: {"coefficient": 4 * (1 - q), "exponent": half}
        return lambda K: {"coefficient": q / ((1 - q) * (1 - 2 ** (-q / (1 - q)))),
                          "exponent": 1 - q}

    return _derived_bounds([(f"gce q={q}", _b("gce", q=q), want(q))
                            for q in (sp.Rational(1, 4), half, sp.Rational(7, 10),
                                      sp.Rational(9, 10))])


def _t3_sce() -> Outcome:
    return _derived_bounds([(f"sce alpha={al} beta={be}", _b("sce", alpha=al, beta=be),
                             lambda K, al=al: {"coefficient": sp.Integer(2) / al})
                            for al, be in ((sp.Rational(1, 10), 1), (1, 1),
                                           (6, sp.Rational(1, 10)))])


def _t3_quadratic() -> Outcome:
    return _derived_bounds([
        ("mse", _b("mse"), lambda K: {"coefficient": 2}),  # c = a = 1
        ("amse a=10", _b("amse", a=10),  # c = 1/K, m = 1/(K-1)
         lambda K: {"coefficient": 2 * K * (K - 1) ** 2}),
        ("amse a=1/2", _b("amse", a=sp.Rational(1, 2)),  # c = 1/K, m = 1/2
         lambda K: {"coefficient": 8 * K})])


# ---------------------------------------------------------------------------- vector losses
def _amse() -> Outcome:
    K = 10
    lines, ok = [], True
    for a in (2, 5, 10):
        th = decide("threshold", _b("amse", a=a), K)
        pred = (K - 1) * (a - 1) / (a * K)
        ok &= th.verdict is Verdict.PROVED and abs(th.value["eta_max"] - pred) < 1e-12
        lines.append(f"a={a}: {th.value['eta_max']:.6f} vs (K-1)(a-1)/(aK) = {pred:.6f}")
    d = _weights(_b("amse", a=2), [sp.Rational(3, 5), sp.Rational(3, 10),
                                                      sp.Rational(1, 10)])
    ok &= d.verdict is Verdict.REFUTED
    lines.append(f"a=2 < 1/(0.6-0.3): {d.verdict}")
    return Outcome(P if ok else R, "; ".join(lines))


def _anl() -> Outcome:
    lines, ok = [], True
    for a, p in ((1.5, 0.9), (2, 0.7), (1.2, 0.3), (3, 1)):
        th = decide("threshold", _b("anl", a=a, p=p), 10)
        ok &= th.verdict is Verdict.PROVED and abs(th.value["eta_max"] - 0.9) < 1e-12
        lines.append(f"a={a}, p={p}: eta < {th.value['eta_max']:.4f}")
    return Outcome(P if ok else R, "; ".join(lines))


# ---------------------------------------------------------------------------- edge cases
def _edge_equality() -> Outcome:
    # AUL a=2 q=2: l = ((2-u)^2 - 1)/2, strictly convex, r = 1/2; w_t/w_n = 2 = 1/r exactly
    spec = _b("aul", a=2, q=2)
    r = decide("ratio", spec, 2)
    d = _weights(spec, [sp.Rational(2, 3), sp.Rational(1, 3)])
    ok = float(r.value) == 0.5 and d.verdict is Verdict.PROVED
    return Outcome(P if ok else UD, f"r = {r.value}; w = (2/3, 1/3): {d.evidence}")


def _edge_ties() -> Outcome:
    try:
        _weights(_b("agce", a=1, q=2), [0.4, 0.4, 0.2])
    except InputError as e:
        spec = _b("agce", a=1, q=2)
        w = np.array([0.4, 0.4, 0.2])
        r1, r2 = spec.risk(w, np.eye(3)[0]), spec.risk(w, np.eye(3)[1])
        return Outcome(R, f"the definition needs a unique largest weight ({e}); with a tie the "
                       f"noisy risk has two minimisers e_1, e_2 (risk {r1:.6f} = {r2:.6f}): the "
                       "clean label cannot be recovered, so T1 needs strict dominance")
    return Outcome(UD, "ties were not detected")


def _edge_k2() -> Outcome:
    th = decide("threshold", _b("agce", a=1, q=2), 2)
    th2 = decide("threshold", _b("ael", a=3), 2)
    r = math.exp(-1 / 3)
    ok = abs(th.value["eta_max"] - 0.5) < 1e-12 and abs(th2.value["eta_max"] - r / (1 + r)) < 1e-12
    return Outcome(P if ok else R, f"K=2: AGCE(1,2) eta < {th.value['eta_max']}; AEL(3) eta <= "
                   f"{th2.value['eta_max']:.6f} = r/(1+r)")


def _edge_hair() -> Outcome:
    spec = _b("agce", a=1, q=2)
    K = 10
    cap = (K - 1) / K
    inside = _weights(spec, symmetric_weights(K, sp.Rational(9, 10)
                                                                 - sp.Rational(1, 10**9)))
    outside = decide("noise", spec, K, T=np.array(
        [[1 - e if i == j else e / (K - 1) for j in range(K)] for i in range(K)
         for e in [cap + 1e-9]]).reshape(K, K))
    ok = inside.verdict is Verdict.PROVED and outside.verdict is Verdict.REFUTED
    return Outcome(P if ok else UD, f"eta = 0.9 - 1e-9: {inside.verdict}; eta = 0.9 + 1e-9: "
                   f"{outside.verdict} ({outside.summary})")


def _edge_neither() -> Outcome:
    spec = LossSpec(name="cubic", expr=1 - U + sp.Rational(1, 10) * (U - sp.Rational(1, 2)) ** 3)
    spec = spec.bind()
    sh = decide("shape", spec, 2)
    r = decide("ratio", spec, 2)
    ok = sh.verdict is Verdict.PROVED and "neither" in sh.summary and \
        r.verdict is Verdict.PROVED
    return Outcome(P if ok else UD, f"l = 1 - u + (u - 1/2)^3/10: {sh.summary}; "
                   f"{r.summary}")


def _param_condition(name: str, cond) -> Outcome:
    """Compare a stated parameter condition with the exact decision on random weights."""
    rng = np.random.default_rng(5)
    agree = n = 0
    bad = None
    for _ in range(40):
        if name == "aul":
            kw = {"a": round(float(rng.uniform(1.1, 5)), 3), "q": round(float(rng.uniform(0.2, 3)), 3)}
        elif name == "agce":
            kw = {"a": round(float(rng.uniform(0.2, 5)), 3), "q": round(float(rng.uniform(0.2, 3)), 3)}
        else:
            kw = {"a": round(float(rng.uniform(0.3, 6)), 3)}
        spec = _b(name, **kw)
        w = _random_weights(rng, int(rng.integers(2, 5)))
        if w is None:
            continue
        s_ = sorted(w)
        stated = bool(cond(float(s_[-1] / s_[-2]), **kw))
        d = _weights(spec, w, search=False)
        if d.verdict is Verdict.UNDECIDED:
            continue
        n += 1
        if stated == (d.verdict is Verdict.PROVED):
            agree += 1
        elif bad is None:
            bad = f"{name}{kw} w={[float(x) for x in w]}: stated {stated}, definition {d.verdict}"
    ok = agree == n and n >= 25
    return Outcome(P if ok else R, f"stated condition vs exact decision on {n} random "
                   f"(parameters, weights): {agree} agree" + (f"; first mismatch {bad}" if bad
                                                               else ""))


# ---------------------------------------------------------------------------- empirical
#: the verdicts an empirical row may give: read from recorded runs, never a proof
EMPIRICAL_VERDICTS = ("SUPPORTED", "CONTRADICTED", "INCONCLUSIVE", "NO RECORDS")
NO_RECORDS = "no recorded runs (run alfs study ratio)"


def _study(study_dir):
    """The analysis of the recorded runs of ``alfs study ratio`` in ``study_dir`` (the ledger
    never trains), or None when there are none."""
    from ..study import analyse, collect_study

    rows, manifest = collect_study(study_dir)
    if not rows:
        return None, manifest
    return analyse(rows), manifest


def _where(study_dir, manifest) -> str:
    st = manifest.get("setting", {}).get("name", "?")
    return (f"{len(manifest.get('runs', []))} planned runs in {study_dir} (setting {st}, "
            f"{manifest.get('dataset_title', '?')}"
            + ("; a tiny setting tests the machinery and is no evidence" if st == "tiny"
               else "") + ")")


def _e_ratio(study_dir) -> Outcome:
    an, manifest = _study(study_dir)
    if an is None:
        return Outcome("NO RECORDS", f"{NO_RECORDS}; looked in {study_dir}")
    cv = an["claim_verdict"]
    def one(c) -> str:
        ci = c["rho_ci"]
        rho = "-" if c["rho"] is None else f"{c['rho']:+.2f}"
        iv = "-" if ci["lo"] is None else f"[{ci['lo']:+.2f}, {ci['hi']:+.2f}]"
        return f"{c['family']} at {c['noise']}: rho {rho} {iv} {c['verdict']}"

    parts = [one(c) for c in an["cells"]]
    return Outcome(cv["verdict"], f"{_where(study_dir, manifest)}: " + "; ".join(parts)
                   + f" (per family and noise; overall {cv['verdict']}: any cell contradicting "
                   "the claim contradicts it, all supporting support it)",
                   {"cells": len(an["cells"]), "counts": cv["counts"]})


def _e_outperform(study_dir) -> Outcome:
    an, manifest = _study(study_dir)
    if an is None:
        return Outcome("NO RECORDS", f"{NO_RECORDS}; looked in {study_dir}")
    rows = an["outperform"]
    if not rows:
        return Outcome("INCONCLUSIVE", f"{_where(study_dir, manifest)}: no noise setting with "
                       "both an asymmetric loss and a baseline")
    parts = [f"{o['noise']}: {o['best_asym']} vs {o['best_baseline']} "
             f"{100 * o['mean_diff']:+.1f} points, paired t p = "
             f"{'-' if o['p'] is None else format(o['p'], '.3g')} ({o['verdict']})" for o in rows]
    vs = [o["verdict"] for o in rows]
    v = ("SUPPORTED" if "SUPPORTED" in vs else
         "CONTRADICTED" if all(x == "CONTRADICTED" for x in vs) else "INCONCLUSIVE")
    return Outcome(v, f"{_where(study_dir, manifest)}: " + "; ".join(parts) + " (the claim is "
                   "'can outperform': supported by one significantly better setting, "
                   "contradicted when the best baseline is significantly better in every one; "
                   "the best asymmetric configuration is selected on the same accuracies)",
                   {"rows": len(rows)})


EMPIRICAL: list[Claim] = [
    Claim("EMP-ratio-tolerance", "a higher asymmetry ratio gives better noise tolerance: "
          "Spearman rho(r, accuracy drop) < 0 within each family (AEL, AGCE, AUL) and noise",
          "ICML21 abstract ('a higher ratio would provide better noise tolerance')",
          "recorded runs of alfs study ratio; bootstrap 95% interval over seeds", "-",
          _e_ratio, ("ICML21-Claim-HigherRatioBetter",), section="empirical"),
    Claim("EMP-outperform", "asymmetric losses can outperform the state of the art (CE, GCE, "
          "SCE, NCE+RCE) under label noise", "ICML21 abstract ('can outperform "
          "state-of-the-art methods')", "recorded runs of alfs study ratio; paired t-test "
          "over seeds", "-", _e_outperform, ("ICML21-Claims-Abstract",), section="empirical"),
]

# ---------------------------------------------------------------------------- the ledger
LEDGER: list[Claim] = [
    Claim("D1-symmetric", "MAE and RCE are symmetric: sum_k L(u, k) = C on the simplex, all K",
          "Ghosh et al. 2017; ICML21 Sec. 3", "symbolic", P, _symmetric_yes,
          ("ICML21-Def-Symmetric",)),
    Claim("D1-not-symmetric", "CE, GCE (q<1) and FL are symmetric (claim refuted at K = 3)",
          "ICML21 Sec. 3", "symbolic + 50-digit counterexample", R, _symmetric_no),
    Claim("D3-closed-forms", "r(AGCE) = (a/(a+1))^|q-1|, r(AUL) = ((a-1)/a)^|q-1|, "
          "r(AEL) = exp(-1/a), r(MAE) = 1 (derived by the checker from l'' and l')",
          "ICML21 Sec. 4; theory.md table", "symbolic (calculus) + 45 random parameter points",
          P, _closed_forms, ("ICML21-Def-AsymmetryRatio",)),
    Claim("D3-ratio-zero", "r(CE) = 0 and r(GCE) = 0 for 0 < q < 1", "theory.md table",
          "symbolic + interval bounds", P, _ratio_zero),
    Claim("T4-iff", "asymmetric on w  <=>  (w_m/w_n) r(l) >= 1 (the paper's 'iff')",
          "ICML21 Theorem (ratio criterion)", "exact decision by definition", R, _t4_iff, ("ICML21-Thm-RatioCriterion",),
          note="the 'if' direction holds; 'only if' fails for concave l"),
    Claim("T4-sufficient", "(w_m/w_n) r(l) >= 1 => asymmetric on w", "theory.md T4",
          "exact decision on random weights", P, _t4_sufficient),
    Claim("T4-necessary-convex", "for convex decreasing l, asymmetric on w => "
          "(w_m/w_n) r(l) >= 1", "theory.md T4 (derived)", "exact decision on random weights",
          P, _t4_necessary_convex),
    Claim("T4-reading", "with d taking all of u_j's mass, r'(l) = 1 for concave l, which makes "
          "the 'iff' consistent", "theory.md T4", "calculus + grid", P, _t4_other_reading),
    Claim("T5-convex", "symmetric noise threshold eta* = r(K-1)/(1 + r(K-1)) for convex l",
          "theory.md T5 (derived)", "exact KKT threshold vs formula", P, _t5_convex),
    Claim("T5-concave", "concave l (AGCE q>=1, AUL q<=1, MAE) tolerate every eta < (K-1)/K",
          "theory.md T5 (derived)", "vertex argument", P, _t5_concave),
    Claim("T1-population-symmetric", "under symmetric noise the noisy population minimiser "
          "stays e_y exactly up to the predicted threshold (K = 10)", "ICML21 Theorem (noise "
          "tolerance); theory.md T1/T5", "population-level numeric minimisation vs checker",
          P, lambda: _population("symmetric")),
    Claim("T1-population-pairflip", "under pair-flip noise the flip happens at the predicted "
          "rate (K = 4)", "ICML21 Theorem (noise tolerance)",
          "population-level numeric minimisation vs checker", P,
          lambda: _population("pairflip")),
    Claim("T1-class-conditional", "asymmetric loss + clean-labels-dominant T => tolerant, per "
          "row of T", "ICML21 Theorem (noise tolerance)", "exact decision per row", P,
          _class_conditional, ("ICML21-Thm-NoiseTolerance-ClassConditional",)),
    Claim("T1-instance-dependent", "asymmetric loss + clean-labels-dominant eta_x for every x "
          "=> tolerant", "ICML21 Theorem (noise tolerance)", "exact decision per sample", P,
          _instance_dependent, ("ICML21-Thm-NoiseTolerance-InstanceDependent",)),
    Claim("T2-calibration", "asymmetric => classification-calibrated (K = 3, 10)",
          "ICML21 Theorem (calibration)", "T2 compactness argument / KKT order", P, _t2, ("ICML21-Thm-Calibration",)),
    Claim("T2-NCE", "NCE alone is classification-calibrated for K = 3 (refuted)",
          "theory.md (derived)", "sympy limit along a wrong-argmax sequence", R,
          _nce_calibration),
    Claim("D2-NCE-K3", "NCE is asymmetric on w = (0.6, 0.25, 0.15) (refuted: infimum not "
          "attained at e_t)", "theory.md (derived)", "lower bound + minimising sequence", R,
          _nce_asym),
    Claim("D2-NCE-K2", "at K = 2, NCE, NFL, NGCE and the sums NCE+MAE, NCE+RCE, NFL+RCE are "
          "asymmetric on w = (0.7, 0.3); NCE+AEL (official a = 2.5, beta = 4) is not at "
          "eta = 0.475", "theory.md (vector losses, K = 2)",
          "exact two-class rule for N(u_y)/sum_k N(u_k); sum of parts; sympy limit at e_t",
          P, _nce_k2),
    Claim("C-NGCE", "NGCE (0 < q < 1) at K >= 3 is asymmetric on w iff the weights other "
          "than the largest are equal: tolerant of symmetric noise, not of class-conditional "
          "noise with unequal off-diagonal rows", "derived here (APL's robustness claim is for "
          "symmetric noise)", "normalised bound (equal weights) + 50-digit edge counterexample "
          "+ population-level minimisation",
          P, _ngce_k3),
    Claim("C-APL-sums", "NCE/NFL + a completely asymmetric loss (official ALFs combinations) "
          "tolerates every symmetric noise eta < (K-1)/K at K = 10; NCE/NFL + a convex AEL or "
          "AUL (q > 1) tolerates exactly that part's threshold", "ICML21 Sec. 5 (the combinations); derived here",
          "lower bound of the normalised part + KKT / vertex rules of the rest", P, _apl_sums),
    Claim("T3-excess-risk", "concave decreasing l: R01 - R01* <= (K/Delta)(R_L - R_L*)",
          "theory.md T3 (derived)", "chord argument + Monte Carlo", P, _t3, ("ICML21-Thm-ExcessRisk",)),
    Claim("T3-power", "GCE (0 < q < 1): R01 - R01* <= sqrt(4(1-q)(R_L - R_L*)) for q <= 1/2, "
          "(q (R_L - R_L*)/((1-q)(1 - 2^(-q/(1-q)))))^(1-q) for q >= 1/2",
          "derived here (docs/theory.md, Excess-risk bounds)",
          "Hoelder + two-class tie + Monte Carlo", P, _t3_power),
    Claim("T3-sce", "SCE = alpha CE + beta RCE: R01 - R01* <= sqrt(2 (R_L - R_L*)/alpha), the "
          "bound of its CE part", "derived here (docs/theory.md, Excess-risk bounds)",
          "stationarity + Pinsker on two classes + Monte Carlo", P, _t3_sce),
    Claim("T3-quadratic", "C_L = c||u - a p||^2 + const (MSE, AMSE): R01 - R01* <= "
          "sqrt(2 (R_L - R_L*)/(c m^2)), m = a for a <= 1, 1/(K-1) for a > 1",
          "derived here (docs/theory.md, Excess-risk bounds)",
          "projection onto the simplex + Monte Carlo", P, _t3_quadratic),
    Claim("C-AMSE", "AMSE asymmetric iff a >= 1/(w_t - max_{j!=t} w_j); symmetric noise: "
          "eta <= (K-1)(a-1)/(aK)", "JAL (ICCV 2025); theory.md (derived)", "exact KKT", P,
          _amse, ("JAL-Def-AMSE", "JAL-Thm-AMSE-Condition")),
    Claim("C-ANL", "ANL is completely asymmetric for a > 1, 0 < p <= 1",
          "theory.md (derived)", "vertex argument", P, _anl, ("TPAMI-Def-ANL",)),
    Claim("C-AGCE", "AGCE(a, q) asymmetric on w iff w_m/w_n >= ((a+1)/a)^(1-q) (signed "
          "exponent: always true for q >= 1)", "ICML21 condition for AGCE (statement recalled, "
          "not confirmed from the text: see paper_claims.json)", "exact decision, random "
          "parameters and weights", P,
          lambda: _param_condition("agce", lambda m, a, q: m >= ((a + 1) / a) ** (1 - q)),
          ("ICML21-Cond-AGCE",),
          note="the unsigned form (w_m/w_n) r >= 1 with r = (a/(a+1))^|q-1| is too strict "
               "for q > 1 (see T4-iff)"),
    Claim("C-AUL", "AUL(a, q) asymmetric on w iff w_m/w_n >= (a/(a-1))^(q-1)",
          "ICML21 condition for AUL (recalled, not confirmed)", "exact decision, random "
          "parameters and weights", P,
          lambda: _param_condition("aul", lambda m, a, q: m >= (a / (a - 1)) ** (q - 1)),
          ("ICML21-Cond-AUL",)),
    Claim("C-AEL", "AEL(a) asymmetric on w iff w_m/w_n >= exp(1/a)",
          "ICML21 condition for AEL (recalled, not confirmed)", "exact decision, random "
          "parameters and weights", P,
          lambda: _param_condition("ael", lambda m, a: m >= math.exp(1 / a)),
          ("ICML21-Cond-AEL",)),
    Claim("E-equality", "equality in the ratio criterion keeps e_t the unique minimiser for a "
          "strictly convex l", "theory.md T4", "exact KKT", P, _edge_equality),
    Claim("E-ties", "with tied top weights the noisy minimiser is unique (refuted)",
          "edge case", "definition + risk values", R, _edge_ties),
    Claim("E-K2", "K = 2 thresholds: concave eta < 1/2, convex eta <= r/(1+r)", "edge case",
          "exact", P, _edge_k2),
    Claim("E-hair", "clean-labels-dominance failing by 1e-9 breaks tolerance; holding by 1e-9 "
          "keeps it", "edge case", "exact", P, _edge_hair),
    Claim("E-neither", "l neither convex nor concave: r(l) by certified 2-D bounds",
          "theory.md T4", "interval bisection", P, _edge_neither),
]
LEDGER += EMPIRICAL  # the empirical section comes last
