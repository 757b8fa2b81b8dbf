"""The data behind the figures (``data_*``) and the drawing of one panel (``plot_*``).

Two kinds of functions, kept apart:

* ``data_*`` functions compute: numpy and sympy only, through the checker (the registry, the
  asymmetry ratio's closed forms, the symmetric-noise threshold, the population minimiser of
  ``alfs_theory.population``) or by reading run records. They return plain dicts of numpy
  arrays and numbers, which the tests check. They never import matplotlib.
* ``plot_*(ax, data, ...)`` functions draw one panel on a matplotlib ``Axes`` from such a dict
  and compute no theory. matplotlib is imported only inside them (the caller makes the
  figure; :mod:`figures` uses the Agg canvas).

The closed forms used here (theory.md, "Closed-form ratios" and T5): under symmetric noise of
rate η with K classes, a pointwise loss with asymmetry ratio r is asymmetric for
η ≤ r(K − 1) / (1 + r(K − 1)) when ℓ is convex (exact threshold), and for every
clean-labels-dominant η < (K − 1)/K when ℓ is concave.

Example
-------
>>> import numpy as np
>>> from alfs_theory.plotting import ratio_function, eta_max_from_ratio
>>> r = ratio_function("agce")(a=1.0, q=np.array([0.5, 1.0, 2.0]))
>>> np.round(r, 4).tolist()
[0.7071, 1.0, 0.5]
>>> float(eta_max_from_ratio(0.5, 10, convex=True))   # 4.5 / 5.5
0.8181818181818182
"""

from __future__ import annotations

import csv
import functools
import json
import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from .errors import SpecError
from .registry import get_loss
from .symbols import NUMERIC_MODULES, U

__all__ = [
    "LOSS_COLORS",
    "convex_mask",
    "data_accuracy_vs_noise",
    "data_loss_card",
    "data_loss_curves",
    "data_phase",
    "data_population",
    "data_ratio_curves",
    "data_ratio_vs_accuracy",
    "data_thresholds",
    "data_training_curves",
    "display_label",
    "eta_max_from_ratio",
    "find_run_dirs",
    "plot_accuracy_vs_noise",
    "plot_eta_max_map",
    "plot_loss_card",
    "plot_loss_curves",
    "plot_phase_regions",
    "plot_population",
    "plot_ratio_curves",
    "plot_ratio_vs_accuracy",
    "plot_ratio_vs_eta_max",
    "plot_region",
    "plot_thresholds",
    "plot_training_curves",
    "predicted_eta_max",
    "ratio_closed_form",
    "ratio_function",
    "ratio_value",
    "read_sweep_rows",
    "run_label",
    "threshold_for",
]

#: One colour per loss family (Okabe-Ito, colour-blind safe); shades tell parameters apart.
LOSS_COLORS: dict[str, str] = {
    "agce": "#0072B2",
    "aul": "#009E73",
    "ael": "#D55E00",
    "ce": "#000000",
    "mae": "#7F7F7F",
    "gce": "#CC79A7",
    "sce": "#E69F00",
    "rce": "#56B4E9",
    "fl": "#999933",
}
_CYCLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
          "#999933", "#882255", "#7F7F7F")


# ---------------------------------------------------------------------------------- labels
def _num(x: Any) -> str:
    return f"{float(x):g}"


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")


def _params_dict(params) -> dict:
    """A row's params as a dict (sweep rows may hold them as JSON text)."""
    if isinstance(params, Mapping):
        return dict(params)
    if isinstance(params, str) and params.strip():
        try:
            v = json.loads(params)
        except ValueError:
            return {}
        return dict(v) if isinstance(v, Mapping) else {}
    return {}


def display_label(name: str, params: Mapping[str, Any] | None = None) -> str:
    """``("agce", {"a": 1, "q": 2})`` -> ``"AGCE (a=1, q=2)"``."""
    head = name.upper()
    if not params:
        return head
    return head + " (" + ", ".join(f"{k}={_num(v)}" for k, v in params.items()) + ")"


def run_label(name: str, params: Mapping[str, Any] | None = None) -> str:
    """The sweep's folder label: ``("agce", {"a": 1, "q": 2})`` -> ``"agce_a=1_q=2"``."""
    if not params:
        return name
    return name + "_" + "_".join(f"{k}={_num(v)}" for k, v in sorted(params.items()))


def _shade(hex_color: str, i: int, n: int) -> str:
    """The i-th of n shades of a colour: from darker (i = 0) to lighter (i = n - 1)."""
    h = hex_color.lstrip("#")
    rgb = [int(h[k:k + 2], 16) / 255 for k in (0, 2, 4)]
    t = 0.0 if n <= 1 else -0.35 + 0.85 * i / (n - 1)  # <0 darkens, >0 lightens
    mixed = [c * (1 + t) if t < 0 else c + (1 - c) * t for c in rgb]
    return "#" + "".join(f"{round(255 * min(max(c, 0.0), 1.0)):02x}" for c in mixed)


def _family_colors(items: Sequence[tuple[str, Mapping]]) -> list[str]:
    """A colour per (loss, params): the family's colour, shaded by its rank in the family."""
    counts: dict[str, int] = defaultdict(int)
    for name, _ in items:
        counts[name] += 1
    seen: dict[str, int] = defaultdict(int)
    out = []
    for k, (name, _) in enumerate(items):
        base = LOSS_COLORS.get(name, _CYCLE[k % len(_CYCLE)])
        out.append(_shade(base, seen[name], counts[name]))
        seen[name] += 1
    return out


# ---------------------------------------------------------------------------------- theory
@functools.cache
def _family_ratio(name: str) -> tuple[sp.Expr | None, tuple[str, ...], Callable | None]:
    """(closed form of r for the family, its argument names, numpy function) or Nones."""
    from .checks.engine import decide
    from .checks.verdict import Verdict

    spec = get_loss(name)
    if not spec.is_pointwise:
        return None, (), None
    res = decide("ratio", spec, 2, bounds=False)
    value = res.value
    if res.verdict is not Verdict.PROVED or not isinstance(value, sp.Basic):
        return None, (), None
    names = spec.param_names
    f = sp.lambdify([spec.param(n).symbol for n in names], value, NUMERIC_MODULES)
    return value, names, f


def ratio_closed_form(name: str) -> sp.Expr | None:
    """The checker's closed form r(ℓ) of a registered family (free in its parameters), or
    None where the checker derives none (e.g. GCE with q free, vector losses)."""
    return _family_ratio(get_loss(name).name)[0]


