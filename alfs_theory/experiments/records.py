"""Run records on disk: ``record.json`` and ``metrics.jsonl`` of a training run, read and checked.

This module needs no torch, so the figures and the sweep reports read run folders with it.
A record that does not parse, is not a JSON object, or lacks a field the reports read is
*corrupt*: :func:`load_record` raises :class:`RecordError` naming the file and what is wrong,
:func:`record_is_complete` answers False (the run is redone), and :func:`record_problem`
says why. A corrupt ``metrics.jsonl`` line is named by its line number.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import DataError

__all__ = ["METRICS_FILE", "RECORD_FILE", "RecordError", "load_record", "read_metrics",
           "record_is_complete", "record_problem"]

RECORD_FILE, METRICS_FILE = "record.json", "metrics.jsonl"

# the fields of a complete record that the sweep reports and the figures read
_REQUIRED: dict[str, tuple[str, ...]] = {
    "config": ("loss", "seed"),
    "loss": ("name", "params"),
    "noise": ("spec", "sampling", "nominal_rate", "actual_rate"),
    "accuracy": ("last", "last_epoch", "best", "best_epoch"),
}


class RecordError(DataError):
    """A run record or metrics file that cannot be read or lacks what it must hold."""


def _read_json(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise RecordError(f"{path}: not valid JSON ({exc})") from None


def record_problem(rec) -> str | None:
    """Why ``rec`` (a parsed record.json) is not a complete, readable record; None if it is."""
    if not isinstance(rec, dict):
        return f"a record must be a JSON object, got {type(rec).__name__}"
    if rec.get("complete") is not True:
        return "the run did not finish (no \"complete\": true)"
    for key, fields in _REQUIRED.items():
        part = rec.get(key)
        if not isinstance(part, dict):
            return f"field {key!r} is missing or not an object"
        missing = [f for f in fields if f not in part]
        if missing:
            return f"field {key!r} lacks {', '.join(repr(m) for m in missing)}"
    if not isinstance(rec["loss"]["params"], dict):
        return "field 'loss.params' is not an object"
    return None


def load_record(out_dir: str | os.PathLike, *, complete: bool = False) -> dict:
    """The parsed ``record.json`` of a run folder.

    Raises :class:`RecordError` when it does not parse or is not a JSON object, and with
    ``complete=True`` also when it is not a complete record (:func:`record_problem`). A
    missing file raises FileNotFoundError.
    """
    path = Path(out_dir) / RECORD_FILE
    rec = _read_json(path)
    if not isinstance(rec, dict):
        raise RecordError(f"{path}: a record must be a JSON object, got {type(rec).__name__}")
    if complete:
        problem = record_problem(rec)
        if problem:
            raise RecordError(f"{path}: {problem}")
    return rec


def record_is_complete(out_dir: str | os.PathLike) -> bool:
    """True when ``out_dir/record.json`` exists, parses and is a complete record."""
    try:
        rec = _read_json(Path(out_dir) / RECORD_FILE)
    except (OSError, RecordError):
        return False
    return record_problem(rec) is None


def read_metrics(out_dir: str | os.PathLike) -> list[dict]:
    """The per-epoch rows of ``metrics.jsonl`` ([] when the file is absent).

    Raises :class:`RecordError` naming the file and the first bad line (not JSON, not an
    object, or without an integer ``epoch``).
    """
    p = Path(out_dir) / METRICS_FILE
    if not p.exists():
        return []
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise RecordError(f"{p}, line {n}: not valid JSON ({exc})") from None
        if not isinstance(row, dict) or isinstance(row.get("epoch"), bool) \
                or not isinstance(row.get("epoch"), int):
            raise RecordError(f"{p}, line {n}: each line must be a JSON object with an integer "
                              "'epoch'")
        rows.append(row)
    return rows
