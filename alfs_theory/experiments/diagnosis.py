"""Why a cell of the theory-vs-experiment table contradicts its prediction: the evidence.

For each cell graded ``contradicts`` by :func:`alfs_theory.experiments.sweep.grade_agreement`,
:func:`diagnose_contradictions` gathers what the data can say:

* **curves over epochs**, mean over the cell's seeds: clean test accuracy, accuracy on the
  *clean subset* of the training set (samples whose label was not flipped), accuracy on the
  *flipped subset* measured against the true labels, and the fraction of flipped samples the
  network predicts as their noisy label (memorised). The two subset accuracies are exact
  functions of what every run records per epoch: with f the fraction flipped,
  ``noisy_train_acc = (1 − f)·A_clean + f·memorised`` and
  ``clean_train_acc = (1 − f)·A_clean + f·A_flipped``.
* **the noisy population minimiser** at the cell's transition matrix (the risk minimiser the
  theorem is about), found numerically by ``alfs_theory.population.numeric_minimiser``:
  whether its largest coordinate is still the true class, and its u_y.
* **follow-up runs** (optional): the cell's first seed trained three times as long, and on
  twice the training data where the data set has more. Each is a normal resumable run
  folder under ``<sweep>/diagnosis/``.
* **a reading**: which of the three explanations the numbers support: the population
  minimiser moved (then the prediction itself is in question), the network memorised flipped
  labels, or it under-fits the clean samples too (an optimisation limit the theorem, a
  statement about risk minimisers, does not address); and whether more epochs or data move
  the accuracy towards the prediction.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..errors import AlfsError
from ..fileio import atomic_write
from .records import load_record, read_metrics

__all__ = ["diagnose_contradictions", "cell_curves", "population_minimiser", "subset_accuracies"]

LONGER_FACTOR = 3  # follow-up: epochs x 3
MORE_DATA_FACTOR = 2  # follow-up: training subset x 2
MOVED = 0.05  # a follow-up "moves" the cell when its accuracy changes by more than 5 points


def _say(msg: str) -> None:
    print(f"[alfs diagnose] {msg}", file=sys.stderr, flush=True)


def subset_accuracies(noisy_acc, clean_acc, memorised, frac_flipped):
    """(accuracy on the clean subset, accuracy on the flipped subset against true labels)
    from one epoch's recorded metrics; None where they cannot be recovered."""
    f = frac_flipped
    if noisy_acc is None or f is None or not (0 <= f <= 1):
        return None, None
    if f == 0:
        return noisy_acc, None
    if memorised is None or f == 1:
        return None, None
    a_clean = (noisy_acc - f * memorised) / (1 - f)
    a_flip = None if clean_acc is None else (clean_acc - (1 - f) * a_clean) / f
    clip = (lambda x: None if x is None else min(1.0, max(0.0, x)))  # rounding of the records
    return clip(a_clean), clip(a_flip)


