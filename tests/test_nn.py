"""Torch twins: stability at extreme logits, reductions, input validation, modules = functionals.

Correctness against the sympy specs (values and gradients) is in ``test_crossval.py``.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

import alfs_theory as at
from alfs_theory.errors import InputError, ParameterError, UnknownLossError
from alfs_theory.nn import (
    LOSS_CLASSES,
    TWINS,
    MissingTwinError,
    SpecLoss,
    get_twin,
    make_loss,
)
from alfs_theory.nn import functional as nnf

ALL = at.list_losses()

# Parameters that stress the numerics: exponents < 1 (infinite derivatives at u -> 0 or 1),
# offsets near their singular bound, tiny and large focusing parameters.
RISKY = {
    "fl": [{"gamma": 0.1}, {"gamma": 0.0}, {"gamma": 5.0}],
    "nfl": [{"gamma": 0.1}, {"gamma": 0.0}, {"gamma": 5.0}],
    "gce": [{"q": 0.05}, {"q": 1.0}],
    "ngce": [{"q": 0.05}, {"q": 1.0}],
    "agce": [{"a": 1e-3, "q": 0.3}, {"a": 5.0, "q": 4.0}],
    "aul": [{"a": 1.001, "q": 0.3}, {"a": 1.001, "q": 4.0}],
    "anl": [{"a": 1.001, "p": 0.1}, {"a": 5.0, "p": 1.0}],
    "ael": [{"a": 0.05}],
    "amse": [{"a": 0.0}, {"a": 1.0}],
    "nfl+aul": [{"gamma": 0.1, "a": 1.001, "q": 0.3}],
    "nce+anl": [{"a": 1.001, "p": 0.1}],
    "anl+rce": [{"a": 1.001, "p": 0.1}],
}


def _param_sets(name):
    return [{}] + RISKY.get(name, [])


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _hard_batch(k: int, dtype=torch.float32):
    """Rows at |logits| <= 1e4: ties, dominant label, dominant other class, spreads."""
    big = 1e4
    rows, labels = [], []

    def add(row, y):
        rows.append(row)
        labels.append(y)

    z = torch.zeros(k)
    add(z.clone(), 0)                                   # exact tie
    add(torch.full((k,), big), k - 1)                   # tie at the largest logits
    r = torch.full((k,), -big)
    r[0] = big
    add(r.clone(), 0)                                   # label dominant, gap 2e4 (u_y == 1)
    add(r.clone(), 1)                                   # another class dominant (u_y == 0)
    r2 = torch.full((k,), -big)
    r2[1] = big - 20.0
    r2[0] = big
    add(r2, 1)                                          # label second by 20
    add(torch.linspace(-big, big, k), k // 2)           # spread
    g = torch.Generator().manual_seed(0)
    add((torch.rand(k, generator=g) * 2 - 1) * big, 1)  # random
    add(torch.randn(k, generator=g) * 1e-3, 0)          # near-tie
    return torch.stack(rows).to(dtype), torch.tensor(labels)


def _finite_value_and_grad(fn, logits, labels, params):
    logits = logits.detach().clone().requires_grad_(True)
    out = fn(logits, labels, **params)
    out.sum().backward()
    return out, logits.grad


# ----------------------------------------------------------------------------- coverage
def test_every_registered_loss_has_a_twin_and_a_module():
    missing = [n for n in ALL if n not in TWINS]
    assert not missing, f"registered losses without a torch twin: {missing}"
    assert set(LOSS_CLASSES) == set(TWINS)
    for name in ALL:
        fn = TWINS[name]
        assert fn.__name__ == name.replace("+", "_") + "_loss"
        assert getattr(nnf, fn.__name__) is fn


@pytest.mark.parametrize("name", ALL)
def test_functional_signature_matches_spec(name):
    """Keyword-only parameters with the spec's defaults (one source of truth)."""
    spec = at.get_loss(name)
    sig = inspect.signature(TWINS[name])
    kw = {p.name: p.default for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY}
    assert kw.pop("validate") is True
    assert kw == spec.defaults(), f"{name}: signature {kw} != spec defaults {spec.defaults()}"
    pos = [p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert pos == ["logits", "labels"]


def test_get_twin_resolves_aliases_and_names_unknown_losses():
    assert get_twin("jal-ce") is nnf.nce_amse_loss
    assert get_twin("AUE") is nnf.aul_loss
    assert get_twin("focal") is nnf.fl_loss
    with pytest.raises(UnknownLossError, match="did you mean"):
        get_twin("agcee")


def test_missing_twin_error_names_the_loss():
    from alfs_theory.registry import register, unregister
    from alfs_theory.spec import LossSpec
    from alfs_theory.symbols import U

    register(LossSpec(name="zz_no_twin", expr=1 - U**2), overwrite=True)
    try:
        with pytest.raises(MissingTwinError, match="'zz_no_twin' is registered but has no torch"):
            get_twin("zz_no_twin")
        with pytest.raises(MissingTwinError, match="zz_no_twin"):
            SpecLoss("zz_no_twin")
        with pytest.raises(MissingTwinError, match="zz_no_twin"):
            make_loss("zz_no_twin")
    finally:
        unregister("zz_no_twin")


def test_core_package_imports_without_torch():
    code = ("import sys, alfs_theory, alfs_theory.registry; alfs_theory.list_losses(); "
            "assert 'torch' not in sys.modules, 'torch imported by the core'")
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- stability
@pytest.mark.parametrize("k", [2, 1000])
@pytest.mark.parametrize("name", ALL)
def test_finite_values_and_grads_float32(name, k, path):
    _assert_finite_float32(name, k, "cpu")


def _assert_finite_float32(name: str, k: int, device: str) -> None:
    logits, labels = (t.to(device) for t in _hard_batch(k))
    for params in _param_sets(name):
        out, grad = _finite_value_and_grad(TWINS[name], logits, labels, params)
        assert out.dtype == torch.float32 and out.shape == (logits.shape[0],)
        bad = ~torch.isfinite(out)
        assert not bad.any(), f"{name} {params} K={k}: non-finite values at rows " \
                              f"{bad.nonzero().flatten().tolist()}: {out.tolist()}"
        badg = ~torch.isfinite(grad).all(1)
        assert not badg.any(), f"{name} {params} K={k}: non-finite gradients at rows " \
                               f"{badg.nonzero().flatten().tolist()}"


@pytest.mark.parametrize("k", [2, 1000])
@pytest.mark.parametrize("name", ALL)
def test_finite_values_and_grads_bf16_autocast(name, k, path):
    _assert_finite_bf16_autocast(name, k, "cpu")
    # logits made by an autocast matmul (bf16), at large scale
    torch.manual_seed(0)
    lin = torch.nn.Linear(16, k)
    x = torch.randn(6, 16) * 300.0
    y = torch.arange(6) % k
    with torch.autocast("cpu", dtype=torch.bfloat16):
        z = lin(x)
        assert z.dtype == torch.bfloat16
        loss = TWINS[name](z, y).mean()
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(lin.weight.grad).all(), name


def _assert_finite_bf16_autocast(name: str, k: int, device: str) -> None:
    """bf16 logits straight in, inside autocast: computed in float32, finite, finite gradient."""
    logits, labels = (t.to(device) for t in _hard_batch(k))
    for params in _param_sets(name):
        leaf = logits.to(torch.bfloat16).requires_grad_(True)
        with torch.autocast(device, dtype=torch.bfloat16):
            out = TWINS[name](leaf, labels, **params)
        assert out.dtype == torch.float32, "computed in float32 under autocast"
        out.sum().backward()
        assert torch.isfinite(out).all(), f"{name} {params} K={k}: {out.tolist()}"
        assert torch.isfinite(leaf.grad.float()).all(), f"{name} {params} K={k}: grad"


@pytest.mark.parametrize("name", ALL)
def test_float32_agrees_with_float64(name, path):
    """Moderate logits: float32 within 1e-4 of float64 (loss values and gradients)."""
    g = torch.Generator().manual_seed(1)
    z64 = torch.randn(16, 10, generator=g, dtype=torch.float64) * 4
    y = torch.randint(0, 10, (16,), generator=g)
    v64, g64 = _finite_value_and_grad(TWINS[name], z64, y, {})
    v32, g32 = _finite_value_and_grad(TWINS[name], z64.float(), y, {})
    torch.testing.assert_close(v32.double(), v64, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(g32.double(), g64, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", ALL)
def test_values_without_autograd_equal_values_with_it(name, path):
    """No gradient wanted (torch.no_grad, inference): the closed-form gradient is skipped and
    the values are the same to the bit."""
    logits, labels = _hard_batch(10, torch.float64)
    logits = torch.cat([logits, torch.randn(4, 10, dtype=torch.float64) * 5])
    labels = torch.cat([labels, torch.tensor([0, 3, 9, 9])])
    for params in _param_sets(name):
        with_grad = TWINS[name](logits.clone().requires_grad_(True), labels, **params)
        with torch.no_grad():
            without = TWINS[name](logits, labels, **params)
        with torch.inference_mode():
            inference = TWINS[name](logits, labels, **params)
        assert not without.requires_grad
        torch.testing.assert_close(without, with_grad.detach(), rtol=0, atol=0)
        torch.testing.assert_close(inference, without, rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_twins_equal_cpu_twins(path):
    """On the GPU every twin gives the CPU's values and gradients (float64), and stays finite in
    float32 and under bf16 autocast on the hard rows, K = 2 and 1000."""
    for name in ALL:
        _check_cuda_twin(name)


def _check_cuda_twin(name: str) -> None:
    g = torch.Generator().manual_seed(3)
    z = torch.randn(64, 37, generator=g, dtype=torch.float64) * 8
    y = torch.randint(0, 37, (64,), generator=g)
    for params in _param_sets(name):
        v_cpu, g_cpu = _finite_value_and_grad(TWINS[name], z, y, params)
        v_gpu, g_gpu = _finite_value_and_grad(TWINS[name], z.cuda(), y.cuda(), params)
        torch.testing.assert_close(v_gpu.detach().cpu(), v_cpu.detach(), rtol=1e-12, atol=1e-300)
        torch.testing.assert_close(g_gpu.cpu(), g_cpu, rtol=1e-9, atol=1e-15)
    for k in (2, 1000):
        _assert_finite_float32(name, k, "cuda")
        _assert_finite_bf16_autocast(name, k, "cuda")


def test_true_gradient_of_focal_loss_is_not_detached():
    """d/dz of -(1-u)^g log u differs from the official (p_t detached) one."""
    z = torch.tensor([[0.3, -1.2, 2.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0])
    nnf.fl_loss(z, y, gamma=2.0).sum().backward()
    ours = z.grad.clone()
    z.grad = None
    logpt = torch.log_softmax(z, 1)[:, 0]
    (-(1 - logpt.detach().exp()) ** 2 * logpt).sum().backward()
    assert not torch.allclose(ours, z.grad)
    # the true one: finite differences
    assert torch.autograd.gradcheck(lambda t: nnf.fl_loss(t, y, gamma=2.0), (z.detach()
                                    .requires_grad_(),))


@pytest.mark.parametrize("name", ["fl", "nfl", "anl", "agce", "aul", "ngce", "mse", "nce+anl"])
def test_gradcheck_float64(name):
    g = torch.Generator().manual_seed(2)
    z = (torch.randn(3, 5, generator=g, dtype=torch.float64) * 3).requires_grad_()
    y = torch.tensor([0, 3, 4])
    for params in _param_sets(name):
        assert torch.autograd.gradcheck(lambda t, p=params: TWINS[name](t, y, **p), (z,))


# ----------------------------------------------------------------------------- modules
@pytest.mark.parametrize("name", ALL)
def test_modules_equal_functionals(name):
    logits, labels = _hard_batch(10, torch.float64)
    logits = logits / 100
    for params in _param_sets(name):
        per = TWINS[name](logits, labels, **params)
        for red, expect in (("none", per), ("sum", per.sum()), ("mean", per.mean())):
            mod = LOSS_CLASSES[name](red, **params)
            torch.testing.assert_close(mod(logits, labels), expect, rtol=0, atol=0)
            torch.testing.assert_close(SpecLoss(name, red, **params)(logits, labels), expect,
                                       rtol=0, atol=0)
            torch.testing.assert_close(make_loss(name, red, **params)(logits, labels), expect,
                                       rtol=0, atol=0)


def test_module_classes_are_named_and_documented():
    from alfs_theory import nn as ann

    for name, cls in LOSS_CLASSES.items():
        expected = name.replace("+", "").upper() + "Loss"
        assert cls.__name__ == expected and getattr(ann, expected) is cls
        assert cls.loss_name == name and name in cls.__doc__
        sig = inspect.signature(cls)
        for p in at.get_loss(name).params:
            assert sig.parameters[p.name].default == p.default
    assert ann.NCEAGCELoss().params == {"alpha": 1.0, "beta": 1.0, "a": 3.0, "q": 1.5}
    assert type(make_loss("jal-ce")) is ann.NCEAMSELoss
    assert "gamma=2" in repr(ann.FLLoss(gamma=2.0)) and "reduction='mean'" in repr(ann.FLLoss())


def test_module_reduction_none_keeps_per_example_and_backprops():
    from alfs_theory.nn import AGCELoss

    z = torch.randn(5, 4, requires_grad=True)
    y = torch.tensor([0, 1, 2, 3, 0])
    out = AGCELoss("none", a=2.0, q=1.5)(z, y)
    assert out.shape == (5,)
    out[2].backward()
    assert z.grad[2].abs().sum() > 0 and z.grad[[0, 1, 3, 4]].abs().sum() == 0


def test_modules_are_stateless_for_state_dict():
    from alfs_theory.nn import ANLLoss

    m = ANLLoss(a=2.0, p=0.5)
    assert dict(m.state_dict()) == {} and list(m.parameters()) == []


# ----------------------------------------------------------------------------- bad input
def _ok():
    return torch.randn(4, 10), torch.tensor([0, 1, 2, 3])


@pytest.mark.parametrize("name", ["ce", "nce+agce", "anl"])
def test_bad_shapes(name):
    fn = TWINS[name]
    z, y = _ok()
    with pytest.raises(InputError, match=r"logits must have shape \(N, K\) with K >= 2 classes;"
                                         r" got shape \(10,\)"):
        fn(z[0], y)
    with pytest.raises(InputError, match=r"got shape \(4, 10, 1\)"):
        fn(z[..., None], y)
    with pytest.raises(InputError, match=r"K >= 2 classes; got shape \(4, 1\)"):
        fn(z[:, :1], torch.zeros(4, dtype=torch.long))
    with pytest.raises(InputError, match=r"labels must have shape \(N,\) = \(4,\) to match "
                                         r"logits of shape \(4, 10\); got shape \(4, 1\)"):
        fn(z, y[:, None])
    with pytest.raises(InputError, match=r"got shape \(3,\)"):
        fn(z, y[:3])
    with pytest.raises(InputError, match="logits must be a torch.Tensor"):
        fn(z.tolist(), y)
    with pytest.raises(InputError, match="labels must be a torch.Tensor"):
        fn(z, [0, 1, 2, 3])


def test_bad_dtypes():
    z, y = _ok()
    with pytest.raises(InputError, match=r"logits must be a floating tensor .* got torch.int64. "
                                         r"Convert with logits.float\(\)"):
        nnf.ce_loss(z.long(), y)
    with pytest.raises(InputError, match=r"labels must be an integer tensor .* got "
                                         r"torch.float32. Convert with labels.long\(\)"):
        nnf.ce_loss(z, y.float())
    with pytest.raises(InputError, match="got torch.bool"):
        nnf.ce_loss(z[:, :2], torch.tensor([True, False, True, False]))
    # int32 labels and float64/bf16/fp16 logits are fine
    nnf.ce_loss(z, y.int())
    for dt in (torch.float64, torch.bfloat16, torch.float16):
        assert nnf.nfl_loss(z.to(dt), y).shape == (4,)


def test_labels_out_of_range_say_where():
    z, _ = _ok()
    y = torch.tensor([0, 1, 2, 12])
    with pytest.raises(InputError, match=r"labels must lie in \[0, 10\) for K = 10 classes; "
                                         r"got max 12 at index 3"):
        nnf.agce_loss(z, y)
    y = torch.tensor([0, -1, 2, 3])
    with pytest.raises(InputError, match=r"got min -1 at index 1"):
        make_loss("nce+rce")(z, y)
    assert isinstance(InputError("x"), ValueError)


@pytest.mark.parametrize("name", sorted(TWINS))
def test_every_twin_names_a_bad_label_on_cpu(name, path):
    # on CPU the range check is left to torch's bounds-checked gather, then redone to say
    # which label: the error is ours, for every twin and both computation paths, with torch's
    # message suppressed
    z = torch.randn(5, 7, requires_grad=True)
    for bad, what in ((7, "max 7 at index 2"), (-3, "min -3 at index 2")):
        y = torch.tensor([0, 1, bad, 3, 4])
        with pytest.raises(InputError, match=rf"{re.escape(name)}: labels must lie in \[0, 7\)"
                                             rf".*got {what}") as info:
            TWINS[name](z, y)
        assert info.value.__cause__ is None and info.value.__suppress_context__


def test_out_of_domain_parameters_name_the_condition():
    z, y = _ok()
    with pytest.raises(ParameterError, match=r"parameter a=0.5 is outside its domain 1 < a; "
                                             r"pass a value with 1 < a"):
        nnf.aul_loss(z, y, a=0.5)
    with pytest.raises(ParameterError, match=r"p=1.5 is outside its domain 0 < p <= 1"):
        nnf.anl_loss(z, y, p=1.5)
    with pytest.raises(ParameterError, match=r"0 <= gamma"):
        nnf.nfl_agce_loss(z, y, gamma=-1.0)
    with pytest.raises(ParameterError, match="must be finite"):
        nnf.fl_loss(z, y, gamma=float("nan"))
    # modules check at construction, before any compute
    with pytest.raises(ParameterError, match=r"q=0 is outside its domain 0 < q"):
        make_loss("agce", q=0)
    with pytest.raises(ParameterError, match=r"0 < clamp < 1"):
        LOSS_CLASSES["rce"](clamp=1.0)
    with pytest.raises(ParameterError, match="has no parameter"):
        LOSS_CLASSES["ce"](gamma=1.0)
    with pytest.raises(ParameterError, match="reduction must be one of 'mean', 'sum', 'none'; "
                                             "got 'avg'"):
        make_loss("ce", "avg")
    with pytest.raises(UnknownLossError, match="did you mean"):
        make_loss("nce+agc")


def test_validate_false_skips_checks():
    z, y = _ok()
    # out of domain, not checked: the formula is simply evaluated
    out = nnf.aul_loss(z.double(), y, a=0.5, q=2.0, validate=False)
    assert out.shape == (4,)
    m = make_loss("ce", validate=False)
    assert m.validate is False and torch.isfinite(m(z, y))


def test_empty_batch():
    z = torch.zeros(0, 5, requires_grad=True)
    y = torch.zeros(0, dtype=torch.long)
    for name in ("ce", "nfl+amse"):
        out = TWINS[name](z, y)
        assert out.shape == (0,)
        assert make_loss(name, "sum")(z, y).item() == 0.0
