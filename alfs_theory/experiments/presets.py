"""Loss parameters as the official experiments set them, per data set (torch-free).

The ``official`` preset holds the loss parameters of the official ALFs code
(github.com/hitcszx/ALFs, ``config.py``: ``MNIST_CONFIG``, ``CIFAR10_CONFIG``,
``CIFAR100_CONFIG``), the values behind the ICML 2021 paper's tables. Each entry names its
source. Where ``config.py`` builds a loss without stating a parameter (``GCELoss(num_classes=10)``)
the value is that class's default as the repository's ``lnl/losses.py`` declares it, and the
source says so. Fashion-MNIST has no official setting of its own: it takes MNIST's, as the
training schedule does (:data:`alfs_theory.experiments.train.PRESETS`).

Losses the official configs do not set (AMSE and the JAL pairs, ANL, the NFL+asymmetric pairs,
NFL+MAE, RCE, ...) have no entry: asking for one raises :class:`~alfs_theory.errors.InputError`
naming what exists, never a made-up value.

>>> official_params("cifar10", "nce+agce")
{'alpha': 1.0, 'beta': 4.0, 'a': 6.0, 'q': 1.5}
>>> official_params("fashion-mnist", "agce")
{'a': 4.0, 'q': 0.2}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ..errors import InputError

__all__ = [
    "OFFICIAL_PRESETS",
    "PRESET_NAMES",
    "Preset",
    "official_params",
    "preset_dataset",
    "preset_markdown",
    "preset_params",
    "preset_rows",
    "preset_source",
]


class Preset(NamedTuple):
    """One (data set, loss) setting: its parameter values and where they come from."""

    params: Mapping[str, float]
    source: str
    note: str = ""


_CFG = "hitcszx/ALFs config.py (commit 898961f), {table}"
_DEFAULT = ("hitcszx/ALFs config.py (commit 898961f), {table}, builds {cls}(num_classes=K) "
            "without {what}: the class default in hitcszx/ALFs lnl/losses.py (commit 1c795f9)")
_MAE_NOTE = ("official MAELoss has scale 2 (2 - 2u); ours is 1 - u, a positive multiple "
             "(the same minimiser; under gradient clipping and a fixed lr the step differs)")
_SCE_NOTE = ("config.py's own losses.py is not in the stored repository; lnl/losses.py's "
             "SCELoss defaults (a = b = 1) are taken. Ma et al.'s APL configs use other values")
_AGCE_C100_NOTE = "config.py gives AGCE, AUL and AEL alone the same values on CIFAR-10 and -100"


def _table(K: int, table: str) -> dict[str, Preset]:
    """The entries of one official table (config.py's MNIST_CONFIG, ...)."""
    src = _CFG.format(table=table)

    def dflt(cls: str, what: str) -> str:
        return _DEFAULT.format(table=table, cls=cls, what=what).replace("=K", f"={K}")

    rows: dict[str, Preset] = {
        "ce": Preset({}, src + ", nn.CrossEntropyLoss()"),
        "fl": Preset({"gamma": 0.5}, src + ", FocalLoss(gamma=0.5)"),
        "mae": Preset({}, src + ", MAELoss", _MAE_NOTE),
        "gce": Preset({"q": 0.7}, dflt("GCELoss", "q")),
        "sce": Preset({"alpha": 1.0, "beta": 1.0}, dflt("SCELoss", "a, b"), _SCE_NOTE),
        "nfl": Preset({"gamma": 0.5}, src + ", NormalizedFocalLoss(gamma=0.5)"),
        "ngce": Preset({"q": 0.7}, dflt("NGCELoss", "q")),
        "nce": Preset({}, src + ", NCELoss"),
    }
    return rows


def _with(rows: dict[str, Preset], table: str, values: Mapping[str, Mapping[str, float]],
          notes: Mapping[str, str] | None = None) -> dict[str, Preset]:
    src = _CFG.format(table=table)
    names = {"ael": "AEL", "aul": "AUL", "agce": "AGCE", "nfl+rce": "NFL+RCE",
             "nce+mae": "NCEandMAE", "nce+rce": "NCEandRCE", "nce+agce": "NCEandAGCE",
             "nce+aul": "NCEandAUL", "nce+ael": "NCEandAEL"}
    out = dict(rows)
    for loss, params in values.items():
        out[loss] = Preset({k: float(v) for k, v in params.items()},
                           f"{src}, key {names[loss]!r}", (notes or {}).get(loss, ""))
    return out


#: preset data set -> loss (our registry name) -> :class:`Preset`.
OFFICIAL_PRESETS: dict[str, dict[str, Preset]] = {
    "mnist": _with(_table(10, "MNIST_CONFIG"), "MNIST_CONFIG", {
        "ael": {"a": 3.5},
        "aul": {"a": 3, "q": 0.1},
        "agce": {"a": 4, "q": 0.2},
        "nfl+rce": {"alpha": 1, "beta": 100, "gamma": 0.5},
        "nce+mae": {"alpha": 1, "beta": 100},
        "nce+rce": {"alpha": 1, "beta": 100},
        "nce+agce": {"alpha": 0, "beta": 1, "a": 4, "q": 0.2},
        "nce+aul": {"alpha": 0, "beta": 1, "a": 3, "q": 0.1},
        "nce+ael": {"alpha": 0, "beta": 1, "a": 3.5},
    }, {k: "alpha = 0: the official MNIST setting is the asymmetric loss alone"
        for k in ("nce+agce", "nce+aul", "nce+ael")}),
    "cifar10": _with(_table(10, "CIFAR10_CONFIG"), "CIFAR10_CONFIG", {
        "ael": {"a": 2.5},
        "aul": {"a": 5.5, "q": 3},
        "agce": {"a": 0.6, "q": 0.6},
        "nfl+rce": {"alpha": 1, "beta": 1, "gamma": 0.5},
        "nce+mae": {"alpha": 1, "beta": 1},
        "nce+rce": {"alpha": 1, "beta": 1},
        "nce+agce": {"alpha": 1, "beta": 4, "a": 6, "q": 1.5},
        "nce+aul": {"alpha": 1, "beta": 4, "a": 6.3, "q": 1.5},
        "nce+ael": {"alpha": 1, "beta": 4, "a": 5},
    }),
    "cifar100": _with(_table(100, "CIFAR100_CONFIG"), "CIFAR100_CONFIG", {
        "ael": {"a": 2.5},
        "aul": {"a": 5.5, "q": 3},
        "agce": {"a": 0.6, "q": 0.6},
        "nfl+rce": {"alpha": 10, "beta": 1, "gamma": 0.5},
        "nce+mae": {"alpha": 10, "beta": 1},
        "nce+rce": {"alpha": 10, "beta": 1},
        "nce+agce": {"alpha": 10, "beta": 0.1, "a": 1.8, "q": 3},
        "nce+aul": {"alpha": 10, "beta": 0.015, "a": 6, "q": 3},
        "nce+ael": {"alpha": 10, "beta": 0.1, "a": 1.5},
    }, {k: _AGCE_C100_NOTE for k in ("ael", "aul", "agce")}),
}

#: preset name -> its table (``TrainConfig.preset``, ``--preset``).
PRESET_NAMES: dict[str, dict[str, dict[str, Preset]]] = {"official": OFFICIAL_PRESETS}

# data set names as the training code spells them -> the preset data set whose values apply
_DATASET_TO_PRESET = {"mnist": "mnist", "fashion-mnist": "mnist", "cifar10": "cifar10",
                      "cifar100": "cifar100"}
_SPELLINGS = {"mnist": "mnist", "fashionmnist": "fashion-mnist", "fmnist": "fashion-mnist",
              "cifar10": "cifar10", "cifar100": "cifar100"}
_TRAINABLE_WITHOUT_PRESET = ("digits",)


def _dataset_key(dataset: str) -> str:
    """Our data set name (``CIFAR-10`` -> ``cifar10``, ``fmnist`` -> ``fashion-mnist``)."""
    raw = str(dataset).strip().lower()
    squashed = raw.replace("-", "").replace("_", "").replace(" ", "")
    return _SPELLINGS.get(squashed, raw)


def _covered() -> str:
    return "mnist, fashion-mnist (MNIST's values), cifar10, cifar100"


def preset_dataset(dataset: str) -> str:
    """The preset data set whose values ``dataset`` takes (``fashion-mnist`` -> ``mnist``);
    raises InputError naming the data sets that have a preset."""
    key = _dataset_key(dataset)
    if key not in _DATASET_TO_PRESET:
        why = (" (the embedded 8x8 digits are this package's CPU stand-in, not an official "
               "experiment)" if key in _TRAINABLE_WITHOUT_PRESET else "")
        raise InputError(f"no official preset for data set {dataset!r}{why}; the official "
                         f"configs set loss parameters for {_covered()}. Drop the preset and "
                         "give the parameters explicitly (--param NAME=VALUE)")
    return _DATASET_TO_PRESET[key]


def _loss_key(loss: str) -> tuple[str, bool]:
    """Our registry name for ``loss`` (aliases such as ``aue`` -> ``aul``) and whether the
    registry knows it."""
    name = str(loss).strip().lower()
    try:
        from ..registry import get_loss

        return get_loss(name).name, True
    except Exception:  # noqa: BLE001 - an unknown name is reported by the caller
        return name, False


def _table_of(preset: str) -> dict[str, dict[str, Preset]]:
    key = str(preset).strip().lower()
    if key not in PRESET_NAMES:
        raise InputError(f"unknown preset {preset!r}; presets: {', '.join(PRESET_NAMES)}")
    return PRESET_NAMES[key]


def _entry(dataset: str, loss: str, preset: str = "official") -> Preset:
    table = _table_of(preset)
    ds = preset_dataset(dataset)
    name, known = _loss_key(loss)
    rows = table[ds]
    if name not in rows:
        why = "the official config sets none" if known else \
            "not a registered loss: alfs list shows them"
        raise InputError(f"no {preset} preset for loss {loss!r} on {_dataset_key(dataset)} "
                         f"({why}); losses with one there: "
                         f"{', '.join(sorted(rows))}. Drop the preset and give the parameters "
                         "explicitly (--param NAME=VALUE)")
    return rows[name]


def preset_params(preset: str, dataset: str, loss: str) -> dict[str, float]:
    """The parameters preset ``preset`` sets for ``loss`` on ``dataset`` (a fresh dict)."""
    return dict(_entry(dataset, loss, preset).params)


def official_params(dataset: str, loss: str) -> dict[str, float]:
    """The official parameters of ``loss`` on ``dataset`` (a fresh dict, floats).

    Raises InputError naming the data set or loss and listing what exists.
    """
    return preset_params("official", dataset, loss)


def preset_source(dataset: str, loss: str, preset: str = "official") -> str:
    """Where the preset's values for (``dataset``, ``loss``) come from (repository and path,
    with the note on what differs from our definition when there is one)."""
    e = _entry(dataset, loss, preset)
    ds = _dataset_key(dataset)
    src = e.source if ds == preset_dataset(dataset) else \
        f"{ds} takes {preset_dataset(dataset)}'s setting: {e.source}"
    return f"{src} ({e.note})" if e.note else src


def preset_rows(preset: str = "official") -> list[dict]:
    """One row per (data set, loss) of a preset, for the docs: data set, loss, parameters,
    source, note."""
    table = _table_of(preset)
    return [{"dataset": ds, "loss": loss, "params": dict(e.params), "source": e.source,
             "note": e.note} for ds, rows in table.items() for loss, e in rows.items()]


def preset_markdown(preset: str = "official") -> str:
    """The preset as a markdown table (data set, loss, parameters, source)."""
    lines = ["| data set | loss | parameters | source |", "|---|---|---|---|"]
    for r in preset_rows(preset):
        ps = ", ".join(f"{k} = {v:g}" for k, v in r["params"].items()) or "(none)"
        src = r["source"] + (f"; {r['note']}" if r["note"] else "")
        lines.append(f"| {r['dataset']} | {r['loss']} | {ps} | {src} |")
    lines.append("")
    lines.append("Fashion-MNIST takes MNIST's values.")
    return "\n".join(lines) + "\n"
