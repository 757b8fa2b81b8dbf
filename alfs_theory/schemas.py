"""The machine-facing vocabulary of alfs-theory: the stable check names and the JSON Schemas of
every command's ``--format json`` output (base wing: imports nothing of the package).

Each document a command prints carries ``"schema": "alfs-<command>/<version>"``; the version
rises whenever a key is renamed, removed or changes meaning (adding an optional key does not).
:data:`SCHEMAS` maps each id to its JSON Schema (draft 2020-12 subset: type, properties,
required, items, enum, const, additionalProperties, anyOf); :func:`validate` checks a
document against one without the ``jsonschema`` package.
"""

from __future__ import annotations

__all__ = ["CHECKS", "CHECK_ARGS", "CHECK_NAMES", "CHECK_RESULT", "CHECK_SCHEMA",
           "CHECK_SCHEMA_ID", "COMMAND_SCHEMAS", "CROSSVAL_SCHEMA", "LIST_SCHEMA", "OLD_NAMES",
           "RATIO_SCHEMA", "REGION_SCHEMA", "SCHEMAS", "SHOW_SCHEMA", "TRAIN_SCHEMA",
           "check_table", "schema_help", "validate"]

CHECK_SCHEMA_ID = "alfs-check/2"
"""alfs-check/2 (was /1): each result's ``check`` is a stable name of :data:`CHECK_NAMES` and
the values it was asked at (K, eta, weights, noise, row) are its ``args`` object; /1 put them
inside the name (``symmetric-noise-threshold(K=10)``, ``asymmetric(sym eta=0.855)``)."""

#: the one vocabulary of check names: ``--only``, ``CheckReport[name]``, the ``check`` key of
#: each JSON result and the pytest fixture all use these (the values a check was asked at are
#: the result's ``args``): name -> what it answers
CHECKS = {
    "decreasing": "l is non-increasing in u_y (pointwise losses)",
    "shape": "the curvature of l on [0, 1]: convex, concave, linear or neither (pointwise)",
    "ratio": "the asymmetry ratio r(l) (pointwise losses)",
    "symmetric": "sum_k L(u, k) is constant (symmetric loss)",
    "asymmetric": "asymmetric on the weights of symmetric noise at eta = 0.95 (K-1)/K, just "
                  "below clean-labels-dominance; args K, eta, weights",
    "region": "the whole set of weight vectors on which the loss is asymmetric; args K",
    "threshold": "the largest symmetric noise rate eta_max the loss tolerates; args K",
    "calibrated": "classification calibration; args K",
    "excess-risk": "a bound on the 0-1 excess risk by the L excess risk; args K",
    "noise": "every row of the noise model keeps the clean minimiser (needs noise=); args K, "
             "noise (a black box: one result per distinct row, args row)",
    "asymmetric-on": "asymmetric on the weight vector you give (needs weights=); args K, "
                     "weights",
}
CHECK_NAMES = tuple(CHECKS)

#: names of the alfs-check/1 vocabulary (and the old display names) -> the stable name; only
#: for the error that says what to type now (they are not accepted: one vocabulary)
OLD_NAMES = {
    "weights": "asymmetric-on", "asymmetric-on-weights": "asymmetric-on",
    "symmetric-noise-threshold": "threshold", "excess-risk-bound": "excess-risk",
    "transition-matrix": "noise", "asymmetric(sym": "asymmetric",
}

#: the ``args`` each check reports (JSON: the result's ``args`` object); every check has K
#: except ``symmetric`` asked for every K at once (no K then)
CHECK_ARGS = {
    "asymmetric": ("K", "eta", "weights"), "noise": ("K", "noise", "row"),
    "asymmetric-on": ("K", "weights"),
}


