"""The old flat module names of the experiments wing are deprecated aliases: importing one
warns and gives the very module now under alfs_theory.experiments (so code that sets an
attribute through the old name still reaches the module that runs)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alfs_theory.experiments import MODULES

PROBE = """
import importlib, sys, warnings
name = sys.argv[1]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old = importlib.import_module("alfs_theory." + name)
new = importlib.import_module("alfs_theory.experiments." + name)
dep = [w for w in caught if issubclass(w.category, DeprecationWarning)
       and ("alfs_theory." + name + " moved to alfs_theory.experiments." + name) in str(w.message)]
assert dep, [str(w.message) for w in caught]
assert old is new and sys.modules["alfs_theory." + name] is new
print("ok", name, len(dep))
"""


@pytest.mark.parametrize("name", MODULES)
def test_old_name_is_the_new_module_with_a_warning(name):
    out = subprocess.run([sys.executable, "-c", PROBE, name], capture_output=True, text=True,
                         check=False, timeout=300)
    assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.strip() == f"ok {name} 1"


def test_old_names_reach_the_same_objects():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from alfs_theory.sweep import run_sweep as old_run
        from alfs_theory.train import TrainConfig as OldConfig
    from alfs_theory.experiments.sweep import run_sweep
    from alfs_theory.experiments.train import TrainConfig

    assert old_run is run_sweep and OldConfig is TrainConfig


def test_moved_modules_do_not_import_the_aliases():
    """Inside the package everything uses the new paths (the aliases are for users' code)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for p in list((root / "alfs_theory").rglob("*.py")) + list((root / "figures").glob("*.py")) \
            + list((root / "proofs_check").glob("*.py")):
        if p.parent.name == "alfs_theory" and p.stem in MODULES:
            continue  # the aliases themselves
        text = p.read_text(encoding="utf-8")
        for name in MODULES:
            assert f"alfs_theory.{name} import" not in text, (p, name)
            if p.parent.name == "alfs_theory":
                assert f"from .{name} import" not in text, (p, name)


CHECKS_PROBE = """
import importlib, sys, warnings
old_name, new_name = sys.argv[1], sys.argv[2]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old = importlib.import_module(old_name)
new = importlib.import_module(new_name)
dep = [w for w in caught if issubclass(w.category, DeprecationWarning)
       and f"{old_name} moved to {new_name}" in str(w.message)]
assert dep, [str(w.message) for w in caught]
assert old is new and sys.modules[old_name] is new
assert hasattr(new, "__path__") == (new_name.count(".") == 2 and new_name.split(".")[2] in
                                    ("engine", "properties", "provers")), new_name
print("ok")
"""


@pytest.mark.parametrize("old", ["checker", "verdict", "falsify", "conditions", "prediction",
                                 "blackbox", "engine", "engine.gate", "properties",
                                 "properties.asymmetry", "provers.signs"])
def test_old_checks_names_are_the_new_modules_with_a_warning(old):
    """The checks wing moved under alfs_theory.checks; the old names answer with the very module
    objects (and a moved package's submodules too), never a second copy."""
    out = subprocess.run([sys.executable, "-c", CHECKS_PROBE, f"alfs_theory.{old}",
                          f"alfs_theory.checks.{old}"], capture_output=True, text=True,
                         check=False, timeout=300)
    assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.strip() == "ok"


def test_nothing_inside_uses_the_old_checks_names():
    import re
    from pathlib import Path

    from alfs_theory.moved import MOVED

    root = Path(__file__).resolve().parents[1]
    pat = re.compile(r"alfs_theory[./](%s)\b" % "|".join(MOVED))
    bad = []
    for p in [*(root / "alfs_theory").rglob("*.py"), *(root / "figures").glob("*.py"),
              *(root / "proofs_check").glob("*.py"), *(root / "docs").glob("*.md"),
              root / "README.md"]:
        if p.name == "moved.py" or p.name == "howto.md":
            continue  # the alias table itself; the map documents the old names
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if pat.search(line) and "old" not in line:  # lines that name the old names as old
                bad.append(f"{p.relative_to(root)}:{i}: {line.strip()}")
    assert not bad, "old module names used inside the project:\n" + "\n".join(bad)
