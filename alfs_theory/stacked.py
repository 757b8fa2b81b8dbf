"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.stacked`.

``import alfs_theory.stacked`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.stacked`` instead.
"""

import sys
import warnings

from .experiments import stacked as target

warnings.warn("alfs_theory.stacked moved to alfs_theory.experiments.stacked; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
