"""The one gate every finding passes before it becomes a verdict.

* **PROVED** meets the independent falsifier (:func:`alfs_theory.checks.falsify.falsify`, code that
  shares nothing with the provers); a re-verified hit makes it an *internal error*
  (UNDECIDED, naming the rule's claim and the point). If the budget runs out before the
  falsifier finishes, the answer is UNDECIDED "timed out": a PROVED is never reported unchecked.
  A loss with no formula (a black box) can never be PROVED.
* **REFUTED** keeps its witness only if it re-verifies: a point of the simplex said to beat e_t
  on given weights is re-evaluated here at 50 digits with the falsifier's own arithmetic;
  other witnesses carry the rule's own 50-digit re-evaluation (``digits``), and a black box's
  its second evaluation as a fresh batch.
* Every result leaves with ``gate`` set: what the gate did. Reports and the CLI render only
  sealed results (:func:`require_sealed`).
* **The cache** (:func:`cache_lookup`, :func:`cache_store`): a PROVED or REFUTED that left
  this gate is kept on disk, keyed by the question, the bound loss (its expression, values and
  parameter domains), K, the question's inputs **and a hash of the package's source**
  (which changes with every version), so that any change of the code misses. A hit leaves
  with ``gate`` "cached (...)". UNDECIDED is never cached (it may depend on the budget). The
  folder is ``$ALFS_CACHE_DIR``, else ``$XDG_CACHE_HOME/alfs-theory`` or ``~/.cache/alfs-theory``;
  ``ALFS_CACHE=0`` (or ``alfs --no-cache``) turns it off; a file that cannot be read is
  ignored and computed again.
"""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np

from ...spec import LossSpec
from ..verdict import Certificate, CheckResult, Verdict, internal_error

__all__ = ["cache_dir", "cache_lookup", "cache_store", "gate", "require_sealed", "timed_out"]

_ASYMMETRY = ("asymmetric", "asymmetric-on", "noise")


def timed_out(check: str, seconds: float, what: str = "the check", *,
              args: dict | None = None) -> CheckResult:
    """UNDECIDED "timed out": the budget (CPU seconds) ran out before ``what`` finished.
    ``args``: the values the check was asked at (the result's ``args``)."""
    return _seal(CheckResult(check, Verdict.UNDECIDED, f"timed out: {what} did not finish "
                             f"within the budget of {seconds:g} CPU seconds (raise it with "
                             "--timeout)", estimate="timed out", seconds=seconds,
                             args=dict(args or {})),
                 "timed out")


def _seal(r: CheckResult, how: str) -> CheckResult:
    return dataclasses.replace(r, gate=how)


def gate(finding: CheckResult, spec: LossSpec | None, n_classes: int | None, *,
         budget: float | None = None) -> CheckResult:
    """``finding`` as a verdict (see the module docstring). ``spec`` is the bound loss at
    ``n_classes`` (None for a black box); ``budget`` bounds the falsifier (CPU seconds; None:
    what is left of the enclosing budget)."""
    if finding.sealed:
        return finding
    if n_classes is None:  # a claim for every K (symmetric by structure): try it at K = 3
        n_classes = 3
    if finding.internal_error is not None:
        return _seal(finding, "internal error")
    if finding.verdict is Verdict.UNDECIDED:
        return _bound_checked(finding, spec, n_classes, budget)
    if finding.verdict is Verdict.PROVED:
        if spec is None:
            return _seal(internal_error(finding, "a loss with no formula can never be PROVED"),
                         "refused: no formula")
        return _falsified(finding, spec, n_classes, budget)
    return _reverified(finding, spec, n_classes)


def _falsified(r: CheckResult, spec: LossSpec, n: int, budget: float | None) -> CheckResult:
    from ...timing import remaining, time_limit
    from ..falsify import falsify

    left = remaining() if budget is None else budget
    if left <= 0:
        return timed_out(r.check, 0.0, "the independent falsifier", args=r.args)
    from ...errors import AlfsError

    hit = None
    with time_limit(left if left != float("inf") else 3600.0) as lim:
        try:
            hit = falsify(r, spec, n)
        except AlfsError:  # a family whose free parameters have no default: nothing to bind
            return _seal(r, "falsifier: not applicable (free parameters without values)")
    if lim.expired:
        return _seal(dataclasses.replace(
            r, verdict=Verdict.UNDECIDED, certificate=None,
            summary=f"timed out: the rule said PROVED ({r.summary}) but the independent "
                    "falsifier did not finish within the budget; a PROVED is reported only "
                    "after it ran (raise --timeout)",
            estimate={"rule": r.summary, "why": "timed out"}), "timed out in the falsifier")
    if hit is None:
        return _seal(r, "falsifier: no counterexample")
    return _seal(internal_error(r, f"the independent falsifier found {hit}"),
                 "falsifier: contradicted")


