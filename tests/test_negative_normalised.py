"""Normalized negative losses L = c - N(u_y)/sum_k N(u_k) (Ye et al.'s NNCE and typed ones):
rules weights-negative-tie, region-negative-tie, threshold-negative-tie and
calibration-negative-normalised.

Every verdict is checked against a brute force written here: N is evaluated by numpy from the
test's own formula (not the spec), the tie is evaluated at the rule's own point, and the
calibration margin (p_t - p_2)/2 is checked on sampled wrong-argmax points. Losses outside the
rules' conditions must not get these verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from alfs_theory.checks.checker import check_loss
from alfs_theory.checks.engine import decide
from alfs_theory.checks.properties.asymmetry import negative_normalised
from alfs_theory.registry import get_loss
from alfs_theory.userloss import loss_from_expression

# (typed loss, its N in numpy, c): the plateau of N is [0, b] with b = 1e-7, e^-5, 0.05, 0.1
CASES = [
    ("nnce", lambda v: np.maximum(0.0, np.log(np.maximum(v, 1e-300)) + np.log(1e7)), 1.0),
    ("1 - max(0, log(u) + 5)/sum(max(0, log(v) + 5))",
     lambda v: np.maximum(0.0, np.log(np.maximum(v, 1e-300)) + 5), 1.0),
    ("2 - max(0, u - 0.05)/sum(max(0, v - 0.05))", lambda v: np.maximum(0.0, v - 0.05), 2.0),
    ("1 - max(0, u**2 - 0.01)/sum(max(0, v**2 - 0.01))",
     lambda v: np.maximum(0.0, v ** 2 - 0.01), 1.0),
]


def _spec(name: str):
    return (get_loss(name) if " " not in name else loss_from_expression(name)).bind()


def _risk(N, c, w, U):
    """sum_k w_k (c - N(u_k)/sum_j N(u_j)) per row of U: the test's own formula."""
    NU = N(U)
    S = NU.sum(axis=1, keepdims=True)
    return (w[None, :] * (c - NU / S)).sum(axis=1)


def _simplex(K: int, rng, n: int = 3000) -> np.ndarray:
    pts = [rng.dirichlet(np.full(K, a), size=n) for a in (0.05, 0.3, 1.0, 5.0)]
    pts.append(np.eye(K) * 0.9 + 0.1 / K)
    return np.concatenate(pts)


@pytest.mark.parametrize("name,N,c", CASES)
@pytest.mark.parametrize("K", [2, 3, 5, 10])
def test_every_weight_vector_ties_and_nothing_beats_e_t(name, N, c, K):
    spec = _spec(name).at_classes(K)
    rng = np.random.default_rng(K)
    w = np.r_[0.5, rng.dirichlet(np.ones(K - 1)) * 0.5 * 0.98]
    w = w / w.sum()
    res = decide("weights", spec, K, weights=[float(x) for x in w])
    assert res.verdict.value == "REFUTED", res.summary
    assert "tie" in res.summary
    u = np.array([res.counterexample.point[f"u{k}"] for k in range(K)])
    r_t = _risk(N, c, w, np.eye(K)[:1])[0]
    assert abs(_risk(N, c, w, u[None, :])[0] - r_t) <= 1e-12  # an exact tie, seen by numpy
    assert np.abs(u - np.eye(K)[0]).sum() > 0  # a point other than e_t
    # the brute force agrees that nothing is below e_t: the tie is what refutes uniqueness
    assert _risk(N, c, w, _simplex(K, rng)).min() >= r_t - 1e-12
    assert decide("region", spec, K).value["kind"] == "none"


@pytest.mark.parametrize("name,N,c", CASES)
def test_threshold_no_eta_not_even_clean(name, N, c):
    K = 4
    spec = _spec(name).at_classes(K)
    th = decide("threshold", spec, K)
    assert th.verdict.value == "PROVED" and th.value["eta_max"] == 0.0, th.summary
    assert "not even clean" in th.summary
    # brute force: on clean weights a point with the others inside the plateau ties e_0
    b = {0: 1e-7}.get(CASES.index((name, N, c)), 1e-9)
    u = np.r_[1 - (K - 1) * b, [b] * (K - 1)]
    w = np.eye(K)[0]
    assert _risk(N, c, w, u[None, :])[0] == pytest.approx(_risk(N, c, w, np.eye(K)[:1])[0],
                                                          abs=1e-12)


