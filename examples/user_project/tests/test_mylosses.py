"""The user's CI: their torch code matches their formula, and the formula is what they claim."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mylosses import Exponential, squared  # noqa: E402


def test_squared_matches_its_formula(alfs):
    alfs.assert_torch_matches(squared, "(1 - u)**2")


def test_exponential_matches_ael(alfs):
    alfs.assert_torch_matches(Exponential(a=2.0), "ael", params={"a": 2.0})


def test_squared_is_not_symmetric_but_decreasing(alfs):
    alfs.assert_verdicts("(1 - u)**2", {"decreasing": "PROVED", "symmetric": "REFUTED"},
                         classes=3)