def _bound_checked(r: CheckResult, spec: LossSpec | None, n: int,
                   budget: float | None) -> CheckResult:
    """An UNDECIDED row may state a proved lower bound (the threshold's "tolerant for eta <=
    lo"): the bound is a claim like any PROVED and meets the falsifier too."""
    lo = r.value.get("lo") if isinstance(r.value, dict) else None
    if spec is None or r.check != "threshold" or not lo or lo <= 0:
        return _seal(r, "undecided: no claim to check")
    claim = dataclasses.replace(r, verdict=Verdict.PROVED, value={"eta_max": float(lo)},
                                certificate=Certificate("stated-bound", r.summary))
    checked = _falsified(claim, spec, n, budget)
    if checked.internal_error is not None:
        return _seal(internal_error(r, checked.internal_error.partition("contradicted by: ")[2]),
                     "falsifier: the stated bound is contradicted")
    if checked.verdict is not Verdict.PROVED:  # timed out: do not state an unchecked bound
        return _seal(dataclasses.replace(
            r, summary="no bound stated: the independent falsifier did not finish checking the "
                       f"lower bound eta <= {float(lo):.6g} within the budget",
            value={**r.value, "lo": 0.0}), "timed out in the falsifier")
    return _seal(r, "falsifier: the stated lower bound survived")


def _reverified(r: CheckResult, spec: LossSpec | None, n: int) -> CheckResult:
    ce = r.counterexample
    if spec is None:
        return _seal(r, "witness evaluated twice by the black box (a fresh batch)")
    if ce.sequence is not None:
        return _seal(r, "minimising sequence (a limit argument; the rule checked its terms)")
    name = r.check
    w = r.value.get("weights") if isinstance(r.value, dict) else None
    u = [ce.point.get(f"u{k}") for k in range(n)] if isinstance(ce.point, dict) else None
    pt = ce.point if isinstance(ce.point, dict) else {}
    if name in _ASYMMETRY and w is not None and len(w) == n and u and \
            all(isinstance(x, (int, float)) for x in u):
        why = _risk_witness_fails(spec, [float(x) for x in w], [float(x) for x in u])
    elif name == "decreasing" and spec.is_pointwise:
        why = _increase_fails(spec, pt)
    elif name == "symmetric" and "u_a" in pt and "u_b" in pt:
        why = _sums_agree(spec, pt["u_a"], pt["u_b"])
    else:
        return _seal(r, f"witness re-verified by the rule at {ce.digits} digits")
    if why is not None:
        return _seal(internal_error(r, f"its witness does not re-verify: {why}"),
                     "witness contradicted")
    return _seal(r, "witness re-verified by the gate at 50 digits")


def _ell(spec: LossSpec, x) -> mpmath.mpf:
    """l(x) at 60 digits through the falsifier's own evaluation (real part of a real value)."""
    from ..falsify import mp_ell

    v = mp_ell(spec, x, dps=60)
    return v.real if isinstance(v, mpmath.mpc) else v


def _increase_fails(spec: LossSpec, pt: dict) -> str | None:
    """None when l increases at the witness (two points u0 < u1 with l(u1) > l(u0), or a
    point u where l(u + h) > l(u - h) for a tiny h), at 60 digits."""
    with mpmath.workdps(60):
        if "u0" in pt and "u1" in pt:
            a, b = mpmath.mpf(pt["u0"]), mpmath.mpf(pt["u1"])
            if a < b and _ell(spec, b) - _ell(spec, a) > 0:
                return None
            return f"l({pt['u1']}) is not above l({pt['u0']})"
        if "u" in pt and isinstance(pt["u"], (int, float)):
            x, h = mpmath.mpf(pt["u"]), mpmath.mpf("1e-25")
            lo, hi = max(x - h, mpmath.mpf(0)), min(x + h, mpmath.mpf(1))
            if _ell(spec, hi) - _ell(spec, lo) > 0:
                return None
            return f"l does not increase at u = {pt['u']}"
    return None  # no point to re-check: the rule's own 50 digits stand


def _sums_agree(spec: LossSpec, ua, ub) -> str | None:
    """None when sum_k L(u, k) differs between the two witnesses at 50 digits."""
    from ..falsify import mp_risk

    with mpmath.workdps(50):
        w = [1] * len(ua)
        a, b = mp_risk(spec, w, ua), mp_risk(spec, w, ub)
        if mpmath.isnan(a) or mpmath.isnan(b):
            return None
        if abs(a - b) > mpmath.mpf("1e-30") * (1 + abs(a) + abs(b)):
            return None
    return f"sum_k L(u, k) is the same at u_a and u_b ({mpmath.nstr(a, 15)})"


