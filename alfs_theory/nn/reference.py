"""An independent reference for the torch twins, built from the sympy spec alone.

For float64 logits z (N, K) and labels y, :func:`reference_loss_and_grad` computes with mpmath

* u_k = exp(z_k − logsumexp(z)) (exact inputs: every float64 is an mpf; nothing underflows),
* the value L(u, y) by lambdifying the bound spec (module ``"mpmath"``),
* the gradient by *symbolic* differentiation of the spec: with F = expr(u, K, S_1..S_m) and
  S_j = Σ_k g_j(u_k),

      ∂L/∂u_i = [i = y]·∂F/∂u + Σ_j ∂F/∂S_j · g_j′(u_i),
      ∂L/∂z_m = Σ_i ∂L/∂u_i · u_i(δ_im − u_m) = u_m (∂L/∂u_m − Σ_i u_i ∂L/∂u_i).

Nothing here is shared with :mod:`alfs_theory.nn.functional`.

Precision: u_k and the summands g_j(u_k), g_j′(u_k) of ordinary classes are computed at
``dps`` + 5 digits (they carry their own relative precision, whatever their size). The labelled
class and the most probable class m are evaluated at the working precision, and so is all the
assembly. When u_m > 1/2, class m is written in w = 1 − u_m = Σ_{k≠m} u_k (a sum of small
positives, exact to ``dps`` digits however small): the spec's expression with u = 1 − w, which
sympy folds (1 − u -> w, (1 − u)^γ -> w^γ, a − u -> (a − 1) + w; log u -> log1p(−w)), and the
working precision has 2·log10(1/w) + 10 extra digits (at most 350: below 1e-350, O(w) terms
underflow float64) for the cancellations of size w and w² that remain (1 − 2u + Σu²,
(a+1)^q − (a+u)^q, G_m − Σ_i u_i G_i). So 1 − u, (1 − u)^γ, 1 − 1/u, ... are exact even for
logit gaps of 10^4 (1 − u ≈ e^(−10^4)), at modest cost.

Example
-------
>>> import numpy as np
>>> from alfs_theory.nn.reference import reference_loss_and_grad
>>> v, g = reference_loss_and_grad("ce", np.array([[0.0, 0.0]]), np.array([0]))
>>> round(float(v[0]), 12), g.tolist()
(0.69314718056, [[-0.5, 0.5]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..registry import get_loss
from ..spec import LossSpec
from ..symbols import K, U, V

__all__ = ["ReferenceResult", "reference_loss_and_grad", "reference_row"]


_W = sp.Symbol("w", positive=True)  # w = 1 − u for the dominant class
_LOG1M = sp.Function("alfs_log1m")  # alfs_log1m(w) = log(1 − w), evaluated as log1p(−w)
_MODULES = [{"alfs_log1m": lambda w: mpmath.log1p(-w)}, "mpmath"]


def _w_form(e: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """``e`` with var = 1 − w: sympy folds 1 − (1 − w) to w, a − (1 − w) to (a − 1) + w, so
    (1 − u)^γ, 1 − u, ... keep full precision however close u is to 1; log(1 − w) becomes
    log1p(−w)."""
    e = e.subs(var, 1 - _W)
    return e.replace(
        lambda t: isinstance(t, sp.log) and sp.expand(t.args[0] - (1 - _W)) == 0,
        lambda t: _LOG1M(_W),
    )


@dataclass(frozen=True)
class _Fns:
    F: Any
    dF_du: Any
    dF_dS: tuple
    g: tuple
    dg: tuple
    # the same in w = 1 − u (for the class with u > 1/2)
    F_w: Any
    dF_du_w: Any
    dF_dS_w: tuple
    g_w: tuple
    dg_w: tuple


_FNS: dict[tuple, _Fns] = {}


def _fns(spec: LossSpec) -> _Fns:
    """Lambdified F, ∂F/∂u, ∂F/∂S_j, g_j, g_j′ (and their w-forms) for a bound spec, cached."""
    key = (spec.name, spec.expr, spec.sums, spec.values)
    hit = _FNS.get(key)
    if hit is not None:
        return hit
    sums = [s for s, _ in spec.sums]
    expr = spec.subs_values(spec.expr)
    dFu = sp.diff(expr, U)
    dFS = [sp.diff(expr, s) for s in sums]
    gs = [g for _, g in spec.summands()]
    dgs = [sp.diff(g, V) for g in gs]

    def lam(args, e):
        return sp.lambdify(args, e, _MODULES)

    a_u, a_w = [U, K, *sums], [_W, K, *sums]
    fns = _Fns(
        F=lam(a_u, expr),
        dF_du=lam(a_u, dFu),
        dF_dS=tuple(lam(a_u, e) for e in dFS),
        g=tuple(lam([V, K], g) for g in gs),
        dg=tuple(lam([V, K], g) for g in dgs),
        F_w=lam(a_w, _w_form(expr, U)),
        dF_du_w=lam(a_w, _w_form(dFu, U)),
        dF_dS_w=tuple(lam(a_w, _w_form(e, U)) for e in dFS),
        g_w=tuple(lam([_W, K], _w_form(g, V)) for g in gs),
        dg_w=tuple(lam([_W, K], _w_form(g, V)) for g in dgs),
    )
    _FNS[key] = fns
    return fns


def _bound(loss: str | LossSpec, params: dict) -> LossSpec:
    spec = get_loss(loss) if isinstance(loss, str) else loss
    if params or not spec.is_bound:
        spec = spec.bind(**params)
    return spec


@dataclass(frozen=True)
class ReferenceResult:
    """One row: value, gradient w.r.t. the logits, term scales (mpmath numbers), precision."""

    value: Any
    grad: list
    grad_scale: list  # u_m (A_m + Σ_i u_i A_i), A_i = Σ |terms of ∂L/∂u_i|: the chain-rule terms' size
    dps: int


_EXTRA_CAP = 350  # digits: beyond 1 − u < 1e-350 every O(1 − u) quantity underflows float64


def reference_row(spec: LossSpec, z: Sequence[float], y: int, dps: int = 40) -> ReferenceResult:
    """Value and logit gradient of a bound spec for one row of float64 logits, in mpmath.

    See the module docstring for the precision strategy. ``grad_scale`` is the size of the
    chain-rule terms of each component (what a float64 evaluation can resolve it relative to).
    """
    fns = _fns(spec)
    n = len(z)
    y = int(y)
    if not 0 <= y < n:
        raise ValueError(f"label {y} outside [0, {n})")
    base = dps + 5
    with mpmath.workdps(base):
        zs = [mpmath.mpf(float(v)) for v in z]  # exact
        zmax = max(zs)
        lse = zmax + mpmath.log(mpmath.fsum(mpmath.exp(v - zmax) for v in zs))
        u = [mpmath.exp(v - lse) for v in zs]
        m = max(range(n), key=lambda k: u[k])
        w = mpmath.fsum(u[k] for k in range(n) if k != m)
        dominant = u[m] > 0.5
        Kn = mpmath.mpf(n)
        late = {y, m}  # classes whose terms are evaluated at the working precision
        g_vals = [[None if k in late else gj(uk, Kn) for k, uk in enumerate(u)] for gj in fns.g]
        dg_vals = [[None if k in late else dgj(uk, Kn) for k, uk in enumerate(u)]
                   for dgj in fns.dg]
    extra = 10
    if dominant:
        extra = min(_EXTRA_CAP, 2 * math.ceil(-float(mpmath.log10(w))) + 10)
    work = base + max(extra, 10)
    with mpmath.workdps(work):
        if dominant:
            u[m] = 1 - w
        for k in late:
            for j in range(len(fns.g)):
                if dominant and k == m:
                    g_vals[j][k] = fns.g_w[j](w, Kn)
                    dg_vals[j][k] = fns.dg_w[j](w, Kn)
                else:
                    g_vals[j][k] = fns.g[j](u[k], Kn)
                    dg_vals[j][k] = fns.dg[j](u[k], Kn)
        S = [mpmath.fsum(gv) for gv in g_vals]
        if dominant and y == m:
            value = fns.F_w(w, Kn, *S)
            dFu = fns.dF_du_w(w, Kn, *S)
            dFS = [f(w, Kn, *S) for f in fns.dF_dS_w]
        else:
            uy = u[y]
            value = fns.F(uy, Kn, *S)
            dFu = fns.dF_du(uy, Kn, *S)
            dFS = [f(uy, Kn, *S) for f in fns.dF_dS]
        G, Gabs = [], []  # ∂L/∂u_i, and the sum of its terms' sizes
        for i in range(n):
            gi = dFu if i == y else mpmath.mpf(0)
            ai = abs(gi)
            for j, cj in enumerate(dFS):
                term = cj * dg_vals[j][i]
                gi, ai = gi + term, ai + abs(term)
            G.append(gi)
            Gabs.append(ai)
        t = mpmath.fsum(ui * gi for ui, gi in zip(u, G))
        grad = [um * (gm - t) for um, gm in zip(u, G)]
        if dominant:  # G_m − t = G_m (1 − u_m) − Σ_{i≠m} u_i G_i, without the 1 − u_m cancellation
            others = mpmath.fsum(u[i] * G[i] for i in range(n) if i != m)
            grad[m] = u[m] * (G[m] * w - others)
        tabs = mpmath.fsum(ui * ai for ui, ai in zip(u, Gabs))
        scale = [um * (am + tabs) for um, am in zip(u, Gabs)]
        return ReferenceResult(mpmath.mpf(value), grad, scale, work)


def reference_loss_and_grad(
    loss: str | LossSpec,
    logits: Any,
    labels: Any,
    *,
    dps: int = 40,
    return_scale: bool = False,
    **params: Any,
):
    """Reference per-example values (N,) and logit gradients (N, K) as float64 arrays.

    ``loss`` is a registry name or a spec (bound or not); ``params`` bind it (defaults fill the
    rest). With ``return_scale`` also returns the (N, K) term scales of the gradient (see
    :class:`ReferenceResult`).
    """
    spec = _bound(loss, params)
    z = np.asarray(logits.detach().cpu() if hasattr(logits, "detach") else logits,
                   dtype=np.float64)
    y = np.asarray(labels.cpu() if hasattr(labels, "cpu") else labels).astype(int)
    if z.ndim != 2 or y.shape != (z.shape[0],):
        raise ValueError(f"logits must be (N, K) and labels (N,); got {z.shape} and {y.shape}")
    vals = np.empty(z.shape[0])
    grads = np.empty(z.shape)
    scales = np.empty(z.shape)
    for r in range(z.shape[0]):
        res = reference_row(spec, z[r], int(y[r]), dps)
        vals[r] = float(res.value)
        grads[r] = [float(g) for g in res.grad]
        scales[r] = [float(s) for s in res.grad_scale]
    if return_scale:
        return vals, grads, scales
    return vals, grads
