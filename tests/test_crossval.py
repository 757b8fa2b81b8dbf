"""Every torch twin equals its sympy spec: values and logit gradients, to 1e-10 relative.

The reference (:mod:`alfs_theory.nn.reference`) is built from the spec alone: mpmath evaluation
of the lambdified expression and *symbolic* derivatives chained through the softmax Jacobian.
Inputs are float64 logits from hypothesis, including entries up to ±1e4, near-ties and one
dominant class, for K in {2, 3, 10, 100}, at each loss's defaults and one or two other in-domain
parameter sets.

Tolerance, per value or gradient component with reference r and torch t:

    |t − r| <= 1e-10·|r| + 64·eps·s + 2^-990

* ``s`` is the size of the chain-rule terms that make up that gradient component: with
  ∂L/∂u_i = [i=y]·∂F/∂u + Σ_j ∂F/∂S_j·g_j′(u_i) and A_i the sum of those terms' absolute values,
  s_m = u_m (A_m + Σ_i u_i A_i) (0 for values). Autograd adds these terms in float64 (the
  log_softmax/logsumexp backward forms g_m − u_m Σ_k g_k), exactly only to a few ulps of them;
  when the true component is far smaller than its terms (a dominant class, whose component is
  O(1 − u_m) while its terms are O(1); NCE's ∂/∂z_y, where 1/Σ and log u_y/Σ² nearly cancel),
  no float64 evaluation of the formula does better. 64 ulps of the terms is far below any
  relative tolerance that would matter.
* ``2^-990`` (≈ 1e-298, 2^18 times float64's smallest normal number): results in or next to the
  subnormal range carry few significant bits, so no relative comparison is meaningful there.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alfs_theory as at
from alfs_theory.nn import functional as nnf
from alfs_theory.nn.reference import reference_loss_and_grad
from alfs_theory.registry import register, unregister
from alfs_theory.spec import LossSpec
from alfs_theory.symbols import U

RTOL = 1e-10
TERM_ULPS = 64 * np.finfo(np.float64).eps
TINY = 2.0**-990
KS = (2, 3, 10, 100)
ZMAX = 1e4

# CI: 8 derandomized examples per (loss, K). For a deeper local run, e.g.
#   ALFS_CROSSVAL_EXAMPLES=200 ALFS_CROSSVAL_RANDOM=1 python -m pytest tests/test_crossval.py
_N_EXAMPLES = int(os.environ.get("ALFS_CROSSVAL_EXAMPLES", "8"))
CROSSVAL = settings(max_examples=_N_EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("ALFS_CROSSVAL_RANDOM"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny tensors: one intra-op thread avoids OpenMP hand-offs that dominate on a busy host."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# In-domain parameter sets besides the defaults: boundaries (gamma = 0, q = 1, p = 1, a = 0),
# exponents below 1 (infinite derivatives at u -> 0 or 1), near-singular offsets (a -> 1).
OTHER_PARAMS: dict[str, list[dict]] = {
    "fl": [{"gamma": 0.0}, {"gamma": 0.1}, {"gamma": 2.0}],
    "gce": [{"q": 1.0}, {"q": 0.05}],
    "rce": [{"clamp": 0.5}],
    "sce": [{"alpha": 0.5, "beta": 0.3, "clamp": 1e-2}],
    "nfl": [{"gamma": 0.0}, {"gamma": 0.1}, {"gamma": 3.0}],
    "ngce": [{"q": 1.0}, {"q": 0.1}],
    "agce": [{"a": 0.01, "q": 0.5}, {"a": 3.0, "q": 3.0}],
    "aul": [{"a": 1.01, "q": 3.0}, {"a": 6.0, "q": 0.3}],
    "ael": [{"a": 0.5}, {"a": 10.0}],
    "anl": [{"a": 1.01, "p": 1.0}, {"a": 5.0, "p": 0.1}],
    "amse": [{"a": 0.0}, {"a": 1.0}],
    "poly1": [{"eps": -1.0}, {"eps": 0.5}],
    "ls": [{"s": 0.0}, {"s": 0.9}],
    "js": [{"pi1": 0.05}, {"pi1": 0.95}],
    "softbootstrap": [{"beta": 0.0}, {"beta": 1.0}, {"beta": 0.5}],
    "nnce": [{"min_prob": 1e-12}, {"min_prob": 5e-5}],
    "ce+sr": [{"p": 1.0, "lam": 0.5}, {"p": 0.5, "lam": 0.0}],
    # not c = 0: it makes an exact tie of the logits a zero of the loss, which the reference's
    # form (log of a sum, minus log K) reaches only to ~1e-46 while the twin gives 0 exactly
    # (tests/test_field_losses.py checks c = 0 away from ties)
    "ldrkl": [{"lam": 0.1, "c": 0.5}, {"lam": 10.0, "c": 1.0}],
}


def _auto_other(spec) -> dict:
    """An in-domain value for each parameter away from its default (for losses not listed)."""
    out = {}
    for p in spec.params:
        if p.lower is not None and p.upper is not None:
            out[p.name] = p.lower + 0.3 * (p.upper - p.lower)
        elif p.lower is not None:
            out[p.name] = p.lower + 0.75 + 0.5 * abs(p.lower)
        elif p.upper is not None:
            out[p.name] = p.upper - 0.75 - 0.5 * abs(p.upper)
        else:
            out[p.name] = 0.5
    return out


def param_sets(name: str) -> list[dict]:
    """Defaults first ({}), then one or two other in-domain sets."""
    spec = at.get_loss(name)
    if not spec.params:
        return [{}]
    if name in OTHER_PARAMS:
        return [{}] + OTHER_PARAMS[name]
    if spec.components:  # a weighted sum: vary the weights and the parts' parameters
        (w1, c1), (w2, c2) = spec.components[:2]
        sets = []
        for weights, pick in (((0.7, 2.5), 0), ((0.0, 1.0), -1)):
            p = dict(zip((w1, w2), weights))
            for comp in (c1, c2):
                if OTHER_PARAMS.get(comp):
                    p.update(OTHER_PARAMS[comp][pick])
            sets.append({k: v for k, v in p.items() if k in spec.param_names})
        return [{}] + sets
    return [{}, _auto_other(spec)]


# ----------------------------------------------------------------------------- strategies
def _finite(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


_KINDS = ("wide", "moderate", "tie", "dominant")


@st.composite
def _row(draw, k: int) -> tuple[list[float], int]:
    """One row of logits: wide (±1e4), moderate (±40), a near-tie, or one dominant class.

    Up to 4 entries are drawn by hypothesis itself (so its edge values, 0, ±1e4, subnormal
    offsets, land in the logits); the rest come from a numpy generator seeded by hypothesis,
    which keeps K = 100 rows cheap to draw.
    """
    kind = draw(st.sampled_from(_KINDS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_special = min(k, 4)
    pos = rng.permutation(k)[:n_special]
    if kind in ("wide", "moderate"):
        lim = ZMAX if kind == "wide" else 40.0
        z = rng.uniform(-lim, lim, size=k)
        z[pos] = draw(st.lists(_finite(-lim, lim), min_size=n_special, max_size=n_special))
    elif kind == "tie":
        c = draw(_finite(-ZMAX, ZMAX))
        scale = draw(st.sampled_from([0.0, 1e-12, 1e-6, 1e-3]))
        deltas = rng.uniform(-1.0, 1.0, size=k)
        deltas[pos] = draw(st.lists(_finite(-1.0, 1.0), min_size=n_special,
                                    max_size=n_special))
        z = c + scale * max(1.0, abs(c)) * deltas
    else:
        gap = draw(_finite(0.5, 2 * ZMAX))
        top = draw(_finite(-ZMAX + gap, ZMAX))
        z = rng.uniform(-ZMAX, top - gap, size=k)
        z[pos] = draw(st.lists(_finite(-ZMAX, top - gap), min_size=n_special,
                               max_size=n_special))
        j = int(pos[0])
        z[j] = top
        if draw(st.booleans()):
            return z.tolist(), j  # the dominant class is the label
    return z.tolist(), draw(st.integers(0, k - 1))


@st.composite
def batches(draw, k: int):
    rows = draw(st.lists(_row(k), min_size=1, max_size=3 if k <= 10 else 2))
    z = np.array([r for r, _ in rows], dtype=np.float64)
    y = np.array([lab for _, lab in rows], dtype=np.int64)
    return z, y


# ----------------------------------------------------------------------------- the check
def _fmt_params(spec_name: str, params: dict) -> str:
    bound = at.get_loss(spec_name).bind(**params)
    return bound.describe_values()


def assert_twin_matches_spec(name: str, params: dict, z: np.ndarray, y: np.ndarray,
                             twin=None) -> None:
    """Compare a torch twin (default: the registered one) with the spec's reference."""
    if twin is None:
        twin = nnf.get_twin(name)
    logits = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    labels = torch.as_tensor(y, dtype=torch.int64)
    values = twin(logits, labels, **params)
    values.sum().backward()
    tv = values.detach().numpy()
    tg = logits.grad.numpy()
    rv, rg, scale = reference_loss_and_grad(name, z, y, return_scale=True, **params)
    where = f"loss {name!r} ({_fmt_params(name, params)})"
    for i in range(z.shape[0]):
        point = f"logits={z[i].tolist()!r}, label={int(y[i])}"
        tv_i, rv_i = float(tv[i]), float(rv[i])
        allowed = RTOL * abs(rv_i) + TINY
        if not (abs(tv_i - rv_i) <= allowed):
            raise AssertionError(
                f"{where}: torch value {tv_i!r} != reference {rv_i!r} "
                f"(|diff| {abs(tv_i - rv_i):.3g} > allowed {allowed:.3g}) at row {i}: {point}"
            )
        allowed_g = RTOL * np.abs(rg[i]) + TERM_ULPS * scale[i] + TINY
        diff = np.abs(tg[i] - rg[i])
        bad = np.nonzero(~(diff <= allowed_g))[0]
        if bad.size:
            m = int(bad[np.argmax(diff[bad] / allowed_g[bad])])
            raise AssertionError(
                f"{where}: torch gradient dL/dz[{m}] = {float(tg[i, m])!r} != reference "
                f"{float(rg[i, m])!r} (|diff| {diff[m]:.3g} > allowed {allowed_g[m]:.3g}) at row {i}: "
                f"{point}"
            )


