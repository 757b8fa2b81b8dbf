"""Docs stay true: the CLI reference matches the parser, and documented commands run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from profiles import LONG

from alfs_theory.cli import main, reference_markdown

ROOT = Path(__file__).resolve().parents[1]
# commands that are covered by their own tests (too slow to repeat here)
COVERED_ELSEWHERE = {"verify": "tests/test_ledger.py", "report": "tests/test_report.py",
                     "train": "tests/test_train.py", "sweep": "tests/test_sweep.py",
                     "figures": "tests/test_figures.py", "reproduce": "tests/test_reproduce.py",
                     "study": "tests/test_study.py"}
# the documented reproduction trains 150 runs (an hour on 2 cores): here it runs as written with
# these options appended (argparse keeps the last value), one small cell of its grid
# the ratio study likewise (its default setting trains 276 runs): the tiny setting on the digits
REDUCED = {"study": ["--setting", "tiny", "--dataset", "digits", "--workers", "1",
                     "--threads", "1", "--quiet"],
           "reproduce": ["--losses", "ce", "--noise", "clean,symmetric:0.4", "--seeds", "0",
                         "--epochs", "1", "--train-subset", "200", "--test-subset", "100"]}
# the other long commands train too: the main job 36 Fashion-MNIST runs of 8 epochs (6 minutes
# on 2 cores), the how-to's sweep 18 digits runs of 30 epochs; alfs verify runs the whole
# ledger (110 s of CPU), which tests/test_ledger.py runs and checks claim by claim. The default
# test profile runs each as written with a smaller size appended (fewer epochs and seeds, two
# ledger claims: the same code path, every argument of the documented line still parsed and
# used); ALFS_TEST_PROFILE=long runs them exactly as written (tests/profiles.py)
if not LONG:
    REDUCED.update({
        "report": ["--epochs", "1", "--seeds", "0", "--followups", "1", "--dataset", "digits",
                   "--claims", "T4-iff,T5-concave"],
        "train": ["--epochs", "1"],
        "sweep": ["--epochs", "1", "--seeds", "0"],
        "verify": ["--only", "T4-iff,T5-concave"],
    })


def test_cli_reference_is_current():
    text = (ROOT / "docs" / "cli.md").read_text()
    assert text == reference_markdown(), (
        "docs/cli.md is stale; regenerate with: python -c \"from alfs_theory.cli import "
        "reference_markdown; open('docs/cli.md','w').write(reference_markdown())\"")


def _doc_commands():
    cmds = []
    for f in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        if f.name == "cli.md":
            continue
        in_block = False
        for line in f.read_text().splitlines():
            if line.startswith("```"):
                in_block = not in_block
                continue
            if in_block:
                for part in re.split(r"\s*&&\s*", line.strip()):
                    if part.startswith("alfs "):
                        cmds.append((f.name, part))
    return cmds


DOC_COMMANDS = _doc_commands()


def test_docs_have_commands():
    assert len(DOC_COMMANDS) >= 8
    subs = {shlex.split(cmd, comments=True)[1] for _, cmd in DOC_COMMANDS}
    assert {"report", "check", "verify", "train", "sweep"} <= subs


@pytest.mark.slow
@pytest.mark.parametrize("where,cmd", [c for c in DOC_COMMANDS
                                       if shlex.split(c[1], comments=True)[1]
                                       in COVERED_ELSEWHERE])
def test_documented_long_command_runs_as_written(where, cmd, tmp_path):
    """The long commands (report, verify, train, sweep), exactly as the docs show them, in a
    scratch folder so their outputs (report/, runs/) land there."""
    import subprocess
    import sys

    sub = shlex.split(cmd, comments=True)[1]
    argv = [sys.executable, "-m", "alfs_theory.cli", *shlex.split(cmd, comments=True)[1:],
            *REDUCED.get(sub, [])]
    if sub == "reproduce":
        from alfs_theory.report import report_dataset

        if report_dataset("auto") != "fashion-mnist":
            pytest.skip("the reproduction reads Fashion-MNIST: apt-get install "
                        "dataset-fashion-mnist (.ci/run installs it)")
    out = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=1800,
                         check=False)
    assert out.returncode == 0, f"{where}: `{cmd}` exited {out.returncode}: {out.stderr[-800:]}"
    if sub == "report":
        assert (tmp_path / "report" / "report.html").stat().st_size > 10_000
    if sub == "train":
        assert list(tmp_path.glob("runs/*/record.json"))
    if sub == "study":
        assert len(list(tmp_path.rglob("record.json"))) == 16
        assert "setting `tiny`" in next(tmp_path.rglob("ratio_study.md")).read_text()
    if sub == "reproduce":
        assert len(list(tmp_path.rglob("record.json"))) == 2
        assert "## Clean test accuracy (%) at the best epoch" in \
            next(tmp_path.rglob("reproduction.md")).read_text()


@pytest.mark.parametrize("where,cmd", [c for c in DOC_COMMANDS
                                       if shlex.split(c[1], comments=True)[1] not in COVERED_ELSEWHERE])
def test_documented_command_runs(where, cmd, capsys):
    rc = main(shlex.split(cmd, comments=True)[1:])
    out = capsys.readouterr()
    assert rc in (0, 1), f"{where}: `{cmd}` exited {rc}: {out.err[-500:]}"
    assert out.out.strip(), f"{where}: `{cmd}` printed nothing"


def test_api_reference_is_current():
    from alfs_theory.apidoc import reference_markdown as api

    text = (ROOT / "docs" / "api.md").read_text()
    assert text == api(), "docs/api.md is stale; regenerate: python -m alfs_theory.apidoc > docs/api.md"