def _mean(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return float(np.mean(xs)) if xs else None


def cell_curves(run_dirs: Sequence[str | Path]) -> dict:
    """Per-epoch curves of one cell, mean over its runs (see the module docstring)."""
    per_run = []
    for d in run_dirs:
        rec = load_record(d, complete=True)
        f = rec["noise"].get("actual_rate")
        rows = []
        for m in read_metrics(d):
            a_c, a_f = subset_accuracies(m.get("noisy_train_acc"), m.get("clean_train_acc"),
                                         m.get("memorised"), f)
            rows.append({"epoch": m["epoch"], "test_acc": m.get("test_acc"),
                         "clean_subset_acc": a_c, "flipped_subset_acc": a_f,
                         "memorised": m.get("memorised")})
        per_run.append(rows)
    n_ep = min((len(r) for r in per_run), default=0)
    keys = ("test_acc", "clean_subset_acc", "flipped_subset_acc", "memorised")
    curves = {"epoch": [per_run[0][i]["epoch"] for i in range(n_ep)] if per_run else []}
    for k in keys:
        curves[k] = [_mean([r[i][k] for r in per_run]) for i in range(n_ep)]
    curves["n_runs"] = len(per_run)
    return curves


def population_minimiser(spec, T_row, *, max_rows: int = 10, seed: int = 0) -> dict:
    """The noisy population minimiser for the rows of T (at most ``max_rows`` of them): for
    each true class t, argmax of u* and u*_t. ``at_clean`` is True when every row checked has
    its largest coordinate at t."""
    from ..population import numeric_minimiser

    T = np.asarray(T_row, dtype=float)
    K = T.shape[0]
    rows = list(range(min(K, max_rows)))
    out = []
    for t in rows:
        u, risk = numeric_minimiser(spec, T[t], seed=seed)
        out.append({"class": t, "argmax": int(np.argmax(u)), "u_true": float(u[t]),
                    "risk": float(risk)})
    return {"rows": out, "rows_checked": len(rows), "K": K,
            "at_clean": all(r["argmax"] == r["class"] for r in out),
            "min_u_true": min(r["u_true"] for r in out) if out else None}


def _spec_of(rec: Mapping):
    from .train import TrainConfig, loss_spec

    cfg = TrainConfig(**{k: v for k, v in rec["config"].items()
                         if k in {f.name for f in dataclasses.fields(TrainConfig)}})
    return loss_spec(cfg), cfg


def _train_followup(c, d: Path):
    """One follow-up run (in a worker process or here): its record, or the text of the
    project's error that stopped it (e.g. a subset larger than the data set)."""
    from .train import run_training

    try:
        return run_training(c, d, progress=False), None
    except AlfsError as exc:
        return None, str(exc)


def _followups(cfg, rec: Mapping, where: Path, progress: bool, workers: int = 1) -> list[dict]:
    out = []
    plans = [("longer", f"{LONGER_FACTOR}x epochs",
              dataclasses.replace(cfg, epochs=int(cfg.epochs) * LONGER_FACTOR))]
    n_train = (rec.get("dataset") or {}).get("n_train")
    n_avail = (rec.get("dataset") or {}).get("n_train_available")  # absent: run_training says
    if cfg.train_subset:
        bigger = cfg.train_subset * MORE_DATA_FACTOR
        if n_avail is None or bigger <= n_avail:
            plans.append(("more-data", f"{MORE_DATA_FACTOR}x training data "
                          f"({cfg.train_subset} -> {bigger})",
                          dataclasses.replace(cfg, train_subset=bigger)))
        else:
            out.append({"kind": "more-data", "skipped": f"the data set has {n_avail} "
                        "training samples, fewer than twice the subset"})
    else:
        out.append({"kind": "more-data", "skipped": "the run already uses every training "
                    f"sample{f' ({n_train})' if n_train else ''}"})
    jobs = [(dataclasses.replace(c, keep_checkpoint=False), where / kind) for kind, _, c in plans]
    for (kind, what, _), (_, d) in zip(plans, jobs):
        if progress:
            _say(f"follow-up {what}: {d}")
    if workers > 1 and len(jobs) > 1:  # one process each: the runs are independent
        from concurrent.futures import ProcessPoolExecutor

        from .sweep import training_mp_context

        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)),
                                 mp_context=training_mp_context()) as pool:
            done = list(pool.map(_train_followup, *zip(*jobs)))
    else:
        done = [_train_followup(c, d) for c, d in jobs]
    for (kind, what, c), (_, d), (r, problem) in zip(plans, jobs, done):
        if r is None:
            out.append({"kind": kind, "skipped": problem})
            continue
        out.append({"kind": kind, "what": what, "run_dir": str(d), "seed": c.seed,
                    "last_acc": r["accuracy"]["last"], "best_acc": r["accuracy"]["best"],
                    "memorised": (r.get("final") or {}).get("memorised")})
    return out


def _reading(cell: Mapping, curves: Mapping, pop: Mapping | None, follow: list[dict],
             base_acc: float | None, clean_ref: float | None) -> str:
    parts = []
    if pop is not None:
        if pop["at_clean"]:
            parts.append(f"the noisy population minimiser still puts its largest mass on the "
                         f"true class (u*_y ≥ {pop['min_u_true']:.3g} over "
                         f"{pop['rows_checked']} class(es)), so at the population level the "
                         "prediction stands")
        else:
            parts.append("the noisy population minimiser has moved off the true class: the "
                         "prediction itself is in question (report this to the checker)")
    a_c = curves["clean_subset_acc"][-1] if curves.get("clean_subset_acc") else None
    mem = curves["memorised"][-1] if curves.get("memorised") else None
    if mem is not None and mem > 0.3:
        parts.append(f"the network memorised {100 * mem:.0f}% of the flipped labels")
    if a_c is not None and clean_ref is not None and a_c < clean_ref - 0.1:
        parts.append(f"it fits only {100 * a_c:.0f}% of the correctly labelled training samples "
                     f"(clean run: {100 * clean_ref:.0f}% test accuracy): under-fitting, an "
                     "optimisation limit that a statement about risk minimisers does not "
                     "address")
    for f in follow:
        if "skipped" in f:
            parts.append(f"{f['kind']}: not run ({f['skipped']})")
            continue
        if base_acc is None:
            continue
        delta = f["last_acc"] - base_acc
        move = ("moves it towards the prediction" if delta > MOVED else
                "moves it away" if delta < -MOVED else "does not move it")
        parts.append(f"{f['what']} {move} (seed {f['seed']}: test accuracy "
                     f"{100 * base_acc:.1f}% -> {100 * f['last_acc']:.1f}%)")
    return "; ".join(parts) + "." if parts else "no evidence could be gathered."