@pytest.mark.parametrize("name,N,c", CASES)
@pytest.mark.parametrize("K", [2, 3, 6])
def test_calibrated_with_the_stated_margin(name, N, c, K):
    spec = _spec(name).at_classes(K)
    res = decide("calibrated", spec, K)
    assert res.verdict.value == "PROVED", res.summary
    assert res.certificate.method == "negative-normalised"
    rng = np.random.default_rng(7 + K)
    U = _simplex(K, rng)
    for p in rng.dirichlet(np.ones(K), size=12):
        srt = np.sort(p)
        t = int(np.argmax(p))
        wrong = np.argmax(U, axis=1) != t
        C = _risk(N, c, p, U[wrong])
        inf_all = _risk(N, c, p, np.eye(K)[t][None, :])[0]
        assert inf_all == pytest.approx(c - p[t], abs=1e-12)
        assert C.min() >= c - (srt[-1] + srt[-2]) / 2 - 1e-12  # the certificate's margin


@pytest.mark.parametrize("expr", [
    "1 - max(0.1, u)/sum(max(0.1, v))",            # N(0) = 0.1: not this family
    "1 - u/sum(v)",                                  # no plateau: e_t is the unique minimiser
    "1 - max(0, 0.5 - u)/sum(max(0, 0.5 - v))",    # N decreasing
])
def test_outside_the_family(expr):
    spec = _spec(expr).at_classes(3)
    nn = negative_normalised(spec, 3)
    for r in check_loss(spec, n_classes=3).results:
        ev = r.evidence or ""
        if nn is None:
            assert "negative-tie" not in ev and "negative-normalised" not in ev, (r.check, ev)
        else:  # 1 - u/sum(v): in the family, but with no plateau no tie is claimed
            assert nn.plateau is None
            assert "negative-tie" not in ev, (r.check, ev)


# ------------------------------------------------------ NCE-type + negative parts (ANL-CE)
def _anl_ce(u, w, alpha=5.0, beta=5.0, A=np.log(1e7)):
    """alpha NCE + beta NNCE risk at the rows of u, written here (mpmath for tiny entries)."""
    import mpmath

    out = []
    for row in u:
        a = [-mpmath.log(x) for x in row]
        N = [max(mpmath.mpf(0), A + mpmath.log(x)) for x in row]
        nce = mpmath.fsum(wk * ak for wk, ak in zip(w, a)) / mpmath.fsum(a)
        nnce = mpmath.fsum(wk * (1 - Nk / mpmath.fsum(N)) for wk, Nk in zip(w, N))
        out.append(alpha * nce + beta * nnce)
    return out


@pytest.mark.parametrize("K", [3, 4, 10])
def test_anl_ce_infimum_is_approached_away_from_e_t(K):
    import mpmath

    spec = get_loss("nce+nnce").bind().at_classes(K)
    rng = np.random.default_rng(K)
    w = np.r_[0.5, rng.dirichlet(np.ones(K - 1)) * 0.49]
    w = list(w / w.sum())
    res = decide("weights", spec, K, weights=w)
    assert res.verdict.value == "REFUTED" and res.counterexample.sequence, res.summary
    bound = 5 * min(w) + 5 * (1 - w[0])
    # the test's own formula: nothing sampled goes below the bound ...
    U = _simplex(K, rng, n=300)
    assert min(_anl_ce(U, w)) >= bound - 1e-12
    # ... and the rule's sequence (u_k = 1/20000000, u_m = eps) tends to it while staying away
    # from e_0
    m = int(np.argmin(w[1:])) + 1
    with mpmath.workdps(30):
        gaps = []
        for e in ("1e-100", "1e-10000", "1e-1000000"):
            eps = mpmath.mpf(e)
            v = mpmath.mpf(1) / 20000000
            u = [v] * K
            u[m] = eps
            u[0] = 1 - (K - 2) * v - eps
            gaps.append(_anl_ce([u], w)[0] - bound)
    assert gaps[0] > gaps[1] > gaps[2] >= -1e-20 and gaps[2] < 1e-3, gaps


