"""Torch twins of the registered losses: per-example functionals ``<name>_loss``.

Every functional takes ``logits`` (N, K) and integer ``labels`` (N,), the loss's parameters as
keyword-only arguments with the spec's defaults, and returns the (N,) per-example losses of the
*stated* formula with its *true* gradient (nothing is detached; compare the official ALFs/APL
focal losses, which detach p_t and the normaliser). The one source of truth is the sympy
:class:`~alfs_theory.spec.LossSpec` in the registry; ``tests/test_crossval.py`` ties each twin
to its spec (values and gradients at 1e-10, against :mod:`alfs_theory.nn.reference`).

Numerics
--------
All work is in log space. With z the logits, y the label and the margin
d = logsumexp_{k≠y}(z_k − z_y) = log((1 − u_y)/u_y) (computed after shifting by z_y, so it is
exact to ulps of itself, not of |z|):

* log u_y = log σ(−d),   log(1 − u_y) = log σ(d),   u_y and 1 − u_y their exponentials,

so ``1 − u`` near u → 1 and ``u`` near 0 keep full relative precision, in value and gradient,
and every derivative in the graph is bounded (softmax weights, σ). Powers are exponentials of
logs (u_k^q = exp(q log u_k), (1 − u_y)^γ = exp(γ log(1 − u_y))), so u_k underflowing to 0
gives 0 with a 0 gradient rather than ∞·0. Differences of powers that cancel as u → 1 are
rewritten ((a+1)^q − (a+u)^q = (a+1)^q·(1 − exp(q·log1p(−(1−u)/(a+1)))), and so on), and
1 − exp(t) is differentiated as −exp(t), not as torch's expm1 backward (result + 1). Sums over
the other classes (Σ_{k≠y} u_k^p, Σ_{k≠y} u_k²) are taken directly rather than as "all minus
u_y". The margin, log_softmax and softmax come from one fused autograd function with a
hand-written backward (one exp over (N, K); first derivatives only: double backward raises).
Half-precision logits (bfloat16/float16, e.g. under ``torch.autocast``) are computed in float32;
the result is float32.

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
import torch.nn.functional as F

from ..errors import AlfsError, InputError
from ..registry import get_loss

__all__ = [
    "TWINS",
    "MissingTwinError",
    "ael_loss",
    "agce_loss",
    "amse_loss",
    "anl_loss",
    "anl_rce_loss",
    "aul_loss",
    "ce_loss",
    "fl_loss",
    "gce_loss",
    "get_twin",
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
    "nrce_loss",
    "rce_loss",
    "sce_loss",
    "validate_inputs",
    "validated_params",
]


class MissingTwinError(AlfsError, KeyError):
    """A registered loss that has no torch twin in :data:`TWINS`."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else ""


# ----------------------------------------------------------------------------- validation
def validate_inputs(logits: torch.Tensor, labels: torch.Tensor, *, loss: str = "") -> int:
    """Check ``logits`` (N, K) floating with K ≥ 2 and ``labels`` (N,) integer in [0, K).

    Returns K. Raises :class:`~alfs_theory.errors.InputError` saying what was wrong and what
    would pass.
    """
    where = f"{loss}: " if loss else ""
    if not isinstance(logits, torch.Tensor):
        raise InputError(f"{where}logits must be a torch.Tensor of shape (N, K); got "
                         f"{type(logits).__name__}")
    if not isinstance(labels, torch.Tensor):
        raise InputError(f"{where}labels must be a torch.Tensor of class indices, shape (N,); "
                         f"got {type(labels).__name__}")
    if not logits.is_floating_point():
        raise InputError(f"{where}logits must be a floating tensor (float32, float64, bfloat16 "
                         f"or float16); got {logits.dtype}. Convert with logits.float()")
    if logits.dim() != 2 or logits.shape[1] < 2:
        raise InputError(f"{where}logits must have shape (N, K) with K >= 2 classes; got shape "
                         f"{tuple(logits.shape)}")
    n, k = logits.shape
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise InputError(f"{where}labels must be an integer tensor of class indices (e.g. "
                         f"torch.int64); got {labels.dtype}. Convert with labels.long() if the "
                         "values are whole numbers")
    if tuple(labels.shape) != (n,):
        raise InputError(f"{where}labels must have shape (N,) = ({n},) to match logits of shape "
                         f"({n}, {k}); got shape {tuple(labels.shape)}")
    if labels.device != logits.device:
        raise InputError(f"{where}labels must be on the logits' device {logits.device}; got "
                         f"{labels.device}")
    if n:
        lo, hi = torch.aminmax(labels)
        lo, hi = int(lo), int(hi)
        if lo < 0 or hi >= k:
            bad, what = (lo, "min") if lo < 0 else (hi, "max")
            idx = int((labels == bad).nonzero()[0, 0])
            raise InputError(f"{where}labels must lie in [0, {k}) for K = {k} classes; got "
                             f"{what} {bad} at index {idx}")
    return k


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


