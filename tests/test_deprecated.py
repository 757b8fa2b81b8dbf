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