@pytest.mark.parametrize("k", KS)
@pytest.mark.parametrize("name", at.list_losses())
def test_twin_matches_spec(name, k, path):
    """Both ways the twins compute u (small batches: log_softmax; large: softmax, see the
    ``path`` fixture) are held to the reference."""
    if name not in nnf.TWINS:
        pytest.fail(f"loss {name!r} is registered but has no torch twin in "
                    f"alfs_theory.nn.functional.TWINS; add '{name.replace('+', '_')}_loss' and "
                    "its module, then this cross-check runs it")
    sets = param_sets(name)

    @CROSSVAL
    @given(batches(k))
    def check(batch):
        z, y = batch
        for params in sets:
            assert_twin_matches_spec(name, params, z, y)

    check()


@pytest.mark.parametrize("name", ["ce", "nfl", "ngce", "anl+rce", "nce+amse"])
def test_large_batches_take_the_softmax_path_and_agree(name):
    """A batch past the size threshold gives the same values and gradients, row by row, as the
    same rows in small batches."""
    k = 100
    n = nnf._SOFTMAX_FROM // k + 8
    g = torch.Generator().manual_seed(5)
    z = torch.randn(n, k, generator=g, dtype=torch.float64) * 6
    z[::7, 3] += 40.0  # some dominant classes
    y = torch.randint(0, k, (n,), generator=g)
    y[::14] = 3
    big = z.clone().requires_grad_(True)
    vb = nnf.get_twin(name)(big, y)
    vb.sum().backward()
    small = z.clone().requires_grad_(True)
    vs = torch.cat([nnf.get_twin(name)(small[i:i + 16], y[i:i + 16]) for i in range(0, n, 16)])
    vs.sum().backward()
    assert small[:16].numel() < nnf._SOFTMAX_FROM <= big.numel() and k >= nnf._SOFTMAX_MIN_K
    torch.testing.assert_close(vb, vs, rtol=1e-12, atol=1e-300)
    torch.testing.assert_close(big.grad, small.grad, rtol=1e-9, atol=1e-15)


