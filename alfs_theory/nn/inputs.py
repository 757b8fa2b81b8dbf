"""What every torch loss of the package checks and shares: input validation, the reduction,
the test for a torch.func transform, and the explanation of a NaN loss.

Imported by the fused twins (:mod:`.functional`), their modules (:mod:`.modules`) and the
composite form (:mod:`.compose`), and importing none of them, so the three need no cycle.
"""

from __future__ import annotations

import torch

from ..errors import InputError, ParameterError

__all__ = ["check_reduction", "explain_nan", "in_transform", "reduce", "validate_inputs"]


def validate_inputs(logits: torch.Tensor, labels: torch.Tensor, *, loss: str = "",
                    label_range: bool = True) -> int:
    """Check ``logits`` (N, K) floating with K ≥ 2 and ``labels`` (N,) integer in [0, K).

    Returns K. Raises :class:`~alfs_theory.errors.InputError` saying what was wrong and what
    would pass. The label range is read back from the device (a synchronisation on CUDA):
    training loops check their labels once and call the twins with ``validate=False``.
    ``label_range=False`` skips that range check (the twins do so on CPU, where the first
    gather is bounds-checked by torch, and then re-check to name the bad label).
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
    if n and label_range:
        lo, hi = torch.aminmax(labels)
        lo, hi = int(lo), int(hi)
        if lo < 0 or hi >= k:
            bad, what = (lo, "min") if lo < 0 else (hi, "max")
            idx = int((labels == bad).nonzero()[0, 0])
            raise InputError(f"{where}labels must lie in [0, {k}) for K = {k} classes; got "
                             f"{what} {bad} at index {idx}")
    return k


_is_wrapped = getattr(getattr(torch._C, "_functorch", None), "is_functorch_wrapped_tensor",
                      lambda t: False)


def in_transform(z: torch.Tensor, labels: torch.Tensor) -> bool:
    """True inside a torch.func transform (grad, vmap, jvp, ...) or a forward-mode AD level:
    there the composite form runs, which those transforms differentiate and batch themselves."""
    return (_is_wrapped(z) or _is_wrapped(labels)
            or getattr(torch.autograd.forward_ad, "_current_level", -1) >= 0)


def explain_nan(name: str, logits: torch.Tensor) -> None:
    """A NaN loss from logits the loss is undefined at: say which row and why."""
    z = logits.detach()
    for what, bad in (("NaN", torch.isnan(z).any(1)), ("+inf", torch.isposinf(z).any(1)),
                      ("only -inf (no class has a probability)", torch.isneginf(z).all(1))):
        rows = bad.nonzero()
        if rows.numel():
            raise InputError(f"{name}: logits row {int(rows[0, 0])} holds {what}; the loss is "
                             "undefined there. Logits must be finite, or -inf to mask a class "
                             "(at least one finite entry per row)")


_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ParameterError(
            f"reduction must be one of {', '.join(repr(r) for r in _REDUCTIONS)}; got "
            f"{reduction!r}"
        )
    return reduction


def reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce per-example losses (N,) by "mean", "sum" or "none"."""
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def output_dtype(logits: torch.Tensor) -> torch.dtype | None:
    """The dtype a loss returns for these logits when it is not float32's: float16/bfloat16
    logits give a float16/bfloat16 loss (computed inside in float32, then cast), as
    ``F.cross_entropy`` does; under autocast on their device the loss stays float32 (autocast's
    rule for losses). None: keep what was computed."""
    if not isinstance(logits, torch.Tensor) or logits.dtype not in (torch.float16,
                                                                      torch.bfloat16):
        return None
    if torch.is_autocast_enabled(logits.device.type):
        return None
    return logits.dtype
