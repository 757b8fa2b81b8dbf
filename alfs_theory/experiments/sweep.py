"""A grid of training runs (losses × noise models × rates × seeds), resumable and parallel.

Each cell of the grid is one :func:`alfs_theory.experiments.train.run_training` run in its own folder
``OUT/<dataset>/<loss>/<noise>-<rate>/seed<seed>``. A run with a complete ``record.json`` is
never redone; a run with only a checkpoint resumes from it. Runs go to a local process pool
(``workers``; each worker limits torch to ``threads`` CPU threads), or to a Ray cluster when
``ray_address`` is given and Ray is installed.

After the runs, the sweep collects every record into

* ``results.csv`` -- one row per run;
* ``results.md`` -- mean ± std of the clean test accuracy per (loss, noise, rate) over seeds,
  laid out like the paper's tables: once for the LAST epoch and once for the BEST epoch, each
  table saying which it is;
* ``theory_vs_experiment.csv`` / ``.md`` -- the checker's prediction (tolerant or not, verdict,
  symmetric-noise threshold) beside the measured accuracy and its drop from clean labels.

Example
-------
>>> from alfs_theory.experiments.sweep import SweepSpec, run_sweep
>>> spec = SweepSpec(losses=[("ce", {}), ("agce", {"a": 1, "q": 2})], noise=["symmetric"],
...                  rates=[0.0, 0.6], seeds=[0, 1], dataset="digits", epochs=30)
>>> summary = run_sweep(spec, "runs/sweep", workers=2)          # doctest: +SKIP
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AlfsError, InputError
from ..fileio import atomic_write, jsonable
from ..noise import noise_kind_rate
from ..progress import Progress
from .records import RECORD_FILE, load_record, record_is_complete
from .train import (
    CHECKPOINT_FILE,
    TrainConfig,
    config_diff,
    resolve_config,
    run_identity,
    run_training,
)

__all__ = ["SweepError", "SweepSpec", "collect_results", "csv_text", "make_grid", "mean_std",
           "noise_string_kind", "parse_loss_list", "pct_text", "run_sweep", "training_mp_context",
           "write_reports"]

NOISE_KINDS = ("symmetric", "pairflip", "asym", "clean")
_KIND_ALIASES = {"sym": "symmetric", "pair": "pairflip", "asymmetric": "asym"}


class SweepError(AlfsError, RuntimeError):
    """A sweep that cannot run as asked (e.g. Ray asked for but not installed)."""


@dataclass
class SweepSpec:
    """The grid: every loss × noise kind × rate × seed, on one data set.

    ``losses`` holds (name, params) pairs, so one loss may appear with several parameter
    settings; a name that is a key of ``exprs`` is a loss typed as that formula in u (its
    parameters from the pair). ``noise`` holds kinds (``symmetric``, ``pairflip``, ``asym``, ``clean``) or full
    noise strings / matrix files, which then ignore ``rates``. ``base`` carries every other
    training setting; ``epochs`` (when given) overrides its epochs.
    """

    losses: Sequence[tuple[str, Mapping[str, float]]]
    noise: Sequence[str] = ("symmetric",)
    rates: Sequence[float] = (0.0,)
    seeds: Sequence[int] = (0,)
    dataset: str = "digits"
    epochs: int | None = None
    base: TrainConfig = field(default_factory=TrainConfig)
    exprs: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Cell:
    run_dir: Path
    config: TrainConfig
    loss_label: str
    noise_kind: str
    rate: float | None


def _fmt_num(x: float) -> str:
    return f"{float(x):g}"


def _loss_label(name: str, params: Mapping[str, float], preset: str | None = None) -> str:
    """The loss's folder and report label: its name, the preset that fills its parameters
    (``preset=official``: another run than the registry's defaults) and the explicit ones."""
    parts = [name] + ([f"preset={str(preset).strip().lower()}"] if preset else [])
    parts += [f"{k}={_fmt_num(v)}" for k, v in sorted(params.items())]
    return "_".join(parts)


def _safe(s: str) -> str:
    keep = "".join(c if (c.isalnum() or c in "-_.=+") else "_" for c in s)
    return keep.strip("._") or "x"


def noise_string_kind(noise: str) -> tuple[str, float | None]:
    """The (kind, rate) a full noise string stands for in the reports: ``"symmetric:0.4"`` ->
    ("symmetric", 0.4), ``"sym:0.4"`` too, ``"clean"`` -> ("clean", 0.0); a matrix file ->
    (the string, None). The parse is :func:`alfs_theory.noise.noise_kind_rate`'s."""
    kind, rate = noise_kind_rate(noise)
    return (str(noise).strip(), None) if kind == "matrix" else (kind, rate)


def make_grid(spec: SweepSpec, out_dir: str | os.PathLike) -> list[Cell]:
    """Every run of the grid, validated (bad losses, rates, data sets raise before compute)."""
    if not spec.losses:
        raise InputError("a sweep needs at least one loss (e.g. --losses ce,agce)")
    if not spec.seeds:
        raise InputError("a sweep needs at least one seed (e.g. --seeds 0,1)")
    if not spec.noise:
        raise InputError("a sweep needs at least one noise kind (e.g. --noise symmetric)")
    out = Path(out_dir)
    cells: list[Cell] = []
    seen: set[Path] = set()
    for name, params in spec.losses:
        label = _loss_label(str(name).strip().lower(), dict(params), spec.base.preset)
        for kind_raw in spec.noise:
            kind = _KIND_ALIASES.get(str(kind_raw).strip().lower(), str(kind_raw).strip())
            if kind == "clean":
                variants = [("clean", "clean", 0.0, "clean")]
            elif kind in NOISE_KINDS:
                if not spec.rates:
                    raise InputError("a sweep over noise kinds needs --rates (e.g. 0.0,0.4)")
                variants = [(f"{kind}:{_fmt_num(r)}", kind, float(r), f"{kind}-{_fmt_num(r)}")
                            for r in spec.rates]
            else:  # a full noise string or a matrix file: rates do not apply
                k, rate = noise_string_kind(kind)  # "symmetric:0.4" still reads as one
                variants = [(kind, k, rate,
                             _safe(Path(kind).stem if os.sep in kind else kind))]
            for noise, k, rate, tag in variants:
                for seed in spec.seeds:
                    over = {"loss": name, "params": dict(params), "noise": noise,
                            "seed": int(seed), "dataset": spec.dataset,
                            "expr": spec.exprs.get(name)}
                    if spec.epochs is not None:
                        over["epochs"] = spec.epochs
                    cfg = dataclasses.replace(spec.base, **over)
                    resolved, _ = resolve_config(cfg)  # raises with a helpful message
                    run_dir = out / resolved.dataset / _safe(label) / tag / f"seed{seed}"
                    if run_dir in seen:
                        raise InputError(f"the grid repeats a run ({run_dir}); remove the "
                                         "duplicate loss, rate or seed")
                    seen.add(run_dir)
                    cells.append(Cell(run_dir, cfg, label, k, rate))
    return cells


def _stale_records(cells: Sequence[Cell], states: dict[Path, str]) -> list[str]:
    """Finished runs whose configuration is not the one the grid asks for now (a record whose
    configuration does not even read is corrupt: its run is redone, ``states`` updated)."""
    stale = []
    for c in cells:
        if states[c.run_dir] != "done":
            continue
        try:
            old = TrainConfig.from_dict(load_record(c.run_dir)["config"])
        except (OSError, AlfsError, TypeError, ValueError):
            states[c.run_dir] = "corrupt"
            continue
        a, b = run_identity(old), run_identity(resolve_config(c.config)[0])
        if a != b:
            stale.append(f"{c.run_dir}: {config_diff(a, b)}")
    return stale


def _state(cell: Cell) -> str:
    """done, corrupt (a record.json that is not a complete record: redone), partial or new."""
    if record_is_complete(cell.run_dir):
        return "done"
    if (cell.run_dir / RECORD_FILE).exists():
        return "corrupt"
    if (cell.run_dir / CHECKPOINT_FILE).exists():
        return "partial"
    return "new"


# ---------------------------------------------------------------------------------- workers
def _run_one(config: dict, run_dir: str, threads: int | None) -> dict:
    """Run one cell (in a worker); never raises, reports the outcome."""
    t0 = time.perf_counter()
    try:
        if threads:
            import torch

            torch.set_num_threads(threads)
        cfg = TrainConfig.from_dict(config)
        if threads:
            cfg.threads = threads
        rec = run_training(cfg, run_dir, progress=False)
        return {"run_dir": run_dir, "ok": True, "status": rec.get("status"),
                "last": rec["accuracy"]["last"], "seconds": time.perf_counter() - t0}
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {"run_dir": run_dir, "ok": False, "error": f"{type(exc).__name__}: {exc}",
                "seconds": time.perf_counter() - t0}


def _parent_alive(pid: int, ppid: int) -> bool:
    """Whether the sweep process ``pid`` still runs (this worker's parent was ``ppid``)."""
    if os.getppid() != ppid:  # re-parented: the process that forked us has died
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - alive, owned by someone else
        return True
    try:  # a killed parent that nobody has reaped yet is a zombie: dead for our purposes
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _worker_init(sweep_pid: int) -> None:
    """Make a pool worker end with the sweep that started it, SIGKILL included.

    Linux: the kernel sends SIGKILL when the worker's parent dies (PR_SET_PDEATHSIG; the parent
    is the forkserver, which exits as soon as the sweep's end of its pipe closes). Everywhere: a
    daemon thread checks twice a second that the sweep process is alive and ends the worker
    at once (``os._exit``, so no result of a dead sweep is written) when it is not.
    """
    import threading

    ppid = os.getppid()
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError, TypeError):  # pragma: no cover - not Linux
        pass

    def watch() -> None:
        while _parent_alive(sweep_pid, ppid):
            time.sleep(0.5)
        os._exit(1)

    if not _parent_alive(sweep_pid, ppid):
        os._exit(1)
    threading.Thread(target=watch, name="alfs-sweep-watchdog", daemon=True).start()


