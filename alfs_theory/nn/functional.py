"""Torch twins of the registered losses: per-example functionals ``<name>_loss``.

Every functional takes ``logits`` (N, K) and integer ``labels`` (N,), the loss's parameters as
keyword-only arguments with the spec's defaults, and returns the (N,) per-example losses of the
*stated* formula with its *true* gradient (nothing is detached; compare the official ALFs/APL
focal losses, which detach the (1 − p)^γ weights, in NFL's normaliser too, but keep the
gradients of every log p). The one source of truth is the sympy
:class:`~alfs_theory.spec.LossSpec` in the registry; ``tests/test_crossval.py`` ties each twin
to its spec (values and gradients at 1e-10, against :mod:`alfs_theory.nn.reference`).

Numerics
--------
With z the logits, y the label, u = softmax(z) and x = 1 − u_y:

* x = Σ_{k≠y} u_k, a sum of positives, so 1 − u_y keeps full relative precision however
  close u_y is to 1; log u_y = log σ(−d) with the margin d = log x − log u_y (log_softmax alone
  loses log u_y to an absolute error of eps as u_y -> 1);
* powers are exponentials of logs (u_k^q = exp(q log u_k)), so u_k underflowing to 0 gives 0
  rather than ∞·0; differences that cancel as u -> 1 are rewritten in x
  ((a+1)^q − (a+u)^q = −(a+1)^q·expm1(q·log1p(−x/(a+1))), 1 − u^q = −expm1(q log u), ...);
  sums over the other classes (Σ_{k≠y} u_k^p, Σ_{k≠y} u_k²) are taken directly, not as "all
  minus u_y".

Masked logits (−∞ entries, u_k = 0) give the loss's limits, finite wherever the math is:
NCE/NFL are 0 when another class is masked and 1 when the label is, with zero gradient; CE and
FL are +∞ at a masked label (their value) with a finite gradient. A row holding NaN or +∞, or
only −∞, has no defined loss: with ``validate=True`` an :class:`~alfs_theory.errors.InputError`
names the row. Labels may be any integer dtype (int8 ... int64, uint8).

Gradients are written by hand, in closed form, in the same forward pass: a pointwise loss ℓ(u_y)
has ∂ℓ/∂z = u_y ℓ′(u_y)·(e_y − u); a vector loss L(u, y) has ∂L/∂z_m = P_m − u_m Σ_k P_k with
P_k = u_k ∂L/∂u_k, the label's component written without the 1 − u_y cancellation. One autograd
function per call (:class:`_Fused`) saves that (N, K) gradient and its backward is one
multiplication; sums such as NCE+AGCE share u, log u and the gradient buffer. Higher derivatives
are exact too: a backward pass that builds a graph (``create_graph=True``: meta-gradients,
Hessian-vector products, ``gradgradcheck``) returns the gradient of the composite form of
:mod:`.compose` (the spec's tree as differentiable torch operations), and inside ``torch.func``
transforms (``grad``, ``vmap``, ``jvp``, ``hessian``) and forward-mode AD the composite form runs
instead of the fused one. Half-precision logits (bfloat16/float16, e.g. under
``torch.autocast``) are computed in float32; the result is float32.

Speed: ``benchmarks/bench_losses.py`` times forward+backward against naive one-hot twins in the
official code's style. On CPU the twins are faster from batches of a few thousand rows and for
every sum of two losses; at batch 128 the simplest single losses (CE, MAE, MSE, ...) are slower
than their naive one-hot versions, which lose log u_y as u_y -> 1. ``--floor`` shows why: the
cheapest accurate cross entropy we know (13 small operations, one autograd function) is itself
slower than the naive one there, while per-call overhead, not arithmetic, sets the time.

Example
-------
>>> import torch
>>> from alfs_theory.nn.functional import agce_loss
>>> logits = torch.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
>>> agce_loss(logits, torch.tensor([0]), a=1.0, q=2.0).shape
torch.Size([1])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

from ..errors import AlfsError, InputError
from ..registry import get_loss
from .inputs import (  # noqa: F401 - validate_inputs, in_transform, explain_nan re-exported
    explain_nan,
    in_transform,
    output_dtype,
    validate_inputs,
)

__all__ = [
    "MissingTwinError",
    "TWINS",
    "ael_loss",
    "agce_loss",
    "amse_loss",
    "anl_loss",
    "anl_rce_loss",
    "nce_nnce_loss",
    "aul_loss",
    "softbootstrap_loss",
    "ce_loss",
    "ce_sr_loss",
    "explain_nan",
    "fl_loss",
    "gce_loss",
    "get_twin",
    "in_transform",
    "js_loss",
    "ldrkl_loss",
    "ls_loss",
    "mae_loss",
    "mse_loss",
    "nce_ael_loss",
    "nce_agce_loss",
    "nce_amse_loss",
    "nce_anl_loss",
    "nce_aul_loss",
    "nce_loss",
    "nce_mae_loss",
    "nce_rce_loss",
    "nfl_ael_loss",
    "nfl_agce_loss",
    "nfl_amse_loss",
    "nfl_aul_loss",
    "nfl_loss",
    "nfl_mae_loss",
    "nfl_rce_loss",
    "ngce_loss",
    "nmae_loss",
    "nnce_loss",
    "nrce_loss",
    "poly1_loss",
    "rce_loss",
    "sce_loss",
    "tce_loss",
    "validate_inputs",
    "validated_params",
]


class MissingTwinError(AlfsError, KeyError):
    """A registered loss that has no torch twin in :data:`TWINS`."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else ""


@functools.lru_cache(maxsize=4096)
def _bind_cached(name: str, items: tuple) -> tuple:
    return get_loss(name).bind(**dict(items)).values


def validated_params(name: str, **params) -> dict[str, float]:
    """Parameters checked through ``get_loss(name).bind(...)`` (raises ParameterError)."""
    try:
        values = _bind_cached(name, tuple(sorted(params.items())))
    except TypeError:  # an unhashable value: bind uncached (it will say what is wrong)
        values = get_loss(name).bind(**params).values
    return {n: float(v) for n, v in values}


# ----------------------------------------------------------------------------- shared core
# from N·K = 16384 and K = 64 on, one exp pass (softmax) beats log_softmax + exp (measured on CPU;
# softmax over short rows is slow)
_SOFTMAX_FROM = 16384
_SOFTMAX_MIN_K = 64


