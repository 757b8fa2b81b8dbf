"""The built wheel, installed in a fresh virtual environment, is what a researcher gets (issue
#25): it holds ``alfs_theory`` alone (no top-level ``figures`` or ``proofs_check``), the commands
and the pytest fixture work from it, the tutorial's commands (training for one epoch) and its
Python run from it, and nothing is written inside the installed package.

The environment sees this machine's packages (``--system-site-packages``: sympy, numpy, torch
are not downloaded again); the wheel itself is built without network (``--no-build-isolation``)
and installed with ``--no-deps``. ``alfs_theory`` must then be imported from the venv.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args, cwd, env=None, timeout=600):
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env=env, check=False)
    assert out.returncode in (0, 1), f"{args} exited {out.returncode}:\n{out.stdout[-1500:]}\n" \
                                     f"{out.stderr[-2500:]}"
    return out


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    build = tmp_path_factory.mktemp("build")
    # a copy of the tracked tree, so that the build leaves nothing in the checkout
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=False)
    if files.returncode != 0:
        pytest.fail("test_wheel needs the git checkout to list the tracked files")
    src = build / "src"
    for rel in files.stdout.decode().split("\0"):
        if rel and (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes((ROOT / rel).read_bytes())
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(dist), str(src)], cwd=build)
    (whl,) = dist.glob("alfs_theory-*.whl")
    return whl


def test_the_wheel_holds_alfs_theory_alone(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"alfs_theory"}
    for needed in ("alfs_theory/py.typed", "alfs_theory/ledger/paper_claims.json",
                   "alfs_theory/figures/style.mplstyle", "alfs_theory/figures/build.py"):
        assert needed in names
    assert not any(n.startswith(("alfs_theory/tests", "tests/")) for n in names)


def test_a_fresh_venv_runs_the_commands_and_the_fixture(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True, timeout=300)
    py = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    _run([str(py), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], cwd=tmp_path)
    where = _run([str(py), "-c", "import alfs_theory, sys; print(alfs_theory.__file__)"],
                 cwd=tmp_path).stdout.strip()
    pkg = Path(where).parent
    assert pkg.is_relative_to(venv), f"alfs_theory came from {where}, not the venv"
    before = _files(pkg)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    alfs = [str(py), "-m", "alfs_theory"]
    assert _run(alfs + ["--version"], cwd=work, env=env).stdout.strip().startswith("alfs-theory ")
    out = _run(alfs + ["check", "agce", "--param", "a=1", "--param", "q=2", "-K", "3",
                       "--only", "ratio,threshold"], cwd=work, env=env)
    assert "ratio" in out.stdout and "PROVED" in out.stdout
    _run(alfs + ["verify", "--only", "T4-iff", "--out", "ledger"], cwd=work, env=env)
    assert (work / "ledger" / "report-partial.json").is_file()
    _run(alfs + ["figures", "--loss", "ael", "--quick", "--out", "figs"], cwd=work, env=env)
    assert list((work / "figs").glob("fig_loss_card_ael.png"))
    # a user's project: the fixture the wheel registers with pytest
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "test_mine.py").write_text(textwrap.dedent("""
        def test_mae_is_symmetric(alfs):
            alfs.assert_verdicts("mae", {"symmetric": "PROVED", "threshold": "PROVED"}, classes=3)
    """))
    res = _run([str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(proj)],
               cwd=proj, env=env)
    assert "1 passed" in res.stdout, res.stdout[-1500:]
    # the tutorial as a reader runs it, from the wheel: every command (training with one
    # epoch) and its Python
    tut = (ROOT / "docs" / "tutorial.md").read_text()
    long_ = {"report", "reproduce", "study", "verify"}  # verify ran above; the rest train
    # grids for minutes: test_docs runs them from the checkout
    smaller = {"train": ["--epochs", "1"], "sweep": ["--epochs", "1", "--seeds", "0"]}
    cmds = []
    for block in re.findall(r"```bash\n(.*?)```", tut, re.S):
        for line in block.splitlines():
            for part in re.split(r"\s*&&\s*", line.strip()):
                argv = shlex.split(part, comments=True) if part.startswith("alfs ") else []
                if argv and argv[1] not in long_:
                    cmds.append(argv[1:] + smaller.get(argv[1], []))
    assert any(a[0] == "train" for a in cmds) and any(a[0] == "figures" for a in cmds)
    assert len(cmds) >= 5
    shown = work / "tutorial"
    shown.mkdir()
    (shown / "examples").symlink_to(ROOT / "examples")  # the tutorial's --torch modules
    for argv in cmds:
        _run(alfs + argv, cwd=shown, env=env)
    sec = tut[tut.index("## 5. From Python"):tut.index("## 6.")]
    code = "\n".join(re.findall(r"```python\n(.*?)```", sec, re.S))
    out = _run([str(py), "-c", code], cwd=shown, env=env)
    assert "threshold" in out.stdout
    assert _files(pkg) == before, "a command wrote inside the installed package"
