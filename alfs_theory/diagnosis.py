"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.diagnosis`.

``import alfs_theory.diagnosis`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.diagnosis`` instead.
"""

import sys
import warnings

from .experiments import diagnosis as target

warnings.warn("alfs_theory.diagnosis moved to alfs_theory.experiments.diagnosis; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
