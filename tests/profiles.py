"""The test profiles (issue #26).

* default: the README's test command, every test, in about 10 minutes on 2 cores. The random
  differential test checks a fixed random sample of its cases, and the documented long commands
  run as written with options appended that make them small (tests/test_docs.py).
* ``ALFS_TEST_PROFILE=long``: the same tests at full size, every differential case and the
  documented commands exactly as written (an hour and more on 2 cores)::

      ALFS_TEST_PROFILE=long python -m pytest -q
"""

from __future__ import annotations

import os
import random

PROFILE = os.environ.get("ALFS_TEST_PROFILE", "default").strip().lower() or "default"
if PROFILE not in ("default", "long"):
    raise RuntimeError(f"ALFS_TEST_PROFILE={PROFILE!r}: expected default or long")
LONG = PROFILE == "long"


def fixed_sample(population: range, k: int, seed: int) -> list[int]:
    """``k`` members of ``population`` drawn by ``random.Random(seed)``: the same members on
    every run and machine, in increasing order (all of them when k >= the population)."""
    items = list(population)
    if k >= len(items):
        return items
    return sorted(random.Random(seed).sample(items, k))
