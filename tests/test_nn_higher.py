"""Torch twins beyond first derivatives: double backward, torch.func, masked logits, dtypes;
and the composite torch form built from a spec's sympy tree (:mod:`alfs_theory.nn.compose`).
"""

from __future__ import annotations

import math
import re

import pytest

torch = pytest.importorskip("torch")

import alfs_theory as at
from alfs_theory.errors import InputError, SpecError
from alfs_theory.nn import TWINS
from alfs_theory.nn import functional as nnf
from alfs_theory.nn.compose import SpecTorch, spec_torch
from alfs_theory.nn.reference import reference_loss_and_grad
from alfs_theory.userloss import loss_from_expression

ALL = at.list_losses()
INF = float("inf")


def _batch(seed=0, n=3, k=4, scale=2.0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, k, generator=g, dtype=torch.float64) * scale
    y = torch.randint(0, k, (n,), generator=g)
    return z, y


def _first_grad(fn, z, y):
    zz = z.detach().clone().requires_grad_()
    (g,) = torch.autograd.grad(fn(zz, y).sum(), zz)
    return g


# ----------------------------------------------------------------------------- double backward
@pytest.mark.parametrize("name", ALL)
def test_gradgradcheck_every_loss(name):
    z, y = _batch()
    assert torch.autograd.gradgradcheck(lambda t: TWINS[name](t, y),
                                        (z.clone().requires_grad_(),))


@pytest.mark.parametrize("name", ALL)
def test_meta_gradient_matches_finite_differences(name):
    """d/dW ||dL/dW||² through the network: double backward against central differences of the
    fused first derivative (which is tied to the sympy spec by test_crossval)."""
    z, y = _batch(1)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(3, 5, generator=g, dtype=torch.float64)
    W = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    fn = TWINS[name]

    def meta(Wt, create):
        (gw,) = torch.autograd.grad(fn(x @ Wt, y).sum(), Wt, create_graph=create)
        return gw.pow(2).sum()

    (analytic,) = torch.autograd.grad(meta(W, True), W)
    h = 1e-6
    fd = torch.zeros_like(W)
    for idx in [(0, 0), (2, 1), (4, 3), (1, 2)]:
        Wp, Wm = W.detach().clone(), W.detach().clone()
        Wp[idx] += h
        Wm[idx] -= h
        fd[idx] = (meta(Wp.requires_grad_(), False) - meta(Wm.requires_grad_(), False)) / (2 * h)
        assert math.isclose(float(analytic[idx]), float(fd[idx]), rel_tol=1e-5, abs_tol=1e-8), \
            (name, idx, float(analytic[idx]), float(fd[idx]))


def test_hessian_vector_product_is_not_none():
    z, y = _batch(2)
    zz = z.clone().requires_grad_()
    (g,) = torch.autograd.grad(nnf.nce_agce_loss(zz, y).sum(), zz, create_graph=True)
    (hv,) = torch.autograd.grad(g, zz, torch.ones_like(g))
    assert hv is not None and torch.isfinite(hv).all() and hv.abs().sum() > 0


# ----------------------------------------------------------------------------- torch.func
@pytest.mark.parametrize("name", ALL)
def test_torch_func_transforms(name):
    from torch.func import grad, hessian, jvp, vmap

    fn = TWINS[name]
    z, y = _batch(4)
    eager = fn(z, y)
    g_eager = _first_grad(fn, z, y)
    torch.testing.assert_close(grad(lambda t: fn(t, y).sum())(z), g_eager, rtol=1e-10,
                               atol=1e-12)
    per_row = vmap(lambda t, lab: fn(t[None], lab[None])[0])(z, y)
    torch.testing.assert_close(per_row, eager, rtol=1e-10, atol=1e-12)
    # per-example gradients, the usual vmap(grad) pattern
    per_grad = vmap(grad(lambda t, lab: fn(t[None], lab[None])[0]))(z, y)
    torch.testing.assert_close(per_grad, g_eager, rtol=1e-10, atol=1e-12)
    tangent = torch.linspace(-1, 1, z.numel(), dtype=z.dtype).reshape(z.shape)
    _, jv = jvp(lambda t: fn(t, y), (z,), (tangent,))
    torch.testing.assert_close(jv, (g_eager * tangent).sum(1), rtol=1e-9, atol=1e-12)
    H = hessian(lambda t: fn(t[None], y[:1]).sum())(z[0])
    # the Hessian against central differences of the eager gradient
    h = 1e-6
    for j in range(z.shape[1]):
        e = torch.zeros_like(z[:1])
        e[0, j] = h
        col = (_first_grad(fn, z[:1] + e, y[:1]) - _first_grad(fn, z[:1] - e, y[:1]))[0] / (2 * h)
        torch.testing.assert_close(H[:, j], col, rtol=1e-5, atol=1e-7)


def test_forward_mode_ad():
    import torch.autograd.forward_ad as fwAD

    z, y = _batch(5)
    t = torch.ones_like(z)
    with fwAD.dual_level():
        out = nnf.nfl_agce_loss(fwAD.make_dual(z, t), y)
        tangent = fwAD.unpack_dual(out).tangent
    torch.testing.assert_close(tangent, _first_grad(nnf.nfl_agce_loss, z, y).sum(1))


