"""Canonical sympy symbols shared by every loss specification.

``U``  the probability the model gives the labelled class, u = f(x)_y, in [0, 1].
``V``  the dummy variable of a per-class summand, for sums Σ_k g(u_k) over all K classes.
``K``  the number of classes, an integer ≥ 2.
"""

from __future__ import annotations

import sympy as sp

U = sp.Symbol("u", real=True, nonnegative=True)
V = sp.Symbol("v", real=True, nonnegative=True)
K = sp.Symbol("K", integer=True, positive=True)

RESERVED = {"u": U, "p": U, "v": V, "K": K}

#: lambdify modules for numeric (array) evaluation: scipy first, so erf and the special
#: functions of the grammar evaluate elementwise on arrays (numpy alone falls back to math)
NUMERIC_MODULES = ["scipy", "numpy"]


def numeric_modules(*exprs) -> list:
    """The lambdify modules for ``exprs``: :data:`NUMERIC_MODULES`, or the numpy module alone
    when scipy's printer writes the very same code for every expression (no special function).

    Importing scipy.special costs about 0.1 s of CPU, a tenth of a cold ``alfs check``; numpy
    alone evaluates exactly what the scipy printer would have written. Anything else (a special
    function, a constant numpy prints differently, a function neither printer knows) keeps
    scipy. The module object rather than the name ``"numpy"``: lambdify then reads its
    namespace instead of running ``from numpy import *``, which imports numpy.testing and
    numpy.f2py (0.08 s); the printed code is the same (sympy's NumPyPrinter either way).
    """
    import numpy
    from sympy.printing.numpy import NumPyPrinter, SciPyPrinter

    for e in exprs:
        try:
            a = NumPyPrinter().doprint(e)
            b = SciPyPrinter().doprint(e).replace("scipy.constants.pi", "numpy.pi")
        except Exception:  # a function neither printer knows: let lambdify decide as before
            return NUMERIC_MODULES
        if a != b or "scipy" in a:
            return NUMERIC_MODULES
    return [numpy]


def _is_monomial(expr: sp.Basic) -> bool:
    """c * x**n * log(y) * ... : a rational c times symbols to integer powers and logs of
    symbols, each base once -- a form sympy's simplify returns unchanged."""
    seen = set()
    for f in sp.Mul.make_args(expr):
        if f.is_Rational:
            continue
        base = f.base if f.is_Pow and f.exp.is_Integer else f
        if not (base.is_Symbol or (isinstance(base, sp.log) and base.args[0].is_Symbol)):
            return False
        if base in seen:
            return False
        seen.add(base)
    return True


def tidy_linear(expr, symbols) -> sp.Expr:
    """``expr`` for printing: expanded, collected in ``symbols`` (a symbol or a list), each
    coefficient over one denominator with its common factors taken out
    (``-w_n*(2*log(2) + 9)/4``, not ``-9*w_n/4 - w_n*log(2)/2``).

    Rational-function steps only: ``nsimplify`` + ``factor`` here factored 30-digit integers
    when a parameter was a decimal (AEL at a = 0.4343 has exp(10000/4343) in a KKT margin)
    and ran for minutes on a text that is only printed."""
    return sp.collect(sp.expand(expr), symbols,
                      func=lambda c: sp.factor_terms(sp.together(c)))


def simplify(expr):
    """``sympy.simplify(expr)``, except that a monomial (see :func:`_is_monomial`) is returned
    as it is, which is what simplify returns for it.

    The checks simplify many such small expressions (l'(u) = -1/u and l''(u) = u**-2 for CE);
    the first call of sympy's simplify on anything but an atom imports sympy.physics.units
    (0.1 s of CPU), a cost a cold ``alfs check ce`` need not pay. Atoms go to sympy, which
    returns them before that import.
    """
    if isinstance(expr, sp.Basic) and expr.args and _is_monomial(expr):
        return expr
    return sp.simplify(expr)

