"""The user's torch code in a process of its own: ``--torch MODULE:NAME``, bounded and named.

``alfs check --torch`` and ``alfs crossval --torch`` evaluate a loss given only as code,
``fn(logits, labels) -> per-example losses``. Whatever that code does (raise, return NaN,
call ``sys.exit``, sleep, allocate without end, recurse, call CUDA on a machine without a GPU)
is the user's error, not ours: it must neither crash alfs-theory (exit 3), nor end it quietly
(exit 0 with no output), nor hang it. So the code runs in a child process:

* :class:`UserLoss` is the proxy the commands use. It starts ``python -c`` running
  :func:`serve` (a fresh interpreter: no fork of a process that holds torch threads), imports
  ``MODULE`` there, and sends batches of logits and labels (numpy arrays) through a pipe; the
  child answers with the per-example values, and for :func:`~alfs_theory.nn.crossval.crossval`
  with the gradient of their sum with respect to the logits (autograd runs in the child too).
* The child is bounded: each request (the import, then each batch) may use ``timeout`` seconds
  of CPU time (``RLIMIT_CPU``, re-armed per request), and the parent stops waiting after
  ``2 * timeout + 1`` seconds of wall-clock time (so sleeping code is stopped too); its address
  space may grow by ``memory_limit`` bytes beyond what the worker holds after importing torch
  (``RLIMIT_AS``; not applied where CUDA is available, since CUDA reserves address space up
  front). torch uses one thread there.
* Every failure becomes :class:`~alfs_theory.errors.UserCodeError` (an ``InputError``: the
  command exits 2) naming the function and what it did, with the last frame of the user's
  traceback. What the code prints goes to our stderr, so ``--format json`` stays clean.

:class:`LocalLoss` is the same evaluation in this process (the registered twins, the composite
form, :func:`~alfs_theory.testing.assert_torch_matches`); the child runs exactly it, so both
paths compute the same numbers from the same inputs. :func:`load_callable` imports
``MODULE:NAME``: the one place alfs-theory loads code that is not its own.

Example
-------
>>> import numpy as np
>>> with UserLoss("alfs_theory.nn.functional:mae_loss", timeout=30) as fn:  # doctest: +SKIP
...     fn.values(np.log(np.full((2, 3), 1 / 3)), np.array([0, 2]))
array([0.66666667, 0.66666667])
"""

from __future__ import annotations

import importlib
import json
import math
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..errors import InputError, UserCodeError

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_TIMEOUT", "LocalLoss", "UserLoss", "as_evaluator",
           "load_callable", "memory_text", "serve"]

DEFAULT_TIMEOUT = 60.0  # seconds of CPU time per request (the commands' --timeout)
DEFAULT_MEMORY_LIMIT = 4 * 2 ** 30  # bytes of address space beyond the worker's own
_STARTUP_SECONDS = 300.0  # our own start (python, torch, numpy): generous on a busy machine
_HEADER = struct.Struct("<Q")


