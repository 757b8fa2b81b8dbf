"""Train a network on noisy labels with a registered loss, and write a run record.

One readable loop in the style of nanoGPT, with every default declared once
(:data:`COMMON_DEFAULTS`, :data:`PRESETS`):

* the official ALFs schedule: SGD with momentum 0.9, cosine annealing to 0 over the run
  (stepped once per epoch), batch 128, gradient-norm clip 5, and per data set
  (``theory.md``, "official hyperparameters"): MNIST 50 epochs, lr 0.01, weight decay 1e-3;
  CIFAR-10 120, 0.01, 1e-4; CIFAR-100 200, 0.1, 1e-5. Fashion-MNIST takes MNIST's. The
  embedded 8×8 digits take a short CPU preset (30 epochs, lr 0.05, weight decay 1e-4);
* every random draw follows the run's seed: the label noise (numpy, ``seed``), the initial
  weights (``torch.manual_seed(seed)``) and the batch order and augmentation (a CPU
  ``torch.Generator`` seeded with ``seed``). The official script ignores its ``--seed`` flag;
* the whole training set lives on the device as tensors; batches are index slices of a
  permutation (no ``DataLoader``). CIFAR runs use the official augmentation, done on the
  device (:data:`AUGMENTATIONS`): random crop with 4 pixels of padding and a horizontal flip
  (CIFAR-10), plus a random rotation within ±20° (CIFAR-100); padding and the rotation's
  corners take the value of a 0 (black) pixel, as the official code pads and rotates the
  image before ``Normalize``;
* ``preset="official"`` (``--preset official``) fills the loss parameters not given
  explicitly from the official configs (:mod:`alfs_theory.experiments.presets`); the record says which
  parameter came from where;
* inputs are standardised per channel with the training set's mean and standard deviation;
* a checkpoint (model, optimizer, scheduler, RNG states, epoch, metrics so far) is written
  atomically after every epoch, so a killed run resumes where it stopped and finishes with
  the same weights and metrics as an uninterrupted one (bit for bit on CPU);
* ``metrics.jsonl`` holds one line per epoch; ``record.json`` the full configuration, the
  nominal and actual noise rates, the sampling flavour, the empirical transition matrix, the
  last-epoch and best-epoch clean test accuracy (named as such), and the theory's prediction.

Example
-------
>>> from alfs_theory.experiments.train import TrainConfig, run_training
>>> cfg = TrainConfig(loss="agce", params={"a": 1, "q": 2}, noise="symmetric:0.6",
...                   dataset="digits", seed=0, epochs=2)
>>> rec = run_training(cfg, "/tmp/alfs-doc-run", progress=False)   # doctest: +SKIP
>>> rec["accuracy"]["last"]                                          # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AlfsError, DataError, InputError
from ..fileio import atomic_write, clean_stale_temps, jsonable
from .records import (  # noqa: F401 - re-exported: the run-record API predates records.py
    METRICS_FILE,
    RECORD_FILE,
    load_record,
    read_metrics,
    record_is_complete,
)

__all__ = [
    "AUGMENTATIONS",
    "COMMON_DEFAULTS",
    "PRESETS",
    "TrainConfig",
    "TrainingError",
    "canonical_dataset",
    "config_diff",
    "load_record",
    "param_sources",
    "read_metrics",
    "record_is_complete",
    "resolve_config",
    "run_identity",
    "run_training",
]

RECORD_FORMAT = 1
CHECKPOINT_FILE = "checkpoint.pt"

#: Defaults shared by every data set (the official ALFs training script's).
COMMON_DEFAULTS: dict[str, Any] = {
    "momentum": 0.9,
    "batch_size": 128,
    "grad_clip": 5.0,
    "augment": False,
}

#: Per-data-set presets. The first three are the official ALFs hyperparameters; ``digits`` is
#: a short CPU preset for the embedded 8×8 digits (chosen here: not from the paper).
PRESETS: dict[str, dict[str, Any]] = {
    "digits": {"epochs": 30, "lr": 0.05, "weight_decay": 1e-4},
    "mnist": {"epochs": 50, "lr": 0.01, "weight_decay": 1e-3},
    "fashion-mnist": {"epochs": 50, "lr": 0.01, "weight_decay": 1e-3},
    "cifar10": {"epochs": 120, "lr": 0.01, "weight_decay": 1e-4, "augment": True},
    "cifar100": {"epochs": 200, "lr": 0.1, "weight_decay": 1e-5, "augment": True},
}

#: Augmentation recipes (``TrainConfig.augmentation``): name -> (padding, rotation degrees,
#: description). Each is the official train transform's pixel moves, in its order (crop,
#: flip, rotation); the official code does them on the image before ``ToTensor`` and
#: ``Normalize``, so padding and the rotation's corners are black (a 0 pixel). Here the inputs
#: are standardised first and the fill is the standardised value of a 0 pixel: moving pixels
#: (nearest neighbour, no blending) commutes with a per-channel affine map, so the result is
#: the same.
AUGMENTATIONS: dict[str, tuple[int, float, str]] = {
    "crop4+flip": (4, 0.0, "RandomCrop(size, padding=4), RandomHorizontalFlip: the official "
                   "CIFAR-10 train transform (hitcszx/ALFs lnl/dataset.py)"),
    "crop4+flip+rot20": (4, 20.0, "RandomCrop(size, padding=4), RandomHorizontalFlip, "
                         "RandomRotation(20) (nearest, fill 0): the official CIFAR-100 train "
                         "transform (hitcszx/ALFs lnl/dataset.py)"),
}
_DATASET_AUGMENTATION = {"cifar100": "crop4+flip+rot20"}
_DEFAULT_AUGMENTATION = "crop4+flip"

_DATASET_K = {"digits": 10, "mnist": 10, "fashion-mnist": 10, "cifar10": 10, "cifar100": 100}
_DATASET_ALIASES = {"fashionmnist": "fashion-mnist", "fmnist": "fashion-mnist",
                    "fashion_mnist": "fashion-mnist", "cifar-10": "cifar10",
                    "cifar-100": "cifar100", "cifar_10": "cifar10", "cifar_100": "cifar100"}
AMP_CHOICES = ("bf16", "fp16")

# Fields that do not change what is computed: they may differ between a run and its resume.
_NOT_IDENTITY = ("device", "data_root", "threads", "keep_checkpoint", "predict",
                 "eval_batch_size")
# Fields added after runs were first recorded: left out of the identity when unset, so the
# runs and checkpoints written before them still match.
_IDENTITY_WHEN_SET = ("preset", "augmentation")


class TrainingError(AlfsError, RuntimeError):
    """A run that cannot start or continue (mismatched checkpoint, unusable device)."""


@dataclass
class TrainConfig:
    """Everything that defines a run. ``None`` means "take the data set's preset".

    Attributes
    ----------
    loss, params : a registered loss (``alfs list``) and its parameter values; missing
        parameters take the preset's values (``preset``), else the registry's defaults, and
        the record stores all of them and where each came from.
    preset : None, or ``"official"``: the loss parameters the official configs set for this
        (data set, loss) (:func:`alfs_theory.experiments.presets.official_params`) fill those not in
        ``params`` (an explicit value wins). A data set or loss without an official setting
        is refused (InputError naming those that have one). The record holds the preset's
        name and source.
    expr, domains : a loss typed as a formula in u (``"1 - u - 0.05*sin(2*pi*u)"``, class sums
        ``sum(g(v))`` allowed; parsed safely, never evaluated) with its parameters' domains
        (``{"a": "a > 0"}``); ``loss`` is then its name (not a registered one) and every
        parameter needs a value in ``params``. It trains through its composite torch form
        (:func:`alfs_theory.nn.compose.spec_torch`) and the record holds the formula.
    noise : ``clean``, ``symmetric:ETA``, ``pairflip:ETA``, ``asym:ETA`` or a matrix file
        (:data:`alfs_theory.noise.NOISE_FORMS`).
    sampling : ``per-sample`` (each label drawn from its row of T, from the original labels:
        the intended noise), ``exact-per-class``, ``symmetric-exact-cifar`` (exactly ⌊ηN/K⌋
        per class to a uniformly chosen other class), or ``published`` (the official code's
        noise draw for draw, quirks included: :func:`alfs_theory.noise.published_noise`).
    dataset, data_root, split_seed : data set name, folder of its files, and the seed of the
        digits train/test split and of the subsets (fixed across runs so seeds share data).
    train_subset, test_subset : use a class-stratified random subset of this many training
        (test) samples, drawn with ``split_seed``; None uses them all. For quick CPU runs on
        real data (e.g. Fashion-MNIST).
    seed : the run's seed (noise, initial weights, batch order, augmentation).
    model : a name from :data:`alfs_theory.experiments.models.MODELS`; None: the official one.
    epochs, lr, weight_decay, momentum, batch_size, grad_clip, augment : optimisation;
        ``grad_clip`` 0 disables clipping.
    augmentation : the recipe when ``augment`` is on (a key of :data:`AUGMENTATIONS`); None
        takes the data set's official one (CIFAR-100 ``crop4+flip+rot20``, else
        ``crop4+flip``).
    normalize : standardise inputs per channel with the training set's mean and std.
    device : ``auto`` (CUDA when present), ``cpu``, ``cuda`` or ``cuda:N``.
    amp : None, ``bf16`` or ``fp16`` (fp16 needs CUDA) autocast for forward passes.
    deterministic : on CUDA, ask cuDNN for deterministic kernels (slower).
    eval_train : also evaluate on the training set each epoch (noisy-label accuracy and
        memorisation of flipped samples).
    eval_batch_size, threads, keep_checkpoint, predict : bookkeeping that does not change
        the result (a run may resume with other values): evaluation batch (None: 256 rows on
        the CPU, where 1024-row chunks of the MNIST CNN take 2.6 times as long because oneDNN's
        working set leaves the cache, and 1024 on CUDA), torch CPU threads
        (None: :data:`~alfs_theory.nn.threads.DEFAULT_THREADS`, 1; the record keeps the number),
        keep ``checkpoint.pt`` after the run, ask the checker for its prediction.
    """

    loss: str = "ce"
    params: dict[str, float] = field(default_factory=dict)
    preset: str | None = None
    expr: str | None = None
    domains: dict[str, str] = field(default_factory=dict)
    noise: str = "clean"
    sampling: str = "per-sample"
    dataset: str = "digits"
    data_root: str | None = None
    split_seed: int = 0
    train_subset: int | None = None
    test_subset: int | None = None
    seed: int = 0
    model: str | None = None
    epochs: int | None = None
    lr: float | None = None
    weight_decay: float | None = None
    momentum: float | None = None
    batch_size: int | None = None
    grad_clip: float | None = None
    augment: bool | None = None
    augmentation: str | None = None
    normalize: bool = True
    device: str = "auto"
    amp: str | None = None
    deterministic: bool = False
    eval_train: bool = True
    eval_batch_size: int | None = None
    threads: int | None = None
    keep_checkpoint: bool = True
    predict: bool = True

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise InputError(f"unknown TrainConfig field(s) {sorted(unknown)}; "
                             f"fields: {sorted(names)}")
        return cls(**dict(d))


# ---------------------------------------------------------------------------------- helpers
def _atomic_torch_save(obj: Any, path: Path) -> None:
    import torch

    atomic_write(path, lambda f: torch.save(obj, f))


def canonical_dataset(name: str) -> str:
    """``"CIFAR-10"`` -> ``"cifar10"``; raises DataError naming the known data sets."""
    key = str(name).strip().lower()
    key = _DATASET_ALIASES.get(key, key)
    if key not in _DATASET_K:
        import difflib

        close = difflib.get_close_matches(key, list(_DATASET_K), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataError(f"unknown data set {name!r}{hint} Known: {', '.join(_DATASET_K)}")
    return key


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _positive(name: str, v: Any, *, allow_zero: bool = False, what: str = "") -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number{what}, got {v!r}") from None
    ok = math.isfinite(f) and (f >= 0 if allow_zero else f > 0)
    if not ok:
        raise InputError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}"
                         f"{what}, got {v!r}")
    return f


def loss_spec(c: TrainConfig):
    """The bound spec of a run's loss: registered (``loss``) or typed (``expr``)."""
    from ..registry import get_loss, list_losses

    if c.expr is None:
        return get_loss(c.loss).bind(**(c.params or {}))
    from ..userloss import loss_from_expression

    name = str(c.loss).strip()
    if name.lower() in list_losses():
        raise InputError(f"loss {name!r} names a registered loss; give the formula of expr its "
                         "own name (e.g. loss='user')")
    spec = loss_from_expression(str(c.expr), params=c.params, domains=c.domains, name=name)
    missing = [p for p in spec.param_names if p not in (c.params or {})]
    if missing:
        raise InputError(f"the formula {c.expr!r} has parameter(s) {missing} without a value: "
                         "give each in params (--param NAME=VALUE)")
    spec = spec.bind(**(c.params or {}))
    from ..checks.checker import admit

    # the spec gate, before any data loads: real and finite on the simplex, no pole inside
    # (0, 1] (`log(u-2)` is refused here, not trained on NaN)
    admit(spec, _DATASET_K.get(canonical_dataset(c.dataset), 10), timeout=60.0)
    return spec