class _Rows:
    """The per-row quantities of one batch, computed once without autograd (so combos share them).

    (N, K), with 0 at the label (the label's class is carried by the column vectors instead):
    ``po`` = u_k and ``lpo`` = log u_k (computed when first asked for). Column vectors (N, 1):
    ``x`` = 1 − u_y as the sum Σ_{k≠y} u_k of positives (exact to ulps, however small),
    ``lpy`` = log u_y and ``u`` = u_y: for the terms in ``_USES_LOG_Y`` log u_y is computed up
    front and u_y = exp(log u_y) when asked; the others get u_y read off u, and log u_y only if
    they ask (one log_softmax pass more).

    log_softmax alone loses log u_y to an absolute error of eps as u_y -> 1 (its log Σ_k e^(z_k−M)
    rounds 1 + tiny). With the margin d = log((1 − u_y)/u_y) = log x − log u_y, in which an
    absolute error of eps is harmless, log u_y = log σ(−d) keeps full relative precision at both
    ends (≈ −e^d as u_y -> 1, ≈ −d as u_y -> 0; x = 0 gives d = −∞ and log u_y = 0).

    Small batches take log_softmax and its exp (fewest operations). From ``_SOFTMAX_FROM``
    elements and ``_SOFTMAX_MIN_K`` classes on, softmax alone (one exp pass, not two), and
    log u_k = (z_k − z_m) + log u_m read off the most probable class m (u_m >= 1/K, so its log
    is exact to ulps), over all classes only for the losses that need it. One (N, K) buffer
    holds u and becomes the gradient of the pointwise losses.
    """

    __slots__ = ("K", "_lp", "_lpo", "_lpy", "_lum", "_u", "_z", "_zin", "_zm", "po", "x", "y1",
                 "zero")

    def __init__(self, z: torch.Tensor, y1: torch.Tensor, keep_log: bool, need_lpy: bool) -> None:
        self.K = z.shape[1]
        self.y1 = y1
        self._zin = z
        lpy0 = None
        if self.K < _SOFTMAX_MIN_K or z.numel() < _SOFTMAX_FROM:
            lp = torch.log_softmax(z, 1)
            if need_lpy:
                lpy0 = lp.gather(1, y1)
            # pointwise losses never ask for lpo: exponentiate log_softmax's buffer in place
            self._lp, self._z = (lp if keep_log else None), None
            po = lp.exp() if keep_log else lp.exp_()
        else:
            self._lp = self._z = None
            po = torch.softmax(z, 1)
            if keep_log or need_lpy:
                # log u_k = (z_k − z_m) + log u_m: the difference first, exact to ulps of itself
                self._zm = zm = z.amax(1, keepdim=True)
                self._lum = lum = po.amax(1, keepdim=True).log_()
                self._z = z
                if need_lpy:
                    lpy0 = (z.gather(1, y1) - zm).add_(lum)
        # losses of u_y and x alone (MAE, AGCE, MSE, ...) read u_y off u and skip log u_y
        self._u = None if need_lpy else po.gather(1, y1)
        # zeros to scatter: torch's scatter_ of a scalar is ~3x slower than of a tensor
        self.zero = zero = torch.zeros_like(self._u if lpy0 is None else lpy0)
        self.po = po.scatter_(1, y1, zero)
        self.x = x = po.sum(1, keepdim=True)
        self._lpy = None if lpy0 is None else torch.nn.functional.logsigmoid(lpy0 - x.log())
        self._lpo = None

    @property
    def lpy(self) -> torch.Tensor:
        if self._lpy is None:  # a term not in _USES_LOG_Y asked: correct, one pass dearer
            lpy0 = torch.log_softmax(self._zin, 1).gather(1, self.y1)
            self._lpy = torch.nn.functional.logsigmoid(lpy0 - self.x.log())
        return self._lpy

    @property
    def lpo(self) -> torch.Tensor:
        if self._lpo is None:
            if self._lp is not None:
                lp = self._lp
            elif self._z is not None:
                lp = (self._z - self._zm).add_(self._lum)
            else:  # a term not in _USES_LOG_ALL asked: correct, one pass dearer
                lp = torch.log_softmax(self._zin, 1)
            self._lpo = lp.scatter_(1, self.y1, self.zero)
        return self._lpo

    @property
    def u(self) -> torch.Tensor:
        if self._u is None:
            self._u = self.lpy.exp()
        return self._u


class _Fused(torch.autograd.Function):
    """Σ_j w_j·term_j(logits, labels) with its logit gradient computed in the forward pass.

    Each term returns its value (N, 1) and its gradient in closed form: either a coefficient c
    with ∂ℓ/∂z = c·(e_y − u) (a pointwise ℓ(u_y): c = u_y·ℓ′(u_y)), or the full (N, K)
    ∂L/∂z_m = P_m − u_m·Σ_k P_k with P_k = u_k·∂L/∂u_k (a vector loss). The weighted sum of these
    is saved, and the backward pass is one multiplication: no autograd graph over the dozens of
    elementwise operations of a loss (which is what makes eager losses slow at small batches).
    With ``create_graph=True`` the backward pass differentiates the composite form instead, so
    second derivatives are exact.
    """

    @staticmethod
    def forward(ctx, z: torch.Tensor, y1: torch.Tensor, parts: tuple, key: tuple):
        grad = ctx.needs_input_grad[0]
        keep_log = need_lpy = False
        for _, term, _ in parts:
            keep_log = keep_log or term in _USES_LOG_ALL
            need_lpy = need_lpy or term in _USES_LOG_Y
        r = _Rows(z, y1, keep_log, need_lpy)
        value = coef = H = None
        for weight, term, params in parts:
            v, c, h = term(r, grad, *params)
            if weight != 1.0:
                v = v * weight
                c = None if c is None else c * weight
                h = None if h is None else h.mul_(weight)
            value = v if value is None else value + v
            if c is not None:
                coef = c if coef is None else coef + c
            if h is not None:
                H = h if H is None else H.add_(h)
        if grad:
            if coef is not None:  # c·(e_y − u): −c·u_k off the label, c·(1 − u_y) = c·x at it
                if H is None:  # the terms are done with po: it becomes the gradient
                    H = r.po if (isinstance(coef, float) and coef == -1.0) else r.po.mul_(-coef)
                    H.scatter_(1, y1, r.x * coef)
                else:
                    if isinstance(coef, torch.Tensor):
                        H.addcmul_(r.po, coef, value=-1.0)
                    else:
                        H.add_(r.po, alpha=-coef)
                    H.scatter_add_(1, y1, r.x * coef)
            ctx.save_for_backward(H, z, y1)
            ctx.key = key
        return value.squeeze(1)

    @staticmethod
    def backward(ctx, g):
        H, z, y1 = ctx.saved_tensors
        if not torch.is_grad_enabled():
            return H * g.unsqueeze(1), None, None, None
        # create_graph=True (a second derivative will be asked for): the gradient of the
        # composite form, built by autograd from differentiable operations on the saved
        # logits, so that differentiating it again is exact
        with torch.enable_grad():
            zz = z if z.requires_grad else z.detach().requires_grad_()
            v = _composite(*ctx.key)(zz, y1.squeeze(1))
            (gz,) = torch.autograd.grad(v, zz, g, create_graph=True)
        return gz, None, None, None


