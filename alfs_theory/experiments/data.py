"""Data sets as plain numpy arrays: images float32 in [0, 1] shaped N x C x H x W, labels int64.

Sources
-------
* ``digits`` -- scikit-learn's bundled 8 x 8 digits (1,797 images, no network): the embedded
  default, :func:`load_digits_default`.
* ``mnist`` / ``fashion-mnist`` -- the four standard IDX files (``.gz`` or not), parsed here
  with numpy: :func:`load_mnist`, :func:`load_fashion_mnist` (Debian's
  ``dataset-fashion-mnist`` puts them in ``/usr/share/datasets/fashion-mnist``).
* ``cifar10`` / ``cifar100`` -- the standard python pickles ``cifar-10-batches-py/`` and
  ``cifar-100-python/``: :func:`load_cifar10`, :func:`load_cifar100`.

Only load CIFAR pickles from sources you trust: pickle can run code. The reader here refuses
every global but the few numpy needs to rebuild arrays, which blocks the usual attacks, but
it is no sandbox.

This module imports torch only inside :func:`as_tensor_dataset`, and torchvision only when
``download=True``.
"""

from __future__ import annotations

import gzip
import os
import pickle
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError, InputError
from . import DATASET_NAMES  # noqa: F401 - re-exported: its home was here

__all__ = [
    "CIFAR10_CLASS_NAMES",
    "CIFAR100_COARSE_NAMES",
    "CIFAR100_FINE_NAMES",
    "DATASET_NAMES",
    "DEFAULT_FASHION_MNIST_ROOT",
    "FASHION_MNIST_CLASS_NAMES",
    "MNIST_FILES",
    "Dataset",
    "as_tensor_dataset",
    "load_cifar10",
    "load_cifar100",
    "load_dataset",
    "load_digits_default",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
]

DEFAULT_FASHION_MNIST_ROOT = "/usr/share/datasets/fashion-mnist"

#: (train images, train labels, test images, test labels): the standard IDX base names.
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

FASHION_MNIST_CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                             "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                       "ship", "truck")
CIFAR100_FINE_NAMES = (
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
    "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle",
    "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch",
    "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox",
    "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
    "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom",
    "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road",
    "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake",
    "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
    "telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle",
    "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
)
CIFAR100_COARSE_NAMES = (
    "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
    "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
    "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
    "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
    "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2",
)


@dataclass
class Dataset:
    """A train/test split held as numpy arrays.

    Attributes
    ----------
    x_train, x_test : float32 arrays N x C x H x W with values in [0, 1].
    y_train, y_test : int64 arrays of labels in [0, K).
    K : number of classes.
    name : data set name (one of :data:`DATASET_NAMES`).
    class_names : K names, in label order.
    fine_to_coarse : CIFAR-100 only: int64 array (K,) giving each fine class's super-class, read
        from the files' ``coarse_labels``; None otherwise.
    coarse_names : CIFAR-100 only: the 20 super-class names.
    source : where the data came from (folder, or package).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    K: int
    name: str
    class_names: tuple[str, ...]
    fine_to_coarse: np.ndarray | None = None
    coarse_names: tuple[str, ...] | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.ndim != 4 or x.dtype != np.float32:
                raise DataError(f"{self.name}: x_{split} must be float32 N x C x H x W, got "
                                f"{x.dtype} {x.shape}")
            if y.ndim != 1 or y.dtype != np.int64 or len(y) != len(x):
                raise DataError(f"{self.name}: y_{split} must be int64 with one label per image; "
                                f"got {y.dtype} {y.shape} for {len(x)} images")
            if len(y) and (y.min() < 0 or y.max() >= self.K):
                raise DataError(f"{self.name}: y_{split} has labels outside [0, {self.K})")
        if len(self.class_names) != self.K:
            raise DataError(f"{self.name}: {len(self.class_names)} class names for K = {self.K}")

    @property
    def input_shape(self) -> tuple[int, ...]:
        """C x H x W of one image."""
        return tuple(self.x_train.shape[1:])

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, K={self.K}, train={self.x_train.shape}, "
                f"test={self.x_test.shape}, source={self.source!r})")


# ---------------------------------------------------------------------------------------------
# digits (embedded default)
# ---------------------------------------------------------------------------------------------

def _stratified_split(y: np.ndarray, test_fraction: float, seed) -> tuple[np.ndarray, np.ndarray]:
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = int(np.floor(len(idx) * test_fraction + 0.5))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_digits_default(seed=0, test_fraction: float = 0.3) -> Dataset:
    """scikit-learn's bundled 8 x 8 digits (1,797 images, 10 classes), no network needed.

    Pixels 0..16 are scaled by 1/16 to [0, 1]; shape N x 1 x 8 x 8. The split is stratified
    and deterministic given ``seed`` (int or numpy Generator): in each class,
    ``round(n_c · test_fraction)`` randomly chosen images go to the test set. Both splits keep
    the original order.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer,
                                                                   np.random.Generator)):
        raise InputError(f"seed must be an int or a numpy Generator, got {seed!r}")
    test_fraction = float(test_fraction)
    if not 0.0 < test_fraction < 1.0:
        raise InputError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - depends on the environment
        raise DataError("the digits data set needs scikit-learn: pip install scikit-learn "
                        "(or pip install 'alfs-theory[data]')") from None
    bunch = load_digits()
    x = (np.asarray(bunch.images, dtype=np.float32) / np.float32(16.0))[:, None, :, :]
    y = np.asarray(bunch.target, dtype=np.int64)
    tr, te = _stratified_split(y, test_fraction, seed)
    return Dataset(x[tr], y[tr], x[te], y[te], K=10, name="digits",
                   class_names=tuple(str(i) for i in range(10)),
                   source="sklearn.datasets.load_digits",
                   extra={"seed": seed if isinstance(seed, (int, np.integer)) else None,
                          "test_fraction": test_fraction})


