"""Verdicts with evidence: PROVED (certificate), REFUTED (counterexample), UNDECIDED (estimate).

A check never answers PROVED from a numeric search alone, and never REFUTED because sympy
could not show something: sympy's ``None``/``False`` from an assumption query means
"could not show it" and maps to UNDECIDED.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Verdict", "Certificate", "Counterexample", "CheckResult", "args_text",
           "internal_error", "simplex_text"]


def simplex_text(u, digits: int = 6) -> str:
    """A point of the simplex as text whose printed coordinates sum to exactly 1: every
    coordinate but the largest rounded to ``digits`` significant digits, the largest printed
    as 1 minus their (exact decimal) sum. ``(0.995, 0.000555556, 0.00444444)`` rather than a
    rounding that leaves the simplex."""
    from decimal import Decimal, localcontext

    xs = [float(x) for x in u]
    if not xs:
        return "()"
    top = max(range(len(xs)), key=lambda i: xs[i])
    with localcontext() as ctx:
        ctx.prec = 800  # exact for coordinates down to 1e-300 (minimising sequences)
        out = []
        for i, x in enumerate(xs):
            out.append(None if i == top else Decimal(f"{x:.{digits}g}"))
        out[top] = Decimal(1) - sum(d for d in out if d is not None)
        return "(" + ", ".join(_dec(d) for d in out) + ")"


def _dec(d) -> str:
    """Exact decimal text: plain for ordinary numbers, scientific for tiny ones (1E-300)."""
    d = d.normalize()
    if d == 0:
        return "0"
    if d.adjusted() < -12 and len(d.as_tuple().digits) <= 20:
        return f"{d:E}".replace("E-", "e-")
    return format(d, "f")


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
    if isinstance(x, float):  # JSON has no infinities: -oo, oo and nan as text
        import math

        return x if math.isfinite(x) else ("nan" if math.isnan(x) else
                                           ("oo" if x > 0 else "-oo"))
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    try:
        import sympy as sp

        if isinstance(x, sp.Basic):
            if x.is_Number:
                return _jsonable(float(x)) if not x.is_Integer else int(x)
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
    """The answer of one named check on one loss.

    ``check`` is the check's stable name (one vocabulary for ``--only``, the report's keys, the
    JSON and the pytest fixture: :data:`alfs_theory.checks.checker.CHECK_NAMES`); the values it
    was asked at (K, eta, weights, noise, ...) are in ``args``, never inside the name."""

    check: str
    verdict: Verdict
    summary: str
    certificate: Certificate | None = None
    counterexample: Counterexample | None = None
    estimate: Any = None  # best numeric estimate (UNDECIDED) or the computed value
    value: Any = None  # the quantity the check computed, when there is one (e.g. r(l))
    seconds: float = 0.0
    internal_error: str | None = None  # prover and falsifier disagreed (verdict UNDECIDED)
    #: what the engine's gate did before this became a verdict (None: a rule's finding that
    #: has not passed the gate; only :mod:`alfs_theory.checks.engine.gate` sets it)
    gate: str | None = field(default=None, compare=False)
    #: the values the check was asked at: ``K``, and ``eta``, ``weights``, ``noise``, ``row``
    #: where they apply (JSON: the result's ``args`` object)
    args: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.internal_error is not None and self.verdict is Verdict.PROVED:
            raise ValueError(f"check {self.check!r}: an internal error can never be PROVED")
        if self.verdict is Verdict.PROVED and self.certificate is None:
            raise ValueError(f"check {self.check!r}: PROVED needs a certificate")
        if self.verdict is Verdict.REFUTED and self.counterexample is None:
            raise ValueError(f"check {self.check!r}: REFUTED needs a counterexample")

    @property
    def evidence(self) -> str:
        """One line of evidence for tables."""
        if self.internal_error is not None:
            return f"[internal error] {self.internal_error}"
        if self.certificate is not None:
            return f"[{self.certificate.method}] {self.certificate.detail}"
        if self.counterexample is not None:
            return f"[counterexample] {self.counterexample.detail}"
        return f"[estimate] {self.estimate}" if self.estimate is not None else ""

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "args": _jsonable(self.args),
            "verdict": self.verdict.value,
            "summary": self.summary,
            "certificate": self.certificate.to_dict() if self.certificate else None,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
            "estimate": _jsonable(self.estimate),
            "value": _jsonable(self.value),
            "seconds": round(self.seconds, 4),
            "internal_error": self.internal_error,
            "gate": self.gate,
        }

    @property
    def label(self) -> str:
        """The name with its arguments for people (``threshold K=10``; weights left out: the
        summary prints them)."""
        at = args_text(self.args)
        return f"{self.check} {at}" if at else self.check

    @property
    def sealed(self) -> bool:
        """True once the engine's gate has passed this result (a verdict, not a finding)."""
        return self.gate is not None


def args_text(args: dict) -> str:
    """``{"K": 10, "eta": 0.855}`` -> ``K=10, eta=0.855`` (a weight vector is left out)."""
    out = []
    for k, v in (args or {}).items():
        if k == "weights":
            continue
        out.append(f"{k}={float(v):.6g}" if isinstance(v, float) else f"{k}={v}")
    return ", ".join(out)


def internal_error(r: CheckResult, why: str) -> CheckResult:
    """``r`` turned into a reported internal error: UNDECIDED, naming the claim it made and
    what contradicts it (never a PROVED; the certificate is kept as evidence of the claim)."""
    claim = f"{r.verdict.value}: {r.summary}"
    if r.certificate is not None:
        claim += f" [{r.certificate.method}]"
    return CheckResult(r.check, Verdict.UNDECIDED, f"INTERNAL ERROR: the prover said {claim}; "
                       f"{why}", certificate=None, counterexample=r.counterexample,
                       estimate={"prover": claim, "contradiction": why}, value=r.value,
                       seconds=r.seconds, internal_error=f"prover: {claim}; contradicted by: "
                                                         f"{why}", args=r.args)
