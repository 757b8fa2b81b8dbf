"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.data`.

``import alfs_theory.data`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.data`` instead.
"""

import sys
import warnings

from .experiments import data as target

warnings.warn("alfs_theory.data moved to alfs_theory.experiments.data; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
