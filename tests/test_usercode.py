"""The user's --torch code runs in a child process (alfs_theory.nn.sandbox): whatever it does is
named as the user's error (exit 2), never an internal error (3), a silent pass (0) or a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from alfs_theory.checks.blackbox import blackbox_check
from alfs_theory.cli import main
from alfs_theory.errors import InputError, UserCodeError
from alfs_theory.nn import functional as nnf
from alfs_theory.nn.crossval import crossval
from alfs_theory.nn.sandbox import UserLoss
from alfs_theory.timing import time_limit

ROOT = Path(__file__).resolve().parents[1]

BAD = textwrap.dedent('''
    import os, sys, time
    import torch

    def _mae(z, y):
        return 1 - torch.softmax(z, 1).gather(1, y[:, None])[:, 0]

    def raises(z, y):
        raise ValueError("no such luck")

    def returns_nan(z, y):
        return _mae(z, y) * float("nan")

    def calls_exit(z, y):
        sys.exit(0)

    def calls_os_exit(z, y):
        os._exit(0)

    def sleeps(z, y):
        time.sleep(600)

    def spins(z, y):
        while True:
            pass

    def allocates(z, y):
        return torch.ones(2 ** 31, dtype=torch.float64)  # 16 GiB

    def recurses(z, y):
        return recurses(z, y)

    def uses_cuda(z, y):
        return _mae(z.cuda(), y.cuda())

    def wrong_shape(z, y):
        return torch.softmax(z, 1)

    def not_a_tensor(z, y):
        return [1.0] * len(y)

    def chatty(z, y):
        print("chatty was called")
        return _mae(z, y)

    def sleeps_on_label_1(z, y):
        if int(y[0]) == 1:
            time.sleep(600)
        return _mae(z, y)

    def spins_on_label_1(z, y):
        while int(y[0]) == 1:
            pass
        return _mae(z, y)
''')

# (function, what stderr must say after "the torch loss usercode_bad:<function> ")
CASES = [
    ("raises", "raised ValueError: no such luck (at "),
    ("calls_exit", "called sys.exit(0)"),
    ("calls_os_exit", "exited with status 0"),
    ("sleeps", "s of wall-clock time"),
    ("spins", "did not finish within 1 s of CPU time (--timeout)"),
    ("allocates", "ran out of memory (limit 256 MiB"),
    ("recurses", "exceeded the maximum recursion depth"),
    ("uses_cuda", "called CUDA on a machine without a GPU"),
    ("wrong_shape", "returned shape"),
    ("not_a_tensor", "returned "),
]
LIMITS = ["--timeout", "1", "--memory-limit", "256M"]


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    (tmp_path / "usercode_bad.py").write_text(BAD)
    (tmp_path / "usercode_syntax.py").write_text("def loss(z, y)\n    return z\n")
    (tmp_path / "usercode_import_raises.py").write_text("raise RuntimeError('not today')\n")
    (tmp_path / "usercode_import_exits.py").write_text("import sys\nsys.exit(0)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _run(argv, capsys):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def _assert_named(rc, err, ref, what):
    assert rc == 2, err
    assert f"the torch loss {ref} " in err and what in err, err
    assert "internal error" not in err and "bug in alfs-theory" not in err


@pytest.mark.parametrize("fn, what", CASES, ids=[c[0] for c in CASES])
def test_check_torch_names_the_users_failure(user_dir, capsys, fn, what):
    if fn == "uses_cuda" and torch.cuda.is_available():
        pytest.skip("a GPU is here: .cuda() works")
    ref = f"usercode_bad:{fn}"
    rc, out, err = _run(["check", "--torch", ref, "-K", "3", *LIMITS], capsys)
    _assert_named(rc, err, ref, what)
    assert "alfs check: error: " in err and out == ""


@pytest.mark.parametrize("fn, what", CASES, ids=[c[0] for c in CASES])
def test_crossval_torch_names_the_users_failure(user_dir, capsys, fn, what):
    if fn == "uses_cuda" and torch.cuda.is_available():
        pytest.skip("a GPU is here: .cuda() works")
    ref = f"usercode_bad:{fn}"
    rc, out, err = _run(["crossval", "mae", "--torch", ref, "--classes", "3", "--dtype",
                         "float64", *LIMITS], capsys)
    _assert_named(rc, err, ref, what.replace("returned shape", "returned shape (8, 3)"))
    assert "alfs crossval: error: " in err and out == ""


@pytest.mark.parametrize("ref, what", [
    ("usercode_syntax:loss", "has a syntax error at "),
    ("usercode_import_raises:loss", "raised RuntimeError while being imported: not today"),
    ("usercode_import_exits:loss", "called sys.exit(0) while being imported"),
])
def test_import_failures_are_named_too(user_dir, capsys, ref, what):
    rc, _, err = _run(["check", "--torch", ref, "-K", "3", *LIMITS], capsys)
    _assert_named(rc, err, ref, what)
    if "syntax" in ref:
        assert "usercode_syntax.py:1" in err
    rc, _, err = _run(["crossval", "mae", "--torch", ref, "--classes", "2", *LIMITS], capsys)
    _assert_named(rc, err, ref, what)


def test_nan_is_named_by_check_and_a_mismatch_for_crossval(user_dir, capsys):
    ref = "usercode_bad:returns_nan"
    rc, _, err = _run(["check", "--torch", ref, "-K", "3", *LIMITS], capsys)
    _assert_named(rc, err, ref, "returned NaN at row 0 for label 0 (u = (")
    # crossval compares with the formula: a NaN where the formula is finite is a mismatch,
    # shown with its input (exit 1), as for a NaN inside the library's own twins
    rc, out, _ = _run(["crossval", "mae", "--torch", ref, "--classes", "3", "--dtype",
                       "float64", *LIMITS], capsys)
    assert rc == 1 and "MISMATCH" in out and "value = nan" in out


def test_a_real_process_never_passes_silently(user_dir):
    """Through ``python -m alfs_theory.cli``: sys.exit(0) and os._exit(0) in the user's code
    exit 2 with the function named (they used to exit 0 with no output)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(user_dir)]),
               OMP_NUM_THREADS="1")
    for argv in (["check", "--torch", "usercode_bad:calls_exit", "-K", "3"],
                 ["crossval", "mae", "--torch", "usercode_bad:calls_os_exit", "--classes", "2"]):
        run = subprocess.run([sys.executable, "-m", "alfs_theory.cli", *argv, *LIMITS],
                             cwd=user_dir, env=env, capture_output=True, text=True, timeout=300,
                             check=False)
        assert run.returncode == 2, run.stderr
        ref = argv[argv.index("--torch") + 1]
        assert run.stdout == "" and f"the torch loss {ref} " in run.stderr
        assert "exit" in run.stderr