def _prepare(name, logits, labels, validate, params):
    if validate:
        validate_inputs(logits, labels, loss=name)
        validated_params(name, **params)
    z = logits
    if z.dtype in (torch.float16, torch.bfloat16):
        z = z.float()
    return _Ctx(z, labels, name in _VECTOR)


# ----------------------------------------------------------------------------- shared core
def _margin_stats(z: torch.Tensor, y1: torch.Tensor, keep_e: bool):
    """Forward pieces shared by the two core functions (no autograd).

    With m = max_{k≠y} z_k: em_k = z_k − m (−inf at y), ee = exp(em) (0 at y), s = Σ ee >= 1,
    d = (m − z_y) + log s = log((1 − u_y)/u_y), and from d: log u_y = log σ(−d),
    log(1 − u_y) = log σ(d), u_y, 1 − u_y. Every difference is taken between the two numbers it
    is about (z_k − m, m − z_y), so each is exact to ulps of itself, whatever |z|.
    """
    em = z.scatter(1, y1, -math.inf)
    m = em.amax(1, keepdim=True)  # finite: K >= 2
    em.sub_(m)
    ee = torch.exp(em) if keep_e else em.exp_()
    s = ee.sum(1, keepdim=True)
    log_s = s.log()
    d = (m - z.gather(1, y1)) + log_s
    lpy = F.logsigmoid(-d)
    l1mu = F.logsigmoid(d)
    return em, log_s, ee, s, lpy, l1mu, lpy.exp(), l1mu.exp()


def _grad_d(glpy, gl1mu, gu, gx, u, x):
    """∂/∂d of the four per-row outputs: −x, u, −u·x, u·x (None when none was used)."""
    g = None
    for gi, coef in ((glpy, lambda: -x), (gl1mu, lambda: u), (gu, lambda: -u * x),
                     (gx, lambda: u * x)):
        if gi is not None:
            t = gi.unsqueeze(1) * coef()
            g = t if g is None else g.add_(t)
    return g


class _Margin(torch.autograd.Function):
    """(log u_y, log(1 − u_y), u_y, 1 − u_y) per row from the margin d, hand-differentiated.

    d = logsumexp_{k≠y}(z_k − z_y): ∂d/∂z_k is the softmax over the classes k ≠ y (0 at y) and
    ∂d/∂z_y = −1. d is exact to ulps of itself (not of |z|). One exp over (N, K) forward, none
    backward.
    """

    @staticmethod
    def forward(ctx, z: torch.Tensor, y1: torch.Tensor):
        ctx.set_materialize_grads(False)
        _, _, ee, s, lpy, l1mu, u, x = _margin_stats(z, y1, keep_e=False)
        ctx.save_for_backward(ee, s, u, x, y1)
        return lpy.squeeze(1), l1mu.squeeze(1), u.squeeze(1), x.squeeze(1)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, glpy, gl1mu, gu, gx):
        ee, s, u, x, y1 = ctx.saved_tensors
        gd = _grad_d(glpy, gl1mu, gu, gx, u, x)
        if gd is None:
            return None, None
        grad = ee * (gd / s)
        grad.scatter_add_(1, y1, -gd)
        return grad, None


