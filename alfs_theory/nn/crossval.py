"""Cross-validate a torch loss against its formula: values and logit gradients.

:func:`crossval` runs a torch callable ``fn(logits, labels)`` (the user's own code, a twin, or
the composite form of a spec) on batches of random, near-tie and extreme logits for several
class counts K, in float32 and float64, and compares every value and every logit gradient
with the mpmath reference computed from the sympy spec (:mod:`alfs_theory.nn.reference`,
which shares nothing with the torch code). It reports the worst input of each kind and every
mismatch; :class:`CrossvalReport` says ``ok`` or not, with text and JSON forms.

Tolerance: a value v passes when |v − r| <= rtol·max(|r|, 0.01) and a gradient component g
when |g − r| <= rtol·max(|r|, s, 0.01), r the reference and s the size of the chain-rule
terms of that component (what floating point can resolve it relative to). The default rtol is
1e-6 in float64 and 1e-3 in float32: loose enough for straightforward implementations
(softmax, then the formula), tight enough that a wrong formula, a wrong parameter, a detached
term or a NaN fails. A non-finite result where the reference is finite always fails.

``fn`` may also be an :class:`~alfs_theory.nn.sandbox.UserLoss`: the user's code in a child
process (what ``alfs crossval --torch`` passes), which computes the values and gradients there
with the same code (:class:`~alfs_theory.nn.sandbox.LocalLoss`); a failure of that code stops
the comparison with :class:`~alfs_theory.errors.UserCodeError`, naming what it did. A plain
callable that raises or returns a bad shape here is recorded in ``errors`` instead.

:func:`load_callable` (defined in :mod:`alfs_theory.nn.sandbox`) loads
``"package.module:attribute"``: the one place alfs-theory loads code that is not its own.

Example
-------
>>> from alfs_theory.nn.crossval import crossval
>>> from alfs_theory.nn import agce_loss
>>> crossval(lambda z, y: agce_loss(z, y, a=1.0, q=2.0), "agce", a=1, q=2).ok
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..errors import InputError, UserCodeError
from ..registry import get_loss
from ..schemas import COMMAND_SCHEMAS
from ..spec import LossSpec
from .reference import reference_loss_and_grad
from .sandbox import as_evaluator, load_callable

__all__ = ["CASES", "CrossvalReport", "Mismatch", "crossval", "load_callable"]

CASES = ("random", "near-tie", "extreme")
_RTOL = {torch.float32: 1e-3, torch.float64: 1e-6}
_FLOOR = 0.01


@dataclass(frozen=True)
class Mismatch:
    """One compared quantity: where (case, K, dtype, row, class) and how far off."""

    case: str
    K: int
    dtype: str
    row: int
    what: str  # "value" or "grad[k]"
    got: float
    expected: float
    error: float  # |got − expected| / its allowance (> 1 fails)
    logits: list
    label: int

    def text(self) -> str:
        z = ", ".join(f"{v:.6g}" for v in self.logits[:8]) + (", ..." if len(self.logits) > 8
                                                              else "")
        return (f"{self.case}, K = {self.K}, {self.dtype}, row {self.row} (label {self.label}, "
                f"logits [{z}]): {self.what} = {self.got:.10g}, formula {self.expected:.10g} "
                f"({self.error:.3g} x the tolerance)")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class CrossvalReport:
    """The outcome of :func:`crossval`."""

    loss: str
    target: str
    params: dict
    rtol: dict
    compared: int = 0
    seconds: float = 0.0
    worst: dict = field(default_factory=dict)  # "value"/"grad" -> Mismatch (largest error)
    mismatches: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # calls that raised or returned a bad shape
    scalar_output: bool = False

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.errors

    def to_text(self, limit: int = 5) -> str:
        ps = ", ".join(f"{k}={v:g}" for k, v in self.params.items()) or "no parameters"
        head = (f"crossval {self.target} against the formula of {self.loss} ({ps}): "
                f"{'MATCH' if self.ok else 'MISMATCH'}; {self.compared} numbers compared in "
                f"{self.seconds:.1f} s (rtol {self.rtol['float32']:g} in float32, "
                f"{self.rtol['float64']:g} in float64)")
        lines = [head]
        if self.scalar_output:
            lines.append("  note: the callable returns a scalar; it was compared as the mean "
                         "over the batch (return per-example losses (N,) for a finer check)")
        for kind in ("value", "grad"):
            m = self.worst.get(kind)
            if m is not None:
                lines.append(f"  worst {kind}: {m.text()}")
        for e in self.errors[:limit]:
            lines.append(f"  ERROR {e}")
        if self.mismatches:
            lines.append(f"  {len(self.mismatches)} mismatch(es); the first {min(limit, len(self.mismatches))}:")
            lines += [f"    {m.text()}" for m in self.mismatches[:limit]]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"schema": COMMAND_SCHEMAS["crossval"], "loss": self.loss,
                "target": self.target, "params": self.params,
                "ok": self.ok, "compared": self.compared, "seconds": round(self.seconds, 3),
                "rtol": self.rtol, "scalar_output": self.scalar_output,
                "worst": {k: m.to_dict() for k, m in self.worst.items()},
                "mismatches": [m.to_dict() for m in self.mismatches], "errors": self.errors}


def _logits(case: str, n: int, K: int, rng: np.random.Generator) -> np.ndarray:
    if case == "random":
        return rng.normal(0.0, 2.0, (n, K))
    if case == "near-tie":
        z = rng.normal(0.0, 1e-3, (n, K))
        z[: n // 2] = 0.0  # exact ties too
        return z
    # extreme: one class far ahead (the label in half of the rows), gaps of 10 to 30
    z = rng.normal(0.0, 1.0, (n, K))
    return z + np.where(np.arange(K)[None, :] == rng.integers(0, K, (n, 1)),
                        rng.uniform(10.0, 30.0, (n, 1)), 0.0)


def crossval(fn: Callable, loss: str | LossSpec, *, classes: Sequence[int] = (2, 10, 100),
             dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64), rows: int = 8,
             seed: int = 0, rtol: float | None = None, target: str = "",
             progress: Callable[[str], None] | None = None,
             **params: Any) -> CrossvalReport:
    """Compare ``fn(logits, labels)`` with the formula of ``loss`` (a registry name or a spec;
    ``params`` bind it). See the module docstring for the inputs and the tolerance.
    ``progress`` is called with one line as each class count K is done."""
    spec = get_loss(loss) if isinstance(loss, str) else loss
    spec = spec.bind(**params) if (params or not spec.is_bound) else spec
    from ..argtypes import MAX_CLASSES, check_numbers

    if not classes:
        raise InputError("classes must name at least one class count (e.g. (2, 10, 100))")
    for K in classes:
        if not isinstance(K, int) or isinstance(K, bool) or not 2 <= K <= MAX_CLASSES:
            raise InputError(f"classes must be integers >= 2 and <= {MAX_CLASSES}, got {K!r}")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise InputError(f"rows must be an integer >= 1, got {rows!r}")
    check_numbers(rows, classes, "rows")  # rows x K numbers per batch: no gigabyte batches
    tol = {str(dt).replace("torch.", ""): (rtol if rtol is not None else _RTOL[dt])
           for dt in (torch.float32, torch.float64)}
    rep = CrossvalReport(loss=spec.name, target=target or getattr(fn, "__name__", repr(fn)),
                         params={n: float(v) for n, v in spec.values}, rtol=tol)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    ev = as_evaluator(fn)
    worst_err: dict[str, float] = {}
    for K in classes:
        if progress:
            progress(f"K = {K} ... ({time.perf_counter() - t0:.1f} s so far)")
        for case in CASES:
            z64 = _logits(case, rows, K, rng)
            y = rng.integers(0, K, rows)
            if case == "extreme":  # the label is the dominant class in half of the rows
                y[: rows // 2] = np.argmax(z64[: rows // 2], axis=1)
            for dt in dtypes:
                dname = str(dt).replace("torch.", "")
                z_t = torch.tensor(z64, dtype=dt)
                z_exact = z_t.double().numpy()  # the rounded inputs, exactly: a fair reference
                v_ref, g_ref, s_ref = reference_loss_and_grad(spec, z_exact, y, return_scale=True)
                labels = torch.tensor(y, dtype=torch.int64)
                try:
                    got_v, got_g = ev.values_and_grad(z_t, labels)
                except UserCodeError:  # the user's code in its process: named, it stops us
                    raise
                except Exception as exc:  # a callable run here: report, never crash
                    rep.errors.append(f"{case}, K = {K}, {dname}: {type(exc).__name__}: {exc}")
                    continue
                if got_v.ndim == 0:
                    rep.scalar_output = True
                    v_ref, g_ref, s_ref = (np.array([v_ref.mean()]), g_ref / rows, s_ref / rows)
                    got_v = got_v.reshape(1)
                r_tol = tol[dname]
                checks = [("value", got_v, v_ref, np.maximum(np.abs(v_ref), _FLOOR))]
                checks.append(("grad", got_g, g_ref,
                               np.maximum(np.maximum(np.abs(g_ref), s_ref), _FLOOR)))
                for kind, got, ref, size in checks:
                    with np.errstate(invalid="ignore", over="ignore"):
                        err = np.abs(got - ref) / (r_tol * size)
                    err = np.where(np.isfinite(got) | ~np.isfinite(ref), err, np.inf)
                    err = np.where(np.isnan(err), np.where(got == ref, 0.0, np.inf), err)
                    rep.compared += err.size
                    idx = np.unravel_index(int(np.argmax(err)), err.shape)
                    e = float(err[idx])
                    row = int(idx[0])
                    what = kind if kind == "value" else f"grad[{int(idx[1])}]"

                    def mk(i, w=what, r=row, ee=e, got=got, ref=ref):
                        return Mismatch(case, K, dname, r, w, float(got[i]), float(ref[i]), ee,
                                        [float(x) for x in z_exact[min(r, rows - 1)]],
                                        int(y[min(r, rows - 1)]))

                    if e > worst_err.get(kind, -1.0):
                        worst_err[kind] = e
                        rep.worst[kind] = mk(idx)
                    for bad in np.argwhere(err > 1.0):
                        i = tuple(int(b) for b in bad)
                        w = kind if kind == "value" else f"grad[{i[1]}]"
                        rep.mismatches.append(mk(i, w, i[0], float(err[i])))
    rep.seconds = time.perf_counter() - t0
    return rep