def _plot(path: Path, title: str, curves: Mapping, follow: list[dict]) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ep = curves["epoch"]
    for key, lab in (("test_acc", "test accuracy (clean labels)"),
                     ("clean_subset_acc", "train: clean subset"),
                     ("flipped_subset_acc", "train: flipped subset, true labels"),
                     ("memorised", "train: flipped subset, memorised")):
        ys = curves.get(key) or []
        if any(y is not None for y in ys):
            ax.plot(ep, [np.nan if y is None else y for y in ys], marker=".", label=lab)
    for f in follow:
        if "run_dir" in f:
            ms = read_metrics(f["run_dir"])
            ax.plot([m["epoch"] for m in ms], [m.get("test_acc") for m in ms], ls="--", lw=1,
                    color="k" if f["kind"] == "longer" else "g",
                    label=f"test accuracy, seed 0, {f['what']}")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110,
                                             metadata={"Software": None}))
    plt.close(fig)
    return str(path)


def diagnose_contradictions(sweep_dir: str | Path, *, followups: bool = True,
                            max_followups: int = 2, progress: bool = True,
                            workers: int = 1) -> list[dict]:
    """Diagnose every ``contradicts`` cell of ``<sweep_dir>/theory_vs_experiment.csv``.

    Writes ``<sweep_dir>/diagnosis/diagnosis.json`` and one figure per cell, and returns the
    list of diagnoses (loss, noise, reading, curves, population, followups, figure).
    Follow-up runs are made for the ``max_followups`` cells with the largest drop (0: none);
    they resume like every run. With ``workers`` > 1 a cell's follow-up runs train side by
    side, one process each (each at the run's own thread count, 1 by default).
    """
    import csv

    sweep = Path(sweep_dir)
    tv_path, res_path = sweep / "theory_vs_experiment.csv", sweep / "results.csv"
    if not tv_path.exists() or not res_path.exists():
        return []
    with open(tv_path, encoding="utf-8") as f:
        tv = list(csv.DictReader(f))
    with open(res_path, encoding="utf-8") as f:
        results = list(csv.DictReader(f))
    bad = [t for t in tv if t.get("agreement") == "contradicts"]
    bad.sort(key=lambda t: -float(t.get("drop_from_clean_last") or 0))
    where = sweep / "diagnosis"
    out = []
    for i, t in enumerate(bad):
        runs = sorted((r for r in results if r["loss_label"] == t["loss"]
                       and r["noise"] == t["noise"]), key=lambda r: int(r["seed"]))
        if not runs:
            continue
        for r in runs:  # results.csv holds run folders relative to the sweep folder
            r["run_dir"] = str(sweep / r["run_dir"]) if not Path(r["run_dir"]).is_absolute() \
                else r["run_dir"]
        if progress:
            _say(f"{i + 1}/{len(bad)} {t['loss']} at {t['noise']}")
        clean_runs = [r for r in results if r["loss_label"] == t["loss"]
                      and float(r.get("rate") or 0) == 0]
        clean_ref = _mean([float(r["last_acc"]) for r in clean_runs]) if clean_runs else None
        curves = cell_curves([r["run_dir"] for r in runs])
        rec = load_record(runs[0]["run_dir"], complete=True)
        spec, cfg = _spec_of(rec)
        T = rec["noise"].get("transition_matrix")
        pop = population_minimiser(spec, T) if T is not None else None
        tag = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in
                      f"{t['loss']}__{t['noise']}")
        follow = (_followups(cfg, rec, where / tag, progress, workers)
                  if followups and i < max_followups else [])
        base = _mean([float(r["last_acc"]) for r in runs])
        reading = _reading(t, curves, pop, follow, float(runs[0]["last_acc"]), clean_ref)
        where.mkdir(parents=True, exist_ok=True)
        if followups and i >= max_followups:
            reading = reading[:-1] + (f"; no follow-up runs (only the {max_followups} largest "
                                      "drops get them).")
        fig = _plot(where / f"{tag}.png", f"{t['loss']} at {t['noise']} "
                    f"(mean of {curves['n_runs']} seed(s))", curves, follow)
        out.append({"loss": t["loss"], "noise": t["noise"], "why": t.get("agreement_rule"),
                    "last_acc_mean": base, "clean_last_acc_mean": clean_ref,
                    "reading": reading, "curves": curves, "population": pop,
                    "followups": follow, "figure": fig})
    if out or where.exists():
        where.mkdir(parents=True, exist_ok=True)
        atomic_write(where / "diagnosis.json", json.dumps(out, indent=2, default=str))
    return out