class _MarginSoftmax(torch.autograd.Function):
    """:class:`_Margin`'s outputs plus log_softmax(z) and softmax(z), from the same single exp.

    For k ≠ y, u_k = (1 − u_y)·ee_k/s, so log u_k = (z_k − m) + (log(1 − u_y) − log s) and
    u_k = ee_k·(1 − u_y)/s: no difference of large numbers. The backward adds the
    vector-Jacobian products of the outputs that were used: the margin's, g − u Σg for log u,
    u ⊙ (g − ⟨u, g⟩) for u.
    """

    @staticmethod
    def forward(ctx, z: torch.Tensor, y1: torch.Tensor):
        ctx.set_materialize_grads(False)
        em, log_s, ee, s, lpy, l1mu, u, x = _margin_stats(z, y1, keep_e=True)
        lp = em.add_(l1mu - log_s)
        lp.scatter_(1, y1, lpy)
        p = ee * (x / s)
        p.scatter_(1, y1, u)
        ctx.save_for_backward(ee, s, p, u, x, y1)
        return lpy.squeeze(1), l1mu.squeeze(1), u.squeeze(1), x.squeeze(1), lp, p

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, glpy, gl1mu, gu, gx, glp, gp):
        ee, s, p, u, x, y1 = ctx.saved_tensors
        grad = None
        if glp is not None:  # log_softmax: g − u Σ_k g_k
            grad = torch.addcmul(glp, p, glp.sum(1, keepdim=True), value=-1.0)
        if gp is not None:  # softmax: u ⊙ g − u ⟨u, g⟩
            t = p * gp
            t.addcmul_(p, t.sum(1, keepdim=True), value=-1.0)
            grad = t if grad is None else grad.add_(t)
        gd = _grad_d(glpy, gl1mu, gu, gx, u, x)
        if gd is not None:  # margin: softmax over k ≠ y, −1 at y
            if grad is None:
                grad = ee * (gd / s)
            else:
                grad.addcmul_(ee, gd / s)
            grad.scatter_add_(1, y1, -gd)
        return grad, None


class _Ctx:
    """The shared per-row quantities of one batch (so combos compute them once).

    ``lpy`` = log u_y, ``l1mu`` = log(1 − u_y), ``u`` = u_y, ``x`` = 1 − u_y (N,); for vector
    losses also ``lp`` = log u_k and ``p`` = u_k (N, K).
    """

    __slots__ = ("K", "l1mu", "lp", "lpy", "p", "u", "x", "y1")

    def __init__(self, z: torch.Tensor, y: torch.Tensor, vector: bool) -> None:
        self.y1 = y1 = y.unsqueeze(1)
        self.K = z.shape[1]
        if vector:
            self.lpy, self.l1mu, self.u, self.x, self.lp, self.p = _MarginSoftmax.apply(z, y1)
        else:
            self.lpy, self.l1mu, self.u, self.x = _Margin.apply(z, y1)

    def sum_others(self, t: torch.Tensor) -> torch.Tensor:
        """Σ_{k≠y} t_k for an (N, K) tensor t (no 'all minus y' cancellation)."""
        return t.scatter(1, self.y1, 0.0).sum(1)


_LN_HALF = -math.log(2.0)


def _one_minus_exp(t: torch.Tensor) -> torch.Tensor:
    """1 − exp(t) for t <= 0, accurate in value *and* gradient.

    −expm1(t) alone is exact in value, but torch differentiates it as (result + 1), which loses
    exp(t) to absolute error eps once exp(t) is small; 1 − exp(t) is exact there (no
    cancellation) and differentiates as exp(t).
    """
    return torch.where(t > _LN_HALF, -torch.expm1(t), 1.0 - torch.exp(t))


def _one_minus_pow_ratio(x: torch.Tensor, A: float, q: float) -> torch.Tensor:
    """(A + x)^q − A^q for A > 0, x ∈ [0, 1], accurate as x → 0 and free of overflow."""
    return torch.pow(A + x, q) * _one_minus_exp(-q * torch.log1p(x / A))


# ----------------------------------------------------------------------------- terms
def _ce(c: _Ctx) -> torch.Tensor:
    return -c.lpy


def _fl(c: _Ctx, gamma: float) -> torch.Tensor:
    if gamma == 0:
        return -c.lpy
    return -torch.exp(gamma * c.l1mu) * c.lpy


def _mae(c: _Ctx) -> torch.Tensor:
    return c.x


def _gce(c: _Ctx, q: float) -> torch.Tensor:
    return _one_minus_exp(q * c.lpy) / q


def _rce(c: _Ctx, clamp: float) -> torch.Tensor:
    return -math.log(clamp) * c.x


def _nmae(c: _Ctx) -> torch.Tensor:
    return c.x / (c.K - 1)


def _agce(c: _Ctx, a: float, q: float) -> torch.Tensor:
    B = a + 1.0  # (a+1)^q − (a+u)^q = B^q (1 − (1 − x/B)^q), x = 1 − u
    return B**q * _one_minus_exp(q * torch.log1p(-c.x / B)) / q


