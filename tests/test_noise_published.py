"""Sampling 'published': the label noise of the official APL / ALFs code, quirks included.

The references below are written from the official loops (HanxunH/Active-Passive-Losses
dataset.py; hitcszx/ALFs lnl/dataset.py, data/utils.py): the CIFAR ones draw from numpy's global
stream after ``np.random.seed(seed)`` as the official ``DatasetGenerator`` does, the
``multiclass_noisify`` ones from ``np.random.RandomState(seed)``, so the package's
implementation must match them draw for draw.
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from alfs_theory.errors import InputError
from alfs_theory.noise import (
    CIFAR100_FINE_TO_COARSE,
    PUBLISHED_COVERS,
    SAMPLING_FLAVOURS,
    apply_noise,
    corrupt_labels,
    empirical_matrix,
    make_noise,
    published_noise,
    published_vs_intended,
    symmetric_noise_exact,
)


@pytest.fixture
def global_numpy_rng():
    """The references seed numpy's global stream, as the official code does; put it back."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def _shuffled_balanced(K: int, per_class: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).permutation(np.repeat(np.arange(K), per_class))


# ---- references, one per official code path -------------------------------------------------

def _ref_cifar10_asym(labels, rate, seed):
    np.random.seed(seed)
    targets = [int(v) for v in labels]
    for s, t in zip([9, 2, 3, 5, 4], [1, 0, 5, 3, 7]):
        cls_idx = np.where(np.array(targets) == s)[0]
        n_noisy = int(rate * cls_idx.shape[0])
        for idx in np.random.choice(cls_idx, n_noisy, replace=False):
            targets[idx] = t
    return np.array(targets)


def _ref_other_class(n_classes, current_class):
    others = list(range(n_classes))
    others.remove(current_class)
    return np.random.choice(others)


def _ref_cifar_symmetric(labels, rate, K, seed):
    np.random.seed(seed)
    targets = [int(v) for v in labels]
    n_noisy = int(rate * len(targets))
    class_index = [np.where(np.array(targets) == i)[0] for i in range(K)]
    class_noisy = int(n_noisy / K)
    noisy_idx = []
    for d in range(K):
        noisy_idx.extend(np.random.choice(class_index[d], class_noisy, replace=False))
    for i in noisy_idx:
        targets[i] = _ref_other_class(K, targets[i])
    return np.array(targets)


def _ref_multiclass_noisify(y, P, random_state):
    new_y = y.copy()
    flipper = np.random.RandomState(random_state)
    for idx in np.arange(y.shape[0]):
        flipped = flipper.multinomial(1, P[y[idx], :], 1)[0]
        new_y[idx] = np.where(flipped == 1)[0][0]
    return new_y


def _ref_cifar100_P(noise):
    P = np.eye(100)
    for i in np.arange(20):
        init, end = i * 5, (i + 1) * 5
        block = (1. - noise) * np.eye(5)
        for j in np.arange(4):
            block[j, j + 1] = noise
        block[4, 0] = noise
        P[init:end, init:end] = block
    return P


def _ref_mnist_P(noise, asym):
    if not asym:
        P = (noise / 9) * np.ones((10, 10))
        for i in range(10):
            P[i, i] = 1. - noise
        return P
    P = np.eye(10)
    P[7, 7], P[7, 1] = 1. - noise, noise
    P[2, 2], P[2, 7] = 1. - noise, noise
    P[5, 5], P[5, 6] = 1. - noise, noise
    P[6, 6], P[6, 5] = 1. - noise, noise
    P[3, 3], P[3, 8] = 1. - noise, noise
    return P


# ---- draw-for-draw agreement with the official loops ----------------------------------------

@pytest.mark.parametrize("rate,seed", [(0.4, 0), (0.29, 123), (0.57, 5)])
def test_cifar10_asym_matches_official_loop(global_numpy_rng, rate, seed):
    y = _shuffled_balanced(10, 600, seed=seed)
    z, info = apply_noise(y, f"asym:{rate}", 10, seed, dataset="cifar10", sampling="published")
    np.testing.assert_array_equal(z, _ref_cifar10_asym(y, rate, seed))
    assert info["sampling"] == "published" and info["published"]["published"] is True


@pytest.mark.parametrize("ds,K,per,rate,seed", [("cifar10", 10, 300, 0.29, 1),
                                                ("cifar100", 100, 30, 0.4, 2),
                                                ("cifar10", 10, 200, 0.8, 123)])