def _preset_values(c: TrainConfig) -> dict[str, float]:
    """The parameters ``c.preset`` sets for ``c.loss`` on ``c.dataset`` (InputError naming what
    exists when there is no such setting)."""
    from .presets import preset_params

    if c.expr is not None:
        raise InputError(f"preset {c.preset!r} sets the parameters of registered losses; the "
                         f"typed formula {c.expr!r} has no official setting: drop the preset "
                         "and give its parameters with --param NAME=VALUE")
    return preset_params(c.preset, canonical_dataset(c.dataset), c.loss)


def param_sources(config: TrainConfig, spec=None) -> dict[str, str]:
    """Where each parameter of a run's loss comes from: ``explicit`` (in ``params``),
    ``preset`` (the preset filled it) or ``default`` (the registry's default).

    Give the configuration as asked for (before :func:`resolve_config`, which makes every
    parameter explicit); ``spec`` is its bound loss (looked up when None).
    """
    explicit = set(config.params or {})
    preset = set(_preset_values(config)) if config.preset is not None else set()
    if spec is None:
        spec = resolve_config(config)[1]
    return {p: "explicit" if p in explicit else "preset" if p in preset else "default"
            for p in spec.param_names}


def _loss_function(cfg: TrainConfig, spec) -> Callable:
    """(logits, labels) -> per-example losses: the fused twin, or the composite form of a
    typed formula."""
    if cfg.expr is not None:
        from ..nn.compose import spec_torch

        return spec_torch(spec)
    from ..nn.functional import get_twin

    twin, params = get_twin(cfg.loss), dict(cfg.params)
    return lambda logits, labels: twin(logits, labels, validate=False, **params)