def _aul(c: _Ctx, a: float, q: float) -> torch.Tensor:
    return _one_minus_pow_ratio(c.x, a - 1.0, q) / q  # (a−u)^q − (a−1)^q, a − u = (a−1) + x


def _ael(c: _Ctx, a: float) -> torch.Tensor:
    return torch.exp(-c.u / a)


def _nce(c: _Ctx) -> torch.Tensor:
    return c.lpy / c.lp.sum(1)  # (−log u_y) / Σ_k (−log u_k)


_FAST_POW = frozenset({0.5, 1.0, 2.0, 3.0})  # exponents torch.pow special-cases (sqrt, ...)


def _nfl(c: _Ctx, gamma: float) -> torch.Tensor:
    lp = c.lp
    if gamma == 0:
        den = -lp.sum(1)
    else:
        # (1 − u_k)^γ. 1 − u_k is floored at eps/2 so that a class with u_k == 1 in floating
        # point (whose term, ≈ (1 − u_k)^(1+γ), is below eps·Σ) keeps a finite gradient.
        q = torch.rsub(c.p, 1.0).clamp_min(torch.finfo(lp.dtype).eps / 2)
        w = q.pow(gamma) if gamma in _FAST_POW else torch.exp(gamma * torch.log(q))
        den = -(w * lp).sum(1)
    return _fl(c, gamma) / den


def _ngce(c: _Ctx, q: float) -> torch.Tensor:
    # (1 − u_y^q) / (K − Σ_k u_k^q); the denominator is >= (K − 1)(1 − 2^-q), so the
    # subtraction costs only ~log10(K / (K − K^(1−q))) digits, and its gradient q·u_k^q is exact
    uq = c.p if q == 1 else torch.exp(q * c.lp)
    return _one_minus_exp(q * c.lpy) / (c.K - uq.sum(1))


def _mse(c: _Ctx) -> torch.Tensor:
    # 1 − 2u + Σ_k u_k² = (1 − u)² + Σ_{k≠y} u_k²
    p = c.p
    return c.x.square() + c.sum_others(p * p)


def _amse(c: _Ctx, a: float) -> torch.Tensor:
    # (Σ_k u_k² − 2a u + a²)/K = ((a − u)² + Σ_{k≠y} u_k²)/K, a − u = (a − 1) + x
    p = c.p
    return ((a - 1.0 + c.x).square() + c.sum_others(p * p)) / c.K


def _anl(c: _Ctx, a: float, p: float) -> torch.Tensor:
    # ((a − u)^p − (a−1)^p + Σ_{k≠y} u_k^p) / p, u_k^p = exp(p log u_k) (0, not ∞·0, at u_k = 0)
    up = c.p if p == 1 else torch.exp(p * c.lp)
    return (_one_minus_pow_ratio(c.x, a - 1.0, p) + c.sum_others(up)) / p


# ----------------------------------------------------------------------------- functionals
def ce_loss(logits, labels, *, validate: bool = True):
    """Cross entropy, −log u_y."""
    return _ce(_prepare("ce", logits, labels, validate, {}))


def fl_loss(logits, labels, *, gamma: float = 0.5, validate: bool = True):
    """Focal loss −(1 − u_y)^γ log u_y (Lin et al. 2017), true gradient (nothing detached)."""
    c = _prepare("fl", logits, labels, validate, {"gamma": gamma})
    return _fl(c, float(gamma))


def mae_loss(logits, labels, *, validate: bool = True):
    """Mean absolute error 1 − u_y (the ALFs code uses 2 − 2u_y)."""
    return _mae(_prepare("mae", logits, labels, validate, {}))


def mse_loss(logits, labels, *, validate: bool = True):
    """Mean squared error Σ_k (u_k − [k=y])² = 1 − 2u_y + Σ_k u_k²."""
    return _mse(_prepare("mse", logits, labels, validate, {}))


def gce_loss(logits, labels, *, q: float = 0.7, validate: bool = True):
    """Generalized cross entropy (1 − u_y^q)/q (Zhang & Sabuncu 2018, eq. 6)."""
    c = _prepare("gce", logits, labels, validate, {"q": q})
    return _gce(c, float(q))


