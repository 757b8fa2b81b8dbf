"""How many CPU threads torch uses in one of our processes (issue #26).

torch's default is one thread per core. The networks here are small (the digits MLP, the MNIST
CNN on a few thousand images): their operations are too short to split across threads, and
several processes (sweep workers, test runs, other users) share the cores. Measured on 2 cores,
3 digits epochs of ``alfs train``: 6.0 s of CPU with 1 thread, 9.9 s with 2, 12.0 s with the
default; the wall time was lower with 1 thread too (48 s against 68 s and 98 s on a loaded
machine). So a run takes :data:`DEFAULT_THREADS` unless ``--threads`` asks for more; a sweep
gets its parallelism from its workers, one run each.
"""

from __future__ import annotations

__all__ = ["DEFAULT_THREADS", "set_threads"]

#: torch CPU threads of one run (one process) unless asked otherwise
DEFAULT_THREADS = 1


def set_threads(threads: int | None) -> dict:
    """Set torch's CPU threads: ``threads`` when given, else :data:`DEFAULT_THREADS`. Returns
    what a run record keeps: ``{"threads": n, "threads_rule": "asked" | "default"}``."""
    import torch

    n = DEFAULT_THREADS if threads is None else int(threads)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return {"threads": torch.get_num_threads(),
            "threads_rule": "asked" if threads is not None else
            f"default: {DEFAULT_THREADS} per process (alfs_theory.nn.threads)"}
