"""Atomic writes: the mode a plain open() would give, no temp files left behind, and the
cleaning of temps that killed writers left."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest

from alfs_theory import fileio
from alfs_theory.fileio import atomic_write, clean_stale_temps

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and pids are POSIX")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _temps(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _age(path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


# ------------------------------------------------------------------------- file mode
@posix_only
@pytest.mark.parametrize("umask,expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["umask-022", "umask-077", "umask-002"])
def test_new_file_gets_the_mode_open_would_give(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "out.json", "{}")
        with open(tmp_path / "plain.json", "w") as f:
            f.write("{}")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "out.json") == expected == _mode(tmp_path / "plain.json")
    assert (tmp_path / "out.json").read_text() == "{}"


@posix_only
def test_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    old = os.umask(0o077)
    try:
        atomic_write(target, b"new")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o640


# ------------------------------------------------------------------ errors leave no temp
def test_failed_replace_leaves_no_temp_and_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")
    seen = []

    def broken_replace(src, dst):
        seen.append(os.path.basename(src))
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "new")
    assert _temps(tmp_path) == []
    assert target.read_text() == "old"
    # the temp was named after the target and this process, as clean_stale_temps expects
    assert seen and seen[0].startswith(f".out.json.{os.getpid()}.") and seen[0].endswith(".tmp")


def test_data_that_cannot_be_encoded_leaves_nothing(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        atomic_write(tmp_path / "out.txt", "lone surrogate \ud800")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_temp(tmp_path):
    with pytest.raises(TypeError):  # raised by the write into the open temp file
        atomic_write(tmp_path / "out.bin", 12345)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


# -------------------------------------------------------------------- clean_stale_temps
@posix_only
def test_clean_removes_dead_writers_temps_only(tmp_path):
    dead, live = _dead_pid(), os.getpid()
    stale = tmp_path / f".record.json.{dead}.0123abcd.tmp"
    in_use = tmp_path / f".record.json.{live}.89abcdef.tmp"
    legacy = tmp_path / ".record.json.k2_x9qaz.tmp"  # made by tempfile.mkstemp before
    keep = [tmp_path / "record.json", tmp_path / ".record.json", tmp_path / "notes.tmp",
            tmp_path / ".record.json.tmp", tmp_path / f".record.json.{dead}.xyz.tmp"]
    for p in [stale, in_use, legacy, *keep]:
        p.write_text("x")
        _age(p, 3600)
    removed = clean_stale_temps(tmp_path)
    assert removed == sorted([stale, legacy])
    assert not stale.exists() and not legacy.exists()
    assert in_use.exists() and all(p.exists() for p in keep)


@posix_only
def test_clean_spares_fresh_temps_and_other_names(tmp_path):
    dead = _dead_pid()
    fresh = tmp_path / f".a.csv.{dead}.0123abcd.tmp"
    other = tmp_path / f".b.csv.{dead}.0123abcd.tmp"
    fresh.write_text("x")
    other.write_text("x")
    _age(other, 3600)
    assert clean_stale_temps(tmp_path, "a.csv") == []  # too recent: may be another machine's
    assert other.exists()
    assert clean_stale_temps(tmp_path, "a.csv", older_than_s=0) == [fresh]
    assert clean_stale_temps(tmp_path, "b.csv") == [other]
    assert list(tmp_path.iterdir()) == []


def test_clean_of_a_missing_folder_is_a_no_op(tmp_path):
    assert clean_stale_temps(tmp_path / "nowhere") == []


@posix_only
def test_temps_of_a_killed_writer_are_cleaned(tmp_path):
    """A writer killed between creating and renaming its temp leaves it; the next run
    removes it."""
    script = (
        "import os, sys\n"
        "from alfs_theory import fileio\n"
        "fileio.os.replace = lambda src, dst: os.kill(os.getpid(), 9)\n"
        "fileio.atomic_write(sys.argv[1], 'partial')\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "ckpt.json")], check=False)
    left = _temps(tmp_path)
    assert len(left) == 1 and left[0].startswith(".ckpt.json.")
    assert clean_stale_temps(tmp_path, "ckpt.json", older_than_s=0) == [tmp_path / left[0]]
    assert list(tmp_path.iterdir()) == []