def test_param_sets_are_in_domain_and_differ_from_defaults():
    for name in at.list_losses():
        sets = param_sets(name)
        assert sets[0] == {}
        spec = at.get_loss(name)
        for p in sets[1:]:
            bound = spec.bind(**p)  # raises when out of domain
            assert bound.values != spec.bind().values, (name, p)
        if spec.params:
            assert len(sets) >= 2, name


# ----------------------------------------------------------------------------- fixed points
@pytest.mark.parametrize("name", ["fl", "nfl", "anl", "mse", "ngce", "aul", "nce+agce", "tce",
                                  "js", "ls", "softbootstrap", "nnce", "nce+nnce", "ce+sr",
                                  "ldrkl"])
def test_extreme_fixed_points(name):
    """Dominant label, dominant other class, exact tie, at the largest logits."""
    z = np.array([
        [ZMAX, -ZMAX, 0.0],
        [-ZMAX, ZMAX, ZMAX - 37.0],
        [ZMAX, ZMAX, ZMAX],
        [1.0, 1.0 + 2**-40, -30.0],
    ])
    y = np.array([0, 0, 2, 1])
    for params in param_sets(name):
        assert_twin_matches_spec(name, params, z, y)


# ----------------------------------------------------------------------------- the check bites
def _detached_focal(logits, labels, *, gamma=0.5, validate=True):
    """The official ALFs/APL focal loss: p_t detached in (1 - p_t)^gamma (wrong gradient)."""
    logpt = torch.log_softmax(logits, 1).gather(1, labels[:, None]).squeeze(1)
    pt = logpt.detach().exp()
    return -((1 - pt) ** gamma) * logpt


