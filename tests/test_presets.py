"""The official per-data-set loss parameters (alfs_theory.experiments.presets), their wiring into training
and sweeps (TrainConfig.preset, --preset official), and the published CIFAR augmentation."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np
import pytest

from alfs_theory.cli.train import register as register_cli
from alfs_theory.errors import InputError
from alfs_theory.experiments.presets import (
    OFFICIAL_PRESETS,
    official_params,
    preset_dataset,
    preset_markdown,
    preset_rows,
    preset_source,
)
from alfs_theory.registry import get_loss


# ----------------------------------------------------------------------------- the data
def test_every_preset_value_binds_in_our_domains():
    rows = preset_rows()
    assert {r["dataset"] for r in rows} == {"mnist", "cifar10", "cifar100"}
    for r in rows:
        spec = get_loss(r["loss"])           # our registry name, not the official one
        assert spec.name == r["loss"]
        assert set(r["params"]) <= set(spec.param_names), r
        bound = spec.bind(**r["params"])    # ParameterError outside a domain
        for k, v in r["params"].items():
            assert bound.value_dict[k] == pytest.approx(v)
        assert "hitcszx/ALFs" in r["source"]


def test_the_official_values():
    # hitcszx/ALFs config.py: CIFAR10_CONFIG["NCEandAGCE"] = NCEandAGCE(alpha=1, beta=4, a=6, q=1.5)
    assert official_params("cifar10", "nce+agce") == {"alpha": 1.0, "beta": 4.0, "a": 6.0,
                                                      "q": 1.5}
    assert official_params("cifar10", "agce") == {"a": 0.6, "q": 0.6}
    assert official_params("cifar10", "nce+aul") == {"alpha": 1.0, "beta": 4.0, "a": 6.3,
                                                     "q": 1.5}
    assert official_params("cifar100", "nce+agce") == {"alpha": 10.0, "beta": 0.1, "a": 1.8,
                                                       "q": 3.0}
    assert official_params("cifar100", "nce+aul")["beta"] == 0.015
    assert official_params("mnist", "agce") == {"a": 4.0, "q": 0.2}
    assert official_params("mnist", "nce+agce") == {"alpha": 0.0, "beta": 1.0, "a": 4.0,
                                                    "q": 0.2}
    assert official_params("mnist", "nce+rce") == {"alpha": 1.0, "beta": 100.0}
    assert official_params("cifar10", "ce") == {}
    # no official setting of AMSE anywhere: the registry default a = 10 is not one
    for ds in OFFICIAL_PRESETS:
        assert "amse" not in OFFICIAL_PRESETS[ds] and "nce+amse" not in OFFICIAL_PRESETS[ds]


def test_sources_name_the_table():
    assert "CIFAR10_CONFIG" in preset_source("cifar10", "nce+agce")
    assert "'NCEandAGCE'" in preset_source("cifar10", "nce+agce")
    assert "MNIST_CONFIG" in preset_source("mnist", "aul")
    assert "class default" in preset_source("cifar100", "gce")
    assert "scale 2" in preset_source("cifar10", "mae")      # what differs from ours is said


def test_aliases_and_fashion_mnist_takes_mnist():
    assert official_params("CIFAR-10", "NCE+AGCE") == official_params("cifar10", "nce+agce")
    assert official_params("cifar10", "aue") == official_params("cifar10", "aul")
    for alias in ("fashion-mnist", "fmnist", "Fashion_MNIST"):
        assert preset_dataset(alias) == "mnist"
        for loss in OFFICIAL_PRESETS["mnist"]:
            assert official_params(alias, loss) == official_params("mnist", loss)
    assert preset_source("fashion-mnist", "agce").startswith("fashion-mnist takes mnist's")


def test_returned_values_are_copies():
    p = official_params("cifar10", "nce+agce")
    p["a"] = -1.0
    assert official_params("cifar10", "nce+agce")["a"] == 6.0


def test_unknown_data_set_or_loss_says_what_exists():
    with pytest.raises(InputError) as e:
        official_params("digits", "nce+agce")
    msg = str(e.value)
    assert "'digits'" in msg and all(d in msg for d in ("mnist", "fashion-mnist", "cifar10",
                                                         "cifar100"))
    with pytest.raises(InputError, match="'svhn'"):
        official_params("svhn", "ce")
    with pytest.raises(InputError) as e:
        official_params("cifar10", "amse")
    msg = str(e.value)
    assert "'amse'" in msg and "cifar10" in msg and "nce+agce" in msg and "sce" in msg
    with pytest.raises(InputError, match="not a registered loss"):
        official_params("cifar10", "no-such-loss")


def test_markdown_table_lists_every_entry():
    md = preset_markdown()
    assert sum(line.startswith("| ") for line in md.splitlines()) == len(preset_rows()) + 1
    assert "| cifar10 | nce+agce | alpha = 1, beta = 4, a = 6, q = 1.5 |" in md


def test_presets_module_is_torch_free():
    code = "import sys, alfs_theory.experiments.presets as p; p.official_params('cifar10', 'aul'); " \
           "assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- training
torch = pytest.importorskip("torch")

from alfs_theory.experiments.train import (  # noqa: E402
    AUGMENTATIONS,
    RECORD_FILE,
    TrainConfig,
    TrainingError,
    _augment,
    _rotate,
    param_sources,
    resolve_config,
    run_identity,
    run_training,
)


def _resolved(**kw):
    return resolve_config(TrainConfig(**{"device": "cpu", **kw}))[0]


def test_preset_fills_and_explicit_param_wins():
    c = _resolved(loss="nce+agce", dataset="cifar10", preset="official")
    assert c.params == {"alpha": 1.0, "beta": 4.0, "a": 6.0, "q": 1.5}
    c = _resolved(loss="nce+agce", dataset="cifar10", preset="official", params={"a": 3})
    assert c.params == {"alpha": 1.0, "beta": 4.0, "a": 3.0, "q": 1.5}
    src = param_sources(TrainConfig(loss="nce+agce", dataset="cifar10", preset="official",
                                    params={"a": 3}, device="cpu"))
    assert src == {"alpha": "preset", "beta": "preset", "a": "explicit", "q": "preset"}
    # no preset: the registry's defaults (CIFAR-10 a = 3, not the official 6)
    assert _resolved(loss="nce+agce", dataset="cifar10").params["a"] == 3.0
    assert set(param_sources(TrainConfig(loss="sce", device="cpu")).values()) == {"default"}
    # Fashion-MNIST takes MNIST's
    assert _resolved(loss="agce", dataset="fashion-mnist", preset="official").params == \
        {"a": 4.0, "q": 0.2}


def test_preset_refusals_are_clear():
    with pytest.raises(InputError, match="mnist, fashion-mnist .*cifar10, cifar100"):
        _resolved(loss="nce+agce", dataset="digits", preset="official")
    with pytest.raises(InputError, match="'amse'"):
        _resolved(loss="amse", dataset="cifar10", preset="official")
    with pytest.raises(InputError, match="typed formula"):
        _resolved(loss="mine", expr="1 - u", dataset="cifar10", preset="official")
    with pytest.raises(InputError, match="presets: official"):
        _resolved(loss="ce", dataset="cifar10", preset="nope")


def test_identity_holds_new_fields_only_when_set():
    # runs and checkpoints written before `preset` and `augmentation` existed still match
    d = run_identity(_resolved(loss="ce"))
    assert "preset" not in d and "augmentation" not in d
    d = run_identity(_resolved(loss="ce", dataset="cifar10", preset="official"))
    assert d["preset"] == "official" and d["augmentation"] == "crop4+flip"


def _synthetic(name, K, shape, n_train=48, n_test=20):
    from alfs_theory.experiments.data import Dataset

    rng = np.random.default_rng(0)
    return Dataset(x_train=rng.random((n_train, *shape), dtype=np.float32),
                   y_train=np.arange(n_train, dtype=np.int64) % K,
                   x_test=rng.random((n_test, *shape), dtype=np.float32),
                   y_test=np.arange(n_test, dtype=np.int64) % K,
                   K=K, name=name, class_names=tuple(str(i) for i in range(K)),
                   source="synthetic (test)")


@pytest.fixture
def fake_cifar10(monkeypatch):
    import alfs_theory.experiments.data as data

    monkeypatch.setattr(data, "load_dataset",
                        lambda name, root=None, **kw: _synthetic("cifar10", 10, (3, 32, 32)))


def test_record_holds_the_preset(tmp_path, fake_cifar10):
    kw = {"loss": "nce+agce", "dataset": "cifar10", "epochs": 1, "batch_size": 16,
          "device": "cpu", "threads": 1, "predict": False, "eval_train": False}
    rec = run_training(TrainConfig(preset="official", params={"q": 2}, **kw),
                       tmp_path / "p", progress=False)
    on_disk = json.loads((tmp_path / "p" / RECORD_FILE).read_text())
    assert on_disk["preset"] == rec["preset"]
    assert rec["preset"]["name"] == "official" and rec["preset"]["dataset"] == "cifar10"
    assert "CIFAR10_CONFIG" in rec["preset"]["source"]
    assert rec["preset"]["params"] == {"alpha": 1.0, "beta": 4.0, "a": 6.0, "q": 1.5}
    assert rec["loss"]["params"] == {"alpha": 1.0, "beta": 4.0, "a": 6.0, "q": 2.0}
    assert rec["loss"]["param_sources"] == {"alpha": "preset", "beta": "preset",
                                            "a": "preset", "q": "explicit"}
    assert rec["config"]["preset"] == "official"
    aug = rec["augmentation"]
    assert aug["recipe"] == "crop4+flip" and aug["rotation_degrees"] == 0
    mean, std = (np.array(rec["dataset"]["normalisation"][k]) for k in ("mean", "std"))
    assert np.allclose(aug["fill"], -mean / std)
    # the same parameters given explicitly are another run (the folder says preset)
    with pytest.raises(TrainingError, match="preset"):
        run_training(TrainConfig(params=rec["loss"]["params"], **kw), tmp_path / "p",
                     progress=False)
    plain = run_training(TrainConfig(**kw), tmp_path / "q", progress=False)
    assert plain["preset"] is None and plain["loss"]["params"]["a"] == 3.0
    assert set(plain["loss"]["param_sources"].values()) == {"default"}


def _parser():
    p = argparse.ArgumentParser(prog="alfs")
    sub = p.add_subparsers(dest="cmd", required=True)
    register_cli(sub)
    return p


def test_cli_train_preset_on_digits_is_refused(tmp_path):
    args = _parser().parse_args(["train", "--preset", "official", "--loss", "nce+agce",
                                 "--dataset", "digits", "--epochs", "1", "--out",
                                 str(tmp_path / "r"), "--device", "cpu", "--quiet"])
    assert args.preset == "official"
    with pytest.raises(InputError) as e:
        args.func(args)
    msg = str(e.value)
    assert "digits" in msg and "mnist" in msg and "cifar10" in msg and "cifar100" in msg
    assert not (tmp_path / "r" / RECORD_FILE).exists()


def test_cli_train_preset_exits_2_with_the_message(tmp_path, capsys, monkeypatch):
    from alfs_theory import cli

    if "train" not in cli.build_parser()._subparsers._group_actions[0].choices:
        monkeypatch.setattr(cli, "REGISTRARS", [*cli.REGISTRARS, register_cli])
    assert cli.main(["train", "--preset", "official", "--loss", "nce+agce", "--dataset",
                     "digits", "--out", str(tmp_path / "r"), "--device", "cpu"]) == 2
    assert "no official preset for data set 'digits'" in capsys.readouterr().err


def test_sweep_cells_carry_the_preset_and_their_folders_say_so(tmp_path):
    from alfs_theory.cli.sweep import register as sweep_cli
    from alfs_theory.experiments.sweep import SweepSpec, make_grid

    def grid(preset, params=None):
        spec = SweepSpec(losses=[("nce+agce", params or {})], noise=["symmetric"],
                         rates=[0.2], dataset="cifar10",
                         base=TrainConfig(device="cpu", preset=preset))
        return make_grid(spec, tmp_path)

    (a,), (b,), (c,) = grid("official"), grid(None), grid("official", {"a": 3})
    assert a.config.preset == "official" and b.config.preset is None
    assert "nce+agce_preset=official" in str(a.run_dir) and a.run_dir != b.run_dir
    assert "nce+agce_preset=official_a=3" in str(c.run_dir)
    assert resolve_config(a.config)[0].params["a"] == 6.0
    assert resolve_config(c.config)[0].params["a"] == 3.0
    p = argparse.ArgumentParser(prog="alfs")
    sweep_cli(p.add_subparsers(dest="cmd", required=True))
    args = p.parse_args(["sweep", "--losses", "nce+agce", "--preset", "official",
                         "--dataset", "cifar10", "--out", str(tmp_path / "s")])
    assert args.preset == "official"


# ----------------------------------------------------------------------------- augmentation
def test_cifar100_takes_the_published_rotation():
    assert _resolved(loss="ce", dataset="cifar100").augmentation == "crop4+flip+rot20"
    assert _resolved(loss="ce", dataset="cifar10").augmentation == "crop4+flip"
    assert AUGMENTATIONS["crop4+flip+rot20"][:2] == (4, 20.0)
    assert AUGMENTATIONS["crop4+flip"][:2] == (4, 0.0)
    assert _resolved(loss="ce", dataset="mnist").augmentation is None
    with pytest.raises(InputError, match="augment is off"):
        _resolved(loss="ce", dataset="mnist", augmentation="crop4+flip")


def test_padding_is_a_black_pixel_before_normalisation():
    """Pad the standardised image with the standardised value of a 0 pixel: un-standardised,
    every output pixel is an input pixel of its image and channel, or exactly 0."""
    rng = np.random.default_rng(1)
    raw = torch.tensor(rng.uniform(0.3, 1.0, (6, 3, 8, 8)), dtype=torch.float32)
    mean = raw.mean(dim=(0, 2, 3)).view(1, 3, 1, 1)
    std = raw.std(dim=(0, 2, 3)).view(1, 3, 1, 1)
    xn = (raw - mean) / std
    zero = (-mean / std).flatten()
    for degrees in (0.0, 20.0):
        out = _augment(xn, torch.Generator().manual_seed(3), 4, zero, degrees)
        back = out * std + mean
        border = 0
        for i in range(6):
            for c in range(3):
                vals = back[i, c].flatten()
                is_zero = vals.abs() < 1e-5
                border += int(is_zero.sum())
                src = raw[i, c].flatten()
                near = (vals[~is_zero, None] - src[None, :]).abs().min(1).values
                assert bool((near < 1e-5).all())
        assert border > 0  # 6 images, offsets in [0, 8]: some padding shows
    # the old behaviour (pad with 0 after standardising: the mean colour) is not this
    out0 = _augment(xn, torch.Generator().manual_seed(3), 4)
    assert not torch.allclose(out0 * std + mean, _augment(
        xn, torch.Generator().manual_seed(3), 4, zero) * std + mean)


def test_rotation_is_pil_rotate_and_comes_after_crop_and_flip():
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(2)
    imgs = rng.integers(1, 256, (8, 32, 32, 3), dtype=np.uint8)  # no 0: 0 marks the fill
    x = torch.tensor(imgs, dtype=torch.float32).permute(0, 3, 1, 2) / 255
    out = _augment(x, torch.Generator().manual_seed(5), 4, 0.0, 20.0)
    # the official transform in PIL, with _augment's draws in its order
    g = torch.Generator().manual_seed(5)
    flips = torch.rand(8, generator=g) < 0.5
    offs = torch.randint(0, 9, (8, 2), generator=g)
    angles = (torch.rand(8, generator=g, dtype=torch.float64) * 2 - 1) * 20.0
    agree_official, agree_swapped = [], []
    for i in range(8):
        pil = Image.fromarray(imgs[i])
        padded = Image.new("RGB", (40, 40), (0, 0, 0))
        padded.paste(pil, (4, 4))
        r, c = int(offs[i, 0]), int(offs[i, 1])
        crop = padded.crop((c, r, c + 32, r + 32))
        if flips[i]:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        ref = np.asarray(crop.rotate(float(angles[i]), resample=Image.NEAREST, fillcolor=0))
        ours = np.rint(out[i].permute(1, 2, 0).numpy() * 255).astype(np.uint8)
        agree_official.append((ref == ours).all(axis=2).mean())
        # rotating before the crop (the wrong order) gives another image
        rot_first = Image.new("RGB", (40, 40), (0, 0, 0))
        rot_first.paste(pil.rotate(float(angles[i]), resample=Image.NEAREST, fillcolor=0),
                        (4, 4))
        sw = rot_first.crop((c, r, c + 32, r + 32))
        if flips[i]:
            sw = sw.transpose(Image.FLIP_LEFT_RIGHT)
        agree_swapped.append((np.asarray(sw) == ours).all(axis=2).mean())
    assert min(agree_official) > 0.99  # nearest-neighbour ties may round apart at a pixel
    assert np.mean(agree_swapped) < 0.9
    assert 0 < float(angles.abs().max()) <= 20


def test_rotate_by_a_quarter_turn_is_rot90():
    x = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).reshape(2, 3, 5, 5)
    ccw = _rotate(x, torch.tensor([90.0, -90.0]), 0.0)
    assert torch.equal(ccw[0], torch.rot90(x[0], 1, dims=(1, 2)))
    assert torch.equal(ccw[1], torch.rot90(x[1], -1, dims=(1, 2)))
    corners = _rotate(x, torch.tensor([45.0, 45.0]), torch.tensor([-7.0, -8.0, -9.0]))
    assert corners[0, 0, 0, 0] == -7.0 and corners[1, 2, 0, 0] == -9.0


def test_cifar100_training_rotates(tmp_path, monkeypatch):
    import alfs_theory.experiments.data as data
    import alfs_theory.experiments.train as train

    monkeypatch.setattr(data, "load_dataset",
                        lambda name, root=None, **kw: _synthetic("cifar100", 100, (3, 32, 32),
                                                                 n_train=200, n_test=100))
    calls = []

    def spy(xb, gen, pad=4, fill=None, degrees=0.0):
        calls.append((pad, None if fill is None else fill.tolist(), degrees))
        return _augment(xb, gen, pad, fill, degrees)

    monkeypatch.setattr(train, "_augment", spy)
    rec = run_training(TrainConfig(loss="ce", dataset="cifar100", epochs=1, batch_size=100,
                                   model="cnn-cifar10", device="cpu", threads=1,
                                   predict=False, eval_train=False), tmp_path / "r",
                       progress=False)
    assert rec["augmentation"]["recipe"] == "crop4+flip+rot20"
    assert rec["augmentation"]["rotation_degrees"] == 20.0
    mean, std = (np.array(rec["dataset"]["normalisation"][k]) for k in ("mean", "std"))
    assert len(calls) == 2  # two batches, each padded with a black pixel and rotated
    for pad, fill, degrees in calls:
        assert pad == 4 and degrees == 20.0 and np.allclose(fill, -mean / std, atol=1e-6)


def test_docs_presets_table_is_current():
    from pathlib import Path

    from alfs_theory.experiments.presets import preset_markdown

    text = (Path(__file__).resolve().parents[1] / "docs" / "presets.md").read_text()
    assert preset_markdown() + "\n" in text, "docs/presets.md is stale: regenerate its table " \
        "from alfs_theory.experiments.presets.preset_markdown()"