_DIED = ("the worker process running it died (killed by a signal, e.g. out of memory, or a "
         "crash in native code)")


def _run_pool(jobs: list, workers: int, runner, done) -> None:
    """Run ``jobs`` on a process pool; a worker that dies fails only the run it was running.

    A dead worker breaks the whole pool (every unfinished future raises BrokenProcessPool), so
    the runs it took down are run again one at a time, each in a fresh one-process pool: the run
    that kills its worker again is recorded as failed with that cause, the others finish.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    i = 0
    broken: list = []
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=training_mp_context(),
                             initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        futs = {pool.submit(runner, *j): j for j in jobs}
        for f in as_completed(futs):
            try:
                r = f.result()
            except BrokenProcessPool:
                broken.append(futs[f])
                continue
            i += 1
            done(r, i)
    for j in broken:  # isolate: which of them killed its worker?
        with ProcessPoolExecutor(max_workers=1, mp_context=training_mp_context(),
                                 initializer=_worker_init, initargs=(os.getpid(),)) as pool:
            try:
                r = pool.submit(runner, *j).result()
            except BrokenProcessPool:
                r = {"run_dir": j[1], "ok": False, "error": _DIED, "seconds": 0.0}
        i += 1
        done(r, i)


def training_mp_context():
    """The start method for processes that train: a fork server that has imported torch and
    the losses once (spawn where there is none); never plain fork of a process that may hold
    torch's threads."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # workers fork from a server that has imported torch and the losses once
        from ..losses.catalog import MODULES

        ctx.set_forkserver_preload(["torch", *(f"alfs_theory.losses.{m}" for m in MODULES),
                                    "alfs_theory.experiments.train",
                                    "alfs_theory.nn.functional", "alfs_theory.experiments.models",
                                    "alfs_theory.experiments.data", "alfs_theory.noise",
                                    "sklearn.datasets"])
        return ctx
    return mp.get_context("spawn")


