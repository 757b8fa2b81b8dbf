"""`alfs crossval`, the testing helpers and the pytest plugin, on a user's own torch code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from alfs_theory.cli import main
from alfs_theory.nn.crossval import crossval, load_callable
from alfs_theory.testing import AlfsAssertionError, assert_torch_matches, assert_verdicts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "user_project"

USER_CODE = textwrap.dedent('''
    import torch

    def good(logits, labels):
        u = torch.softmax(logits, 1).gather(1, labels[:, None])[:, 0]
        return ((1 + 1) ** 2 - (1 + u) ** 2) / 2

    def wrong_q(logits, labels):
        u = torch.softmax(logits, 1).gather(1, labels[:, None])[:, 0]
        return ((1 + 1) ** 2.1 - (1 + u) ** 2.1) / 2.1

    def detached_focal(logits, labels, gamma=0.5):
        lp = torch.log_softmax(logits, 1).gather(1, labels[:, None])[:, 0]
        return -((1 - lp.exp()) ** gamma).detach() * lp

    def nan_at_ties(logits, labels):
        u = torch.softmax(logits, 1).gather(1, labels[:, None])[:, 0]
        gap = logits.max(1).values - logits.min(1).values
        return (1 - u) * gap / gap

    def mean_ce(logits, labels):
        return torch.nn.functional.cross_entropy(logits, labels)

    def wrong_shape(logits, labels):
        return logits

    class Agce(torch.nn.Module):
        def __init__(self, a=1.0, q=2.0):
            super().__init__()
            self.a, self.q = a, q

        def forward(self, logits, labels):
            u = torch.softmax(logits, 1).gather(1, labels[:, None])[:, 0]
            return ((self.a + 1) ** self.q - (self.a + u) ** self.q) / self.q
''')


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "userlosses.py").write_text(USER_CODE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("userlosses", None)
    yield "userlosses"
    sys.modules.pop("userlosses", None)


def test_crossval_cli_match_and_mismatch(user_module, capsys):
    assert main(["crossval", "agce", "--param", "a=1", "--param", "q=2",
                 "--torch", "userlosses:good"]) == 0
    out = capsys.readouterr().out
    assert "MATCH" in out and "worst value:" in out and "worst grad:" in out
    assert main(["crossval", "agce", "--param", "a=1", "--param", "q=2",
                 "--torch", "userlosses:wrong_q"]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "mismatch(es)" in out and "formula" in out
    # the module class is built with the loss's parameters
    assert main(["crossval", "agce", "--param", "a=2", "--param", "q=3",
                 "--torch", "userlosses:Agce", "--format", "json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["ok"] and rep["params"] == {"a": 2.0, "q": 3.0} and rep["compared"] > 1000


def test_crossval_catches_a_detached_term_and_nans(user_module, capsys):
    assert main(["crossval", "fl", "--torch", "userlosses:detached_focal"]) == 1
    out = capsys.readouterr().out
    assert "worst grad" in out and "MISMATCH" in out
    assert main(["crossval", "--expr", "1 - u", "--torch", "userlosses:nan_at_ties"]) == 1
    assert "near-tie" in capsys.readouterr().out


def test_crossval_scalar_and_bad_outputs(user_module, capsys):
    assert main(["crossval", "ce", "--torch", "userlosses:mean_ce"]) == 0
    assert "compared as the mean over the batch" in capsys.readouterr().out
    # a bad result of the user's code is the user's error, named (exit 2), as in check --torch
    assert main(["crossval", "ce", "--torch", "userlosses:wrong_shape"]) == 2
    err = capsys.readouterr().err
    assert "userlosses:wrong_shape returned shape (8, 2)" in err
    # a plain callable run here (the library's path) still records it as an error of the report
    rep = crossval(lambda z, y: z, "ce", classes=(2,))
    assert not rep.ok and "returned shape (8, 2)" in rep.errors[0]


@pytest.mark.parametrize("ref, msg", [("userlosses:nope", "has no attribute 'nope'"),
                                      ("no_such_pkg:x", "cannot import module 'no_such_pkg'"),
                                      ("userlosses", "expects MODULE:NAME")])
def test_crossval_bad_targets(user_module, capsys, ref, msg):
    assert main(["crossval", "ce", "--torch", ref]) == 2
    assert msg in capsys.readouterr().err


def test_crossval_builtin_twins_and_typed_formulas(capsys):
    assert main(["crossval", "nfl+agce", "--classes", "3,7", "--dtype", "float64"]) == 0
    assert "nfl_agce_loss" in capsys.readouterr().out
    assert main(["crossval", "--expr", "piecewise(1 - u, u < 1/2, (1 - u)**2 + 1/4) + "
                 "sum(v**2)/K", "--classes", "2,5"]) == 0
    assert "composite torch form" in capsys.readouterr().out


def test_assert_helpers_name_the_loss_and_evidence():
    from alfs_theory.nn import agce_loss

    assert_torch_matches(lambda z, y: agce_loss(z, y, a=1.0, q=2.0), "agce",
                         params={"a": 1, "q": 2}, classes=(3,))
    with pytest.raises(AlfsAssertionError, match=r"MISMATCH"):
        assert_torch_matches(lambda z, y: agce_loss(z, y, a=1.0, q=2.0), "agce",
                             params={"a": 1, "q": 3}, classes=(3,))
    with pytest.raises(AlfsAssertionError, match=r"symmetric: expected PROVED, got REFUTED.*"
                                                 r"\n    evidence: \[counterexample\]"):
        assert_verdicts("-log(u)", {"symmetric": "PROVED"}, classes=3)


def test_load_callable_is_the_only_code_run(user_module):
    fn = load_callable("userlosses:Agce", {"a": 1.0, "q": 2.0})
    assert crossval(fn, "agce", a=1, q=2, classes=(2,)).ok


def test_pytest_plugin_in_an_example_project(tmp_path):
    """The example project's tests run with the plugin the package registers (entry point)."""
    proj = tmp_path / "proj"
    shutil.copytree(EXAMPLE, proj)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=proj, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
    # a wrong implementation fails there with the worst input named
    (proj / "mylosses.py").write_text((proj / "mylosses.py").read_text()
                                      .replace("(1 - u) ** 2", "(1 - u) ** 2.05"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=proj, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    assert "AlfsAssertionError" in run.stdout and "worst value" in run.stdout
    # the helpers hide their own frames (__tracebackhide__): the failure ends at the user's test
    assert "alfs_theory/testing.py" not in run.stdout
    assert "alfs_theory/pytest_plugin.py" not in run.stdout


def test_blackbox_check_never_proves(user_module, capsys):
    """`alfs check --torch`: a loss with no formula gets REFUTED (re-verified) or UNDECIDED."""
    from alfs_theory.checks.blackbox import blackbox_check

    assert main(["check", "--torch", "userlosses:mean_ce", "-K", "4"]) == 2  # a scalar loss
    assert "per-example losses of shape (N,)" in capsys.readouterr().err

    def ce(z, y):
        return torch.nn.functional.cross_entropy(z, y, reduction="none")

    rep = blackbox_check(ce, n_classes=4, noise="symmetric:0.3", samples=200, threshold=False)
    verdicts = {r.check: r.verdict.value for r in rep.results}
    assert "PROVED" not in verdicts.values()
    assert verdicts["symmetric"] == "REFUTED" and rep.result("noise", row=0).verdict.value == \
        "REFUTED"
    assert rep.result("noise", row=0).args == {"K": 4, "noise": "symmetric:0.3", "row": 0}
    cx = rep.result("noise", row=0).counterexample
    assert "re-evaluated" in cx.detail

    def mae(z, y):
        return 1 - torch.softmax(z, 1).gather(1, y[:, None])[:, 0]

    rep = blackbox_check(mae, n_classes=4, noise="symmetric:0.5", samples=200)
    assert {r.verdict.value for r in rep.results} == {"UNDECIDED"}  # symmetric, tolerant: no proof
    th = rep["threshold"].estimate
    assert th["lo"] == pytest.approx(0.75, abs=0.01)  # MAE: every eta < (K-1)/K


def test_blackbox_cli(user_module, capsys):
    assert main(["check", "--torch", "userlosses:Agce", "--param", "a=1", "--param", "q=2",
                 "-K", "3", "--noise", "symmetric:0.5", "--format", "json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert all(c["verdict"] != "PROVED" for c in rep["checks"])
    assert main(["check", "agce", "--torch", "userlosses:Agce"]) == 2
    assert "alfs crossval" in capsys.readouterr().err
