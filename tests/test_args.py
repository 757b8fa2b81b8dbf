"""Arguments that were silently wrong (issue #23 item 6): each bad command line is refused with
exit 2, a message naming the argument and what would pass, before any work starts."""

from __future__ import annotations

import errno
import os
import socket

import pytest

from alfs_theory.cli import main

#: the functions that do a command's work: none may be reached by a refused command line
WORK = [
    ("alfs_theory.nn.crossval", "crossval"),
    ("alfs_theory.checks.checker", "check_loss"),
    ("alfs_theory.checks.conditions", "parameter_region"),
    ("alfs_theory.experiments.train", "run_training"),  # imported by alfs train when it runs
    ("alfs_theory.experiments.data", "load_dataset"),
    ("alfs_theory.experiments.sweep", "make_grid"),
    ("alfs_theory.cli.report", "run_report"),
    ("alfs_theory.cli.reproduce", "run_reproduction"),
    ("alfs_theory.ledger.run", "run_ledger"),
    ("alfs_theory.figures.build", "build"),
    ("alfs_theory.figures.build", "build_loss_card"),
]


@pytest.fixture
def no_work(monkeypatch):
    """Make every command's work fail loudly (an internal error, exit 3) if it is reached."""
    import importlib

    for mod, name in WORK:
        def started(*a, _name=name, **k):
            raise AssertionError(f"{_name} was called: the refusal came after the work began")

        monkeypatch.setattr(importlib.import_module(mod), name, started)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # the threads cap's message is fixed