def _risk_witness_fails(spec: LossSpec, w: list, u: list) -> str | None:
    """None when risk(u) <= risk(e_t) (t = argmax w) at 50 digits, up to the rounding of the
    printed witness; otherwise why not."""
    from ..falsify import mp_risk

    t = int(np.argmax(w))
    et = [0.0] * len(w)
    et[t] = 1.0
    if sum(abs(a - b) for a, b in zip(u, et)) <= 1e-9:
        return None  # a move too small for the printed floats: the rule's 50 digits stand
    with mpmath.workdps(50):
        ru, rt = mp_risk(spec, w, u), mp_risk(spec, w, et)
        if mpmath.isnan(ru) or mpmath.isnan(rt):
            return None  # a limit at the boundary: the rule's own argument stands
        if ru - rt > mpmath.mpf("1e-9") * (1 + abs(rt)):
            return (f"risk {mpmath.nstr(ru, 15)} at u = {u} is above {mpmath.nstr(rt, 15)} "
                    f"at e_{t}")
    return None


def require_sealed(results) -> None:
    """Raise if a PROVED or REFUTED result has not passed the gate: a verdict built outside
    the engine must never be shown (a bug of ours, reported as an internal error)."""
    for r in results:
        if r.verdict is not Verdict.UNDECIDED and not r.sealed:
            raise RuntimeError(f"check {r.check!r}: a {r.verdict.value} was built outside the "
                               "engine's gate (alfs_theory.checks.engine.gate); refusing to show it")


# ------------------------------------------------------------------------------------ cache
_SOURCE_HASH: list[str] = []
_CACHEABLE_INPUTS = ("weights", "T", "tol", "search", "bounds", "ratio")


def cache_dir():
    """The cache folder, or None when the cache is off (``ALFS_CACHE=0``)."""
    import os
    from pathlib import Path

    if os.environ.get("ALFS_CACHE", "1").strip().lower() in ("0", "no", "off", "false"):
        return None
    root = os.environ.get("ALFS_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                ".cache")
        root = os.path.join(base, "alfs-theory")
    return Path(root) / "checks"


def _source_hash() -> str:
    """sha256 of every .py file of the package (any change of the code is another key)."""
    if not _SOURCE_HASH:
        import hashlib
        from pathlib import Path

        h = hashlib.sha256()
        pkg = Path(__file__).resolve().parents[2]
        for p in sorted(pkg.rglob("*.py")):
            h.update(str(p.relative_to(pkg)).encode())
            h.update(p.read_bytes())
        _SOURCE_HASH.append(h.hexdigest()[:20])
    return _SOURCE_HASH[0]


def _key(question: str, spec: LossSpec, n_classes: int | None, inputs: dict) -> str | None:
    """The cache key of a question, or None when its inputs cannot be keyed."""
    import hashlib

    import sympy as sp

    if any(k not in _CACHEABLE_INPUTS for k in inputs):
        return None
    parts = []
    for k in sorted(inputs):
        v = inputs[k]
        if isinstance(v, CheckResult):  # a ratio decided before: keyed by what it found
            v = (v.verdict.value, str(v.value), v.summary)
        elif hasattr(v, "classes") and hasattr(v, "K"):  # NoiseRows: its classes of rows
            v = (v.K, [(c.diagonal, c.off_diagonal, c.rows) for c in v.classes])
        elif isinstance(v, np.ndarray):
            v = v.tolist()
        elif isinstance(v, (list, tuple)):
            v = [str(x) for x in v]
        parts.append((k, repr(v)))
    try:  # the source hash stands for the version too: a release changes the code
        text = repr((_source_hash(), question, n_classes, spec.name,
                     sp.srepr(spec.expr), [(n, str(v)) for n, v in spec.values],
                     [(p.name, str(getattr(p, "domain", ""))) for p in spec.params],
                     [(sp.srepr(a), sp.srepr(b)) for a, b in spec.sums], parts))
    except Exception:  # noqa: BLE001 - an input that cannot be keyed is not cached
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def cache_lookup(question: str, spec: LossSpec, n_classes: int | None,
                 inputs: dict) -> tuple[str | None, CheckResult | None]:
    """(key, the cached verdict or None). A hit was sealed by this gate when it was stored."""
    import pickle

    folder = cache_dir()
    key = _key(question, spec, n_classes, inputs) if folder is not None else None
    if key is None:
        return None, None
    path = folder / key[:2] / f"{key}.pickle"
    try:
        with open(path, "rb") as f:
            got = pickle.load(f)  # our own files, written by cache_store, keyed by a sha256
    except FileNotFoundError:
        return key, None
    except Exception:  # noqa: BLE001 - a damaged entry is computed again
        return key, None
    if not isinstance(got, CheckResult) or got.verdict is Verdict.UNDECIDED or not got.sealed:
        return key, None
    return key, _seal(got, f"cached ({got.gate})")


def cache_store(key: str | None, result: CheckResult) -> None:
    """Keep a sealed PROVED or REFUTED under ``key`` (nothing else; I/O errors are ignored)."""
    import pickle

    folder = cache_dir()
    if key is None or folder is None or result.verdict is Verdict.UNDECIDED \
            or not result.sealed or result.internal_error is not None:
        return
    from ...fileio import atomic_write

    try:
        data = pickle.dumps(result)
        atomic_write(folder / key[:2] / f"{key}.pickle", data)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
        return