# ---------------------------------------------------------------------------------------------
# IDX (MNIST, Fashion-MNIST)
# ---------------------------------------------------------------------------------------------

_IDX_DTYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(2)
    try:
        if head == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a corrupt deflate stream
        raise DataError(f"could not read {path}: {exc} (a truncated or corrupt gzip file? "
                        "download it again)") from None


def read_idx(path, *, expect_magic: int | None = None) -> np.ndarray:
    """Read one IDX file (gzipped or not, detected from its first bytes) into a numpy array.

    IDX header: two zero bytes, a type byte (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
    0x0D float, 0x0E double; big-endian), a byte with the number of dimensions d, then d
    big-endian uint32 sizes. MNIST images have magic 0x00000803 = 2051 (ubyte, 3-D), labels
    0x00000801 = 2049 (ubyte, 1-D). Raises :class:`DataError` on a bad header, a magic other
    than ``expect_magic``, or a size that does not match the data.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if expect_magic is not None and magic != expect_magic:
        raise DataError(f"{path}: IDX magic number {magic} (0x{magic:08x}), expected "
                        f"{expect_magic} (0x{expect_magic:08x})")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES or raw[3] == 0:
        raise DataError(f"{path}: not an IDX file (magic 0x{magic:08x})")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise DataError(f"{path}: IDX header truncated")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - start != expected:
        raise DataError(f"{path}: header says shape {shape} ({expected} bytes of data) but the "
                        f"file holds {len(raw) - start} bytes after the header")
    return np.frombuffer(raw, dtype=dtype, offset=start).reshape(shape).astype(
        dtype.newbyteorder("="))


def _find_idx(folder: Path, base: str) -> Path | None:
    names = (base + ".gz", base, base.replace("-idx", ".idx") + ".gz", base.replace("-idx", ".idx"))
    for name in names:
        p = folder / name
        if p.is_file():
            return p
    return None


def _load_idx_set(root, name: str, K: int, class_names: tuple[str, ...],
                  subfolders: tuple[str, ...]) -> Dataset:
    if root is None:
        raise DataError(f"{name}: no data folder given; pass the folder holding "
                        f"{', '.join(b + '.gz' for b in MNIST_FILES)}")
    root = Path(root).expanduser()
    expected = ", ".join(b + ".gz" for b in MNIST_FILES)
    if not root.is_dir():
        raise DataError(f"{name}: folder {root} does not exist; it must hold the four IDX files "
                        f"{expected} (or the same names without .gz)")
    for folder in (root, *(root / s for s in subfolders)):
        found = [_find_idx(folder, b) for b in MNIST_FILES]
        if all(found):
            break
    else:
        found = [_find_idx(root, b) for b in MNIST_FILES]
        missing = [b + ".gz" for b, f in zip(MNIST_FILES, found) if f is None]
        raise DataError(f"{name}: missing {', '.join(missing)} in {root}; the folder must hold "
                        f"{expected} (or the same names without .gz)")
    xtr = read_idx(found[0], expect_magic=2051)
    ytr = read_idx(found[1], expect_magic=2049)
    xte = read_idx(found[2], expect_magic=2051)
    yte = read_idx(found[3], expect_magic=2049)
    for x, y, fx, fy in ((xtr, ytr, found[0], found[1]), (xte, yte, found[2], found[3])):
        if len(x) != len(y):
            raise DataError(f"{name}: {fx.name} has {len(x)} images but {fy.name} has {len(y)} "
                            "labels")
        if len(y) and int(y.max()) >= K:
            raise DataError(f"{name}: {fy.name} has label {int(y.max())}, outside [0, {K})")
    if xtr.shape[1:] != xte.shape[1:]:
        raise DataError(f"{name}: train images are {xtr.shape[1:]} but test images "
                        f"{xte.shape[1:]}")

    def img(a: np.ndarray) -> np.ndarray:
        return (a.astype(np.float32) / np.float32(255.0))[:, None, :, :]

    return Dataset(img(xtr), ytr.astype(np.int64), img(xte), yte.astype(np.int64), K=K,
                   name=name, class_names=class_names, source=str(found[0].parent))


def load_mnist(root) -> Dataset:
    """MNIST from the four standard IDX files in ``root`` (also looked for in
    ``root/MNIST/raw``, where torchvision puts them): 60,000 + 10,000 images, N x 1 x 28 x 28.

    Expected files: ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` (or without ``.gz``).
    """
    return _load_idx_set(root, "mnist", 10, tuple(str(i) for i in range(10)), ("MNIST/raw",))


def load_fashion_mnist(root=DEFAULT_FASHION_MNIST_ROOT) -> Dataset:
    """Fashion-MNIST from the four standard IDX files (same names and format as MNIST).

    The default folder is where Debian's ``dataset-fashion-mnist`` package installs them
    (``apt-get install dataset-fashion-mnist``); ``root/FashionMNIST/raw`` (torchvision's
    layout) is searched too.
    """
    return _load_idx_set(root, "fashion-mnist", 10, FASHION_MNIST_CLASS_NAMES,
                         ("FashionMNIST/raw",))


# ---------------------------------------------------------------------------------------------
# CIFAR pickles
# ---------------------------------------------------------------------------------------------

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals numpy needs to rebuild arrays."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refused global {module}.{name} (only numpy arrays, "
                                         "lists, dicts, bytes and numbers are read)")
        return super().find_class(module, name)


def _load_pickle(path: Path) -> dict:
    """Read one CIFAR pickle with ``encoding='bytes'`` (keys come back as bytes)."""
    try:
        with open(path, "rb") as f:
            obj = _ArrayUnpickler(f, encoding="bytes").load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
            AttributeError, ImportError) as exc:
        raise DataError(f"could not read the CIFAR pickle {path}: {exc}") from None
    if not isinstance(obj, dict):
        raise DataError(f"{path}: expected a dict, got {type(obj).__name__}")
    return obj


def _cifar_part(path: Path, label_keys: tuple[bytes, ...]) -> tuple[np.ndarray, list]:
    d = _load_pickle(path)
    missing = [k.decode() for k in (b"data", *label_keys) if k not in d]
    if missing:
        have = ", ".join(repr(k) for k in d)
        raise DataError(f"{path}: missing key(s) {', '.join(missing)} (have {have})")
    data = np.asarray(d[b"data"])
    if data.ndim != 2 or data.shape[1] != 3072 or data.dtype != np.uint8:
        raise DataError(f"{path}: b'data' must be uint8 N x 3072 (3 x 32 x 32 per row), got "
                        f"{data.dtype} {data.shape}")
    labels = []
    for k in label_keys:
        try:
            raw = np.asarray(d[k])
        except (TypeError, ValueError) as exc:  # ragged or odd objects
            raise DataError(f"{path}: {k!r} must be a list of integer class labels ({exc})"
                            ) from None
        if raw.dtype.kind not in "iu":  # strings, None, floats (which int64 would truncate)
            sample = raw.ravel()[:1].tolist()
            raise DataError(f"{path}: {k!r} must hold integer class labels, got dtype "
                            f"{raw.dtype}" + (f" (first entry {sample[0]!r})" if sample else ""))
        y = raw.astype(np.int64)
        if y.shape != (len(data),):
            raise DataError(f"{path}: {k!r} has {y.size} entries for {len(data)} images")
        labels.append(y)
    return data.reshape(-1, 3, 32, 32), labels


def _cifar_images(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32) / np.float32(255.0)


def _cifar_folder(root, sub: str, files: tuple[str, ...], name: str) -> Path:
    if root is None:
        raise DataError(f"{name}: no data folder given; pass the folder holding {sub}/")
    root = Path(root).expanduser()
    for folder in (root / sub, root):
        if all((folder / f).is_file() for f in files):
            return folder
    if not root.is_dir():
        raise DataError(f"{name}: folder {root} does not exist; it must hold {sub}/ with "
                        f"{', '.join(files)}")
    folder = root / sub if (root / sub).is_dir() else root
    missing = [f for f in files if not (folder / f).is_file()]
    raise DataError(f"{name}: missing {', '.join(missing)} in {folder}; expected {root}/{sub}/ "
                    f"with {', '.join(files)} (the python version of the data set)")


def _check_labels(y: np.ndarray, K: int, what: str) -> None:
    if len(y) and (y.min() < 0 or y.max() >= K):
        raise DataError(f"{what}: labels must lie in [0, {K}), found {y.min()}..{y.max()}")


def _names(meta_path: Path, key: bytes, default: tuple[str, ...]) -> tuple[str, ...]:
    if not meta_path.is_file():
        return default
    meta = _load_pickle(meta_path)
    names = meta.get(key)
    if not isinstance(names, (list, tuple)) or len(names) != len(default):
        return default
    return tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names)


def load_cifar10(root) -> Dataset:
    """CIFAR-10 from ``root/cifar-10-batches-py/`` (or ``root`` itself if it is that folder).

    Files: ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` -- pickled dicts with
    ``b'data'`` (uint8 N x 3072, channel-major 3 x 32 x 32) and ``b'labels'``;
    ``batches.meta`` (optional) gives ``b'label_names'``. Images come back N x 3 x 32 x 32 in
    [0, 1]. Only load files you trust (pickle).
    """
    files = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
    folder = _cifar_folder(root, "cifar-10-batches-py", files, "cifar10")
    parts = [_cifar_part(folder / f, (b"labels",)) for f in files]
    xtr = np.concatenate([p[0] for p in parts[:5]])
    ytr = np.concatenate([p[1][0] for p in parts[:5]])
    xte, (yte,) = parts[5]
    _check_labels(ytr, 10, f"{folder}/data_batch_*")
    _check_labels(yte, 10, f"{folder}/test_batch")
    names = _names(folder / "batches.meta", b"label_names", CIFAR10_CLASS_NAMES)
    return Dataset(_cifar_images(xtr), ytr, _cifar_images(xte), yte, K=10, name="cifar10",
                   class_names=names, source=str(folder))


def load_cifar100(root) -> Dataset:
    """CIFAR-100 from ``root/cifar-100-python/`` (or ``root`` itself if it is that folder).

    Files: ``train``, ``test`` -- pickled dicts with ``b'data'``, ``b'fine_labels'`` and
    ``b'coarse_labels'``; ``meta`` (optional) gives ``b'fine_label_names'`` and
    ``b'coarse_label_names'``. Labels are the 100 fine classes; ``fine_to_coarse`` (100
    entries) is read from the coarse labels, and every fine class must map to one super-class
    (a fine class with no images in the files takes its super-class from
    :data:`alfs_theory.noise.CIFAR100_FINE_TO_COARSE`, listed in
    ``extra["fine_to_coarse_filled_from_table"]``). Only load files you trust (pickle).
    """
    files = ("train", "test")
    folder = _cifar_folder(root, "cifar-100-python", files, "cifar100")
    keys = (b"fine_labels", b"coarse_labels")
    xtr, (ytr, ctr) = _cifar_part(folder / "train", keys)
    xte, (yte, cte) = _cifar_part(folder / "test", keys)
    fine = np.concatenate([ytr, yte])
    coarse = np.concatenate([ctr, cte])
    _check_labels(fine, 100, f"{folder}: fine_labels")
    _check_labels(coarse, 20, f"{folder}: coarse_labels")
    f2c = np.full(100, -1, dtype=np.int64)
    for f in range(100):
        cs = np.unique(coarse[fine == f])
        if len(cs) > 1:
            raise DataError(f"{folder}: fine class {f} appears with several coarse labels "
                            f"{cs.tolist()}; each fine class must belong to one super-class")
        if len(cs) == 1:
            f2c[f] = cs[0]
    absent = np.flatnonzero(f2c < 0)
    if absent.size:  # only in partial files (real ones hold every class): use the standard table
        from ..noise import CIFAR100_FINE_TO_COARSE

        f2c[absent] = np.asarray(CIFAR100_FINE_TO_COARSE)[absent]
    fine_names = _names(folder / "meta", b"fine_label_names", CIFAR100_FINE_NAMES)
    coarse_names = _names(folder / "meta", b"coarse_label_names", CIFAR100_COARSE_NAMES)
    return Dataset(_cifar_images(xtr), ytr, _cifar_images(xte), yte, K=100, name="cifar100",
                   class_names=fine_names, fine_to_coarse=f2c, coarse_names=coarse_names,
                   source=str(folder),
                   extra={"coarse_train": ctr, "coarse_test": cte,
                          "fine_to_coarse_filled_from_table": absent.tolist()})


# ---------------------------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------------------------

def _canonical(name: str) -> str:
    key = str(name).strip().lower().replace("_", "-")
    aliases = {"fashion-mnist": "fashion-mnist", "fashionmnist": "fashion-mnist",
               "fmnist": "fashion-mnist", "cifar-10": "cifar10", "cifar-100": "cifar100"}
    key = aliases.get(key, key)
    if key not in DATASET_NAMES:
        raise DataError(f"unknown data set {name!r}; known: {', '.join(DATASET_NAMES)}")
    return key


def _default_root(name: str) -> str:
    if name == "fashion-mnist" and Path(DEFAULT_FASHION_MNIST_ROOT).is_dir():
        return DEFAULT_FASHION_MNIST_ROOT
    return os.environ.get("ALFS_DATA_ROOT", "data")


def _download(name: str, root: str) -> None:
    try:
        import torchvision.datasets as tvd
    except ImportError:
        raise DataError(f"download=True for {name} needs torchvision (pip install torchvision); "
                        f"or place the files in {root} yourself") from None
    cls = {"mnist": tvd.MNIST, "fashion-mnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10,
           "cifar100": tvd.CIFAR100}[name]
    try:
        for train in (True, False):
            cls(root, train=train, download=True)
    except (OSError, RuntimeError, ValueError) as exc:  # network (URLError), checksum, format
        raise DataError(f"downloading {name} to {root} failed: {exc}; place the files in "
                        f"{root} yourself") from None


_LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist, "cifar10": load_cifar10,
            "cifar100": load_cifar100}


def load_dataset(name: str, data_root=None, download: bool = False, *, seed=0) -> Dataset:
    """Load a data set by name: ``digits``, ``mnist``, ``fashion-mnist``, ``cifar10``,
    ``cifar100``.

    ``data_root`` is the folder holding the files; None means
    ``/usr/share/datasets/fashion-mnist`` for fashion-mnist when it exists, otherwise
    ``$ALFS_DATA_ROOT`` or ``./data``. With ``download=True`` missing files are fetched with
    torchvision (a :class:`DataError` says so when torchvision is not installed). ``seed`` only
    affects the digits split.
    """
    key = _canonical(name)
    if key == "digits":
        return load_digits_default(seed=seed)
    root = str(data_root) if data_root is not None else _default_root(key)
    try:
        return _LOADERS[key](root)
    except DataError:
        if not download:
            raise
    _download(key, root)
    return _LOADERS[key](root)


def as_tensor_dataset(x: np.ndarray, y: np.ndarray):
    """A ``torch.utils.data.TensorDataset`` of (float32 images, int64 labels); imports torch."""
    import torch
    from torch.utils.data import TensorDataset

    return TensorDataset(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
                         torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64)))