def _call(f: Callable, names: Sequence[str], params: Mapping[str, Any], loss: str) -> np.ndarray:
    missing = [n for n in names if n not in params]
    if missing:
        defaults = get_loss(loss).defaults()
        params = {**{n: defaults[n] for n in missing}, **params}
    args = [np.asarray(params[n], dtype=float) for n in names]
    shape = np.broadcast_shapes(*(a.shape for a in args)) if args else ()
    with np.errstate(all="ignore"):
        out = np.asarray(f(*args), dtype=float)
    return np.broadcast_to(out, shape).copy() if out.shape != shape else out


def ratio_function(name: str) -> Callable[..., np.ndarray]:
    """r(ℓ) of a family as a numpy function of its parameters (keyword arrays broadcast;
    missing parameters take their defaults), lambdified from the checker's closed form
    ``engine.decide("ratio", get_loss(name), 2, bounds=False).value``.

    Raises SpecError when the checker has no closed form for the family.
    """
    return _ratio_function(get_loss(name).name)


@functools.cache
def _ratio_function(key: str) -> Callable[..., np.ndarray]:
    expr, names, f = _family_ratio(key)
    if f is None:
        raise SpecError(f"loss {key!r}: the checker derives no closed-form asymmetry ratio "
                        "for the family; use ratio_value(name, params) for one bound loss")

    def r(**params: Any) -> np.ndarray:
        return _call(f, names, params, key)

    r.__doc__ = f"r(ℓ) of {key}: {sp.sstr(expr)}"
    return r


@functools.cache
def _curvature(name: str) -> tuple[str, tuple[str, ...], Callable | None]:
    """(kind, parameter names, numpy function of the case factor c: convex where c >= 0)."""
    from .checks.engine import curvature

    spec = get_loss(name)
    shape = curvature(spec)
    if shape.kind in ("convex", "concave", "linear"):
        return shape.kind, (), None
    if shape.case_factor is not None:
        names = spec.param_names
        f = sp.lambdify([spec.param(n).symbol for n in names], shape.case_factor, NUMERIC_MODULES)
        return "case", names, f
    return "unknown", (), None


def convex_mask(name: str, **params: Any) -> np.ndarray | None:
    """True where ℓ is convex (or affine), False where concave, from the checker's curvature
    proof (:func:`alfs_theory.checks.properties.shape.check_shape`); None when it proves neither."""
    key = get_loss(name).name
    kind, names, f = _curvature(key)
    shape = np.broadcast_shapes(*(np.shape(v) for v in params.values())) if params else ()
    if kind in ("convex", "linear"):
        return np.ones(shape, dtype=bool)
    if kind == "concave":
        return np.zeros(shape, dtype=bool)
    if f is None:
        return None
    return _call(f, names, params, key) >= 0


def eta_max_from_ratio(r: Any, K: int, convex: Any) -> np.ndarray:
    """Largest symmetric noise rate tolerated (theory.md T5), from r(ℓ) and the curvature.

    convex ℓ: η_max = r(K − 1) / (1 + r(K − 1)) (exact); concave ℓ: (K − 1)/K (every
    clean-labels-dominant rate).
    """
    r = np.asarray(r, dtype=float)
    with np.errstate(all="ignore"):
        cvx = np.minimum(r * (K - 1) / (1 + r * (K - 1)), (K - 1) / K)
    return np.where(np.asarray(convex, dtype=bool), cvx, (K - 1) / K)


def predicted_eta_max(name: str, K: int, **params: Any) -> np.ndarray:
    """η_max over arrays of parameters of a family, from the checker's closed forms."""
    convex = convex_mask(name, **params)
    if convex is None:
        raise SpecError(f"loss {name!r}: the checker proves neither convexity nor concavity, "
                        "so η_max has no closed form from r")
    return eta_max_from_ratio(ratio_function(name)(**params), K, convex)


def _bound(name: str, params: Mapping[str, Any]):
    return get_loss(name).bind(**dict(params))


@functools.cache
def _ratio_value_cached(name: str, items: tuple) -> float | None:
    params = dict(items)
    _, names, f = _family_ratio(name)
    if f is not None:
        return float(_call(f, names, params, name))
    from .checks.engine import decide
    from .checks.verdict import Verdict

    spec = _bound(name, params)
    if not spec.is_pointwise:
        return None
    res = decide("ratio", spec, 2, bounds=False)
    if res.verdict is Verdict.PROVED and isinstance(res.value, (sp.Basic, float, int)):
        try:
            return float(res.value)
        except TypeError:
            return None
    return None


def ratio_value(name: str, params: Mapping[str, Any] | None = None) -> float | None:
    """r(ℓ) of one bound loss (closed form of the family, else the checker on the bound
    spec); None for vector losses and where the checker finds no value."""
    spec = _bound(name, params or {})
    return _ratio_value_cached(spec.name, tuple(sorted(spec.value_dict.items())))


def _convex_value(name: str, params: Mapping[str, Any]) -> bool | None:
    spec = _bound(name, params)
    if not spec.is_pointwise:
        return None
    m = convex_mask(spec.name, **spec.value_dict)
    return None if m is None else bool(m)


@functools.cache
def _threshold_cached(name: str, items: tuple, K: int) -> dict:
    from .checks.engine import decide

    res = decide("threshold", _bound(name, dict(items)).at_classes(K), K)
    v = res.value or {}
    exact = v.get("exact")
    return {"eta_max": v.get("eta_max"), "exact": None if exact is None else sp.sstr(exact),
            "inclusive": v.get("inclusive"), "verdict": res.verdict.value,
            "summary": res.summary, "lo": v.get("lo"), "hi": v.get("hi"),
            "method": res.certificate.method if res.certificate else None}


def threshold_for(name: str, params: Mapping[str, Any] | None, K: int) -> dict:
    """The checker's symmetric-noise threshold (``symmetric_noise_threshold``) as a dict:
    eta_max (float or None), exact (text), inclusive, verdict, summary."""
    spec = _bound(name, params or {})
    return dict(_threshold_cached(spec.name, tuple(sorted(spec.value_dict.items())), K))


# ---------------------------------------------------------------------------------- data
def data_loss_curves(settings: Iterable[tuple[str, Mapping[str, Any]]], *, n: int = 400,
                     u_min: float = 1e-3) -> dict:
    """ℓ(u) and ℓ′(u) on u ∈ [u_min, 1] for each (loss, params) (pointwise losses).

    ℓ′ is the sympy derivative of the spec's pointwise expression, lambdified.
    """
    u = np.linspace(u_min, 1.0, n)
    settings = [(name, dict(p)) for name, p in settings]
    colors = _family_colors(settings)
    curves = []
    for (name, params), color in zip(settings, colors):
        spec = _bound(name, params)
        e = spec.pointwise_expr()
        fe = sp.lambdify(U, e, NUMERIC_MODULES)
        fd = sp.lambdify(U, sp.diff(e, U), NUMERIC_MODULES)
        with np.errstate(all="ignore"):
            ell = np.broadcast_to(np.asarray(fe(u), dtype=float), u.shape).copy()
            dell = np.broadcast_to(np.asarray(fd(u), dtype=float), u.shape).copy()
        curves.append({"loss": spec.name, "params": dict(spec.value_dict),
                       "label": display_label(spec.name, spec.value_dict),
                       "family": spec.name, "color": color, "ell": ell, "dell": dell,
                       "expr": sp.sstr(e)})
    return {"u": u, "curves": curves}