def check_table() -> str:
    """The check names as a markdown table (docs/theory.md, generated; a test keeps it
    current)."""
    lines = ["| name | what it answers | `args` |", "|---|---|---|"]
    for name, says in CHECKS.items():
        what = says.split("; args ")[0]
        args = ", ".join(f"`{a}`" for a in CHECK_ARGS.get(name, ("K",)))
        lines.append(f"| `{name}` | {what} | {args} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ JSON Schemas
def _obj(required: dict, optional: dict | None = None, *, extra: bool = True) -> dict:
    """An object schema: ``required`` keys -> schemas, ``optional`` keys -> schemas."""
    props = {**required, **(optional or {})}
    return {"type": "object", "properties": props, "required": list(required),
            "additionalProperties": extra}


def _nullable(s: dict) -> dict:
    return {"anyOf": [s, {"type": "null"}]}


_ANY: dict = {}
_STR = {"type": "string"}
_NUM = {"type": "number"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
#: a number that JSON cannot hold (infinite, NaN) is written as text: "oo", "-oo", "nan"
_REAL = {"anyOf": [_NUM, {"enum": ["oo", "-oo", "nan"]}]}
_VERDICT = {"enum": ["PROVED", "REFUTED", "UNDECIDED"]}

CHECK_RESULT = _obj({
    "check": {"enum": list(CHECK_NAMES)},
    "args": _obj({}, {"K": _INT, "eta": _NUM, "weights": {"type": "array", "items": _REAL},
                      "noise": _STR, "row": _INT}, extra=False),
    "verdict": _VERDICT,
    "summary": _STR,
    "certificate": _nullable(_obj({"method": _STR, "detail": _STR, "data": {"type": "object"}})),
    "counterexample": _nullable(_obj({"point": _ANY, "detail": _STR, "values": _ANY,
                                      "digits": _INT}, {"sequence": _STR})),
    "estimate": _ANY,
    "value": _ANY,
    "seconds": _NUM,
    "internal_error": _nullable(_STR),
    "gate": _nullable(_STR),
}, extra=False)
"""One result of ``alfs check`` (and the document of ``alfs ratio``, with its header)."""

CHECK_SCHEMA = _obj({
    "schema": {"const": CHECK_SCHEMA_ID},
    "loss": _STR, "params": {"type": "object"}, "kind": _STR, "formula": _STR, "K": _INT,
    "noise": _nullable(_STR), "seconds": _NUM, "internal_errors": _INT,
    "checks": {"type": "array", "items": CHECK_RESULT},
}, extra=False)

LIST_SCHEMA = _obj({
    "schema": {"const": "alfs-list/1"},
    "losses": {"type": "array", "items": _obj({"name": _STR, "kind": {"enum": ["pointwise",
                                                                               "vector"]},
                                               "params": _STR, "reference": _STR})},
}, extra=False)

SHOW_SCHEMA = _obj({
    "schema": {"const": "alfs-show/1"},
    "name": _STR, "title": _STR, "kind": _STR, "formula": _STR, "latex": _STR,
    "parameters": {"type": "array", "items": _obj({
        "name": _STR, "domain": _STR, "default": _nullable(_NUM), "description": _STR})},
    "bound": {"type": "object"}, "components": {"type": "array", "items": _STR},
    "aliases": {"type": "array", "items": _STR},
    "references": {"type": "array", "items": _STR}, "notes": _nullable(_STR),
}, extra=False)

RATIO_SCHEMA = {**CHECK_RESULT,
                "properties": {**CHECK_RESULT["properties"],
                               "schema": {"const": "alfs-ratio/1"}, "loss": _STR,
                               "params": {"type": "object"},
                               "check": {"const": "ratio"}},
                "required": ["schema", "loss", "params", *CHECK_RESULT["required"]]}

_GRID = {"type": "array", "items": {"type": "array"}}
REGION_SCHEMA = _obj({
    "schema": {"const": "alfs-region/1"},
    "loss": _STR, "check": {"enum": ["asymmetric", "noise"]}, "noise": _nullable(_STR),
    "question": _STR, "K": _INT,
    "x_param": _STR, "x": {"type": "array", "items": _NUM},
    "y_param": _nullable(_STR), "y": {"type": "array", "items": _NUM},
    "verdicts": {"type": "array", "items": {"type": "array", "items": _VERDICT}},
    "methods": _GRID, "fixed": {"type": "object"},
    "counts": _obj({"PROVED": _INT, "REFUTED": _INT, "UNDECIDED": _INT}),
    "seconds": _NUM, "closed_form": _nullable({"type": "object"}),
}, extra=False)

_MISMATCH = _obj({"case": _STR, "K": _INT, "dtype": _STR, "row": _INT, "what": _STR,
                  "got": _REAL, "expected": _REAL, "error": _REAL,
                  "logits": {"type": "array"}, "label": _INT})
CROSSVAL_SCHEMA = _obj({
    "schema": {"const": "alfs-crossval/1"},
    "loss": _STR, "target": _STR, "params": {"type": "object"}, "ok": _BOOL,
    "compared": _INT, "seconds": _NUM, "rtol": _obj({"float32": _NUM, "float64": _NUM}),
    "scalar_output": _BOOL, "worst": {"type": "object", "additionalProperties": _MISMATCH},
    "mismatches": {"type": "array", "items": _MISMATCH}, "errors": {"type": "array"},
}, extra=False)

TRAIN_SCHEMA = _obj({
    "schema": {"const": "alfs-train/1"},
    "complete": _BOOL, "status": _STR, "format": _INT, "config": {"type": "object"},
    "loss": _obj({"name": _STR, "params": {"type": "object"}, "formula": _STR}),
    "dataset": _obj({"name": _STR, "K": _INT, "n_train": _INT, "n_test": _INT}),
    "noise": _obj({"spec": _STR, "nominal_rate": _NUM, "actual_rate": _NUM}),
    "accuracy": _obj({"last": _nullable(_NUM), "best": _nullable(_NUM)}),
    "prediction": _obj({"tolerant": _nullable(_BOOL), "verdict": _nullable(_VERDICT),
                        "threshold_symmetric": _nullable(_NUM), "detail": _STR}),
    "model": {"type": "object"}, "environment": {"type": "object"},
    "timing": {"type": "object"},
})
"""``alfs train --format json``: the run record (record.json, ``format`` its own version) with
the schema id in front; the keys a script reads are required, the rest is open."""

#: schema id -> JSON Schema, one per command with ``--format json``
SCHEMAS = {s["properties"]["schema"]["const"]: s for s in (
    LIST_SCHEMA, SHOW_SCHEMA, CHECK_SCHEMA, RATIO_SCHEMA, REGION_SCHEMA, CROSSVAL_SCHEMA,
    TRAIN_SCHEMA)}
#: command -> the id of the schema of its ``--format json`` document
COMMAND_SCHEMAS = {k.split("/")[0].removeprefix("alfs-"): k for k in SCHEMAS}


def validate(doc, schema: dict, where: str = "$") -> list[str]:
    """The places where ``doc`` breaks ``schema`` (empty: it conforms), for the subset of JSON
    Schema used here: type, properties, required, additionalProperties, items, enum, const,
    anyOf. Not a general validator: an unknown keyword raises ValueError, so a schema cannot
    silently use more than this checks."""
    known = {"type", "properties", "required", "additionalProperties", "items", "enum",
             "const", "anyOf"}
    unknown = set(schema) - known
    if unknown:
        raise ValueError(f"{where}: schema keyword(s) {sorted(unknown)} not supported; use "
                         f"{sorted(known)}")
    errs: list[str] = []
    if "anyOf" in schema:
        if all(validate(doc, s, where) for s in schema["anyOf"]):
            errs.append(f"{where}: {_show(doc)} matches none of {len(schema['anyOf'])} "
                        "alternatives")
    if "const" in schema and doc != schema["const"]:
        errs.append(f"{where}: {_show(doc)} is not {schema['const']!r}")
    if "enum" in schema and doc not in schema["enum"]:
        errs.append(f"{where}: {_show(doc)} is not one of {schema['enum']}")
    t = schema.get("type")
    if t is not None and not _is_type(doc, t):
        return errs + [f"{where}: {_show(doc)} is not of type {t}"]
    if isinstance(doc, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", ()):
            if k not in doc:
                errs.append(f"{where}: required key {k!r} is missing")
        extra = schema.get("additionalProperties", True)
        for k, v in doc.items():
            if k in props:
                errs += validate(v, props[k], f"{where}.{k}")
            elif extra is False:
                errs.append(f"{where}: key {k!r} is not in the schema")
            elif isinstance(extra, dict):
                errs += validate(v, extra, f"{where}.{k}")
    if isinstance(doc, list) and "items" in schema:
        for i, v in enumerate(doc):
            errs += validate(v, schema["items"], f"{where}[{i}]")
    return errs


def _is_type(x, t: str) -> bool:
    if t == "integer":
        return isinstance(x, int) and not isinstance(x, bool)
    if t == "number":
        return isinstance(x, (int, float)) and not isinstance(x, bool)
    return isinstance(x, {"string": str, "boolean": bool, "null": type(None), "object": dict,
                          "array": list}[t])


def _show(x) -> str:
    s = repr(x)
    return s if len(s) <= 60 else s[:57] + "..."


def schema_help(command: str) -> str:
    """The help of a command's --format: the id of its JSON document's schema."""
    return (f"json prints one document with \"schema\": \"{COMMAND_SCHEMAS[command]}\" "
            "(described in alfs_theory.schemas)")
