"""Asymmetric losses: AGCE, AUL, AEL, ANL (Zhou et al. ICML 2021 / T-PAMI 2023), AMSE (JAL)."""

from __future__ import annotations

import sympy as sp

from ..spec import LossSpec, make_param
from ..symbols import K, U, V
from .catalog import declare

ZHOU21 = "Zhou et al., 'Asymmetric loss functions for learning with noisy labels', ICML 2021"
ZHOU23 = "Zhou et al., 'Asymmetric loss functions for noise-tolerant learning', T-PAMI 2023"
WANG25 = "Wang et al., 'Joint asymmetric loss for learning with noisy labels', ICCV 2025"
ALFS_CODE = "official code github.com/hitcszx/ALFs (defaults)"

_a_pos = make_param("a", lower=0, default=1.0, description="offset a > 0")
_q_pos = make_param("q", lower=0, default=2.0, description="exponent q > 0")
_a_gt1 = make_param("a", lower=1, default=1.5, description="offset a > 1")
_q_aul = make_param("q", lower=0, default=0.9, description="exponent q > 0")
_a_ael = make_param("a", lower=0, default=3.0, description="temperature a > 0")
_a_anl = make_param("a", lower=1, default=1.5, description="target scale a > 1")
_p_anl = make_param("p", lower=0, upper=1, default=0.9, description="norm exponent 0 < p <= 1")
_a_amse = make_param("a", lower=0, lower_strict=False, default=10.0,
                     description="target scale a >= 0 (JAL); asymmetry needs a >= 1/(w_t - w_2)")

a, q = _a_pos.symbol, _q_pos.symbol
AGCE = declare(LossSpec(
    name="agce", expr=((a + 1) ** q - (a + U) ** q) / q, params=(_a_pos, _q_pos),
    title="Asymmetric generalized cross entropy", references=(ZHOU21, ALFS_CODE),
))

a, q = _a_gt1.symbol, _q_aul.symbol
AUL = declare(LossSpec(
    name="aul", expr=((a - U) ** q - (a - 1) ** q) / q, params=(_a_gt1, _q_aul),
    title="Asymmetric unhinged loss", references=(ZHOU21, ALFS_CODE + " (class AUELoss)"),
), aliases=("aue",))

AEL = declare(LossSpec(
    name="ael", expr=sp.exp(-U / _a_ael.symbol), params=(_a_ael,),
    title="Asymmetric exponential loss", references=(ZHOU21, ALFS_CODE),
))

_S_p = sp.Symbol("S_p", real=True)
a, p = _a_anl.symbol, _p_anl.symbol
ANL = declare(LossSpec(
    name="anl", expr=((a - U) ** p - U**p + _S_p - (a - 1) ** p) / p, params=(_a_anl, _p_anl),
    sums=((_S_p, V**p),),
    title="Asymmetric norm loss", references=(ZHOU23, ALFS_CODE + " (class ANormLoss)"),
    notes="(1/p)[sum_k |a[k=y] - u_k|^p - (a-1)^p]; the code clamps u to [1e-5, 1], this spec "
          "does not. Not the 'active negative loss' of Ye et al. (NeurIPS 2023), which is "
          "registered as 'nce+nnce' (with its passive part 'nnce').",
), aliases=("anorm",))

_S_sq = sp.Symbol("S_sq", real=True)
a = _a_amse.symbol
AMSE = declare(LossSpec(
    name="amse", expr=(_S_sq - 2 * a * U + a**2) / K, params=(_a_amse,),
    sums=((_S_sq, V**2),),
    title="Asymmetric mean squared error", references=(WANG25,),
    notes="(1/K) sum_k (u_k - a[k=y])^2.",
))