def _composite(name: str, items: tuple):
    from .compose import spec_torch

    return spec_torch(name, **dict(items))


def _run(name: str, logits, labels, validate: bool, params: dict, parts: tuple):
    """Validate (optionally), then evaluate the weighted terms ``parts`` in one fused call
    (the composite form of :mod:`.compose` inside torch.func transforms)."""
    # on CPU an out-of-range label makes the first gather raise, so the range check (a
    # reduction and two reads, ~10% of a small call) waits for that and then names the label
    deferred = False
    if isinstance(logits, torch.Tensor) and isinstance(labels, torch.Tensor) \
            and in_transform(logits, labels):
        if validate:  # values cannot be read back inside a transform: no label-range check
            validate_inputs(logits, labels, loss=name, label_range=False)
            validated_params(name, **params)
        return _composite(name, tuple(sorted(params.items())))(logits, labels)
    if validate:
        deferred = isinstance(logits, torch.Tensor) and logits.device.type == "cpu"
        validate_inputs(logits, labels, loss=name, label_range=not deferred)
        validated_params(name, **params)
    z = logits
    if z.dtype in (torch.float16, torch.bfloat16):
        z = z.float()
    if labels.dtype not in (torch.int64, torch.int32):
        labels = labels.long()  # gather takes int32/int64 indices only
    try:
        out = _Fused.apply(z, labels.unsqueeze(1), parts, (name, tuple(sorted(params.items()))))
        if validate and bool(torch.isnan(out.detach()).any()):
            explain_nan(name, logits)
        dt = output_dtype(logits)  # half logits: a half loss (computed in float32)
        return out if dt is None else out.to(dt)
    except (RuntimeError, IndexError):
        if deferred:
            try:
                validate_inputs(logits, labels, loss=name)
            except InputError as bad:  # a label out of range: say which, not torch's words
                raise bad from None
        raise


# ----------------------------------------------------------------------------- terms
# Each term: (rows, grad, *params) -> (value (N, 1), c or None, (N, K) gradient or None); see
# _Fused. The value formulas avoid cancellation as u -> 1 (everything is written in x = 1 − u_y)
# and ∞·0 as u_k -> 0 (powers of u_k as exp(q·log u_k)).

def _ce(r: _Rows, grad: bool):
    return -r.lpy, -1.0, None  # u·(−1/u) = −1


def _fl(r: _Rows, grad: bool, gamma: float):
    if gamma == 0:
        return _ce(r, grad)
    w = r.x.pow(gamma)  # (1 − u)^γ, 0 (not NaN) when x underflows to 0
    v = -w * r.lpy
    return v, (_fl_coef(w, r.x, r.lpy, r.u, gamma) if grad else None), None


def _fl_coef(w, x, lp, u, gamma: float):
    """u·FL′(u) = (1 − u)^γ·(γ·u·log u/(1 − u) − 1), with log u/(1 − u) -> −1 as u -> 1."""
    ratio = torch.where(x > 0, lp / x, -1.0)
    u_ratio = torch.where(u > 0, u * ratio, 0.0)  # u log u -> 0 (a masked label logit: u = 0)
    return w * (gamma * u_ratio - 1.0)


def _mae(r: _Rows, grad: bool):
    return r.x, (-r.u if grad else None), None


def _gce(r: _Rows, grad: bool, q: float):
    t = q * r.lpy  # u^q = exp(q log u): 1 − u^q = −expm1(q log u), exact as u -> 1
    return torch.expm1(t) / -q, (-torch.exp(t) if grad else None), None


def _rce(r: _Rows, grad: bool, clamp: float):
    A = -math.log(clamp)
    return A * r.x, (-A * r.u if grad else None), None


def _nmae(r: _Rows, grad: bool):
    s = 1.0 / (r.K - 1)
    return r.x * s, (-s * r.u if grad else None), None


def _pow_diff(base: float, x: torch.Tensor, q: float) -> torch.Tensor:
    """(base + x)^q − base^q for base > 0, x >= 0: base^q·expm1(q·log1p(x/base)), exact as
    x -> 0 and free of overflow."""
    return torch.expm1(q * torch.log1p(x / base)) * base**q


def _agce(r: _Rows, grad: bool, a: float, q: float):
    B = a + 1.0  # (a+1)^q − (a+u)^q = −[(B − x)^q − B^q], x = 1 − u
    v = _pow_diff(B, -r.x, q) / -q
    return v, (-(B - r.x).pow(q - 1.0) * r.u if grad else None), None


def _aul(r: _Rows, grad: bool, a: float, q: float):
    A = a - 1.0  # (a − u)^q − (a − 1)^q, a − u = A + x
    v = _pow_diff(A, r.x, q) / q
    return v, (-(A + r.x).pow(q - 1.0) * r.u if grad else None), None


def _ael(r: _Rows, grad: bool, a: float):
    v = torch.exp(r.u / -a)
    return v, (v * r.u / -a if grad else None), None


_FAST_POW = frozenset({0.5, 1.0, 2.0, 3.0})  # exponents torch.pow special-cases (sqrt, ...)


