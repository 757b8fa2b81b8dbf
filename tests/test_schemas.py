"""Every command's ``--format json`` names its schema and conforms to it (issue #25): the
schemas of alfs_theory/schemas.py checked against the commands' real output with the module's
own small validator (no jsonschema dependency), and the validator itself can fail."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from alfs_theory.cli import main
from alfs_theory.schemas import (
    CHECK_NAMES,
    COMMAND_SCHEMAS,
    SCHEMAS,
    check_table,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]


def _json(argv, capsys, ok=(0, 1)):
    rc = main(argv)
    out = capsys.readouterr()
    assert rc in ok, f"alfs {' '.join(argv)} exited {rc}: {out.err[-600:]}"
    return json.loads(out.out)


def _conforms(doc, command):
    assert doc["schema"] == COMMAND_SCHEMAS[command]
    errs = validate(doc, SCHEMAS[doc["schema"]])
    assert not errs, "\n".join(errs[:10])


def test_every_command_with_json_output_has_a_schema():
    from alfs_theory.cli import COMMANDS

    has_json = set()
    for mod in COMMANDS:
        src = Path(mod.__file__).read_text(encoding="utf-8")
        for m in re.finditer(r'add_parser\("([a-z]+)"(.*?)set_defaults', src, re.S):
            if '"json"' in m.group(2):
                has_json.add(m.group(1))
    assert has_json == set(COMMAND_SCHEMAS), (has_json, set(COMMAND_SCHEMAS))


def test_list_and_show(capsys):
    doc = _json(["list", "--format", "json"], capsys)
    _conforms(doc, "list")
    assert {"ce", "agce", "nce"} <= {x["name"] for x in doc["losses"]}
    _conforms(_json(["show", "agce", "--format", "json"], capsys), "show")
    _conforms(_json(["show", "nce+agce", "--format", "json"], capsys), "show")


def test_check_every_name_and_argument(capsys):
    doc = _json(["check", "mae", "-K", "3", "--noise", "symmetric:0.2", "--weights",
                 "0.5,0.3,0.2", "--format", "json"], capsys)
    _conforms(doc, "check")
    assert [c["check"] for c in doc["checks"]] == list(CHECK_NAMES)
    doc = _json(["check", "--expr", "-log(u)/sum(-log(v))", "-K", "3", "--format", "json"],
                capsys)
    _conforms(doc, "check")


def test_check_of_a_black_box(capsys):
    torch = pytest.importorskip("torch")
    from alfs_theory.checks.blackbox import blackbox_check

    def ce(z, y):
        return torch.nn.functional.cross_entropy(z, y, reduction="none")

    rep = blackbox_check(ce, n_classes=3, noise="symmetric:0.3", weights=[0.5, 0.3, 0.2],
                         samples=60, threshold=False)
    doc = rep.to_dict()
    _conforms(doc, "check")
    assert {c["check"] for c in doc["checks"]} == {"decreasing", "symmetric", "asymmetric",
                                                   "noise", "asymmetric-on"}
    assert [c["args"]["row"] for c in doc["checks"] if c["check"] == "noise"] == [0, 1, 2]
    with pytest.raises(KeyError, match="3 results named .noise."):
        rep["noise"]
    assert rep.result("noise", row=2).args["row"] == 2


def test_ratio(capsys):
    doc = _json(["ratio", "agce", "--format", "json"], capsys)
    _conforms(doc, "ratio")
    assert doc["loss"] == "agce" and doc["params"] == {"a": 1.0, "q": 2.0}
    assert doc["check"] == "ratio" and doc["value"] == 0.5


def test_region(capsys):
    doc = _json(["region", "agce", "--vary", "a=0.5:2", "--grid", "2", "-K", "3",
                 "--timeout", "10", "--format", "json"], capsys)
    _conforms(doc, "region")
    assert doc["check"] == "asymmetric" and doc["noise"] is None
    doc = _json(["region", "agce", "--vary", "a=0.5:2", "--grid", "2", "-K", "3",
                 "--noise", "symmetric:0.3", "--timeout", "10", "--format", "json"], capsys)
    _conforms(doc, "region")
    assert doc["check"] == "noise" and doc["noise"] == "symmetric:0.3"


def test_crossval(capsys):
    pytest.importorskip("torch")
    doc = _json(["crossval", "mae", "--classes", "2", "--rows", "2", "--format", "json"],
                capsys)
    _conforms(doc, "crossval")
    assert doc["ok"] is True


def test_train(capsys, tmp_path):
    pytest.importorskip("torch")
    doc = _json(["train", "--loss", "mae", "--epochs", "1", "--train-subset", "200",
                 "--test-subset", "100", "--threads", "1", "--quiet", "--out",
                 str(tmp_path / "run"), "--format", "json"], capsys)
    _conforms(doc, "train")


# ------------------------------------------------------------------ the validator can fail
def test_the_validator_sees_what_breaks_a_schema():
    s = SCHEMAS["alfs-check/2"]
    good = {"schema": "alfs-check/2", "loss": "x", "params": {}, "kind": "pointwise",
            "formula": "l", "K": 3, "noise": None, "seconds": 0.1, "internal_errors": 0,
            "checks": [{"check": "threshold", "args": {"K": 3}, "verdict": "PROVED",
                        "summary": "s", "certificate": {"method": "m", "detail": "d",
                                                        "data": {}},
                        "counterexample": None, "estimate": None, "value": None,
                        "seconds": 0.0, "internal_error": None, "gate": "g"}]}
    assert validate(good, s) == []
    bad = json.loads(json.dumps(good))
    bad["checks"][0]["check"] = "symmetric-noise-threshold(K=3)"
    bad["checks"][0]["args"]["K"] = "3"
    bad["checks"][0]["verdict"] = "MAYBE"
    del bad["loss"]
    bad["extra"] = 1
    errs = "\n".join(validate(bad, s))
    assert "$.checks[0].check: 'symmetric-noise-threshold(K=3)' is not one of" in errs
    assert "$.checks[0].args.K: '3' is not of type integer" in errs
    assert "$.checks[0].verdict: 'MAYBE' is not one of" in errs
    assert "required key 'loss' is missing" in errs and "key 'extra' is not in" in errs
    bad = json.loads(json.dumps(good))
    bad["checks"][0]["certificate"] = "text"
    assert "matches none of 2 alternatives" in "\n".join(validate(bad, s))
    with pytest.raises(ValueError, match="pattern"):
        validate("x", {"type": "string", "pattern": "x"})


def test_the_check_table_in_the_docs_is_current():
    text = (ROOT / "docs" / "theory.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- check-table -->\n(.*?)\n<!-- /check-table -->", text, re.S)
    assert block and block.group(1) == check_table(), \
        "regenerate the table: alfs_theory.schemas.check_table()"
    for name in CHECK_NAMES:
        assert f"| `{name}` |" in block.group(1)
