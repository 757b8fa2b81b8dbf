"""Questions about sympy expressions, knowing nothing about losses.

The prover ladder (shared/style.md): :func:`prove_sign_symbolic` (sympy assumptions after
substitutions that encode the ranges), then :func:`prove_sign_on_interval` (interval
bisection with mpmath ``iv``; counterexamples re-verified at 50 digits), and the certified
optimisers :func:`enclose_range`, :func:`certified_infimum`, :func:`ratio_infimum_bounds`.
"""

from .infimum import InfimumBounds, RatioBounds, certified_infimum, ratio_infimum_bounds
from .intervals import (
    IntervalDomainError,
    IntervalError,
    IntervalFunction,
    RangeBounds,
    enclose,
    enclose_range,
    prove_sign_on_interval,
    to_interval_function,
    verify_point,
)
from .signs import parameter_substitutions, prove_sign_symbolic

__all__ = [
    "InfimumBounds",
    "IntervalDomainError",
    "IntervalError",
    "IntervalFunction",
    "RangeBounds",
    "RatioBounds",
    "certified_infimum",
    "enclose",
    "enclose_range",
    "parameter_substitutions",
    "prove_sign_on_interval",
    "prove_sign_symbolic",
    "ratio_infimum_bounds",
    "to_interval_function",
    "verify_point",
]