def _nfl(r: _Rows, grad: bool, gamma: float):
    """FL(u_y)/Σ_k FL(u_k); γ = 0 is NCE, (−log u_y)/Σ_k (−log u_k).

    Masked logits (−∞, u_k = 0): log u is floored at the dtype's most negative finite number,
    so the value and the gradient are their limits: a masked class other than the label makes
    the denominator infinite (value 0, gradient 0); a masked label gives value 1 (the
    numerator dominates), gradient 0.
    """
    mn = torch.finfo(r.po.dtype).min
    lpo, po = r.lpo, r.po
    lpy = r.lpy.clamp_min(mn)
    if gamma == 0:
        Dn = lpo.sum(1, keepdim=True).add_(lpy)  # Σ_k log u_k = −D
        v = lpy / Dn
        if not grad:
            return v, None, None
        # P_k = u_k ∂L/∂u_k = (L − [k=y])/D, Σ_k P_k = (K L − 1)/D:
        # ∂L/∂z = (u (K L − 1) − L + e_y)/(−D) = u·a + b + e_y/Dn
        inv = Dn.reciprocal()
        a = torch.mul(v, r.K).sub_(1.0).mul_(inv)
        H = torch.addcmul(-v * inv, po, a)
        H.scatter_add_(1, r.y1, torch.addcmul(inv, r.u, a))
        return v, None, H
    # (1 − u_k)^γ off the label. 1 − u_k is floored at eps/2 so that a class with u_k == 1 in
    # floating point (whose term, ≈ (1 − u_k)^(1+γ), is below eps·Σ) keeps a finite gradient.
    lpo.clamp_min_(mn)  # u_k log u_k = 0·(finite) = 0 where u_k = 0, not 0·∞
    xk = torch.rsub(po, 1.0).clamp_min_(torch.finfo(po.dtype).eps / 2)  # 1 at the label
    wk = xk.pow(gamma) if gamma in _FAST_POW else torch.log(xk).mul_(gamma).exp_()
    wy = r.x.pow(gamma)
    Ny = -wy * lpy  # FL(u_y), from the exact x and log u_y
    if grad:
        # c_k = u_k FL′(u_k) = w_k (γ u_k log u_k/(1 − u_k) − 1) off the label (exactly −1 at
        # it), built in xk's buffer, and w_k log u_k in w_k's: fresh (N, K) tensors cost page
        # faults on CPU
        ck = torch.div(lpo, xk, out=xk).mul_(po).mul_(gamma).sub_(1.0).mul_(wk)
    D = Ny - wk.mul_(lpo).sum(1, keepdim=True)
    v = Ny / D
    if not grad:
        return v, None, None
    cy = _fl_coef(wy, r.x, lpy, r.u, gamma)
    inv = 1.0 / D  # P_k = ([k=y] c_y − L c_k)/D
    t = (cy - v * (ck.sum(1, keepdim=True) + 1.0 + cy)) * inv
    H = ck.mul_(-v * inv).addcmul_(po, t, value=-1.0)
    H.scatter_(1, r.y1, cy * (1.0 - v) * inv - r.u * t)
    return v, None, H


def _nce(r: _Rows, grad: bool):
    return _nfl(r, grad, 0.0)


def _ngce(r: _Rows, grad: bool, q: float):
    # (1 − u_y^q) / (K − Σ_k u_k^q); the denominator is >= (K − 1)(1 − 2^-q), so the
    # subtraction costs only ~log10(K / (K − K^(1−q))) digits
    po = r.po
    uqo = po if q == 1 else torch.mul(r.lpo, q).exp_().scatter_(1, r.y1, r.zero)
    t_y = q * r.lpy
    uqy = torch.exp(t_y)
    S = uqo.sum(1, keepdim=True) + uqy
    D = r.K - S
    v = torch.expm1(t_y) / -D
    if not grad:
        return v, None, None
    inv = q / D  # P_k = q(L u_k^q − [k=y] u_y^q)/D
    t = (v * S - uqy) * inv
    H = (uqo * (v * inv) if q == 1 else uqo.mul_(v * inv)).addcmul_(po, t, value=-1.0)
    H.scatter_(1, r.y1, uqy * (v - 1.0) * inv - r.u * t)
    return v, None, H


def _sq(r: _Rows, grad: bool, a: float, scale: float):
    """scale·Σ_k (u_k − a[k=y])² = scale·((a − 1 + x)² + Σ_{k≠y} u_k²) (MSE: a = 1, AMSE)."""
    po = r.po
    H = po * po
    Q = H.sum(1, keepdim=True)
    ay = (a - 1.0) + r.x if a >= 1 else a - r.u  # a − u_y, without cancellation where avoidable
    v = (ay * ay + Q) * scale
    if not grad:
        return v, None, None
    # P_k = 2 scale u_k² off the label, −2 scale u_y (a − u_y) at it; the label's component
    # u_y (P_y/u_y − Σ P) is −2 scale u_y ((a − u_y)(1 − u_y) + Q), written without cancellation
    two = 2.0 * scale
    t = (Q - r.u * ay) * two
    H.mul_(two).addcmul_(po, t, value=-1.0)
    H.scatter_(1, r.y1, -two * r.u * (ay * r.x + Q))
    return v, None, H


def _mse(r: _Rows, grad: bool):
    return _sq(r, grad, 1.0, 1.0)


def _amse(r: _Rows, grad: bool, a: float):
    return _sq(r, grad, a, 1.0 / r.K)


def _anl(r: _Rows, grad: bool, a: float, p: float):
    # ((a − u)^p − (a−1)^p + Σ_{k≠y} u_k^p) / p, u_k^p = exp(p log u_k) (0, not ∞·0, at u_k = 0)
    A = a - 1.0
    upo = r.po if p == 1 else torch.mul(r.lpo, p).exp_().scatter_(1, r.y1, r.zero)
    Sup = upo.sum(1, keepdim=True)
    v = (_pow_diff(A, r.x, p) + Sup) / p
    if not grad:
        return v, None, None
    # P_k = u_k^p off the label, c_y = −u_y (a − u_y)^(p−1) at it; the label's component is
    # c_y (1 − u_y) − u_y Σ_{k≠y} u_k^p
    cy = -(A + r.x).pow(p - 1.0) * r.u
    t = cy + Sup
    H = (upo.clone() if p == 1 else upo).addcmul_(r.po, t, value=-1.0)
    H.scatter_(1, r.y1, cy * r.x - r.u * Sup)
    return v, None, H


# ----------------------------------------------------------------------------- the wider field
def _tce(r: _Rows, grad: bool, t: int):
    """Σ_{k=1}^{t} x^k/k (Taylor CE, Feng et al. 2020); u·ℓ′(u) = −u·Σ_{k<t} x^k, exact at
    both ends (1 − x^t is never formed)."""
    x = r.x
    v = x.clone()
    xk = x
    s = torch.ones_like(x)  # Σ_{k=0}^{j-1} x^k
    for k in range(2, t + 1):
        s = s + xk
        xk = xk * x
        v = v + xk / k
    return v, (-r.u * s if grad else None), None


