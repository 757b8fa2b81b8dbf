"""The pytest plugin of alfs-theory (entry point ``pytest11: alfs``): the ``alfs`` fixture.

In a project's tests::

    def test_my_loss_matches_its_formula(alfs):
        alfs.assert_torch_matches(my_loss, "1 - u - 0.05*sin(2*pi*u)")

    def test_my_loss_is_asymmetric(alfs):
        alfs.assert_verdicts("1 - u - 0.05*sin(2*pi*u)", {"asymmetric": "PROVED"})

Importing this module imports nothing heavy (pytest loads it in every project where
alfs-theory is installed): :mod:`alfs_theory.testing` is imported when a test asks for the
fixture, sympy when a helper needs a loss, torch when
:func:`~alfs_theory.testing.assert_torch_matches` is called. The helpers hide their own frames
from a failure's traceback (``__tracebackhide__``), so it ends at the user's test line.
"""

from __future__ import annotations

import types

import pytest


def pytest_report_header(config):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"alfs-theory {version('alfs-theory')}: fixture 'alfs' (assert_torch_matches, " \
               "assert_verdicts)"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return None


@pytest.fixture
def alfs():
    """``alfs.assert_torch_matches(fn, loss, ...)``, ``alfs.assert_verdicts(loss, {...}, ...)``
    and ``alfs.as_spec(loss)`` (see :mod:`alfs_theory.testing`)."""
    from . import testing

    return types.SimpleNamespace(assert_torch_matches=testing.assert_torch_matches,
                                 assert_verdicts=testing.assert_verdicts,
                                 as_spec=testing.as_spec)