def resolve_config(config: TrainConfig) -> tuple[TrainConfig, Any]:
    """Check every field and fill presets; returns (resolved config, bound loss spec).

    Nothing is computed and no data is read: this is the cheap validation done before a run.
    Raises an :class:`~alfs_theory.errors.AlfsError` subclass saying what would pass.
    """
    from ..noise import PUBLISHED_COVERS, SAMPLING_FLAVOURS, make_noise
    from .models import MODELS, default_model_for

    if not isinstance(config, TrainConfig):
        raise InputError(f"config must be a TrainConfig, got {type(config).__name__}")
    c = dataclasses.replace(config, params=dict(config.params or {}),
                            domains=dict(config.domains or {}))
    # a preset fills the parameters not given explicitly (explicit values win)
    if c.preset is not None:
        c.preset = str(c.preset).strip().lower()
        c.params = {**_preset_values(c), **c.params}
    # loss and parameters, through the registry or the formula (domains checked)
    spec = loss_spec(c)
    if c.expr is None:
        from ..nn.functional import get_twin

        get_twin(spec.name)  # MissingTwinError when the loss cannot be trained
    c.loss, c.params = spec.name, {k: float(v) for k, v in spec.value_dict.items()}
    # data set and presets
    c.dataset = canonical_dataset(c.dataset)
    preset = {**COMMON_DEFAULTS, **PRESETS[c.dataset]}
    for k, v in preset.items():
        if getattr(c, k) is None:
            setattr(c, k, v)
    from ..argtypes import SEED_MAX

    for name in ("seed", "split_seed"):
        v = getattr(c, name)
        if not _is_int(v) or not 0 <= v <= SEED_MAX:
            raise InputError(f"{name} must be an integer in [0, 2**64 - 1] (torch seeds are "
                             f"unsigned 64-bit), got {v!r}")
    if not _is_int(c.epochs) or c.epochs < 1:
        raise InputError(f"epochs must be an integer >= 1, got {c.epochs!r}")
    if not _is_int(c.batch_size) or c.batch_size < 2:
        raise InputError(f"batch_size must be an integer >= 2 (BatchNorm needs 2 samples), "
                         f"got {c.batch_size!r}")
    if c.eval_batch_size is not None and (not _is_int(c.eval_batch_size)
                                          or c.eval_batch_size < 1):
        raise InputError(f"eval_batch_size must be an integer >= 1 or None (256 on the CPU, "
                         f"1024 on CUDA), got {c.eval_batch_size!r}")
    from ..argtypes import MAX_LR

    c.lr = _positive("lr", c.lr, what=" (e.g. 0.01)")
    c.weight_decay = _positive("weight_decay", c.weight_decay, allow_zero=True)
    for name in ("lr", "weight_decay"):  # beyond it SGD overflows in the first step
        if getattr(c, name) > MAX_LR:
            raise InputError(f"{name} must be <= {MAX_LR:g}, got {getattr(c, name)!r} (the "
                             f"presets use 1e-5 to 0.1)")
    c.grad_clip = _positive("grad_clip", c.grad_clip, allow_zero=True,
                            what=" (0 disables clipping)")
    c.momentum = _positive("momentum", c.momentum, allow_zero=True)
    if c.momentum >= 1:
        raise InputError(f"momentum must lie in [0, 1), got {c.momentum}")
    for name in ("train_subset", "test_subset"):
        v = getattr(c, name)
        if v is not None and (not _is_int(v) or v < 2):
            raise InputError(f"{name} must be an integer >= 2 or None (all samples), got {v!r}")
    if c.threads is not None and (not _is_int(c.threads) or c.threads < 1):
        raise InputError(f"threads must be an integer >= 1 or None, got {c.threads!r}")
    c.augment, c.normalize = bool(c.augment), bool(c.normalize)
    if c.augment:
        if c.augmentation is None:
            c.augmentation = _DATASET_AUGMENTATION.get(c.dataset, _DEFAULT_AUGMENTATION)
        c.augmentation = str(c.augmentation).strip().lower()
        if c.augmentation not in AUGMENTATIONS:
            raise InputError(f"unknown augmentation {config.augmentation!r}; recipes: "
                             f"{', '.join(AUGMENTATIONS)} (None: the data set's official one)")
    elif c.augmentation is not None:
        raise InputError(f"augmentation {c.augmentation!r} is set but augment is off "
                         f"({c.dataset} does not augment by default): set augment=True too")
    # noise: parse now with the data set's K (the matrix is checked row-stochastic)
    if c.sampling not in SAMPLING_FLAVOURS:
        raise InputError(f"sampling must be one of {', '.join(SAMPLING_FLAVOURS)}; "
                         f"got {c.sampling!r}")
    c.noise = str(c.noise).strip()
    make_noise(c.noise, _DATASET_K[c.dataset], dataset=c.dataset)
    if c.sampling == "published":  # refused now, not after the data has been read
        kind = c.noise.lower().partition(":")[0].strip()
        if c.dataset not in ("cifar10", "cifar100", "mnist", "fashion-mnist") or \
                kind not in ("clean", "symmetric", "sym", "asym", "asymmetric"):
            raise InputError(f"sampling 'published' reproduces the official code only for "
                             f"{PUBLISHED_COVERS}; got data set {c.dataset!r} with noise "
                             f"{c.noise!r}. Use sampling 'per-sample' (the intended noise) "
                             "otherwise")
    if c.sampling == "symmetric-exact-cifar" and not c.noise.lower().startswith(("sym:",
                                                                               "symmetric:")):
        raise InputError(f"sampling 'symmetric-exact-cifar' needs noise symmetric:ETA, "
                         f"got {c.noise!r}; use sampling 'per-sample' or 'exact-per-class'")
    # model
    if c.model is None:
        c.model = default_model_for(c.dataset)
    c.model = str(c.model).strip().lower()
    if c.model not in MODELS:
        raise InputError(f"unknown model {config.model!r}; known: {', '.join(MODELS)}")
    # device and precision
    c.device = _check_device(c.device)
    if c.amp is not None:
        c.amp = str(c.amp).lower()
        if c.amp in ("none", "fp32", ""):
            c.amp = None
        elif c.amp not in AMP_CHOICES:
            raise InputError(f"amp must be one of {', '.join(AMP_CHOICES)} or None, "
                             f"got {config.amp!r}")
        elif c.amp == "fp16" and not c.device.startswith("cuda"):
            raise InputError("amp fp16 needs a CUDA device (it uses a gradient scaler); on "
                             "CPU use amp bf16 or none")
    # data folder: present when named
    if c.data_root is not None and c.dataset != "digits" and not os.path.isdir(c.data_root):
        raise DataError(f"data folder {c.data_root!r} does not exist; pass --data-root with "
                        f"the folder holding the {c.dataset} files (see alfs_theory.experiments.data)")
    return c, spec


