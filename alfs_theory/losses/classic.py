"""Classic losses: CE, FL, MAE, MSE, GCE, RCE, SCE (declarations only).

Every expression is L(u, y) with u = u_y (see :mod:`alfs_theory.spec`).
"""

from __future__ import annotations

import sympy as sp

from ..spec import LossSpec, combine, make_param
from ..symbols import U, V
from .catalog import declare

GHOSH17 = (
    "Ghosh, Kumar, Sastry, 'Robust loss functions under label noise for deep neural networks', "
    "AAAI 2017"
)
LIN17 = "Lin et al., 'Focal loss for dense object detection', ICCV 2017"
ZHANG18 = "Zhang & Sabuncu, 'Generalized cross entropy loss ...', NeurIPS 2018, eq. (6)"
WANG19 = "Wang et al., 'Symmetric cross entropy for robust learning with noisy labels', ICCV 2019"
MA20 = "Ma et al., 'Normalized loss functions for deep learning with noisy labels', ICML 2020"

_gamma = make_param("gamma", lower=0, lower_strict=False, default=0.5,
                    description="focusing parameter (0.5 in the APL/ALFs experiments)")
_q_gce = make_param("q", lower=0, upper=1, default=0.7,
                    description="Box-Cox exponent; q -> 0 gives CE, q = 1 gives MAE")
_clamp = make_param("clamp", lower=0, upper=1, upper_strict=True, default=1e-4,
                    description="log 0 is clamped to log(clamp) in the one-hot target")

CE = declare(LossSpec(
    name="ce", expr=-sp.log(U), title="Cross entropy",
    references=("standard",),
), aliases=("cross_entropy", "crossentropy"))

FL = declare(LossSpec(
    name="fl", expr=-((1 - U) ** _gamma.symbol) * sp.log(U), params=(_gamma,),
    title="Focal loss", references=(LIN17, MA20 + " (gamma = 0.5)"),
    notes="The ALFs/APL code detaches p_t in (1 - p_t)^gamma; this spec (and its torch twin) "
          "is the stated formula with its true gradient.",
), aliases=("focal",))

MAE = declare(LossSpec(
    name="mae", expr=1 - U, title="Mean absolute error",
    references=(GHOSH17, "ALFs code uses 2 - 2u (scale 2), a positive multiple"),
    notes="Symmetric: sum_k L(u, k) = K - 1 on the simplex.",
))

MSE = declare(LossSpec(
    name="mse", expr=1 - 2 * U + sp.Symbol("S_sq", real=True),
    sums=((sp.Symbol("S_sq", real=True), V**2),),
    title="Mean squared error (sum over classes of (u_k - [k=y])^2)",
    references=(GHOSH17,),
))

GCE = declare(LossSpec(
    name="gce", expr=(1 - U**_q_gce.symbol) / _q_gce.symbol, params=(_q_gce,),
    title="Generalized cross entropy", references=(ZHANG18,),
))

RCE = declare(LossSpec(
    name="rce", expr=-sp.log(_clamp.symbol) * (1 - U), params=(_clamp,),
    title="Reverse cross entropy",
    references=(WANG19, "ALFs/APL code: one-hot clamped to [1e-4, 1], so A = log(1e-4) = -9.21"),
    notes="RCE = -sum_k u_k log q_k with q = clamp(onehot, clamp, 1) equals -log(clamp)(1 - u_y) "
          "on the simplex: a positive multiple of MAE, hence symmetric.",
))

SCE = declare(combine(
    "sce", [("alpha", CE), ("beta", RCE)],
    weight_defaults={"alpha": 0.1, "beta": 1.0},
    title="Symmetric cross entropy (alpha CE + beta RCE)", references=(WANG19,),
))
