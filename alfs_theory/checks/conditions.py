"""Parameter conditions: where in its parameter space a loss is asymmetric / noise tolerant.

:func:`parameter_region` lays a grid over one or two parameters (linear, or logarithmic when a
range spans more than a factor 20 and is positive) and asks the checker the same question in
every cell: with ``noise``, is every row's noisy minimiser still e_y (``check_loss(...,
checks=["noise"])``); without it, the asymmetry question of ``alfs check`` (symmetric weights just
below clean-labels dominance). Every cell carries the checker's verdict: PROVED (with its
certificate's method), REFUTED (with a counterexample) or UNDECIDED; the falsifier stands in
front of every PROVED as in ``alfs check``. The grid is a certified map of the region, not an
interpolation: between the cells nothing is claimed.

Beside the grid, :func:`closed_form_condition` derives the region as an inequality in the
varied parameters where a rule yields one symbolically, for a pointwise ℓ (theory.md T4/T5):
with ρ = min over rows i of T[i,i] / max_{j≠i} T[i,j] (for symmetric noise at rate η,
ρ = (1 − η)(K − 1)/η), and ℓ proved decreasing with its curvature decided in the parameters,

* ℓ convex (ℓ″ ≥ 0): e_y is the minimiser of every row iff ρ · r(ℓ) ≥ 1 with
  r(ℓ) = ℓ′(1)/ℓ′(0) (the KKT margin at the vertex: sufficient always, necessary for convex ℓ);
* ℓ concave (ℓ″ ≤ 0; affine included): iff ρ > 1 and ℓ(0) > ℓ(1) (the risk is concave, its
  minimum is at a vertex, the best vertex has the unique largest weight);
* a family whose ℓ″ has the sign of one parameter factor c: the first where c > 0, the second
  where c ≤ 0.

The derived inequality is then evaluated in every grid cell and compared with the checker's
verdicts there: a PROVED cell outside it, or a REFUTED cell inside it, is reported as a
disagreement (an internal error to investigate), never smoothed over. Where no rule applies
(vector losses, curvature neither convex nor concave, slopes sympy cannot resolve) the answer
says why and the grid alone stands.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..progress import Progress
from ..schemas import COMMAND_SCHEMAS
from ..spec import LossSpec

__all__ = ["ClosedForm", "ParameterRegion", "closed_form_condition", "dominance_ratio",
           "parameter_region", "parse_vary"]


@dataclass
class ClosedForm:
    """The derived region: ``condition`` (a sympy boolean in the varied parameters), how it
    was derived, and its agreement with the grid (filled by :func:`parameter_region`)."""

    condition: object | None
    derivation: str
    rho: object | None = None
    solved: list = field(default_factory=list)  # boundary solved for a parameter, as text
    agree: int = 0
    disagree: list = field(default_factory=list)  # [(x, y, verdict, predicate)]
    undecided_filled: int = 0

    def to_dict(self) -> dict:
        import sympy as sp

        return {"condition": None if self.condition is None else sp.sstr(self.condition),
                "latex": None if self.condition is None else sp.latex(self.condition),
                "derivation": self.derivation,
                "rho": None if self.rho is None else sp.sstr(self.rho),
                "solved": self.solved, "agree": self.agree, "disagree": self.disagree,
                "undecided_cells_it_decides": self.undecided_filled}

    def predicate(self, params: Sequence):
        """The condition as a numpy function of ``params`` (sympy symbols, in axis order);
        None when there is no closed form. Built by sympy's printer from the derived tree."""
        import sympy as sp

        from ..symbols import numeric_modules

        if self.condition is None:
            return None
        return sp.lambdify(list(params), self.condition,
                           modules=numeric_modules(self.condition))

    def to_text(self) -> str:
        import sympy as sp

        if self.condition is None:
            return f"closed form: none ({self.derivation})"
        lines = [f"closed form (derived): {sp.sstr(self.condition)}",
                 f"  how: {self.derivation}"]
        lines += [f"  boundary: {t}" for t in self.solved]
        if self.disagree:
            lines.append(f"  INTERNAL ERROR: the closed form disagrees with the checker in "
                         f"{len(self.disagree)} cell(s), first at {self.disagree[0]}")
        else:
            lines.append(f"  agrees with every decided grid cell ({self.agree}); it also "
                         f"answers {self.undecided_filled} UNDECIDED cell(s), which stay "
                         "UNDECIDED in the grid")
        return "\n".join(lines)


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
    closed: ClosedForm | None = None
    noise: str | None = None  # the noise model asked (None: the asymmetry question)

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
        if self.closed is not None:
            lines += ["", self.closed.to_text()]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"schema": COMMAND_SCHEMAS["region"], "loss": self.loss,
                "check": "noise" if self.noise else "asymmetric", "noise": self.noise,
                "question": self.question,
                "K": self.K, "x_param": self.x_param, "x": self.x, "y_param": self.y_param,
                "y": self.y, "verdicts": self.verdicts, "methods": self.methods,
                "fixed": self.fixed, "counts": self.counts(), "seconds": round(self.seconds, 3),
                "closed_form": None if self.closed is None else self.closed.to_dict()}


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
        if name.strip() in out:
            raise InputError(f"--vary {name.strip()} is given twice ({out[name.strip()][0]:g}:"
                             f"{out[name.strip()][1]:g} and {lo}:{hi}): vary each parameter "
                             "once, with one range")
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
                     progress: bool = False, closed_form: bool = True) -> ParameterRegion:
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
    bar = Progress(len(xs) * len(ys), "[alfs region] cells", enabled=progress)
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
        verdicts.append(row_v)
        methods.append(row_m)
        bar.step(n=len(row_v))
    region = ParameterRegion(spec.name, question, n_classes, names[0],
                             [float(v) for v in xs], names[1] if len(names) == 2 else None,
                             [float(v) for v in ys] if len(names) == 2 else [], verdicts,
                             methods, fixed, time.perf_counter() - t0, noise=noise)
    if closed_form:
        try:
            region.closed = closed_form_condition(spec, names, n_classes=n_classes,
                                                  noise=noise, fixed=fixed)
        except (InputError, NotImplementedError, ValueError, TypeError) as exc:
            region.closed = ClosedForm(None, f"derivation failed: {exc}")
        if region.closed.condition is not None:
            _compare(region.closed, region, {p.name: p.symbol for p in spec.params})
        region.seconds = time.perf_counter() - t0
    return region


