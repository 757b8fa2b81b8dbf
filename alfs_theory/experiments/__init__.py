"""The empirical wing: data sets, networks, noisy training, sweeps and their records.

* :mod:`~alfs_theory.experiments.data` -- the embedded digits and the standard files of MNIST,
  Fashion-MNIST, CIFAR-10/100 read from a folder;
* :mod:`~alfs_theory.experiments.models` -- the official networks (and an MLP for the digits);
* :mod:`~alfs_theory.experiments.stacked` -- M copies of the official CNN trained as one network;
* :mod:`~alfs_theory.experiments.train` -- one resumable training run on noisy labels, with the
  checker's prediction in its record;
* :mod:`~alfs_theory.experiments.sweep` -- a resumable grid of runs, theory beside experiment;
* :mod:`~alfs_theory.experiments.records` -- reading run records;
* :mod:`~alfs_theory.experiments.diagnosis` -- what a contradiction of the prediction is made of;
* :mod:`~alfs_theory.experiments.presets` -- the official per-data-set loss parameters.

It uses the spec wing, the torch wing and the checks' public entry points (``checker``,
``prediction``, ``conditions``, ``verdict``); nothing of the commands above it. Importing this
package imports nothing heavy: torch is loaded by the modules that need it.
"""

MODULES = ("data", "models", "stacked", "train", "sweep", "records", "diagnosis", "presets")

#: the data sets :func:`~alfs_theory.experiments.data.load_dataset` knows (defined here, without
#: numpy, so that ``alfs --help`` can name them; ``experiments.data`` re-exports it)
DATASET_NAMES = ("digits", "mnist", "fashion-mnist", "cifar10", "cifar100")

__all__ = ["DATASET_NAMES", "MODULES"]
