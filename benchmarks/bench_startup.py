"""CPU time of the cold paths (issue #26), side by side in one run: a bare interpreter, the
``alfs`` parser (``alfs --help``), one cold check (``alfs check ce``) and the pytest plugin's
import, each in a fresh process, as ratios to ``python -c pass``.

CPU time (user + system of the child, ``resource.getrusage``), not wall time: on a shared
machine the wall clock measures the neighbours. Each command runs ``--repeat`` times, alternating,
and keeps its least CPU time (the run least disturbed by the others).

    python benchmarks/bench_startup.py                 # this checkout's alfs_theory
    python benchmarks/bench_startup.py --repeat 9
    python benchmarks/bench_startup.py --tree /work/main --tree .   # two checkouts, side by side

Measured on 2 shared cores (least of 5), main before issue #26 -> after, with this machine's
PYTHONDONTWRITEBYTECODE=1 (every alfs_theory module compiled from source at each start):
``python -c pass`` 0.03 s, ``alfs --help`` 0.61 s -> 0.08-0.10 s, ``alfs check ce``
1.40 s -> 0.99 s, the plugin's import 0.58 s -> 0.14 s (mostly pytest itself). With bytecode
caches (``PYTHONPYCACHEPREFIX=/tmp/pyc`` and PYTHONDONTWRITEBYTECODE unset) ``alfs check ce``
1.25 s -> 0.84 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name -> Python code run by a fresh interpreter (``-c``)
COMMANDS = {
    "python -c pass": "pass",
    "alfs --help": ("import sys\nfrom alfs_theory.cli import main\n"
                    "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"),
    "alfs check ce": "import sys\nfrom alfs_theory.cli import main\nsys.exit(main(['check', 'ce']))",
    "import alfs_theory.pytest_plugin": "import alfs_theory.pytest_plugin",
}


def cpu_of(code: str, tree: Path) -> float:
    """CPU seconds (user + system) of ``python -c code`` importing alfs_theory from ``tree``."""
    # the verdict cache off: a repeat must compute, not read, what the first run found
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1", ALFS_CACHE="0")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(trees: list[Path], repeat: int) -> dict[tuple[str, str], float]:
    best: dict[tuple[str, str], float] = {}
    for _ in range(repeat):
        for name, code in COMMANDS.items():
            for tree in trees:  # alternate: each tree sees the same neighbours
                t = cpu_of(code, tree)
                key = (str(tree), name)
                best[key] = min(best.get(key, float("inf")), t)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs per command; the least is kept")
    ap.add_argument("--tree", action="append", type=Path,
                    help="a checkout to import alfs_theory from (repeatable; default this one)")
    args = ap.parse_args(argv)
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    best = measure(trees, max(1, args.repeat))
    w = max(len(n) for n in COMMANDS)
    head = "".join(f"  {str(t)[-22:]:>22} {'x pass':>7}" for t in trees)
    print(f"{'CPU seconds (least of ' + str(args.repeat) + ')':<{w}}{head}")
    for name in COMMANDS:
        row = ""
        for t in trees:
            s, base = best[(str(t), name)], best[(str(t), "python -c pass")]
            row += f"  {s:>22.3f} {s / base if base else float('nan'):>7.1f}"
        print(f"{name:<{w}}{row}")
    if len(trees) == 2:
        print(f"\nratio {trees[0].name} / {trees[1].name}: " + ", ".join(
            f"{n} {best[(str(trees[0]), n)] / max(best[(str(trees[1]), n)], 1e-9):.1f}x"
            for n in COMMANDS if n != "python -c pass"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