def _log1m_plus(x: torch.Tensor, lp: torch.Tensor) -> torch.Tensor:
    """−log(1 − x) − x = Σ_{k≥2} x^k/k for x = 1 − u in [0, 1], lp = log u: to full relative
    precision (−lp − x cancels to x²/2 as x -> 0). Below x = 1/4 it is 2y²/(1 + y) +
    2(atanh y − y) with y = x/(2 − x) <= 1/7, the second part as its series (10 terms)."""
    y = x / (2.0 - x)
    y2 = y * y
    series = torch.full_like(y, 1.0 / 21.0)
    for k in range(9, 0, -1):  # Σ_{k≥1} y^(2k+1)/(2k+1) = y³ (1/3 + y²/5 + ...)
        series = series * y2 + 1.0 / (2 * k + 1)
    small = 2.0 * y2 / (1.0 + y) + 2.0 * y * y2 * series
    return torch.where(x < 0.25, small, -lp - x)


def _poly1(r: _Rows, grad: bool, eps: float):
    # −log u + ε x = (1 + ε) x + (−log u − x): both parts >= 0 for ε >= −1, so ε = −1 (where
    # the loss is O(x²)) keeps full precision
    v = (1.0 + eps) * r.x + _log1m_plus(r.x, r.lpy)
    if not grad:
        return v, None, None
    # u·ℓ′ = −1 − ε u, written as a sum of same-signed terms: −(1 + ε) + ε x for ε < 0
    return v, (-(1.0 + eps) + eps * r.x if eps < 0 else -1.0 - eps * r.u), None


def _js(r: _Rows, grad: bool, pi1: float):
    """JS_π(e_y, u)/Z with m = π + (1 − π)u = 1 − (1 − π)x, Z = −(1 − π) log(1 − π):
    Z·ℓ = −π log m + (1 − π) u (log u − log m) − (1 − π) x log(1 − π), and
    u·ℓ′(u) = u·log((1 − π) u / m)/(−log(1 − π)) (0 at u = 0: u log u -> 0)."""
    q = 1.0 - pi1
    lq = math.log(q)
    Z = -q * lq
    lm = torch.log1p(-q * r.x)  # log m, exact as u -> 1
    u, lpy = r.u, r.lpy
    d = lpy - lm
    ud = torch.where(u > 0, u * d, 0.0)  # u log(u/m) -> 0 as u -> 0
    v = (-pi1 * lm + q * ud - q * lq * r.x) / Z
    if not grad:
        return v, None, None
    c = torch.where(u > 0, u * (d + lq), 0.0) / -lq
    return v, c, None


def _ls(r: _Rows, grad: bool, s: float):
    """−(1 − s) log u_y − (s/K) Σ_k log u_k; ∂L/∂z_m = u_m − (1 − s)[m=y] − s/K."""
    K = r.K
    v = -(1.0 - s) * r.lpy - (s / K) * (r.lpo.sum(1, keepdim=True) + r.lpy)
    if not grad:
        return v, None, None
    H = r.po - s / K
    H.scatter_(1, r.y1, s * (K - 1) / K - r.x)
    return v, None, H


def _boot(r: _Rows, grad: bool, beta: float):
    """−β log u_y − (1 − β) E with E = Σ_k u_k log u_k (0 log 0 = 0). With P_k = u_k ∂L/∂u_k,
    ∂L/∂z_m = P_m − u_m ΣP = −β[m=y] + u_m (β + (1 − β)(E − log u_m))."""
    mn = torch.finfo(r.po.dtype).min
    po = r.po
    lpo = r.lpo.clamp_min(mn)  # u_k log u_k = 0·(finite) = 0 where u_k = 0
    lpy = r.lpy.clamp_min(mn)
    u = r.u
    # a dominant class m other than the label: log u_m = log1p(−w_m), w_m = Σ_{k≠m} u_k (its
    # log from log_softmax has an absolute error of eps, all of u_m log u_m near a vertex)
    m = po.argmax(1, keepdim=True)
    um = po.gather(1, m)
    wm = po.scatter(1, m, 0.0).sum(1, keepdim=True) + u
    lpo = lpo.scatter(1, m, torch.where(um > 0.5, torch.log1p(-wm), lpo.gather(1, m)))
    E = (po * lpo).sum(1, keepdim=True) + u * lpy
    v = -(1.0 - beta) * E
    if beta:  # −β log u_y unclamped: +oo at a masked label, as the formula says
        v = v - beta * r.lpy
    if not grad:
        return v, None, None
    b = 1.0 - beta
    H = (E - lpo).mul_(b).add_(beta).mul_(po)
    H.scatter_(1, r.y1, -beta * r.x + b * u * (E - lpy))
    return v, None, H


def _nnce(r: _Rows, grad: bool, min_prob: float):
    """1 − a_y/D, a_k = max(A + log u_k, 0), A = −log(min_prob), D = Σ_k a_k; the value is
    Σ_{k≠y} a_k / D (no cancellation as u_y -> 1). With χ_k = [u_k > min_prob] and
    v = a_y/D: P_k = (v χ_k − [k=y] χ_y)/D."""
    A = -math.log(min_prob)
    ao = torch.clamp_min(r.lpo + A, 0.0).scatter_(1, r.y1, r.zero)  # 0 at the label
    ay = torch.clamp_min(r.lpy + A, 0.0)
    So = ao.sum(1, keepdim=True)
    D = So + ay
    val = So / D
    if not grad:
        return val, None, None
    v = ay / D
    chi = (ao > 0).to(r.po.dtype)
    chiy = (ay > 0).to(r.po.dtype)
    n = chi.sum(1, keepdim=True) + chiy
    sP = (v * n - chiy) / D
    H = chi.mul_(v / D).addcmul_(r.po, sP, value=-1.0)
    # the label's component [χ_y (a_y − D) − u_y (n a_y − χ_y D)]/D², written without the
    # 1 − u_y cancellation: −χ_y (x·Σ_{k≠y} a_k + u_y a_y (n − 1))/D²
    H.scatter_(1, r.y1, -chiy * (So * r.x + r.u * ay * (n - 1.0)) / (D * D))
    return val, None, H