def run(argv) -> int:
    """``alfs argv`` in this process: its exit code, whether argparse or the command refuses."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


BAD = [
    # (command line, what stderr must say)
    (["crossval", "ce", "-K", ""], ["--classes/-K", "at least one", ">= 2"]),
    (["crossval", "ce", "-K", ","], ["--classes/-K", "at least one"]),
    (["crossval", "ce", "-K", "2,1"], ["--classes/-K", "'1' is not one"]),
    (["crossval", "ce", "-K", "100000000"], ["--classes/-K", "<= 10000"]),
    (["crossval", "ce", "--rows", "100000000"], ["--rows", "<= 5000000"]),
    (["crossval", "ce", "--rows", "2000000", "-K", "100"], ["--rows", "1e+07", "--rows <= 100000"]),
    (["check", "ce", "-K", "100000000"], ["--classes/-K", "<= 10000"]),
    (["region", "agce", "--vary", "a=0.5:2", "-K", "100000000"], ["--classes/-K", "<= 10000"]),
    (["ratio", "ce", "-K", "100000000"], ["--classes/-K", "<= 10000"]),
    (["figures", "--loss", "ce", "-K", "100000000"], ["--classes/-K", "<= 10000"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--threads", "100000"],
     ["--threads", "<= 8", "this machine has 2 cores"]),
    (["sweep", "--losses", "ce", "--out", "{tmp}/s", "--threads", "100000"], ["--threads"]),
    (["sweep", "--losses", "ce", "--out", "{tmp}/s", "--workers", "100000"], ["--workers"]),
    (["reproduce", "--out", "{tmp}/p", "--threads", "100000"], ["--threads"]),
    (["report", "--out", "{tmp}/p", "--workers", "100000"], ["--workers"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--lr", "1e300"], ["--lr", "<= 1000"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--lr", "nan"], ["--lr", "finite"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--lr", "0"], ["--lr", "> 0"]),
    (["sweep", "--losses", "ce", "--out", "{tmp}/s", "--lr", "inf"], ["--lr", "finite"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--weight-decay", "-1"],
     ["--weight-decay", ">= 0"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--weight-decay", "inf"],
     ["--weight-decay", "finite"]),
    (["check", "ce", "--timeout", "1e300"], ["--timeout", "<= 1e+06"]),
    (["region", "agce", "--vary", "a=0.5:2", "--timeout", "1e300"], ["--timeout"]),
    (["region", "agce", "--vary", "a=0.5:2", "--plot", "{tmp}/out.txt"],
     ["--plot", "ends in .txt", "png", "pdf", "svg"]),
    (["region", "agce", "--vary", "a=0.5:2", "--plot", "{tmp}/out"], ["--plot", "no extension"]),
    (["region", "agce", "--vary", "a=0.5:2", "--plot", "{tmp}"], ["--plot", "is a folder"]),
    (["region", "agce", "--vary", "a=0.5:2", "--plot", ""], ["--plot", "is empty"]),
    (["region", "agce", "--vary", "a=0.5:2", "--plot", "{tmp}/file/out.png"],
     ["plot folder", "--plot"]),
    (["train", "--loss", "ce", "--out", ""], ["--out", "is empty", "current folder"]),
    (["sweep", "--losses", "ce", "--out", ""], ["--out", "is empty"]),
    (["verify", "--out", ""], ["--out", "is empty"]),
    (["figures", "--out", ""], ["--out", "is empty"]),
    (["report", "--out", ""], ["--out", "is empty"]),
    (["reproduce", "--out", " "], ["--out", "is empty"]),
    (["reproduce", "--out", "{tmp}/p", "--data-root", ""], ["--data-root", "is empty"]),
    (["figures", "--runs", ""], ["--runs", "is empty"]),
    (["region", "agce", "--vary", "a=0.5:2", "--vary", "a=1:3"], ["--vary a", "twice"]),
    (["sweep", "--expr", "m=1 - u", "--expr", "m=1 - u**2", "--out", "{tmp}/s"],
     ["--expr m", "twice"]),
    (["check", "agce", "--param", "a=1", "--param", "a=2"], ["--param a", "twice"]),
    (["sweep", "--losses", "agce", "--loss-param", "agce:a=1", "--loss-param", "agce:a=2",
      "--out", "{tmp}/s"], ["--loss-param agce:a", "twice"]),
    (["check", "--expr", "(1 - u)**a", "--domain", "a:a > 0", "--domain", "a:a < 1"],
     ["--domain a", "twice"]),
    (["check", "ce", "--noise", ""], ["--noise", "is empty", "symmetric:0.4"]),
    (["region", "agce", "--vary", "a=0.5:2", "--noise", " "], ["--noise", "is empty"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--noise", ""], ["--noise", "is empty"]),
    (["sweep", "--losses", "ce", "--out", "{tmp}/s", "--noise", ","], ["--noise"]),
    (["reproduce", "--out", "{tmp}/p", "--noise", ""], ["--noise"]),
    (["reproduce", "--out", "{tmp}/p", "--losses", ","], ["--losses"]),
    (["check", "ce", "--only", ""], ["--only", "check names"]),
    (["check", "ce", "--only", ","], ["--only"]),
    (["verify", "--only", ""], ["--only", "ledger ids"]),
    (["figures", "--only", ""], ["--only", "figure names"]),
    (["sweep", "--losses", "ce", "--out", "{tmp}/s", "--ray", ""], ["--ray", "is empty"]),
    (["check", "ce", "--domain", "a:a > 0"], ["--domain", "--expr only", "'ce'"]),
    (["region", "agce", "--vary", "a=0.5:2", "--domain", "q:q > 0"], ["--domain", "--expr"]),
    (["figures", "--loss", "ce", "--domain", "a:a > 0"], ["--domain", "--expr only"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--domain", "a:a > 0"], ["--domain"]),
    (["train", "--loss", "ce", "--out", "{tmp}/r", "--name", "mine"], ["--name", "--expr"]),
    (["train", "--expr", "1 - u", "--out", "{tmp}/r", "--name", ""], ["--name", "is empty"]),
    (["check", "--expr", "1 - u", "--noise", "/dev/zero"],
     ["/dev/zero", "not a regular file"]),
    (["check", "--expr", "1 - u", "--noise", "{tmp}"], ["is a directory"]),
    (["region", "agce", "--vary", "a=0.5:2", "--noise", "{tmp}/big.npy"],
     ["big.npy", "MB", "right file"]),
    (["check", "--expr", "1 - u", "--noise", "{tmp}/matrix.bin"], ["matrix.bin", ".npy"]),
]


@pytest.mark.parametrize("argv,says", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_arguments_are_refused_before_any_work(argv, says, tmp_path, capsys, no_work):
    with open(tmp_path / "big.npy", "wb") as f:  # 11 MB, sparse: never read
        f.truncate(11 * 2**20)
    (tmp_path / "matrix.bin").write_bytes(b"0")
    (tmp_path / "file").write_text("a file where the plot's folder should be")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert run(argv) == 2
    err = capsys.readouterr().err
    for s in says:
        assert s in err, f"{s!r} not in {err!r}"
    assert "internal error" not in err
    assert not (tmp_path / "r").exists() and not (tmp_path / "s").exists()


def test_an_unreachable_ray_cluster_is_refused_in_seconds(tmp_path, capsys, no_work,
                                                          monkeypatch):
    """--ray HOST:PORT must answer a TCP connection within a few seconds (checked before Ray is
    imported, so this runs without Ray): a closed port, and a host that never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connection refused
    argv = ["sweep", "--losses", "ce", "--out", str(tmp_path / "s"), "--ray"]
    assert run([*argv, f"127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert f"--ray 127.0.0.1:{port}: cannot connect to 127.0.0.1 port {port}" in err

    asked = []

    def silent(address, timeout=None):
        asked.append(timeout)
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", silent)
    assert run([*argv, "ray://10.255.255.1"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect to 10.255.255.1 port 10001 within 3 s (timed out)" in err
    assert asked == [3.0]
    for bad in ("nohost", "a:b:c", "ray://"):
        assert run([*argv, bad]) == 2
        assert "is not a Ray address" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("code,says", [(errno.ENOSPC, "no space left on device"),
                                       (errno.EDQUOT, "disk quota exceeded"),
                                       (errno.EROFS, "read-only file system")])
def test_a_full_disk_names_the_file(tmp_path, code, says):
    from alfs_theory.errors import AlfsError, WriteError
    from alfs_theory.fileio import atomic_write

    def full(f):
        f.write(b"x" * 100)
        raise OSError(code, os.strerror(code))

    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(WriteError) as e:
        atomic_write(target, full)
    assert isinstance(e.value, AlfsError) and isinstance(e.value, OSError)
    assert str(e.value).startswith(f"cannot write {target}: {says}")
    assert e.value.errno == code and e.value.filename == str(target)
    assert target.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["out.bin"]


def _dev_full(monkeypatch, tmp_path):
    """Make atomic_write's temp files /dev/full, where the kernel answers writes ENOSPC."""
    from alfs_theory import fileio

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    monkeypatch.setattr(fileio, "_create_temp", lambda path: (
        os.open("/dev/full", os.O_WRONLY), str(tmp_path / "never-made.tmp")))


def test_a_disk_error_that_a_writer_wraps_is_still_reported(tmp_path, monkeypatch):
    """A library that turns the write's OSError into its own exception (torch.save did, as
    'PytorchStreamWriter failed writing file'): the disk's error is what is reported."""
    from alfs_theory.errors import WriteError
    from alfs_theory.fileio import atomic_write

    _dev_full(monkeypatch, tmp_path)

    def wrapped(f):
        try:
            f.write(b"x" * 100_000)  # past the buffer: reaches the device
        except OSError:
            raise RuntimeError("PytorchStreamWriter failed writing file data/0") from None

    with pytest.raises(WriteError, match="out.pt: no space left on device"):
        atomic_write(tmp_path / "out.pt", wrapped)


def test_a_writer_failing_in_its_own_words_on_a_full_disk(tmp_path, monkeypatch):
    """A writer that writes to the descriptor itself and fails without an OSError (older
    torch.save: 'write(): fd 29 failed'): on a file system with no free block, the cause is
    the full disk; with free blocks its own error is kept."""
    import types

    from alfs_theory import fileio
    from alfs_theory.errors import WriteError
    from alfs_theory.fileio import atomic_write

    def own_words(f):
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed")

    with pytest.raises(RuntimeError, match="file write failed"):
        atomic_write(tmp_path / "a.pt", own_words)
    monkeypatch.setattr(fileio.os, "statvfs", lambda p: types.SimpleNamespace(f_bavail=0))
    with pytest.raises(WriteError, match="a.pt: no space left on device"):
        atomic_write(tmp_path / "a.pt", own_words)
    assert os.listdir(tmp_path) == []


def test_a_full_disk_during_training_exits_2_naming_the_checkpoint(tmp_path, capsys,
                                                                   monkeypatch):
    """The kernel's own ENOSPC (/dev/full) while the checkpoint is written: exit 2, not 3."""
    _dev_full(monkeypatch, tmp_path)
    out = tmp_path / "r"
    assert run(["train", "--loss", "ce", "--out", str(out), "--epochs", "1", "--threads", "1",
                "--train-subset", "40", "--test-subset", "20", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"alfs train: error: cannot write {out / 'checkpoint.pt'}: no space left on device" \
        in err


def test_the_library_refuses_the_same_values():
    """The checks behind the arguments hold for library callers too."""
    from alfs_theory.checks.conditions import parse_vary
    from alfs_theory.errors import AlfsError, InputError
    from alfs_theory.experiments.train import TrainConfig, resolve_config
    from alfs_theory.noise import make_noise

    with pytest.raises(InputError, match="lr must be <= 1000"):
        resolve_config(TrainConfig(loss="ce", lr=1e300))
    with pytest.raises(InputError, match="weight_decay must be <= 1000"):
        resolve_config(TrainConfig(loss="ce", weight_decay=1e9))
    with pytest.raises(InputError, match="twice"):
        parse_vary(["a=0:1", "a=2:3"])
    with pytest.raises(InputError, match="not a regular file"):
        make_noise("/dev/null", 3)
    from alfs_theory.checks.checker import check_loss
    from alfs_theory.registry import get_loss

    with pytest.raises(InputError, match="timeout"):
        check_loss(get_loss("ce"), timeout=1e300)
    torch = pytest.importorskip("torch")
    from alfs_theory.nn.crossval import crossval

    def fn(z, y):
        return torch.nn.functional.cross_entropy(z, y, reduction="none")

    for kw, says in [({"classes": []}, "at least one"), ({"classes": [10**8]}, "<= 10000"),
                     ({"rows": 10**8, "classes": [10]}, "rows x K")]:
        with pytest.raises(AlfsError, match=says):
            crossval(fn, "ce", **kw)


def test_good_values_still_pass(tmp_path):
    """The caps leave the ordinary values alone (the parser accepts them)."""
    from alfs_theory.cli import build_parser

    p = build_parser()
    a = p.parse_args(["crossval", "ce", "-K", "2, 10,100", "--rows", "1000"])
    assert a.classes == (2, 10, 100)
    a = p.parse_args(["train", "--loss", "ce", "--out", ".", "--lr", "0.01", "--weight-decay",
                      "0", "--threads", "1"])
    assert (a.lr, a.weight_decay, a.threads, a.out) == (0.01, 0.0, 1, ".")
    a = p.parse_args(["region", "agce", "--vary", "a=0.5:2", "--plot",
                      str(tmp_path / "phase.PDF"), "--noise", "symmetric:0.2"])
    assert a.plot.endswith(".PDF")
    assert p.parse_args(["check", "ce", "-K", "10000"]).classes == 10000


def test_a_typed_loss_is_called_by_its_name_everywhere(tmp_path, capsys):
    """--name labels a loss typed with --expr in check, ratio and figures output (issue #25);
    beside a registered loss, blank, odd or a registered name, it is refused before any work."""
    import json

    assert main(["check", "--expr", "exp(-u/3)", "--name", "e3", "-K", "3", "--only", "ratio",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["loss"] == "e3"
    assert main(["ratio", "--expr", "exp(-u/3)", "--name", "e3"]) == 0
    assert capsys.readouterr().out.startswith("e3 ")
    assert main(["figures", "--expr", "exp(-u/3)", "--name", "e3", "--quick", "--out",
                 str(tmp_path)]) == 0
    assert (tmp_path / "fig_loss_card_e3.png").exists()
    capsys.readouterr()
    assert main(["check", "ce", "--name", "mine"]) == 2
    assert "the registered loss 'ce' keeps its name: drop --name 'mine'" in \
        capsys.readouterr().err
    for bad, why in (("ce", "'ce' is a registered loss"), ("a b", "expected a name of 1 to 64"),
                     ("", "is empty")):
        with pytest.raises(SystemExit) as ex:
            main(["check", "--expr", "1 - u", "--name", bad])
        assert ex.value.code == 2 and why in capsys.readouterr().err
