"""Parameter conditions: where in its parameter space a loss is asymmetric / noise tolerant.

:func:`parameter_region` lays a grid over one or two parameters (linear, or logarithmic when a
range spans more than a factor 20 and is positive) and asks the checker the same question in
every cell: with ``noise``, is every row's noisy minimiser still e_y (``check_loss(...,
checks=["noise"])``); without it, the asymmetry question of ``alfs check`` (symmetric weights just
below clean-labels dominance). Every cell carries the checker's verdict: PROVED (with its
certificate's method), REFUTED (with a counterexample) or UNDECIDED; the falsifier stands in
front of every PROVED as in ``alfs check``. The grid is a certified map of the region, not an
interpolation: between the cells nothing is claimed.

For a registered two-parameter family whose ratio has a closed form (AGCE, AUL, ...), the
figure also draws the boundary from the closed form (:func:`alfs_theory.plotting.data_phase`)
where one applies, so the two can be compared.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .spec import LossSpec

__all__ = ["ParameterRegion", "parameter_region", "parse_vary"]


@dataclass
class ParameterRegion:
    """The grid and each cell's verdict (``verdicts[j][i]`` at ``y[j]``, ``x[i]``)."""

    loss: str
    question: str
    K: int
    x_param: str
    x: list
    y_param: str | None
    y: list
    verdicts: list
    methods: list
    fixed: dict = field(default_factory=dict)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        flat = [v for row in self.verdicts for v in row]
        return {k: flat.count(k) for k in ("PROVED", "REFUTED", "UNDECIDED")}

    def to_text(self) -> str:
        c = self.counts()
        head = (f"{self.loss}: {self.question}, K = {self.K}"
                + (f" ({', '.join(f'{k}={v:g}' for k, v in self.fixed.items())} fixed)"
                   if self.fixed else "")
                + f"\n{c['PROVED']} cells PROVED, {c['REFUTED']} REFUTED, {c['UNDECIDED']} "
                  f"UNDECIDED ({self.seconds:.1f} s). P = proved, R = refuted, ? = undecided;"
                  " nothing is claimed between cells.")
        mark = {"PROVED": "P", "REFUTED": "R", "UNDECIDED": "?"}
        lines = [head, ""]
        xs = "  ".join(f"{v:>7.3g}" for v in self.x)
        if self.y_param is None:
            lines.append(f"{self.x_param:>9}  {xs}")
            lines.append(f"{'':>9}  " + "  ".join(f"{mark[v]:>7}" for v in self.verdicts[0]))
        else:
            corner = f"{self.y_param} / {self.x_param}"
            lines.append(f"{corner:>12}  {xs}")
            for yv, row in zip(reversed(self.y), reversed(self.verdicts)):
                lines.append(f"{yv:>12.4g}  " + "  ".join(f"{mark[v]:>7}" for v in row))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"schema": "alfs-region/1", "loss": self.loss, "question": self.question,
                "K": self.K, "x_param": self.x_param, "x": self.x, "y_param": self.y_param,
                "y": self.y, "verdicts": self.verdicts, "methods": self.methods,
                "fixed": self.fixed, "counts": self.counts(), "seconds": round(self.seconds, 3)}


def parse_vary(items: Sequence[str]) -> dict[str, tuple[float, float]]:
    """``["a=0.01:10", "q=0.05:3"]`` -> {"a": (0.01, 10.0), "q": (0.05, 3.0)}."""
    out: dict[str, tuple[float, float]] = {}
    for item in items or ():
        name, sep, rng = str(item).partition("=")
        lo, sep2, hi = rng.partition(":")
        try:
            if not sep or not sep2:
                raise ValueError
            a, b = float(lo), float(hi)
        except ValueError:
            raise InputError(f"--vary expects NAME=LOW:HIGH (e.g. --vary a=0.01:10), got "
                             f"{item!r}") from None
        if not (math.isfinite(a) and math.isfinite(b)) or a >= b:
            raise InputError(f"--vary {name}: need finite LOW < HIGH, got {lo}:{hi}")
        out[name.strip()] = (a, b)
    if not 1 <= len(out) <= 2:
        raise InputError(f"vary one or two parameters (--vary NAME=LOW:HIGH), got {len(out)}")
    return out


def _axis(lo: float, hi: float, n: int) -> np.ndarray:
    if lo > 0 and hi / lo > 20:
        return np.geomspace(lo, hi, n)
    return np.linspace(lo, hi, n)


def parameter_region(spec: LossSpec, vary: Mapping[str, tuple[float, float]], *,
                     n_classes: int = 10, noise: str | None = None, n: int = 8,
                     fixed: Mapping[str, float] | None = None, timeout: float = 20.0,
                     progress: bool = False) -> ParameterRegion:
    """The checker's verdict on a grid of ``n`` (per axis) values of the varied parameters."""
    from .checker import check_loss

    names = list(vary)
    unknown = [p for p in names if p not in spec.param_names]
    if unknown:
        raise InputError(f"loss {spec.name!r} has no parameter {unknown[0]!r}; its parameters: "
                         f"{', '.join(spec.param_names) or 'none'}")
    if not 2 <= n <= 40:
        raise InputError(f"--grid must be between 2 and 40 cells per axis, got {n}")
    fixed = dict(fixed or {})
    xs = _axis(*vary[names[0]], n)
    ys = _axis(*vary[names[1]], n) if len(names) == 2 else [None]
    # the grid must lie in the domains: say so before computing anything
    for pname, vals in ((names[0], xs), *(((names[1], ys),) if len(names) == 2 else ())):
        p = spec.param(pname)
        bad = [v for v in vals if not p.contains(v)]
        if bad:
            raise InputError(f"--vary {pname}: {bad[0]:g} is outside its domain "
                             f"{p.domain_text}; choose a range inside it")
    question = (f"noise {noise}: is e_y the noisy minimiser (every row)?" if noise else
                "asymmetric on symmetric weights just below clean-labels dominance?")
    verdicts, methods = [], []
    t0 = time.perf_counter()
    total, done = len(xs) * len(ys), 0
    for yv in ys:
        row_v, row_m = [], []
        for xv in xs:
            values = {**fixed, names[0]: float(xv)}
            if yv is not None:
                values[names[1]] = float(yv)
            b = spec.bind(**values)
            rep = check_loss(b, n_classes=n_classes, noise=noise,
                             checks=["noise"] if noise else ["asymmetric"], timeout=timeout)
            r = rep.results[-1]
            row_v.append(r.verdict.value)
            row_m.append(r.certificate.method if r.certificate else
                         ("counterexample" if r.counterexample else None))
            done += 1
        verdicts.append(row_v)
        methods.append(row_m)
        if progress:
            print(f"[alfs region] {done}/{total} cells", file=sys.stderr, flush=True)
    return ParameterRegion(spec.name, question, n_classes, names[0], [float(v) for v in xs],
                           names[1] if len(names) == 2 else None,
                           [float(v) for v in ys] if len(names) == 2 else [], verdicts,
                           methods, fixed, time.perf_counter() - t0)
