"""Data loaders: digits, IDX (MNIST / Fashion-MNIST) and CIFAR pickles written here in the
standard formats."""

from __future__ import annotations

import gzip
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from alfs_theory.errors import DataError, InputError
from alfs_theory.experiments.data import (
    CIFAR10_CLASS_NAMES,
    DATASET_NAMES,
    DEFAULT_FASHION_MNIST_ROOT,
    MNIST_FILES,
    Dataset,
    as_tensor_dataset,
    load_cifar10,
    load_cifar100,
    load_dataset,
    load_digits_default,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)
from alfs_theory.noise import CIFAR100_FINE_TO_COARSE, cifar100_superclass_matrix

# ------------------------------------------------------------------------------------------
# writers for the standard formats
# ------------------------------------------------------------------------------------------

def _idx_bytes(arr: np.ndarray) -> bytes:
    """IDX: 0, 0, type 0x08 (ubyte), ndim, big-endian uint32 sizes, then the data."""
    arr = np.asarray(arr, dtype=np.uint8)
    head = bytes([0, 0, 0x08, arr.ndim]) + np.array(arr.shape, dtype=">u4").tobytes()
    return head + arr.tobytes()


def _write(path: Path, data: bytes, gz: bool) -> None:
    if gz:
        with gzip.open(path.with_name(path.name + ".gz"), "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def _write_mnist(folder: Path, n_train=12, n_test=5, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = (rng.integers(0, 256, (n_train, 28, 28)), rng.integers(0, 10, n_train),
              rng.integers(0, 256, (n_test, 28, 28)), rng.integers(0, 10, n_test))
    for base, a in zip(MNIST_FILES, arrays):
        _write(folder / base, _idx_bytes(a), gz)
    return arrays


def _cifar_rows(rng, n):
    return rng.integers(0, 256, (n, 3072)).astype(np.uint8)


def _dump(path: Path, obj, protocol):
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=protocol)


def _write_cifar10(root: Path, per_batch=4, n_test=3, protocol=2, seed=0):
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    xs, ys = [], []
    for i in range(1, 6):
        x, y = _cifar_rows(rng, per_batch), rng.integers(0, 10, per_batch).tolist()
        _dump(folder / f"data_batch_{i}", {b"batch_label": b"training batch %d of 5" % i,
                                           b"labels": y, b"data": x,
                                           b"filenames": [b"f.png"] * per_batch}, protocol)
        xs.append(x)
        ys += y
    xt, yt = _cifar_rows(rng, n_test), rng.integers(0, 10, n_test).tolist()
    _dump(folder / "test_batch", {b"labels": yt, b"data": xt}, protocol)
    _dump(folder / "batches.meta", {b"label_names": [n.encode() for n in CIFAR10_CLASS_NAMES],
                                    b"num_vis": 3072}, protocol)
    return np.concatenate(xs), np.array(ys), xt, np.array(yt)


def _write_cifar100(root: Path, n_train=30, n_test=10, protocol=2, seed=0, f2c=None):
    rng = np.random.default_rng(seed)
    f2c = np.array(CIFAR100_FINE_TO_COARSE) if f2c is None else f2c
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    out = {}
    for name, n in (("train", n_train), ("test", n_test)):
        fine = rng.integers(0, 100, n)
        x = _cifar_rows(rng, n)
        _dump(folder / name, {b"filenames": [b"a.png"] * n, b"batch_label": b"x",
                              b"fine_labels": fine.tolist(),
                              b"coarse_labels": f2c[fine].tolist(), b"data": x}, protocol)
        out[name] = (x, fine)
    return out


# ------------------------------------------------------------------------------------------
# digits
# ------------------------------------------------------------------------------------------

def test_digits_default():
    d = load_digits_default()
    assert isinstance(d, Dataset) and d.K == 10 and d.name == "digits"
    assert d.n_train + d.n_test == 1797
    assert d.x_train.shape[1:] == (1, 8, 8) == d.input_shape
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert 0.0 <= d.x_train.min() and d.x_train.max() == 1.0
    assert set(np.unique(d.y_train)) == set(range(10)) == set(np.unique(d.y_test))
    assert len(d.class_names) == 10
    # stratified: every class has ~30% of its images in test
    frac = np.bincount(d.y_test) / (np.bincount(d.y_test) + np.bincount(d.y_train))
    assert np.all(np.abs(frac - 0.3) < 0.01)
    assert d.n_test == pytest.approx(0.3 * 1797, abs=10)
    # deterministic for a seed, different for another
    d2 = load_digits_default(seed=0)
    np.testing.assert_array_equal(d.x_test, d2.x_test)
    d3 = load_digits_default(seed=1)
    assert not np.array_equal(d.x_test, d3.x_test)
    d4 = load_dataset("digits")
    np.testing.assert_array_equal(d4.y_train, d.y_train)
    with pytest.raises(InputError, match="test_fraction"):
        load_digits_default(test_fraction=1.0)