def _ce_sr(r: _Rows, grad: bool, p: float, lam: float):
    """−log u_y + λ Σ_k u_k^p (u^p = exp(p log u): 0 at u_k = 0); P_k = −[k=y] + λ p u_k^p."""
    upo = po_p = torch.mul(r.lpo, p).exp_().scatter_(1, r.y1, r.zero)
    upy = torch.exp(p * r.lpy)
    So = upo.sum(1, keepdim=True)
    v = lam * (So + upy) - r.lpy
    if not grad:
        return v, None, None
    lp = lam * p
    t = 1.0 - lp * (So + upy)
    H = po_p.mul_(lp).addcmul_(r.po, t)
    H.scatter_(1, r.y1, -r.x + lp * (upy * r.x - r.u * So))
    return v, None, H


def _ldrkl(r: _Rows, grad: bool, lam: float, c: float):
    """λ log((1/K) Σ_k exp(t_k)) with t_y = 0, t_k = (log u_k − log u_y + c)/λ = (z_k − z_y +
    c)/λ: a log-sum-exp; ∂L/∂z_k = q_k off the label, −Σ_{k≠y} q_k at it (q = softmax(t))."""
    t = (r.lpo - r.lpy).add_(c).div_(lam).scatter_(1, r.y1, r.zero)
    masked = torch.isneginf(r.lpy)  # a masked label (u_y = 0): L = +oo, and q, shift-
    if bool(masked.any()):          # invariant, is the softmax of (log u_k + c)/λ, 0 at y
        s = (r.lpo + c).div_(lam).scatter_(1, r.y1, torch.full_like(r.zero, -math.inf))
        t = torch.where(masked, s, t)
    lse = torch.logsumexp(t, 1, keepdim=True)
    v = lam * (lse - math.log(r.K))
    v = torch.where(masked, math.inf, v)
    if not grad:
        return v, None, None
    H = (t - lse).exp_().scatter_(1, r.y1, r.zero)
    H.scatter_(1, r.y1, -H.sum(1, keepdim=True))
    return v, None, H


# Speed hints for _Rows (a term missing from them still gets r.lpo / r.lpy, one pass dearer):
# the terms that read log u_k over all classes (r.lpo), for which log_softmax is kept,
_USES_LOG_ALL = frozenset({_nfl, _nce, _ngce, _anl, _ls, _boot, _nnce, _ce_sr, _ldrkl})
# and those that read log u_y (r.lpy); the others get u_y from u and no log at all
_USES_LOG_Y = frozenset({_ce, _fl, _gce, _nfl, _nce, _ngce, _poly1, _js, _ls, _boot,
                         _nnce, _ce_sr, _ldrkl})


# ----------------------------------------------------------------------------- functionals
def ce_loss(logits, labels, *, validate: bool = True):
    """Cross entropy, −log u_y."""
    return _run("ce", logits, labels, validate, {}, ((1.0, _ce, ()),))


def fl_loss(logits, labels, *, gamma: float = 0.5, validate: bool = True):
    """Focal loss −(1 − u_y)^γ log u_y (Lin et al. 2017), true gradient (nothing detached)."""
    return _run("fl", logits, labels, validate, {"gamma": gamma},
                ((1.0, _fl, (float(gamma),)),))


def mae_loss(logits, labels, *, validate: bool = True):
    """Mean absolute error 1 − u_y (the ALFs code uses 2 − 2u_y)."""
    return _run("mae", logits, labels, validate, {}, ((1.0, _mae, ()),))


def mse_loss(logits, labels, *, validate: bool = True):
    """Mean squared error Σ_k (u_k − [k=y])² = 1 − 2u_y + Σ_k u_k²."""
    return _run("mse", logits, labels, validate, {}, ((1.0, _mse, ()),))


def gce_loss(logits, labels, *, q: float = 0.7, validate: bool = True):
    """Generalized cross entropy (1 − u_y^q)/q (Zhang & Sabuncu 2018, eq. 6)."""
    return _run("gce", logits, labels, validate, {"q": q}, ((1.0, _gce, (float(q),)),))


def rce_loss(logits, labels, *, clamp: float = 1e-4, validate: bool = True):
    """Reverse cross entropy −log(clamp)·(1 − u_y) (one-hot clamped at ``clamp``)."""
    return _run("rce", logits, labels, validate, {"clamp": clamp},
                ((1.0, _rce, (float(clamp),)),))


def sce_loss(logits, labels, *, alpha: float = 0.1, beta: float = 1.0, clamp: float = 1e-4,
             validate: bool = True):
    """Symmetric cross entropy α·CE + β·RCE (Wang et al. 2019)."""
    return _run("sce", logits, labels, validate,
                {"alpha": alpha, "beta": beta, "clamp": clamp},
                ((float(alpha), _ce, ()), (float(beta), _rce, (float(clamp),))))


def nce_loss(logits, labels, *, validate: bool = True):
    """Normalized cross entropy log u_y / Σ_k log u_k (Ma et al. 2020, eq. 3)."""
    return _run("nce", logits, labels, validate, {}, ((1.0, _nce, ()),))


def nfl_loss(logits, labels, *, gamma: float = 0.5, validate: bool = True):
    """Normalized focal loss FL(u_y)/Σ_k FL(u_k), true gradient (nothing detached)."""
    return _run("nfl", logits, labels, validate, {"gamma": gamma},
                ((1.0, _nfl, (float(gamma),)),))


def ngce_loss(logits, labels, *, q: float = 0.7, validate: bool = True):
    """Normalized GCE (1 − u_y^q)/(K − Σ_k u_k^q)."""
    return _run("ngce", logits, labels, validate, {"q": q}, ((1.0, _ngce, (float(q),)),))


def nmae_loss(logits, labels, *, validate: bool = True):
    """Normalized MAE (1 − u_y)/(K − 1)."""
    return _run("nmae", logits, labels, validate, {}, ((1.0, _nmae, ()),))


def nrce_loss(logits, labels, *, validate: bool = True):
    """Normalized RCE (1 − u_y)/(K − 1): the intended formula (the APL/ALFs code has (K−1)/4)."""
    return _run("nrce", logits, labels, validate, {}, ((1.0, _nmae, ()),))


