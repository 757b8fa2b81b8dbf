"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.models`.

``import alfs_theory.models`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.models`` instead.
"""

import sys
import warnings

from .experiments import models as target

warnings.warn("alfs_theory.models moved to alfs_theory.experiments.models; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
