"""Label noise: transition matrices, the paper's flip maps, and seeded label corruption.

Orientation
-----------
Every matrix here is **row-stochastic**: ``T_row[i, j] = P(noisy = j | true = i)``, each row
sums to 1. cleanlab's ``noise_matrix`` is the transpose (column-stochastic,
``M[i, j] = P(label = i | true = j)``); convert explicitly with
:func:`to_cleanlab_noise_matrix` / :func:`from_cleanlab_noise_matrix`.

Two meanings of "noise rate"
----------------------------
* the *resampling probability* η of a model (symmetric T puts 1 − η on the diagonal, so with
  this definition η is exactly the probability that the label changes);
* the *fraction of labels actually changed*, :func:`actual_noise_rate`, which is random for
  per-sample draws and exact for the ``exact`` flavours.

Record both for a run (:func:`expected_noise_rate` gives the model's expected fraction).

Sampling flavours
-----------------
* ``"per-sample"`` -- :func:`corrupt_labels`: each label drawn independently from row
  ``T_row[y]`` (the official MNIST code's flavour; random count, expected rate as above).
* ``"exact-per-class"`` -- :func:`corrupt_labels` with ``exact=True``: exactly
  ``round(N_i (1 − T[i, i]))`` samples of class i flipped, spread over the targets in
  proportion to the off-diagonal entries.
* ``"symmetric-exact-cifar"`` -- :func:`symmetric_noise_exact`: exactly ⌊ηN/K⌋ samples per class
  moved to a uniformly chosen *other* class (the official CIFAR code's symmetric procedure,
  with the count meant by ηN/K).
* ``"published"`` -- :func:`published_noise`: the noise exactly as the official code of Ma et
  al. 2020, "Normalized Loss Functions for Deep Learning with Noisy Labels" (the APL
  repository, ``dataset.py``) and Zhou et al. 2021, "Asymmetric Loss Functions for Learning
  with Noisy Labels" (the ALFs repository, ``lnl/dataset.py``, which copies it, and its
  ``data/mnist.py`` / ``data/utils.py`` for MNIST) makes it,
  quirks included, for CIFAR-10, CIFAR-100, MNIST and Fashion-MNIST (symmetric:ETA,
  asym:ETA, clean). Offered to reproduce published numbers; see :func:`published_noise` for
  what it does per data set and :func:`published_vs_intended` for what the quirks change.

Counts: ours versus the official ones
-------------------------------------
The two exact flavours of our own count as the formula means it: ``exact-per-class`` flips
``round(N_i (1 − T[i, i]))`` (half up) per class and ``symmetric-exact-cifar``
``⌊ηN/K⌋`` (allowing 1e-9 for round-off). The official code truncates float products with
``int()`` (``int(η N_i)``; symmetric: ``int(int(η N) / K)``), which can give one less: on
CIFAR-100 (N = 50000, K = 100) at η = 0.29, ``0.29 * 50000 = 14499.999999999998``, so the
official count is 144 per class where ours is 145; on CIFAR-10 at η = 0.29 it is 1449 against
1450, and the asymmetric flips at η = 0.57 are ``int(0.57 * 5000) = 2849`` against 2850. Only
``"published"`` uses the official truncation; the others keep the counts as documented here.

Every flip of the intended flavours is drawn from the ORIGINAL labels, never from labels
already changed (the official CIFAR-10 code chains cat→dog and dog→cat, so true cats flip only
about η(1 − η); ``"published"`` reproduces that).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .errors import InputError

__all__ = [
    "CIFAR10_ASYM_MAP",
    "CIFAR100_FINE_TO_COARSE",
    "MNIST_ASYM_MAP",
    "NOISE_FORMS",
    "NoiseRows",
    "RowClass",
    "PUBLISHED_COVERS",
    "SAMPLING_FLAVOURS",
    "actual_noise_rate",
    "apply_noise",
    "cifar100_consecutive_blocks_matrix",
    "cifar100_superclass_matrix",
    "clean_labels_dominant_mask",
    "corrupt_labels",
    "empirical_matrix",
    "expected_noise_rate",
    "flip_map_matrix",
    "from_cleanlab_noise_matrix",
    "instance_dependent_noise",
    "is_clean_labels_dominant",
    "make_noise",
    "noise_rows",
    "noise_kind_rate",
    "pairflip_matrix",
    "published_noise",
    "published_vs_intended",
    "superclass_matrix",
    "symmetric_matrix",
    "symmetric_noise_exact",
    "to_cleanlab_noise_matrix",
    "validate_labels",
    "validate_transition_matrix",
]

NOISE_FORMS = ("symmetric:ETA, pairflip:ETA, asym:ETA (the data set's paper flip map; "
               "pair-flip where it has none), clean, or a path to a K x K .npy/.csv/.txt "
               "row-stochastic matrix (row i = P(noisy | true i)); ETA is a number in [0, 1]")

SAMPLING_FLAVOURS = ("per-sample", "exact-per-class", "symmetric-exact-cifar", "published")

#: The (data set, noise) pairs that sampling ``"published"`` reproduces.
PUBLISHED_COVERS = ("cifar10, cifar100, mnist and fashion-mnist, each with symmetric:ETA, "
                    "asym:ETA or clean")

#: The paper's asymmetric flips on MNIST (from the APL / ALFs code): 7→1, 2→7, 5↔6, 3→8.
MNIST_ASYM_MAP: dict[int, int] = {7: 1, 2: 7, 5: 6, 6: 5, 3: 8}

#: The paper's asymmetric flips on CIFAR-10: truck(9)→automobile(1), bird(2)→airplane(0),
#: deer(4)→horse(7), cat(3)↔dog(5).
CIFAR10_ASYM_MAP: dict[int, int] = {9: 1, 2: 0, 4: 7, 3: 5, 5: 3}

#: CIFAR-100 fine label → coarse label (super-class), as in the ``coarse_labels`` of the
#: official ``cifar-100-python`` files (fine and coarse names both alphabetical). Prefer the
#: mapping read from the files (:func:`alfs_theory.experiments.data.load_cifar100`) when you have them.
CIFAR100_FINE_TO_COARSE: tuple[int, ...] = (
    4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11,
    6, 11, 5, 10, 7, 6, 13, 15, 3, 15, 0, 11, 1, 10, 12, 14, 16, 9, 11, 5,
    5, 19, 8, 8, 15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17,
    10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13,
    16, 19, 2, 4, 6, 19, 5, 5, 8, 19, 18, 1, 2, 15, 6, 0, 17, 8, 14, 13,
)

_DATASETS_WITH_MAP = ("mnist", "cifar10", "cifar100")


# ---------------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------------

def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be an int >= 0 or a numpy Generator, got {seed!r}")
    if seed < 0:
        raise InputError(f"seed must be an int >= 0 or a numpy Generator, got {seed}")
    return np.random.default_rng(int(seed))


def _rate(eta, what: str = "noise rate") -> float:
    try:
        value = float(eta)
    except (TypeError, ValueError):
        raise InputError(f"{what}: noise rate must be a number in [0, 1], got {eta!r}") from None
    if not 0.0 <= value <= 1.0:  # also rejects nan
        raise InputError(f"{what}: noise rate must lie in [0, 1], got {value}")
    return value


def _classes(K) -> int:
    if isinstance(K, (bool, np.bool_)) or not isinstance(K, (int, np.integer)) or K < 2:
        raise InputError(f"the number of classes K must be an integer >= 2, got {K!r}")
    return int(K)


def validate_labels(labels, K: int, *, name: str = "labels") -> np.ndarray:
    """Check class labels and return them as a 1-D int64 array.

    Passes: a 1-D sequence of integers in ``[0, K)`` (integer dtype, or floats whose values are
    whole numbers). Anything else raises :class:`InputError` saying what would pass.
    """
    K = _classes(K)
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise InputError(f"{name} must be a 1-D array of class indices in [0, {K}), "
                         f"got shape {arr.shape}")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer)
                                 or np.issubdtype(arr.dtype, np.floating)):
        raise InputError(f"{name} must be integers in [0, {K}), got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))
        if bad.size:
            raise InputError(f"{name} must be integers in [0, {K}); {name}[{bad[0]}] = "
                             f"{float(arr[bad[0]])} is not a whole number")
    out = arr.astype(np.int64)
    bad = np.flatnonzero((out < 0) | (out >= K))
    if bad.size:
        raise InputError(f"{name} must lie in [0, {K}) for K = {K}; {name}[{bad[0]}] = "
                         f"{out[bad[0]]} ({bad.size} out of range)")
    return out


def validate_transition_matrix(T_row, *, name: str = "T") -> np.ndarray:
    """Check a row-stochastic transition matrix and return it as a float array.

    Passes: a square K x K array (K >= 2), finite entries in [0, 1], every row summing to 1
    within 1e-9 (row i = P(noisy = · | true = i)). Raises :class:`InputError` naming the first
    offending entry or row otherwise.
    """
    raw = T_row
    if np.iscomplexobj(T_row):  # numpy would drop imaginary parts silently
        raw = np.asarray(T_row)
        imag = np.argwhere(np.atleast_1d(raw.imag) != 0)
        if imag.size:
            at_ = tuple(int(i) for i in imag[0])
            raise InputError(f"{name} must be real; entry {list(at_)} has an imaginary part "
                             f"({complex(np.atleast_1d(raw)[at_])})")
        raw = raw.real
    try:
        T = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a numeric K x K matrix, got {type(T_row).__name__}"
                         ) from None
    if T.ndim != 2 or T.shape[0] != T.shape[1] or T.shape[0] < 2:
        raise InputError(f"{name} must be a square K x K matrix with K >= 2, got shape {T.shape}")
    bad = np.argwhere(~np.isfinite(T) | (T < 0) | (T > 1))
    if bad.size:
        i, j = bad[0]
        raise InputError(f"{name}: entries must lie in [0, 1]; {name}[{i}, {j}] = {float(T[i, j])}")
    sums = T.sum(axis=1)
    bad_rows = np.flatnonzero(np.abs(sums - 1.0) > 1e-9)
    if bad_rows.size:
        r = bad_rows[0]
        col = T.sum(axis=0)
        hint = (" (its columns sum to 1: is it column-stochastic, like cleanlab's noise_matrix? "
                "use from_cleanlab_noise_matrix)" if np.allclose(col, 1.0, atol=1e-9) else "")
        raise InputError(f"{name} must be row-stochastic (row i = P(noisy | true i), summing "
                         f"to 1 within 1e-9); row {r} sums to {sums[r]:.12g}{hint}")
    return T


def is_clean_labels_dominant(T_row) -> tuple[bool, list[tuple[int, float, float]]]:
    """Whether every row keeps the true class strictly most likely.

    The clean-labels-dominant condition: ``T[i, i] > max_{j != i} T[i, j]`` for every row i.

    Returns
    -------
    (ok, failing) : ok is True when the condition holds for every row; failing lists
        ``(row i, T[i, i], max off-diagonal of row i)`` for each row where it does not.
    """
    T = validate_transition_matrix(T_row)
    off = np.where(np.eye(len(T), dtype=bool), -np.inf, T).max(axis=1)
    fails = [(int(i), float(T[i, i]), float(off[i])) for i in range(len(T)) if T[i, i] <= off[i]]
    return not fails, fails


def clean_labels_dominant_mask(eta_rows, true_labels) -> np.ndarray:
    """Per-sample clean-labels-dominance: ``η_{x,y} > max_{k != y} η_{x,k}`` (bool array, N)."""
    E = np.asarray(eta_rows, dtype=float)
    if E.ndim != 2 or E.shape[1] < 2:
        raise InputError(f"eta_rows must be an N x K array, got shape {E.shape}")
    y = validate_labels(true_labels, E.shape[1], name="true_labels")
    if len(y) != len(E):
        raise InputError(f"eta_rows has {len(E)} rows but true_labels has {len(y)} entries")
    clean = E[np.arange(len(y)), y]
    other = np.where(np.eye(E.shape[1], dtype=bool)[y], -np.inf, E).max(axis=1)
    return clean > other


# ---------------------------------------------------------------------------------------------
# matrices
# ---------------------------------------------------------------------------------------------

def to_cleanlab_noise_matrix(T_row) -> np.ndarray:
    """Row-stochastic ``T_row[true, noisy]`` → cleanlab's column-stochastic
    ``noise_matrix[noisy, true] = P(label = noisy | true)``: the transpose."""
    return validate_transition_matrix(T_row, name="T_row").T.copy()


def from_cleanlab_noise_matrix(M) -> np.ndarray:
    """cleanlab's column-stochastic ``noise_matrix`` (``M[i, j] = P(label = i | true = j)``)
    → row-stochastic ``T_row = M.T``."""
    try:
        M = np.asarray(M, dtype=float)
    except (TypeError, ValueError):
        raise InputError("noise_matrix must be a numeric K x K matrix") from None
    return validate_transition_matrix(M.T, name="noise_matrix.T").copy()


def symmetric_matrix(K: int, eta: float) -> np.ndarray:
    """Symmetric noise, row-stochastic: ``T = (1 − η) I + η/(K − 1) (1 1ᵀ − I)``.

    The label changes with probability exactly η, uniformly to one of the K − 1 other classes.
    Clean-labels-dominant iff η < (K − 1)/K.
    """
    K, eta = _classes(K), _rate(eta, "symmetric")
    T = np.full((K, K), eta / (K - 1))
    np.fill_diagonal(T, 1.0 - eta)
    return T


def pairflip_matrix(K: int, eta: float) -> np.ndarray:
    """General pair-flip noise: class i → (i + 1) mod K with probability η.

    ``T[i, i] = 1 − η``, ``T[i, (i + 1) mod K] = η``. Clean-labels-dominant iff η < 1/2.
    """
    K, eta = _classes(K), _rate(eta, "pairflip")
    T = (1.0 - eta) * np.eye(K)
    T[np.arange(K), (np.arange(K) + 1) % K] += eta
    return T


def flip_map_matrix(K: int, eta: float, mapping: Mapping[int, int]) -> np.ndarray:
    """Class-conditional flips from a map ``{source: target}``, each with probability η.

    ``T[s, s] = 1 − η`` and ``T[s, mapping[s]] = η`` for every source s; classes not in the
    map stay clean (``T[i, i] = 1``). Sources and targets must be distinct classes in [0, K).
    """
    K, eta = _classes(K), _rate(eta, "flip map")
    try:
        items = [(int(s), int(t)) for s, t in dict(mapping).items()]
    except (TypeError, ValueError):
        raise InputError(f"mapping must be a dict of class -> class (ints in [0, {K})), "
                         f"got {mapping!r}") from None
    T = np.eye(K)
    for s, t in items:
        if not (0 <= s < K and 0 <= t < K):
            raise InputError(f"mapping {s} -> {t}: classes must lie in [0, {K}) for K = {K}")
        if s == t:
            raise InputError(f"mapping {s} -> {t} maps a class to itself; leave clean classes "
                             "out of the map instead")
        T[s, s] = 1.0 - eta
        T[s, t] = eta
    return T


def superclass_matrix(eta: float, fine_to_coarse) -> np.ndarray:
    """Each fine class flips with probability η to the next fine class of its own super-class.

    Within a super-class, the fine classes are taken in increasing index order and the flip is
    circular (last → first). A super-class with a single fine class stays clean.
    ``fine_to_coarse[f]`` is the super-class of fine class f; K = len(fine_to_coarse).
    """
    f2c = np.asarray(fine_to_coarse)
    if f2c.ndim != 1 or len(f2c) < 2 or not np.issubdtype(f2c.dtype, np.integer) or f2c.min() < 0:
        raise InputError("fine_to_coarse must be a 1-D array of non-negative integer super-class "
                         f"labels, one per fine class; got {f2c.dtype} array of shape {f2c.shape}")
    mapping: dict[int, int] = {}
    for c in np.unique(f2c):
        members = np.flatnonzero(f2c == c)
        if len(members) > 1:
            mapping.update({int(a): int(b) for a, b in zip(members, np.roll(members, -1))})
    return flip_map_matrix(len(f2c), eta, mapping)


def cifar100_superclass_matrix(eta: float, fine_to_coarse=None) -> np.ndarray:
    """CIFAR-100 asymmetric noise, as the paper describes it: each fine class flips with
    probability η to the next fine class within its *real* super-class (circularly).

    Parameters
    ----------
    eta : flip probability in [0, 1].
    fine_to_coarse : 100 super-class labels (``Dataset.fine_to_coarse`` from
        :func:`alfs_theory.experiments.data.load_cifar100`, read from the files' ``coarse_labels``).
        None uses :data:`CIFAR100_FINE_TO_COARSE`, the standard table.
    """
    f2c = CIFAR100_FINE_TO_COARSE if fine_to_coarse is None else fine_to_coarse
    if len(np.asarray(f2c)) != 100:
        raise InputError(f"fine_to_coarse must have 100 entries for CIFAR-100, got "
                         f"{len(np.asarray(f2c))}")
    return superclass_matrix(eta, f2c)


def cifar100_consecutive_blocks_matrix(eta: float) -> np.ndarray:
    """What the official APL / ALFs code does for CIFAR-100 "asymmetric" noise: blocks of 5
    *consecutive* class indices {0..4}, {5..9}, ..., each class flipping with probability η to
    the next index in its block (circularly).

    These blocks are NOT CIFAR-100 super-classes (fine labels are alphabetical: block 0 is
    apple, aquarium_fish, baby, bear, beaver). Use it only to reproduce published numbers; for
    the paper's stated noise use :func:`cifar100_superclass_matrix`.
    """
    return superclass_matrix(eta, np.arange(100) // 5)


def expected_noise_rate(T_row, class_prior=None) -> float:
    """Expected fraction of labels changed: ``1 − Σ_i π_i T[i, i]`` (π uniform by default)."""
    T = validate_transition_matrix(T_row)
    K = len(T)
    if class_prior is None:
        pi = np.full(K, 1.0 / K)
    else:
        pi = np.asarray(class_prior, dtype=float)
        if pi.shape != (K,) or np.any(pi < 0) or abs(pi.sum() - 1) > 1e-9:
            raise InputError(f"class_prior must be {K} non-negative numbers summing to 1")
    return float(1.0 - pi @ np.diag(T))


# ---------------------------------------------------------------------------------------------
# corrupting labels
# ---------------------------------------------------------------------------------------------

def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers summing to ``total``, proportional to ``weights`` (largest-remainder rounding;
    ties go to the lower index)."""
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    rest = total - int(counts.sum())
    if rest > 0:
        order = np.argsort(-(quota - counts), kind="stable")
        counts[order[:rest]] += 1
    return counts


def corrupt_labels(true_labels, T_row, seed, *, exact: bool = False) -> np.ndarray:
    """Noisy labels drawn from the ORIGINAL labels through a row-stochastic matrix.

    Parameters
    ----------
    true_labels : N clean labels in [0, K), K = len(T_row).
    T_row : row-stochastic ``T[i, j] = P(noisy = j | true = i)``.
    seed : int or numpy Generator.
    exact : False (flavour ``"per-sample"``): every label drawn independently,
        ``ỹ_n ~ Categorical(T[y_n])``, so class i loses a Binomial(N_i, 1 − T[i, i]) count.
        True (flavour ``"exact-per-class"``): for each class i exactly
        ``m_i = round(N_i (1 − T[i, i]))`` (half up) randomly chosen samples are flipped, split
        over the targets j ≠ i as ``m_i T[i, j] / Σ_{k≠i} T[i, k]`` with largest-remainder
        rounding. This rounding is ours, not the official code's ``int()`` truncation (which
        can give one less, see the module docstring); sampling ``"published"`` has that one.

    Returns
    -------
    noisy_labels : int64 array of length N.
    """
    T = validate_transition_matrix(T_row, name="T_row")
    K = len(T)
    y = validate_labels(true_labels, K, name="true_labels")
    rng = _rng(seed)
    noisy = y.copy()
    for i in range(K):
        idx = np.flatnonzero(y == i)
        if idx.size == 0:
            continue
        if not exact:
            p = T[i] / T[i].sum()
            noisy[idx] = rng.choice(K, size=idx.size, p=p)
            continue
        off = T[i].copy()
        off[i] = 0.0
        if off.sum() <= 0:
            continue
        m = min(int(np.floor(idx.size * (1.0 - T[i, i]) + 0.5)), idx.size)
        if m == 0:
            continue
        counts = _largest_remainder(m, off)
        chosen = rng.permutation(idx)[:m]
        noisy[chosen] = np.repeat(np.arange(K), counts)
    return noisy


def symmetric_noise_exact(true_labels, eta: float, K: int, seed) -> np.ndarray:
    """Symmetric noise, flavour ``"symmetric-exact-cifar"`` (the official CIFAR code's
    procedure, with the count ηN/K means).

    For each class i, exactly ``⌊η N / K⌋`` of its samples (N = all samples; the floor allows
    1e-9 for round-off in η N / K), chosen at random,
    are moved to a class drawn uniformly from the K − 1 *other* classes. On a balanced set
    this changes exactly ``K ⌊η N / K⌋`` labels. Raises :class:`InputError` when a class has
    fewer than ``⌊η N / K⌋`` samples (use ``corrupt_labels(..., exact=True)`` with
    :func:`symmetric_matrix` for per-class proportional counts on unbalanced data).

    The official code computes the count as ``int(int(η N) / K)`` in floats, which can be one
    less (144 against 145 per class on CIFAR-100 at η = 0.29); sampling ``"published"``
    (:func:`published_noise`) reproduces that count and the official draws.
    """
    K, eta = _classes(K), _rate(eta, "symmetric_noise_exact")
    y = validate_labels(true_labels, K, name="true_labels")
    rng = _rng(seed)
    n_flip = int(np.floor(eta * len(y) / K + 1e-9))
    noisy = y.copy()
    for i in range(K):
        idx = np.flatnonzero(y == i)
        if idx.size < n_flip:
            raise InputError(f"class {i} has {idx.size} samples but floor(eta N / K) = {n_flip} "
                             "must flip per class; this flavour needs balanced classes (use "
                             "corrupt_labels(true_labels, symmetric_matrix(K, eta), seed, "
                             "exact=True) instead)")
        chosen = rng.permutation(idx)[:n_flip]
        r = rng.integers(0, K - 1, size=n_flip)
        noisy[chosen] = r + (r >= i)
    return noisy


def instance_dependent_noise(features, true_labels, eta: float, K: int, seed, *,
                             std: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Instance-dependent label noise with the generator of Xia et al. 2020, "Part-dependent
    label noise: towards instance-dependent label noise" (NeurIPS 2020) -- the "IDN" generator
    of their code that later work reuses.

    For sample n with flattened features x_n (d values) and true label y_n:

    1. flip rate ``q_n ~ TruncNormal(mean η, std σ, on [0, 1])`` (σ = ``std`` = 0.1);
    2. a random projection ``W[c] ~ N(0, 1)^{d × K}`` per class c, scores ``s = x_n W[y_n]``,
       with ``s[y_n] = −∞``;
    3. ``η_{x_n,·} = q_n softmax(s)`` off the true class and ``η_{x_n,y_n} = 1 − q_n``;
    4. ``ỹ_n ~ Categorical(η_{x_n,·})``.

    Draw order from ``seed``: q (N values), W (K·d·K values), then N uniforms for the labels.
    The mean flip rate is E[q] which is close to η for η in about [0.2, 0.8]; the truncation
    pulls it toward 1/2 near the ends (η = 0 gives E[q] ≈ 0.08). A sample is
    clean-labels-dominant iff ``1 − q_n > max_{k≠y} η_{x_n,k}``; check with
    :func:`clean_labels_dominant_mask`. Memory: W holds K·d·K float64 values.

    Returns
    -------
    (noisy_labels, eta_rows) : int64 array (N,) and float array (N, K), rows summing to 1.
    """
    from scipy.stats import truncnorm

    K, eta = _classes(K), _rate(eta, "instance_dependent_noise")
    y = validate_labels(true_labels, K, name="true_labels")
    X = np.asarray(features, dtype=float)
    if X.ndim < 1 or len(X) != len(y):
        raise InputError(f"features must have one row per label: got shape {X.shape} for "
                         f"{len(y)} labels")
    X = X.reshape(len(y), -1)
    if not np.all(np.isfinite(X)):
        raise InputError("features must be finite numbers")
    std = float(std)
    if not std >= 0:
        raise InputError(f"std must be >= 0, got {std}")
    rng = _rng(seed)
    N, d = X.shape
    if std == 0:
        q = np.full(N, eta)
    else:
        a, b = (0.0 - eta) / std, (1.0 - eta) / std
        q = truncnorm.rvs(a, b, loc=eta, scale=std, size=N, random_state=rng)
        q = np.clip(q, 0.0, 1.0)
    W = rng.standard_normal((K, d, K))
    P = np.zeros((N, K))
    for c in range(K):
        idx = np.flatnonzero(y == c)
        if idx.size == 0:
            continue
        s = X[idx] @ W[c]
        s[:, c] = -np.inf
        s -= s.max(axis=1, keepdims=True)
        e = np.exp(s)
        P[idx] = q[idx, None] * e / e.sum(axis=1, keepdims=True)
        P[idx, c] = 1.0 - q[idx]
    u = rng.random(N)
    cum = np.cumsum(P, axis=1)
    cum /= cum[:, -1:]
    noisy = (u[:, None] >= cum).sum(axis=1)
    # never land on a zero-probability class through rounding at the top end
    noisy = np.minimum(noisy, K - 1)
    zero = P[np.arange(N), noisy] == 0
    if zero.any():  # pragma: no cover - only reachable through float round-off
        noisy[zero] = P[zero].argmax(axis=1)
    return noisy.astype(np.int64), P


def empirical_matrix(true_labels, noisy_labels, K: int) -> np.ndarray:
    """Row-normalised confusion counts ``T̂[i, j] = #{y = i, ỹ = j} / #{y = i}``.

    A class with no samples gives a row of NaN (nothing to estimate).
    """
    K = _classes(K)
    y = validate_labels(true_labels, K, name="true_labels")
    z = validate_labels(noisy_labels, K, name="noisy_labels")
    if len(y) != len(z):
        raise InputError(f"true_labels ({len(y)}) and noisy_labels ({len(z)}) differ in length")
    C = np.zeros((K, K))
    np.add.at(C, (y, z), 1.0)
    n = C.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, C / np.where(n > 0, n, 1.0), np.nan)


def actual_noise_rate(true_labels, noisy_labels) -> float:
    """Fraction of labels changed, ``mean(ỹ != y)`` (0.0 for no labels)."""
    y, z = np.asarray(true_labels), np.asarray(noisy_labels)
    if y.ndim != 1 or y.shape != z.shape:
        raise InputError(f"true_labels and noisy_labels must be 1-D of equal length; got shapes "
                         f"{y.shape} and {z.shape}")
    return float(np.mean(y != z)) if len(y) else 0.0


# ---------------------------------------------------------------------------------------------
# model strings
# ---------------------------------------------------------------------------------------------

def _norm_dataset(name) -> str | None:
    if name is None:
        return None
    return str(name).lower().replace("-", "").replace("_", "").replace(" ", "")


def _asym(K: int, eta: float, dataset, fine_to_coarse) -> tuple[np.ndarray, str]:
    ds = _norm_dataset(dataset)
    need = {"mnist": 10, "cifar10": 10, "cifar100": 100}
    if ds in need and K != need[ds]:
        raise InputError(f"asym noise for {dataset} needs K = {need[ds]}, got K = {K}")
    if ds == "mnist":
        desc = f"asymmetric noise (paper's MNIST map 7->1, 2->7, 5<->6, 3->8), eta = {eta:g}"
        return flip_map_matrix(K, eta, MNIST_ASYM_MAP), desc
    if ds == "cifar10":
        desc = ("asymmetric noise (paper's CIFAR-10 map truck->automobile, bird->airplane, "
                f"deer->horse, cat<->dog, drawn from original labels), eta = {eta:g}")
        return flip_map_matrix(K, eta, CIFAR10_ASYM_MAP), desc
    if ds == "cifar100":
        src = "standard table" if fine_to_coarse is None else "given coarse labels"
        desc = ("asymmetric noise (CIFAR-100: next fine class within its real super-class, "
                f"{src}), eta = {eta:g}")
        return cifar100_superclass_matrix(eta, fine_to_coarse), desc
    where = "no data set given" if dataset is None else f"data set {dataset!r}"
    desc = (f"asymmetric noise: {where} has no paper flip map (maps exist for "
            f"{', '.join(_DATASETS_WITH_MAP)}), so fell back to pair-flip i -> i+1 mod K, "
            f"eta = {eta:g}")
    return pairflip_matrix(K, eta), desc


def _check_matrix_file(path: str) -> None:
    """Refuse, before reading, a noise matrix path that is not a readable regular .npy, .csv
    or .txt file of at most MAX_NOISE_FILE_BYTES, saying what it is instead."""
    import stat

    from .argtypes import MAX_NOISE_FILE_BYTES

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"noise matrix file {path!r} not found; accepted: {NOISE_FORMS}") from None
    except OSError as err:
        raise InputError(f"noise matrix file {path!r} cannot be read: "
                         f"{err.strerror or err}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"noise matrix file {path!r} is a directory; give a K x K "
                         ".npy/.csv/.txt file in it")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"noise matrix file {path!r} is not a regular file (a device, pipe or "
                         "socket); give a K x K .npy/.csv/.txt file")
    if not path.lower().endswith((".npy", ".csv", ".txt")):
        raise InputError(f"noise matrix file {path!r} is neither .npy, .csv nor .txt; save the "
                         f"K x K matrix as one of those; accepted: {NOISE_FORMS}")
    if st.st_size > MAX_NOISE_FILE_BYTES:
        raise InputError(f"noise matrix file {path!r} holds {st.st_size / 2**20:.1f} MB, more "
                         f"than the {MAX_NOISE_FILE_BYTES // 2**20} MB a K x K matrix needs "
                         "(K <= 1000 in float64); is it the right file?")
    if not os.access(path, os.R_OK):
        raise InputError(f"noise matrix file {path!r} cannot be read: permission denied")


def _named_model(spec, K: int) -> tuple[str, float, str] | None:
    """``(kind, eta, description)`` of a named model string (kind clean, symmetric, pairflip
    or asym), None for anything else (a matrix file); InputError for a bad rate."""
    low = str(spec).strip().lower()
    if low == "clean":
        return "clean", 0.0, "clean labels (no noise)"
    kind, sep, rest = low.partition(":")
    kind = kind.strip()
    if not (sep and kind in ("symmetric", "sym", "pairflip", "pair", "asym", "asymmetric")):
        return None
    try:
        eta = float(rest)
    except ValueError:
        raise InputError(f"noise model {spec!r}: {rest.strip()!r} is not a number; "
                         f"accepted: {NOISE_FORMS}") from None
    eta = _rate(eta, f"noise model {spec!r}")
    if kind in ("symmetric", "sym"):
        return ("symmetric", eta,
                f"symmetric noise, eta = {eta:g} (label changes with probability eta)")
    if kind in ("pairflip", "pair"):
        return "pairflip", eta, f"pair-flip noise i -> i+1 mod K, eta = {eta:g}"
    return "asym", eta, ""


def make_noise(spec: str, K: int, *, dataset: str | None = None,
               fine_to_coarse=None) -> tuple[np.ndarray, str]:
    """Parse a noise model string into ``(T_row, description)``.

    Accepted forms (see :data:`NOISE_FORMS`):

    * ``clean`` -- identity;
    * ``symmetric:ETA`` (or ``sym:ETA``) -- :func:`symmetric_matrix`;
    * ``pairflip:ETA`` (or ``pair:ETA``) -- :func:`pairflip_matrix`;
    * ``asym:ETA`` (or ``asymmetric:ETA``) -- the paper's map for ``dataset`` = mnist, cifar10
      or cifar100 (real super-classes; ``fine_to_coarse`` optional); any other data set falls
      back to pair-flip and the description says so;
    * a path to a ``.npy`` / ``.csv`` / ``.txt`` K x K row-stochastic matrix.
    """
    K = _classes(K)
    s = str(spec).strip()
    low = s.lower()
    named = _named_model(spec, K)
    if named is not None:
        kind, eta, desc = named
        if kind == "clean":
            return np.eye(K), desc
        if kind == "symmetric":
            return symmetric_matrix(K, eta), desc
        if kind == "pairflip":
            return pairflip_matrix(K, eta), desc
        return _asym(K, eta, dataset, fine_to_coarse)
    if low.endswith((".npy", ".csv", ".txt")) or os.path.sep in s or os.path.exists(s):
        _check_matrix_file(s)
        try:
            if low.endswith(".npy"):
                T = np.load(s, allow_pickle=False)
            else:
                T = np.loadtxt(s, delimiter="," if low.endswith(".csv") else None, ndmin=2)
        except (OSError, ValueError) as exc:
            raise InputError(f"could not read a K x K matrix from {s!r}: {exc}") from None
        T = validate_transition_matrix(T, name=s)
        if T.shape[0] != K:
            raise InputError(f"matrix {s} is {T.shape[0]} x {T.shape[0]} but K = {K}")
        return T, f"row-stochastic matrix from {s}"
    raise InputError(f"unknown noise model {spec!r}; accepted: {NOISE_FORMS}")


@dataclass(frozen=True)
class RowClass:
    """Rows of a transition matrix that are one row up to a permutation of the other classes:
    the same diagonal entry and the same multiset of off-diagonal entries.

    ``off_diagonal`` is that multiset as ``(value, count)`` pairs, largest value first;
    ``rows`` the row indices as half-open ranges ``(start, stop)``.
    """

    diagonal: float
    off_diagonal: tuple[tuple[float, int], ...]
    rows: tuple[tuple[int, int], ...]

    @property
    def n_rows(self) -> int:
        return sum(b - a for a, b in self.rows)

    @property
    def first(self) -> int:
        return self.rows[0][0]

    @property
    def largest_other(self) -> float:
        return self.off_diagonal[0][0]

    @property
    def dominant(self) -> bool:
        """Clean-labels-dominant: the diagonal entry is strictly the largest of the row."""
        return self.diagonal > self.largest_other

    def weights(self) -> np.ndarray:
        """The row with its clean class first: ``[T_ii, the others largest first]``."""
        vals = [v for v, _ in self.off_diagonal]
        return np.r_[self.diagonal, np.repeat(vals, [c for _, c in self.off_diagonal])]

    def to_dict(self) -> dict:
        return {"rows": [list(r) for r in self.rows], "n_rows": self.n_rows,
                "diagonal": self.diagonal, "off_diagonal": [list(x) for x in self.off_diagonal]}


def _ranges(idx) -> tuple[tuple[int, int], ...]:
    """Sorted indices -> half-open runs ``((start, stop), ...)``."""
    idx = np.asarray(idx, dtype=np.int64)
    if not idx.size:
        return ()
    cut = np.flatnonzero(np.diff(idx) != 1) + 1
    starts = np.r_[idx[0], idx[cut]]
    stops = np.r_[idx[cut - 1] + 1, idx[-1] + 1]
    return tuple((int(a), int(b)) for a, b in zip(starts, stops))


@dataclass(frozen=True)
class NoiseRows:
    """A row-stochastic K x K transition matrix held as its classes of rows equal up to a
    permutation (:class:`RowClass`), so that a check decides each class once and symmetric or
    pair-flip noise at K = 10,000 never builds the K x K matrix (one class of K rows).

    Build with :func:`noise_rows` (a model string) or :meth:`from_matrix`.
    """

    K: int
    classes: tuple[RowClass, ...]
    description: str = ""

    @classmethod
    def from_matrix(cls, T_row, description: str = "") -> NoiseRows:
        T = validate_transition_matrix(T_row)
        K = len(T)
        off = T.copy()
        np.fill_diagonal(off, np.inf)
        off = -np.sort(-off, axis=1)[:, 1:]  # the off-diagonal entries, largest first
        keys = np.c_[np.diag(T), off]
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        order = np.argsort([np.flatnonzero(inverse == g)[0] for g in range(len(uniq))])
        classes = []
        for g in order:
            vals, counts = np.unique(uniq[g, 1:], return_counts=True)
            classes.append(RowClass(float(uniq[g, 0]),
                                    tuple((float(v), int(c)) for v, c in
                                          zip(vals[::-1], counts[::-1])),
                                    _ranges(np.flatnonzero(inverse == g))))
        return cls(K, tuple(classes), description)


def noise_rows(spec, K: int, *, dataset: str | None = None) -> NoiseRows:
    """A noise model string -> :class:`NoiseRows` without the K x K matrix where the model has
    one class of rows (clean, symmetric:ETA, pairflip:ETA); other models (asym, a matrix file)
    through :func:`make_noise`. Accepts what :func:`make_noise` accepts."""
    K = _classes(K)
    named = _named_model(spec, K)
    if named is None or named[0] == "asym":
        T, desc = make_noise(spec, K, dataset=dataset)
        return NoiseRows.from_matrix(T, desc)
    kind, eta, desc = named
    if kind == "clean":
        off = ((0.0, K - 1),)
        diag = 1.0
    elif kind == "symmetric":
        off, diag = ((eta / (K - 1), K - 1),), 1.0 - eta
    else:
        diag = 1.0 - eta
        off = tuple(x for x in ((eta, 1), (0.0, K - 2)) if x[1] > 0)
        if eta == 0.0:
            off = ((0.0, K - 1),)
    return NoiseRows(K, (RowClass(float(diag), off, ((0, K),)),), desc)


def apply_noise(true_labels, spec: str, K: int, seed, *, dataset: str | None = None,
                sampling: str = "per-sample", fine_to_coarse=None) -> tuple[np.ndarray, dict]:
    """Corrupt labels by a model string and report what was done.

    ``sampling`` picks the flavour (:data:`SAMPLING_FLAVOURS`): ``"per-sample"`` (default,
    the intended noise), ``"exact-per-class"``, ``"symmetric-exact-cifar"`` (symmetric models
    only) or ``"published"`` (the official code's noise, quirks included, for the pairs in
    :data:`PUBLISHED_COVERS`; :func:`published_noise`).

    Returns
    -------
    (noisy_labels, info) : info holds ``spec``, ``description``, ``sampling``, ``T_row``,
        ``nominal_rate`` (:func:`expected_noise_rate` under the empirical class prior) and
        ``actual_rate`` (:func:`actual_noise_rate`). With ``"published"``, ``T_row`` is the
        expected transition matrix of the published procedure (what the labels are drawn
        from in effect), ``T_intended`` the intended model's, ``description`` says what
        differs from the intended noise, and ``published`` holds the details
        (:func:`published_noise`).
    """
    if sampling not in SAMPLING_FLAVOURS:
        raise InputError(f"sampling must be one of {', '.join(SAMPLING_FLAVOURS)}; "
                         f"got {sampling!r}")
    T, desc = make_noise(spec, K, dataset=dataset, fine_to_coarse=fine_to_coarse)
    y = validate_labels(true_labels, K, name="true_labels")
    extra: dict = {}
    if sampling == "published":
        noisy, pub = published_noise(y, spec, K, seed, dataset=dataset)
        extra = {"T_intended": T, "intended_description": desc, "published": pub}
        T, desc = pub["T_row"], pub["description"]
    elif sampling == "symmetric-exact-cifar":
        kind = str(spec).strip().lower().partition(":")[0]
        if kind not in ("symmetric", "sym"):
            raise InputError("sampling 'symmetric-exact-cifar' applies to symmetric:ETA only; "
                             f"got {spec!r}")
        noisy = symmetric_noise_exact(y, float(str(spec).partition(":")[2]), K, seed)
    else:
        noisy = corrupt_labels(y, T, seed, exact=(sampling == "exact-per-class"))
    prior = np.bincount(y, minlength=K) / max(len(y), 1)
    info = {"spec": str(spec), "description": desc, "sampling": sampling, "T_row": T,
            "nominal_rate": expected_noise_rate(T, prior) if len(y) else 0.0,
            "actual_rate": actual_noise_rate(y, noisy), **extra}
    return noisy, info


# ---------------------------------------------------------------------------------------------
# the noise exactly as published (the official APL / ALFs code)
# ---------------------------------------------------------------------------------------------

_PUBLISHED_SOURCE = ("official code of Ma et al. 2020, 'Normalized Loss Functions for Deep "
                     "Learning with Noisy Labels' (github.com/HanxunH/Active-Passive-Losses, "
                     "dataset.py) and Zhou et al. 2021, 'Asymmetric Loss Functions for "
                     "Learning with Noisy Labels' (github.com/hitcszx/ALFs, lnl/dataset.py; "
                     "MNIST through data/mnist.py and data/utils.py)")

#: CIFAR-10 flips of the official code, applied in this order: truck→automobile,
#: bird→airplane, cat→dog, dog→cat, deer→horse.
_CIFAR10_PUBLISHED_STEPS = ((9, 1), (2, 0), (3, 5), (5, 3), (4, 7))

_PUBLISHED_K = {"mnist": 10, "fashionmnist": 10, "cifar10": 10, "cifar100": 100}


def _legacy_rng(seed) -> np.random.RandomState:
    """The official code's generator: ``numpy.random.RandomState(seed)`` (its
    ``np.random.seed(seed)`` global stream is the same stream). A numpy Generator gives a
    RandomState seeded from one draw of it (then the official stream is not reproduced)."""
    if isinstance(seed, np.random.Generator):
        return np.random.RandomState(int(seed.integers(0, 2**32)))
    _rng(seed)  # type and sign checks
    if int(seed) >= 2**32:
        raise InputError(f"sampling 'published' draws with numpy's RandomState (as the "
                         f"official code does), whose seed must lie in [0, 2**32); got {seed}")
    return np.random.RandomState(int(seed))


def _official_multiclass_noisify(y: np.ndarray, P: np.ndarray,
                                 rs: np.random.RandomState) -> np.ndarray:
    """The official ``multiclass_noisify``: one ``multinomial(1, P[y_n], 1)`` draw per sample,
    in sample order, from the ORIGINAL labels."""
    new = y.copy()
    for n in range(len(y)):
        new[n] = int(np.flatnonzero(rs.multinomial(1, P[y[n]], 1)[0] == 1)[0])
    return new


def _official_symmetric(y: np.ndarray, eta: float, K: int,
                        rs: np.random.RandomState) -> tuple[np.ndarray, int]:
    """The official CIFAR symmetric noise: ``int(int(eta * N) / K)`` samples per class chosen
    without replacement (class by class), then each moved to ``other_class`` (a uniform
    choice among the K − 1 other classes), in that order."""
    if not eta > 0:  # the official code skips the noise at rate 0
        return y.copy(), 0
    n_noisy = int(eta * len(y))
    per_class = int(n_noisy / K)
    chosen = []
    for d in range(K):
        idx = np.flatnonzero(y == d)
        if idx.size < per_class:
            raise InputError(f"sampling 'published' (official symmetric noise) takes "
                             f"int(int(eta N) / K) = {per_class} samples of every class, but "
                             f"class {d} has {idx.size}")
        chosen.extend(rs.choice(idx, per_class, replace=False))
    others = [np.array([k for k in range(K) if k != c]) for c in range(K)]
    noisy = y.copy()
    for n in chosen:
        noisy[n] = rs.choice(others[noisy[n]])
    return noisy, per_class


def _official_cifar10_asym(y: np.ndarray, eta: float,
                           rs: np.random.RandomState) -> tuple[np.ndarray, list[dict]]:
    """The official CIFAR-10 asymmetric noise: for each (source, target) in order, the CURRENT
    labels equal to source, ``int(eta * count)`` of them chosen without replacement, set to
    target."""
    noisy = y.copy()
    steps = []
    for s, t in _CIFAR10_PUBLISHED_STEPS:
        idx = np.flatnonzero(noisy == s)
        n = int(eta * idx.shape[0])
        noisy[rs.choice(idx, n, replace=False)] = t
        steps.append({"source": s, "target": t, "current_count": int(idx.size), "flipped": n})
    return noisy, steps


def _official_cifar100_blocks(eta: float) -> np.ndarray:
    P = np.eye(100)
    for b in range(20):
        block = (1.0 - eta) * np.eye(5)
        for i in range(4):
            block[i, i + 1] = eta
        block[4, 0] = eta
        P[5 * b:5 * b + 5, 5 * b:5 * b + 5] = block
    return P


def _official_mnist_asym(eta: float) -> np.ndarray:
    P = np.eye(10)
    for s, t in ((7, 1), (2, 7), (5, 6), (6, 5), (3, 8)):
        P[s, s], P[s, t] = 1.0 - eta, eta
    return P


def _official_symmetric_matrix(eta: float, K: int) -> np.ndarray:
    P = (eta / (K - 1)) * np.ones((K, K))
    np.fill_diagonal(P, 1.0 - eta)
    return P


def noise_kind_rate(spec) -> tuple[str, float | None]:
    """The kind and rate of a noise model string: ``"sym:0.4"`` -> ("symmetric", 0.4),
    ``"asym:0.2"`` -> ("asym", 0.2), ``"clean"`` -> ("clean", 0.0); anything else (a matrix
    file) -> ("matrix", None). A rate outside [0, 1] raises InputError."""
    low = str(spec).strip().lower()
    if low == "clean":
        return "clean", 0.0
    kind, sep, rest = low.partition(":")
    kind = {"sym": "symmetric", "asymmetric": "asym", "pair": "pairflip"}.get(kind.strip(),
                                                                            kind.strip())
    if sep and kind in ("symmetric", "asym", "pairflip"):
        return kind, _rate(rest, f"noise model {spec!r}")
    return "matrix", None


def _refuse_published(dataset, spec, why: str = "") -> InputError:
    return InputError(f"sampling 'published' reproduces the official code only for "
                      f"{PUBLISHED_COVERS}; got data set {dataset!r} with noise {spec!r}"
                      f"{why}. Use sampling 'per-sample' (the intended noise) otherwise")


def published_noise(true_labels, spec: str, K: int, seed, *,
                    dataset: str | None) -> tuple[np.ndarray, dict]:
    """Label noise exactly as the official code makes it (sampling ``"published"``).

    Reproduces the official code of Ma et al. 2020, "Normalized Loss Functions for Deep
    Learning with Noisy Labels" (github.com/HanxunH/Active-Passive-Losses, ``dataset.py``) and
    of Zhou et al. 2021, "Asymmetric Loss Functions for Learning with Noisy Labels"
    (github.com/hitcszx/ALFs, ``lnl/dataset.py``, a copy of it; MNIST through its
    ``data/mnist.py`` and ``data/utils.py``), quirks included. Use it to reproduce published
    numbers; the intended noise is the default sampling. Per data set:

    * **CIFAR-10 asym:ETA** -- flips applied one after another on labels already changed: for
      (source, target) in (9→1, 2→0, 3→5, 5→3, 4→7), take the samples whose CURRENT label is
      source, choose ``int(η · count)`` of them without replacement (the float product
      truncated by ``int()``), set them to target. So true cats end as dog with rate about
      η(1 − η), not η (η of the cats just turned dog flip back), and dogs flip to cat at η.
    * **CIFAR-10 / CIFAR-100 symmetric:ETA** -- ``int(int(η N) / K)`` samples of each class,
      chosen without replacement class by class, then each moved to a uniformly chosen other
      class (``other_class``). The count can be one less than ⌊ηN/K⌋ (144 against 145 per
      class on CIFAR-100 at η = 0.29); the intended per-sample noise has a random count.
    * **CIFAR-100 asym:ETA** -- per-sample draws (``multiclass_noisify``) within blocks of five
      CONSECUTIVE class indices {0..4}, {5..9}, ... (:func:`cifar100_consecutive_blocks_matrix`),
      which are not CIFAR-100's super-classes; the intended noise flips within the real ones.
      The official code draws with ``RandomState(run seed)`` (and calls the noisifier once per
      block while still filling the matrix, keeping the last call, which equals one call).
    * **MNIST (and Fashion-MNIST, which gets the MNIST code) symmetric:ETA / asym:ETA** --
      per-sample draws from T (``multiclass_noisify``: symmetric T, or 7→1, 2→7, 5↔6, 3→8), all
      from the ORIGINAL labels (not chained), so the model is the intended one; the ALFs code
      fixes ``random_state = 0``, ignoring the run's seed. The official repositories have no
      Fashion-MNIST noise of their own. (The APL repository's own MNIST class differs: its
      symmetric noise is the CIFAR one above and its asym draws use the run seed.)
    * ``clean`` (rate 0) leaves the labels alone, as the official code does.

    Random draws: ``numpy.random.RandomState(seed)``, in the official order, so an int seed s
    gives the draws the official code makes after ``np.random.seed(s)`` (CIFAR; the CIFAR-100
    asym ``RandomState(s)``) on the same labels in file order; for MNIST the official code used
    s = 0. The run's seed is always followed here. A numpy Generator as seed gives a
    RandomState seeded from one of its draws (not the official stream).

    Returns
    -------
    (noisy_labels, info) : info holds ``published`` (True), ``source``, ``dataset``, ``kind``,
        ``eta``, ``description`` (what it does and what differs from the intended noise),
        ``differs_from_intended``, ``official_seed`` (what seed the official code uses),
        ``rng``, ``T_row`` (the expected transition matrix of the procedure on these labels,
        row-stochastic) and, where the procedure has fixed counts, ``per_class_count`` or
        ``steps`` (CIFAR-10 asym: source, target, current count, flipped).

    Raises :class:`InputError` for any data set or noise outside :data:`PUBLISHED_COVERS`.
    """
    ds = _norm_dataset(dataset)
    kind, eta = noise_kind_rate(spec)
    if ds not in _PUBLISHED_K or kind not in ("clean", "symmetric", "asym"):
        raise _refuse_published(dataset, spec)
    K = _classes(K)
    if K != _PUBLISHED_K[ds]:
        raise _refuse_published(dataset, spec, f" (that data set has K = {_PUBLISHED_K[ds]}, "
                                               f"got K = {K})")
    y = validate_labels(true_labels, K, name="true_labels")
    rs = _legacy_rng(seed)
    counts = np.bincount(y, minlength=K).astype(float)
    info: dict = {"published": True, "source": _PUBLISHED_SOURCE, "dataset": ds, "kind": kind,
                  "eta": eta, "rng": "numpy.random.RandomState(seed), draws in the official "
                                     "order"}
    if kind == "clean" or eta == 0.0:
        info.update(T_row=np.eye(K), official_seed="none drawn",
                    differs_from_intended="nothing (no noise)",
                    description=f"published noise ({ds}, {spec}): rate 0, labels left clean, "
                                "as in the official code")
        return y.copy(), info

    if ds in ("mnist", "fashionmnist"):
        P = _official_mnist_asym(eta) if kind == "asym" else _official_symmetric_matrix(eta, K)
        noisy = _official_multiclass_noisify(y, P, rs)
        what = ("7->1, 2->7, 5<->6, 3->8" if kind == "asym" else "symmetric T")
        fm = (" Fashion-MNIST has no noise code of its own there; this is the MNIST code."
              if ds == "fashionmnist" else "")
        differs = ("same noise model as the intended per-sample noise (every draw from the "
                   "original labels, not chained); only the random stream differs (legacy "
                   "RandomState) and the official code ignores the run seed (random_state = 0)")
        info.update(T_row=P, official_seed="fixed random_state = 0 (the run's seed is "
                                           "ignored there; seed 0 gives its draws)",
                    differs_from_intended=differs,
                    description=(f"published noise ({ds}, {spec}): per-sample draws from the "
                                 f"official T ({what}, eta = {eta:g}); {differs}.{fm}"))
        return noisy, info

    if ds == "cifar100" and kind == "asym":
        P = _official_cifar100_blocks(eta)
        noisy = _official_multiclass_noisify(y, P, rs)
        differs = ("flips go to the next index within blocks of 5 consecutive class indices "
                   "{0..4}, {5..9}, ..., which are NOT CIFAR-100 super-classes (fine labels "
                   "are alphabetical); the intended noise flips within the real super-classes")
        info.update(T_row=P, official_seed="the run's seed (RandomState(seed))",
                    differs_from_intended=differs,
                    description=(f"published noise ({ds}, {spec}): per-sample draws, eta = "
                                 f"{eta:g}; {differs}"))
        return noisy, info

    if kind == "symmetric":  # cifar10, cifar100
        noisy, m = _official_symmetric(y, eta, K, rs)
        T = np.eye(K)
        for i in range(K):
            if counts[i] > 0:
                T[i] = m / counts[i] / (K - 1)
                T[i, i] = 1.0 - m / counts[i]
        exact = int(np.floor(eta * len(y) / K + 1e-9))
        note = (f"; int() truncation gives {m} where floor(eta N / K) = {exact}"
                if m != exact else "")
        differs = (f"exactly int(int(eta N) / K) = {m} samples per class (fixed count{note}) "
                   "moved to a uniformly chosen other class; the intended per-sample noise "
                   "draws every label from T (random count, expected rate eta)")
        info.update(T_row=T, per_class_count=m,
                    official_seed="the run's seed (np.random.seed(seed), global stream)",
                    differs_from_intended=differs,
                    description=f"published noise ({ds}, {spec}), eta = {eta:g}: {differs}")
        return noisy, info

    # cifar10 asym: chained flips
    noisy, steps = _official_cifar10_asym(y, eta, rs)
    T = np.eye(K)
    rate = {(st["source"], st["target"]): (st["flipped"] / st["current_count"]
                                           if st["current_count"] else 0.0) for st in steps}
    for s, t in ((9, 1), (2, 0), (4, 7)):
        T[s, s], T[s, t] = 1.0 - rate[s, t], rate[s, t]
    p_cd, p_dc = rate[3, 5], rate[5, 3]  # cat->dog first, then dog->cat on current dogs
    T[3, 3], T[3, 5] = 1.0 - p_cd + p_cd * p_dc, p_cd * (1.0 - p_dc)
    T[5, 5], T[5, 3] = 1.0 - p_dc, p_dc
    differs = (f"flips applied in sequence on labels already changed: true cat->dog has rate "
               f"about eta(1 - eta) = {eta * (1 - eta):.4g}, not eta (eta of the cats just "
               f"turned dog flip back), dog->cat eta; each step flips exactly int(eta * "
               "count) of the current source class; the intended noise draws every flip from "
               "the original labels at rate eta")
    info.update(T_row=T, steps=steps,
                official_seed="the run's seed (np.random.seed(seed), global stream)",
                differs_from_intended=differs,
                description=(f"published noise ({ds}, {spec}): truck->automobile, "
                             f"bird->airplane, cat->dog, dog->cat, deer->horse, eta = {eta:g}; "
                             f"{differs}"))
    return noisy, info


def published_vs_intended(true_labels, spec: str, K: int, seed, dataset: str, *,
                          intended_sampling: str = "per-sample", fine_to_coarse=None) -> dict:
    """What the official code's quirks change: the same labels, spec and seed corrupted with
    sampling ``"published"`` and with the intended noise (``intended_sampling``, default the
    default ``"per-sample"``).

    Returns
    -------
    dict with, for ``"published"`` and ``"intended"`` each: ``labels`` (the noisy labels),
    ``matrix`` (:func:`empirical_matrix`, row-stochastic T̂[true, noisy]), ``flip_rate``
    (per class, the fraction of its samples whose label changed, 1 − diag T̂; NaN for an
    empty class) and ``info`` (from :func:`apply_noise`); and ``matrix_difference``
    (published − intended), ``flip_rate_difference`` and ``summary`` (one line per class
    whose most common wrong label differs, or whose flip rates differ by more than three
    standard errors of the two binomial estimates, at least one sample).
    """
    if intended_sampling == "published":
        raise InputError("intended_sampling must be one of the intended flavours "
                         f"({', '.join(f for f in SAMPLING_FLAVOURS if f != 'published')})")
    y = validate_labels(true_labels, _classes(K), name="true_labels")
    out: dict = {}
    for name, sampling in (("published", "published"), ("intended", intended_sampling)):
        z, info = apply_noise(y, spec, K, seed, dataset=dataset, sampling=sampling,
                              fine_to_coarse=fine_to_coarse)
        M = empirical_matrix(y, z, K)
        out[name] = {"labels": z, "matrix": M, "flip_rate": 1.0 - np.diag(M), "info": info}
    P, I = out["published"]["matrix"], out["intended"]["matrix"]
    out["matrix_difference"] = P - I
    out["flip_rate_difference"] = out["published"]["flip_rate"] - out["intended"]["flip_rate"]
    lines = []
    for i in range(K):
        if np.isnan(P[i, 0]):
            continue

        def main_wrong(M):
            row = M[i].copy()
            row[i] = -1.0
            j = int(np.argmax(row))
            return j if row[j] > 0 else None
        fp, fi = out["published"]["flip_rate"][i], out["intended"]["flip_rate"][i]
        jp, ji = main_wrong(P), main_wrong(I)
        n_i = int(np.sum(y == i))
        tol = max(3.0 * np.sqrt((fp * (1 - fp) + fi * (1 - fi)) / n_i), 1.0 / n_i)
        if abs(fp - fi) > tol or jp != ji:
            lines.append(f"class {i}: flip rate published {fp:.4f} vs intended {fi:.4f}; "
                         f"most common wrong label published {jp} vs intended {ji}")
    out["summary"] = lines
    return out
