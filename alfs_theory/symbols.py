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
