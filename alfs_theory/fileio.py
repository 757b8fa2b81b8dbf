"""Atomic file writes: results are written to a temporary file in the same folder, flushed to
disk, then moved into place, so an interrupted run never leaves a half-written file.

The temporary file is named ``.{name}.{pid}.{8 hex digits}.tmp`` after the target's name and
the writing process, so :func:`clean_stale_temps` can tell the leftovers of a killed writer
from a write that is still going on."""

from __future__ import annotations

import errno
import io
import math
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["atomic_write", "clean_stale_temps", "jsonable"]

# A temp of atomic_write, '.{name}.{pid}.{8 hex}.tmp'; and one that an earlier atomic_write
# made with tempfile.mkstemp, '.{name}.{8 characters}.tmp' (tried second: the first form
# also reads as the second with the pid taken into the name).
_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[0-9a-f]{8}\.tmp", re.DOTALL)
_OLD_TEMP = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp", re.DOTALL)


def _new_file_mode(path: Path) -> int | None:
    """The mode to give the finished file, or None for what the kernel gives a new file.

    An existing file keeps its mode, as rewriting it with ``open(path, "w")`` would."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def _create_temp(path: Path) -> tuple[int, str]:
    """Create and open a new temp file next to ``path``: (descriptor, its path).

    It is created with mode 0o666 so the kernel applies the umask (and any default ACL)
    exactly as for ``open(path, "w")``; ``tempfile.mkstemp`` would make every result 0o600.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), str(tmp)
        except FileExistsError:  # another writer drew the same 32 random bits
            continue


#: the errors of a file system that cannot take the result: errno -> what to say
DISK_ERRORS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
               errno.EROFS: "read-only file system"}


class _Recording(io.BufferedWriter):
    """A file that remembers the first OSError of its writes, so a writer that turns it into
    another exception (a library's RuntimeError) still reports the disk's error."""

    failure: OSError | None = None

    def _note(self, call, *args):
        try:
            return call(*args)
        except OSError as err:
            if self.failure is None:
                self.failure = err
            raise

    def write(self, b):
        return self._note(super().write, b)

    def flush(self):
        return self._note(super().flush)


def _write_error(path: Path, exc: BaseException, failure: OSError | None) -> BaseException:
    """The exception to raise for a failed write of ``path``: a full, over-quota or read-only
    file system as :class:`~alfs_theory.errors.WriteError` naming ``path``; another OSError
    named after ``path`` rather than its temp; anything else as it came."""
    from .errors import WriteError

    err = exc if isinstance(exc, OSError) and exc.errno is not None else (failure or exc)
    if not isinstance(err, OSError) or err.errno is None:
        # a writer that wrote to the descriptor itself (older torch.save) and failed in its own
        # words ("file write failed"): on a file system with no block left, that was the cause
        try:
            full = os.statvfs(path.parent).f_bavail == 0
        except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
            full = False
        if not full:
            return exc
        err = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if err.errno in DISK_ERRORS:
        reason = DISK_ERRORS[err.errno]
        return WriteError(err.errno, f"cannot write {path}: {reason} (free some space or "
                          "write elsewhere)", str(path))
    if err.strerror and (err.filename is None or str(err.filename).endswith(".tmp")):
        err.filename = str(path)  # (an OSError("text") has no strerror: left as it is)
    return err


def atomic_write(path: str | os.PathLike,
                 data: str | bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` to ``path`` atomically, creating its folder: text (as UTF-8), bytes, or
    a function that writes to the open binary file it is given (``lambda f: torch.save(obj,
    f)``), so every writer of the project goes through this one.

    The file gets the mode ``open(path, "w")`` would give it: an existing file keeps its
    mode, a new one gets 0o666 less the umask. On any error (or an interrupt) the temp file
    is removed and ``path`` is left as it was.

    A full, over-quota or read-only file system (ENOSPC, EDQUOT, EROFS), wherever the write
    meets it, raises :class:`~alfs_theory.errors.WriteError` (an OSError) naming ``path``."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")  # fail before creating anything
    elif not isinstance(data, (bytes, bytearray, memoryview)) and not callable(data):
        raise TypeError(f"atomic_write takes str, bytes or a writer function, got "
                        f"{type(data).__name__}")
    f = None
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = _new_file_mode(path)
        fd, tmp = _create_temp(path)
        with _Recording(io.FileIO(fd, "wb")) as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, Exception):
            new = _write_error(path, exc, getattr(f, "failure", None))
            if new is not exc:
                raise new from None
        raise


def _pid_alive(pid: int) -> bool:
    """Is ``pid`` a running process on this machine? True when that cannot be told."""
    if pid <= 0:
        return False  # never a writer's pid (and os.kill would signal a process group)
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def clean_stale_temps(folder: str | os.PathLike, name: str | None = None,
                      older_than_s: float = 60.0) -> list[Path]:
    """Remove the temp files that killed or failed :func:`atomic_write` calls left in ``folder``.

    Parameters
    ----------
    folder : str or PathLike
        The folder of the written files; not searched recursively. A missing folder has
        nothing to clean.
    name : str, optional
        Only the temps of the target file with this name (e.g. ``"record.json"``); all
        names by default.
    older_than_s : float, optional
        A temp is removed only when last modified more than this many seconds ago, so a
        write in progress (possibly by another machine sharing the folder, whose process ids
        mean nothing here) is never touched.

    Returns
    -------
    list of Path
        The files removed, sorted.

    A temp named with the id of a process that is running on this machine (this process
    included) is in use and kept, however old. Only files named as atomic_write names its
    temps (``.{name}.{pid}.{8 hex digits}.tmp``, or ``.{name}.{8 characters}.tmp`` as
    earlier versions made them) are considered; other files are never touched.
    """
    folder = Path(folder)
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    now = time.time()
    removed = []
    for entry in entries:
        m = _TEMP.fullmatch(entry.name)
        pid = int(m["pid"]) if m else None
        m = m or _OLD_TEMP.fullmatch(entry.name)
        if m is None or (name is not None and m["name"] != name):
            continue
        if pid is not None and _pid_alive(pid):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime <= older_than_s:
                continue
            os.unlink(entry.path)
        except FileNotFoundError:  # removed meanwhile, e.g. by another cleaner
            continue
        removed.append(Path(entry.path))
    return sorted(removed)


def jsonable(x: Any) -> Any:
    """Plain JSON types for a record (numpy scalars and arrays included); NaN and infinities
    become None, so the file is strict JSON."""
    import numpy as np

    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else None
    if x is None or isinstance(x, str):
        return x
    return str(x)