def load_callable(ref: str, params: dict | None = None) -> Callable:
    """``"package.module:attribute"`` -> a callable ``(logits, labels) -> losses``.

    The module is imported by name (the current folder is searched first, as ``python -m``
    does); the attribute may be dotted (``module:Class.method``). A class is instantiated
    with ``params`` as keyword arguments. Raises InputError saying what was not found.
    This runs the user's module in the calling process: the commands call it only in the
    child of :class:`UserLoss`.
    """
    mod_name, attr = split_ref(ref)
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")
    try:
        obj: Any = importlib.import_module(mod_name)
    except ImportError as exc:
        raise InputError(f"cannot import module {mod_name!r} for --torch {ref}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InputError(f"module {mod_name!r} has no attribute {attr!r} (--torch {ref})")
        obj = getattr(obj, part)
    if isinstance(obj, type):
        try:
            obj = obj(**(params or {}))
        except TypeError as exc:
            raise InputError(f"could not build {ref} with the parameters {params or {}}: "
                             f"{exc}") from None
    if not callable(obj):
        raise InputError(f"{ref} is a {type(obj).__name__}, not a callable loss")
    return obj


def split_ref(ref: str) -> tuple[str, str]:
    """``"pkg.mod:attr"`` -> ("pkg.mod", "attr"); InputError for anything else."""
    mod_name, sep, attr = str(ref).partition(":")
    if not sep or not mod_name or not attr:
        raise InputError(f"--torch expects MODULE:NAME (e.g. mypkg.losses:my_loss), got {ref!r}")
    return mod_name, attr


class LocalLoss:
    """A torch loss ``fn(logits, labels)`` evaluated in this process, the two ways the checks
    need it. ``phase`` says what was running when an exception left a method: ``"call"`` (the
    loss itself), ``"output"`` (what it returned was checked) or ``"backward"`` (autograd)."""

    def __init__(self, fn: Callable, subject: str = "the torch loss") -> None:
        self.fn, self.subject = fn, subject
        self.phase = "call"

    def values(self, logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """float64 (N,) losses of float64 ``logits`` (N, K), without autograd; InputError when
        the loss does not return per-example losses."""
        n = len(logits)
        self.phase = "call"
        with torch.no_grad():
            out = self.fn(torch.tensor(logits, dtype=torch.float64),
                          torch.tensor(np.asarray(labels), dtype=torch.int64))
        self.phase = "output"
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (n,):
            got = (f"shape {tuple(out.shape)}" if isinstance(out, torch.Tensor) else
                   f"a {type(out).__name__}, not a tensor")
            raise InputError(f"{self.subject} returned {got}; it must return per-example "
                             f"losses of shape (N,) = ({n},)".lstrip())
        return out.double().cpu().numpy()

    def values_and_grad(self, logits: torch.Tensor,
                        labels: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """(values, d sum(values) / d logits) as float64 arrays: values (N,), or () when the
        loss returns a scalar (a mean); TypeError/ValueError when it returns anything else or
        does not depend on the logits."""
        rows = logits.shape[0]
        zz = logits.clone().requires_grad_(True)
        self.phase = "call"
        out = self.fn(zz, labels)
        self.phase = "output"
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"returned {type(out).__name__}, not a tensor")
        if out.dim() != 0 and tuple(out.shape) != (rows,):
            raise ValueError(f"returned shape {tuple(out.shape)}; expected ({rows},) "
                             "per-example losses or a scalar mean")
        self.phase = "backward"
        (grad,) = torch.autograd.grad(out.sum(), zz, allow_unused=True)
        self.phase = "output"
        if grad is None:
            raise ValueError("returned losses that do not depend on the logits (no gradient)")
        return out.detach().double().cpu().numpy(), grad.detach().double().cpu().numpy()


def as_evaluator(fn: Callable) -> UserLoss | LocalLoss:
    """``fn`` itself when it is a :class:`UserLoss` or :class:`LocalLoss`, else a
    :class:`LocalLoss` running it in this process."""
    return fn if isinstance(fn, (UserLoss, LocalLoss)) else LocalLoss(fn)


def memory_text(n: int | None) -> str:
    """Bytes as a short size: ``4 GiB``, ``512 MiB``; None: ``no limit``."""
    if n is None:
        return "no limit"
    for unit, size in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} B"


# -- the pipe: 8-byte length, then a pickle ---------------------------------------------------

class _WallTimeout(Exception):
    pass


def _send(fd: int, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes | None:
    chunks, left = [], n
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise _WallTimeout
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None  # the other end is gone
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv(fd: int, deadline: float | None = None):
    """The next message, or None when the other end closed the pipe."""
    head = _read_exactly(fd, _HEADER.size, deadline)
    if head is None:
        return None
    body = _read_exactly(fd, _HEADER.unpack(head)[0], deadline)
    return None if body is None else pickle.loads(body)


# -- the child --------------------------------------------------------------------------------

class _CpuBudget(BaseException):
    """SIGXCPU in the child: the request used up its CPU time (a BaseException, so that the
    user's ``except Exception`` does not swallow it)."""


def _on_xcpu(signum, frame):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if soft != resource.RLIM_INFINITY:  # room to report before the next SIGXCPU
        resource.setrlimit(resource.RLIMIT_CPU, (soft + 5 if hard == resource.RLIM_INFINITY
                                                 else min(soft + 5, hard), hard))
    raise _CpuBudget


def _arm_cpu(seconds: float | None) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX: the parent's wall-clock guard only
        return

    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if seconds is None:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        return
    ru = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(ru.ru_utime + ru.ru_stime + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _vm_size() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _limit_memory(extra: int | None) -> dict:
    """RLIMIT_AS = the worker's address space now + ``extra``; what was set, for messages."""
    if extra is None:
        return {"memory": None}
    if torch.cuda.is_available():
        return {"memory": None, "memory_note": "not applied: CUDA is available here and "
                "reserves address space up front"}
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return {"memory": None}
    base = _vm_size()
    if base is None:  # pragma: no cover - no /proc
        return {"memory": None}
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    want = base + int(extra)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    return {"memory": int(extra), "base": base}


_OUR_DIRS: tuple = ()


def _our_dirs() -> tuple:
    """Folders whose frames are not the user's: the standard library, torch, numpy, us."""
    global _OUR_DIRS
    if not _OUR_DIRS:
        import sysconfig

        paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")}
        for mod in (torch, np, sys.modules[__name__.split(".")[0]]):
            paths.add(os.path.dirname(os.path.abspath(mod.__file__)))
        _OUR_DIRS = tuple(os.path.join(os.path.abspath(p), "") for p in paths)
    return _OUR_DIRS


def _where(exc: BaseException) -> str:
    """`` (at FILE:LINE, in FUNC)``: the last frame of the traceback in the user's code."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not f.filename.startswith("<")
            and not os.path.abspath(f.filename).startswith(_our_dirs())]
    f = (mine or frames or [None])[-1]
    return f" (at {f.filename}:{f.lineno}, in {f.name})" if f is not None else ""


def _out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("can't allocate memory" in text
                                              or "not enough memory" in text
                                              or "out of memory" in text)


def _describe(exc: BaseException, phase: str, limits: dict, timeout: float | None) -> str:
    """What the user's code did, as the end of a sentence that starts with its name."""
    while_ = " while being imported" if phase == "import" else ""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}){while_}{_where(exc)}"
    if isinstance(exc, _CpuBudget):
        return (f"did not finish within {timeout:g} s of CPU time (--timeout){while_}"
                f"{_where(exc)}")
    if isinstance(exc, RecursionError):
        return (f"exceeded the maximum recursion depth ({sys.getrecursionlimit()} frames)"
                f"{while_}{_where(exc)}")
    if _out_of_memory(exc):
        return (f"ran out of memory (limit {memory_text(limits.get('memory'))} beyond the "
                f"worker's own, --memory-limit){while_}{_where(exc)}: {text}")
    if isinstance(exc, SyntaxError) and phase == "import":
        return f"has a syntax error at {exc.filename}:{exc.lineno}: {exc.msg}"
    low = str(exc).lower()
    if ("cuda" in low or "nvidia" in low) and not torch.cuda.is_available():
        return f"called CUDA on a machine without a GPU ({text}){while_}{_where(exc)}"
    if phase == "output":  # our look at what it returned: the message says what
        return str(exc) if str(exc).startswith("returned") else f"returned a bad result: {exc}"
    if phase == "backward":
        return ("failed when differentiated (autograd of the sum of its outputs with respect "
                f"to the logits): {text}{_where(exc)}")
    msg = f": {exc}" if str(exc) else ""
    return f"raised {type(exc).__name__}{while_}{msg}{_where(exc)}"


def serve(rfd: int, wfd: int) -> None:
    """The child's loop: read a request, run the user's code under its budget, answer.

    Requests: ``("load", ref, params, timeout)``, ``("values", logits, labels, timeout)``,
    ``("grad", logits, labels, timeout)``, ``("exit",)``. Answers: ``("ok", ...)`` or
    ``("error", kind, text)``, kind ``"input"`` (a message of ours, as is) or ``"user"``.
    """
    import faulthandler

    torch.set_num_threads(1)
    faulthandler.enable()  # a crash in C code still prints where the Python code was
    if hasattr(signal, "SIGXCPU"):
        signal.signal(signal.SIGXCPU, _on_xcpu)
    msg = _recv(rfd)
    limits = _limit_memory(msg[1] if msg and msg[0] == "limits" else None)
    _send(wfd, ("ready", limits))
    loss = None
    while True:
        msg = _recv(rfd)
        if msg is None or msg[0] == "exit":
            return
        op, timeout = msg[0], msg[-1]
        phase = "import" if op == "load" else "call"
        try:
            _arm_cpu(timeout)
            if op == "load":
                loss = LocalLoss(load_callable(msg[1], msg[2]), subject="")
                reply: tuple = ("ok",)
            elif op == "values":
                reply = ("ok", loss.values(msg[1], msg[2]))
            else:
                reply = ("ok", *loss.values_and_grad(torch.from_numpy(msg[1]),
                                                     torch.from_numpy(msg[2])))
            _arm_cpu(None)
        except KeyboardInterrupt:  # Ctrl-C reached us and the parent: leave quietly
            os._exit(130)
        except BaseException as exc:  # noqa: BLE001 - whatever the user's code did
            _arm_cpu(None)
            if loss is not None and op != "load":
                phase = loss.phase
            if isinstance(exc, InputError) and op == "load":  # not found: our message
                reply = ("error", "input", str(exc))
            else:
                try:
                    reply = ("error", "user", _describe(exc, phase, limits, timeout))
                except Exception:  # noqa: BLE001 - an exception whose str() fails, say
                    reply = ("error", "user", (f"raised {type(exc).__name__} (its message "
                                               f"could not be shown){_where(exc)}"))
        _send(wfd, reply)


_CHILD_CODE = ("import json, os, sys; sys.path[:] = json.loads(os.environ.pop("
               "'ALFS_SANDBOX_PATH')); from alfs_theory.nn.sandbox import serve; "
               "serve(int(sys.argv[1]), int(sys.argv[2]))")


def _signal_name(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def _reap(proc: subprocess.Popen, fds: list) -> None:
    """Stop the child (politely, then not) and close the pipe ends: the proxy's finaliser."""
    if proc.poll() is None:
        try:
            _send(fds[0], ("exit",))
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


class UserLoss:
    """The torch loss ``ref = "MODULE:NAME"`` run in a child process (see the module doc).

    ``values(logits, labels)`` and ``values_and_grad(logits, labels)`` answer as
    :class:`LocalLoss` does, from the child; calling the proxy like the loss returns the
    values as a tensor (no autograd). Use it as a context manager (or call :meth:`close`);
    the child is started on first use and restarted after an interrupted request.

    ``timeout``: seconds of CPU time per request (the import, each batch); the parent waits
    ``2 * timeout + 1`` s of wall-clock time at most. ``memory_limit``: bytes the child's
    address space may grow beyond the worker's own (None: no limit). ``output``: where what
    the user's code prints goes (default: ``sys.stderr`` at the time).
    """

    def __init__(self, ref: str, params: dict | None = None, *,
                 timeout: float | None = DEFAULT_TIMEOUT,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT, output=None) -> None:
        split_ref(ref)
        self.ref, self.params = ref, dict(params or {})
        self.__name__ = ref
        self.timeout, self.memory_limit = timeout, memory_limit
        self.wall = None if timeout is None else 2 * timeout + 1
        self.output = output
        self.limits: dict = {}
        self.starts = 0
        self._proc: subprocess.Popen | None = None
        self._fds: list = []
        self._log = None
        self._shown = 0
        self._finalizer = None

    # -- life cycle
    def __enter__(self) -> UserLoss:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the child and import the user's module there (errors name the module)."""
        if self._proc is not None:
            return
        to_child, from_parent = os.pipe()[::-1]  # (write end, read end)
        from_child, to_parent = os.pipe()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        env = dict(os.environ, ALFS_SANDBOX_PATH=json.dumps([os.path.abspath(p) if p else p
                                                             for p in sys.path]),
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE, str(from_parent), str(to_parent)],
            pass_fds=(from_parent, to_parent), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=self._log, env=env, close_fds=True)
        os.close(from_parent)
        os.close(to_parent)
        self._fds = [to_child, from_child]
        self._finalizer = weakref.finalize(self, _reap, self._proc, self._fds)
        self.starts += 1
        try:
            _send(to_child, ("limits", self.memory_limit))
            ready = _recv(from_child, time.monotonic() + _STARTUP_SECONDS)
        except _WallTimeout:
            self._stop(kill=True)
            raise RuntimeError(f"the worker process for --torch {self.ref} did not start within "
                               f"{_STARTUP_SECONDS:g} s") from None
        except BaseException:
            self._stop(kill=True)
            raise
        if not ready or ready[0] != "ready":
            self._forward_output()
            rc = self._stop()
            raise RuntimeError(f"the worker process for --torch {self.ref} did not start "
                               f"(exit status {rc}); its output is above")
        self.limits = ready[1]
        self._request(("load", self.ref, self.params, self.timeout))

    def close(self) -> None:
        """Stop the child; what its code printed has been shown."""
        if self._proc is not None:
            self._forward_output()
            self._stop()

    def _stop(self, kill: bool = False) -> int | None:
        proc, self._proc = self._proc, None
        if kill and proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if self._finalizer is not None:
            self._finalizer()  # _reap: once
            self._finalizer = None
        if self._log is not None:
            self._forward_output()
            self._log.close()
            self._log, self._shown = None, 0
        return None if proc is None else proc.returncode

    def _forward_output(self) -> None:
        """Show what the user's code printed since the last time (on stderr)."""
        if self._log is None:
            return
        size = os.fstat(self._log.fileno()).st_size
        if size > self._shown:
            data = os.pread(self._log.fileno(), size - self._shown, self._shown)
            self._shown = size
            out = self.output if self.output is not None else sys.stderr
            out.write(data.decode("utf-8", "replace"))
            out.flush()

    # -- requests
    def _fail(self, what: str) -> UserCodeError:
        return UserCodeError(f"the torch loss {self.ref} {what}")

    def _died(self, phase: str) -> UserCodeError:
        proc = self._proc
        try:
            rc = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # it closed our pipe but lives on
            proc.kill()
            rc = proc.wait()
        self._forward_output()
        self._stop()
        while_ = " while being imported" if phase == "load" else ""
        if rc == -getattr(signal, "SIGXCPU", -1):
            return self._fail(f"did not finish within {self.timeout:g} s of CPU time "
                              f"(--timeout){while_}")
        if rc is not None and rc < 0:
            name = _signal_name(-rc)
            why = {"SIGKILL": ": out of memory (the system's OOM killer) or killed from outside",
                   "SIGSEGV": " (a segmentation fault: deep recursion in C code or a bug in an "
                              "extension; the traceback above shows where)",
                   "SIGABRT": " (aborted; the output above says why)"}.get(name, "")
            return self._fail(f"crashed{while_}: its process was ended by {name}{why}")
        return self._fail(f"exited with status {rc}{while_} instead of returning losses "
                          "(os._exit, or a library that ends the process)")

    def _child_cpu(self) -> float:
        """CPU seconds the child has used so far (user + system), 0 where /proc is absent."""
        try:
            with open(f"/proc/{self._proc.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError, AttributeError):
            return 0.0

    def _await(self, deadline: float | None):
        """The child's reply; meanwhile its CPU time is charged to the command's budget
        (:func:`alfs_theory.timing.charge`), which may expire here (the call is then
        interrupted and the child restarted on the next call)."""
        from ..timing import charge, poll

        fd, last = self._fds[1], self._child_cpu()
        try:
            while True:
                wait = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
                if wait <= 0:
                    raise _WallTimeout
                ready = select.select([fd], [], [], wait)[0]
                now = self._child_cpu()
                charge(now - last)
                last = now
                if ready:
                    return _recv(fd, deadline)
                poll()
        finally:
            charge(self._child_cpu() - last)

    def _request(self, msg: tuple):
        if self._proc is None:
            self.start()
        op = msg[0]
        deadline = None if self.wall is None else time.monotonic() + self.wall
        try:
            _send(self._fds[0], msg)
            reply = self._await(deadline)
        except _WallTimeout:
            self._stop(kill=True)
            while_ = " while being imported" if op == "load" else ""
            raise self._fail(f"did not finish within {self.wall:g} s of wall-clock time"
                             f"{while_} (--timeout {self.timeout:g} allows {self.timeout:g} s "
                             f"of CPU time and 2 x {self.timeout:g} + 1 s in all): it sleeps, "
                             "waits for something or is stuck") from None
        except BrokenPipeError:
            reply = None
        except BaseException:  # interrupted (a check's time budget, Ctrl-C): start afresh
            self._stop(kill=True)
            raise
        if reply is None:
            raise self._died(op) from None
        self._forward_output()
        if reply[0] == "error":
            if reply[1] == "input":
                raise InputError(reply[2])
            raise self._fail(reply[2])
        return reply[1:]

    def values(self, logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """As :meth:`LocalLoss.values`, in the child."""
        return self._request(("values", np.asarray(logits, dtype=np.float64),
                              np.asarray(labels), self.timeout))[0]

    def values_and_grad(self, logits: torch.Tensor,
                        labels: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`LocalLoss.values_and_grad`, in the child (autograd runs there)."""
        v, g = self._request(("grad", logits.detach().cpu().numpy(),
                              labels.detach().cpu().numpy().astype(np.int64), self.timeout))
        return v, g

    def __call__(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The values as a float64 tensor (no autograd): the loss as our code calls it."""
        z = logits.detach().double().cpu().numpy()
        return torch.from_numpy(self.values(z, labels.detach().cpu().numpy()))