def _no_seconds(d):
    if isinstance(d, dict):
        return {k: _no_seconds(v) for k, v in d.items() if k != "seconds"}
    if isinstance(d, list):
        return [_no_seconds(v) for v in d]
    return d


def test_a_well_behaved_loss_gets_the_same_verdicts(user_dir, capsys):
    """A registered twin as user code: the same report through the child as in process."""
    ref = "alfs_theory.nn.functional:mae_loss"
    rc, out, err = _run(["check", "--torch", ref, "-K", "4", "--noise", "symmetric:0.5",
                         "--format", "json"], capsys)
    assert rc == 0, err
    here = blackbox_check(nnf.mae_loss, n_classes=4, noise="symmetric:0.5", name=ref)
    assert _no_seconds(json.loads(out)) == _no_seconds(json.loads(here.to_json()))
    assert "[7/7] noise K=4, noise=symmetric:0.5, row=2: UNDECIDED in " in err  # progress, on stderr

    ref = "alfs_theory.nn.functional:ce_loss"
    rc, out, _ = _run(["crossval", "ce", "--torch", ref, "--classes", "2,10", "--format",
                       "json"], capsys)
    assert rc == 0
    here = crossval(nnf.ce_loss, "ce", classes=(2, 10), target=ref)
    assert _no_seconds(json.loads(out)) == _no_seconds(here.to_dict())


def test_a_refuted_asymmetry_exits_1_on_both_paths(capsys):
    """CE is not asymmetric: --torch exits 1 as the formula path does (it used to exit 0
    without --noise), and --no-fail-on-refuted makes both 0."""
    ref = "alfs_theory.nn.functional:ce_loss"
    for extra in ([], ["--noise", "symmetric:0.6"]):
        assert main(["check", "ce", "-K", "4", *extra]) == 1
        assert main(["check", "--torch", ref, "-K", "4", *extra]) == 1
    assert main(["check", "ce", "-K", "4", "--no-fail-on-refuted"]) == 0
    assert main(["check", "--torch", ref, "-K", "4", "--no-fail-on-refuted"]) == 0
    capsys.readouterr()


def test_what_the_code_prints_goes_to_stderr(user_dir, capsys):
    rc, out, err = _run(["check", "--torch", "usercode_bad:chatty", "-K", "3", "--format",
                         "json"], capsys)
    assert rc == 0 and json.loads(out)["checks"] and "chatty was called" in err


def test_the_proxy_restarts_after_an_interrupted_call(user_dir):
    """A check's time budget (SIGALRM) interrupting a call kills the child; the next call
    starts a fresh one, and the values are those of the code run here."""
    z = torch.log(torch.full((2, 3), 1 / 3, dtype=torch.float64)).numpy()
    with UserLoss("usercode_bad:spins_on_label_1", timeout=5) as fn:
        with time_limit(0.5) as lim:  # CPU seconds: the child's count against the budget
            fn.values(z, [1, 1])
        assert lim.expired
        got = fn.values(z, [0, 2])
        assert fn.starts == 2
    assert got.tolist() == pytest.approx([2 / 3, 2 / 3], rel=1e-15)
    with pytest.raises(UserCodeError, match="raised ValueError"), \
            UserLoss("usercode_bad:raises", timeout=5) as fn:
        fn.values(z, [0, 1])
    with pytest.raises(InputError, match="expects MODULE:NAME"):
        UserLoss("usercode_bad")
