"""The networks of the official ALFs/APL code, and a small MLP for the embedded 8×8 digits.

* ``"cnn-mnist"``: the 4-layer CNN used for MNIST (two conv-BN-ReLU + max-pool blocks,
  then FC 128 + BN + ReLU and a linear classifier), input 1×28×28.
* ``"cnn-cifar10"``: the 8-layer CNN used for CIFAR-10 (six conv-BN-ReLU layers in three
  pooled blocks of 64, 128 and 196 channels, then FC 256 + BN + ReLU and a classifier),
  input 3×32×32.
* ``"resnet34"``: the CIFAR-style ResNet-34 used for CIFAR-100 (3×3 stem, no max-pool,
  BasicBlocks [3, 4, 6, 3], 4×4 average pool), input 3×32×32.
* ``"mlp"``: a two-hidden-layer MLP (Linear-BN-ReLU, 256 units) for the embedded digits
  (any input shape, flattened); not in the official code, which has no CPU-sized data set.

Sources: ``models.py`` of github.com/hitcszx/ALFs (classes ``CNN(type='MNIST'|'CIFAR10')``,
``ResNet34``), itself taken from github.com/HanxunH/Active-Passive-Losses. Layer shapes and
weight initialisation (Kaiming-uniform, fan-in, for convolutions; Xavier-uniform for linear
layers; PyTorch defaults for biases and BatchNorm) follow that code. Two deliberate
differences: the classifier width follows ``K`` (the official CNN hard-codes 10 outputs),
and the input shape is checked when the model is built rather than failing at the first
forward pass.

Example
-------
>>> import torch
>>> from alfs_theory.experiments.models import make_model
>>> net = make_model("cnn-mnist", K=10, in_shape=(1, 28, 28))
>>> net.eval()(torch.zeros(2, 1, 28, 28)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError

__all__ = [
    "CNN",
    "MLP",
    "MODELS",
    "BasicBlock",
    "ResNet",
    "ResNet34",
    "count_parameters",
    "default_model_for",
    "make_model",
]


def _reset_params(module: nn.Module) -> None:
    """The official init: Kaiming-uniform (fan-in, ReLU) convs, Xavier-uniform linears."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_uniform_(m.weight, mode="fan_in", nonlinearity="relu")
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)