def test_cifar_symmetric_matches_official_loop(global_numpy_rng, ds, K, per, rate, seed):
    y = _shuffled_balanced(K, per, seed=seed)
    z, _ = apply_noise(y, f"symmetric:{rate}", K, seed, dataset=ds, sampling="published")
    np.testing.assert_array_equal(z, _ref_cifar_symmetric(y, rate, K, seed))


def test_cifar100_asym_matches_official_multiclass_noisify():
    y = _shuffled_balanced(100, 20, seed=3)
    z, info = apply_noise(y, "asym:0.4", 100, 9, dataset="cifar100", sampling="published")
    np.testing.assert_array_equal(z, _ref_multiclass_noisify(y, _ref_cifar100_P(0.4), 9))
    np.testing.assert_array_equal(info["T_row"], _ref_cifar100_P(0.4))


@pytest.mark.parametrize("ds", ["mnist", "fashion-mnist", "Fashion_MNIST"])
@pytest.mark.parametrize("asym", [False, True])
def test_mnist_matches_official_multiclass_noisify(ds, asym):
    y = _shuffled_balanced(10, 150, seed=4)
    spec = "asym:0.3" if asym else "symmetric:0.3"
    z, info = apply_noise(y, spec, 10, 11, dataset=ds, sampling="published")
    np.testing.assert_array_equal(z, _ref_multiclass_noisify(y, _ref_mnist_P(0.3, asym), 11))
    assert "random_state = 0" in info["published"]["official_seed"]


# ---- counts: exactly int(eta * n), the official float truncation ----------------------------

@pytest.mark.parametrize("rate", [0.1, 0.29, 0.4, 0.57, 0.58])
def test_cifar10_asym_counts_per_step(rate):
    per = 5000
    y = _shuffled_balanced(10, per)
    z, info = apply_noise(y, f"asym:{rate}", 10, 0, dataset="cifar10", sampling="published")
    n = int(rate * per)
    for s, t in ((9, 1), (2, 0), (4, 7)):  # not chained: exact counts from the true class
        assert np.sum((y == s) & (z == t)) == n and np.sum((y == s) & (z != s)) == n
    # cat -> dog on 5000 cats, then dog -> cat on the 5000 + n current dogs
    n_back = int(rate * (per + n))
    hist = np.bincount(z, minlength=10)
    assert hist[3] == per - n + n_back and hist[5] == per + n - n_back
    steps = info["published"]["steps"]
    assert [(st["source"], st["target"]) for st in steps] == [(9, 1), (2, 0), (3, 5), (5, 3),
                                                              (4, 7)]
    assert steps[3]["current_count"] == per + n and steps[3]["flipped"] == n_back


def test_truncation_not_rounding():
    # 0.57 * 5000 = 2849.9999999999995: the official int() gives 2849
    y = _shuffled_balanced(10, 5000)
    z, _ = apply_noise(y, "asym:0.57", 10, 0, dataset="cifar10", sampling="published")
    assert np.sum((y == 9) & (z == 1)) == 2849
    # on 500 per class (CIFAR-100 size), 0.29 * 500 == 145.0 exactly in doubles
    y500 = _shuffled_balanced(10, 500)
    z500, _ = apply_noise(y500, "asym:0.29", 10, 0, dataset="cifar10", sampling="published")
    assert np.sum((y500 == 9) & (z500 == 1)) == int(0.29 * 500) == 145


def test_cifar100_symmetric_eta_029_gives_144_per_class():
    # int(int(0.29 * 50000) / 100) = int(14499 / 100) = 144; floor(eta N / K) is 145
    y = _shuffled_balanced(100, 500)
    z, info = apply_noise(y, "symmetric:0.29", 100, 0, dataset="cifar100",
                          sampling="published")
    changed = np.bincount(y[z != y], minlength=100)
    assert np.all(changed == 144) and info["published"]["per_class_count"] == 144
    assert "144" in info["description"] and "145" in info["description"]
    # our own exact flavour keeps the count eta N / K means (documented as ours)
    z_ours = symmetric_noise_exact(y, 0.29, 100, 0)
    assert np.all(np.bincount(y[z_ours != y], minlength=100) == 145)


@pytest.mark.parametrize("rate", [0.2, 0.29, 0.4, 0.58, 0.8])
def test_cifar10_symmetric_counts(rate):
    y = _shuffled_balanced(10, 5000)
    z, info = apply_noise(y, f"symmetric:{rate}", 10, 1, dataset="cifar10",
                          sampling="published")
    m = int(int(rate * 50000) / 10)
    changed = np.bincount(y[z != y], minlength=10)
    assert np.all(changed == m)  # every chosen sample moves to an OTHER class
    assert info["actual_rate"] == m * 10 / 50000
    # and the moves spread over the other classes
    C = empirical_matrix(y, z, 10)
    off = C[~np.eye(10, dtype=bool)]
    assert np.all(np.abs(off - m / 5000 / 9) < 0.02)