def data_ratio_curves(name: str, x_param: str, x: Sequence[float],
                      fixed: Mapping[str, Sequence[float]] | None = None) -> dict:
    """r(ℓ) of a family against one parameter, one series per value of another.

    ``fixed`` maps one other parameter to its values (one series each); without it a single
    series. Values come from :func:`ratio_function` (the checker's closed form).
    """
    key = get_loss(name).name
    x = np.asarray(x, dtype=float)
    f = ratio_function(key)
    series = []
    if fixed:
        (other, values), = fixed.items()
        for v in values:
            params = {x_param: x, other: float(v)}
            series.append({"label": f"{other} = {_num(v)}", "params": {other: float(v)},
                           "r": f(**params), "convex": convex_mask(key, **params)})
    else:
        series.append({"label": key.upper(), "params": {}, "r": f(**{x_param: x}),
                       "convex": convex_mask(key, **{x_param: x})})
    colors = [_shade(LOSS_COLORS.get(key, _CYCLE[0]), i, len(series))
              for i in range(len(series))]
    for s, c in zip(series, colors):
        s["color"] = c
    expr = ratio_closed_form(key)
    return {"loss": key, "x_param": x_param, "x": x, "series": series,
            "closed_form": sp.sstr(expr), "latex": sp.latex(expr)}


def _refine(h: Callable[[float], float], lo: float, hi: float) -> float:
    from scipy.optimize import brentq

    return float(brentq(h, lo, hi, xtol=1e-13, rtol=1e-12))


def data_phase(name: str, *, K: int = 10, etas: Sequence[float] = (0.6, 0.8),
               x: Sequence[float], y: Sequence[float], x_param: str = "a",
               y_param: str = "q") -> dict:
    """The (x, y) parameter plane of a two-parameter family under symmetric noise.

    * ``r``: r(ℓ) on the grid (checker's closed form); ``convex``: the checker's curvature;
    * ``eta_max``: largest tolerated η, :func:`eta_max_from_ratio`;
    * ``tolerant[i]``: where the loss is asymmetric at ``etas[i]`` (η ≤ η_max for convex ℓ,
      η < (K − 1)/K for concave ℓ);
    * ``boundary[i]``: points (x, y) on the boundary, where η_max(x, y) = etas[i], found on
      each x by brentq along y; ``r_star[i]`` = η / ((1 − η)(K − 1)), the ratio needed there.
    Grids have shape (len(y), len(x)).
    """
    key = get_loss(name).name
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    X, Y = np.meshgrid(x, y)
    params = {x_param: X, y_param: Y}
    r = ratio_function(key)(**params)
    convex = convex_mask(key, **params)
    eta_max = eta_max_from_ratio(r, K, convex)
    cap = (K - 1) / K
    tolerant, boundary, r_star = [], [], []
    # boundary: sign changes of eta_max - eta along y on a fine grid, refined by brentq
    y_fine = np.linspace(y.min(), y.max(), max(4 * len(y), 200))
    XF, YF = np.meshgrid(x, y_fine)
    fine = predicted_eta_max(key, K, **{x_param: XF, y_param: YF})
    for eta in etas:
        tolerant.append(np.where(convex, eta <= eta_max, eta < cap))
        r_star.append(eta / ((1 - eta) * (K - 1)))
        g = fine - eta
        bx, by = [], []
        for i, xv in enumerate(x):
            col = g[:, i]

            def h(yv: float, xv: float = float(xv), eta: float = float(eta)) -> float:
                return float(predicted_eta_max(key, K, **{x_param: xv, y_param: yv})) - eta

            for j in np.flatnonzero(np.isfinite(col[:-1]) & np.isfinite(col[1:])
                                    & (col[:-1] * col[1:] < 0)):
                bx.append(float(xv))
                by.append(_refine(h, float(y_fine[j]), float(y_fine[j + 1])))
        boundary.append((np.array(bx), np.array(by)))
    return {"loss": key, "K": K, "etas": tuple(float(e) for e in etas), "x_param": x_param,
            "y_param": y_param, "x": x, "y": y, "r": r, "convex": convex, "eta_max": eta_max,
            "tolerant": tolerant, "boundary": boundary, "r_star": r_star,
            "closed_form": sp.sstr(ratio_closed_form(key))}


def data_population(settings: Iterable[tuple[str, Mapping[str, Any]]], *, K: int = 10,
                    etas: Sequence[float], seed: int = 0) -> dict:
    """The noisy population minimiser's u_y against the symmetric noise rate η.

    For each (loss, params): u* = argmin_u Σ_k T[y, k] L(u, k) found numerically by
    ``alfs_theory.population.numeric_minimiser`` (seeded), and the checker's predicted
    threshold ``symmetric_noise_threshold``. Clean class y = 0.
    """
    from .population import noise_row, numeric_minimiser

    etas = np.asarray(etas, dtype=float)
    settings = [(n, dict(p)) for n, p in settings]
    colors = _family_colors(settings)
    out = []
    for (name, params), color in zip(settings, colors):
        spec = _bound(name, params)
        uy, argmax = [], []
        for eta in etas:
            u, _ = numeric_minimiser(spec, noise_row("symmetric", K, float(eta)), seed=seed)
            uy.append(float(u[0]))
            argmax.append(int(np.argmax(u)))
        out.append({"loss": spec.name, "params": dict(spec.value_dict),
                    "label": display_label(spec.name, spec.value_dict), "color": color,
                    "u_y": np.array(uy), "argmax": np.array(argmax),
                    "threshold": threshold_for(spec.name, spec.value_dict, K),
                    "convex": _convex_value(spec.name, spec.value_dict)})
    return {"K": K, "etas": etas, "cap": (K - 1) / K, "seed": seed, "series": out}


