"""The `alfs` command line: list, show, exit codes."""

from __future__ import annotations

import json

from alfs_theory.cli import main
from alfs_theory.registry import list_losses


def test_list_shows_every_loss(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in list_losses():
        assert f"\n{name} " in out
    assert main(["list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == set(list_losses())
    assert {r["kind"] for r in rows} == {"pointwise", "vector"}


def test_show_text_and_json(capsys):
    assert main(["show", "agce"]) == 0
    out = capsys.readouterr().out
    assert "((a + 1)**q - (a + u)**q)/q" in out and "\\frac" in out and "0 < a" in out
    assert main(["show", "nce+agce", "--param", "a=2", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["bound"]["a"] == 2.0 and info["kind"] == "vector"


def test_bad_usage_exits_2(capsys):
    assert main(["show", "agcee"]) == 2
    assert "did you mean 'agce'" in capsys.readouterr().err
    assert main(["show", "aul", "--param", "a=0.5"]) == 2
    assert "1 < a" in capsys.readouterr().err
    assert main(["show", "aul", "--param", "a"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