def agce_loss(logits, labels, *, a: float = 1.0, q: float = 2.0, validate: bool = True):
    """Asymmetric GCE ((a+1)^q − (a+u_y)^q)/q (Zhou et al. 2021)."""
    return _run("agce", logits, labels, validate, {"a": a, "q": q},
                ((1.0, _agce, (float(a), float(q))),))


def aul_loss(logits, labels, *, a: float = 1.5, q: float = 0.9, validate: bool = True):
    """Asymmetric unhinged loss ((a−u_y)^q − (a−1)^q)/q (Zhou et al. 2021)."""
    return _run("aul", logits, labels, validate, {"a": a, "q": q},
                ((1.0, _aul, (float(a), float(q))),))


def ael_loss(logits, labels, *, a: float = 3.0, validate: bool = True):
    """Asymmetric exponential loss exp(−u_y/a) (Zhou et al. 2021)."""
    return _run("ael", logits, labels, validate, {"a": a}, ((1.0, _ael, (float(a),)),))


def anl_loss(logits, labels, *, a: float = 1.5, p: float = 0.9, validate: bool = True):
    """Asymmetric norm loss (1/p)[Σ_k |a[k=y] − u_k|^p − (a−1)^p] (Zhou et al. 2023), unclamped.

    Not Ye et al.'s active negative loss (NeurIPS 2023): that one is :func:`nce_nnce_loss`."""
    return _run("anl", logits, labels, validate, {"a": a, "p": p},
                ((1.0, _anl, (float(a), float(p))),))


def amse_loss(logits, labels, *, a: float = 10.0, validate: bool = True):
    """Asymmetric MSE (1/K) Σ_k (u_k − a[k=y])² (Wang et al. 2025, JAL)."""
    return _run("amse", logits, labels, validate, {"a": a}, ((1.0, _amse, (float(a),)),))


# ----------------------------------------------------------------------------- combos
def _combo(name, active, passive, logits, labels, validate, alpha, beta, params,
           act_keys, pas_keys):
    p = {k: float(v) for k, v in params.items()}
    parts = ((float(alpha), active, tuple(p[k] for k in act_keys)),
             (float(beta), passive, tuple(p[k] for k in pas_keys)))
    return _run(name, logits, labels, validate, dict(alpha=alpha, beta=beta, **params), parts)


def nce_mae_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                 validate: bool = True):
    """α·NCE + β·MAE (APL, Ma et al. 2020)."""
    return _combo("nce+mae", _nce, _mae, logits, labels, validate, alpha, beta, {}, (), ())


def nce_rce_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                 clamp: float = 1e-4, validate: bool = True):
    """α·NCE + β·RCE (APL, Ma et al. 2020)."""
    return _combo("nce+rce", _nce, _rce, logits, labels, validate, alpha, beta,
                  {"clamp": clamp}, (), ("clamp",))


def nfl_mae_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                 gamma: float = 0.5, validate: bool = True):
    """α·NFL + β·MAE (APL, Ma et al. 2020)."""
    return _combo("nfl+mae", _nfl, _mae, logits, labels, validate, alpha, beta,
                  {"gamma": gamma}, ("gamma",), ())


def nfl_rce_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                 gamma: float = 0.5, clamp: float = 1e-4, validate: bool = True):
    """α·NFL + β·RCE (APL, Ma et al. 2020)."""
    return _combo("nfl+rce", _nfl, _rce, logits, labels, validate, alpha, beta,
                  {"gamma": gamma, "clamp": clamp}, ("gamma",), ("clamp",))


def nce_agce_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0, a: float = 3.0,
                  q: float = 1.5, validate: bool = True):
    """α·NCE + β·AGCE (ALFs, Zhou et al. 2021)."""
    return _combo("nce+agce", _nce, _agce, logits, labels, validate, alpha, beta,
                  {"a": a, "q": q}, (), ("a", "q"))


def nce_aul_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0, a: float = 6.0,
                 q: float = 1.5, validate: bool = True):
    """α·NCE + β·AUL (ALFs, Zhou et al. 2021)."""
    return _combo("nce+aul", _nce, _aul, logits, labels, validate, alpha, beta,
                  {"a": a, "q": q}, (), ("a", "q"))


def nce_ael_loss(logits, labels, *, alpha: float = 1.0, beta: float = 4.0, a: float = 2.5,
                 validate: bool = True):
    """α·NCE + β·AEL (ALFs, Zhou et al. 2021)."""
    return _combo("nce+ael", _nce, _ael, logits, labels, validate, alpha, beta,
                  {"a": a}, (), ("a",))


def nfl_agce_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                  gamma: float = 0.5, a: float = 3.0, q: float = 2.0, validate: bool = True):
    """α·NFL + β·AGCE (ALFs, Zhou et al. 2021)."""
    return _combo("nfl+agce", _nfl, _agce, logits, labels, validate, alpha, beta,
                  {"gamma": gamma, "a": a, "q": q}, ("gamma",), ("a", "q"))


def nfl_aul_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                 gamma: float = 0.5, a: float = 1.5, q: float = 0.9, validate: bool = True):
    """α·NFL + β·AUL (ALFs, Zhou et al. 2021)."""
    return _combo("nfl+aul", _nfl, _aul, logits, labels, validate, alpha, beta,
                  {"gamma": gamma, "a": a, "q": q}, ("gamma",), ("a", "q"))


def nfl_ael_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                 gamma: float = 0.5, a: float = 3.0, validate: bool = True):
    """α·NFL + β·AEL (ALFs, Zhou et al. 2021)."""
    return _combo("nfl+ael", _nfl, _ael, logits, labels, validate, alpha, beta,
                  {"gamma": gamma, "a": a}, ("gamma",), ("a",))


def anl_rce_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0, a: float = 2.0,
                 p: float = 0.7, clamp: float = 1e-4, validate: bool = True):
    """α·ANL + β·RCE (Zhou et al. 2023)."""
    return _combo("anl+rce", _anl, _rce, logits, labels, validate, alpha, beta,
                  {"a": a, "p": p, "clamp": clamp}, ("a", "p"), ("clamp",))


def nce_anl_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0, a: float = 2.0,
                 p: float = 0.7, validate: bool = True):
    """α·NCE + β·ANL (Zhou et al. 2023)."""
    return _combo("nce+anl", _nce, _anl, logits, labels, validate, alpha, beta,
                  {"a": a, "p": p}, (), ("a", "p"))