# ------------------------------------------------------------------ the closed form
def dominance_ratio(noise: str | None, n_classes: int):
    """ρ = min_i T[i,i] / max_{j≠i} T[i,j], exact (a sympy number). Without noise: the
    weights of the grid's asymmetry question (symmetric, η just below dominance)."""
    import sympy as sp

    K = int(n_classes)
    if noise is None:
        eta = sp.Rational(str(round(0.95 * (K - 1) / K, 6)))
        return (1 - eta) * (K - 1) / eta
    kind, sep, rest = str(noise).strip().lower().partition(":")
    if sep and kind in ("symmetric", "sym"):
        eta = sp.Rational(rest.strip())
        return sp.oo if eta == 0 else (1 - eta) * (K - 1) / eta
    from ..noise import noise_rows

    best = None
    for c in noise_rows(noise, K).classes:  # one row per class of rows equal up to permutation
        off = c.largest_other
        r = sp.oo if off == 0 else sp.Rational(repr(c.diagonal)) / sp.Rational(repr(off))
        best = r if best is None else sp.Min(best, r)
    return best


def _partial(spec: LossSpec, names: Sequence[str], fixed: Mapping[str, float],
             n_classes: int) -> LossSpec:
    """The spec with every parameter but ``names`` substituted (fixed, else bound, else its
    default) and K set: a family in the varied parameters only."""
    from dataclasses import replace

    import sympy as sp

    from ..spec import to_exact

    env = {}
    bound = spec.value_dict
    for p in spec.params:
        if p.name in names:
            continue
        v = fixed.get(p.name, bound.get(p.name, p.default))
        if v is None:
            raise InputError(f"parameter {p.name!r} needs a value (--param {p.name}=...)")
        env[p.symbol] = to_exact(v)
    from ..symbols import K as KSYM

    env[KSYM] = sp.Integer(int(n_classes))
    keep = tuple(p for p in spec.params if p.name in names)
    return replace(spec, expr=spec.expr.subs(env), params=keep, values=(), _cache={})


