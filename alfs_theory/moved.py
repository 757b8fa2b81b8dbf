"""Old module names that moved, kept as deprecated aliases of the very same module objects.

The checks wing moved under :mod:`alfs_theory.checks` (``alfs_theory.checker`` is now
``alfs_theory.checks.checker``, ``alfs_theory.properties.asymmetry`` is
``alfs_theory.checks.properties.asymmetry``, ...). ``import alfs_theory.checker`` still works:
a finder on ``sys.meta_path`` answers an old name with the new module itself (so an attribute
set through the old name is set where the code runs), with one DeprecationWarning per old name.
Installed by ``alfs_theory/__init__.py``; submodules of moved packages are covered too.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings

__all__ = ["MOVED", "new_name"]

# old name below alfs_theory -> new name below alfs_theory (a package covers its submodules)
MOVED = {name: f"checks.{name}" for name in (
    "engine", "properties", "provers", "verdict", "checker", "falsify", "conditions",
    "prediction", "blackbox")}
_PREFIX = "alfs_theory."


def new_name(fullname: str) -> str | None:
    """The module's new dotted name, or None when ``fullname`` did not move."""
    if not fullname.startswith(_PREFIX):
        return None
    head, _, rest = fullname[len(_PREFIX):].partition(".")
    if head not in MOVED:
        return None
    return _PREFIX + MOVED[head] + (f".{rest}" if rest else "")


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        new = new_name(fullname)
        if new is None:
            return None
        found = importlib.util.find_spec(new)
        if found is None:
            return None
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=found.submodule_search_locations is not None)

    def create_module(self, spec):
        new = new_name(spec.name)
        warnings.warn(f"{spec.name} moved to {new}; the old name is a deprecated alias",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module):  # the module is already executed under its new name
        return None


def install() -> None:
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
