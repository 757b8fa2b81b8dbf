"""The checker's rule engine: every question about a loss is answered here, and every answer
leaves through one gate.

``decide(question, spec, K)`` builds the facts of the bound loss on demand
(:mod:`.base`), tries the rules of the question in their stated order (:mod:`.rules`),
skipping any rule whose required facts do not hold, and sends the first finding through the
gate (:mod:`.gate`: the independent falsifier for PROVED, re-verification of the witness for
REFUTED). A question no rule answers is UNDECIDED, naming the rules that could not fire and the
fact each lacked. Work is bounded by a budget in **CPU seconds** (:mod:`alfs_theory.timing`):
what is left of the command's budget, so a spent budget gives UNDECIDED "timed out", never an
internal error, and the same check gives the same verdicts on an idle and on a loaded machine.

Questions: decreasing, shape, ratio, symmetric, asymmetric, weights, region, threshold,
calibrated, excess-risk, noise, instance.
"""

from __future__ import annotations

import dataclasses
import logging

from ...errors import InputError
from ...spec import LossSpec
from ...timing import clock, remaining, time_limit
from ..verdict import CheckResult, Verdict
from .base import FACTS, Context, Rule
from .gate import cache_lookup, cache_store, gate, require_sealed, timed_out
from .rules import RULES, rules_for

__all__ = ["DEFAULT_BUDGET", "FACTS", "QUESTIONS", "RULES", "Rule", "curvature", "decide", "gate",
           "require_sealed", "rule_table", "rules_for", "timed_out"]

DEFAULT_BUDGET = 300.0
"""CPU seconds one command may spend when no budget is given (``--timeout``)."""

_LOG = logging.getLogger(__name__)
_MARGIN = 0.05  # an inner budget ends this much before the command's, so it is caught inside

#: the stable check name each question reports under (its arguments go to ``args``)
QUESTIONS = {
    "decreasing": "decreasing", "shape": "shape", "ratio": "ratio", "symmetric": "symmetric",
    "asymmetric": "asymmetric", "weights": "asymmetric-on", "region": "region",
    "threshold": "threshold", "calibrated": "calibrated", "excess-risk": "excess-risk",
    "noise": "noise", "instance": "instance",
}


def _args(question: str, n_classes: int | None, inputs: dict) -> dict:
    """The values a question was asked at, for the result's ``args`` (K; the weights)."""
    out = {} if n_classes is None else {"K": n_classes}
    if question in ("asymmetric", "weights") and inputs.get("weights") is not None:
        out["weights"] = [float(w) for w in inputs["weights"]]
    return out


def _left(budget: float | None) -> float:
    left = remaining()
    if budget is not None:
        left = min(left, budget)
    if left == float("inf"):
        left = DEFAULT_BUDGET
    return left - _MARGIN


def decide(question: str, spec: LossSpec, n_classes: int | None, *,
           budget: float | None = None, **inputs) -> CheckResult:
    """The verdict on ``question`` for the bound loss ``spec`` at K = ``n_classes``.

    ``inputs`` are the question's data: ``weights`` (asymmetric, weights), ``T`` (noise),
    ``ratio`` (a ratio verdict already decided, for the ratio test), ``tol`` (ratio bounds).
    ``search`` (False skips counterexample searches), ``bounds`` (False skips the ratio's
    interval bounds). ``n_classes`` None asks the symmetric question for every K.
    ``budget`` caps the CPU seconds (default: what is left of the enclosing budget, or
    :data:`DEFAULT_BUDGET`). Never raises for a loss the spec gate admitted, except
    :class:`~alfs_theory.errors.InputError` for bad inputs.
    """
    if question not in QUESTIONS:
        raise InputError(f"unknown question {question!r}; the questions are "
                         f"{', '.join(QUESTIONS)}")
    check = QUESTIONS[question]
    if n_classes is None and question != "symmetric":
        raise InputError(f"question {question!r} needs the number of classes")
    args = _args(question, n_classes, inputs)
    key, hit = cache_lookup(question, spec, n_classes, inputs)
    if hit is not None:
        _LOG.info("%s K=%s: %s from the cache", check, n_classes, hit.verdict.value)
        return dataclasses.replace(hit, args=args)
    left = _left(budget)
    if left <= 0:
        return timed_out(check, 0.0, args=args)
    t0 = clock()
    ctx = Context(spec, n_classes, **inputs)
    skipped: list[str] = []
    finding = fired = None
    try:
        with time_limit(left) as lim:
            for r in rules_for(question):
                missing = r.missing(ctx)
                if missing:
                    skipped.append(f"{r.name} needs {', '.join(missing)}")
                    _LOG.debug("%s K=%s: %s skipped (needs %s)", check, n_classes, r.name,
                               ", ".join(missing))
                    continue
                finding = r.decide(ctx)
                if finding is not None:
                    fired = r.name
                    break
                _LOG.debug("%s K=%s: %s does not apply", check, n_classes, r.name)
        if lim.expired:
            return timed_out(check, left, args=args)
    except InputError:
        raise
    except (MemoryError, RecursionError) as e:
        finding = CheckResult(check, Verdict.UNDECIDED, "check could not run: the expression "
                              f"is too large to handle ({type(e).__name__})", estimate="error")
    except Exception as e:  # noqa: BLE001 - a rule must not crash the report
        finding = CheckResult(check, Verdict.UNDECIDED, f"check could not run: "
                              f"{type(e).__name__}: {e}", estimate="error")
    if finding is None:
        why = "; ".join(skipped) or "no rule decided it"
        finding = CheckResult(check, Verdict.UNDECIDED, f"no rule applies ({why})",
                              estimate={"skipped": skipped})
    # one vocabulary: the question's stable name, whatever the prover called it
    finding = dataclasses.replace(finding, check=check, args=args, seconds=clock() - t0)
    out = gate(finding, spec, n_classes, budget=_left(None))
    if fired is not None:
        out = dataclasses.replace(out, gate=f"rule {fired}; {out.gate}")
    _LOG.info("%s K=%s: %s by %s in %.2f s CPU (%s)", check, n_classes, out.verdict.value,
              fired or "no rule", clock() - t0, out.gate)
    cache_store(key, out)
    return out


def curvature(spec: LossSpec, n_classes: int = 2):
    """The curvature of a pointwise l as a :class:`~alfs_theory.checks.properties.shape.Shape` (kind,
    strict, case factor of a family) for derivations that need more than a verdict (the
    closed-form parameter conditions, the figures' convex masks). Its verdict passes the gate
    like any other: when the gate withholds it, ``kind`` is "unknown"."""
    from ..properties.shape import check_shape

    sh = check_shape(spec)
    out = gate(sh.result, spec, n_classes)
    if sh.result.verdict is Verdict.PROVED and out.verdict is not Verdict.PROVED:
        return dataclasses.replace(sh, kind="unknown", case_factor=None, result=out)
    return dataclasses.replace(sh, result=out)


def rule_table() -> str:
    """The rules as a markdown table (docs/theory.md, generated; a test keeps it current)."""
    lines = ["| question | rule (in order) | requires | certificate | source |",
             "|---|---|---|---|---|"]
    for q in QUESTIONS:
        if q == "asymmetric":
            continue  # the weights rules, on the weights of near-dominant symmetric noise
        for r in rules_for(q):
            lines.append(f"| {q} | `{r.name}` | {', '.join(r.requires) or '-'} | "
                         f"{r.certificate} | {r.source} |")
    lines += ["", "| fact | what it says |", "|---|---|"]
    lines += [f"| `{f.name}` | {f.says} |" for f in FACTS.values()]
    return "\n".join(lines)
