"""``check_loss``: every property of shared/theory.md for one loss, each with evidence.

Modelled on scikit-learn's estimator checks: small named checks, each returning a
:class:`~alfs_theory.checks.verdict.CheckResult`; a report renders them as text, markdown or JSON
(stable schema, ``schema`` = "alfs-check/2": each result's ``check`` is a name of
:data:`CHECK_NAMES` and the values it was asked at are its ``args``).

Example
-------
>>> from alfs_theory import get_loss
>>> from alfs_theory.checks.checker import check_loss
>>> rep = check_loss(get_loss("agce").bind(a=1, q=2), n_classes=10, noise="symmetric:0.6")
>>> rep["ratio"].verdict.value
'PROVED'
>>> rep["threshold"].args
{'K': 10}
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..argtypes import MAX_CLASSES, MAX_TIMEOUT_S  # the caps of -K and --timeout
from ..errors import InputError
from ..schemas import CHECK_NAMES, CHECK_SCHEMA_ID, CHECKS, OLD_NAMES
from ..spec import LossSpec
from .engine import require_sealed
from .verdict import CheckResult, Verdict, args_text

SCHEMA = CHECK_SCHEMA_ID
DEFAULT_TIMEOUT = 300.0
"""CPU seconds one ``check_loss`` call (one ``alfs check``) may spend, every check and the
falsifier included (``--timeout``); a check the budget does not reach is UNDECIDED."""


_QUESTION = {"asymmetric-on": "weights"}  # the engine's question of a check, where it differs


def check_names_error(unknown, what: str = "check name") -> InputError:
    """The InputError for names outside :data:`CHECK_NAMES`: each old name with its new one,
    and the whole list."""
    hints = []
    for u in unknown:
        base = str(u).split("(")[0].strip()
        new = OLD_NAMES.get(base) or (base if base in CHECKS else None)
        if new is not None:
            hints.append(f"{u!r} is now {new!r}")
    hint = f" ({'; '.join(hints)}; schema alfs-check/2)" if hints else ""
    return InputError(f"unknown {what}(s) {', '.join(repr(u) for u in unknown)}{hint}; the "
                      f"checks are {', '.join(CHECK_NAMES)}")


__all__ = ["CHECKS", "CHECK_NAMES", "CheckReport", "admit", "assert_loss_checks",
           "check_loss", "check_names_error", "checked_weights", "loss_spec", "parse_noise"]


def parse_noise(noise: str, n_classes: int) -> tuple[np.ndarray, str]:
    """A noise model string -> (row-stochastic T, description).

    Accepted: ``symmetric:ETA``, ``pairflip:ETA``, ``clean``, or a path to a .npy/.csv/.txt
    K x K matrix (row i = P(noisy | clean i)).
    """
    from .. import noise as noise_mod

    return noise_mod.make_noise(noise, n_classes)


#: the verdicts' colours in the HTML renderings (notebook table and ``--format html`` page)
_VERDICT_COLOUR = {"PROVED": "#1a7f37", "REFUTED": "#cf222e", "UNDECIDED": "#9a6700"}


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

    def result(self, check: str, **args) -> CheckResult:
        """The result named ``check`` (a name of :data:`CHECK_NAMES`); ``args`` pick one of
        several (a black box's noise rows: ``result("noise", row=0)``). KeyError naming the
        checks of the report otherwise."""
        hits = [r for r in self.results if r.check == check
                and all(r.args.get(k) == v for k, v in args.items())]
        if len(hits) == 1 or (hits and not args and len({str(r.args) for r in hits}) == 1):
            return hits[0]
        have = ", ".join(r.label for r in self.results) or "no results"
        if hits:
            raise KeyError(f"{len(hits)} results named {check!r} ({', '.join(r.label for r in hits)}"
                           f"); pick one with result({check!r}, ...=...)")
        if check not in CHECKS:
            raise KeyError(str(check_names_error([check])))
        why = {"asymmetric-on": " (asked only with weights=...; the region of weights is "
                                "'region')",
               "noise": " (asked only with noise=...)"}.get(check, "")
        raise KeyError(f"no {check!r} result in this report{why}; it has {have}")

    def __getitem__(self, check: str) -> CheckResult:
        """``report["threshold"]``: :meth:`result` by the stable name."""
        return self.result(check)

    def __contains__(self, check: object) -> bool:
        return any(r.check == check for r in self.results)

    def keys(self) -> list[str]:
        """The stable names of the results, in order (each once)."""
        return list(dict.fromkeys(r.check for r in self.results))

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

    def _rows(self) -> list[tuple[str, str, str, str]]:
        require_sealed(self.results)
        # the "at" column: the values a row was asked at, less the report's own K
        return [(r.check, args_text({k: v for k, v in r.args.items()
                                     if not (k == "K" and v == self.n_classes)}),
                 r.verdict.value, f"{r.summary} | {r.evidence}") for r in self.results]

    def to_text(self, width: int | None = 160) -> str:
        """The table for people; each line cut at ``width`` characters (None: whole evidence,
        ``alfs check --wide``)."""
        ptxt = ", ".join(f"{k}={v:g}" for k, v in self.params.items()) or "no parameters"
        head = f"{self.loss} ({self.kind}; {ptxt}), K = {self.n_classes}"
        if self.noise:
            head += f", noise {self.noise}"
        lines = [head, self.formula, ""]
        rows = self._rows()
        w0 = max([len("check")] + [len(r[0]) for r in rows])
        w1 = max([len("at")] + [len(r[1]) for r in rows])
        lines.append(f"{'check':<{w0}}  {'at':<{w1}}  {'verdict':<9}  summary | evidence")
        for c, a, v, e in rows:
            line = f"{c:<{w0}}  {a:<{w1}}  {v:<9}  {e}"
            lines.append(line if width is None or len(line) <= width
                         else line[: width - 3] + "...")
        lines.append(f"\n{len(self.results)} checks in {self.seconds:.2f} s; "
                     f"{len(self.refuted)} refuted"
                     + (f"; {len(self.internal_errors)} INTERNAL ERRORS (please report)"
                        if self.internal_errors else ""))
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = {v.value: 0 for v in Verdict}
        for r in self.results:
            counts[r.verdict.value] += 1
        ptxt = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return (f"<CheckReport {self.loss}" + (f" ({ptxt})" if ptxt else "")
                + f", K={self.n_classes}" + (f", noise={self.noise}" if self.noise else "")
                + f": {len(self.results)} checks, {counts['PROVED']} PROVED, "
                f"{counts['REFUTED']} REFUTED, {counts['UNDECIDED']} UNDECIDED>")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        """The report as an HTML table (Jupyter): one row per check, its verdict coloured."""
        from html import escape

        head = escape(f"{self.loss} — K = {self.n_classes}"
                      + (f", noise {self.noise}" if self.noise else ""))
        rows = "".join(
            f"<tr><td><code>{escape(c)}</code></td><td>{escape(a)}</td>"
            f"<td style=\"color:{_VERDICT_COLOUR[v]}\"><b>{v}</b></td><td>{escape(e)}</td></tr>"
            for c, a, v, e in self._rows())
        return (f"<div><b>{head}</b><br><code>{escape(self.formula)}</code>"
                "<table><thead><tr><th>check</th><th>at</th><th>verdict</th><th>summary | "
                f"evidence</th></tr></thead><tbody>{rows}</tbody></table></div>")

    def to_html_page(self, figure_png: bytes | None = None, note: str = "") -> str:
        """A self-contained page (``alfs check --format html``): the loss, its formula, every
        check with its verdict and whole evidence, and ``figure_png`` (the one-loss figure)
        inline as base64, so the page needs no other file and no network."""
        import base64
        from html import escape

        ptxt = ", ".join(f"{k}={v:g}" for k, v in self.params.items()) or "no parameters"
        rows = "".join(
            f"<tr><td><code>{escape(c)}</code></td><td>{escape(a)}</td>"
            f"<td style=\"color:{_VERDICT_COLOUR[v]}\"><b>{v}</b></td>"
            f"<td>{escape(e.split(' | ', 1)[0])}</td>"
            f"<td class=\"ev\">{escape(e.split(' | ', 1)[1] if ' | ' in e else '')}</td></tr>"
            for c, a, v, e in self._rows())
        fig = (f"<h2>The one-loss figure</h2><img alt=\"one-loss figure of {escape(self.loss)}\" "
               f"src=\"data:image/png;base64,{base64.b64encode(figure_png).decode()}\">"
               if figure_png else "")
        title = escape(f"{self.loss} ({ptxt}), K = {self.n_classes}"
                       + (f", noise {self.noise}" if self.noise else ""))
        return (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>alfs check: {title}</title><style>"
            "body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;"
            "vertical-align:top;text-align:left}td.ev{font-size:85%;color:#444}"
            "img{max-width:100%}</style></head><body>"
            f"<h1>{title}</h1><p><code>{escape(self.formula)}</code></p>"
            "<table><thead><tr><th>check</th><th>at</th><th>verdict</th><th>summary</th>"
            f"<th>evidence</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p>{len(self.results)} checks in {self.seconds:.2f} s. {escape(note)}</p>"
            f"{fig}<p><small>alfs-theory: PROVED carries a certificate, REFUTED a "
            "counterexample re-verified at 50 digits, UNDECIDED an estimate.</small></p>"
            "</body></html>\n")

    def to_records(self) -> list[dict]:
        """One flat dict per result: check, the args (K, eta, noise, row, weights), verdict,
        summary, evidence, value, method (the certificate's), seconds, gate."""
        require_sealed(self.results)
        out = []
        for r in self.results:
            rec = {"check": r.check}
            for k in ("K", "eta", "noise", "row", "weights"):
                rec[k] = r.args.get(k)
            rec.update(verdict=r.verdict.value, summary=r.summary, evidence=r.evidence,
                       value=r.to_dict()["value"],
                       method=r.certificate.method if r.certificate else None,
                       seconds=r.seconds)
            rec["gate"] = r.gate  # what the engine's gate did (read, never set, here)
            out.append(rec)
        return out

    def to_dataframe(self):
        """The results as a pandas DataFrame indexed by the check name (:meth:`to_records`'s
        columns). pandas is optional: imported here, with a clear error when it is missing."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("CheckReport.to_dataframe() needs pandas, which is not installed:"
                             " pip install pandas (or use report.to_records(), the same rows "
                             "as dicts)") from None
        return pd.DataFrame.from_records(self.to_records()).set_index("check")

    def to_latex(self, *, evidence: bool = False, label: str | None = None) -> str:
        """The report as a booktabs table for a paper (``alfs check --format latex``): check,
        the values it was asked at, the verdict (bold) and the summary; ``evidence=True`` adds
        the evidence to the last column. Needs ``booktabs`` and ``tabularx``."""
        from ..latex import table

        rows = [(c, a, v, e if evidence else e.split(" | ", 1)[0])
                for c, a, v, e in self._rows()]
        ptxt = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        cap = (f"alfs-theory verdicts for {self.loss}" + (f" ({ptxt})" if ptxt else "")
               + f" at K = {self.n_classes}" + (f", noise {self.noise}" if self.noise else "")
               + f": {self.formula}")
        return table(["check", "at", "verdict", "summary" + (" | evidence" if evidence else "")],
                     rows, caption=cap, label=label, bold_col=2)

    def to_markdown(self) -> str:
        lines = [f"### {self.loss} — K = {self.n_classes}" + (f", noise `{self.noise}`"
                                                               if self.noise else ""),
                 "", f"`{self.formula}`", "", "| check | at | verdict | evidence |",
                 "|---|---|---|---|"]
        for c, a, v, e in self._rows():
            lines.append(f"| {c} | {a} | **{v}** | {e.replace('|', '/')} |")
        return "\n".join(lines)


def check_loss(
    spec: LossSpec | str,
    *,
    params: Mapping[str, float] | None = None,
    domains: Mapping[str, str] | None = None,
    n_classes: int = 10,
    noise: str | None = None,
    weights: Sequence[float] | None = None,
    checks: Sequence[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckReport:
    """Run the checks on a loss (bound to numbers: unbound parameters take their defaults).

    ``spec`` is a :class:`~alfs_theory.spec.LossSpec`, a registered name (``"agce"``) or a
    formula in u typed as for ``alfs check --expr`` (``"((a+1)**q - (a+u)**q)/q"``): parsed by
    the same whitelisted grammar (never evaluated as Python) and admitted by the same spec
    gate. ``params`` bind it (``{"a": 1, "q": 2}``), ``domains`` give a formula's parameter
    domains (``{"a": "a > 0"}``, as ``--domain a:a > 0``).

    ``checks`` selects a subset by name (:data:`CHECK_NAMES`: decreasing, shape, ratio,
    symmetric, asymmetric, region, threshold, calibrated, excess-risk, noise, asymmetric-on; an
    unknown or old name is an InputError naming the new one). ``timeout`` is the budget of the whole call in CPU seconds
    (default :data:`DEFAULT_TIMEOUT`), the falsifier included: a check the budget does not
    reach answers UNDECIDED, "timed out". Every question is answered by the rule engine
    (:func:`alfs_theory.checks.engine.decide`) and every verdict leaves through its gate.
    """
    from ..timing import clock, time_limit
    from .engine import decide
    from .properties.calibration import quadratic_form
    from .properties.tolerance import symmetric_weights

    spec = loss_spec(spec, params, domains)
    if n_classes < 2:
        raise InputError(f"--classes must be >= 2, got {n_classes}")
    if n_classes > MAX_CLASSES:
        raise InputError(f"--classes must be <= {MAX_CLASSES}, got {n_classes} (the checks "
                         "scale to K = 1000 in seconds; beyond that ask for K = 1000)")
    if not (isinstance(timeout, (int, float)) and 0 < timeout <= MAX_TIMEOUT_S):
        raise InputError(f"--timeout must be a positive number of seconds <= {MAX_TIMEOUT_S:g}, "
                         f"got {timeout!r}")
    if isinstance(checks, str):
        checks = [c.strip() for c in checks.split(",") if c.strip()]
    unknown = [c for c in dict.fromkeys(checks or ()) if c not in CHECKS]
    if unknown:
        raise check_names_error(unknown)
    if "asymmetric-on" in (checks or ()) and weights is None:
        raise InputError("--only asymmetric-on needs the weight vector: give --weights "
                         "w_1,...,w_K (weights=[...] in Python)")
    if "noise" in (checks or ()) and not noise:
        raise InputError("--only noise needs a noise model: give --noise (e.g. symmetric:0.4, "
                         "pairflip:0.3 or a K x K matrix file)")
    weight_note = ""
    if weights is not None:
        weights, weight_note = checked_weights(weights, n_classes)
    if noise:
        from ..noise import noise_rows

        T = noise_rows(noise, n_classes)  # classes of rows: no K x K matrix for sym/pairflip
    else:
        T = None
    t0 = clock()
    want = set(checks) if checks else None

    def on(name):
        return want is None or name in want

    rep = None
    with time_limit(timeout) as budget:  # one budget for the whole call (CPU seconds)
        b = admit(spec, n_classes, timeout=timeout)
        formula = b.notes if any(n in (b.notes or "") for n in (PRUNED_NOTE, SIMPLEX_NOTE)) \
            else b.formula_text()
        rep = CheckReport(b.name, dict(b.values), b.kind, formula, n_classes, noise=noise)
        ratio = None

        def ask(question, **inputs):
            return decide(_QUESTION.get(question, question), b, n_classes, **inputs)

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
            rep.results.append(_with_args(r, eta=eta))
        if on("region"):
            rep.results.append(ask("region"))
        if on("threshold"):
            rep.results.append(ask("threshold", ratio=ratio))
        if on("calibrated"):
            rep.results.append(ask("calibrated"))
        if on("excess-risk") and (b.is_pointwise or quadratic_form(b, n_classes) is not None):
            rep.results.append(ask("excess-risk"))
        if T is not None:
            rep.results.append(_with_args(ask("noise", T=T, ratio=ratio), noise=noise))
        if weights is not None:
            r = ask("asymmetric-on", weights=list(weights), ratio=ratio)
            if weight_note:
                r = dataclasses.replace(r, summary=f"{r.summary} [{weight_note}]")
            rep.results.append(r)
    if budget.expired and rep is None:  # the spec gate itself ran out of the budget
        raise _too_large(spec, n_classes, timeout)
    rep.seconds = clock() - t0
    return rep


def loss_spec(loss: LossSpec | str, params: Mapping[str, float] | None = None,
              domains: Mapping[str, str] | None = None) -> LossSpec:
    """A spec from what :func:`check_loss` accepts: a LossSpec (``params`` bind it), a
    registered name, or a formula in u parsed by :func:`~alfs_theory.userloss.
    loss_from_expression` (the parser of ``alfs check --expr``; nothing is evaluated)."""
    from ..errors import ExpressionError, UnknownLossError
    from ..registry import get_loss
    from ..userloss import loss_from_expression

    params = dict(params or {})
    if isinstance(loss, LossSpec):
        if domains:
            raise InputError("domains= applies to a formula given as text; a LossSpec carries "
                             "its own parameter domains")
        return loss.bind(**params) if params else loss
    if not isinstance(loss, str):
        raise InputError(f"check_loss takes a LossSpec, a registered loss name or a formula in "
                         f"u as a string (e.g. '1 - u'), not {type(loss).__name__}")
    if not loss.strip():
        raise ExpressionError("the loss formula is empty: type a loss in u, e.g. '1 - u' or "
                              "'((a+1)**q - (a+u)**q)/q' with params={'a': 1, 'q': 2}")
    if not domains:
        try:
            return get_loss(loss.strip()).bind(**params)
        except UnknownLossError:
            pass
    return loss_from_expression(loss, params=params, domains=domains).bind(**params)


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
    return _pruned(_on_simplex(out, n_classes))


def _too_large(spec: LossSpec, n_classes: int, timeout: float) -> InputError:
    return InputError(f"loss {spec.name!r}: substituting K = {n_classes} and the parameter "
                      f"values and checking its domain took more than {timeout:g} CPU "
                      "seconds (--timeout); the expression is too large to check")


PRUNED_NOTE = "equal on [0, 1] to "
SIMPLEX_NOTE = "equal on the simplex to "


def _on_simplex(b: LossSpec, n_classes: int) -> LossSpec:
    """A vector loss whose class sums have summands affine in v, Σ_k (a + c·u_k), rewritten with
    those sums replaced by their value on the simplex, K·a + c (Σ_k u_k = 1): the same loss on
    every point of the simplex, so every rule sees its real form (LDR-KL at lam = 1 uses
    Σ_k u_k^(1/lam) = 1 and is the pointwise log(1/K + e^c (1 - u)/(K u))). With no class sum
    left the loss is pointwise. The formula as given is kept in the notes."""
    from ..symbols import V

    if b.is_pointwise:
        return b
    env, left = {}, []
    for S, g in b.sums:
        gb = sp.expand(b.subs_values(g))
        if gb.is_polynomial(V) and sp.degree(gb, V) <= 1 and not (gb.free_symbols - {V}):
            env[S] = n_classes * gb.subs(V, 0) + sp.diff(gb, V)
        else:
            left.append((S, g))
    if not env:
        return b
    out = dataclasses.replace(b, expr=b.expr.subs(env), sums=tuple(left), _cache={})
    shown = ", ".join(f"{S} = {sp.sstr(v)}" for S, v in env.items())
    note = (f"{b.formula_text()}, {SIMPLEX_NOTE}{out.formula_text()} (sum_k u_k = 1 there: "
            f"{shown})")
    return dataclasses.replace(out, notes=note)


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


def _with_args(r: CheckResult, **more) -> CheckResult:
    """``r`` with more of the values it was asked at (eta, the noise model) in its ``args``;
    the ``weights`` stay last."""
    args = {k: v for k, v in r.args.items() if k != "weights"}
    args.update(more)
    if "weights" in r.args:
        args["weights"] = r.args["weights"]
    return dataclasses.replace(r, args=args)


def assert_loss_checks(spec: LossSpec | str, expected: dict[str, str], **kw) -> CheckReport:
    """pytest helper: run check_loss and assert each named check's verdict.

    ``expected`` maps a check name (:data:`CHECK_NAMES`) to "PROVED"/"REFUTED"/"UNDECIDED".
    """
    unknown = [k for k in expected if k not in CHECKS]
    if unknown:
        raise check_names_error(unknown)
    rep = check_loss(spec, **kw)
    ptxt = ", ".join(f"{k}={v:g}" for k, v in rep.params.items()) or "no parameters"
    for name, v in expected.items():
        got = rep.result(name)
        assert got.verdict.value == v, (
            f"loss {rep.loss!r} ({ptxt}), check {got.label!r}: expected {v}, "
            f"got {got.verdict.value}: {got.summary} | {got.evidence}"
        )
    return rep
