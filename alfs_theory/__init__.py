"""alfs-theory: check, draw and test the theory of asymmetric loss functions.

The symbolic core (this package without ``alfs_theory.nn``) imports without torch.
"""

from .checks.verdict import CheckResult, Verdict
from .errors import AlfsError, ParameterError, SpecError, UnknownLossError
from .registry import get_loss, list_losses, register
from .spec import LossSpec, Param, combine, make_param

__version__ = "0.1.0"

__all__ = [
    "AlfsError",
    "CheckResult",
    "LossSpec",
    "Param",
    "ParameterError",
    "SpecError",
    "UnknownLossError",
    "Verdict",
    "__version__",
    "combine",
    "get_loss",
    "list_losses",
    "make_param",
    "register",
]
