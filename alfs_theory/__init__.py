"""alfs-theory: check, draw and test the theory of asymmetric loss functions.

The symbolic core (this package without ``alfs_theory.nn``) imports without torch.
The public names below are imported on first use (module ``__getattr__``), so that
``import alfs_theory.cli`` or the pytest plugin costs no sympy until a loss is needed.
"""

__version__ = "0.1.0"

#: public name -> the module (below alfs_theory) that defines it, imported on first use
_LAZY = {
    "CheckResult": "checks.verdict", "Verdict": "checks.verdict",
    "AlfsError": "errors", "ParameterError": "errors", "SpecError": "errors",
    "UnknownLossError": "errors",
    "get_loss": "registry", "list_losses": "registry", "register": "registry",
    "LossSpec": "spec", "Param": "spec", "combine": "spec", "make_param": "spec",
}

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


def __getattr__(name: str):
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
