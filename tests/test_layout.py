"""The package's layout: the checks and the experiments are packages of their own, and the old
flat module names (alfs_theory.checker, alfs_theory.train, ...) that no release ever had are
gone, not kept as aliases; nothing in the project still uses them."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ("engine", "properties", "provers", "verdict", "checker", "falsify", "conditions",
          "prediction", "blackbox")
EXPERIMENTS = ("data", "models", "stacked", "train", "sweep", "records", "diagnosis", "presets")


@pytest.mark.parametrize("name", CHECKS + EXPERIMENTS)
def test_old_flat_names_are_gone(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"alfs_theory.{name}")
    wing = "checks" if name in CHECKS else "experiments"
    assert (ROOT / "alfs_theory" / wing / name).exists() or \
        (ROOT / "alfs_theory" / wing / f"{name}.py").exists()


def test_nothing_uses_the_old_flat_names():
    pat = re.compile(r"alfs_theory[./](%s)\b" % "|".join(CHECKS + EXPERIMENTS))
    files = [*(ROOT / "alfs_theory").rglob("*.py"), *(ROOT / "benchmarks").glob("*"),
             *(ROOT / "examples").rglob("*.py"), *(ROOT / "docs").glob("*.md"),
             *(ROOT / "tests").glob("*.py"), ROOT / "README.md"]
    bad = []
    for p in files:
        if p == Path(__file__).resolve() or not p.is_file():
            continue
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if pat.search(line):
                bad.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not bad, "old flat module names still used:\n" + "\n".join(bad)
