"""Normalized losses of APL (Ma et al. 2020): NCE, NFL, NGCE, NMAE, NRCE.

A normalized loss is L(u, y) / Σ_k L(u, k); each is a *vector* loss except where the
normaliser is constant on the simplex (NMAE, NRCE), where it reduces to a pointwise one.
"""

from __future__ import annotations

import sympy as sp

from ..spec import LossSpec, make_param
from ..symbols import K, U, V
from .catalog import declare

MA20 = "Ma et al., 'Normalized loss functions for deep learning with noisy labels', ICML 2020"

_S_ce = sp.Symbol("S_ce", real=True)
_S_fl = sp.Symbol("S_fl", real=True)
_S_q = sp.Symbol("S_q", real=True)
_gamma = make_param(
    "gamma", lower=0, lower_strict=False, default=0.5, description="focusing parameter"
)
_q = make_param("q", lower=0, upper=1, default=0.7, description="GCE exponent")


def _fl(x: sp.Expr, g: sp.Symbol) -> sp.Expr:
    return -((1 - x) ** g) * sp.log(x)


NCE = declare(LossSpec(
    name="nce", expr=-sp.log(U) / _S_ce, sums=((_S_ce, -sp.log(V)),),
    title="Normalized cross entropy", references=(MA20 + ", eq. (3)",),
    notes="For K >= 3 the infimum of the weighted risk is not attained (one u_k -> 0 much "
          "faster than the rest); see shared/theory.md.",
))

NFL = declare(LossSpec(
    name="nfl", expr=_fl(U, _gamma.symbol) / _S_fl, params=(_gamma,),
    sums=((_S_fl, _fl(V, _gamma.symbol)),),
    title="Normalized focal loss", references=(MA20,),
    notes="The APL/ALFs code detaches the focal weights (1 - p_k)^gamma (p_t in the numerator, "
          "exp(logpt.data) in the normaliser) but not the normaliser itself: its log p_k keep "
          "their gradients. This spec (and its torch twin) is the stated formula, true "
          "gradients throughout.",
))

NGCE = declare(LossSpec(
    name="ngce", expr=(1 - U**_q.symbol) / (K - _S_q), params=(_q,),
    sums=((_S_q, V**_q.symbol),),
    title="Normalized generalized cross entropy", references=(MA20,),
))

NMAE = declare(LossSpec(
    name="nmae", expr=(1 - U) / (K - 1),
    title="Normalized mean absolute error", references=(MA20,),
    notes="MAE / sum_k MAE(u, k) = (1 - u_y)/(K - 1) exactly on the simplex.",
))

NRCE = declare(LossSpec(
    name="nrce", expr=(1 - U) / (K - 1),
    title="Normalized reverse cross entropy (intended formula)", references=(MA20,),
    notes="RCE / sum_k RCE(u, k) = (1 - u_y)/(K - 1), independent of the clamp. The APL and "
          "ALFs code write norm = 1 / 4 * (num_classes - 1), which Python reads as (K - 1)/4, "
          "not 1 / (4 (K - 1)): an operator-precedence slip.",
))