def test_crosscheck_catches_a_detached_focal_loss(monkeypatch):
    monkeypatch.setitem(nnf.TWINS, "fl", _detached_focal)
    z = np.array([[0.3, -1.2, 2.0]])
    y = np.array([0])
    with pytest.raises(AssertionError) as info:
        assert_twin_matches_spec("fl", {"gamma": 2.0}, z, y)
    msg = str(info.value)
    assert "loss 'fl' (gamma=2)" in msg and "torch gradient dL/dz[" in msg
    assert "logits=[0.3, -1.2, 2.0], label=0" in msg and "reference" in msg


def test_crosscheck_catches_a_twin_of_another_formula():
    """A throwaway spec 2·CE whose 'twin' is plain CE: the values disagree, and it says where."""
    spec = register(LossSpec(name="zz_twice_ce", expr=-2 * __import__("sympy").log(U)),
                    overwrite=True)
    try:
        z = np.array([[1.0, 2.0], [0.0, -3.0]])
        y = np.array([1, 0])
        with pytest.raises(AssertionError) as info:
            assert_twin_matches_spec(spec.name, {}, z, y, twin=nnf.ce_loss)
        msg = str(info.value)
        assert "loss 'zz_twice_ce'" in msg and "torch value" in msg
        assert "logits=[1.0, 2.0], label=1" in msg
        # and a registered loss without a twin is named by get_twin
        with pytest.raises(nnf.MissingTwinError, match="'zz_twice_ce' is registered but has no"):
            nnf.get_twin("zz_twice_ce")
    finally:
        unregister(spec.name)


