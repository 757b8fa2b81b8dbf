"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.records`.

``import alfs_theory.records`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.records`` instead.
"""

import sys
import warnings

from .experiments import records as target

warnings.warn("alfs_theory.records moved to alfs_theory.experiments.records; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
