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
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "alfs-list/1"
    assert {r["name"] for r in doc["losses"]} == set(list_losses())
    assert {r["kind"] for r in doc["losses"]} == {"pointwise", "vector"}


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


def test_check_exit_codes_and_formats(capsys):
    assert main(["check", "agce", "--param", "a=1", "--param", "q=2", "--classes", "10",
                 "--noise", "symmetric:0.6", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["schema"] == "alfs-check/2"
    noise = next(c for c in d["checks"] if c["check"] == "noise")
    assert noise["args"] == {"K": 10, "noise": "symmetric:0.6"}
    assert noise["verdict"] == "PROVED"
    # CE under symmetric noise: the asked property is refuted -> exit 1
    assert main(["check", "ce", "--classes", "3", "--noise", "symmetric:0.3",
                 "--only", "noise"]) == 1
    assert "REFUTED" in capsys.readouterr().out
    assert main(["check", "--expr", "((a+1)**q - (a+u)**q)/q", "--param", "a=1", "--param",
                 "q=2", "--domain", "a:a > 0", "--domain", "q:q > 0", "--only", "ratio",
                 "--format", "md"]) == 0
    assert "1/2" in capsys.readouterr().out


def test_check_bad_usage(capsys):
    assert main(["check", "--expr", "__import__('os')"]) == 2
    assert "'__import__' is not an allowed" in capsys.readouterr().err
    assert main(["check", "agce", "--noise", "symmetric:1.5"]) == 2
    assert "[0, 1]" in capsys.readouterr().err
    assert main(["check", "agce", "--param", "q=-1"]) == 2
    capsys.readouterr()
    # a formula where a name goes: the error says how to pass it; a misspelt name does not
    assert main(["check", "1 - u**0.3"]) == 2
    assert "pass it with --expr: alfs check --expr '1 - u**0.3'" in capsys.readouterr().err
    assert main(["check", "nce+aull"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'nce+aul'" in err and "--expr" not in err


def test_ratio_command(capsys):
    assert main(["ratio", "aul", "--param", "a=1.5", "--param", "q=0.9"]) == 0
    out = capsys.readouterr().out
    assert "PROVED" in out and "0.89595" in out


def test_expression_starting_with_a_minus_sign_and_class_sums(capsys):
    # argparse would read "-log(u)..." as an option; the CLI glues it to --expr
    rc = main(["check", "--expr", "-log(u)/sum(-log(v))", "--classes", "2",
               "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["kind"] == "vector"
    verdicts = {r["check"]: r["verdict"] for r in out["checks"]}
    assert verdicts["threshold"] == "PROVED"
    assert main(["ratio", "--expr", "-log(u)"]) == 0


def test_ratio_of_an_affine_loss_says_its_value_once(capsys):
    from alfs_theory.cli import main

    assert main(["ratio", "--expr", "K*(1-u)", "-K", "4"]) == 0
    out = capsys.readouterr().out
    assert "r(l) = 1;" in out and "= 1 = 1" not in out


def test_version_module_entry_and_typing_marker():
    """`alfs --version`, `python -m alfs_theory` and the py.typed marker (issue #25)."""
    import subprocess
    import sys
    from importlib.metadata import version
    from pathlib import Path

    import alfs_theory

    out = subprocess.run([sys.executable, "-m", "alfs_theory", "--version"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == f"alfs-theory {version('alfs-theory')}"
    out = subprocess.run([sys.executable, "-m", "alfs_theory", "ratio", "mae"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "r(l) = 1" in out.stdout
    assert (Path(alfs_theory.__file__).parent / "py.typed").is_file()


def test_figures_refuses_a_runs_folder_that_does_not_exist(tmp_path, capsys):
    from alfs_theory.cli import main

    rc = main(["figures", "--runs", str(tmp_path / "nosuchdir"), "--out", str(tmp_path / "f"),
               "--only", "training"])
    assert rc == 2 and "no such folder" in capsys.readouterr().err
    assert not (tmp_path / "f").exists()
    (tmp_path / "empty").mkdir()
    rc = main(["figures", "--runs", str(tmp_path / "empty"), "--out", str(tmp_path / "f")])
    assert rc == 2 and "holds no run record (record.json)" in capsys.readouterr().err
    assert not (tmp_path / "f").exists()


def test_a_reader_that_stops_reading_is_not_an_error(monkeypatch, capsys):
    """`alfs check ... | head`: a closed pipe ends the command quietly, exit 0 (issue #25);
    it was "error: Broken pipe", exit 2."""
    import alfs_theory.cli.ratio as ratio_cli
    from alfs_theory.cli import main

    def closed_pipe(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(ratio_cli, "cmd_ratio", closed_pipe)
    assert main(["ratio", "mae"]) == 0
    assert "Broken pipe" not in capsys.readouterr().err


def test_verbose_logs_the_rules_on_stderr(capsys):
    """-v: each decision with its rule and CPU time; -vv also the rules skipped and the fact
    each lacked; without it, nothing is logged (issue #25)."""
    from alfs_theory.cli import main

    assert main(["check", "agce", "-K", "3", "--only", "ratio"]) == 0
    assert "[alfs_theory" not in capsys.readouterr().err
    assert main(["-v", "check", "agce", "-K", "3", "--only", "ratio"]) == 0
    err = capsys.readouterr().err
    assert "ratio K=3: PROVED by ratio-closed-form in " in err and "skipped" not in err
    assert main(["-vv", "check", "agce", "-K", "3", "--only", "ratio"]) == 0
    assert "ratio-downward-jump skipped (needs not-continuous)" in capsys.readouterr().err
    main(["check", "agce", "-K", "3", "--only", "ratio"])  # back to silent
    assert "[alfs_theory" not in capsys.readouterr().err