# ------------------------------------------------------------------------------------------
# IDX
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_roundtrip(tmp_path, gz):
    xtr, ytr, xte, yte = _write_mnist(tmp_path, gz=gz)
    d = load_mnist(tmp_path)
    assert d.name == "mnist" and d.K == 10
    assert d.x_train.shape == (12, 1, 28, 28) and d.x_test.shape == (5, 1, 28, 28)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    np.testing.assert_allclose(d.x_train[:, 0], xtr / 255.0, rtol=1e-6)
    np.testing.assert_allclose(d.x_test[:, 0], xte / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(d.y_train, ytr)
    np.testing.assert_array_equal(d.y_test, yte)
    assert d.x_train.max() <= 1.0
    np.testing.assert_array_equal(load_dataset("mnist", tmp_path).y_test, yte)
    np.testing.assert_array_equal(load_fashion_mnist(tmp_path).y_train, ytr)


def test_mnist_torchvision_layout(tmp_path):
    _, ytr, _, _ = _write_mnist(tmp_path / "MNIST" / "raw")
    np.testing.assert_array_equal(load_mnist(tmp_path).y_train, ytr)


def test_read_idx_header(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(_idx_bytes(a))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), a)
    assert int.from_bytes((tmp_path / "a").read_bytes()[:4], "big") == 2051
    # big-endian int32 payload
    b = np.array([1, -2, 70000], dtype=">i4")
    (tmp_path / "b").write_bytes(bytes([0, 0, 0x0C, 1]) + np.array([3], ">u4").tobytes()
                                 + b.tobytes())
    np.testing.assert_array_equal(read_idx(tmp_path / "b"), [1, -2, 70000])
    with pytest.raises(DataError, match="expected 2049"):
        read_idx(tmp_path / "a", expect_magic=2049)
    (tmp_path / "short").write_bytes(_idx_bytes(a)[:-5])
    with pytest.raises(DataError, match=r"shape \(2, 3, 4\)"):
        read_idx(tmp_path / "short")
    (tmp_path / "junk").write_bytes(b"PK\x03\x04junk")
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(tmp_path / "junk")


def test_mnist_bad_files(tmp_path):
    _write_mnist(tmp_path)
    # swap: labels file where images are expected -> magic 2049, expected 2051
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        (tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    with pytest.raises(DataError, match="magic number 2049.*expected 2051"):
        load_mnist(tmp_path)


def test_mnist_count_mismatch(tmp_path):
    _write_mnist(tmp_path)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.zeros(3)), gz=True)
    with pytest.raises(DataError, match="12 images but train-labels-idx1-ubyte.gz has 3"):
        load_mnist(tmp_path)


def test_mnist_missing_messages(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError) as e:
        load_mnist(missing)
    msg = str(e.value)
    assert str(missing) in msg and "does not exist" in msg
    for base in MNIST_FILES:
        assert base + ".gz" in msg
    _write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"missing t10k-labels-idx1-ubyte\.gz in") as e:
        load_mnist(tmp_path)
    assert str(tmp_path) in str(e.value) and "train-images-idx3-ubyte.gz" in str(e.value)


def test_fashion_mnist_default_folder():
    """Loads the real Fashion-MNIST when Debian's package is installed (CI installs it);
    otherwise checks the message for the missing folder -- never a silent skip."""
    root = Path(DEFAULT_FASHION_MNIST_ROOT)
    if not (root / "train-labels-idx1-ubyte.gz").is_file():
        with pytest.raises(DataError, match=str(root)) as e:
            load_fashion_mnist()
        assert "train-images-idx3-ubyte.gz" in str(e.value)
        return
    d = load_fashion_mnist()
    assert d.name == "fashion-mnist" and d.K == 10 and d.class_names[0] == "T-shirt/top"
    assert d.x_train.shape == (60000, 1, 28, 28) and d.x_test.shape == (10000, 1, 28, 28)
    assert np.all(np.bincount(d.y_train) == 6000) and np.all(np.bincount(d.y_test) == 1000)
    assert d.x_train.dtype == np.float32 and 0 <= d.x_train.min() and d.x_train.max() <= 1
    assert d.x_train.max() == 1.0 and 0.2 < d.x_train.mean() < 0.4


# ------------------------------------------------------------------------------------------
# CIFAR
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_cifar10_roundtrip(tmp_path, protocol):
    xtr, ytr, xte, yte = _write_cifar10(tmp_path, protocol=protocol)
    d = load_cifar10(tmp_path)
    assert d.name == "cifar10" and d.K == 10 and d.class_names == CIFAR10_CLASS_NAMES
    assert d.x_train.shape == (20, 3, 32, 32) and d.x_test.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(d.y_train, ytr)
    np.testing.assert_array_equal(d.y_test, yte)
    # channel-major rows: the first 1024 values are red, row by row
    assert d.x_train[0, 0, 0, 1] == np.float32(xtr[0, 1] / 255.0)
    assert d.x_train[0, 1, 0, 0] == np.float32(xtr[0, 1024] / 255.0)
    assert d.x_train[0, 2, 31, 31] == np.float32(xtr[0, 3071] / 255.0)
    np.testing.assert_allclose(d.x_test.reshape(3, -1), xte / 255.0, rtol=1e-6)
    # the folder itself is accepted too, and the dispatcher finds it
    np.testing.assert_array_equal(load_cifar10(tmp_path / "cifar-10-batches-py").y_test, yte)
    np.testing.assert_array_equal(load_dataset("cifar-10", tmp_path).y_test, yte)


