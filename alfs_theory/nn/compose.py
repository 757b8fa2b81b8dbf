"""A torch loss built from any :class:`~alfs_theory.spec.LossSpec` by walking its sympy tree.

:func:`spec_torch` turns a spec (registered, or typed by a user through
:func:`~alfs_theory.userloss.loss_from_expression`) into a callable ``(logits, labels) -> (N,)``
made of ordinary differentiable torch operations: autograd differentiates it to any order, and
the ``torch.func`` transforms (``grad``, ``vmap``, ``jvp``, ``hessian``) apply to it. No code is
generated or evaluated: the tree is compiled once into nested Python closures, node by node,
and a node this module does not know is refused with :class:`~alfs_theory.errors.SpecError`
naming it.

The fused twins of :mod:`alfs_theory.nn.functional` are faster and more accurate at the
extremes; they call this composite form where a first derivative written by hand is not
enough: a second derivative (``create_graph=True``), ``torch.func`` transforms, forward-mode
AD.

Numerics: u = softmax(z); log u_y and log u_k are read off ``log_softmax`` (not ``log`` of
``softmax``), and u^q, v^q with non-integer q are exp(q·log u), so probabilities that
underflow to 0 give 0 instead of ∞·0.

Example
-------
>>> import torch
>>> from alfs_theory.nn.compose import spec_torch
>>> ce = spec_torch("ce")
>>> z = torch.tensor([[0.0, 0.0]], dtype=torch.float64)
>>> round(float(ce(z, torch.tensor([0]))[0]), 6)
0.693147
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from typing import Any

import sympy as sp
import torch

from ..errors import InputError, SpecError
from ..registry import get_loss
from ..spec import LossSpec
from ..symbols import K, U, V

__all__ = ["ComposedLoss", "SpecTorch", "spec_loss", "spec_torch"]

_Env = dict  # slot name -> tensor or float
_Fn = Callable[[_Env], Any]

# sympy function class -> torch function of one tensor argument
_UNARY: dict[type, Callable] = {
    sp.exp: torch.exp, sp.sin: torch.sin, sp.cos: torch.cos, sp.tan: torch.tan,
    sp.tanh: torch.tanh, sp.sinh: torch.sinh, sp.cosh: torch.cosh, sp.atan: torch.atan,
    sp.asin: torch.asin, sp.acos: torch.acos, sp.asinh: torch.asinh, sp.erf: torch.erf,
    sp.erfc: torch.erfc, sp.Abs: torch.abs, sp.sign: torch.sign,
}
_MATH_UNARY: dict[type, Callable] = {
    sp.exp: math.exp, sp.sin: math.sin, sp.cos: math.cos, sp.tan: math.tan, sp.tanh: math.tanh,
    sp.sinh: math.sinh, sp.cosh: math.cosh, sp.atan: math.atan, sp.asin: math.asin,
    sp.acos: math.acos, sp.asinh: math.asinh, sp.erf: math.erf, sp.erfc: math.erfc,
    sp.Abs: abs, sp.sign: lambda x: float((x > 0) - (x < 0)),
}
_COMPARE = {sp.StrictLessThan: operator.lt, sp.LessThan: operator.le,
            sp.StrictGreaterThan: operator.gt, sp.GreaterThan: operator.ge,
            sp.Equality: operator.eq, sp.Unequality: operator.ne}


def _is_tensor(x: Any) -> bool:
    return isinstance(x, torch.Tensor)


def _unary(fn_t: Callable, fn_m: Callable) -> Callable:
    def apply(x):
        return fn_t(x) if _is_tensor(x) else fn_m(x)
    return apply


def _pow(b, e):
    if not _is_tensor(b) and not _is_tensor(e):
        return float(b) ** float(e)
    if not _is_tensor(b):  # c**t = exp(t log c)
        return torch.exp(e * math.log(b)) if b > 0 else torch.pow(torch.as_tensor(b), e)
    return torch.pow(b, e)


def _where(cond, a, b):
    if not _is_tensor(cond):
        return a if cond else b
    return torch.where(cond, a, b)


def _logical(op: str, xs: list) -> Any:
    out = xs[0]
    for x in xs[1:]:
        if op == "and":
            out = torch.logical_and(out, x) if _is_tensor(out) or _is_tensor(x) else (out and x)
        else:
            out = torch.logical_or(out, x) if _is_tensor(out) or _is_tensor(x) else (out or x)
    return out


class _Compiler:
    """sympy expression -> closure over an environment of named tensors.

    Slots: ``u`` (N, 1) u_y, ``logu`` (N, 1) log u_y, ``v`` (N, K) all u_k, ``logv`` (N, K),
    ``K`` a float, and one (N, 1) slot per class-sum symbol.
    """

    def __init__(self, sum_names: dict[sp.Symbol, str], where: str) -> None:
        self.sum_names = sum_names
        self.where = where

    def fail(self, node: sp.Basic) -> None:
        raise SpecError(f"{self.where}: cannot build a torch loss from {type(node).__name__} "
                        f"in {sp.sstr(node)!r}; supported: numbers, pi, E, u, v, K, class sums, "
                        "+, *, powers, exp, log, sqrt, abs, sign, min, max, piecewise, Heaviside, "
                        "sin, cos, tan, tanh, sinh, cosh, asin, acos, atan, asinh, erf, erfc, "
                        "comparisons, and, or, not")

    def __call__(self, e: sp.Basic) -> _Fn:  # noqa: C901 - one branch per node type
        if e.is_Number or isinstance(e, sp.NumberSymbol):
            if e.is_real is False or not e.is_finite:
                self.fail(e)
            c = float(e)
            return lambda env: c
        if e is sp.true or e is sp.false:
            b = bool(e)
            return lambda env: b
        if e == U:
            return operator.itemgetter("u")
        if e == V:
            return operator.itemgetter("v")
        if e == K:
            return operator.itemgetter("K")
        if isinstance(e, sp.Symbol):
            slot = self.sum_names.get(e)
            if slot is None:
                raise SpecError(f"{self.where}: symbol {e} has no value (bind the loss's "
                                "parameters first: spec.bind(...))")
            return operator.itemgetter(slot)
        if isinstance(e, sp.Add):
            fs = [self(a) for a in e.args]
            return lambda env: functools.reduce(operator.add, (f(env) for f in fs))
        if isinstance(e, sp.Mul):
            fs = [self(a) for a in e.args]
            return lambda env: functools.reduce(operator.mul, (f(env) for f in fs))
        if isinstance(e, sp.Pow):
            return self.power(e)
        if isinstance(e, sp.log):
            if len(e.args) != 1:
                self.fail(e)
            arg = e.args[0]
            if arg == U:
                return operator.itemgetter("logu")
            if arg == V:
                return operator.itemgetter("logv")
            f = self(arg)
            return lambda env: _unary(torch.log, math.log)(f(env))
        for cls, fn in _UNARY.items():
            if isinstance(e, cls):
                f = self(e.args[0])
                g = _unary(fn, _MATH_UNARY[cls])
                return lambda env: g(f(env))
        if isinstance(e, sp.Heaviside):
            f = self(e.args[0])
            h0 = float(e.args[1]) if len(e.args) > 1 else 0.5
            return lambda env: _heaviside(f(env), h0)
        if isinstance(e, (sp.Min, sp.Max)):
            fs = [self(a) for a in e.args]
            pick = torch.minimum if isinstance(e, sp.Min) else torch.maximum
            py = min if isinstance(e, sp.Min) else max
            return lambda env: _extreme([f(env) for f in fs], pick, py)
        if isinstance(e, sp.Piecewise):
            pieces = [(self(val), self(cond)) for val, cond in e.args]
            return lambda env: _piecewise(pieces, env)
        if type(e) in _COMPARE:
            op = _COMPARE[type(e)]
            fl, fr = self(e.lhs), self(e.rhs)
            return lambda env: op(fl(env), fr(env))
        if isinstance(e, (sp.And, sp.Or)):
            fs = [self(a) for a in e.args]
            kind = "and" if isinstance(e, sp.And) else "or"
            return lambda env: _logical(kind, [f(env) for f in fs])
        if isinstance(e, sp.Not):
            f = self(e.args[0])
            return lambda env: (torch.logical_not(x) if _is_tensor(x := f(env)) else not x)
        self.fail(e)
        raise AssertionError  # unreachable: fail raises

    def power(self, e: sp.Pow) -> _Fn:
        b, ex = e.args
        if ex.is_Integer:
            n = int(ex)
            fb = self(b)
            if n == -1:
                return lambda env: 1.0 / fb(env)
            return lambda env: fb(env) ** n
        if ex.is_number and b in (U, V):  # u^q = exp(q log u): 0, not ∞·0, where u underflows
            q = float(ex)
            slot = "logu" if b == U else "logv"
            return lambda env: torch.exp(env[slot] * q)
        if ex == sp.Rational(1, 2):
            fb = self(b)
            return lambda env: _unary(torch.sqrt, math.sqrt)(fb(env))
        fb, fe = self(b), self(ex)
        return lambda env: _pow(fb(env), fe(env))


def _heaviside(x, h0: float):
    if not _is_tensor(x):
        return 1.0 if x > 0 else (0.0 if x < 0 else h0)
    return torch.heaviside(x, torch.full_like(x, h0))


def _extreme(xs: list, pick: Callable, py: Callable):
    ts = [x for x in xs if _is_tensor(x)]
    if not ts:
        return py(xs)
    out = None
    for x in xs:
        t = x if _is_tensor(x) else torch.full_like(ts[0], x)
        out = t if out is None else pick(out, t)
    return out


def _piecewise(pieces: list, env: _Env):
    # from the last piece to the first; outside every condition the loss is undefined (NaN)
    out: Any = float("nan")
    for fv, fc in reversed(pieces):
        out = _where(fc(env), fv(env), out)
    return out


class SpecTorch:
    """A bound spec as a differentiable torch function ``(logits, labels) -> (N,)`` losses."""

    def __init__(self, spec: LossSpec) -> None:
        if not spec.is_bound:
            raise SpecError(f"loss {spec.name!r}: bind its parameters before building a torch "
                            f"loss: spec.bind(...); parameters: {list(spec.param_names)}")
        self.spec = spec
        where = f"loss {spec.name!r}"
        names = {s: f"S{j}" for j, (s, _) in enumerate(spec.sums)}
        comp = _Compiler(names, where)
        self._F = comp(spec.subs_values(spec.expr))
        self._gs = [(names[s], comp(g)) for s, g in spec.summands()]

    def __call__(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        z = logits
        if z.dtype in (torch.float16, torch.bfloat16):
            z = z.float()
        logv = torch.log_softmax(z, -1)
        y1 = labels.long().unsqueeze(-1)
        logu = logv.gather(-1, y1)
        env: _Env = {"logv": logv, "logu": logu, "K": float(z.shape[-1])}
        env["v"] = torch.exp(logv)
        env["u"] = torch.exp(logu)
        for slot, g in self._gs:
            s = g(env)
            env[slot] = s.sum(-1, keepdim=True) if _is_tensor(s) else s * env["K"]
        out = self._F(env)
        if not _is_tensor(out):
            out = torch.full_like(logu, float(out))
        out = out.expand_as(logu).squeeze(-1)
        from .inputs import output_dtype

        dt = output_dtype(logits)  # half logits: a half loss (computed in float32)
        return out if dt is None else out.to(dt)

    def __repr__(self) -> str:
        return f"SpecTorch({self.spec.name!r}, {self.spec.describe_values()})"


@functools.lru_cache(maxsize=512)
def _cached(name: str, items: tuple) -> SpecTorch:
    return SpecTorch(get_loss(name).bind(**dict(items)))


def spec_torch(loss: str | LossSpec, **params: Any) -> SpecTorch:
    """The composite torch loss of a registry name (``params`` bind it; defaults fill the rest)
    or of a spec (bound, or bound here with ``params``)."""
    if isinstance(loss, str):
        try:
            return _cached(get_loss(loss).name, tuple(sorted(params.items())))
        except TypeError:  # unhashable parameter values: let bind say what is wrong
            return SpecTorch(get_loss(loss).bind(**params))
    spec = loss.bind(**params) if (params or not loss.is_bound) else loss
    return SpecTorch(spec)


def spec_loss(logits: torch.Tensor, labels: torch.Tensor, loss: str | LossSpec, *,
              validate: bool = True, **params: Any) -> torch.Tensor:
    """Per-example losses (N,) of any spec (or registry name) through its composite torch form,
    with the same input validation as the hand-written twins (shape, dtype, label range;
    parameters against their domains when ``params`` are given)."""
    return _validated_call(spec_torch(loss, **params), logits, labels, validate)


def _validated_call(fn: SpecTorch, logits: torch.Tensor, labels: torch.Tensor,
                    validate: bool) -> torch.Tensor:
    from .inputs import explain_nan, in_transform, validate_inputs

    name = fn.spec.name
    checked = validate and not in_transform(logits, labels)  # values readable: not in a transform
    if validate:
        validate_inputs(logits, labels, loss=name, label_range=checked)
    out = fn(logits, labels)
    if checked:
        nan = torch.isnan(out.detach())
        if bool(nan.any()):
            explain_nan(name, logits)
            raise InputError(f"{name}: the loss is NaN at row {int(nan.nonzero()[0, 0])} (finite "
                             "logits): the formula is undefined there (outside every piecewise "
                             "condition, 0/0, ...)")
    return out


class ComposedLoss(torch.nn.Module):
    """Any spec (typed by a user or registered) as a loss module: its composite torch form
    with ``reduction`` and validation like the twins' modules.

    >>> from alfs_theory.userloss import loss_from_expression
    >>> crit = ComposedLoss(loss_from_expression("(1 - u)**2 + exp(-u)"))
    >>> crit(torch.zeros(2, 3), torch.tensor([0, 1])).shape
    torch.Size([])
    """

    def __init__(self, loss: str | LossSpec, reduction: str = "mean", *, validate: bool = True,
                 **params: Any) -> None:
        super().__init__()
        from .inputs import check_reduction

        self._loss = loss
        self.fn = spec_torch(loss, **params)
        self.loss_name = self.fn.spec.name
        self.params = {n: float(v) for n, v in self.fn.spec.values}
        self.reduction = check_reduction(reduction)
        self.validate = bool(validate)

    def __getattr__(self, name: str) -> Any:
        params = self.__dict__.get("params")
        if params is not None and name in params:  # crit.a: a parameter's value
            return params[name]
        return super().__getattr__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("params")
        if params is not None and name in params:  # checked against its domain, then used
            self.fn = spec_torch(self._loss, **{**params, name: value})
            self.params = {n: float(v) for n, v in self.fn.spec.values}
            return
        super().__setattr__(name, value)

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        from .inputs import reduce

        out = _validated_call(self.fn, logits, labels, self.validate)  # the tree built once
        return reduce(out, self.reduction)

    def extra_repr(self) -> str:
        ps = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.loss_name!r}, {ps + ', ' if ps else ''}reduction={self.reduction!r}"
