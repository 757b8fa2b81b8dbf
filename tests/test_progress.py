"""Progress lines: counts, rate and time left; a redrawn bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from alfs_theory.progress import Progress, duration_text


class _Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_duration_text():
    assert [duration_text(s) for s in (0, 7.4, 750, 3723)] == ["0:00", "0:07", "12:30",
                                                               "1:02:03"]


def test_counts_rate_and_time_left_in_a_log():
    clock, out = _Clock(), io.StringIO()
    bar = Progress(4, "runs", stream=out, clock=clock)
    clock.t = 10.0
    assert bar.step("a done") == "runs [1/4, 10 s each, 0:30 left] a done"
    clock.t = 20.0
    bar.step("b done", n=3)
    assert out.getvalue().splitlines() == ["runs [1/4, 10 s each, 0:30 left] a done",
                                           "runs [4/4, 5 s each, 0:20 in all] b done"]
    fast = Progress(100, stream=io.StringIO(), clock=clock)
    clock.t += 1.0
    assert fast.step(n=50).startswith("[50/100, 50/s, 0:01 left]")


def test_a_terminal_gets_one_redrawn_line_and_notes_above_it():
    clock, out = _Clock(), _Tty()
    bar = Progress(2, "cells", stream=out, clock=clock)
    clock.t = 1.0
    bar.step()
    bar.note("FAILED x")
    bar.step()
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and "FAILED x\n" in text
    assert "#" * 30 in text  # the full bar at the end


def test_disabled_writes_nothing_but_still_counts():
    out = io.StringIO()
    bar = Progress(3, stream=out, enabled=False)
    bar.step()
    assert out.getvalue() == "" and bar.suffix().startswith("[1/3")