def default_workers() -> int:
    try:
        import torch

        if torch.cuda.is_available():
            return 1
    except ImportError:  # pragma: no cover
        pass
    return max(1, min(4, os.cpu_count() or 1))


def run_sweep(spec: SweepSpec, out_dir: str | os.PathLike, *, workers: int | None = None,
              threads: int | None = None, ray_address: str | None = None,
              progress: bool = True, runner=None) -> dict:
    """Run every unfinished cell of the grid, then write the reports.

    Parameters
    ----------
    workers : local processes (default: 1 when CUDA is present, else up to 4 CPUs); 1 runs
        in this process.
    threads : torch CPU threads per run (default: ``spec.base.threads``, else
        :data:`~alfs_theory.nn.threads.DEFAULT_THREADS`, 1: the parallelism comes from the
        workers; more threads per small run cost CPU and gain no time).
    ray_address : run the cells as Ray tasks on this cluster (``auto``, ``local`` or an
        address); needs ``pip install ray``, alfs-theory installed on every node, and
        ``out_dir`` on a file system all nodes share (each task writes its run folder).
    runner : the picklable function that runs one cell, ``(config dict, run_dir, threads) ->
        outcome dict`` (default: training through :func:`~alfs_theory.experiments.train.run_training`);
        tests pass one that crashes its worker.

    Pool workers end with the sweep (SIGKILL included); a worker that dies fails only its run
    (recorded in ``failed.json`` with the cause), and the other runs finish.

    Returns
    -------
    A summary: counts of cells ``total``, ``done_before`` (skipped), ``resumed``, ``new``,
    the ``failed`` runs with their errors, and the report paths.
    """
    out = Path(out_dir)
    runner = _run_one if runner is None else runner
    ray = None
    if ray_address is not None:
        from ..argtypes import check_ray_address

        check_ray_address(ray_address)  # an unreachable cluster: refused in seconds
        try:
            import ray
        except ImportError:
            raise SweepError(f"--ray {ray_address} needs Ray, which is not installed here: "
                             "pip install ray (or run without --ray to use the local "
                             "process pool)") from None
    cells = make_grid(spec, out)
    if workers is None:
        workers = default_workers()
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InputError(f"workers must be an integer >= 1, got {workers!r}")
    if threads is None:
        from ..nn.threads import DEFAULT_THREADS

        threads = spec.base.threads or DEFAULT_THREADS
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise InputError(f"threads must be an integer >= 1, got {threads!r}")
    states = {c.run_dir: _state(c) for c in cells}
    stale = _stale_records(cells, states)
    if stale:
        raise SweepError(f"{out} holds {len(stale)} finished run(s) of a different "
                         f"configuration, e.g. {stale[0]}; use another --out (finished runs "
                         "are never redone or overwritten)")
    todo = [c for c in cells if states[c.run_dir] != "done"]
    summary: dict[str, Any] = {
        "total": len(cells),
        "done_before": sum(s == "done" for s in states.values()),
        "resumed": sum(s == "partial" for s in states.values()),
        "new": sum(s == "new" for s in states.values()),
        "corrupt": sorted(str(d) for d, s in states.items() if s == "corrupt"),
        "failed": [],
    }
    out.mkdir(parents=True, exist_ok=True)
    from ..fileio import clean_stale_temps

    clean_stale_temps(out)
    atomic_write(out / "sweep.json", json.dumps(jsonable({
        "losses": [[n, dict(p)] for n, p in spec.losses], "noise": list(spec.noise),
        "rates": list(spec.rates), "seeds": list(spec.seeds), "dataset": spec.dataset,
        "epochs": spec.epochs, "base": spec.base.to_dict(),
        "runs": [str(c.run_dir.relative_to(out)) for c in cells]}), indent=2) + "\n")

    def say(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    say(f"sweep {out}: {len(cells)} runs, {summary['done_before']} already finished, "
        f"{summary['resumed']} to resume, {summary['new']} new"
        + (f", {len(summary['corrupt'])} with a corrupt record (trained again)"
           if summary["corrupt"] else "")
        + (f"; {workers} worker(s) x {threads} thread(s)" if todo and ray is None else ""))
    for d in summary["corrupt"]:
        say(f"  corrupt record, run again: {Path(d) / RECORD_FILE}")
    jobs = [(c.config.to_dict(), str(c.run_dir), threads) for c in todo]
    results: list[dict] = []
    bar = Progress(len(jobs), "runs", enabled=progress)  # rate and time left; a bar on a tty

    def done(r: dict, i: int) -> None:
        results.append(r)
        rel = os.path.relpath(r["run_dir"], out)
        if r["ok"]:
            bar.step(f"{rel}: last-epoch test acc {r['last']:.4f} ({r['seconds']:.1f} s)")
        else:
            bar.note(f"[{i}/{len(jobs)}] {rel}: FAILED {r['error']}")
            bar.step()

    if jobs:
        if ray is not None:
            addr = None if ray_address in ("local", "") else ray_address
            if not ray.is_initialized():
                ray.init(address=addr, ignore_reinit_error=True, log_to_driver=False)
            remote = ray.remote(num_cpus=threads)(runner)
            pending = [remote.remote(*j) for j in jobs]
            i = 0
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                i += 1
                done(ray.get(ready[0]), i)
        elif workers == 1 or len(jobs) == 1:
            for i, j in enumerate(jobs, 1):
                done(runner(*j), i)
        else:
            _run_pool(jobs, workers, runner, done)
    bar.close()
    summary["failed"] = [{"run_dir": r["run_dir"], "error": r["error"]}
                         for r in results if not r["ok"]]
    failed_file = out / "failed.json"
    if summary["failed"]:  # what failed and why, beside the reports (finished runs are kept)
        atomic_write(failed_file, json.dumps(summary["failed"], indent=2) + "\n")
    elif failed_file.exists():
        failed_file.unlink()
    summary["ran"] = len(results)
    rows = collect_results(cells, out)
    summary["reports"] = write_reports(rows, out, seeds=list(spec.seeds))
    say(f"sweep {out}: {len(rows)}/{len(cells)} runs finished; reports in {out}")
    return summary


# ---------------------------------------------------------------------------------- reports
CSV_FIELDS = ["loss", "params", "loss_label", "noise", "noise_kind", "rate", "sampling",
              "seed", "status", "nominal_rate", "actual_rate", "last_acc", "last_epoch",
              "best_acc", "best_epoch", "memorised_last", "noisy_train_acc_last",
              "predicted_tolerant", "verdict", "threshold_symmetric", "prediction_detail",
              "run_dir"]


def collect_results(cells: Sequence[Cell], out_dir: str | os.PathLike) -> list[dict]:
    """One row per finished run of the grid (runs without a complete record are left out)."""
    out = Path(out_dir)
    rows = []
    for c in cells:
        if not record_is_complete(c.run_dir):
            continue
        rec = load_record(c.run_dir)
        pred = rec.get("prediction") or {}
        final = rec.get("final") or {}
        rows.append({
            "loss": rec["loss"]["name"],
            "params": ";".join(f"{k}={_fmt_num(v)}" for k, v in rec["loss"]["params"].items()),
            "loss_label": c.loss_label,
            "noise": rec["noise"]["spec"],
            "noise_kind": c.noise_kind,
            "rate": c.rate,
            "sampling": rec["noise"]["sampling"],
            "seed": rec["config"]["seed"],
            "status": rec.get("status"),
            "nominal_rate": rec["noise"]["nominal_rate"],
            "actual_rate": rec["noise"]["actual_rate"],
            "last_acc": rec["accuracy"]["last"],
            "last_epoch": rec["accuracy"]["last_epoch"],
            "best_acc": rec["accuracy"]["best"],
            "best_epoch": rec["accuracy"]["best_epoch"],
            "memorised_last": final.get("memorised"),
            "noisy_train_acc_last": final.get("noisy_train_acc"),
            "predicted_tolerant": pred.get("tolerant"),
            "verdict": pred.get("verdict"),
            "threshold_symmetric": pred.get("threshold_symmetric"),
            "prediction_detail": pred.get("detail", ""),
            "run_dir": os.path.relpath(c.run_dir, out),
        })
    return rows


def mean_std(xs: Sequence[float]) -> tuple[float | None, float | None]:
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, None
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def pct_text(m: float | None, s: float | None) -> str:
    if m is None:
        return "-"
    return f"{100 * m:.2f}" + (f" ± {100 * s:.2f}" if s is not None else "")


def csv_text(rows: Sequence[Mapping], fields: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fields})
    return buf.getvalue()


