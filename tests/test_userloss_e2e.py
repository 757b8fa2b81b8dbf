"""A typed loss end to end: trained, swept and recorded with its formula (issue 15)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from alfs_theory.cli import main
from alfs_theory.experiments.train import TrainConfig, resolve_config, run_training


def test_train_a_typed_loss_records_its_formula(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--expr", "((a+1)**q - (a+u)**q)/q", "--param", "a=1", "--param",
                 "q=2", "--domain", "a:a > 0", "--domain", "q:q > 0", "--name", "my-agce",
                 "--epochs", "2", "--out", str(out), "--quiet", "--format", "json"]) == 0
    rec = json.loads((out / "record.json").read_text())
    assert rec["loss"]["name"] == "my-agce" and rec["loss"]["expr"] == "((a+1)**q - (a+u)**q)/q"
    assert rec["loss"]["domains"] == {"a": "a > 0", "q": "q > 0"}
    assert rec["loss"]["params"] == {"a": 1.0, "q": 2.0}
    # the typed AGCE(1, 2) trains exactly as the registered twin (same seed, same arithmetic up
    # to rounding): the same accuracy
    twin = run_training(TrainConfig(loss="agce", params={"a": 1, "q": 2}, epochs=2,
                                    device="cpu"), tmp_path / "twin", progress=False)
    assert abs(twin["accuracy"]["last"] - rec["accuracy"]["last"]) <= 0.01
    # the checker's prediction is for the formula
    assert rec["prediction"]["verdict"] == twin["prediction"]["verdict"]
    # resumable like any run: a second call returns the finished record
    assert main(["train", "--expr", "((a+1)**q - (a+u)**q)/q", "--param", "a=1", "--param",
                 "q=2", "--domain", "a:a > 0", "--domain", "q:q > 0", "--name", "my-agce",
                 "--epochs", "2", "--out", str(out), "--quiet"]) == 0


@pytest.mark.parametrize("kw, msg", [
    ({"loss": "ce", "expr": "1 - u"}, "names a registered loss"),
    ({"loss": "mine", "expr": "(1 - u)**q", "domains": {"q": "q > 0"}},
     r"parameter\(s\) \['q'\] without a value"),
    ({"loss": "mine", "expr": "(1 - u)**q"}, "unknown name 'q'"),
    ({"loss": "mine", "expr": "1 - import"}, "keyword 'import' is not allowed"),
])
def test_typed_loss_config_errors(kw, msg):
    with pytest.raises(Exception, match=msg):
        resolve_config(TrainConfig(**kw))


def test_train_cli_needs_exactly_one_loss(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "x")]) == 2
    assert "--loss NAME or a formula with --expr" in capsys.readouterr().err
    assert main(["train", "--loss", "ce", "--expr", "1-u", "--out", str(tmp_path / "x")]) == 2
    assert main(["train", "--expr", " ", "--out", str(tmp_path / "x")]) == 2
    assert "--expr is empty" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_sweep_with_typed_losses(tmp_path, capsys):
    assert main(["sweep", "--losses", "ce", "--expr", "sq=(1 - u)**2", "--expr",
                 "pw=(1 - u)**b", "--loss-param", "pw:b=1.5", "--rates", "0,0.4",
                 "--epochs", "1", "--workers", "1", "--out", str(tmp_path), "--quiet"]) == 0
    rows = (tmp_path / "results.csv").read_text()
    assert "sq" in rows and "pw" in rows and "b=1.5" in rows
    recs = [json.loads(p.read_text()) for p in tmp_path.rglob("record.json")]
    assert {r["loss"].get("expr") for r in recs} == {None, "(1 - u)**2", "(1 - u)**b"}
    assert main(["sweep", "--expr", "no formula", "--out", str(tmp_path / "y")]) == 2
    assert main(["sweep", "--expr", "=1-u", "--out", str(tmp_path / "y")]) == 2
    assert "NAME=FORMULA" in capsys.readouterr().err


def test_one_loss_figure_for_typed_and_registered_losses(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["figures", "--expr", "(1 - u)**2 + b*(1 - u)", "--param", "b=0.1",
                 "--out", str(tmp_path), "--quick", "-K", "5", "--format", "png,svg"]) == 0
    out = capsys.readouterr().out
    assert "one-loss figure of user (b=0.1)" in out
    assert (tmp_path / "fig_loss_card_user.png").stat().st_size > 10_000
    svg = (tmp_path / "fig_loss_card_user.svg").read_text()
    assert "r(ℓ) = 1/21" in svg or "1/21" in svg  # the certified closed-form ratio is drawn
    assert main(["figures", "--loss", "nce+agce", "--out", str(tmp_path), "--quick"]) == 0
    assert (tmp_path / "fig_loss_card_nce_agce.png").exists()
    # bad input is refused before any drawing
    assert main(["figures", "--loss", "agcee", "--out", str(tmp_path / "x")]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["figures", "--expr", "1 - u", "--only", "fig_ratio", "--out",
                 str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


def test_loss_card_data_for_a_typed_loss():
    from alfs_theory.plotting import data_loss_card
    from alfs_theory.userloss import loss_from_expression

    spec = loss_from_expression("(1 - u)**2 + 0.1*(1 - u)").bind()
    d = data_loss_card(spec, K=5, Ks=(2, 5), etas=[0.0, 0.1, 0.6], n=50)
    # the KKT rule gives eta_max = (K-1)/K * 0.1/(2 + 0.1)... checked against the checker itself
    from alfs_theory.checks.properties.tolerance import symmetric_noise_threshold

    for row in d["thresholds"]:
        th = symmetric_noise_threshold(spec, row["K"]).value["eta_max"]
        assert row["verdict"] == "PROVED" and row["eta_max"] == pytest.approx(th)
    # below the proved threshold the population minimiser stays at e_y; above it, it leaves
    eta5 = d["thresholds"][1]["eta_max"]
    assert d["u_y"][1] > 0.99 if 0.1 <= eta5 else True
    assert d["u_y"][2] < 0.99 and 0.6 > eta5
    assert d["ratio"]["exact"] == "1/21"


def test_loss_card_of_a_loss_whose_formula_uses_K():
    """NMAE's l(u) = (1 - u)/(K - 1): the card substitutes K (it crashed with StopIteration
    when a plain Symbol('K') was searched for instead of the registry's K)."""
    from alfs_theory.plotting import data_loss_card
    from alfs_theory.registry import get_loss

    d = data_loss_card(get_loss("nmae").bind(), K=4, Ks=(2, 4), etas=[0.0, 0.5], n=20)
    assert d["ratio"]["verdict"] == "PROVED" and d["ratio"]["exact"] == "1"
    assert d["ell"][0] == pytest.approx((1 - 1e-3) / 3)