def data_loss_card(spec, *, K: int = 10, Ks: Sequence[int] = tuple(range(2, 21)),
                   etas: Sequence[float] | None = None, n: int = 300, seed: int = 0,
                   timeout: float = 20.0) -> dict:
    """The figures that apply to one loss, registered or typed (a bound spec):

    * ``u``, ``ell``, ``dell``: ℓ(u) and ℓ′(u) on [1e-3, 1] (a vector loss: L along the path
      u_k = (1 − u)/(K − 1) for k ≠ y, at ``K``);
    * ``ratio``: the checker's r(ℓ) (verdict, bounds) for a pointwise loss;
    * ``thresholds``: the checker's symmetric-noise threshold at each K of ``Ks``
      (eta_max when proved, else certified lo/hi), with the cap (K − 1)/K;
    * ``population``: the noisy population minimiser's u_y against η at ``K``.

    Each verdict is the checker's (the rule engine and its gate), with a budget of
    ``timeout`` CPU seconds per check.
    """
    from .checks.checker import admit
    from .checks.engine import decide
    from .population import noise_row, numeric_minimiser

    spec = admit(spec, K, timeout=timeout)  # the spec gate: real and finite, no pole
    spec = spec if spec.is_bound else spec.bind()
    u = np.linspace(1e-3, 1.0, n)
    if spec.is_pointwise:
        e = spec.pointwise_expr(K)
    else:
        expr, us = spec.vector_expr(K, 0)
        e = expr.subs({uk: (1 - U) / (K - 1) for uk in us[1:]}).subs(us[0], U)
    with np.errstate(all="ignore"):
        ell = np.broadcast_to(np.asarray(sp.lambdify(U, e, NUMERIC_MODULES)(u), dtype=float),
                              u.shape).copy()
        dell = np.broadcast_to(np.asarray(sp.lambdify(U, sp.diff(e, U), NUMERIC_MODULES)(u),
                                          dtype=float), u.shape).copy()
    bK = spec.at_classes(K)  # K substituted (NMAE, typed losses with K), once for both uses
    ratio = None
    if spec.is_pointwise:
        r = decide("ratio", bK, K, budget=timeout)
        lo = hi = None
        if r.verdict.value == "PROVED" and r.estimate is not None:  # certified bounds
            lo, hi = (float(x) for x in r.estimate)
        ratio = {"verdict": r.verdict.value, "summary": r.summary, "lo": lo, "hi": hi,
                 "exact": None if r.value is None else sp.sstr(r.value)}
    rows = []
    for k in Ks:
        res = decide("threshold", spec.at_classes(int(k)), int(k), budget=timeout)
        val = res.value if isinstance(res.value, dict) else {}
        rows.append({"K": int(k), "verdict": res.verdict.value, "eta_max": val.get("eta_max"),
                     "lo": val.get("lo"), "hi": val.get("hi"), "cap": (k - 1) / k})
    etas = np.linspace(0.0, 0.95, 20) if etas is None else np.asarray(etas, dtype=float)
    uy = []
    for eta in etas:
        uu, _ = numeric_minimiser(bK, noise_row("symmetric", K, float(eta)), seed=seed)
        uy.append(float(uu[0]))
    return {"loss": spec.name, "label": display_label(spec.name, spec.value_dict),
            "formula": spec.formula_text(), "latex": spec.formula_latex(),
            "vector": bool(spec.sums), "K": K, "u": u, "ell": ell, "dell": dell,
            "ratio": ratio, "thresholds": rows, "etas": etas, "u_y": np.array(uy),
            "cap": (K - 1) / K}


def plot_loss_card(axes, data: dict) -> None:
    """Four panels on ``axes`` (a sequence of 4): ℓ, ℓ′, threshold against K, u*_y against η."""
    a0, a1, a2, a3 = axes
    a0.plot(data["u"], data["ell"], color="#2b6cb0")
    a0.set_xlabel("u (probability of the labelled class)")
    a0.set_ylabel(r"$\ell(u)$")
    a0.set_title(r"$\ell(u)$", fontsize="medium")
    a1.plot(data["u"], data["dell"], color="#c05621")
    a1.axhline(0, color="k", lw=0.6)
    a1.set_xlabel("u")
    a1.set_ylabel(r"$\ell'(u)$")
    r = data.get("ratio")
    rt = ""
    if r is not None:
        lo, hi = r.get("lo"), r.get("hi")
        if r.get("exact") is not None:
            rt = f"; r(ℓ) = {r['exact']}"
        elif lo is not None and hi is not None:
            rt = f"; r(ℓ) in [{lo:.4g}, {hi:.4g}]"
        else:
            rt = f"; r(ℓ): {r['verdict']}"
    a1.set_title(r"$\ell'(u)$" + rt, fontsize="medium")
    ks = [t["K"] for t in data["thresholds"]]
    proved = [(t["K"], t["eta_max"]) for t in data["thresholds"]
              if t["verdict"] == "PROVED" and t["eta_max"] is not None]
    bounds = [(t["K"], t["lo"], t["hi"]) for t in data["thresholds"]
              if not (t["verdict"] == "PROVED" and t["eta_max"] is not None)
              and t["lo"] is not None]
    a2.plot(ks, [t["cap"] for t in data["thresholds"]], "k:", lw=1.4, label="(K−1)/K (cap)",
            zorder=3)
    if proved:
        a2.plot(*zip(*proved), "o-", color="#2b6cb0", ms=3, label="η_max (proved)")
    if bounds:
        kk, lo, hi = zip(*bounds)
        a2.errorbar(kk, lo, yerr=[[0] * len(lo), [(h if h is not None else c) - v for h, v, c in
                                                  zip(hi, lo, [(k - 1) / k for k in kk])]],
                    fmt="s", color="#90cdf4", ms=3, label="certified lower bound (bar: to upper)")
    a2.set_xlabel("number of classes K")
    a2.set_ylabel("largest tolerated symmetric η")
    a2.set_ylim(0, 1.02)
    from matplotlib.ticker import MaxNLocator

    a2.xaxis.set_major_locator(MaxNLocator(integer=True))  # K is a count
    a2.legend(loc="lower right")
    a3.plot(data["etas"], data["u_y"], "o-", ms=3, color="#2f855a")
    at_k = [t for t in data["thresholds"] if t["K"] == data["K"]]
    if at_k and at_k[0]["verdict"] == "PROVED" and at_k[0]["eta_max"] is not None:
        a3.axvline(at_k[0]["eta_max"], color="#2b6cb0", ls=":", lw=1.2,
                   label=f"proved η_max = {at_k[0]['eta_max']:.3g}")
        a3.legend(loc="lower left")
    a3.axvspan(data["cap"], 1.0, color="#BBBBBB", alpha=0.35, linewidth=0)
    a3.set_xlabel(f"symmetric noise rate η (K = {data['K']})")
    a3.set_ylabel(r"$u^*_y$ of the noisy minimiser")
    a3.set_ylim(-0.03, 1.05)


