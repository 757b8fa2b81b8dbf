"""``python -m alfs_theory.cli``: the ``alfs`` command."""

import sys

from . import main

sys.exit(main())