class ConvBranch(nn.Module):
    """Conv (same padding) → BatchNorm → ReLU; ``ConvBrunch`` in the official code."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size, padding=(kernel_size - 1) // 2),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class CNN(nn.Module):
    """The official ``CNN``: ``kind="mnist"`` (4 layers) or ``kind="cifar10"`` (8 layers)."""

    def __init__(self, kind: str = "cifar10", K: int = 10):
        super().__init__()
        self.kind = kind
        pool = nn.MaxPool2d(kernel_size=2, stride=2)
        if kind == "cifar10":
            self.blocks = nn.Sequential(
                ConvBranch(3, 64), ConvBranch(64, 64), pool,
                ConvBranch(64, 128), ConvBranch(128, 128), pool,
                ConvBranch(128, 196), ConvBranch(196, 196), pool,
            )
            self.fc_size, hidden = 4 * 4 * 196, 256
        elif kind == "mnist":
            self.blocks = nn.Sequential(
                ConvBranch(1, 32), pool,
                ConvBranch(32, 64), pool,
            )
            self.fc_size, hidden = 64 * 7 * 7, 128
        else:
            raise InputError(f"CNN kind must be 'mnist' or 'cifar10', got {kind!r}")
        self.fc1 = nn.Sequential(nn.Linear(self.fc_size, hidden), nn.BatchNorm1d(hidden),
                                 nn.ReLU())
        self.fc2 = nn.Linear(hidden, K)
        _reset_params(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # A ConvBranch followed by the pool runs as conv -> BN -> pool -> ReLU: ReLU is
        # monotone, so max-pool and ReLU commute exactly (values and gradients, ties
        # included: the pooled maximum is the same entry either way, and where it is <= 0
        # both orders pass no gradient), and ReLU and its backward touch a quarter of the
        # numbers. The modules and their state_dict keys are the official ones.
        blocks = list(self.blocks)
        i = 0
        while i < len(blocks):
            b = blocks[i]
            if (isinstance(b, ConvBranch) and i + 1 < len(blocks)
                    and isinstance(blocks[i + 1], nn.MaxPool2d)):
                conv, bn, relu = b.conv
                x = relu(blocks[i + 1](bn(conv(x))))
                i += 2
            else:
                x = b(x)
                i += 1
        return self.fc2(self.fc1(x.reshape(x.shape[0], self.fc_size)))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """CIFAR-style ResNet (kuangliu/pytorch-cifar, as in the ALFs and APL code)."""

    def __init__(self, num_blocks: Sequence[int], K: int = 10, in_channels: int = 3):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(64, num_blocks[0], 1)
        self.layer2 = self._make_layer(128, num_blocks[1], 2)
        self.layer3 = self._make_layer(256, num_blocks[2], 2)
        self.layer4 = self._make_layer(512, num_blocks[3], 2)
        self.linear = nn.Linear(512, K)
        _reset_params(self)

    def _make_layer(self, planes: int, n: int, stride: int) -> nn.Sequential:
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)
        return self.linear(out.reshape(out.shape[0], -1))


def ResNet34(K: int = 100) -> ResNet:
    return ResNet([3, 4, 6, 3], K=K)


class MLP(nn.Module):
    """Flatten → [Linear → BatchNorm → ReLU] × len(hidden) → Linear(K), for the 8×8 digits.

    BatchNorm as in the official CNNs' hidden layers: without it, bounded losses such as AGCE
    and MAE often stall on a few classes on digits (seed-dependent underfitting).
    """

    def __init__(self, n_inputs: int, K: int = 10, hidden: Sequence[int] = (256, 256),
                 batch_norm: bool = True):
        super().__init__()
        self.n_inputs = n_inputs
        layers: list[nn.Module] = []
        width = n_inputs
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(nn.ReLU())
            width = h
        layers.append(nn.Linear(width, K))
        self.net = nn.Sequential(*layers)
        _reset_params(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(x.shape[0], self.n_inputs))


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


# name -> (builder(K, in_shape), accepted input shapes, description)
MODELS: dict[str, tuple] = {
    "mlp": (lambda K, s: MLP(_numel(s), K), None,
            "2 hidden layers of 256 units (Linear-BN-ReLU); any input shape (flattened)"),
    "cnn-mnist": (lambda K, s: CNN("mnist", K), ((1, 28, 28),),
                  "official 4-layer CNN for MNIST, input 1x28x28"),
    "cnn-cifar10": (lambda K, s: CNN("cifar10", K), ((3, 32, 32),),
                    "official 8-layer CNN for CIFAR-10, input 3x32x32"),
    "resnet34": (lambda K, s: ResNet34(K), ((3, 32, 32),),
                 "CIFAR-style ResNet-34 used for CIFAR-100, input 3x32x32"),
}
"""Registered networks: name -> (builder, accepted input shapes or None for any, description)."""

_DEFAULT_FOR = {"digits": "mlp", "mnist": "cnn-mnist", "fashion-mnist": "cnn-mnist",
                "fashion_mnist": "cnn-mnist", "fmnist": "cnn-mnist",
                "cifar10": "cnn-cifar10", "cifar-10": "cnn-cifar10",
                "cifar100": "resnet34", "cifar-100": "resnet34"}


def default_model_for(dataset: str, in_shape: Sequence[int] | None = None) -> str:
    """The official network for a data set (MLP for digits and unknown flat inputs)."""
    key = str(dataset).strip().lower()
    if key in _DEFAULT_FOR:
        return _DEFAULT_FOR[key]
    if in_shape is not None:
        t = tuple(int(s) for s in in_shape)
        for name, (_, shapes, _) in MODELS.items():
            if shapes and t in shapes:
                return name
    return "mlp"


def make_model(name: str, K: int, in_shape: Sequence[int]) -> nn.Module:
    """Build network ``name`` for ``K`` classes and inputs of shape ``in_shape`` (no batch).

    Raises :class:`~alfs_theory.errors.InputError` for an unknown name, K < 2, or an input
    shape the network cannot take, saying what would pass.
    """
    key = str(name).strip().lower()
    if key not in MODELS:
        raise InputError(f"unknown model {name!r}; known models: "
                         + "; ".join(f"{k} ({v[2]})" for k, v in MODELS.items()))
    if isinstance(K, bool) or int(K) != K or K < 2:
        raise InputError(f"model {key}: K must be an integer >= 2 classes, got {K!r}")
    shape = tuple(int(s) for s in in_shape)
    builder, shapes, _ = MODELS[key]
    if shapes is not None and shape not in shapes:
        raise InputError(f"model {key} takes inputs of shape "
                         f"{' or '.join(str(s) for s in shapes)} (channels, height, width); "
                         f"got {shape}. Use model 'mlp' for other shapes")
    if not shape or _numel(shape) < 1:
        raise InputError(f"model {key}: input shape must be non-empty, got {shape}")
    return builder(int(K), shape)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
