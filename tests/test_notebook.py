"""Python and notebook use (issue #25): check_loss on a formula string, the report indexed by
the stable names, its reprs and DataFrame; the torch modules' parameters as attributes and
their half-precision outputs."""

from __future__ import annotations

import inspect
import sys
import types

import pytest

from alfs_theory.checks.checker import check_loss
from alfs_theory.errors import ExpressionError, InputError, ParameterError

AGCE = "((a+1)**q - (a+u)**q)/q"


@pytest.fixture(scope="module")
def rep():
    return check_loss(AGCE, params={"a": 1, "q": 2}, domains={"a": "a > 0", "q": "q > 0"},
                      n_classes=10, noise="symmetric:0.6", checks=["ratio", "threshold",
                                                                   "noise"])


def test_a_formula_string_is_checked_like_alfs_check_expr(rep, capsys):
    import json

    from alfs_theory.cli import main

    assert main(["check", "--expr", AGCE, "--param", "a=1", "--param", "q=2", "--domain",
                 "a:a > 0", "--domain", "q:q > 0", "--noise", "symmetric:0.6", "--only",
                 "ratio,threshold,noise", "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    mine = rep.to_dict()
    assert [(c["check"], c["args"], c["verdict"], c["summary"]) for c in mine["checks"]] == \
        [(c["check"], c["args"], c["verdict"], c["summary"]) for c in cli["checks"]]
    assert mine["formula"] == cli["formula"] and rep.params == {"a": 1.0, "q": 2.0}
    # a registered name works too; a LossSpec as before
    assert float(check_loss("agce", n_classes=3, checks=["ratio"])["ratio"].value) == 0.5


@pytest.mark.parametrize("bad, err, msg", [
    ("", ExpressionError, "the loss formula is empty"),
    ("__import__('os').getcwd()", ExpressionError, "'__import__' is not an allowed function"),
    ("1 - u +", ExpressionError, "unexpected end of input"),
    ("exp(-u/a)", ExpressionError, r"unknown name 'a' \(a parameter\? give its value: --param a=VALUE"),
    (3, InputError, "not int"),
])
def test_a_bad_formula_is_refused_before_any_check(bad, err, msg):
    with pytest.raises(err, match=msg):
        check_loss(bad, checks=["ratio"])


def test_the_spec_gate_refuses_a_formula_off_the_simplex():
    from alfs_theory.errors import DomainError

    with pytest.raises(DomainError, match="is undefined .* at u = 1/2"):
        check_loss("1/(u - 1/2)", n_classes=3, checks=["ratio"])


def test_the_report_is_indexed_by_the_stable_names(rep):
    assert float(rep["ratio"].value) == 0.5 and rep["threshold"].args == {"K": 10}
    assert rep["noise"].args == {"K": 10, "noise": "symmetric:0.6"}
    assert "threshold" in rep and "symmetric" not in rep
    assert rep.keys() == ["ratio", "threshold", "noise"]
    with pytest.raises(KeyError, match="no 'symmetric' result in this report"):
        rep["symmetric"]


def test_short_repr_markdown_and_html(rep):
    r = repr(rep)
    assert r == ("<CheckReport user (a=1, q=2), K=10, noise=symmetric:0.6: 3 checks, "
                 "3 PROVED, 0 REFUTED, 0 UNDECIDED>")
    md = rep._repr_markdown_()
    assert md == rep.to_markdown() and "| threshold |  | **PROVED** |" in md
    html = rep._repr_html_()
    assert html.count("<tr>") == 4 and "<code>threshold</code>" in html


def test_html_escapes_the_evidence():
    rep = check_loss("1 - u", n_classes=3, checks=["threshold"])
    assert "<" not in rep["threshold"].summary or "&lt;" in rep._repr_html_()
    assert "eta < (K-1)/K" in rep["threshold"].summary
    assert "eta &lt; (K-1)/K" in rep._repr_html_()


def test_to_dataframe_without_pandas_says_so(rep, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError
    with pytest.raises(ImportError, match="needs pandas, which is not installed: pip install "
                                          "pandas"):
        rep.to_dataframe()


def test_to_dataframe_builds_one_row_per_check(rep, monkeypatch):
    seen = {}

    class Frame:
        @classmethod
        def from_records(cls, records):
            seen["records"] = records
            return cls()

        def set_index(self, col):
            seen["index"] = col
            return self

    monkeypatch.setitem(sys.modules, "pandas", types.SimpleNamespace(DataFrame=Frame))
    rep.to_dataframe()
    recs = seen["records"]
    assert seen["index"] == "check" and [r["check"] for r in recs] == rep.keys()
    assert recs[1]["K"] == 10 and recs[1]["verdict"] == "PROVED" and recs[2]["noise"] == \
        "symmetric:0.6"
    assert set(recs[0]) == {"check", "K", "eta", "noise", "row", "weights", "verdict",
                            "summary", "evidence", "value", "method", "seconds", "gate"}


def test_to_dataframe_with_pandas(rep):
    pd = pytest.importorskip("pandas")
    df = rep.to_dataframe()
    assert isinstance(df, pd.DataFrame) and df.loc["threshold", "verdict"] == "PROVED"


def test_the_fixture_takes_every_stable_name():
    from alfs_theory.testing import AlfsAssertionError, assert_verdicts

    rep = assert_verdicts("1 - u", {"threshold": "PROVED", "region": "PROVED",
                                    "excess-risk": "PROVED", "asymmetric-on": "PROVED",
                                    "noise": "PROVED"},
                          classes=3, noise="symmetric:0.3", weights=[0.5, 0.3, 0.2])
    assert rep.keys() == ["region", "threshold", "excess-risk", "noise", "asymmetric-on"]
    with pytest.raises(AlfsAssertionError, match=r"threshold: expected REFUTED, got PROVED"):
        assert_verdicts("1 - u", {"threshold": "REFUTED"}, classes=3)
    with pytest.raises(InputError, match=r"'weights' is now 'asymmetric-on'.*the checks are "
                                         r"decreasing, shape"):
        assert_verdicts("1 - u", {"weights": "PROVED"}, classes=3, weights=[0.5, 0.3, 0.2])
    with pytest.raises(InputError, match="needs the weight vector"):
        assert_verdicts("1 - u", {"asymmetric-on": "PROVED"}, classes=3)


# ------------------------------------------------------------------------------ torch modules
torch = pytest.importorskip("torch")


def test_module_parameters_are_keywords_and_attributes():
    from alfs_theory.nn import AGCELoss, NCEAGCELoss, make_loss
    from alfs_theory.userloss import loss_from_expression

    sig = inspect.signature(AGCELoss)
    assert [(p.name, p.kind, p.default) for p in sig.parameters.values()
            if p.name in ("a", "q")] == [("a", inspect.Parameter.KEYWORD_ONLY, 1.0),
                                          ("q", inspect.Parameter.KEYWORD_ONLY, 2.0)]
    crit = AGCELoss(a=3)
    assert crit.a == 3 and crit.q == 2.0 and NCEAGCELoss().alpha == 1.0
    crit.q = 1.5  # checked, then used
    assert crit.params == {"a": 3.0, "q": 1.5} and "q=1.5" in repr(crit)
    with pytest.raises(ParameterError, match="a=-1 is outside its domain 0 < a"):
        crit.a = -1
    assert crit.a == 3
    with pytest.raises(AttributeError):
        crit.b
    comp = make_loss(loss_from_expression("exp(-u/a)", params={"a": 2},
                                          domains={"a": "a > 0"}).bind(a=2))
    assert comp.a == 2
    comp.a = 3
    z, y = torch.zeros(2, 3), torch.tensor([0, 1])
    assert float(comp(z, y)) == pytest.approx(float(torch.exp(torch.tensor(-1 / 9))), rel=1e-6)


@pytest.mark.parametrize("dt", [torch.float16, torch.bfloat16])
def test_half_logits_give_a_half_loss_computed_in_float32(dt):
    from alfs_theory.nn import AGCELoss, CELoss, make_loss
    from alfs_theory.userloss import loss_from_expression

    torch.manual_seed(0)
    z32 = torch.randn(6, 10)
    y = torch.arange(6) % 10
    for crit in (CELoss(reduction="none"), AGCELoss(reduction="none"),
                 make_loss(loss_from_expression("(1 - u)**2"), reduction="none")):
        leaf = z32.to(dt).requires_grad_(True)
        out = crit(leaf, y)
        assert out.dtype == dt
        ref = crit(leaf.detach().float(), y)  # the float32 computation, then rounded once
        assert torch.equal(out, ref.to(dt))
        out.sum().backward()
        assert leaf.grad.dtype == dt and torch.isfinite(leaf.grad.float()).all()
    with torch.autocast("cpu", dtype=torch.bfloat16):  # autocast's rule: losses in float32
        assert CELoss()(z32.to(torch.bfloat16), y).dtype == torch.float32


def test_the_tutorials_python_runs_as_written(capsys):
    """docs/tutorial.md, "From Python": every python block runs, and what its comments say it
    shows is what it shows."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "tutorial.md").read_text()
    sec = text[text.index("## 5. From Python"):text.index("## 6.")]
    blocks = re.findall(r"```python\n(.*?)```", sec, re.S)
    assert blocks
    env: dict = {}
    for b in blocks:
        exec(compile(b, "docs/tutorial.md", "exec"), env)  # our own docs, not user input
    rep = env["rep"]
    assert repr(rep).startswith("<CheckReport user (a=1, q=2), K=10, noise=symmetric:0.6: ")
    assert rep["threshold"].summary == "tolerant for every eta < (K-1)/K = 0.9"
    assert rep["noise"].args == {"K": 10, "noise": "symmetric:0.6"}
    assert rep.keys()[:3] == ["decreasing", "shape", "ratio"] and rep.keys()[-1] == "noise"
    assert "alfs-check/2" in sec and "threshold" in capsys.readouterr().out