def test_the_documented_twin_recipe_matches_its_spec():
    """docs/howto.md's term for the powered MAE (1 − u)^c, run through the fused core."""
    from alfs_theory import make_param

    c = make_param("c", lower=0, default=2.0)
    spec = register(LossSpec(name="zz_powmae", expr=(1 - U) ** c.symbol, params=(c,)),
                    overwrite=True)

    def _powmae(r, grad, c):
        return r.x.pow(c), (-c * r.u * r.x.pow(c - 1.0) if grad else None), None

    def powmae_loss(logits, labels, *, c=2.0, validate=True):
        return nnf._run("zz_powmae", logits, labels, validate, {"c": c},
                        ((1.0, _powmae, (float(c),)),))

    try:
        rng = np.random.default_rng(0)
        for cc in (2.0, 0.5, 3.0):
            z = rng.normal(size=(6, 5)) * 5
            y = rng.integers(0, 5, 6)
            assert_twin_matches_spec(spec.name, {"c": cc}, z, y, twin=powmae_loss)
        with pytest.raises(AssertionError, match="torch gradient"):  # a wrong coefficient
            assert_twin_matches_spec(
                spec.name, {}, z, y,
                twin=lambda a, b, **p: nnf._run("zz_powmae", a, b, True, {},
                                               ((1.0, lambda r, g: (r.x.pow(2.0), -r.u, None),
                                                 ()),)))
    finally:
        unregister(spec.name)


def test_a_term_outside_the_log_set_still_gets_an_exact_log_u_y(path):
    """A user's term reading r.lpy (r.lpo) without being listed in _USES_LOG_Y (_USES_LOG_ALL),
    so that _Rows skipped it, gets it computed on demand, exact at u_y -> 1 and under
    underflow: CE (NCE) written as such a term agrees with the spec's reference at 1e-10, on
    both computation paths."""
    def _ce_like(r, grad):
        return -r.lpy, -1.0, None

    assert _ce_like not in nnf._USES_LOG_Y

    def twin(logits, labels, **_):
        return nnf._run("ce", logits, labels, True, {}, ((1.0, _ce_like, ()),))

    z = np.array([[40.0, 0.0, 0.0], [-800.0, 0.0, 1.0], [0.3, -0.2, 0.1]])
    y = np.array([0, 0, 2])
    assert_twin_matches_spec("ce", {}, z, y, twin=twin)

    # likewise log u_k over all classes (r.lpo) for a term outside _USES_LOG_ALL: NCE
    def _nce_like(r, grad):
        return nnf._nfl(r, grad, 0.0)

    def twin_nce(logits, labels, **_):
        return nnf._run("nce", logits, labels, True, {}, ((1.0, _nce_like, ()),))

    assert_twin_matches_spec("nce", {}, z, y, twin=twin_nce)


def test_reference_is_independent_of_the_twins():
    import alfs_theory.nn.reference as ref

    lines = Path(ref.__file__).read_text().splitlines()
    imports = [ln for ln in lines if ln.startswith(("import ", "from "))]
    assert imports and not any("torch" in ln or "functional" in ln for ln in imports), imports


def test_reference_matches_closed_forms():
    """CE and MAE have closed-form gradients: softmax − onehot and −u_y(onehot − u)."""
    z = np.array([[0.5, -1.0, 2.0], [ZMAX, 0.0, -ZMAX]])
    y = np.array([1, 0])
    u = np.exp(z - z.max(1, keepdims=True))
    u /= u.sum(1, keepdims=True)
    onehot = np.eye(3)[y]
    v, g = reference_loss_and_grad("ce", z, y)
    np.testing.assert_allclose(g, u - onehot, rtol=1e-14, atol=1e-300)
    assert v[0] == pytest.approx(-math.log(u[0, 1]), rel=1e-14)
    # 1 - u_y for the dominant row is e^-1e4: the reference keeps it exact (underflows to 0.0)
    v, g = reference_loss_and_grad("mae", z, y)
    assert v[1] == 0.0 and v[0] == pytest.approx(1 - u[0, 1], rel=1e-14)
    z2 = np.array([[40.0, 0.0]])  # 1 - u = e^-40 / (1 + e^-40), exact in the reference
    v, g = reference_loss_and_grad("mae", z2, np.array([0]))
    assert v[0] == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-14)
