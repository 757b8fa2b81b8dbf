"""Wall-time budgets for the provers and checks: :class:`time_limit`, nestable.

A base module (standard library only), so that every wing can bound its work without importing
another wing.
"""

from __future__ import annotations

import time

__all__ = ["time_limit"]


class _Timeout(BaseException):
    """Raised by :class:`time_limit` in the block whose deadline passed (``owner``). A
    BaseException, so that a prover's ``except Exception`` cannot swallow it."""

    def __init__(self, owner):
        super().__init__("time limit")
        self.owner = owner


_DEADLINES: list = []  # (absolute deadline, owner) of the active time_limit blocks, nested


def _arm() -> None:
    import signal

    if not _DEADLINES:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    left = min(d for d, _ in _DEADLINES) - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(left, 1e-4))


def _on_alarm(signum, frame):
    now = time.monotonic()
    due = [(d, o) for d, o in _DEADLINES if d <= now + 1e-4]
    if due:
        raise _Timeout(min(due, key=lambda x: x[0])[1])
    _arm()


class time_limit:
    """Bound a block to ``seconds`` of wall time (main thread, POSIX; elsewhere no bound).

    Blocks nest: an inner limit never cancels an outer one, and each block catches only its
    own expiry, so a per-check budget holds across the 4-second limits of the provers inside
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
            if not _DEADLINES:
                self.old = signal.signal(signal.SIGALRM, _on_alarm)
            _DEADLINES.append((time.monotonic() + self.seconds, self))
            self.armed = True
            _arm()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.armed:
            import signal

            for i in range(len(_DEADLINES) - 1, -1, -1):
                if _DEADLINES[i][1] is self:
                    del _DEADLINES[i]
            if not _DEADLINES:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self.old)
            else:
                _arm()
        mine = exc_type is _Timeout and exc.owner is self
        self.expired = mine
        return mine