def test_cifar10_missing_and_malformed(tmp_path):
    with pytest.raises(DataError, match="data_batch_1.*test_batch"):
        load_cifar10(tmp_path / "none")
    _write_cifar10(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    (folder / "data_batch_3").unlink()
    with pytest.raises(DataError, match="missing data_batch_3 in"):
        load_cifar10(tmp_path)
    _dump(folder / "data_batch_3", {b"data": _cifar_rows(np.random.default_rng(0), 4)}, 2)
    with pytest.raises(DataError, match="missing key.*labels"):
        load_cifar10(tmp_path)
    _dump(folder / "data_batch_3", {b"data": np.zeros((4, 100), np.uint8), b"labels": [0] * 4}, 2)
    with pytest.raises(DataError, match="N x 3072"):
        load_cifar10(tmp_path)


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_pickle_globals_are_refused(tmp_path, capsys):
    _write_cifar10(tmp_path)
    _dump(tmp_path / "cifar-10-batches-py" / "test_batch", {b"data": _Evil(), b"labels": []}, 2)
    with pytest.raises(DataError, match=r"refused global (builtins|__builtin__)\.print"):
        load_cifar10(tmp_path)
    assert "pwned" not in capsys.readouterr().out


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_cifar100_roundtrip_and_superclasses(tmp_path, protocol):
    out = _write_cifar100(tmp_path, n_train=400, protocol=protocol)
    d = load_cifar100(tmp_path)
    assert d.name == "cifar100" and d.K == 100 and len(d.class_names) == 100
    assert d.class_names[0] == "apple" and len(d.coarse_names) == 20
    assert d.x_train.shape == (400, 3, 32, 32)
    np.testing.assert_array_equal(d.y_train, out["train"][1])
    np.testing.assert_array_equal(d.y_test, out["test"][1])
    np.testing.assert_array_equal(d.fine_to_coarse, CIFAR100_FINE_TO_COARSE)
    assert d.fine_to_coarse.dtype == np.int64
    T = cifar100_superclass_matrix(0.4, d.fine_to_coarse)
    np.testing.assert_allclose(T, cifar100_superclass_matrix(0.4))
    np.testing.assert_array_equal(load_dataset("cifar100", tmp_path).y_test, d.y_test)


def test_cifar100_reads_coarse_labels_from_files(tmp_path):
    f2c = np.arange(100) % 20  # a different (made-up) grouping: the loader must follow the files
    _write_cifar100(tmp_path, n_train=2000, n_test=50, f2c=f2c)
    d = load_cifar100(tmp_path)
    np.testing.assert_array_equal(d.fine_to_coarse, f2c)
    assert d.extra["fine_to_coarse_filled_from_table"] == []


def test_cifar100_inconsistent_coarse(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    x = _cifar_rows(np.random.default_rng(0), 2)
    _dump(folder / "train", {b"data": x, b"fine_labels": [3, 3], b"coarse_labels": [8, 9]}, 2)
    _dump(folder / "test", {b"data": x, b"fine_labels": [3, 3], b"coarse_labels": [8, 8]}, 2)
    with pytest.raises(DataError, match="fine class 3 appears with several coarse labels"):
        load_cifar100(tmp_path)
    (folder / "test").unlink()
    with pytest.raises(DataError, match="missing test in"):
        load_cifar100(tmp_path)


# ------------------------------------------------------------------------------------------
# dispatch
# ------------------------------------------------------------------------------------------

def test_load_dataset_unknown_name_lists_names():
    with pytest.raises(DataError) as e:
        load_dataset("imagenet")
    for n in DATASET_NAMES:
        assert n in str(e.value)


def test_download_without_torchvision(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torchvision", None)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)
    with pytest.raises(DataError, match="torchvision.*place the files"):
        load_dataset("cifar10", tmp_path, download=True)
    # files already there: no download needed
    _write_mnist(tmp_path / "m")
    assert load_dataset("mnist", tmp_path / "m", download=True).n_train == 12


def test_dataset_record_validates():
    x = np.zeros((2, 1, 2, 2), np.float32)
    y = np.zeros(2, np.int64)
    with pytest.raises(DataError, match="float32"):
        Dataset(x.astype(np.float64), y, x, y, K=2, name="t", class_names=("a", "b"))
    with pytest.raises(DataError, match="outside"):
        Dataset(x, y + 5, x, y, K=2, name="t", class_names=("a", "b"))
    with pytest.raises(DataError, match="class names"):
        Dataset(x, y, x, y, K=2, name="t", class_names=("a",))


def test_as_tensor_dataset():
    torch = pytest.importorskip("torch")
    d = load_digits_default()
    ds = as_tensor_dataset(d.x_test, d.y_test)
    xb, yb = ds[0]
    assert xb.dtype == torch.float32 and yb.dtype == torch.int64 and len(ds) == d.n_test