def _rate_key(r: float | None) -> float:
    return -1.0 if r is None else r


def write_reports(rows: Sequence[dict], out_dir: str | os.PathLike,
                  seeds: Sequence[int] | None = None) -> dict[str, str]:
    """Write results.csv/.md and theory_vs_experiment.csv/.md from :func:`collect_results`."""
    out = Path(out_dir)
    paths = {name: str(out / name) for name in ("results.csv", "results.md",
                                                "theory_vs_experiment.csv",
                                                "theory_vs_experiment.md")}
    atomic_write(out / "results.csv", csv_text(rows, CSV_FIELDS))
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["loss_label"], r["noise_kind"], r["rate"], r["noise"])].append(r)
    losses = list(dict.fromkeys(r["loss_label"] for r in rows))
    kinds = list(dict.fromkeys(r["noise_kind"] for r in rows))
    sampling = sorted({r["sampling"] for r in rows})
    seed_text = ", ".join(str(s) for s in (seeds or sorted({r["seed"] for r in rows})))

    md = ["# Results", ""]
    if not rows:
        md.append("No finished runs yet.")
    else:
        md += [(f"Clean test accuracy (%), mean ± sample std (ddof = 1) over seeds {seed_text}; "
               f"noise sampling: {', '.join(sampling)}; nominal rates in the column heads "
               "(results.csv also holds the actual fraction of labels changed per run)."), ""]
        for which, key in (("LAST epoch (the final model; no selection on the test set)",
                            "last_acc"),
                           ("BEST epoch (max over epochs, chosen on the test set: optimistic)",
                            "best_acc")):
            for kind in kinds:
                rates = sorted({r["rate"] for r in rows if r["noise_kind"] == kind},
                               key=_rate_key)
                md.append(f"## {kind} noise: accuracy at the {which}")
                md.append("")
                head = ["loss"] + [("rate " + _fmt_num(x)) if x is not None else kind
                                   for x in rates]
                md.append("| " + " | ".join(head) + " |")
                md.append("|" + "---|" * len(head))
                for loss in losses:
                    cells = []
                    for rate in rates:
                        grp = [r for (lbl, k, rt, _), rs in groups.items()
                               if lbl == loss and k == kind and rt == rate for r in rs]
                        m, s = mean_std([g[key] for g in grp])
                        cells.append(pct_text(m, s) + (f" (n={len(grp)})" if 0 < len(grp) < 2
                                                   else ""))
                    md.append(f"| {loss} | " + " | ".join(cells) + " |")
                md.append("")
    atomic_write(out / "results.md", "\n".join(md) + "\n")

    # theory beside experiment: one row per (loss, noise) cell
    clean_ref: dict[tuple, float | None] = {}
    clean_sd: dict[tuple, float | None] = {}
    for (lbl, kind, rate, _), rs in groups.items():
        if rate == 0.0 or kind == "clean":
            m, sd = mean_std([r["last_acc"] for r in rs])
            clean_ref.setdefault(lbl, m)
            clean_sd.setdefault(lbl, sd)
    tv = []
    for (lbl, kind, rate, noise), rs in sorted(groups.items(),
                                               key=lambda kv: (losses.index(kv[0][0]),
                                                               kinds.index(kv[0][1]),
                                                               _rate_key(kv[0][2]))):
        m_last, s_last = mean_std([r["last_acc"] for r in rs])
        m_best, _ = mean_std([r["best_acc"] for r in rs])
        m_mem, _ = mean_std([r["memorised_last"] for r in rs])
        m_act, _ = mean_std([r["actual_rate"] for r in rs])
        ref = clean_ref.get(lbl)
        p = rs[0]
        tv.append({
            "loss": lbl, "noise": noise, "noise_kind": kind, "rate": rate,
            "predicted_tolerant": p["predicted_tolerant"], "verdict": p["verdict"],
            "threshold_symmetric": p["threshold_symmetric"],
            "n_seeds": len(rs), "actual_rate_mean": m_act,
            "last_acc_mean": m_last, "last_acc_std": s_last, "best_acc_mean": m_best,
            "drop_from_clean_last": (None if ref is None or m_last is None else ref - m_last),
            "memorised_last_mean": m_mem,
            "prediction_detail": p["prediction_detail"],
        })
        tv[-1].update(grade_agreement(tv[-1], s_last, clean_sd.get(lbl)))
    tv_fields = ["loss", "noise", "noise_kind", "rate", "predicted_tolerant", "verdict",
                 "threshold_symmetric", "n_seeds", "actual_rate_mean", "last_acc_mean",
                 "last_acc_std", "best_acc_mean", "drop_from_clean_last", "memorised_last_mean",
                 "agreement", "agreement_rule", "prediction_detail"]
    atomic_write(out / "theory_vs_experiment.csv", csv_text(tv, tv_fields))
    md = ["# Theory beside experiment", "",
          ("Prediction: the checker's verdict on whether the loss is noise-tolerant for the "
          "nominal transition matrix (T1: asymmetric loss + clean-labels-dominant noise), and "
          "the largest symmetric noise rate it certifies. Measured: clean test accuracy at the "
          "LAST epoch (mean ± std over seeds), its drop from the same loss on clean labels "
          "(rate 0 in this sweep), and the fraction of flipped training samples the network "
          "predicts as their noisy label at the last epoch (memorised). Tolerance is a "
          "statement about risk minimisers, so read a small drop and low memorisation as "
          "agreement, not proof."), ""]
    md.append(AGREEMENT_RULE)
    md.append("")
    if not tv:
        md.append("No finished runs yet.")
    else:
        bad = [t for t in tv if t["agreement"] == "contradicts"]
        if bad:
            md.append(f"**{len(bad)} contradiction(s)** between the prediction and the "
                      "measurement:")
            md.append("")
            for t in bad:
                md.append(f"- {t['loss']} at {t['noise']}: {t['agreement_rule']}")
            md.append("")
        else:
            md += ["No contradiction between the predictions and the measurements.", ""]
        md.append("| loss | noise | predicted tolerant | verdict | threshold (sym.) | "
                  "last acc (%) | drop (pts) | memorised | seeds | agreement |")
        md.append("|---|---|---|---|---|---|---|---|---|---|")
        for t in tv:
            thr = t["threshold_symmetric"]
            drop = t["drop_from_clean_last"]
            mem = t["memorised_last_mean"]
            md.append(
                f"| {t['loss']} | {t['noise']} | "
                f"{'-' if t['predicted_tolerant'] is None else t['predicted_tolerant']} | "
                f"{t['verdict'] or 'unavailable'} | {'-' if thr is None else f'{thr:.4g}'} | "
                f"{pct_text(t['last_acc_mean'], t['last_acc_std'])} | "
                f"{'-' if drop is None else f'{100 * drop:.2f}'} | "
                f"{'-' if mem is None else f'{mem:.3f}'} | {t['n_seeds']} | "
                f"{t['agreement']} |")
        notes: dict[str, str] = {}  # once per loss: the checker's reading at its noisiest cell
        for t in tv:
            if t["prediction_detail"] and (t["rate"] or 0) > 0:
                notes[t["loss"]] = f"{t['noise']}: {t['prediction_detail']}"
        if notes:
            md += ["", "Notes from the checker (one per loss, at its noisiest rate):", ""]
            md += [f"- {loss}: {d}" for loss, d in notes.items()]
    atomic_write(out / "theory_vs_experiment.md", "\n".join(md) + "\n")
    return paths