def closed_form_condition(spec: LossSpec, names: Sequence[str], *, n_classes: int = 10,
                          noise: str | None = None,
                          fixed: Mapping[str, float] | None = None) -> ClosedForm:
    """The region of the varied parameters where e_y is every row's noisy minimiser, as a
    symbolic inequality (see the module docstring), or the reason there is none."""
    import sympy as sp

    from .engine import curvature, decide
    from .properties.shape import derivatives, end_slope, end_value
    from .verdict import Verdict

    if not spec.is_pointwise:
        return ClosedForm(None, "a vector loss: the endpoint rules are for pointwise l(u_y)")
    part = _partial(spec, names, dict(fixed or {}), n_classes)
    rho = dominance_ratio(noise, n_classes)
    if rho is sp.oo:
        return ClosedForm(sp.true, "clean labels: e_y minimises a decreasing loss's risk "
                          "whenever l(0) > l(1)", rho)
    dec = decide("decreasing", part, n_classes)
    if dec.verdict is not Verdict.PROVED:
        return ClosedForm(None, "l is not proved decreasing for every value of the varied "
                          "parameters", rho)
    ell, d1, _ = derivatives(part)
    g0, g1 = end_slope(ell, 0), end_slope(ell, 1)
    l0, l1 = end_value(ell, 0), end_value(ell, 1)
    if None in (g0, g1, l0, l1):
        return ClosedForm(None, "the end-point values or slopes depend on the parameters in "
                          "a way sympy cannot resolve", rho)
    shape = curvature(part, n_classes)
    domain = sp.And(*[p.domain for p in part.params])

    def ratio_cvx():
        if g0.has(sp.oo, -sp.oo, sp.zoo) and not g1.has(sp.oo, -sp.oo, sp.zoo):
            return sp.Integer(0)
        return sp.simplify(sp.powsimp(g1 / g0, force=True))

    conc = sp.And(sp.Gt(rho, 1), sp.Gt(sp.simplify(l0 - l1), 0))
    if shape.kind == "convex":
        r = ratio_cvx()
        # at rho*r = 1 only a strictly convex l keeps e_y the unique minimiser
        cond = sp.Ge(rho * r, 1) if shape.strict else sp.Gt(rho * r, 1)
        how = (f"l {'strictly ' if shape.strict else ''}convex (proved): e_y is the minimiser "
               f"iff rho*r {'>=' if shape.strict else '>'} 1, r = l'(1)/l'(0) = {sp.sstr(r)}"
               + ("" if shape.strict else " (equality excluded: not proved strictly convex)"))
    elif shape.kind in ("concave", "linear"):
        cond, how = conc, (f"l {shape.kind} (proved): the risk's minimum is at a vertex, e_y "
                           "iff rho > 1 and l(0) > l(1)")
    elif shape.case_factor is not None:
        c, r = shape.case_factor, ratio_cvx()
        cond = sp.Or(sp.And(sp.Gt(c, 0), sp.Ge(rho * r, 1)), sp.And(sp.Le(c, 0), conc))
        how = (f"l'' has the sign of {sp.sstr(c)}: convex where {sp.sstr(c)} > 0 (e_y iff "
               f"rho*r >= 1, r = l'(1)/l'(0) = {sp.sstr(r)}), concave or affine where "
               f"{sp.sstr(c)} <= 0 (e_y iff rho > 1 and l(0) > l(1))")
    else:
        return ClosedForm(None, f"curvature {shape.kind}: neither endpoint rule applies", rho)
    cond = sp.And(cond, domain)
    if sp.count_ops(cond) < 200:
        try:
            cond = sp.simplify(cond)
        except (TypeError, ValueError, NotImplementedError):
            pass  # sympy's simplifier stumbled (e.g. a NaN comparison): keep it as derived
    how += f"; rho = {sp.sstr(rho)} ({'no noise: the asymmetry question' if noise is None else noise})"
    return ClosedForm(cond, how, rho, _solve_boundary(cond, part))


def _solve_boundary(cond, part: LossSpec) -> list[str]:
    """Boundaries ``rho*r = 1`` solved for one parameter, where sympy can."""
    import sympy as sp

    out = []
    for rel in cond.atoms(sp.Ge):
        eq = rel.lhs - rel.rhs
        for p in part.params:
            if p.symbol not in eq.free_symbols:
                continue
            try:
                sols = sp.solve(sp.expand_log(sp.log(rel.lhs) - sp.log(rel.rhs), force=True),
                                p.symbol)
            except (NotImplementedError, ValueError, TypeError):
                continue
            for s_ in sols[:2]:
                s_ = sp.expand_log(sp.simplify(s_), force=True)
                text = f"{p.name} = {sp.sstr(s_)}"
                if text not in out:
                    out.append(text)
    return out


def _compare(closed: ClosedForm, region: "ParameterRegion", part_symbols: dict) -> None:
    """Evaluate the closed form in every cell and compare with the verdicts there."""
    import sympy as sp

    xs = region.x
    ys = region.y if region.y_param else [None]
    for j, yv in enumerate(ys):
        for i, xv in enumerate(xs):
            # 50-digit floats: exact rationals would make sympy expand powers like
            # (a + 1)**(q - 1) exactly, which takes minutes
            env = {part_symbols[region.x_param]: sp.Float(repr(float(xv)), 50)}
            if yv is not None:
                env[part_symbols[region.y_param]] = sp.Float(repr(float(yv)), 50)
            try:
                val = closed.condition.subs(env)
            except (TypeError, ValueError, NotImplementedError):
                continue
            if val not in (sp.true, sp.false):
                continue  # not decidable here: leave the cell to the grid
            truth = bool(val)
            v = region.verdicts[j][i]
            if v == "UNDECIDED":
                closed.undecided_filled += 1
            elif (v == "PROVED") == truth:
                closed.agree += 1
            else:
                closed.disagree.append((float(xv), None if yv is None else float(yv), v, truth))