def _check_device(device: str) -> str:
    import torch

    d = str(device or "auto").strip().lower()
    if d == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if d == "cpu":
        return d
    if d == "cuda" or d.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise InputError(f"device {device!r} asked for, but CUDA is not available here; "
                             "use --device cpu (or auto)")
        if ":" in d:
            try:
                idx = int(d.split(":", 1)[1])
            except ValueError:
                raise InputError(f"device {device!r}: expected cuda:N with N an integer") \
                    from None
            if not 0 <= idx < torch.cuda.device_count():
                raise InputError(f"device {device!r}: only {torch.cuda.device_count()} CUDA "
                                 "device(s) here")
        return d
    raise InputError(f"device must be auto, cpu, cuda or cuda:N; got {device!r}")


def run_identity(c: TrainConfig) -> dict[str, Any]:
    """The fields of a run's configuration that define its result (what a resumed or cached
    run must match); device, threads and bookkeeping fields are left out."""
    d = c.to_dict()
    for k in _NOT_IDENTITY:
        d.pop(k, None)
    for k in _IDENTITY_WHEN_SET:
        if d.get(k) is None:
            d.pop(k, None)
    return d


def config_diff(a: Mapping, b: Mapping) -> str:
    """The fields where two identities differ, as text for an error message."""
    keys = sorted(set(a) | set(b))
    return "; ".join(f"{k}: {a.get(k)!r} there vs {b.get(k)!r} now" for k in keys
                     if a.get(k) != b.get(k))


