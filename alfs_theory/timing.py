"""CPU-time budgets for the provers and checks: :class:`time_limit`, nestable.

A base module (standard library only), so that every wing can bound its work without importing
another wing.

Budgets count the **CPU time of this process** (``time.process_time``, delivered by
``ITIMER_PROF``), not wall time: the same check on an idle and on a loaded machine spends the
same budget, so its verdicts do not depend on the load. The user's code runs in a child process
(``alfs_theory.nn.sandbox``) whose CPU time is charged to the same budgets (:func:`charge`,
:func:`poll`); code that waits rather than computes (a user's function that sleeps) is stopped
there by a wall-clock guard.
"""

from __future__ import annotations

import time

__all__ = ["charge", "clock", "poll", "remaining", "time_limit"]

_EXTERNAL = [0.0]  # CPU seconds of child processes that worked for us (the user's --torch code)


def clock() -> float:
    """The clock every budget reads: CPU seconds of this process (all threads), plus those of
    the child processes charged to it (:func:`charge`)."""
    return time.process_time() + _EXTERNAL[0]


def charge(seconds: float) -> None:
    """Count ``seconds`` of a child process's CPU time (work done for us, e.g. the user's code
    in its sandbox) against every active budget."""
    if seconds > 0:
        _EXTERNAL[0] += seconds
        if _DEADLINES:
            _arm()


def poll() -> None:
    """Expire the innermost budget whose deadline has passed. For code that waits on a child
    process (no CPU of ours is spent, so no timer signal comes): call it between waits."""
    _raise_due()


def _raise_due(slack: float = 0.0) -> None:
    """Raise the expiry of the earliest deadline passed (within ``slack`` seconds), if any."""
    now = clock()
    due = [(d, o) for d, o in _DEADLINES if d <= now + slack]
    if due:
        raise _Timeout(min(due, key=lambda x: x[0])[1])


class _Timeout(BaseException):
    """Raised by :class:`time_limit` in the block whose deadline passed (``owner``). A
    BaseException, so that a prover's ``except Exception`` cannot swallow it."""

    def __init__(self, owner):
        super().__init__("time limit")
        self.owner = owner


_DEADLINES: list = []  # (absolute CPU deadline, owner) of the active time_limit blocks, nested


def _signal():
    import signal

    return signal.ITIMER_PROF, signal.SIGPROF


def _arm() -> None:
    import signal

    which, _ = _signal()
    if not _DEADLINES:
        signal.setitimer(which, 0)
        return
    left = min(d for d, _ in _DEADLINES) - clock()
    signal.setitimer(which, max(left, 1e-4))


def _on_alarm(signum, frame):
    _raise_due(1e-4)
    _arm()


def remaining() -> float:
    """CPU seconds left before the innermost active deadline (inf when none is active)."""
    if not _DEADLINES:
        return float("inf")
    return max(0.0, min(d for d, _ in _DEADLINES) - clock())


class time_limit:
    """Bound a block to ``seconds`` of CPU time (main thread, POSIX; elsewhere no bound).

    Blocks nest: an inner limit never cancels an outer one, and each block catches only its
    own expiry, so a command's budget holds across the 4-second limits of the provers inside
    it. On expiry the block's target stays unset (``expired`` is True) and the caller treats
    the rung as undecided."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False
        self.expired = False

    def __enter__(self):
        import signal
        import threading

        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            _which, sig = _signal()
            if not _DEADLINES:
                self.old = signal.signal(sig, _on_alarm)
            _DEADLINES.append((clock() + self.seconds, self))
            self.armed = True
            _arm()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.armed:
            import signal

            which, sig = _signal()
            for i in range(len(_DEADLINES) - 1, -1, -1):
                if _DEADLINES[i][1] is self:
                    del _DEADLINES[i]
            if not _DEADLINES:
                signal.setitimer(which, 0)
                signal.signal(sig, self.old)
            else:
                _arm()
        mine = exc_type is _Timeout and exc.owner is self
        self.expired = mine
        return mine