AGREEMENT_RULE = (
    "Agreement rule (per cell with noise; s = 2 x (std over seeds of this cell + std of the "
    "loss's clean cell), 0.05 when there is one seed): predicted tolerant and a drop from "
    "clean below 5 points + s: **agrees**; predicted tolerant and a drop above 20 points + s: "
    "**contradicts**; predicted not tolerant and a drop above 5 points + s or more than 30% "
    "of the flipped samples memorised: **agrees**; everything else: **inconclusive** (a "
    "finite network trained for a few epochs need not reach the risk minimiser the theory is "
    "about).")


def _fmt_threshold(x) -> str:
    try:
        return f"{float(x):.4g}"
    except (TypeError, ValueError):
        return str(x)


def grade_agreement(t: Mapping, sd_cell: float | None, sd_clean: float | None) -> dict:
    """``agreement`` (agrees / contradicts / inconclusive / -) and the reason, for one row of
    the theory-vs-experiment table, by :data:`AGREEMENT_RULE`."""
    drop, tol, mem = t.get("drop_from_clean_last"), t.get("predicted_tolerant"), \
        t.get("memorised_last_mean")
    if (t.get("rate") or 0) == 0 or t.get("noise_kind") == "clean":
        return {"agreement": "-", "agreement_rule": "clean labels: the reference"}
    if drop is None or tol is None:
        return {"agreement": "inconclusive", "agreement_rule": "no clean reference run or no "
                "prediction"}
    n = t.get("n_seeds") or 1
    s = 0.05 if n < 2 or sd_cell is None or sd_clean is None else 2 * (sd_cell + sd_clean)
    pts = f"drop {100 * drop:.1f} points (allowance s = {100 * s:.1f})"
    if tol in (True, "True"):
        if drop <= 0.05 + s:
            return {"agreement": "agrees", "agreement_rule": f"predicted tolerant; {pts}"}
        if drop >= 0.20 + s:
            return {"agreement": "contradicts",
                    "agreement_rule": f"predicted tolerant (threshold "
                                      f"{_fmt_threshold(t.get('threshold_symmetric'))}) but "
                                      f"{pts}"}
        return {"agreement": "inconclusive", "agreement_rule": f"predicted tolerant; {pts}"}
    if drop > 0.05 + s or (mem is not None and mem > 0.3):
        return {"agreement": "agrees", "agreement_rule": f"predicted not tolerant; {pts}"
                + (f", memorised {mem:.2f}" if mem is not None else "")}
    return {"agreement": "inconclusive", "agreement_rule": f"predicted not tolerant yet robust "
            f"here; {pts}"}


# ---------------------------------------------------------------------------------- CLI
def parse_loss_list(losses: str, loss_params: Sequence[str] | None = None
                    ) -> list[tuple[str, dict[str, float]]]:
    """``"ce,agce"`` and ``["agce:a=1", "agce:q=2"]`` -> [("ce", {}), ("agce", {a:1, q:2})]."""
    from ..argtypes import parse_params

    names = [n.strip().lower() for n in str(losses).split(",") if n.strip()]
    if not names:
        raise InputError(f"--losses expects comma-separated loss names, got {losses!r}")
    per: dict[str, list[str]] = defaultdict(list)
    for item in loss_params or ():
        loss, sep, rest = item.partition(":")
        if not sep or "=" not in rest:
            raise InputError(f"--loss-param expects LOSS:NAME=VALUE (e.g. agce:a=1), "
                             f"got {item!r}")
        loss = loss.strip().lower()
        if loss not in names:
            raise InputError(f"--loss-param {item!r} names loss {loss!r}, which is not in "
                             f"--losses ({', '.join(names)})")
        per[loss].append(rest)
    return [(n, parse_params(per.get(n), prefix=f"--loss-param {n}:")) for n in names]
