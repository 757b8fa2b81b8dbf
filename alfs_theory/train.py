"""Deprecated alias: this module moved to :mod:`alfs_theory.experiments.train`.

``import alfs_theory.train`` still works and gives that very module (so attributes set on it are
set there), with a DeprecationWarning; import ``alfs_theory.experiments.train`` instead.
"""

import sys
import warnings

from .experiments import train as target

warnings.warn("alfs_theory.train moved to alfs_theory.experiments.train; the old name is a "
              "deprecated alias", DeprecationWarning, stacklevel=2)
sys.modules[__name__] = target
