"""``check_loss``: every property of shared/theory.md for one loss, each with evidence.

Modelled on scikit-learn's estimator checks: small named checks, each returning a
:class:`~alfs_theory.checks.verdict.CheckResult`; a report renders them as text, markdown or JSON
(stable schema, ``schema`` = "alfs-check/1").

Example
-------
>>> from alfs_theory import get_loss
>>> from alfs_theory.checks.checker import check_loss
>>> rep = check_loss(get_loss("agce").bind(a=1, q=2), n_classes=10, noise="symmetric:0.6")
>>> rep.result("ratio").verdict.value
'PROVED'
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..argtypes import MAX_CLASSES, MAX_TIMEOUT_S  # the caps of -K and --timeout
from ..errors import InputError
from ..spec import LossSpec
from .engine import require_sealed
from .verdict import CheckResult, Verdict

SCHEMA = "alfs-check/1"
DEFAULT_TIMEOUT = 300.0
"""CPU seconds one ``check_loss`` call (one ``alfs check``) may spend, every check and the
falsifier included (``--timeout``); a check the budget does not reach is UNDECIDED."""


CHECK_NAMES = ("decreasing", "shape", "ratio", "symmetric", "asymmetric", "region", "threshold",
               "calibrated", "excess-risk", "noise", "weights")

__all__ = ["CheckReport", "admit", "assert_loss_checks", "check_loss", "checked_weights",
           "parse_noise"]


def parse_noise(noise: str, n_classes: int) -> tuple[np.ndarray, str]:
    """A noise model string -> (row-stochastic T, description).

    Accepted: ``symmetric:ETA``, ``pairflip:ETA``, ``clean``, or a path to a .npy/.csv/.txt
    K x K matrix (row i = P(noisy | clean i)).
    """
    from .. import noise as noise_mod

    return noise_mod.make_noise(noise, n_classes)


@dataclass
class CheckReport:
    loss: str
    params: dict
    kind: str
    formula: str
    n_classes: int
    results: list[CheckResult] = field(default_factory=list)
    noise: str | None = None
    seconds: float = 0.0

    def result(self, check: str) -> CheckResult:
        for r in self.results:
            if r.check == check or r.check.startswith(check + "("):
                return r
        raise KeyError(f"no check named {check!r}; checks: {[r.check for r in self.results]}")

    @property
    def refuted(self) -> list[CheckResult]:
        return [r for r in self.results if r.verdict is Verdict.REFUTED]

    @property
    def internal_errors(self) -> list[CheckResult]:
        """Checks whose prover was contradicted (by the falsifier or its own bounds)."""
        return [r for r in self.results if r.internal_error is not None]

    def to_dict(self) -> dict:
        require_sealed(self.results)
        return {
            "schema": SCHEMA,
            "loss": self.loss,
            "params": self.params,
            "kind": self.kind,
            "formula": self.formula,
            "K": self.n_classes,
            "noise": self.noise,
            "seconds": round(self.seconds, 3),
            "internal_errors": len(self.internal_errors),
            "checks": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def _rows(self) -> list[tuple[str, str, str]]:
        require_sealed(self.results)
        return [(r.check, r.verdict.value, f"{r.summary} | {r.evidence}") for r in self.results]

    def to_text(self, width: int = 160) -> str:
        ptxt = ", ".join(f"{k}={v:g}" for k, v in self.params.items()) or "no parameters"
        head = f"{self.loss} ({self.kind}; {ptxt}), K = {self.n_classes}"
        if self.noise:
            head += f", noise {self.noise}"
        lines = [head, self.formula, ""]
        w0 = max(len(r[0]) for r in self._rows()) if self.results else 5
        for c, v, e in self._rows():
            line = f"{c:<{w0}}  {v:<9}  {e}"
            lines.append(line if len(line) <= width else line[: width - 3] + "...")
        lines.append(f"\n{len(self.results)} checks in {self.seconds:.2f} s; "
                     f"{len(self.refuted)} refuted"
                     + (f"; {len(self.internal_errors)} INTERNAL ERRORS (please report)"
                        if self.internal_errors else ""))
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = [f"### {self.loss} — K = {self.n_classes}" + (f", noise `{self.noise}`"
                                                               if self.noise else ""),
                 "", f"`{self.formula}`", "", "| check | verdict | evidence |", "|---|---|---|"]
        for c, v, e in self._rows():
            lines.append(f"| {c} | **{v}** | {e.replace('|', '/')} |")
        return "\n".join(lines)


def check_loss(
    spec: LossSpec,
    *,
    n_classes: int = 10,
    noise: str | None = None,
    weights: Sequence[float] | None = None,
    checks: Sequence[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckReport:
    """Run the checks on a loss (bound to numbers: unbound parameters take their defaults).

    ``checks`` selects a subset by name: decreasing, shape, ratio, symmetric, asymmetric,
    region, threshold, calibrated, excess-risk, noise, weights (:data:`CHECK_NAMES`; an
    unknown name is an InputError). ``timeout`` is the budget of the whole call in CPU seconds
    (default :data:`DEFAULT_TIMEOUT`), the falsifier included: a check the budget does not
    reach answers UNDECIDED, "timed out". Every question is answered by the rule engine
    (:func:`alfs_theory.checks.engine.decide`) and every verdict leaves through its gate.
    """
    from ..timing import clock, time_limit
    from .engine import decide
    from .properties.calibration import quadratic_form
    from .properties.tolerance import symmetric_weights

    if n_classes < 2:
        raise InputError(f"--classes must be >= 2, got {n_classes}")
    if n_classes > MAX_CLASSES:
        raise InputError(f"--classes must be <= {MAX_CLASSES}, got {n_classes} (the checks "
                         "scale to K = 1000 in seconds; beyond that ask for K = 1000)")
    if not (isinstance(timeout, (int, float)) and 0 < timeout <= MAX_TIMEOUT_S):
        raise InputError(f"--timeout must be a positive number of seconds <= {MAX_TIMEOUT_S:g}, "
                         f"got {timeout!r}")
    unknown = sorted(set(checks or ()) - set(CHECK_NAMES))
    if unknown:
        raise InputError(f"unknown check name(s) {unknown}; the checks are "
                         f"{', '.join(CHECK_NAMES)}")
    if "weights" in (checks or ()) and weights is None:
        raise InputError("--only weights needs the weight vector: give --weights w_1,...,w_K")
    if "noise" in (checks or ()) and not noise:
        raise InputError("--only noise needs a noise model: give --noise (e.g. symmetric:0.4, "
                         "pairflip:0.3 or a K x K matrix file)")
    weight_note = ""
    if weights is not None:
        weights, weight_note = checked_weights(weights, n_classes)
    T = parse_noise(noise, n_classes)[0] if noise else None
    t0 = clock()
    want = set(checks) if checks else None

    def on(name):
        return want is None or name in want

    rep = None
    with time_limit(timeout) as budget:  # one budget for the whole call (CPU seconds)
        b = admit(spec, n_classes, timeout=timeout)
        formula = b.notes if PRUNED_NOTE in (b.notes or "") else b.formula_text()
        rep = CheckReport(b.name, dict(b.values), b.kind, formula, n_classes, noise=noise)
        ratio = None

        def ask(question, **inputs):
            return decide(question, b, n_classes, **inputs)

        if b.is_pointwise:
            if on("decreasing"):
                rep.results.append(ask("decreasing"))
            if on("shape"):
                rep.results.append(ask("shape"))
            if on("ratio") or on("threshold") or on("asymmetric") or on("noise"):
                ratio = ask("ratio")  # gated: a ratio the falsifier broke is not used below
                if on("ratio"):
                    rep.results.append(ratio)
        if on("symmetric"):
            rep.results.append(ask("symmetric"))
        if on("asymmetric"):
            # the paper's question on a hard case: the weights of symmetric noise just below
            # clean-labels-dominance
            eta = round(0.95 * (n_classes - 1) / n_classes, 6)
            r = ask("asymmetric", weights=symmetric_weights(n_classes, eta), ratio=ratio)
            rep.results.append(_rename(r, f"asymmetric(sym eta={eta:.3g})"))
        if on("region"):
            rep.results.append(ask("region"))
        if on("threshold"):
            rep.results.append(ask("threshold", ratio=ratio))
        if on("calibrated"):
            rep.results.append(ask("calibrated"))
        if on("excess-risk") and (b.is_pointwise or quadratic_form(b, n_classes) is not None):
            rep.results.append(ask("excess-risk"))
        if T is not None:
            rep.results.append(_rename(ask("noise", T=T, ratio=ratio), f"noise({noise})"))
        if weights is not None:
            r = ask("weights", weights=list(weights), ratio=ratio)
            if weight_note:
                r = dataclasses.replace(r, summary=f"{r.summary} [{weight_note}]")
            rep.results.append(r)
    if budget.expired and rep is None:  # the spec gate itself ran out of the budget
        raise _too_large(spec, n_classes, timeout)
    rep.seconds = clock() - t0
    return rep


def admit(spec: LossSpec, n_classes: int, *, timeout: float = DEFAULT_TIMEOUT) -> LossSpec:
    """The spec gate: ``spec`` bound (defaults for unbound parameters) at K = ``n_classes``,
    once it is known to be real and finite on the simplex with no pole inside (0, 1]
    (:func:`~alfs_theory.checks.properties.domain.assert_loss_defined`); raises
    :class:`~alfs_theory.errors.DomainError` naming the point otherwise, and
    :class:`~alfs_theory.errors.InputError` when the domain check cannot finish within
    ``timeout`` CPU seconds. Every consumer of a loss (check, ratio, region, crossval, train,
    sweep, figures, the Python API) comes through here."""
    from ..timing import time_limit
    from .properties.domain import assert_loss_defined

    out = None
    with time_limit(timeout) as lim:
        assert_loss_defined(spec, n_classes)  # a clear error before any check, never a verdict
        out = (spec if spec.is_bound else spec.bind()).at_classes(n_classes)
    if lim.expired or out is None:
        raise _too_large(spec, n_classes, timeout)
    return _pruned(out)


def _too_large(spec: LossSpec, n_classes: int, timeout: float) -> InputError:
    return InputError(f"loss {spec.name!r}: substituting K = {n_classes} and the parameter "
                      f"values and checking its domain took more than {timeout:g} CPU "
                      "seconds (--timeout); the expression is too large to check")


PRUNED_NOTE = "equal on [0, 1] to "


def _pruned(b: LossSpec) -> LossSpec:
    """A pointwise l with min/max arguments that never attain the min (max) on [0, 1] -- proved
    by certified sign proofs (:func:`~alfs_theory.checks.provers.pieces.prune_minmax`) -- rewritten
    without them: the same function on [0, 1], so every rule sees its real smoothness
    (min(exp(-1.5*u), 1 - 0.7*u) is exp(-1.5*u) there). The formula as given is kept in the
    notes."""
    from ..symbols import U
    from ..timing import remaining, time_limit
    from .provers.pieces import prune_minmax

    if not b.is_pointwise:
        return b
    ell = b.pointwise_expr()
    if not ell.has(sp.Min, sp.Max) or ell.free_symbols - {U}:
        return b
    g = ell
    # a helper, never the whole budget: cut short, the loss is checked as typed
    with time_limit(min(10.0, 0.25 * remaining())):
        g = prune_minmax(ell, U, 0, 1)
    if g == ell:
        return b
    note = f"{b.formula_text()}, {PRUNED_NOTE}{sp.sstr(g)} (certified sign proofs)"
    return dataclasses.replace(b, expr=g, notes=note, _cache={})


def checked_weights(weights: Sequence, n_classes: int) -> tuple[list, str]:
    """Weights w_1..w_K for the asymmetry question: K finite numbers >= 0, not all 0.

    Returns them exact (rationals) and normalised to sum 1, with a note when they did not: the
    minimiser of Σ_k w_k L(u, k) does not change when every weight is scaled by one factor.
    Raises :class:`~alfs_theory.errors.InputError` naming the bad entry otherwise.
    """
    import math

    from ..spec import to_exact

    ws = list(weights)
    if len(ws) != n_classes:
        raise InputError(f"--weights has {len(ws)} entries; --classes is {n_classes}: give one "
                         "weight per class")
    exact = []
    for i, w in enumerate(ws):
        try:
            f = float(w)
        except (TypeError, ValueError):
            raise InputError(f"--weights entry {i + 1} is {w!r}, not a number") from None
        if not math.isfinite(f) or f < 0:
            raise InputError(f"--weights entry {i + 1} is {w!r}; weights must be finite numbers "
                             ">= 0 (e.g. --weights 0.5,0.3,0.2)")
        exact.append(to_exact(w if isinstance(w, (int, float, sp.Basic)) else f))
    total = sp.Add(*exact)
    if total == 0:
        raise InputError("--weights are all 0; at least one weight must be positive")
    if total == 1:
        return exact, ""
    return ([w / total for w in exact],
            f"weights normalised to sum 1 (they summed to {float(total):.6g}; the minimiser "
            "does not depend on their scale)")


def _rename(r: CheckResult, name: str) -> CheckResult:
    return dataclasses.replace(r, check=name)


def assert_loss_checks(spec: LossSpec, expected: dict[str, str], **kw) -> CheckReport:
    """pytest helper: run check_loss and assert each named check's verdict.

    ``expected`` maps a check name (prefix before "(") to "PROVED"/"REFUTED"/"UNDECIDED".
    """
    rep = check_loss(spec, **kw)
    for name, v in expected.items():
        got = rep.result(name)
        assert got.verdict.value == v, (
            f"loss {spec.name!r} ({spec.describe_values()}), check {got.check!r}: expected {v}, "
            f"got {got.verdict.value}: {got.summary} | {got.evidence}"
        )
    return rep
