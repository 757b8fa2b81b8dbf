"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.presets`.

``import alfs_theory.presets`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.presets`` instead.
"""

import sys
import warnings

from .experiments import presets as target

warnings.warn("alfs_theory.presets moved to alfs_theory.experiments.presets; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
