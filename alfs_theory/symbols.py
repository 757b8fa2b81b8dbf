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