def nce_amse_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0, a: float = 10.0,
                  validate: bool = True):
    """α·NCE + β·AMSE (JAL-CE, Wang et al. 2025)."""
    return _combo("nce+amse", _nce, _amse, logits, labels, validate, alpha, beta,
                  {"a": a}, (), ("a",))


def nfl_amse_loss(logits, labels, *, alpha: float = 1.0, beta: float = 1.0,
                  gamma: float = 0.5, a: float = 10.0, validate: bool = True):
    """α·NFL + β·AMSE (JAL-FL, Wang et al. 2025)."""
    return _combo("nfl+amse", _nfl, _amse, logits, labels, validate, alpha, beta,
                  {"gamma": gamma, "a": a}, ("gamma",), ("a",))


# ----------------------------------------------------------------------------- the wider field
def tce_loss(logits, labels, *, validate: bool = True):
    """Taylor cross entropy of order 2, (1 − u_y) + (1 − u_y)²/2 (Feng et al. 2020)."""
    return _run("tce", logits, labels, validate, {}, ((1.0, _tce, (2,)),))


def poly1_loss(logits, labels, *, eps: float = 2.0, validate: bool = True):
    """Poly-1, −log u_y + ε(1 − u_y) (Leng et al. 2022)."""
    return _run("poly1", logits, labels, validate, {"eps": eps}, ((1.0, _poly1, (float(eps),)),))


def ls_loss(logits, labels, *, s: float = 0.1, validate: bool = True):
    """CE with label smoothing, −(1 − s) log u_y − (s/K) Σ_k log u_k (Szegedy et al. 2016)."""
    return _run("ls", logits, labels, validate, {"s": s}, ((1.0, _ls, (float(s),)),))


def js_loss(logits, labels, *, pi1: float = 0.7, validate: bool = True):
    """Jensen-Shannon loss JS_π(e_y, u)/Z, Z = −(1 − π) log(1 − π) (Englesson & Azizpour
    2021), two distributions."""
    return _run("js", logits, labels, validate, {"pi1": pi1}, ((1.0, _js, (float(pi1),)),))


def softbootstrap_loss(logits, labels, *, beta: float = 0.95, validate: bool = True):
    """Soft bootstrapping −β log u_y − (1 − β) Σ_k u_k log u_k (Reed et al. 2015), the
    prediction in the target not detached."""
    return _run("softbootstrap", logits, labels, validate, {"beta": beta},
                ((1.0, _boot, (float(beta),)),))


def nnce_loss(logits, labels, *, min_prob: float = 1e-7, validate: bool = True):
    """Normalized negative CE of Ye et al. 2023 (the passive part of their ANL-CE; not the
    registry's ``anl``, Zhou et al.'s asymmetric norm loss)."""
    return _run("nnce", logits, labels, validate, {"min_prob": min_prob},
                ((1.0, _nnce, (float(min_prob),)),))


def nce_nnce_loss(logits, labels, *, alpha: float = 5.0, beta: float = 5.0,
                   min_prob: float = 1e-7, validate: bool = True):
    """ANL-CE of Ye et al. 2023, α·NCE + β·NNCE (the weight-norm term of the paper acts on
    the network's parameters and is not part of it). Not the registry's ``anl``."""
    return _combo("nce+nnce", _nce, _nnce, logits, labels, validate, alpha, beta,
                  {"min_prob": min_prob}, (), ("min_prob",))


def ce_sr_loss(logits, labels, *, p: float = 0.1, lam: float = 1.2, validate: bool = True):
    """CE + λ Σ_k u_k^p, the sparse regulariser of Zhou et al. 2021 (the logit sharpening
    softmax(normalize(z)/τ) is the caller's: pass the sharpened logits)."""
    return _run("ce+sr", logits, labels, validate, {"p": p, "lam": lam},
                ((1.0, _ce_sr, (float(p), float(lam))),))


def ldrkl_loss(logits, labels, *, lam: float = 1.0, c: float = 2.0, validate: bool = True):
    """LDR-KL of Zhu et al. 2023, λ log((1/K) Σ_k exp((z_k − z_y + c[k≠y])/λ)) (the scores'
    softplus normalisation of the authors' code is the caller's)."""
    return _run("ldrkl", logits, labels, validate, {"lam": lam, "c": c},
                ((1.0, _ldrkl, (float(lam), float(c))),))


# ----------------------------------------------------------------------------- registry
TWINS: dict[str, Callable[..., torch.Tensor]] = {
    "ce": ce_loss, "fl": fl_loss, "mae": mae_loss, "mse": mse_loss, "gce": gce_loss,
    "rce": rce_loss, "sce": sce_loss, "nce": nce_loss, "nfl": nfl_loss, "ngce": ngce_loss,
    "nmae": nmae_loss, "nrce": nrce_loss, "agce": agce_loss, "aul": aul_loss, "ael": ael_loss,
    "anl": anl_loss, "amse": amse_loss,
    "nce+mae": nce_mae_loss, "nce+rce": nce_rce_loss, "nfl+mae": nfl_mae_loss,
    "nfl+rce": nfl_rce_loss, "nce+agce": nce_agce_loss, "nce+aul": nce_aul_loss,
    "nce+ael": nce_ael_loss, "nfl+agce": nfl_agce_loss, "nfl+aul": nfl_aul_loss,
    "nfl+ael": nfl_ael_loss, "anl+rce": anl_rce_loss, "nce+anl": nce_anl_loss,
    "nce+amse": nce_amse_loss, "nfl+amse": nfl_amse_loss,
    "tce": tce_loss, "poly1": poly1_loss, "ls": ls_loss, "js": js_loss,
    "softbootstrap": softbootstrap_loss, "nnce": nnce_loss, "nce+nnce": nce_nnce_loss,
    "ce+sr": ce_sr_loss, "ldrkl": ldrkl_loss,
}
"""Registry name -> torch functional (``'+'`` in a name becomes ``'_'`` in the function)."""



def get_twin(name: str) -> Callable[..., torch.Tensor]:
    """The torch functional for a registered loss (aliases accepted, e.g. ``'jal-ce'``)."""
    key = get_loss(name).name  # raises UnknownLossError with suggestions
    try:
        return TWINS[key]
    except KeyError:
        raise MissingTwinError(
            f"loss {key!r} is registered but has no torch twin: add a functional "
            f"'{key.replace('+', '_')}_loss' to alfs_theory.nn.functional.TWINS (twins exist "
            f"for: {', '.join(sorted(TWINS))})"
        ) from None
