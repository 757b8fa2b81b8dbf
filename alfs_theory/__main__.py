"""``python -m alfs_theory ...``: the ``alfs`` command line."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no cover - exercised by tests in a subprocess
    sys.exit(main())