# ----------------------------------------------------------------------------- masked logits
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", ALL)
def test_masked_logits_are_finite_where_the_math_is(name, dtype):
    z = torch.tensor([[0.0, -INF, 1.0, 0.5], [2.0, 0.0, -INF, -INF], [-INF, 0.0, 1.0, -1.0]],
                     dtype=dtype)
    y = torch.tensor([0, 1, 0])
    zz = z.clone().requires_grad_()
    out = TWINS[name](zz, y)
    out.sum().backward()
    assert not torch.isnan(out).any(), out
    assert torch.isfinite(zz.grad).all(), zz.grad
    # rows 0-1 mask other classes: equal to the loss on the unmasked classes for pointwise
    # losses, whose value depends on u_y alone (and not on K)
    spec = at.get_loss(name)
    if spec.is_pointwise and not spec.expr.has(at.symbols.K):
        keep = torch.tensor([[0.0, 1.0, 0.5]], dtype=dtype)
        torch.testing.assert_close(out[0], TWINS[name](keep, torch.tensor([0]))[0])
    # a masked label: u_y = 0, the losses with a -log u_y term (CE, FL, and of issue #24
    # Poly-1, label smoothing, soft bootstrapping, CE+SR, LDR-KL) are +inf (their math),
    # every other loss finite
    if name in ("ce", "fl", "sce", "poly1", "ls", "softbootstrap", "ce+sr", "ldrkl"):
        assert out[2] == INF
    else:
        assert torch.isfinite(out[2])


@pytest.mark.parametrize("name", ["nce", "nfl"])
def test_masked_normalised_losses_take_their_limits(name):
    fn = TWINS[name]
    z = torch.tensor([[0.0, -INF, 1.0], [-INF, 0.0, 1.0]], dtype=torch.float64,
                     requires_grad=True)
    out = fn(z, torch.tensor([0, 0]))
    out.sum().backward()
    # a masked other class: Σ_k FL(u_k) = ∞, value 0; a masked label: the numerator dominates
    v = out.detach()
    assert 0.0 <= float(v[0]) < 1e-300 and float(v[1]) == 1.0
    assert z.grad.abs().max() < 1e-300
    # the limits agree with large finite masks
    zf = torch.tensor([[0.0, -1e12, 1.0], [-1e12, 0.0, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(fn(zf, torch.tensor([0, 0])), out.detach(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("row, what", [([math.nan, 0.0, 1.0], "NaN"), ([INF, 0.0, 1.0], r"\+inf"),
                                       ([-INF, -INF, -INF], "only -inf")])
def test_undefined_logits_are_named(row, what):
    z = torch.tensor([[0.0, 1.0, 2.0], row])
    for name in ("ce", "nfl+agce", "anl"):
        with pytest.raises(InputError, match=rf"{re.escape(name)}: logits row 1 holds {what}"):
            TWINS[name](z, torch.tensor([0, 1]))


# ----------------------------------------------------------------------------- label dtypes
@pytest.mark.parametrize("dtype", [torch.int8, torch.uint8, torch.int16, torch.int32,
                                   torch.int64])
def test_every_integer_label_dtype(dtype):
    z, _ = _batch(6, n=4, k=5)
    y64 = torch.tensor([0, 4, 2, 1])
    for name in ("ce", "nce+agce", "nfl"):
        torch.testing.assert_close(TWINS[name](z, y64.to(dtype)), TWINS[name](z, y64))
    if dtype != torch.uint8:  # negative labels are named, not a torch crash
        with pytest.raises(InputError, match="got min -1 at index 1"):
            nnf.ce_loss(z, torch.tensor([0, -1, 2, 1], dtype=dtype))
    with pytest.raises(InputError, match="got max 7 at index 3"):
        nnf.agce_loss(z, torch.tensor([0, 1, 2, 7], dtype=dtype))


# ----------------------------------------------------------------------------- composite form
@pytest.mark.parametrize("name", ALL)
def test_composite_equals_the_reference(name):
    """The tree-walked torch form against the mpmath reference (independent of both twins)."""
    z, y = _batch(7, n=4, k=5, scale=3.0)
    comp = spec_torch(name)
    v_ref, g_ref = reference_loss_and_grad(name, z, y)
    torch.testing.assert_close(comp(z, y), torch.from_numpy(v_ref), rtol=1e-12, atol=1e-13)
    torch.testing.assert_close(_first_grad(comp, z, y), torch.from_numpy(g_ref), rtol=1e-10,
                               atol=1e-12)


def test_composite_of_a_typed_loss_with_kinks_and_functions():
    spec = loss_from_expression("piecewise(1 - u, u < 1/2, min(1/2, 2*(1-u)**2)) "
                                "+ abs(u - 1/4) * exp(-u) + sum(v**2)/K",
                                name="mine")
    comp = SpecTorch(spec.bind())
    z, y = _batch(8, n=6, k=3, scale=1.5)
    u = torch.softmax(z, 1)
    uy = u.gather(1, y[:, None])[:, 0]
    expect = torch.where(uy < 0.5, 1 - uy, torch.minimum(torch.full_like(uy, 0.5),
                                                          2 * (1 - uy) ** 2))
    expect = expect + (uy - 0.25).abs() * torch.exp(-uy) + (u ** 2).sum(1) / 3
    torch.testing.assert_close(comp(z, y), expect, rtol=1e-12, atol=1e-14)
    assert torch.autograd.gradcheck(lambda t: comp(t, y), (z.clone().requires_grad_(),))


def test_composite_refuses_what_it_cannot_build():
    import sympy as sp

    from alfs_theory.spec import LossSpec
    from alfs_theory.symbols import U

    spec = LossSpec(name="gam", expr=sp.gamma(U + 1))
    with pytest.raises(SpecError, match=r"loss 'gam': cannot build a torch loss from gamma"):
        SpecTorch(spec)
    with pytest.raises(SpecError, match="bind its parameters"):
        SpecTorch(at.get_loss("agce"))
    assert spec_torch("agce", a=2, q=3).spec.value_dict["a"] == 2