def test_exact_per_class_keeps_our_rounding():
    # exact-per-class rounds N_i (1 - T_ii); documented as ours, unlike 'published'
    y = _shuffled_balanced(10, 5000)
    z, _ = apply_noise(y, "asym:0.57", 10, 0, dataset="cifar10", sampling="exact-per-class")
    assert np.sum((y == 9) & (z == 1)) == 2850


# ---- what the quirks change -----------------------------------------------------------------

def test_cifar10_cat_to_dog_rate_is_eta_one_minus_eta():
    eta = 0.4
    y = _shuffled_balanced(10, 5000)
    z, info = apply_noise(y, f"asym:{eta}", 10, 7, dataset="cifar10", sampling="published")
    C = empirical_matrix(y, z, 10)
    assert abs(C[3, 5] - eta * (1 - eta)) < 0.02  # about 0.24, not 0.4
    assert abs(C[5, 3] - eta) < 0.02
    assert abs(C[9, 1] - eta) < 1e-12 and abs(C[4, 7] - eta) < 1e-12
    # the reported T_row is the procedure's expected matrix
    assert info["T_row"][3, 5] == pytest.approx(eta * (1 - eta))
    assert abs(info["nominal_rate"] - info["actual_rate"]) < 0.005
    assert "in sequence" in info["description"] and "eta(1 - eta)" in info["description"]
    # the intended default draws every flip from the original labels: cats flip at eta
    zi, _ = apply_noise(y, f"asym:{eta}", 10, 7, dataset="cifar10")
    assert abs(empirical_matrix(y, zi, 10)[3, 5] - eta) < 0.03


