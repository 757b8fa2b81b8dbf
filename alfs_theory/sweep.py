"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.sweep`.

``import alfs_theory.sweep`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.sweep`` instead.
"""

import sys
import warnings

from .experiments import sweep as target

warnings.warn("alfs_theory.sweep moved to alfs_theory.experiments.sweep; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
