"""Losses typed by a user, parsed safely (never evaluated): a pointwise ℓ(u), or a vector
loss using class sums ``sum(g(v))`` = Σ_k g(u_k) (NCE: ``-log(u)/sum(-log(v))``).

>>> spec = loss_from_expression("((a+1)**q - (a+u)**q)/q", params={"a": 1, "q": 2},
...                             domains={"a": "a > 0", "q": "q > 0"})
>>> spec.kind
'pointwise'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sympy as sp

from .errors import ExpressionError
from .spec import LossSpec, Param, make_param
from .symbols import K, U, V

__all__ = ["loss_from_expression"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _bounds_from_condition(name: str, cond_text: str) -> dict:
    """'a > 0' / '0 < q <= 1' / 'a >= 1' -> make_param keyword bounds."""
    from .parse import parse_condition

    x = sp.Symbol(name, real=True)
    cond = parse_condition(cond_text, {name: x})
    rels = list(cond.args) if isinstance(cond, sp.And) else [cond]
    out: dict = {}
    for r in rels:
        if not isinstance(r, sp.core.relational.Relational):
            raise ExpressionError(f"domain of {name!r}: {cond_text!r} must be bounds like "
                                  f"'{name} > 0' or '0 < {name} <= 1'")
        lhs, rhs = r.lhs, r.rhs
        if lhs == x and rhs.is_number:
            num, sym_left = float(rhs), True
        elif rhs == x and lhs.is_number:
            num, sym_left = float(lhs), False
        else:
            raise ExpressionError(f"domain of {name!r}: each bound must compare {name} with a "
                                  f"number, got {r}")
        op = r.rel_op
        greater = (op in (">", ">=")) == sym_left
        strict = op in (">", "<")
        if greater:
            out.update(lower=num, lower_strict=strict)
        else:
            out.update(upper=num, upper_strict=strict)
    return out


def loss_from_expression(
    text: str,
    *,
    params: Mapping[str, float] | None = None,
    domains: Mapping[str, str] | None = None,
    name: str = "user",
) -> LossSpec:
    """A LossSpec from ``text`` in ``u`` (or ``p``), its parameters and domains; ``sum(g)``
    with the class variable ``v`` inside makes it a vector loss (Σ_k g(u_k) over the K classes).

    Every name other than u/p/K must be a parameter: given a value in ``params`` or a domain
    in ``domains``. The text is parsed by a whitelisted grammar (:mod:`alfs_theory.parse`).
    """
    from .parse import ClassSums, parse_expression

    params = dict(params or {})
    domains = dict(domains or {})
    for pname in list(params) + list(domains):
        if pname in ("u", "p", "v", "K", "sum") or re.fullmatch(r"S_\d+", pname):
            raise ExpressionError(f"{pname!r} is reserved (u/p: the labelled-class probability, "
                                  "v: the class variable inside sum(...), K: classes, S_j: "
                                  "class sums); pick another parameter name")
    pars: list[Param] = []
    for pname in dict.fromkeys(list(domains) + list(params)):
        kw = _bounds_from_condition(pname, domains[pname]) if pname in domains else {}
        pars.append(make_param(pname, default=params.get(pname), **kw))
    symbols = {"u": U, "p": U, "K": K, **{p.name: p.symbol for p in pars}}
    sums = ClassSums(V)
    expr = parse_expression(text, symbols, class_sums=sums)
    return LossSpec(name=name, expr=expr, params=tuple(pars), sums=tuple(sums.terms),
                    title=f"user loss {text}", references=("typed by the user",))
