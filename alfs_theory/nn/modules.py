"""``nn.Module`` wrappers of the torch twins, with ``reduction`` in {"mean", "sum", "none"}.

One class per registered loss, named ``<NAME>Loss`` (``"nce+agce"`` -> ``NCEAGCELoss``), plus the
generic :class:`SpecLoss` and :func:`make_loss`. Parameters are checked against the spec's
domains when the module is built, before any compute (``ParameterError`` names the violated
condition and what would pass).

Example
-------
>>> import torch
>>> from alfs_theory.nn import NCEAGCELoss, make_loss
>>> crit = NCEAGCELoss(alpha=1.0, beta=1.0, a=3.0, q=1.5)
>>> crit(torch.zeros(4, 10), torch.tensor([0, 1, 2, 3])).shape
torch.Size([])
>>> make_loss("jal-ce", a=10.0).loss_name
'nce+amse'
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import nn

from ..registry import get_loss
from .functional import get_twin
from .inputs import check_reduction, reduce  # noqa: F401 - re-exported

__all__ = [
    "LOSS_CLASSES",
    "AELLoss",
    "AGCELoss",
    "AMSELoss",
    "ANLLoss",
    "ANLRCELoss",
    "NCENNCELoss",
    "AULLoss",
    "SOFTBOOTSTRAPLoss",
    "CELoss",
    "CESRLoss",
    "FLLoss",
    "GCELoss",
    "JSLoss",
    "LDRKLLoss",
    "LSLoss",
    "MAELoss",
    "MSELoss",
    "NCEAELLoss",
    "NCEAGCELoss",
    "NCEAMSELoss",
    "NCEANLLoss",
    "NCEAULLoss",
    "NCELoss",
    "NCEMAELoss",
    "NCERCELoss",
    "NFLAELLoss",
    "NFLAGCELoss",
    "NFLAMSELoss",
    "NFLAULLoss",
    "NFLLoss",
    "NFLMAELoss",
    "NFLRCELoss",
    "NGCELoss",
    "NMAELoss",
    "NNCELoss",
    "NRCELoss",
    "POLY1Loss",
    "RCELoss",
    "SCELoss",
    "SpecLoss",
    "TCELoss",
    "class_name",
    "make_loss",
    "reduce",
]

class SpecLoss(nn.Module):
    """The torch twin of a registered loss as a module.

    Parameters
    ----------
    name : registry name or alias (``"agce"``, ``"nce+agce"``, ``"jal-ce"``).
    reduction : ``"mean"`` (default), ``"sum"`` or ``"none"`` (per-example, shape (N,)).
    validate : check logits/labels on every call (shape, dtype, label range); default True.
        On CUDA the label-range check waits for the device; a training loop that checked its
        labels once passes ``validate=False``.
    **params : the loss's parameters; missing ones take the spec's defaults. Checked now.
        Each is also an attribute (``AGCELoss(a=3).a == 3.0``); setting one checks it against
        its domain again and takes effect on the next call.

    float16/bfloat16 logits give a loss of their dtype, computed inside in float32 (under
    autocast: float32, autocast's rule for losses).
    """

    loss_name: str = ""

    def __init__(self, name: str, reduction: str = "mean", *, validate: bool = True,
                 **params: Any) -> None:
        super().__init__()
        spec = get_loss(name)  # UnknownLossError with suggestions
        self.loss_name = spec.name
        self._fn = get_twin(spec.name)  # MissingTwinError if it has no twin
        bound = spec.bind(**params)  # ParameterError, before any compute
        self.params: dict[str, float] = {n: float(v) for n, v in bound.values}
        self.reduction = check_reduction(reduction)
        self.validate = bool(validate)

    def __getattr__(self, name: str) -> Any:
        params = self.__dict__.get("params")
        if params is not None and name in params:
            return params[name]
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("params")
        if params is not None and name in params:  # a parameter: checked, then used
            bound = get_loss(self.loss_name).bind(**{**params, name: value})
            self.params = {n: float(v) for n, v in bound.values}
            return
        super().__setattr__(name, value)

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        values = self._fn(logits, labels, validate=self.validate, **self.params)
        return reduce(values, self.reduction)

    def extra_repr(self) -> str:
        ps = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        head = "" if type(self).loss_name else f"{self.loss_name!r}, "
        return f"{head}{ps + ', ' if ps else ''}reduction={self.reduction!r}"


def class_name(loss: str) -> str:
    """``"nce+agce"`` -> ``"NCEAGCELoss"``."""
    return "".join(ch for ch in loss.upper() if ch.isalnum()) + "Loss"


class _NamedLoss(SpecLoss):
    """A :class:`SpecLoss` whose loss is fixed by the class (``loss_name``)."""

    def __init__(self, reduction: str = "mean", *, validate: bool = True,
                 **params: Any) -> None:
        super().__init__(type(self).loss_name, reduction, validate=validate, **params)


# One class per registered loss; docstrings and signatures are filled from the specs below.
class CELoss(_NamedLoss): loss_name = "ce"
class FLLoss(_NamedLoss): loss_name = "fl"
class MAELoss(_NamedLoss): loss_name = "mae"
class MSELoss(_NamedLoss): loss_name = "mse"
class GCELoss(_NamedLoss): loss_name = "gce"
class RCELoss(_NamedLoss): loss_name = "rce"
class SCELoss(_NamedLoss): loss_name = "sce"
class NCELoss(_NamedLoss): loss_name = "nce"
class NFLLoss(_NamedLoss): loss_name = "nfl"
class NGCELoss(_NamedLoss): loss_name = "ngce"
class NMAELoss(_NamedLoss): loss_name = "nmae"
class NRCELoss(_NamedLoss): loss_name = "nrce"
class AGCELoss(_NamedLoss): loss_name = "agce"
class AULLoss(_NamedLoss): loss_name = "aul"
class AELLoss(_NamedLoss): loss_name = "ael"
class ANLLoss(_NamedLoss): loss_name = "anl"
class AMSELoss(_NamedLoss): loss_name = "amse"
class NCEMAELoss(_NamedLoss): loss_name = "nce+mae"
class NCERCELoss(_NamedLoss): loss_name = "nce+rce"
class NFLMAELoss(_NamedLoss): loss_name = "nfl+mae"
class NFLRCELoss(_NamedLoss): loss_name = "nfl+rce"
class NCEAGCELoss(_NamedLoss): loss_name = "nce+agce"
class NCEAULLoss(_NamedLoss): loss_name = "nce+aul"
class NCEAELLoss(_NamedLoss): loss_name = "nce+ael"
class NFLAGCELoss(_NamedLoss): loss_name = "nfl+agce"
class NFLAULLoss(_NamedLoss): loss_name = "nfl+aul"
class NFLAELLoss(_NamedLoss): loss_name = "nfl+ael"
class ANLRCELoss(_NamedLoss): loss_name = "anl+rce"
class NCEANLLoss(_NamedLoss): loss_name = "nce+anl"
class NCEAMSELoss(_NamedLoss): loss_name = "nce+amse"
class NFLAMSELoss(_NamedLoss): loss_name = "nfl+amse"
class TCELoss(_NamedLoss): loss_name = "tce"
class POLY1Loss(_NamedLoss): loss_name = "poly1"
class LSLoss(_NamedLoss): loss_name = "ls"
class JSLoss(_NamedLoss): loss_name = "js"
class SOFTBOOTSTRAPLoss(_NamedLoss): loss_name = "softbootstrap"
class NNCELoss(_NamedLoss): loss_name = "nnce"
class NCENNCELoss(_NamedLoss): loss_name = "nce+nnce"
class CESRLoss(_NamedLoss): loss_name = "ce+sr"
class LDRKLLoss(_NamedLoss): loss_name = "ldrkl"


def _document(cls: type[_NamedLoss]) -> None:
    """Docstring (formula, parameter domains, references) and signature from the spec."""
    name = cls.loss_name
    spec = get_loss(name)
    sig_params = [inspect.Parameter("reduction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    default="mean", annotation=str)]
    sig_params += [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default,
                                     annotation=float) for p in spec.params]
    sig_params.append(inspect.Parameter("validate", inspect.Parameter.KEYWORD_ONLY,
                                        default=True, annotation=bool))
    cls.__signature__ = inspect.Signature(sig_params)  # what inspect.signature(cls) shows
    lines = [
        f"{spec.title or name} as a module (torch twin of the registered loss {name!r}).",
        "",
        spec.formula_text(),
        "",
        "Parameters",
        "----------",
        'reduction : "mean" (default), "sum" or "none".',
    ]
    lines += [f"{p.name} : {p.domain_text}, default {p.default:g}. {p.description}".rstrip()
              for p in spec.params]
    lines.append("validate : check logits/labels on every call (default True; on CUDA the "
                 "label-range check waits for the device).")
    if spec.references:
        lines += ["", "References", "----------"] + [f"- {r}" for r in spec.references]
    cls.__doc__ = "\n".join(lines)


LOSS_CLASSES: dict[str, type[SpecLoss]] = {}
"""Registry name -> module class."""

for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, _NamedLoss) and _cls is not _NamedLoss:
        _document(_cls)
        LOSS_CLASSES[_cls.loss_name] = _cls
del _cls

def make_loss(name, reduction: str = "mean", *, validate: bool = True,
              **params: Any) -> nn.Module:
    """The module for a registered loss (aliases accepted), parameters checked now; for a
    :class:`~alfs_theory.spec.LossSpec` (e.g. typed with
    :func:`~alfs_theory.userloss.loss_from_expression`), its composite torch form
    (:class:`~alfs_theory.nn.compose.ComposedLoss`)."""
    from ..spec import LossSpec

    if isinstance(name, LossSpec):
        from .compose import ComposedLoss

        return ComposedLoss(name, reduction, validate=validate, **params)
    key = get_loss(name).name
    cls = LOSS_CLASSES.get(key)
    if cls is None:
        return SpecLoss(key, reduction, validate=validate, **params)  # says it has no twin
    return cls(reduction, validate=validate, **params)
