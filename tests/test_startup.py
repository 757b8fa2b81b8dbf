"""What the cold paths import (issue #26): ``alfs --help`` builds every parser without sympy,
numpy or torch; the pytest plugin, which pytest loads in every project where alfs-theory is
installed, imports nothing heavy until a test asks for the ``alfs`` fixture; the package's public
names are imported on first use. Behaviour only: the timings are printed by
``benchmarks/bench_startup.py``, never asserted."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = ("sympy", "numpy", "scipy", "torch", "matplotlib")


def _imported(code: str) -> set[str]:
    """The top-level modules a fresh interpreter has imported after ``code`` (``-X importtime``
    lists every import, also those made and dropped before exit)."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert run.returncode == 0, run.stderr[-3000:]
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("argv", [["--help"], ["check", "--help"], ["train", "--help"],
                                  ["sweep", "--help"], ["report", "--help"], ["--version"]])
def test_alfs_help_imports_no_sympy_numpy_or_torch(argv):
    code = ("import sys\nfrom alfs_theory.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n")
    assert not _imported(code) & set(HEAVY)


def test_every_parser_is_built_without_the_checker():
    code = ("from alfs_theory.cli import build_parser, reference_markdown\n"
            "build_parser().format_help(); reference_markdown()\n")
    assert not _imported(code) & set(HEAVY)


def test_the_pytest_plugin_imports_nothing_heavy():
    assert not _imported("import alfs_theory.pytest_plugin") & set(HEAVY)


def test_public_names_are_lazy_and_still_importable():
    code = ("import sys, alfs_theory\n"
            "assert 'sympy' not in sys.modules\n"
            "from alfs_theory import LossSpec, Verdict, get_loss, AlfsError\n"
            "assert 'sympy' in sys.modules and LossSpec.__module__ == 'alfs_theory.spec'\n"
            "assert set(alfs_theory.__all__) <= set(dir(alfs_theory))\n"
            "try:\n    alfs_theory.no_such_name\nexcept AttributeError:\n    pass\n"
            "else:\n    raise SystemExit('no AttributeError')\n")
    assert "sympy" in _imported(code)
    import alfs_theory

    for name in alfs_theory.__all__:
        assert getattr(alfs_theory, name) is not None
