"""Verdicts with evidence: PROVED (certificate), REFUTED (counterexample), UNDECIDED (estimate).

A check never answers PROVED from a numeric search alone, and never REFUTED because sympy
could not show something: sympy's ``None``/``False`` from an assumption query means
"could not show it" and maps to UNDECIDED.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Verdict", "Certificate", "Counterexample", "CheckResult"]


class Verdict(str, enum.Enum):
    PROVED = "PROVED"
    REFUTED = "REFUTED"
    UNDECIDED = "UNDECIDED"

    def __str__(self) -> str:
        return self.value


def _jsonable(x: Any) -> Any:
    """Turn sympy/numpy/mpmath values into plain JSON-able Python values."""
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, float):
        return x
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    try:
        import sympy as sp

        if isinstance(x, sp.Basic):
            if x.is_Number:
                return float(x) if not x.is_Integer else int(x)
            return str(x)
    except ImportError:  # pragma: no cover
        pass
    if hasattr(x, "item"):
        return x.item()
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


@dataclass(frozen=True)
class Certificate:
    """How a PROVED verdict was established: the rule or computation, and its data."""

    method: str  # e.g. "sympy-assumptions", "calculus", "interval-bisection", "closed-form"
    detail: str
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"method": self.method, "detail": self.detail, "data": _jsonable(self.data)}


@dataclass(frozen=True)
class Counterexample:
    """A point where the property fails, re-verified at high precision (``digits``)."""

    point: dict
    detail: str
    values: dict = field(default_factory=dict)
    digits: int = 50
    sequence: str | None = None  # for infima that are not attained: the minimising sequence

    def to_dict(self) -> dict:
        d = {
            "point": _jsonable(self.point),
            "detail": self.detail,
            "values": _jsonable(self.values),
            "digits": self.digits,
        }
        if self.sequence is not None:
            d["sequence"] = self.sequence
        return d


@dataclass(frozen=True)
class CheckResult:
    """The answer of one named check on one loss."""

    check: str
    verdict: Verdict
    summary: str
    certificate: Certificate | None = None
    counterexample: Counterexample | None = None
    estimate: Any = None  # best numeric estimate (UNDECIDED) or the computed value
    value: Any = None  # the quantity the check computed, when there is one (e.g. r(l))
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.verdict is Verdict.PROVED and self.certificate is None:
            raise ValueError(f"check {self.check!r}: PROVED needs a certificate")
        if self.verdict is Verdict.REFUTED and self.counterexample is None:
            raise ValueError(f"check {self.check!r}: REFUTED needs a counterexample")

    @property
    def evidence(self) -> str:
        """One line of evidence for tables."""
        if self.certificate is not None:
            return f"[{self.certificate.method}] {self.certificate.detail}"
        if self.counterexample is not None:
            return f"[counterexample] {self.counterexample.detail}"
        return f"[estimate] {self.estimate}" if self.estimate is not None else ""

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "verdict": self.verdict.value,
            "summary": self.summary,
            "certificate": self.certificate.to_dict() if self.certificate else None,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
            "estimate": _jsonable(self.estimate),
            "value": _jsonable(self.value),
            "seconds": round(self.seconds, 4),
        }
