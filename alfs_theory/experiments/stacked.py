"""Several copies of the official CNN trained at once, as one network.

A grid of runs (losses × noise rates × seeds) on one data set trains many small networks on
the same images. Packing M of them into one module turns M small kernels per layer into one
larger one: convolutions become grouped convolutions (``groups=M``), linear layers batched
matrix products, BatchNorm one layer over M·C channels. Every parameter's first dimension is
split evenly between the models, so model m owns the slice ``p.view(M, -1)[m]`` of every
parameter, and nothing couples the copies:

* the input batch x (B, C, H, W) is shared; the output is (M, B, K), model m's logits in
  row m; labels are (M, B), one noisy label set per model;
* the loss is Σ_m mean_b L_m, so model m's gradient is that of its own mean loss;
* :func:`clip_grad_norm_per_model` clips each model's gradient norm separately (the official
  code clips each run's norm to 5); SGD with momentum and weight decay is elementwise.

So one step of the stacked network equals one step of each model on its own (the tests check
outputs, gradients and a clipped SGD step against M separate :class:`~alfs_theory.experiments.models.CNN`
copies). What differs from separate runs is only that all models see the same sequence of
batches (the same data-order seed), which suits a grid that varies the loss or the noise.

Example
-------
>>> import torch
>>> from alfs_theory.experiments.stacked import StackedCNN
>>> net = StackedCNN.fresh(3, kind="mnist", K=10, seed=0)
>>> net(torch.zeros(4, 1, 28, 28)).shape
torch.Size([3, 4, 10])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError
from .models import CNN

__all__ = ["StackedCNN", "clip_grad_norm_per_model", "stacked_loss"]


class _StackedLinear(nn.Module):
    """M independent linear layers: weight (M, out, in), bias (M, out)."""

    def __init__(self, layers: Sequence[nn.Linear]):
        super().__init__()
        self.weight = nn.Parameter(torch.stack([m.weight.detach().clone() for m in layers]))
        self.bias = nn.Parameter(torch.stack([m.bias.detach().clone() for m in layers]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x (M, B, in) -> (M, B, out)
        return torch.baddbmm(self.bias.unsqueeze(1), x, self.weight.transpose(1, 2))


def _stack_bn(layers: Sequence[nn.modules.batchnorm._BatchNorm], cls) -> nn.Module:
    first = layers[0]
    bn = cls(first.num_features * len(layers), eps=first.eps, momentum=first.momentum)
    with torch.no_grad():
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(bn, name).copy_(torch.cat([getattr(m, name) for m in layers]))
        bn.num_batches_tracked.copy_(first.num_batches_tracked)
    return bn


def _stack_conv(layers: Sequence[nn.Conv2d]) -> nn.Conv2d:
    c = layers[0]
    M = len(layers)
    conv = nn.Conv2d(c.in_channels * M, c.out_channels * M, c.kernel_size, stride=c.stride,
                     padding=c.padding, groups=M, bias=c.bias is not None)
    with torch.no_grad():
        conv.weight.copy_(torch.cat([m.weight for m in layers]))
        if c.bias is not None:
            conv.bias.copy_(torch.cat([m.bias for m in layers]))
    return conv


class StackedCNN(nn.Module):
    """M copies of :class:`~alfs_theory.experiments.models.CNN` (``"mnist"`` or ``"cifar10"``) as one.

    Build it from existing models (:meth:`from_models`, weights copied) or fresh with the
    official initialisation of each copy (:meth:`fresh`). :meth:`unstack` gives the copies
    back as separate ``CNN`` modules (e.g. to evaluate or save one run).
    """

    def __init__(self, models: Sequence[CNN]):
        super().__init__()
        if not models:
            raise InputError("StackedCNN needs at least one model")
        kinds = {m.kind for m in models}
        Ks = {m.fc2.out_features for m in models}
        if len(kinds) != 1 or len(Ks) != 1:
            raise InputError(f"StackedCNN: every model must be the same CNN kind and K; got "
                             f"kinds {sorted(kinds)}, K {sorted(Ks)}")
        self.M = len(models)
        self.kind = models[0].kind
        self.K = Ks.pop()
        self.fc_size = models[0].fc_size
        self.in_channels = models[0].blocks[0].conv[0].in_channels
        layers: list[nn.Module] = []
        for parts in zip(*[m.blocks for m in models]):
            if isinstance(parts[0], nn.MaxPool2d):
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                continue
            convs = [p.conv[0] for p in parts]
            bns = [p.conv[1] for p in parts]
            layers += [_stack_conv(convs), _stack_bn(bns, nn.BatchNorm2d), nn.ReLU()]
        self.blocks = nn.Sequential(*layers)
        self.fc1 = _StackedLinear([m.fc1[0] for m in models])
        self.bn1 = _stack_bn([m.fc1[1] for m in models], nn.BatchNorm1d)
        self.fc2 = _StackedLinear([m.fc2 for m in models])
        self.hidden = models[0].fc1[0].out_features

    @classmethod
    def from_models(cls, models: Sequence[CNN]) -> StackedCNN:
        return cls(models)

    @classmethod
    def fresh(cls, M: int, *, kind: str = "mnist", K: int = 10, seed: int = 0) -> StackedCNN:
        """M copies with the official initialisation, model m seeded with ``seed + m``."""
        if int(M) < 1:
            raise InputError(f"StackedCNN needs M >= 1 models, got {M}")
        models = []
        for m in range(int(M)):
            torch.manual_seed(seed + m)
            models.append(CNN(kind, K))
        return cls(models)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, H, W), shared by every model -> logits (M, B, K)."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise InputError(f"StackedCNN({self.kind}) expects input (B, {self.in_channels}, "
                             f"H, W); got shape {tuple(x.shape)}")
        B = x.shape[0]
        h = self.blocks(x.repeat(1, self.M, 1, 1))  # (B, M*C, h, w): model m owns block m
        h = h.reshape(B, self.M, self.fc_size).transpose(0, 1)  # (M, B, fc)
        h = self.fc1(h)  # (M, B, hidden)
        h = self.bn1(h.transpose(0, 1).reshape(B, self.M * self.hidden))
        h = F.relu(h).reshape(B, self.M, self.hidden).transpose(0, 1)
        return self.fc2(h)

    def unstack(self) -> list[CNN]:
        """The M models as separate :class:`CNN` modules (weights and BN statistics copied)."""
        out = []
        sd = self.state_dict()
        M = self.M
        for m in range(M):
            ref = self.fc2.weight
            net = CNN(self.kind, self.K).to(device=ref.device, dtype=ref.dtype)
            target = net.state_dict()
            pairs, si = [], 0  # stacked blocks: conv, bn, relu per ConvBranch; pool as is
            for b, layer in enumerate(net.blocks):
                if isinstance(layer, nn.MaxPool2d):
                    si += 1
                    continue
                pairs += [(f"blocks.{b}.conv.0", f"blocks.{si}"),
                          (f"blocks.{b}.conv.1", f"blocks.{si + 1}")]
                si += 3
            new = {}
            for dst, src in pairs:
                for leaf in ("weight", "bias", "running_mean", "running_var",
                             "num_batches_tracked"):
                    key = f"{src}.{leaf}"
                    if key not in sd:
                        continue
                    v = sd[key]
                    new[f"{dst}.{leaf}"] = v.clone() if v.dim() == 0 else v.view(M, -1)[m].view(
                        target[f"{dst}.{leaf}"].shape).clone()
            new["fc1.0.weight"] = sd["fc1.weight"][m].clone()
            new["fc1.0.bias"] = sd["fc1.bias"][m].clone()
            for leaf in ("weight", "bias", "running_mean", "running_var"):
                new[f"fc1.1.{leaf}"] = sd[f"bn1.{leaf}"].view(M, -1)[m].clone()
            new["fc1.1.num_batches_tracked"] = sd["bn1.num_batches_tracked"].clone()
            new["fc2.weight"] = sd["fc2.weight"][m].clone()
            new["fc2.bias"] = sd["fc2.bias"][m].clone()
            net.load_state_dict(new)
            out.append(net)
        return out


def stacked_loss(loss_fn, logits: torch.Tensor, labels: torch.Tensor, **params) -> torch.Tensor:
    """Σ_m mean_b L(logits[m, b], labels[m, b]): each model's gradient is that of its own
    mean loss. ``logits`` (M, B, K), ``labels`` (M, B); returns the (M,) per-model means
    (sum them to backpropagate)."""
    M, B, K = logits.shape
    if tuple(labels.shape) != (M, B):
        raise InputError(f"stacked labels must have shape (M, B) = ({M}, {B}); got "
                         f"{tuple(labels.shape)}")
    per = loss_fn(logits.reshape(M * B, K), labels.reshape(M * B), **params)
    return per.reshape(M, B).mean(1)


def clip_grad_norm_per_model(model: StackedCNN, max_norm: float) -> torch.Tensor:
    """Clip each model's gradient to norm ``max_norm`` separately (as M separate runs of
    ``clip_grad_norm_`` would); returns the (M,) norms before clipping."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    M = model.M
    if not grads:
        return torch.zeros(M)
    sq = torch.stack([g.reshape(M, -1).pow(2).sum(1) for g in grads]).sum(0)
    norms = sq.sqrt()
    coef = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.view(M, -1).mul_(coef.unsqueeze(1))
    return norms