# ---------------------------------------------------------------------------------- runs
def data_thresholds(names: Iterable[str] | None = None, *, K: int = 10) -> dict:
    """The checker's symmetric-noise threshold for each loss at its default parameters:
    {"K", "cap", "rows": [{"name", "label", "verdict", "eta_max", "inclusive", "lo", "hi",
    "method"}]}, sorted by the tolerated rate (exact value, else the certified lower bound)."""
    from .registry import get_loss, list_losses

    rows = []
    for name in names if names is not None else list_losses():
        spec = get_loss(name).bind()
        th = threshold_for(name, spec.value_dict, K)
        rows.append({"name": name, "label": display_label(name, spec.value_dict), **th})

    def key(r):
        v = r["eta_max"] if r["eta_max"] is not None else (r["lo"] or 0.0)
        return (v, r["name"])

    rows.sort(key=key)
    return {"K": K, "cap": (K - 1) / K, "rows": rows}


def find_run_dirs(root: str | Path) -> list[Path]:
    """Run folders (holding a complete ``record.json``) at or under ``root``, sorted; corrupt
    or unfinished records are left out (:func:`alfs_theory.experiments.records.record_is_complete`)."""
    from .experiments.records import record_is_complete

    root = Path(root)
    if not root.exists():
        return []
    return [p.parent for p in sorted(root.rglob("record.json")) if record_is_complete(p.parent)]


def _load(run_dir: Path) -> tuple[dict, list[dict]]:
    """A run's record and metrics; RecordError names the file and what is wrong."""
    from .experiments.records import load_record, read_metrics

    return load_record(run_dir, complete=True), read_metrics(run_dir)


def _noise_sort_key(spec: str) -> tuple:
    kind, _, rest = spec.partition(":")
    try:
        eta = float(rest) if rest else 0.0
    except ValueError:
        eta = math.inf
    return (kind != "clean", kind, eta, spec)


