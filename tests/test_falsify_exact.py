"""The falsifier's 50-digit re-check and its candidate points, made cheaper at large K, must
be the numbers they were: the exact simplex bit for bit, the risk to 50-digit rounding, the
random candidates bit for bit."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from alfs_theory.checks.falsify import _exact_simplex, mp_risk, simplex_candidates
from alfs_theory.registry import get_loss


def _exact_simplex_entrywise(u):
    """The definition, one coordinate at a time."""
    with mpmath.workdps(60):
        xs = [mpmath.mpf(max(float(x), 0.0)) for x in u]
        s = mpmath.fsum(xs)
        xs = [x / s for x in xs]
        xs[-1] = 1 - mpmath.fsum(xs[:-1])
        if xs[-1] < 0:
            xs[-1] = mpmath.mpf(0)
        return xs


def _risk_entrywise(spec, w, u):
    with mpmath.workdps(50):
        ls = spec.mp_losses(_exact_simplex_entrywise(u), dps=50)
        return mpmath.fsum(mpmath.mpf(float(wk)) * lk for wk, lk in zip(w, ls) if wk != 0)


def _points(rng, n, count=12):
    for i in range(count):
        u = rng.dirichlet(np.full(n, 0.3))
        if i % 3 == 0:  # many equal coordinates, as the searches' points have
            u[rng.integers(0, n, n // 2)] = u[0]
        if i % 4 == 0:
            u[: n // 3] = 0.0
        if i % 5 == 0:
            u[-1] = 1e-300
        if i % 6 == 0:  # e_t, and an edge point
            u = np.zeros(n)
            u[0] = 1.0
            if i % 12 == 6:
                u[0], u[-1] = 1 - 1e-12, 1e-12
        yield u / u.sum()


@pytest.mark.parametrize("n", [2, 3, 7, 60, 400])
def test_exact_simplex_is_the_entrywise_one_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for u in _points(rng, n):
        got, ref = _exact_simplex(u), _exact_simplex_entrywise(u)
        assert [x._mpf_ for x in got] == [x._mpf_ for x in ref]
        with mpmath.workdps(60):
            assert mpmath.fsum(got) == 1 or got[-1] == 0


@pytest.mark.parametrize("name", ["ce", "nce", "agce", "js", "nce+mae"])
def test_grouped_risk_is_the_entrywise_sum_to_50_digits(name):
    spec = get_loss(name).bind()
    rng = np.random.default_rng(1)
    for n in (3, 40, 300):
        w = rng.dirichlet(np.ones(n))
        w[w < np.median(w)] = w.min()  # few distinct weights, as noise rows have
        w[1] = 0.0
        for u in _points(rng, n, 6):
            a, b = mp_risk(spec, w, u), _risk_entrywise(spec, w, u)
            if mpmath.isnan(b):
                assert mpmath.isnan(a)
            elif mpmath.isinf(b):
                assert a == b
            else:
                assert abs(a - b) <= mpmath.mpf("1e-45") * max(1, abs(b)), (name, n)


def test_seeded_candidates_are_a_fresh_generators_bit_for_bit():
    """An integer seed reuses the random block a fresh default_rng(seed) draws: the same
    points as passing the generator, for every t and w, and the block is read-only."""
    for n in (3, 50, 1000):
        w = np.full(n, 0.4 / (n - 1))
        w[0] = 0.6
        for t, ww in ((0, w), (n - 1, None)):
            a = simplex_candidates(n, t, 7, w=ww)
            b = simplex_candidates(n, t, np.random.default_rng(7), w=ww)
            assert np.array_equal(a, b)
        a[:] = 0.0  # the caller's copy, not the cached block
        assert np.array_equal(simplex_candidates(n, 0, 7, w=w),
                              simplex_candidates(n, 0, np.random.default_rng(7), w=w))


def test_dirichlet_block_is_what_a_fresh_generator_draws_first():
    from alfs_theory.checks.simplex import dirichlet_block

    for n, size, seed, concs in ((4, 30, 0, (0.1, 0.5, 1.0, 5.0)), (1000, 400, 3, (0.05, 1.0))):
        got = dirichlet_block(n, size, seed, concs)
        rng = np.random.default_rng(seed)
        ref = np.concatenate([rng.dirichlet(np.full(n, c), size=size) for c in concs])
        assert np.array_equal(got, ref) and got.shape == (size * len(concs), n)
        assert dirichlet_block(n, size, seed, concs) is got  # drawn once
        with pytest.raises(ValueError):
            got[0, 0] = 1.0


def test_verified_converts_each_distinct_coordinate_as_before():
    """The weights rules' 50-digit comparison converts u_bad through str (a float's shortest
    decimal, as it always did) and u_ref as numbers; equal entries are converted once."""
    from alfs_theory.checks.properties.asymmetry import _mp_list

    xs = [0.1, 0.1, 1, 1.0, 0.0, -0.0, 1 / 3, mpmath.mpf("0.25"), np.float64(0.1)]
    with mpmath.workdps(50):
        assert _mp_list(xs, True) == [mpmath.mpf(str(x)) if not isinstance(x, mpmath.mpf) else x
                                     for x in xs]
        assert _mp_list(xs, False) == [mpmath.mpf(x) for x in xs]


def test_an_asymmetry_claim_is_searched_once_per_loss_weights_and_seed():
    """The seeded search is a function of (bound loss, w, seed): the checks of one loss that
    claim the same weights (the threshold's and the noise claim's symmetric rows) share it;
    another binding, other weights or another seed search again."""
    from alfs_theory.checks import falsify

    w = [0.4, 0.3, 0.1, 0.1, 0.1]
    falsify._asym_claim_once.cache_clear()
    a = falsify._asym_claim(get_loss("gce").bind().at_classes(5), w)
    b = falsify._asym_claim(get_loss("gce").bind().at_classes(5), np.array(w))  # equal specs
    assert a == b
    assert falsify._asym_claim_once.cache_info()[:2] == (1, 1)  # (hits, misses)
    falsify._asym_claim(get_loss("gce").bind(q=0.3).at_classes(5), w)
    falsify._asym_claim(get_loss("gce").bind().at_classes(5), [0.5, 0.2, 0.1, 0.1, 0.1])
    falsify._asym_claim(get_loss("gce").bind().at_classes(5), w, seed=1)
    assert falsify._asym_claim_once.cache_info()[:2] == (1, 4)
