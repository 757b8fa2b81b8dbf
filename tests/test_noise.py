"""Label noise: matrices, flip maps, seeded corruption, bad inputs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alfs_theory.errors import InputError
from alfs_theory.noise import (
    CIFAR10_ASYM_MAP,
    CIFAR100_FINE_TO_COARSE,
    MNIST_ASYM_MAP,
    NOISE_FORMS,
    actual_noise_rate,
    apply_noise,
    cifar100_consecutive_blocks_matrix,
    cifar100_superclass_matrix,
    clean_labels_dominant_mask,
    corrupt_labels,
    empirical_matrix,
    expected_noise_rate,
    flip_map_matrix,
    from_cleanlab_noise_matrix,
    instance_dependent_noise,
    is_clean_labels_dominant,
    make_noise,
    pairflip_matrix,
    superclass_matrix,
    symmetric_matrix,
    symmetric_noise_exact,
    to_cleanlab_noise_matrix,
    validate_labels,
    validate_transition_matrix,
)

FAST = settings(max_examples=40, deadline=None)
etas = st.floats(0.0, 1.0, allow_nan=False)
Ks = st.integers(2, 20)


def _random_T(rng: np.random.Generator, K: int) -> np.ndarray:
    T = rng.dirichlet(np.ones(K), size=K)
    return T / T.sum(axis=1, keepdims=True)


# ------------------------------------------------------------------------------------------
# matrices
# ------------------------------------------------------------------------------------------

@FAST
@given(K=Ks, eta=etas)
def test_symmetric_and_pairflip_are_row_stochastic(K, eta):
    for T in (symmetric_matrix(K, eta), pairflip_matrix(K, eta)):
        assert T.shape == (K, K)
        np.testing.assert_allclose(T.sum(axis=1), 1.0, atol=1e-12)
        assert T.min() >= 0 and T.max() <= 1
        np.testing.assert_allclose(np.diag(T), 1 - eta)
        validate_transition_matrix(T)


@FAST
@given(K=Ks, eta=etas, data=st.data())
def test_flip_map_and_superclass_are_row_stochastic(K, eta, data):
    sources = data.draw(st.lists(st.integers(0, K - 1), unique=True, max_size=K))
    mapping = {s: data.draw(st.integers(0, K - 1).filter(lambda t, s=s: t != s)) for s in sources}
    T = flip_map_matrix(K, eta, mapping)
    validate_transition_matrix(T)
    for i in range(K):
        if i in mapping:
            assert T[i, i] == pytest.approx(1 - eta)
            assert T[i, mapping[i]] == pytest.approx(eta)
        else:
            assert T[i, i] == 1.0
    f2c = np.array(data.draw(st.lists(st.integers(0, 4), min_size=K, max_size=K)))
    S = superclass_matrix(eta, f2c)
    validate_transition_matrix(S)
    for i in range(K):
        if eta > 0 and (f2c == f2c[i]).sum() > 1:
            j = int(np.flatnonzero((S[i] > 0) & (np.arange(K) != i))[0])
            assert f2c[j] == f2c[i]


def test_symmetric_formula():
    T = symmetric_matrix(4, 0.3)
    expected = 0.7 * np.eye(4) + 0.1 * (np.ones((4, 4)) - np.eye(4))
    np.testing.assert_allclose(T, expected)
    P = pairflip_matrix(3, 0.2)
    np.testing.assert_allclose(P, [[0.8, 0.2, 0], [0, 0.8, 0.2], [0.2, 0, 0.8]])


def test_paper_maps():
    assert MNIST_ASYM_MAP == {7: 1, 2: 7, 5: 6, 6: 5, 3: 8}
    assert CIFAR10_ASYM_MAP == {9: 1, 2: 0, 4: 7, 3: 5, 5: 3}
    T, desc = make_noise("asym:0.4", 10, dataset="mnist")
    assert T[7, 1] == pytest.approx(0.4) and T[5, 6] == pytest.approx(0.4)
    assert T[6, 5] == pytest.approx(0.4) and T[0, 0] == 1.0 and "MNIST" in desc
    T, desc = make_noise("asym:0.4", 10, dataset="CIFAR-10")
    assert T[3, 5] == pytest.approx(0.4) and T[5, 3] == pytest.approx(0.4)
    assert T[9, 1] == pytest.approx(0.4) and T[8, 8] == 1.0 and "CIFAR-10" in desc


def test_cifar100_table_and_superclass_matrix():
    from alfs_theory.experiments.data import CIFAR100_COARSE_NAMES, CIFAR100_FINE_NAMES

    f2c = np.array(CIFAR100_FINE_TO_COARSE)
    assert np.all(np.bincount(f2c, minlength=20) == 5)
    fine = {n: i for i, n in enumerate(CIFAR100_FINE_NAMES)}
    for name, coarse in [("apple", "fruit_and_vegetables"), ("whale", "aquatic_mammals"),
                         ("tractor", "vehicles_2"), ("bus", "vehicles_1"), ("tulip", "flowers"),
                         ("worm", "non-insect_invertebrates"), ("baby", "people")]:
        assert CIFAR100_COARSE_NAMES[f2c[fine[name]]] == coarse
    T = cifar100_superclass_matrix(0.4)
    validate_transition_matrix(T)
    assert is_clean_labels_dominant(T)[0]
    for i in range(100):
        j = int(np.flatnonzero((T[i] > 0) & (np.arange(100) != i))[0])
        assert f2c[j] == f2c[i]
    # apple -> next fruit (mushroom, 51); the consecutive-block variant sends it to aquarium_fish
    assert T[0, 51] == pytest.approx(0.4)
    B = cifar100_consecutive_blocks_matrix(0.4)
    assert B[0, 1] == pytest.approx(0.4) and B[4, 0] == pytest.approx(0.4)
    assert B[5, 6] == pytest.approx(0.4)
    assert not np.allclose(B, T)
    with pytest.raises(InputError, match="100 entries"):
        cifar100_superclass_matrix(0.4, np.arange(10) // 5)


def test_clean_labels_dominant():
    ok, fails = is_clean_labels_dominant(symmetric_matrix(10, 0.89))
    assert ok and fails == []
    ok, fails = is_clean_labels_dominant(symmetric_matrix(10, 0.9))
    assert not ok and len(fails) == 10
    ok, fails = is_clean_labels_dominant(pairflip_matrix(5, 0.5))
    assert not ok and fails[0] == (0, 0.5, 0.5)
    E = np.array([[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]])
    assert clean_labels_dominant_mask(E, [0, 0, 1]).tolist() == [True, False, False]


def test_converters_are_the_transpose():
    rng = np.random.default_rng(3)
    for K in (2, 5, 10):
        T = _random_T(rng, K)
        M = to_cleanlab_noise_matrix(T)
        np.testing.assert_array_equal(M, T.T)
        np.testing.assert_allclose(M.sum(axis=0), 1.0)  # cleanlab: columns sum to 1
        np.testing.assert_array_equal(from_cleanlab_noise_matrix(M), T)
    # a case where mixing up orientation is visible (not doubly stochastic)
    P = flip_map_matrix(3, 0.3, {0: 1})
    assert to_cleanlab_noise_matrix(P)[1, 0] == pytest.approx(0.3)  # P(label=1 | true=0)
    with pytest.raises(InputError, match="column-stochastic"):
        validate_transition_matrix(to_cleanlab_noise_matrix(P), name="T_row")
    with pytest.raises(InputError, match="noise_matrix"):
        from_cleanlab_noise_matrix(P)


# ------------------------------------------------------------------------------------------
# corrupting labels
# ------------------------------------------------------------------------------------------

@FAST
@given(seed=st.integers(0, 2**32 - 1), K=st.integers(2, 8))
def test_corrupt_labels_is_deterministic(seed, K):
    y = np.arange(300) % K
    T = symmetric_matrix(K, 0.5)
    a = corrupt_labels(y, T, seed)
    b = corrupt_labels(y, T, seed)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(corrupt_labels(y, T, np.random.default_rng(seed)), a)
    np.testing.assert_array_equal(corrupt_labels(y, T, seed, exact=True),
                                  corrupt_labels(y, T, seed, exact=True))
    assert a.dtype == np.int64
    np.testing.assert_array_equal(y, np.arange(300) % K)  # input untouched


def test_different_seeds_differ():
    y = np.arange(1000) % 10
    T = symmetric_matrix(10, 0.4)
    assert np.any(corrupt_labels(y, T, 0) != corrupt_labels(y, T, 1))


def test_empirical_matrix_approaches_T():
    rng = np.random.default_rng(0)
    K, N = 5, 200_000
    T = _random_T(rng, K)
    y = rng.integers(0, K, size=N)
    z = corrupt_labels(y, T, 42)
    # each entry is a mean over ~40,000 draws: sd <= 0.0025, so 0.012 is > 4.5 sd
    assert np.abs(empirical_matrix(y, z, K) - T).max() < 0.012
    # zero entries are never drawn
    P = pairflip_matrix(K, 0.3)
    zp = corrupt_labels(y, P, 1)
    assert np.all(empirical_matrix(y, zp, K)[P == 0] == 0)
    assert actual_noise_rate(y, zp) == pytest.approx(0.3, abs=0.01)


def _round_half_up(x: float) -> int:
    return int(np.floor(x + 0.5))


@FAST
@given(counts=st.lists(st.integers(0, 60), min_size=2, max_size=6), seed=st.integers(0, 999))
def test_exact_gives_exact_per_class_counts(counts, seed):
    K = len(counts)
    rng = np.random.default_rng(seed)
    T = _random_T(rng, K)
    y = rng.permutation(np.repeat(np.arange(K), counts))
    z = corrupt_labels(y, T, seed, exact=True)
    for i in range(K):
        zi = z[y == i]
        m = _round_half_up(counts[i] * (1 - T[i, i]))
        assert int((zi != i).sum()) == m
        off = np.delete(T[i], i)
        quota = m * off / off.sum()
        got = np.delete(np.bincount(zi, minlength=K), i)
        assert got.sum() == m
        assert np.all(np.abs(got - quota) < 1.0)  # largest-remainder rounding


def test_exact_symmetric_rate():
    y = np.repeat(np.arange(10), 1000)
    z = corrupt_labels(y, symmetric_matrix(10, 0.4), 0, exact=True)
    assert actual_noise_rate(y, z) == 0.4
    E = empirical_matrix(y, z, 10)
    assert np.all(np.diag(E) == 0.6)


def _chained_official(y: np.ndarray, eta: float, rng: np.random.Generator) -> np.ndarray:
    """The official CIFAR-10 code's procedure: pairs flipped one after another on labels
    already changed (here for contrast only)."""
    z = y.copy()
    for s, t in [(9, 1), (2, 0), (4, 7), (3, 5), (5, 3)]:
        idx = np.flatnonzero(z == s)
        flip = rng.permutation(idx)[: int(eta * len(idx))]
        z[flip] = t
    return z


def test_cifar10_asym_flips_cats_and_dogs_at_nominal_rate():
    y = np.repeat(np.arange(10), 5000)
    T, _ = make_noise("asym:0.4", 10, dataset="cifar10")
    z = corrupt_labels(y, T, 0, exact=True)
    for c in (3, 5, 9, 2, 4):
        assert np.mean(z[y == c] != c) == pytest.approx(0.4)
    assert np.mean(z[y == 3] == 5) == pytest.approx(0.4)
    assert np.mean(z[y == 5] == 3) == pytest.approx(0.4)
    zs = corrupt_labels(y, T, 0)
    assert np.mean(zs[y == 3] != 3) == pytest.approx(0.4, abs=0.025)
    assert np.mean(zs[y == 5] != 5) == pytest.approx(0.4, abs=0.025)
    # the chained procedure gives cats only ~ eta (1 - eta) = 0.24: we must not match it
    zc = _chained_official(y, 0.4, np.random.default_rng(0))
    assert np.mean(zc[y == 3] != 3) == pytest.approx(0.24, abs=0.02)
    assert np.mean(z[y == 3] != 3) - np.mean(zc[y == 3] != 3) > 0.1


def test_symmetric_noise_exact_cifar_flavour():
    y = np.repeat(np.arange(10), 500)
    z = symmetric_noise_exact(y, 0.45, 10, 7)
    n = int(np.floor(0.45 * len(y) / 10))
    for i in range(10):
        assert int((z[y == i] != i).sum()) == n
    assert actual_noise_rate(y, z) == pytest.approx(10 * n / len(y))
    np.testing.assert_array_equal(z, symmetric_noise_exact(y, 0.45, 10, 7))
    # targets cover the other classes roughly uniformly
    counts = np.bincount(z[(y == 0) & (z != 0)], minlength=10)
    assert counts[0] == 0 and counts[1:].min() > 0
    with pytest.raises(InputError, match="balanced"):
        symmetric_noise_exact(np.array([0] * 90 + [1] * 10), 0.5, 2, 0)


def test_apply_noise_records_flavour_and_rates():
    y = np.repeat(np.arange(10), 200)
    z, info = apply_noise(y, "symmetric:0.4", 10, 3, sampling="symmetric-exact-cifar")
    assert info["sampling"] == "symmetric-exact-cifar" and info["actual_rate"] == 0.4
    assert info["nominal_rate"] == pytest.approx(0.4) and actual_noise_rate(y, z) == 0.4
    z2, info2 = apply_noise(y, "asym:0.4", 10, 3, dataset="cifar10", sampling="exact-per-class")
    assert info2["actual_rate"] == pytest.approx(0.2) and "CIFAR-10" in info2["description"]
    assert expected_noise_rate(info2["T_row"]) == pytest.approx(0.2)
    assert np.mean(z2[y == 3] == 5) == pytest.approx(0.4)
    with pytest.raises(InputError, match="per-sample"):
        apply_noise(y, "symmetric:0.4", 10, 3, sampling="chained")
    with pytest.raises(InputError, match="symmetric:ETA only"):
        apply_noise(y, "pairflip:0.4", 10, 3, sampling="symmetric-exact-cifar")


# ------------------------------------------------------------------------------------------
# instance-dependent noise
# ------------------------------------------------------------------------------------------

def test_instance_dependent_noise_rows_and_rate():
    rng = np.random.default_rng(0)
    N, K, eta = 3000, 10, 0.3
    X = rng.random((N, 1, 8, 8))
    y = rng.integers(0, K, size=N)
    z, P = instance_dependent_noise(X, y, eta, K, seed=5)
    assert z.shape == (N,) and z.dtype == np.int64 and P.shape == (N, K)
    assert P.min() >= 0 and P.max() <= 1
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    flip = 1 - P[np.arange(N), y]
    assert flip.mean() == pytest.approx(eta, abs=0.01)  # truncated normal, sd 0.1
    assert flip.std() == pytest.approx(0.1, abs=0.02)
    assert actual_noise_rate(y, z) == pytest.approx(eta, abs=0.03)
    z2, P2 = instance_dependent_noise(X, y, eta, K, seed=5)
    np.testing.assert_array_equal(z, z2)
    np.testing.assert_array_equal(P, P2)
    mask = clean_labels_dominant_mask(P, y)
    assert mask.shape == (N,) and mask.mean() > 0.9
    # empirical check: each sample's noisy label follows its own row
    assert np.all(P[np.arange(N), z] > 0)


def test_instance_dependent_noise_zero_std_is_constant_rate():
    X = np.random.default_rng(1).random((50, 4))
    y = np.arange(50) % 3
    _, P = instance_dependent_noise(X, y, 0.2, 3, seed=0, std=0)
    np.testing.assert_allclose(P[np.arange(50), y], 0.8)


# ------------------------------------------------------------------------------------------
# make_noise
# ------------------------------------------------------------------------------------------

def test_make_noise_forms(tmp_path):
    T, desc = make_noise("clean", 4)
    np.testing.assert_array_equal(T, np.eye(4))
    assert "clean" in desc
    T, desc = make_noise("symmetric:0.25", 5)
    np.testing.assert_allclose(T, symmetric_matrix(5, 0.25))
    assert "symmetric" in desc and "0.25" in desc
    T, desc = make_noise("pairflip:0.3", 5)
    np.testing.assert_allclose(T, pairflip_matrix(5, 0.3))
    T, desc = make_noise("asym:0.3", 10, dataset="fashion-mnist")
    np.testing.assert_allclose(T, pairflip_matrix(10, 0.3))
    assert "fell back to pair-flip" in desc and "fashion-mnist" in desc
    T, desc = make_noise("asym:0.3", 10)
    assert "fell back to pair-flip" in desc
    T, _ = make_noise("asym:0.2", 100, dataset="cifar100")
    np.testing.assert_allclose(T, cifar100_superclass_matrix(0.2))
    M = pairflip_matrix(3, 0.1)
    np.save(tmp_path / "m.npy", M)
    np.savetxt(tmp_path / "m.csv", M, delimiter=",")
    np.savetxt(tmp_path / "m.txt", M)
    for f in ("m.npy", "m.csv", "m.txt"):
        T, desc = make_noise(str(tmp_path / f), 3)
        np.testing.assert_allclose(T, M)
        assert f in desc


@pytest.mark.parametrize("spec, match", [
    ("uniform:0.3", "accepted: symmetric:ETA"),
    ("symmetric", "accepted: symmetric:ETA"),
    ("symmetric:abc", "'abc' is not a number"),
    ("symmetric:1.5", r"must lie in \[0, 1\], got 1.5"),
    ("pairflip:-0.1", r"must lie in \[0, 1\]"),
    ("symmetric:nan", r"must lie in \[0, 1\]"),
    ("/no/such/file.npy", "not found"),
])
def test_make_noise_bad_strings(spec, match):
    with pytest.raises(InputError, match=match):
        make_noise(spec, 10)
    assert "pairflip:ETA" in NOISE_FORMS


def test_make_noise_bad_files_and_K(tmp_path):
    np.save(tmp_path / "m.npy", symmetric_matrix(3, 0.1))
    with pytest.raises(InputError, match="3 x 3 but K = 4"):
        make_noise(str(tmp_path / "m.npy"), 4)
    np.savetxt(tmp_path / "bad.txt", np.array([[0.5, 0.6], [0.5, 0.5]]))
    with pytest.raises(InputError, match="row 0 sums to 1.1"):
        make_noise(str(tmp_path / "bad.txt"), 2)
    with pytest.raises(InputError, match="needs K = 100"):
        make_noise("asym:0.3", 10, dataset="cifar100")


# ------------------------------------------------------------------------------------------
# bad inputs
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("T, match", [
    (np.ones((2, 3)) / 3, "square K x K"),
    (np.ones(3), "square K x K"),
    ([[1.0]], "K >= 2"),
    ([[1.2, -0.2], [0, 1]], r"T\[0, 0\] = 1.2"),
    ([[np.nan, 1], [0, 1]], r"entries must lie in \[0, 1\]"),
    ([[0.5, 0.5], [0.3, 0.6]], "row 1 sums to 0.9"),
    ([["a", "b"], ["c", "d"]], "numeric"),
])
def test_validate_transition_matrix_messages(T, match):
    with pytest.raises(InputError, match=match):
        validate_transition_matrix(T)


def test_validate_tolerance():
    T = symmetric_matrix(3, 0.2)
    T[0, 0] += 5e-10
    validate_transition_matrix(T)
    T[0, 0] += 1e-8
    with pytest.raises(InputError, match="row 0"):
        validate_transition_matrix(T, name="Tx")


@pytest.mark.parametrize("labels, match", [
    ([0, 1, 10], r"must lie in \[0, 10\).*labels\[2\] = 10"),
    ([0, -1], r"labels\[1\] = -1"),
    ([0.0, 1.5], "1.5 is not a whole number"),
    ([[0, 1]], "1-D"),
    (["a", "b"], "integers"),
    ([True, False], "integers"),
])
def test_bad_labels(labels, match):
    with pytest.raises(InputError, match=match):
        validate_labels(labels, 10)
    with pytest.raises(InputError):
        corrupt_labels(labels, symmetric_matrix(10, 0.2), 0)


def test_float_labels_with_whole_values_pass():
    assert validate_labels(np.array([0.0, 3.0]), 4).tolist() == [0, 3]


@pytest.mark.parametrize("call, match", [
    (lambda: symmetric_matrix(1, 0.1), "K must be an integer >= 2"),
    (lambda: symmetric_matrix(2.5, 0.1), "K must be an integer >= 2"),
    (lambda: symmetric_matrix(3, 1.01), r"\[0, 1\]"),
    (lambda: pairflip_matrix(3, "x"), "must be a number"),
    (lambda: flip_map_matrix(3, 0.2, {0: 0}), "itself"),
    (lambda: flip_map_matrix(3, 0.2, {0: 3}), r"\[0, 3\)"),
    (lambda: flip_map_matrix(3, 0.2, {"a": 1}), "dict of class"),
    (lambda: superclass_matrix(0.2, [0.5, 1.5]), "integer super-class"),
    (lambda: corrupt_labels([0, 1], symmetric_matrix(2, 0.1), -1), "seed"),
    (lambda: corrupt_labels([0, 1], symmetric_matrix(2, 0.1), 1.5), "seed"),
    (lambda: corrupt_labels([0, 3], symmetric_matrix(3, 0.1)[:2, :2], 0), "row-stochastic"),
    (lambda: empirical_matrix([0, 1], [0], 2), "differ in length"),
    (lambda: actual_noise_rate([0, 1], [0]), "equal length"),
    (lambda: instance_dependent_noise(np.ones((3, 2)), [0, 1], 0.2, 2, 0), "one row per"),
    (lambda: instance_dependent_noise(np.ones((2, 2)), [0, 1], 0.2, 2, 0, std=-1), "std"),
    (lambda: clean_labels_dominant_mask(np.ones((2, 2)) / 2, [0]), "rows"),
    (lambda: expected_noise_rate(np.eye(2), [0.2, 0.2]), "summing to 1"),
])
def test_bad_inputs_raise_helpfully(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_empirical_matrix_empty_class_is_nan():
    E = empirical_matrix([0, 0, 1], [0, 1, 1], 3)
    np.testing.assert_allclose(E[:2], [[0.5, 0.5, 0], [0, 1, 0]])
    assert np.all(np.isnan(E[2]))


def test_noise_and_data_import_without_torch():
    code = ("import sys; import alfs_theory.noise, alfs_theory.experiments.data; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