def _mean_std(values: Sequence[float]) -> tuple[float, float, int]:
    v = np.array([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if len(v) == 0:
        return math.nan, math.nan, 0
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0, len(v)


def data_training_curves(run_dirs: Iterable[str | Path]) -> dict:
    """Clean test accuracy per epoch from run folders (``record.json`` + ``metrics.jsonl``
    written by :func:`alfs_theory.experiments.train.run_training`), one panel per noise setting and one
    series per loss (mean, min and max over seeds)."""
    groups: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    meta: dict[str, dict] = {}
    for d in run_dirs:
        rec, metrics = _load(Path(d))
        loss = rec["loss"]["name"]
        params = rec["loss"].get("params") or {}
        label = run_label(loss, params)
        noise = rec["noise"]["spec"]
        hist = {int(m["epoch"]): m.get("test_acc") for m in metrics}
        groups[noise][label].append({"seed": rec["config"]["seed"], "acc": hist,
                                     "run_dir": str(d)})
        pred = rec.get("prediction") or {}
        meta[label] = {"loss": loss, "params": params,
                       "threshold": pred.get("threshold_symmetric"),
                       "K": (rec.get("dataset") or {}).get("K")}
    labels = sorted({lbl for g in groups.values() for lbl in g})
    colors = {lbl: _CYCLE[i % len(_CYCLE)] for i, lbl in enumerate(labels)}
    panels = []
    for noise in sorted(groups, key=_noise_sort_key):
        series = []
        for label in sorted(groups[noise]):
            runs = sorted(groups[noise][label], key=lambda r: r["seed"])
            epochs = sorted(set.intersection(*(set(r["acc"]) for r in runs)))
            acc = np.array([[np.nan if r["acc"][e] is None else r["acc"][e] for e in epochs]
                            for r in runs], dtype=float).reshape(len(runs), len(epochs))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN epochs stay NaN
                mean, lo, hi = (np.nanmean(acc, axis=0), np.nanmin(acc, axis=0),
                                np.nanmax(acc, axis=0))
            series.append({"label": label, **meta[label], "color": colors[label],
                           "display": display_label(meta[label]["loss"],
                                                    meta[label]["params"]),
                           "epochs": np.array(epochs, dtype=int), "acc": acc,
                           "acc_mean": mean, "acc_min": lo, "acc_max": hi,
                           "seeds": [r["seed"] for r in runs]})
        panels.append({"noise": noise, "series": series})
    return {"panels": panels, "n_runs": sum(len(v) for g in groups.values()
                                            for v in g.values())}


def _float_or_none(s: Any) -> float | None:
    if s is None or s == "":
        return None
    try:
        f = float(s)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _parse_params(text: str) -> dict[str, float]:
    out = {}
    for item in (text or "").split(";"):
        if "=" in item:
            k, _, v = item.partition("=")
            out[k.strip()] = float(v)
    return out


def read_sweep_rows(root: str | Path) -> list[dict]:
    """One row per finished run under ``root``: from a sweep's ``results.csv`` (written by
    :func:`alfs_theory.experiments.sweep.write_reports`) when there is one, else from the run records.

    Row fields: loss, params (dict), loss_label, noise, noise_kind, rate, seed, last_acc,
    best_acc, threshold_symmetric, K (None where unknown), source.
    """
    root = Path(root)
    if not root.exists():
        return []
    csvs = sorted(root.rglob("results.csv"))
    rows: list[dict] = []
    for path in csvs:
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if r.get("status") not in (None, "", "finished"):
                    continue
                K = None
                rec_path = path.parent / (r.get("run_dir") or "") / "record.json"
                if r.get("run_dir") and rec_path.exists():
                    try:
                        K = json.loads(rec_path.read_text(encoding="utf-8"))["dataset"]["K"]
                    except (OSError, ValueError, KeyError, TypeError):
                        K = None
                params = _parse_params(r.get("params", ""))
                rows.append({"loss": r["loss"], "params": params,
                             "loss_label": r.get("loss_label") or run_label(r["loss"], params),
                             "noise": r.get("noise"), "noise_kind": r.get("noise_kind"),
                             "rate": _float_or_none(r.get("rate")),
                             "seed": int(r["seed"]) if r.get("seed") else None,
                             "last_acc": _float_or_none(r.get("last_acc")),
                             "best_acc": _float_or_none(r.get("best_acc")),
                             "threshold_symmetric": _float_or_none(r.get("threshold_symmetric")),
                             "K": K, "source": str(path)})
    if rows:
        return rows
    for d in find_run_dirs(root):
        rec, _ = _load(d)
        if rec.get("status") not in (None, "finished"):
            continue
        noise = rec["noise"]
        kind = noise.get("kind") or "clean"
        rate = 0.0 if kind == "clean" else noise.get("eta")
        params = rec["loss"].get("params") or {}
        rows.append({"loss": rec["loss"]["name"], "params": params,
                     "loss_label": run_label(rec["loss"]["name"], params),
                     "noise": noise.get("spec"), "noise_kind": kind, "rate": rate,
                     "seed": rec["config"]["seed"], "last_acc": rec["accuracy"]["last"],
                     "best_acc": rec["accuracy"]["best"],
                     "threshold_symmetric": (rec.get("prediction") or {}).get(
                         "threshold_symmetric"),
                     "K": (rec.get("dataset") or {}).get("K"), "source": str(d)})
    return rows


def _threshold_of(rows: Sequence[dict], K_default: int) -> float | None:
    for r in rows:
        if r.get("threshold_symmetric") is not None:
            return float(r["threshold_symmetric"])
    r = rows[0]
    K = next((x["K"] for x in rows if x.get("K")), K_default)
    try:
        return threshold_for(r["loss"], r["params"], int(K))["eta_max"]
    except Exception:  # noqa: BLE001 - a threshold is context; no line is drawn without one
        return None


def data_accuracy_vs_noise(rows: Sequence[dict], *, metric: str = "last_acc",
                           K: int = 10) -> dict:
    """Accuracy (mean ± std over seeds) against the noise rate, per loss and noise kind,
    with each loss's predicted symmetric threshold (from the runs' predictions, else the
    checker at K). Clean runs count as rate 0 of every kind."""
    kinds = sorted({r["noise_kind"] for r in rows if r["noise_kind"] not in ("clean", None)},
                   key=lambda k: (k != "symmetric", k)) or ["symmetric"]
    labels = sorted({r["loss_label"] for r in rows})
    colors = {lbl: _CYCLE[i % len(_CYCLE)] for i, lbl in enumerate(labels)}
    panels = []
    for kind in kinds:
        series = []
        for label in labels:
            mine = [r for r in rows if r["loss_label"] == label
                    and (r["noise_kind"] == kind or r["noise_kind"] == "clean")
                    and r["rate"] is not None]
            if not mine:
                continue
            by_rate: dict[float, list] = defaultdict(list)
            for r in mine:
                by_rate[float(r["rate"])].append(r[metric])
            rates = np.array(sorted(by_rate))
            stats = [_mean_std(by_rate[x]) for x in rates]
            series.append({
                "label": label, "loss": mine[0]["loss"], "params": mine[0]["params"],
                "display": display_label(mine[0]["loss"], _params_dict(mine[0]["params"])),
                "color": colors[label], "rates": rates,
                "acc_mean": np.array([s[0] for s in stats]),
                "acc_std": np.array([s[1] for s in stats]),
                "n": np.array([s[2] for s in stats], dtype=int),
                "threshold": _threshold_of(mine, K) if kind == "symmetric" else None})
        panels.append({"kind": kind, "series": series})
    return {"metric": metric, "panels": panels}


def data_ratio_vs_accuracy(points: Iterable[tuple[str, Mapping[str, Any]]], *, K: int = 10,
                           rows: Sequence[dict] | None = None,
                           metric: str = "last_acc") -> dict:
    """r(ℓ) against the predicted η_max for many (loss, params) points, and, given sweep
    rows, against the measured accuracy at each symmetric noise rate > 0.

    Losses without a ratio (vector losses) are listed in ``skipped``.
    """
    pred = {"loss": [], "label": [], "r": [], "eta_max": [], "convex": [], "shape": []}
    for name, params in points:
        spec = _bound(name, params)
        r = ratio_value(spec.name, spec.value_dict)
        cvx = _convex_value(spec.name, spec.value_dict)
        if r is None or cvx is None:
            continue
        pred["loss"].append(spec.name)
        pred["label"].append(display_label(spec.name, spec.value_dict))
        pred["r"].append(r)
        pred["convex"].append(cvx)
        pred["shape"].append("affine" if _curvature(spec.name)[0] == "linear"
                             else "convex" if cvx else "concave")
        pred["eta_max"].append(float(eta_max_from_ratio(r, K, cvx)))
    predicted = {k: (np.array(v) if k in ("r", "eta_max", "convex") else v)
                 for k, v in pred.items()}
    out: dict[str, Any] = {"K": K, "predicted": predicted, "measured": None, "skipped": []}
    if rows:
        sym = [r for r in rows if r["noise_kind"] == "symmetric" and r["rate"]
               and r["rate"] > 0]
        by: dict[tuple[float, str], list] = defaultdict(list)
        info: dict[str, dict] = {}
        for r in sym:
            by[(float(r["rate"]), r["loss_label"])].append(r[metric])
            info[r["loss_label"]] = r
        ratios = {}
        for label, r in sorted(info.items()):
            rv = ratio_value(r["loss"], r["params"])
            if rv is None:
                out["skipped"].append(label)
            else:
                ratios[label] = (rv, _convex_value(r["loss"], r["params"]))
        series = []
        for i, rate in enumerate(sorted({k[0] for k in by})):
            labels = sorted(lbl for (rt, lbl) in by if rt == rate and lbl in ratios)
            series.append({
                "rate": rate, "labels": labels, "color": _CYCLE[i % len(_CYCLE)],
                "r": np.array([ratios[lbl][0] for lbl in labels]),
                "convex": np.array([bool(ratios[lbl][1]) for lbl in labels]),
                "acc": np.array([_mean_std(by[(rate, lbl)])[0] for lbl in labels])})
        out["measured"] = {"metric": metric, "series": series}
    return out


# ---------------------------------------------------------------------------------- drawing
def plot_loss_curves(ax, data: dict, which: str = "loss", ylim: tuple | None = None) -> None:
    """ℓ(u) (``which="loss"``) or ℓ′(u) (``"derivative"``) of every curve in ``data``."""
    key = {"loss": "ell", "derivative": "dell"}[which]
    contrast = {"ce", "mae", "gce"}
    for c in data["curves"]:
        ax.plot(data["u"], c[key], color=c["color"], label=c["label"],
                linestyle="--" if c["loss"] in contrast else "-")
    ax.set_xlabel("$u_y$ (probability of the labelled class)")
    ax.set_ylabel(r"$\ell(u)$" if which == "loss" else r"$\ell'(u)$")
    ax.set_xlim(0, 1)
    if ylim is not None:
        ax.set_ylim(*ylim)


def plot_ratio_curves(ax, data: dict, logy: bool = False) -> None:
    """r(ℓ) against one parameter, one line per series; convex part solid, concave dashed."""
    x = data["x"]
    for s in data["series"]:
        r, cvx = s["r"], s["convex"]
        if cvx is None or cvx.all() or (~cvx).all():
            ax.plot(x, r, color=s["color"], label=s["label"])
            continue
        ax.plot(x, np.where(cvx, r, np.nan), color=s["color"], label=s["label"])
        ax.plot(x, np.where(~cvx, r, np.nan), color=s["color"], linestyle="--")
    ax.set_xlabel(f"${data['x_param']}$")
    ax.set_ylabel(r"$r(\ell)$")
    ax.set_title(f"{data['loss'].upper()}: $r = {data['latex']}$" if len(data["latex"]) < 40
                 else data["loss"].upper(), fontsize="medium")
    if logy:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, 1.05)


def _log_x(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


_STYLES = ("-", "--", ":", "-.")


def plot_phase_regions(ax, data: dict, logx: bool = True) -> None:
    """Where the family is asymmetric at each η (shaded: not asymmetric), with the
    boundaries η_max(x, y) = η and the curvature change (dotted blue)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    x, y = data["x"], data["y"]
    etas = list(data["etas"])
    order = np.argsort(etas, kind="stable")
    n_fail = np.sum([(~t).astype(int) for t in data["tolerant"]], axis=0)
    n = len(etas)
    greys = ["#" + f"{round(255 * g):02x}" * 3 for g in np.linspace(1.0, 0.6, n + 1)]
    ax.pcolormesh(x, y, n_fail, cmap=ListedColormap(greys), vmin=-0.5, vmax=n + 0.5,
                  shading="nearest", rasterized=True)
    handles = []
    for i, (eta, (bx, by)) in enumerate(zip(etas, data["boundary"])):
        if len(bx):
            o = np.argsort(bx, kind="stable")
            (line,) = ax.plot(bx[o], by[o], color="#000000", linestyle=_STYLES[i % 4],
                              label=rf"boundary $\eta = {eta:g}$")
            handles.append(line)
    for k in range(1, n + 1):  # failing at k rates = at the k largest (tolerance is monotone)
        if (n_fail == k).any():
            which = ", ".join(f"{etas[j]:g}" for j in sorted(order[n - k:]))
            handles.append(Patch(facecolor=greys[k], edgecolor="none",
                                 label=rf"not asymmetric at $\eta$ = {which}"))
    cvx = data["convex"]
    if cvx is not None and cvx.any() and (~cvx).any():
        ax.contour(x, y, cvx.astype(float), levels=[0.5], colors="#0072B2",
                   linewidths=0.8, linestyles=":")
    if logx:
        _log_x(ax)
    ax.grid(False)
    ax.legend(handles=handles, loc="upper right", frameon=True, framealpha=0.85)
    ax.set_xlabel(f"${data['x_param']}$")
    ax.set_ylabel(f"${data['y_param']}$")
    ax.set_title(f"{data['loss'].upper()}: asymmetric? (K = {data['K']})", fontsize=9)


def plot_eta_max_map(ax, data: dict, logx: bool = True):
    """Heat map of the largest tolerated symmetric η over the parameter plane, with the
    contours η_max = η of ``data["etas"]`` (white); returns the mappable (for a colour bar)."""
    from matplotlib.lines import Line2D

    x, y = data["x"], data["y"]
    m = ax.pcolormesh(x, y, data["eta_max"], cmap="viridis", vmin=0,
                      vmax=(data["K"] - 1) / data["K"], shading="nearest", rasterized=True)
    etas = list(data["etas"])
    handles = []
    for i, eta in enumerate(etas):
        ax.contour(x, y, data["eta_max"], levels=[eta], colors="white", linewidths=1.0,
                   linestyles=_STYLES[i % 4])
        handles.append(Line2D([], [], color="white", linestyle=_STYLES[i % 4],
                              label=rf"$\eta_{{\max}} = {eta:g}$"))
    if logx:
        _log_x(ax)
    ax.grid(False)
    leg = ax.legend(handles=handles, loc="upper right", frameon=True, facecolor="#444444",
                    edgecolor="none", framealpha=0.8)
    for t in leg.get_texts():
        t.set_color("white")
    ax.set_xlabel(f"${data['x_param']}$")
    ax.set_ylabel(f"${data['y_param']}$")
    ax.set_title(rf"{data['loss'].upper()}: tolerated symmetric $\eta_{{\mathrm{{max}}}}$",
                 fontsize=9)
    return m


def plot_population(ax, data: dict, xlim: tuple[float, float] | None = None,
                    thresholds: bool = True) -> None:
    """u_y of the noisy population minimiser against η, with each predicted threshold as a
    dotted vertical line of the loss's colour."""
    markers = ["o", "s", "^", "D", "v", "P"]
    etas = data["etas"]
    lo, hi = xlim if xlim is not None else (float(np.min(etas)), float(np.max(etas)) + 0.01)
    for i, s in enumerate(data["series"]):
        ax.plot(etas, s["u_y"], color=s["color"], marker=markers[i % 6], markersize=3,
                label=s["label"])
        th = s["threshold"]["eta_max"]
        if thresholds and th is not None and lo <= th <= hi:
            ax.axvline(th, color=s["color"], linestyle=":", linewidth=1.2)
    ax.axvspan(data["cap"], max(hi, data["cap"]), color="#BBBBBB", alpha=0.35, linewidth=0,
               label=r"not clean-dominant ($\eta \geq (K-1)/K$)")
    ax.set_xlabel(r"symmetric noise rate $\eta$")
    ax.set_ylabel(r"$u^*_y$ of the noisy minimiser")
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlim(lo, hi)


def plot_thresholds(ax, data: dict) -> None:
    """Horizontal bars: the tolerated symmetric-noise interval of each loss. Solid: proved
    (exact); light with a hatched tail: a proved lower bound and a refuted upper one."""
    rows = data["rows"]
    y = np.arange(len(rows))
    for i, r in enumerate(rows):
        if r["verdict"] == "PROVED" and r["eta_max"] is not None:
            v = r["eta_max"]
            ax.barh(i, max(v, 0.004), color="#2b6cb0" if v > 0 else "#c53030", height=0.7)
            if v <= 0:
                ax.text(0.012, i, "none", va="center", fontsize=8, color="#c53030")
        else:
            lo, hi = r["lo"] or 0.0, r["hi"]
            ax.barh(i, max(lo, 0.004), color="#90cdf4", height=0.7)
            if hi is not None:
                ax.barh(i, hi - lo, left=lo, color="none", edgecolor="#718096", hatch="///",
                        height=0.7, linewidth=0.5)
    ax.axvline(data["cap"], color="k", ls=":", lw=1)
    ax.set_yticks(y, [r["label"] for r in rows], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("largest tolerated symmetric noise rate η (dotted: (K−1)/K)")


def plot_training_curves(ax, panel: dict) -> None:
    """Clean test accuracy per epoch, one line per loss (band: min to max over seeds)."""
    from matplotlib.ticker import MaxNLocator

    for s in panel["series"]:
        ax.plot(s["epochs"], s["acc_mean"], color=s["color"], label=s.get("display", s["label"]))
        if s["acc"].shape[0] > 1:
            ax.fill_between(s["epochs"], s["acc_min"], s["acc_max"], color=s["color"],
                            alpha=0.2, linewidth=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("clean test accuracy")
    ax.set_ylim(0, 1)
    ax.set_title(f"noise {panel['noise']}", fontsize="medium")


def plot_accuracy_vs_noise(ax, panel: dict) -> None:
    """Accuracy against the noise rate per loss, each loss's predicted symmetric threshold
    as a dotted vertical line of its colour."""
    n = len(panel["series"])
    span = max((float(np.ptp(s["rates"])) for s in panel["series"] if len(s["rates"])),
               default=1.0) or 1.0
    for i, s in enumerate(panel["series"]):
        # dodged a little along x and each with its own marker, so that coincident points
        # (several losses at the same accuracy) stay visible
        dx = (i - (n - 1) / 2) * 0.008 * span
        ax.errorbar(s["rates"] + dx, s["acc_mean"], yerr=np.where(s["n"] > 1, s["acc_std"], 0),
                    color=s["color"], marker=_MARKERS[i % len(_MARKERS)], markersize=4,
                    capsize=2, label=s.get("display", s["label"]), alpha=0.9)
        if s["threshold"] is not None:
            ax.axvline(s["threshold"], color=s["color"], linestyle=":", linewidth=1.2)
    ax.set_xlabel(f"{panel['kind']} noise rate")
    ax.set_ylabel("clean test accuracy")
    ax.set_ylim(0, 1)
    ax.set_title(f"{panel['kind']} noise" + ("; dotted: predicted threshold"
                                             if panel["kind"] == "symmetric" else ""),
                 fontsize="medium")


def plot_ratio_vs_eta_max(ax, data: dict) -> None:
    """r(ℓ) against the predicted largest tolerated η: convex losses (circles) follow
    r(K−1)/(1+r(K−1)); concave ones (triangles) sit at (K−1)/K whatever their r."""
    p, K = data["predicted"], data["K"]
    rr = np.linspace(0, 1, 201)
    ax.plot(rr, rr * (K - 1) / (1 + rr * (K - 1)), color="#999999", linewidth=1,
            label=r"$r(K-1)/(1+r(K-1))$")
    losses = list(dict.fromkeys(p["loss"]))
    for name in losses:
        idx = np.array([n == name for n in p["loss"]])
        color = LOSS_COLORS.get(name, _CYCLE[losses.index(name) % len(_CYCLE)])
        shapes = np.array(p["shape"])
        for shape, marker in (("convex", "o"), ("affine", "s"), ("concave", "^")):
            sel = idx & (shapes == shape)
            if sel.any():
                ax.scatter(p["r"][sel], p["eta_max"][sel], color=color, marker=marker, s=18,
                           label=f"{name.upper()} ({shape})", zorder=3)
    ax.set_xlabel(r"asymmetry ratio $r(\ell)$")
    ax.set_ylabel(r"predicted largest tolerated $\eta$")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.0)
    ax.set_title(f"prediction (K = {K})", fontsize="medium")


def plot_ratio_vs_accuracy(ax, data: dict) -> None:
    """r(ℓ) against the measured accuracy, one colour per symmetric noise rate."""
    m = data["measured"]
    for s in m["series"]:
        label = rf"$\eta = {s['rate']:g}$"
        for cvx, marker in ((True, "o"), (False, "^")):
            sel = s["convex"] == cvx
            if sel.any():
                ax.scatter(s["r"][sel], s["acc"][sel], color=s["color"], marker=marker, s=20,
                           label=label, zorder=3)
                label = None
    ax.set_xlabel(r"asymmetry ratio $r(\ell)$")
    ax.set_ylabel("measured clean test accuracy")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1)
    ax.set_title("measured (circles convex, triangles concave)", fontsize="medium")


_VERDICT_COLORS = {"PROVED": "#38a169", "REFUTED": "#e53e3e", "UNDECIDED": "#a0aec0"}


def plot_region(ax, region: dict, predicate=None) -> None:
    """The certified parameter grid of :func:`alfs_theory.checks.conditions.parameter_region`
    (``to_dict()``): one marker per cell, green PROVED, red REFUTED, grey UNDECIDED; with
    ``predicate`` (the derived closed form as a numpy function of the varied parameters,
    :meth:`alfs_theory.checks.conditions.ClosedForm.predicate`) the region it describes is shaded
    and its boundary drawn."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    xs, ys = region["x"], region["y"] or [0.0]
    extra = []
    if predicate is not None:
        logx = len(xs) > 2 and xs[0] > 0 and xs[-1] / xs[0] > 20
        gx = (np.geomspace if logx else np.linspace)(xs[0], xs[-1], 240)
        if region["y"]:
            logy = len(ys) > 2 and ys[0] > 0 and ys[-1] / ys[0] > 20
            gy = (np.geomspace if logy else np.linspace)(ys[0], ys[-1], 240)
            X, Y = np.meshgrid(gx, gy)
            with np.errstate(all="ignore"):
                Z = np.asarray(predicate(X, Y), dtype=float) * np.ones_like(X)
            ax.contourf(X, Y, Z, levels=[0.5, 1.5], colors=["#2ca02c"], alpha=0.15)
            if 0 < Z.mean() < 1:
                ax.contour(X, Y, Z, levels=[0.5], colors="k", linewidths=1)
        else:
            with np.errstate(all="ignore"):
                Z = np.asarray(predicate(gx), dtype=float) * np.ones_like(gx)
            ax.fill_between(gx, -0.5, 0.5, where=Z > 0.5, color="#2ca02c", alpha=0.15)
        extra = [Patch(color="#2ca02c", alpha=0.3, label="closed form holds")]
    for j, yv in enumerate(ys):
        for i, xv in enumerate(xs):
            v = region["verdicts"][j][i]
            ax.scatter([xv], [yv], s=90, marker="s", color=_VERDICT_COLORS[v],
                       edgecolor="white", linewidth=0.5)
    if len(xs) > 2 and xs[0] > 0 and xs[-1] / xs[0] > 20:
        ax.set_xscale("log")
    if region["y"] and len(ys) > 2 and ys[0] > 0 and ys[-1] / ys[0] > 20:
        ax.set_yscale("log")
    ax.set_xlabel(region["x_param"])
    if region["y_param"]:
        ax.set_ylabel(region["y_param"])
    else:
        ax.set_yticks([])
    handles = [Line2D([], [], marker="s", ls="", color=c, label=k)
               for k, c in _VERDICT_COLORS.items()] + extra
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title(f"{region['loss']}: {region['question']} (K = {region['K']})",
                 fontsize="small")
