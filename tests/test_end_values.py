"""The exact points the admission probes (special_points) and the one-sided end values the
provers read (end_value): each fast path against sympy's own answer."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from alfs_theory.checks.properties.domain import special_points
from alfs_theory.checks.properties.shape import end_value
from alfs_theory.symbols import U as u

R = sp.Rational


def test_special_points_find_log_and_denominator_roots():
    pts = special_points(sp.log(u - R(1, 4)) + 1 / (u - R(1, 3)) + sp.sqrt(u - R(1, 5)))
    assert {R(1, 4), R(1, 3), R(1, 5)} <= set(pts)


def test_special_points_skip_max_crossings_which_cannot_be_undefined():
    # max(a, b) is defined exactly where a and b are: the crossing u = 1/2 adds nothing
    assert special_points(sp.Max(u, 1 - u)) == []
    # but a piecewise condition is a point where the value is its own
    assert R(2, 5) in special_points(sp.Piecewise((u, u < R(2, 5)), (1 - u, True)))


def test_special_points_of_a_max_of_radicals_are_cheap():
    # the loss of the differential case that once ran past its 10 s budget in admission alone:
    # sympy's radical solver spent 3 s on the crossings of the max's pieces
    a = R(47, 20)
    e = sp.Max((((a + 1) ** R(27, 20) - (a + u) ** R(27, 20)) / R(27, 20)),
               (1 - u) ** 2 + R(1, 20) * (1 - u), R(12, 5) - R(8, 5) * u)
    c0 = time.process_time()
    assert special_points(e) == []  # the radicals' bases 47/20 + u have no root in [0, 1]
    assert time.process_time() - c0 < 1.0


JS_LIKE = [
    # JS's l'(u) as sympy writes it: x * (1/x) uncancelled, one unbounded term 3*log(u)
    (3 ** (3 - 3 * u) * (3 * u + 7) ** (3 * u + 7) * 3 ** (3 * u - 3) * (3 * u + 7) ** (-3 * u - 7)
     * sp.log(3 * u + 7) + 3 * sp.log(u) + 3) / (3 * sp.log(R(10, 3))),
    sp.log(u) + 1 / (1 - u),
    -1 / u + sp.exp(u),
    u * sp.log(u) + sp.cos(u),
    sp.log(u) * u ** 2 + 2,
    sp.sqrt(u) * sp.log(u) - 1 / (u + 1),
    (1 - u) * sp.log(1 - u) + u,
    1 / u - 1 / u ** 2,               # oo - oo: the parts cannot decide, sympy does
    sp.log(u) ** 2 - sp.log(u) ** 3,  # likewise
    u * (1 / u + sp.log(u)),          # 0 * oo: likewise
    sp.exp(-1 / u) + sp.log(2),
    sp.sin(1 / u) * u + 5,
]


@pytest.mark.parametrize("i", range(len(JS_LIKE)))
@pytest.mark.parametrize("x0", [0, 1])
def test_end_value_agrees_with_sympys_limit(i, x0):
    e = JS_LIKE[i]
    want = sp.limit(e, u, x0, "+" if x0 == 0 else "-")
    got = end_value(e, x0)
    if want.has(sp.AccumBounds):
        assert got is None or got.has(sp.AccumBounds)
        return
    if want in (sp.oo, -sp.oo):
        assert got == want
    else:
        assert got is not None and abs(sp.N(got - want, 30)) < 1e-25


def test_a_split_log_that_runs_out_of_time_leaves_the_expression_as_it_was(monkeypatch):
    """sign_on_unit's log splitting has 0.5 s; when factor runs past it, the expression the
    provers get is the one they were given (the time limit ends its block without a value)."""
    from alfs_theory.checks.properties import shape

    e = 7 / (u * sp.log(10 ** (3 * u + 7) * 3 ** (-3 * u - 7)))
    assert shape._log_expanded(e) == 7 / (u * (3 * u + 7) * (-sp.log(3) + sp.log(10)))

    def slow_factor(x):
        while True:
            sum(range(1000))

    monkeypatch.setattr(shape.sp, "factor", slow_factor)
    c0 = time.process_time()
    assert shape._log_expanded(e) == e
    assert time.process_time() - c0 < 2.0
