"""Progress of long work: counts, rate and time left, on stderr (base wing: no imports of the
package).

:class:`Progress` counts finished items of a known total. ``step(text)`` returns the line's
suffix ``"[3/12, 0.41/s, 0:22 left]"`` (rate and time left from the items finished so far) and
writes the line: on a terminal one line redrawn in place (a bar), elsewhere (a CI log, a file)
one plain line per item, so that logs keep every step. ``enabled=False`` writes nothing.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "duration_text"]


def duration_text(seconds: float) -> str:
    """``0:07``, ``12:30``, ``1:02:03``."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """``total`` items of ``label``; ``step`` after each one (see the module docstring)."""

    def __init__(self, total: int, label: str = "", *, enabled: bool = True, stream=None,
                 clock=time.perf_counter):
        self.total = max(0, int(total))
        self.label = label
        self.enabled = enabled
        self.stream = stream
        self.clock = clock
        self.t0 = clock()
        self.done = 0
        self._drawn = False

    def _out(self):
        return sys.stderr if self.stream is None else self.stream

    def _tty(self) -> bool:
        try:
            return bool(self._out().isatty())
        except (AttributeError, ValueError):
            return False

    def suffix(self) -> str:
        """``[done/total, rate/s, time left]`` from the items finished so far."""
        el = self.clock() - self.t0
        parts = [f"{self.done}/{self.total}"]
        if self.done and el > 0:
            rate = self.done / el
            parts.append(f"{rate:.3g}/s" if rate >= 1 else f"{1 / rate:.3g} s each")
            if self.done < self.total:
                parts.append(f"{duration_text((self.total - self.done) / rate)} left")
            else:
                parts.append(f"{duration_text(el)} in all")
        return "[" + ", ".join(parts) + "]"

    def step(self, text: str = "", n: int = 1) -> str:
        """Count ``n`` finished items and show ``text`` with the counts; returns the line."""
        self.done = min(self.total, self.done + n) if self.total else self.done + n
        line = " ".join(x for x in (self.label, self.suffix(), text) if x)
        if self.enabled:
            out = self._out()
            if self._tty():
                width = 30
                fill = int(width * self.done / self.total) if self.total else width
                bar = "#" * fill + "-" * (width - fill)
                print(f"\r\x1b[2K{bar} {line}"[:400], end="", file=out, flush=True)
                self._drawn = True
                if self.total and self.done >= self.total:
                    self.close()
            else:
                print(line, file=out, flush=True)
        return line

    def note(self, text: str) -> None:
        """A line that is not a step (a warning, a failure), kept above the bar."""
        if not self.enabled:
            return
        out = self._out()
        if self._drawn:
            print("\r\x1b[2K", end="", file=out)
        print(text, file=out, flush=True)

    def close(self) -> None:
        """End the redrawn line (on a terminal)."""
        if self.enabled and self._drawn:
            print(file=self._out(), flush=True)
            self._drawn = False