@pytest.mark.parametrize("K", [2, 3, 6])
def test_anl_ce_calibrated_with_the_stated_margin(K):
    spec = get_loss("nce+nnce").bind().at_classes(K)
    res = decide("calibrated", spec, K)
    assert res.verdict.value == "PROVED" and res.certificate.method == "normalised-negative-sum"
    rng = np.random.default_rng(3 + K)
    U = _simplex(K, rng, n=200)
    for p in rng.dirichlet(np.ones(K), size=6):
        srt = np.sort(p)
        t = int(np.argmax(p))
        wrong = U[np.argmax(U, axis=1) != t]
        C = _anl_ce(wrong, list(p))
        inf_all = 5 * srt[0] + 5 * (1 - srt[-1])
        assert min(C) >= inf_all + 5 * (srt[-1] - srt[-2]) / 2 - 1e-9


def test_anl_ce_threshold_and_region():
    spec = get_loss("nce+nnce").bind().at_classes(10)
    th = decide("threshold", spec, 10)
    assert th.verdict.value == "PROVED" and th.value["eta_max"] == 0.0, th.summary
    assert decide("region", spec, 10).value["kind"] == "none"
    # K = 2: the sequence would converge to e_t: no verdict from this rule
    two = decide("weights", get_loss("nce+nnce").bind().at_classes(2), 2, weights=[0.6, 0.4])
    assert "converging away" not in two.summary


# ------------------------------------------------------------- random members of the family
_G = {  # increasing g on (0, 1]: (typed text with {x}, numpy)
    "log": ("log({x})", lambda v: np.log(np.maximum(v, 1e-300))),
    "lin": ("{x}", lambda v: v),
    "sq": ("{x}**2", lambda v: v ** 2),
    "sqrt": ("sqrt({x})", lambda v: np.sqrt(v)),
    "exp": ("exp(2*{x})", lambda v: np.exp(2 * v)),
}


def _random_member(seed: int):
    """c - max(0, g(u) - g(b))/sum(max(0, g(v) - g(b))) with random g, plateau b and c, its
    numpy N and c, and K: drawn apart from the rules (the rules see only the typed text)."""
    rng = np.random.default_rng(1000 + seed)
    name = sorted(_G)[seed % len(_G)]
    text, g = _G[name]
    b = float(np.round(10 ** rng.uniform(-4, np.log10(0.15)), 6))
    c = int(rng.integers(1, 3))
    gb = float(g(np.array(b)))
    expr = (f"{c} - max(0, {text.format(x='u')} - {gb!r})/"
            f"sum(max(0, {text.format(x='v')} - {gb!r}))")
    return expr, (lambda v: np.maximum(0.0, g(v) - gb)), float(c), int(rng.integers(3, 6)), b


@pytest.mark.parametrize("seed", range(10))
def test_random_members_against_the_brute_force(seed):
    expr, N, c, K, b = _random_member(seed)
    spec = loss_from_expression(expr).bind().at_classes(K)
    rng = np.random.default_rng(seed)
    w = np.r_[0.45, rng.dirichlet(np.ones(K - 1)) * 0.55 * 0.97]
    w = w / w.sum()
    if w[1:].max() >= w[0]:
        w[0] = w[1:].max() + 0.01
        w = w / w.sum()
    res = decide("weights", spec, K, weights=[float(x) for x in w])
    assert res.verdict.value == "REFUTED", (expr, res.summary)
    u = np.array([res.counterexample.point[f"u{k}"] for k in range(K)])
    r_t = _risk(N, c, w, np.eye(K)[:1])[0]
    assert abs(_risk(N, c, w, u[None, :])[0] - r_t) <= 1e-12, expr  # the tie, by numpy
    assert _risk(N, c, w, _simplex(K, rng, n=1500)).min() >= r_t - 1e-12, expr
    cal = decide("calibrated", spec, K)
    assert cal.verdict.value == "PROVED", (expr, cal.summary)
    U = _simplex(K, rng, n=1500)
    for p in rng.dirichlet(np.ones(K), size=5):
        srt, t = np.sort(p), int(np.argmax(p))
        C = _risk(N, c, p, U[np.argmax(U, axis=1) != t])
        assert C.min() >= c - (srt[-1] + srt[-2]) / 2 - 1e-12, expr
    th = decide("threshold", spec, K)
    assert th.verdict.value == "PROVED" and th.value["eta_max"] == 0.0, (expr, th.summary)