# ---------------------------------------------------------------------------------- progress
class _Progress:
    """Plain stderr progress: a ``\\r``-updated line on a terminal, one line per epoch else."""

    def __init__(self, enabled: bool, total_epochs: int, stream=None):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total = total_epochs
        self._last = 0.0

    def batch(self, epoch: int, i: int, n: int, loss_sum, correct, seen: int, t0: float) -> None:
        if not self.tty:
            return
        now = time.perf_counter()
        if now - self._last < 0.2 and i < n:
            return
        self._last = now
        loss, acc = float(loss_sum) / max(seen, 1), float(correct) / max(seen, 1)
        width = 20
        filled = int(width * i / max(n, 1))
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\repoch {epoch}/{self.total} [{bar}] {i}/{n}  loss {loss:.4f}  "
                          f"acc(noisy) {acc:.3f}  {now - t0:5.1f}s ")
        self.stream.flush()

    def epoch(self, m: dict) -> None:
        if not self.enabled:
            return
        mem = m.get("memorised")
        line = (f"epoch {m['epoch']}/{self.total}  loss {_fmt(m['train_loss'], '.4f')}  "
                f"train-acc(noisy) {_fmt(m.get('noisy_train_acc'), '.3f')}  "
                f"test-acc {_fmt(m['test_acc'], '.4f')}  memorised {_fmt(mem, '.3f')}  "
                f"lr {m['lr']:.4g}  {m['seconds']:.1f}s")
        self.stream.write(("\r" if self.tty else "") + line + ("\x1b[K" if self.tty else "")
                          + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            self.stream.write(text + "\n")
            self.stream.flush()


def _fmt(x: Any, spec: str) -> str:
    return "-" if x is None else format(x, spec)


# ---------------------------------------------------------------------------------- the loop
_PREDICTIONS: dict[tuple, dict] = {}


def _prediction(spec: Any, T: np.ndarray) -> dict:
    """The checker's verdict on noise tolerance for the nominal matrix (cached per process)."""
    key = (spec.name, tuple(sorted(spec.value_dict.items())), np.asarray(T).tobytes())
    if key in _PREDICTIONS:
        return dict(_PREDICTIONS[key])
    try:
        from ..checks.prediction import predict_noise_tolerance
    except ImportError as exc:
        return {"available": False, "tolerant": None, "verdict": None,
                "threshold_symmetric": None, "detail": f"prediction unavailable ({exc})"}
    try:
        out = dict(predict_noise_tolerance(spec, T))
    except Exception as exc:  # noqa: BLE001  (keep the finished run)
        return {"available": False, "tolerant": None, "verdict": None,
                "threshold_symmetric": None,
                "detail": f"prediction failed: {type(exc).__name__}: {exc}"}
    out.setdefault("available", True)
    _PREDICTIONS[key] = jsonable(out)
    return dict(_PREDICTIONS[key])


def _augment(xb, gen, pad: int = 4, fill=None, degrees: float = 0.0):
    """Random crop with padding ``pad``, horizontal flip, then (``degrees`` > 0) a rotation by
    an angle uniform in [-degrees, degrees], all drawn from ``gen`` (CPU), in the official
    order (RandomCrop, RandomHorizontalFlip, RandomRotation).

    ``fill`` (a scalar or one value per channel; default 0) is the value of the padding and
    of the rotation's corners: the standardised value of a 0 pixel reproduces the official
    transform, which pads and rotates before ``Normalize``.
    """
    import torch

    B, C, H, W = xb.shape
    flips = torch.rand(B, generator=gen) < 0.5
    offs = torch.randint(0, 2 * pad + 1, (B, 2), generator=gen)
    dev = xb.device
    f = _fill_tensor(fill, C, xb)
    xp = f.expand(B, C, H + 2 * pad, W + 2 * pad).clone()
    xp[:, :, pad:pad + H, pad:pad + W] = xb
    rows = (offs[:, 0:1] + torch.arange(H)).to(dev)            # B x H
    cols = offs[:, 1:2] + torch.arange(W)                      # B x W
    cols = torch.where(flips[:, None], cols.flip(1), cols).to(dev)
    b = torch.arange(B, device=dev)[:, None, None]
    out = xp.permute(0, 2, 3, 1)[b, rows[:, :, None], cols[:, None, :]]  # B x H x W x C
    out = out.permute(0, 3, 1, 2).contiguous()
    if degrees > 0:
        angles = (torch.rand(B, generator=gen, dtype=torch.float64) * 2 - 1) * float(degrees)
        out = _rotate(out, angles, f)
    return out


def _fill_tensor(fill, C: int, like):
    """``fill`` as a 1 x C x 1 x 1 tensor of ``like``'s dtype and device."""
    import torch

    if fill is None:
        fill = 0.0
    f = torch.as_tensor(fill, dtype=like.dtype).to(like.device).reshape(-1)
    if f.numel() == 1:
        f = f.expand(C)
    if f.numel() != C:
        raise InputError(f"fill needs 1 or {C} values (one per channel), got {f.numel()}")
    return f.reshape(1, C, 1, 1)


def _rotate(xb, angles_deg, fill=None):
    """Rotate each image of ``xb`` (B x C x H x W) counter-clockwise by ``angles_deg`` (B
    angles, degrees; PIL's and torchvision's sense) about its centre, nearest neighbour,
    pixels from outside the image taking ``fill``: ``RandomRotation``'s map for one angle."""
    import torch

    B, C, H, W = xb.shape
    th = torch.as_tensor(angles_deg, dtype=torch.float64).reshape(B, 1, 1) * (math.pi / 180)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    dy = (torch.arange(H, dtype=torch.float64) - cy)[None, :, None]
    dx = (torch.arange(W, dtype=torch.float64) - cx)[None, None, :]
    cos, sin = torch.cos(th), torch.sin(th)
    # the source of each output pixel: the inverse rotation, in row-down image coordinates
    sx = torch.floor(cos * dx - sin * dy + cx + 0.5).long()
    sy = torch.floor(sin * dx + cos * dy + cy + 0.5).long()
    inside = (sx >= 0) & (sx < W) & (sy >= 0) & (sy < H)        # B x H x W
    src = (sy.clamp(0, H - 1) * W + sx.clamp(0, W - 1)).reshape(B, 1, H * W)
    dev = xb.device
    src, inside = src.to(dev), inside.reshape(B, 1, H, W).to(dev)
    out = xb.reshape(B, C, H * W).gather(2, src.expand(B, C, H * W)).reshape(B, C, H, W)
    return torch.where(inside, out, _fill_tensor(fill, C, xb))


def _batches(n: int, batch_size: int, perm):
    """Index slices of ``perm``; a final batch of one sample joins the previous one
    (BatchNorm cannot train on a single sample)."""
    starts = list(range(0, n, batch_size))
    if len(starts) > 1 and n - starts[-1] < 2:
        starts.pop()
    ends = starts[1:] + [n]
    return [perm[s:e] for s, e in zip(starts, ends)]


def _evaluate(model, x, batch_size: int, amp_ctx):
    """Predicted classes for ``x`` (eval mode, no grad)."""
    import torch

    model.eval()
    preds = []
    with torch.no_grad(), amp_ctx():
        for s in range(0, len(x), batch_size):
            preds.append(model(x[s:s + batch_size]).argmax(1))
    pred = torch.cat(preds) if preds else torch.empty(0, dtype=torch.long, device=x.device)
    return pred


def _stratified(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a class-stratified random subset of size ``min(n, len(y))``, sorted."""
    if n >= len(y):
        return np.arange(len(y))
    classes, counts = np.unique(y, return_counts=True)
    quota = n * counts / counts.sum()
    take = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[:n - int(take.sum())]] += 1
    idx = [rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)]
    return np.sort(np.concatenate(idx))


def _subsets(ds, n_train: int | None, n_test: int | None, seed: int):
    rng = np.random.default_rng([seed, 1])
    tr = _stratified(ds.y_train, n_train, rng) if n_train else np.arange(ds.n_train)
    te = _stratified(ds.y_test, n_test, rng) if n_test else np.arange(ds.n_test)
    return dataclasses.replace(ds, x_train=ds.x_train[tr], y_train=ds.y_train[tr],
                               x_test=ds.x_test[te], y_test=ds.y_test[te],
                               extra={**ds.extra, "train_subset": n_train, "test_subset": n_test})


def _labels_hash(y: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(y, dtype=np.int64).tobytes()).hexdigest()


def run_training(config: TrainConfig, out_dir: str | os.PathLike, progress: bool = True, *,
                 stop_after: int | None = None,
                 on_epoch: Callable[[dict], None] | None = None) -> dict:
    """Train one run and write ``out_dir/{metrics.jsonl, checkpoint.pt, record.json}``.

    Everything is validated before any compute (loss and parameters, noise model and rate,
    sampling flavour, data set and folder, model and input shape, device, precision). A run
    whose ``record.json`` is complete is not redone: its record is returned. A run with a
    checkpoint resumes from it (the configuration must match, apart from device, threads and
    bookkeeping fields).

    Parameters
    ----------
    config : the run (see :class:`TrainConfig`).
    out_dir : its folder (created).
    progress : print progress to stderr.
    stop_after : stop after this epoch, leaving a checkpoint and no record, exactly as if the
        process had been killed then (for tests and for splitting long runs).
    on_epoch : called with each epoch's metrics dict.

    Returns
    -------
    The record (also written to ``record.json``), or when stopped early a dict with
    ``complete: False`` and the epoch reached.
    """
    import torch

    cfg, spec = resolve_config(config)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output path {str(out)!r} exists and is not a folder")
    clean_stale_temps(out)  # what a killed run left half-written (never a live writer's)
    if (out / RECORD_FILE).exists():
        rec, old, problem = None, None, None
        try:
            rec = load_record(out, complete=True)
            old = TrainConfig.from_dict(rec["config"])
        except (OSError, AlfsError, TypeError, ValueError) as exc:
            problem = str(exc)
        if problem is not None:  # a corrupt record is not a finished run: train it again
            if progress:
                print(f"{out / RECORD_FILE} is corrupt or unfinished ({problem}); the run is "
                      "trained again and the record rewritten", file=sys.stderr, flush=True)
        else:
            if run_identity(old) != run_identity(cfg):
                raise TrainingError(
                    f"{out} holds a finished run with a different configuration "
                    f"({config_diff(run_identity(old), run_identity(cfg))}); use another output folder")
            return rec
    if stop_after is not None and (not _is_int(stop_after) or stop_after < 0):
        raise InputError(f"stop_after must be an integer >= 0 or None, got {stop_after!r}")

    # ---- data and noise (validated before compute: missing files, shapes, K)
    from ..nn.threads import set_threads
    from ..noise import apply_noise, empirical_matrix
    from .data import load_dataset
    from .models import count_parameters, make_model

    try:
        ds = load_dataset(cfg.dataset, cfg.data_root, seed=cfg.split_seed)
    except DataError as exc:
        if cfg.data_root is not None:
            raise
        raise DataError(f"{exc}. Pass --data-root DIR (TrainConfig.data_root) naming the "
                        "folder that holds the files") from None
    if cfg.train_subset is not None or cfg.test_subset is not None:
        ds = _subsets(ds, cfg.train_subset, cfg.test_subset, cfg.split_seed)
    if ds.K != _DATASET_K[cfg.dataset]:
        raise DataError(f"{cfg.dataset}: expected K = {_DATASET_K[cfg.dataset]}, "
                        f"files give {ds.K}")
    if ds.n_train < 2 or ds.n_test < 1:
        raise DataError(f"{cfg.dataset}: need at least 2 training and 1 test sample, got "
                        f"{ds.n_train} and {ds.n_test}")
    make_model(cfg.model, ds.K, ds.input_shape)  # shape check, before any training
    y_clean = ds.y_train
    y_noisy, noise_info = apply_noise(y_clean, cfg.noise, ds.K, cfg.seed, dataset=cfg.dataset,
                                      sampling=cfg.sampling, fine_to_coarse=ds.fine_to_coarse)
    labels_hash = _labels_hash(y_noisy)

    # ---- checkpoint from an interrupted run
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / CHECKPOINT_FILE
    ckpt = None
    if ckpt_path.exists():
        try:
            ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001  (say which file, what to do)
            raise TrainingError(f"cannot read checkpoint {ckpt_path}: {exc}; delete it to "
                                "start the run again") from None
        if ckpt.get("identity") != run_identity(cfg):
            raise TrainingError(
                f"{out} holds a checkpoint of a different configuration "
                f"({config_diff(ckpt.get('identity') or {}, run_identity(cfg))}); use another output "
                "folder, or delete the checkpoint to start over")
        if ckpt.get("labels_hash") != labels_hash:
            raise TrainingError(f"{ckpt_path}: the noisy labels differ from the checkpoint's "
                                "(data files changed?); delete the checkpoint to start over")

    # ---- device, tensors, model, optimiser
    device = torch.device(cfg.device)
    threads = set_threads(cfg.threads)  # 1 per run unless asked: small models, shared cores
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = not cfg.deterministic
        torch.backends.cudnn.deterministic = cfg.deterministic
    x_train = torch.from_numpy(np.ascontiguousarray(ds.x_train)).to(device)
    x_test = torch.from_numpy(np.ascontiguousarray(ds.x_test)).to(device)
    norm = None
    zero_pixel = [0.0] * ds.input_shape[0]  # the value a 0 (black) pixel has after standardising
    if cfg.normalize:
        xt = ds.x_train.astype(np.float64)
        mean = xt.mean(axis=(0, 2, 3))
        std = xt.std(axis=(0, 2, 3))
        std = np.where(std > 0, std, 1.0)
        norm = {"mean": mean.tolist(), "std": std.tolist()}
        m = torch.tensor(mean, dtype=torch.float32, device=device)[None, :, None, None]
        s = torch.tensor(std, dtype=torch.float32, device=device)[None, :, None, None]
        x_train, x_test = (x_train - m) / s, (x_test - m) / s
        zero_pixel = ((0.0 - mean) / std).tolist()
    aug = None
    if cfg.augment:
        pad, degrees, description = AUGMENTATIONS[cfg.augmentation]
        aug = {"recipe": cfg.augmentation, "description": description, "padding": pad,
               "rotation_degrees": degrees, "fill": zero_pixel,
               "fill_meaning": "padding and rotation corners: the standardised value of a 0 "
                               "(black) pixel, as the official code pads before Normalize"}
        fill_t = torch.tensor(zero_pixel, dtype=torch.float32, device=device)
    yn = torch.from_numpy(y_noisy).to(device)
    yc = torch.from_numpy(y_clean).to(device)
    yt = torch.from_numpy(ds.y_test).to(device)
    flipped = yn != yc
    n_flipped = int(flipped.sum())

    torch.manual_seed(cfg.seed)
    model = make_model(cfg.model, ds.K, ds.input_shape).to(device)
    # Convolutions on images run channels-last (NHWC): oneDNN's convolutions, BatchNorm and
    # max-pooling are vectorised over channels that way (the MNIST CNN's training step in
    # 0.55-0.65 of the time on one CPU thread); the numbers are the same up to float rounding
    # and the module, its state_dict and its checkpoints are unchanged.
    channels_last = x_train.dim() == 4 and any(isinstance(mod, torch.nn.Conv2d)
                                               for mod in model.modules())
    eval_batch = cfg.eval_batch_size or (1024 if device.type == "cuda" else 256)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x_train = x_train.contiguous(memory_format=torch.channels_last)
        x_test = x_test.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                          weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs, eta_min=0.0)
    gen = torch.Generator().manual_seed(cfg.seed)
    scaler = torch.amp.GradScaler(device.type, enabled=cfg.amp == "fp16")
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(cfg.amp or "")

    def amp_ctx():
        return torch.autocast(device.type, dtype=amp_dtype, enabled=amp_dtype is not None)

    loss_fn = _loss_function(cfg, spec)
    start, history, seconds_before = 0, [], 0.0
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        gen.set_state(ckpt["generator"])
        torch.set_rng_state(ckpt["torch_rng"])
        if device.type == "cuda" and ckpt.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(ckpt["cuda_rng"], device)
        start, history = int(ckpt["epoch"]), list(ckpt["history"])
        seconds_before = float(ckpt.get("seconds", 0.0))
        _write_metrics(out, history)
    prog = _Progress(progress, cfg.epochs)
    if ckpt is not None:
        prog.note(f"resuming {out} from epoch {start}/{cfg.epochs}")

    n = len(x_train)
    status = "finished"
    for epoch in range(start + 1, cfg.epochs + 1):
        if stop_after is not None and epoch > stop_after:
            return {"complete": False, "epoch": epoch - 1, "out_dir": str(out)}
        t0 = time.perf_counter()
        model.train()
        lr_now = opt.param_groups[0]["lr"]
        perm = torch.randperm(n, generator=gen).to(device)  # one copy per epoch
        batches = _batches(n, cfg.batch_size, perm)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        correct = torch.zeros((), dtype=torch.long, device=device)
        seen = 0
        for i, idx in enumerate(batches, 1):
            xb, yb = x_train.index_select(0, idx), yn.index_select(0, idx)
            if aug is not None:
                xb = _augment(xb, gen, aug["padding"], fill_t, aug["rotation_degrees"])
            if channels_last:  # index_select and the augmentation give NCHW back
                xb = xb.contiguous(memory_format=torch.channels_last)
            with amp_ctx():
                logits = model(xb)
                loss = loss_fn(logits, yb).mean()
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if cfg.grad_clip > 0:
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            scaler.step(opt)
            scaler.update()
            loss_sum += loss.detach().double() * len(idx)
            correct += (logits.detach().argmax(1) == yb).sum()
            seen += len(idx)
            prog.batch(epoch, i, len(batches), loss_sum, correct, seen, t0)
        sched.step()
        train_loss = float(loss_sum) / seen
        pred_test = _evaluate(model, x_test, eval_batch, amp_ctx)
        test_acc = float((pred_test == yt).double().mean())
        m = {"epoch": epoch, "train_loss": train_loss, "test_acc": test_acc,
             "noisy_train_acc": None, "clean_train_acc": None, "memorised": None}
        if cfg.eval_train:
            pred_tr = _evaluate(model, x_train, eval_batch, amp_ctx)
            m["noisy_train_acc"] = float((pred_tr == yn).double().mean())
            m["clean_train_acc"] = float((pred_tr == yc).double().mean())
            if n_flipped:
                m["memorised"] = float((pred_tr[flipped] == yn[flipped]).double().mean())
        m["lr"] = lr_now
        m["seconds"] = time.perf_counter() - t0
        m = jsonable(m)
        history.append(m)
        if not math.isfinite(train_loss):
            status = "diverged"
        _atomic_torch_save({
            "format": RECORD_FORMAT, "epoch": epoch, "identity": run_identity(cfg),
            "labels_hash": labels_hash, "model": model.state_dict(),
            "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "scaler": scaler.state_dict(), "generator": gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
            "history": history,
            "seconds": seconds_before + sum(h["seconds"] for h in history[start:]),
        }, ckpt_path)
        _write_metrics(out, history)
        prog.epoch(m)
        if on_epoch is not None:
            on_epoch(m)
        if status == "diverged":
            prog.note(f"training loss is not finite at epoch {epoch}: stopping (try a lower "
                      "lr, or no amp)")
            break

    # ---- record
    accs = [(h["test_acc"], h["epoch"]) for h in history if h["test_acc"] is not None]
    best_acc, best_epoch = max(accs, key=lambda t: (t[0], -t[1])) if accs else (None, None)
    last = history[-1] if history else {}
    T = noise_info["T_row"]
    eta = None
    kind, sep, rest = cfg.noise.lower().partition(":")
    if sep:
        try:
            eta = float(rest)
        except ValueError:
            eta = None
    preset = None
    if cfg.preset is not None:
        from .presets import preset_dataset, preset_params, preset_source

        preset = {"name": cfg.preset, "dataset": preset_dataset(cfg.dataset),
                  "params": preset_params(cfg.preset, cfg.dataset, cfg.loss),
                  "source": preset_source(cfg.dataset, cfg.loss, cfg.preset)}
    record = {
        "complete": True,
        "status": status,
        "format": RECORD_FORMAT,
        "config": cfg.to_dict(),
        "loss": {"name": spec.name, "params": dict(cfg.params), "title": spec.title,
                 "formula": spec.formula_text(),
                 "param_sources": param_sources(config, spec),
                 **({"expr": cfg.expr, "domains": dict(cfg.domains)} if cfg.expr else {})},
        "dataset": {"name": ds.name, "K": ds.K, "n_train": ds.n_train, "n_test": ds.n_test,
                    "input_shape": list(ds.input_shape), "source": ds.source,
                    "normalisation": norm},
        "preset": preset,
        "augmentation": aug,
        "model": {"name": cfg.model, "parameters": count_parameters(model)},
        "noise": {
            "spec": cfg.noise, "kind": kind if sep else cfg.noise, "eta": eta,
            "description": noise_info["description"],
            "sampling": noise_info["sampling"],
            "nominal_rate": noise_info["nominal_rate"],
            "nominal_rate_meaning": "expected fraction of training labels changed under T "
                                    "(1 - sum_i prior_i T[i,i], empirical class prior)",
            "actual_rate": noise_info["actual_rate"],
            "actual_rate_meaning": "fraction of training labels actually changed",
            "n_flipped": n_flipped,
            "transition_matrix": T,
            "empirical_matrix": empirical_matrix(y_clean, y_noisy, ds.K),
            "orientation": "row-stochastic T[true, noisy]",
            "labels_sha256": labels_hash,
            **({"intended_matrix": noise_info["T_intended"],
                "intended_description": noise_info["intended_description"],
                "published": {k: v for k, v in noise_info["published"].items()
                              if k != "T_row"}}
               if "published" in noise_info else {}),
        },
        "accuracy": {
            "last": last.get("test_acc"), "last_epoch": last.get("epoch"),
            "best": best_acc, "best_epoch": best_epoch,
            "meaning": "clean test accuracy; 'last' after the final epoch (no selection on "
                       "the test set), 'best' the maximum over epochs (selected on the test "
                       "set, so optimistic)",
        },
        "final": last,
        "prediction": _prediction(spec, T) if cfg.predict else
        {"available": False, "tolerant": None, "verdict": None, "threshold_symmetric": None,
         "detail": "prediction not asked for"},
        "environment": {"python": platform.python_version(), "torch": torch.__version__,
                        "numpy": np.__version__, "device": str(device),
                        "device_name": (torch.cuda.get_device_name(device)
                                        if device.type == "cuda" else platform.processor()),
                        **threads,
                        "memory_format": "channels_last" if channels_last else "contiguous",
                        "eval_batch_size": eval_batch},
        "timing": {"train_seconds": sum(h["seconds"] for h in history),
                   "resumed_from_epoch": start if ckpt is not None else None},
    }
    record = jsonable(record)
    atomic_write(out / RECORD_FILE, json.dumps(record, indent=2) + "\n")
    if not cfg.keep_checkpoint:
        ckpt_path.unlink(missing_ok=True)
    return record


def _write_metrics(out: Path, history: list[dict]) -> None:
    atomic_write(out / METRICS_FILE,
                       "".join(json.dumps(h, sort_keys=False) + "\n" for h in history))