def rce_loss(logits, labels, *, clamp: float = 1e-4, validate: bool = True):
    """Reverse cross entropy −log(clamp)·(1 − u_y) (one-hot clamped at ``clamp``)."""
    c = _prepare("rce", logits, labels, validate, {"clamp": clamp})
    return _rce(c, float(clamp))


def sce_loss(logits, labels, *, alpha: float = 0.1, beta: float = 1.0, clamp: float = 1e-4,
             validate: bool = True):
    """Symmetric cross entropy α·CE + β·RCE (Wang et al. 2019)."""
    c = _prepare("sce", logits, labels, validate, {"alpha": alpha, "beta": beta, "clamp": clamp})
    return float(alpha) * _ce(c) + float(beta) * _rce(c, float(clamp))


def nce_loss(logits, labels, *, validate: bool = True):
    """Normalized cross entropy log u_y / Σ_k log u_k (Ma et al. 2020, eq. 3)."""
    return _nce(_prepare("nce", logits, labels, validate, {}))


def nfl_loss(logits, labels, *, gamma: float = 0.5, validate: bool = True):
    """Normalized focal loss FL(u_y)/Σ_k FL(u_k), true gradient (nothing detached)."""
    c = _prepare("nfl", logits, labels, validate, {"gamma": gamma})
    return _nfl(c, float(gamma))


def ngce_loss(logits, labels, *, q: float = 0.7, validate: bool = True):
    """Normalized GCE (1 − u_y^q)/(K − Σ_k u_k^q)."""
    c = _prepare("ngce", logits, labels, validate, {"q": q})
    return _ngce(c, float(q))


def nmae_loss(logits, labels, *, validate: bool = True):
    """Normalized MAE (1 − u_y)/(K − 1)."""
    return _nmae(_prepare("nmae", logits, labels, validate, {}))


def nrce_loss(logits, labels, *, validate: bool = True):
    """Normalized RCE (1 − u_y)/(K − 1): the intended formula (the APL/ALFs code has (K−1)/4)."""
    return _nmae(_prepare("nrce", logits, labels, validate, {}))


def agce_loss(logits, labels, *, a: float = 1.0, q: float = 2.0, validate: bool = True):
    """Asymmetric GCE ((a+1)^q − (a+u_y)^q)/q (Zhou et al. 2021)."""
    c = _prepare("agce", logits, labels, validate, {"a": a, "q": q})
    return _agce(c, float(a), float(q))


def aul_loss(logits, labels, *, a: float = 1.5, q: float = 0.9, validate: bool = True):
    """Asymmetric unhinged loss ((a−u_y)^q − (a−1)^q)/q (Zhou et al. 2021)."""
    c = _prepare("aul", logits, labels, validate, {"a": a, "q": q})
    return _aul(c, float(a), float(q))


def ael_loss(logits, labels, *, a: float = 3.0, validate: bool = True):
    """Asymmetric exponential loss exp(−u_y/a) (Zhou et al. 2021)."""
    c = _prepare("ael", logits, labels, validate, {"a": a})
    return _ael(c, float(a))


def anl_loss(logits, labels, *, a: float = 1.5, p: float = 0.9, validate: bool = True):
    """Asymmetric norm loss (1/p)[Σ_k |a[k=y] − u_k|^p − (a−1)^p] (Zhou et al. 2023), unclamped."""
    c = _prepare("anl", logits, labels, validate, {"a": a, "p": p})
    return _anl(c, float(a), float(p))


def amse_loss(logits, labels, *, a: float = 10.0, validate: bool = True):
    """Asymmetric MSE (1/K) Σ_k (u_k − a[k=y])² (Wang et al. 2025, JAL)."""
    c = _prepare("amse", logits, labels, validate, {"a": a})
    return _amse(c, float(a))


# ----------------------------------------------------------------------------- combos
def _combo(name, active, passive, logits, labels, validate, alpha, beta, params,
           act_keys, pas_keys):
    c = _prepare(name, logits, labels, validate, dict(alpha=alpha, beta=beta, **params))
    p = {k: float(v) for k, v in params.items()}
    act = active(c, *(p[k] for k in act_keys))
    pas = passive(c, *(p[k] for k in pas_keys))
    return float(alpha) * act + float(beta) * pas


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
}
"""Registry name -> torch functional (``'+'`` in a name becomes ``'_'`` in the function)."""

_VECTOR = frozenset(n for n in TWINS if not get_loss(n).is_pointwise)


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
