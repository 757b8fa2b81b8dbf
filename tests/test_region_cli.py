"""`alfs region`: the checker's verdict on a parameter grid, against the families' known
conditions (issue 15, item 7)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from alfs_theory.checks.conditions import parameter_region, parse_vary
from alfs_theory.cli import main
from alfs_theory.errors import InputError
from alfs_theory.registry import get_loss


def test_agce_grid_matches_the_closed_form_condition():
    """AGCE under symmetric eta = 0.6, K = 10: concave cells (q >= 1) tolerate every
    eta < 0.9; convex cells tolerate eta iff eta <= eta_max(r(a, q)) (T4 with the closed-form
    ratio, computed by plotting.predicted_eta_max, a separate code path)."""
    from alfs_theory.plotting import predicted_eta_max

    reg = parameter_region(get_loss("agce"), {"a": (0.05, 8.0), "q": (0.1, 3.0)},
                           noise="symmetric:0.6", n=4)
    assert reg.counts()["UNDECIDED"] == 0
    for j, q in enumerate(reg.y):
        for i, a in enumerate(reg.x):
            eta_max = float(predicted_eta_max("agce", 10, a=np.array(a), q=np.array(q)))
            want = "PROVED" if eta_max >= 0.6 else "REFUTED"
            assert reg.verdicts[j][i] == want, (a, q, eta_max, reg.verdicts[j][i])
    assert {"PROVED", "REFUTED"} <= {v for row in reg.verdicts for v in row}


def test_one_parameter_strip_for_a_typed_loss(capsys):
    # (1 - u)^b: convex for b >= 1 with r = 1/b... tolerance falls as b grows
    assert main(["region", "--expr", "(1 - u)**b", "--domain", "b:b > 0", "--vary",
                 "b=1:4", "--noise", "symmetric:0.5", "-K", "3", "--grid", "4",
                 "--format", "json"]) == 0
    reg = json.loads(capsys.readouterr().out)
    assert reg["y_param"] is None and len(reg["verdicts"][0]) == 4
    v = reg["verdicts"][0]
    assert v[0] == "PROVED" and v[-1] == "REFUTED"  # b = 1 (MAE) tolerant; b = 4 not
    # monotone: once refuted, refuted for larger b
    assert v == sorted(v, key=lambda s: s == "REFUTED")


def test_region_plot_and_text(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "sub" / "phase.png"
    assert main(["region", "aul", "--vary", "a=1.1:4", "--vary", "q=0.2:2", "--grid", "3",
                 "-K", "5", "--noise", "symmetric:0.5", "--plot", str(out)]) == 0
    text = capsys.readouterr().out
    assert "cells PROVED" in text and "q / a" in text and out.stat().st_size > 5000


@pytest.mark.parametrize("argv, msg", [
    (["region", "agce", "--vary", "a=1"], "NAME=LOW:HIGH"),
    (["region", "agce", "--vary", "a=3:1"], "LOW < HIGH"),
    (["region", "agce", "--vary", "z=1:2"], "has no parameter 'z'"),
    (["region", "agce", "--vary", "a=-1:2"], "outside its domain"),
    (["region", "agce", "--vary", "a=1:2", "--param", "a=1"], "both varied and fixed"),
    (["region", "agce", "--vary", "a=1:2", "--noise", "symmetric:2"], "[0, 1]"),
])
def test_region_bad_input(capsys, argv, msg):
    assert main(argv) == 2
    assert msg in capsys.readouterr().err


def test_parse_vary():
    assert parse_vary(["a=0.01:10", "q=0.5:3"]) == {"a": (0.01, 10.0), "q": (0.5, 3.0)}
    with pytest.raises(InputError, match="one or two"):
        parse_vary(["a=1:2", "b=1:2", "c=1:2"])