def test_cifar100_published_blocks_are_consecutive_not_superclasses():
    y = _shuffled_balanced(100, 100)
    z, info = apply_noise(y, "asym:0.5", 100, 0, dataset="cifar100", sampling="published")
    moved = z != y
    assert moved.any()
    # every flip goes to the next index in its block of five consecutive indices
    np.testing.assert_array_equal(z[moved], (y[moved] // 5) * 5 + (y[moved] % 5 + 1) % 5)
    assert "consecutive" in info["description"] and "NOT" in info["description"]
    f2c = np.asarray(CIFAR100_FINE_TO_COARSE)
    assert np.mean(f2c[z[moved]] == f2c[y[moved]]) < 0.5  # mostly across real super-classes
    zi, _ = apply_noise(y, "asym:0.5", 100, 0, dataset="cifar100")
    mi = zi != y
    assert np.all(f2c[zi[mi]] == f2c[y[mi]])  # the intended noise stays inside them


def test_mnist_asym_is_not_chained():
    y = _shuffled_balanced(10, 2000)
    z, _ = apply_noise(y, "asym:0.45", 10, 0, dataset="mnist", sampling="published")
    # a 2 that became 7 is never carried on to 1: draws are from the original labels
    assert set(np.unique(z[y == 2])) == {2, 7}
    assert set(np.unique(z[y == 7])) == {7, 1}
    C = empirical_matrix(y, z, 10)
    assert abs(C[2, 7] - 0.45) < 0.04 and abs(C[7, 1] - 0.45) < 0.04


def test_published_vs_intended_reports_the_difference():
    y = _shuffled_balanced(10, 5000)
    r = published_vs_intended(y, "asym:0.4", 10, 3, "cifar10")
    assert set(r) >= {"published", "intended", "matrix_difference", "flip_rate_difference",
                      "summary"}
    assert abs(r["published"]["flip_rate"][3] - 0.24) < 0.02
    assert abs(r["intended"]["flip_rate"][3] - 0.4) < 0.03
    assert abs(r["published"]["flip_rate"][5] - 0.4) < 0.02
    assert r["published"]["info"]["sampling"] == "published"
    assert r["intended"]["info"]["sampling"] == "per-sample"
    np.testing.assert_allclose(r["matrix_difference"],
                               r["published"]["matrix"] - r["intended"]["matrix"])
    assert any(line.startswith("class 3:") for line in r["summary"])
    assert not any(line.startswith("class 0:") for line in r["summary"])  # clean in both
    with pytest.raises(InputError, match="intended_sampling"):
        published_vs_intended(y, "asym:0.4", 10, 3, "cifar10", intended_sampling="published")


# ---- refusals, seeds, clean -----------------------------------------------------------------

@pytest.mark.parametrize("spec,K,ds", [("symmetric:0.4", 10, "digits"),
                                       ("asym:0.4", 10, None),
                                       ("pairflip:0.4", 10, "cifar10"),
                                       ("symmetric:0.4", 7, "mnist")])
def test_published_refuses_what_it_does_not_cover(spec, K, ds):
    y = np.arange(70) % K
    with pytest.raises(InputError) as exc:
        apply_noise(y, spec, K, 0, dataset=ds, sampling="published")
    msg = str(exc.value)
    assert PUBLISHED_COVERS in msg and "per-sample" in msg
    for name in ("cifar10", "cifar100", "mnist", "fashion-mnist", "symmetric:ETA", "asym:ETA"):
        assert name in msg


def test_published_refuses_a_matrix_file(tmp_path):
    path = tmp_path / "T.npy"
    np.save(path, np.eye(10))
    with pytest.raises(InputError, match="published"):
        apply_noise(np.arange(20) % 10, str(path), 10, 0, dataset="cifar10",
                    sampling="published")


def test_published_refuses_bad_seeds_and_unbalanced_symmetric():
    y = _shuffled_balanced(10, 50)
    with pytest.raises(InputError, match="2\\*\\*32"):
        apply_noise(y, "asym:0.4", 10, 2**32, dataset="cifar10", sampling="published")
    with pytest.raises(InputError, match="seed"):
        apply_noise(y, "asym:0.4", 10, -1, dataset="cifar10", sampling="published")
    skewed = np.array([0] * 90 + [1] * 5 + list(range(2, 10)) * 5)
    with pytest.raises(InputError, match="class 1 has 5"):
        published_noise(skewed, "symmetric:0.9", 10, 0, dataset="cifar10")


def test_published_follows_the_seed_and_generators():
    y = _shuffled_balanced(10, 300)
    a, _ = apply_noise(y, "asym:0.4", 10, 1, dataset="cifar10", sampling="published")
    b, _ = apply_noise(y, "asym:0.4", 10, 1, dataset="cifar10", sampling="published")
    c, _ = apply_noise(y, "asym:0.4", 10, 2, dataset="cifar10", sampling="published")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    g1, _ = apply_noise(y, "sym:0.4", 10, np.random.default_rng(5), dataset="mnist",
                        sampling="published")
    g2, _ = apply_noise(y, "sym:0.4", 10, np.random.default_rng(5), dataset="mnist",
                        sampling="published")
    np.testing.assert_array_equal(g1, g2)


@pytest.mark.parametrize("spec", ["clean", "symmetric:0", "asym:0.0"])
def test_published_rate_zero_is_clean(spec):
    y = _shuffled_balanced(10, 30)
    z, info = apply_noise(y, spec, 10, 0, dataset="cifar10", sampling="published")
    np.testing.assert_array_equal(z, y)
    assert info["actual_rate"] == 0.0 and info["nominal_rate"] == 0.0


# ---- the default stays the intended noise ---------------------------------------------------

@pytest.mark.parametrize("spec,ds", [("asym:0.4", "cifar10"), ("symmetric:0.3", "cifar100"),
                                     ("asym:0.3", "mnist")])
def test_default_sampling_is_unchanged(spec, ds):
    K = 100 if ds == "cifar100" else 10
    y = _shuffled_balanced(K, 40)
    z, info = apply_noise(y, spec, K, 4, dataset=ds)
    T, desc = make_noise(spec, K, dataset=ds)
    np.testing.assert_array_equal(z, corrupt_labels(y, T, 4))
    assert info["sampling"] == "per-sample" and "published" not in info
    np.testing.assert_array_equal(info["T_row"], T)
    assert info["description"] == desc


def test_flavour_listed_everywhere():
    assert "published" in SAMPLING_FLAVOURS
    from alfs_theory.cli.train import add_run_arguments

    sp = argparse.ArgumentParser()
    add_run_arguments(sp)
    text = " ".join(sp.format_help().split())
    for flavour in SAMPLING_FLAVOURS:
        assert flavour in text


def test_train_refuses_an_uncovered_published_pair_before_reading_data():
    from alfs_theory.errors import InputError
    from alfs_theory.experiments.train import TrainConfig, resolve_config

    with pytest.raises(InputError, match="reproduces the official code only for"):
        resolve_config(TrainConfig(loss="ce", noise="symmetric:0.4", sampling="published"))
    with pytest.raises(InputError, match="pairflip:0.3"):
        resolve_config(TrainConfig(loss="ce", noise="pairflip:0.3", sampling="published",
                                   dataset="mnist"))
    cfg, _ = resolve_config(TrainConfig(loss="ce", noise="asym:0.4", sampling="published",
                                        dataset="fashion-mnist"))
    assert cfg.sampling == "published"
