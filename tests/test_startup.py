"""What the cold paths import (issue #26): ``alfs --help`` builds every parser without sympy,
numpy or torch; the pytest plugin, which pytest loads in every project where alfs-theory is
installed, imports nothing heavy until a test asks for the ``alfs`` fixture; the package's public
names are imported on first use. Behaviour only: the timings are printed by
``benchmarks/bench_startup.py``, never asserted."""

from __future__ import annotations

import os
import subprocess
import sys

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


HELP_ARGVS = [["--help"], ["check", "--help"], ["train", "--help"], ["sweep", "--help"],
              ["report", "--help"], ["crossval", "--help"], ["--version"]]


def test_alfs_help_imports_no_sympy_numpy_or_torch():
    """Every --help (and --version) and the CLI reference, in one fresh interpreter (one start-up
    instead of one per command line)."""
    code = ("from alfs_theory.cli import main, reference_markdown\n"
            f"for argv in {HELP_ARGVS!r}:\n"
            "    try:\n        main(argv)\n"
            "    except SystemExit as e:\n        assert e.code == 0, (argv, e.code)\n"
            "reference_markdown()\n")
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


def test_a_cold_check_of_an_elementary_loss_imports_no_scipy_or_units():
    """scipy.special only for special functions, sympy.physics.units (imported by sympy's
    simplify) not for the monomials the checks of CE simplify."""
    code = ("import sys\nfrom alfs_theory.cli import main\n"
            "assert main(['check', 'ce']) in (0, 1)\n"
            "bad = [m for m in ('scipy', 'sympy.physics.units', 'numpy.f2py', 'torch') "
            "if m in sys.modules]\nassert not bad, bad\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]


def test_numeric_modules_keep_scipy_where_it_prints_other_code():
    import numpy as np
    import sympy as sp

    from alfs_theory.symbols import NUMERIC_MODULES, U, numeric_modules

    assert numeric_modules(-sp.log(U), 1 - U**2, sp.Piecewise((U, U < 0.5), (1 - U, True)),
                           sp.Max(U, 1 - U) + sp.sin(2 * sp.pi * U)) == [np]
    for special in (sp.erf(U), sp.gamma(U + 1), sp.GoldenRatio * U, sp.zeta(U + 2)):
        assert numeric_modules(1 - U, special) == NUMERIC_MODULES
    # the same numbers either way, on arrays
    e = sp.exp(-U / 3) * sp.log(1 + U) + sp.Abs(U - sp.Rational(1, 3)) + sp.pi * U
    x = np.linspace(0, 1, 7)
    assert np.array_equal(sp.lambdify(U, e, numeric_modules(e))(x),
                          sp.lambdify(U, e, NUMERIC_MODULES)(x))


def test_simplify_returns_sympys_result():
    import sympy as sp

    from alfs_theory.symbols import K, U, simplify

    a = sp.Symbol("a", positive=True)
    for e in (-1 / U, U**-2, -sp.log(U), 3 * U**2 * sp.log(a) / K, sp.Integer(0), -sp.oo,
              (1 - U) ** 2 / (1 - U), sp.sin(U) ** 2 + sp.cos(U) ** 2, sp.log(U**2), U * U):
        assert simplify(e) == sp.simplify(e), e


def _run(code: str) -> str:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_asking_for_one_loss_imports_only_its_module():
    """get_loss('ce') imports alfs_theory.losses.classic alone; an alias, a combination and
    a loss of the wider field import theirs (and what they are built from); an unknown name
    still gets suggestions from every loss, and a user's loss still cannot shadow a built-in
    one that was not loaded yet."""
    code = ("import sys\nfrom alfs_theory.registry import get_loss\n"
            "def mods():\n"
            "    return sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
            "                  if m.startswith('alfs_theory.losses.') and not m.endswith('catalog'))\n"
            "get_loss('CE'); print(mods())\n"
            "get_loss('focal'); print(mods())\n"
            "assert get_loss('jal-ce').name == 'nce+amse'; print(mods())\n"
            "from alfs_theory.errors import UnknownLossError, SpecError\n"
            "try:\n    get_loss('agcee')\nexcept UnknownLossError as e:\n    print('agce' in str(e))\n"
            "print(mods())\n")
    out = _run(code).split("\n")
    assert out[0] == "['classic']" and out[1] == "['classic']"
    assert out[2] == "['asymmetric', 'classic', 'combos', 'normalized']"
    assert out[3] == "True"
    assert out[4] == "['asymmetric', 'classic', 'combos', 'field', 'normalized']"
    code = ("from alfs_theory.registry import get_loss, register\n"
            "from alfs_theory.errors import SpecError\n"
            "get_loss('ce')\n"
            "import dataclasses\n"
            "spec = dataclasses.replace(get_loss('ce'), name='ldrkl')\n"
            "try:\n    register(spec)\nexcept SpecError as e:\n    print('already registered' in str(e))\n")
    assert _run(code).strip() == "True"


def test_every_builtin_name_has_its_home_module():
    """catalog.HOME, which lets one name import one module, names every registry key and
    alias, and importing the module it names declares that name."""
    from alfs_theory.losses.catalog import HOME, MODULES
    from alfs_theory.registry import aliases_of, list_losses

    names = set(list_losses())
    names |= {a for n in list_losses() for a in aliases_of(n)}
    assert names == set(HOME)
    code = ("import importlib, json, sys\nfrom alfs_theory.losses import catalog\n"
            "importlib.import_module('alfs_theory.losses.' + sys.argv[1])\n"
            "print(json.dumps(sorted({s.name for s, _ in catalog.BUILTIN}\n"
            "                        | {a for _, al in catalog.BUILTIN for a in al})))\n")
    import json

    for m in MODULES:
        run = subprocess.run([sys.executable, "-c", code, m], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        declared = set(json.loads(run.stdout))
        assert {k for k, v in HOME.items() if v == m} <= declared, m
