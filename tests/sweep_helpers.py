"""Cell runners for the sweep tests, importable by pool workers (they run in other processes)."""

from __future__ import annotations

import os
import time

from alfs_theory.experiments.sweep import _run_one


def crash_on_mae(config: dict, run_dir: str, threads):
    """Kills its own worker process for the MAE cells (as the OOM killer would); trains the rest."""
    if config["loss"] == "mae":
        os._exit(9)
    return _run_one(config, run_dir, threads)


def slow(config: dict, run_dir: str, threads):
    """Sleeps for a minute and then writes a marker file: it must never be written when the
    sweep was killed first."""
    time.sleep(60)
    with open(os.path.join(os.path.dirname(run_dir), f"late-{os.getpid()}"), "w") as f:
        f.write("a worker outlived its sweep\n")
    return {"run_dir": run_dir, "ok": True, "status": "ok", "last": 0.0, "seconds": 60.0}
