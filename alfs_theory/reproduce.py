"""``alfs reproduce``: the paper's loss set measured on real data.

Runs the loss set of the paper's tables (Zhou et al. 2021: CE, GCE, SCE, NCE+RCE, AGCE, AUL,
AEL, NCE+AGCE, NCE+AUL, NCE+AEL) with

* the official per-data-set loss parameters (``preset="official"``, :mod:`alfs_theory.experiments.presets`),
* the official network and schedule of the data set (SGD, momentum 0.9, cosine annealing;
  Fashion-MNIST takes MNIST's: 4-layer CNN, lr 0.01, weight decay 1e-3, batch 128),
* the noise as the official code makes it (sampling ``"published"``), over symmetric 0.0 / 0.4
  / 0.8 and asymmetric 0.2 / 0.4, three seeds,

and writes ``reproduction.md`` / ``.csv`` / ``.json`` and ``reproduction.png``: the clean test
accuracy, mean ± std over seeds, at the last and at the best epoch, the checker's prediction
and the graded agreement per cell, the command, the machine and the wall time. It is a sweep
underneath (``<out>/fashion-mnist/...``): interrupted, it resumes without redoing finished runs.

Settings: ``cpu`` (default) trains on class-stratified subsets for a few epochs so that the grid
fits in about an hour on 2 CPU cores; ``full`` is the paper's grid (all data, the preset's 50
epochs for MNIST / Fashion-MNIST), meant for a GPU. Each is stated in the report.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError
from .fileio import atomic_write

__all__ = ["PAPER_LOSSES", "PAPER_NOISE", "PAPER_SEEDS", "SETTINGS", "SIGNIFICANCE_TEXT",
           "best_vs_runner_up", "reproduction_spec", "reproduction_rows", "run_reproduction",
           "write_reproduction"]

#: The loss set of the paper's tables, in their order.
PAPER_LOSSES = ("ce", "gce", "sce", "nce+rce", "agce", "aul", "ael", "nce+agce", "nce+aul",
                "nce+ael")
#: symmetric 0.0 (clean) / 0.4 / 0.8 and asymmetric 0.2 / 0.4
PAPER_NOISE = ("clean", "symmetric:0.4", "symmetric:0.8", "asym:0.2", "asym:0.4")
PAPER_SEEDS = (0, 1, 2)
#: what each setting trains. ``cpu``: about an hour on 2 CPU cores for the 150 runs of the grid
#: (measured: 20 s a run with 2 workers of 1 thread); ``full``: the paper's grid, for a GPU.
SETTINGS: dict[str, dict[str, Any]] = {
    "cpu": {"train_subset": 4000, "test_subset": 2000, "epochs": 8,
            "why": "class-stratified subsets and 8 of the schedule's epochs, so that the grid "
                   "fits in about an hour on 2 CPU cores"},
    "full": {"train_subset": None, "test_subset": None, "epochs": None,
             "why": "the paper's grid: all training and test data, the preset's epochs"},
}
_FULL_SIZES = {"mnist": (60000, 10000), "fashion-mnist": (60000, 10000),
               "cifar10": (50000, 10000), "cifar100": (50000, 10000)}
_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10",
           "cifar100": "CIFAR-100", "digits": "8x8 digits"}
_NOISE_TITLE = {"clean": "clean", "symmetric": "sym", "asym": "asym"}


def reproduction_spec(*, dataset: str = "fashion-mnist", setting: str = "cpu",
                      train_subset: int | None = None, test_subset: int | None = None,
                      epochs: int | None = None, seeds: Sequence[int] = PAPER_SEEDS,
                      losses: Sequence[str] = PAPER_LOSSES, noise: Sequence[str] = PAPER_NOISE,
                      sampling: str = "published", device: str = "auto",
                      data_root: str | None = None):
    """The reproduction grid as a :class:`~alfs_theory.experiments.sweep.SweepSpec` (values given here win
    over the setting's)."""
    from .experiments.sweep import SweepSpec
    from .experiments.train import TrainConfig

    if setting not in SETTINGS:
        raise InputError(f"setting must be one of {', '.join(SETTINGS)}; got {setting!r}")
    s = SETTINGS[setting]
    base = TrainConfig(dataset=dataset, data_root=data_root, preset="official",
                       sampling=sampling, device=device,
                       train_subset=s["train_subset"] if train_subset is None else train_subset,
                       test_subset=s["test_subset"] if test_subset is None else test_subset)
    return SweepSpec(losses=[(str(n).strip().lower(), {}) for n in losses],
                     noise=list(noise), seeds=list(seeds), dataset=dataset,
                     epochs=s["epochs"] if epochs is None else epochs, base=base)


def _noise_title(spec: str) -> str:
    kind, _, rate = str(spec).partition(":")
    return f"{_NOISE_TITLE.get(kind, kind)} {rate}".strip()


def reproduction_rows(sweep_rows: Sequence[Mapping], noise: Sequence[str]) -> list[dict]:
    """One row per (loss, noise) from the sweep's per-run rows: accuracy mean ± std over seeds
    at the last and best epoch, the mean best epoch, the drop from the loss's clean cell, the
    checker's prediction and the graded agreement (:func:`alfs_theory.experiments.sweep.grade_agreement`)."""
    from .experiments.sweep import grade_agreement, mean_std, noise_string_kind

    by: dict[tuple[str, str], list[Mapping]] = defaultdict(list)
    order: list[str] = []
    for r in sweep_rows:
        by[(r["loss_label"], r["noise"])].append(r)
        if r["loss_label"] not in order:
            order.append(r["loss_label"])
    out = []
    for label in order:
        clean = by.get((label, "clean"), [])
        clean_last, clean_sd = mean_std([r["last_acc"] for r in clean])
        for nz in noise:
            rs = sorted(by.get((label, nz), []), key=lambda r: r["seed"])
            if not rs:
                continue
            last, last_sd = mean_std([r["last_acc"] for r in rs])
            best, best_sd = mean_std([r["best_acc"] for r in rs])
            ep, _ = mean_std([r["best_epoch"] for r in rs])
            mem, _ = mean_std([r["memorised_last"] for r in rs])
            kind, rate = noise_string_kind(nz)
            tol = {str(r["predicted_tolerant"]) for r in rs}
            row = {"loss": rs[0]["loss"], "loss_label": label, "params": rs[0]["params"],
                   "noise": nz, "noise_kind": kind, "rate": rate, "n_seeds": len(rs),
                   "seeds": [r["seed"] for r in rs],
                   "last_acc_by_seed": [[r["seed"], r["last_acc"]] for r in rs],
                   "best_acc_by_seed": [[r["seed"], r["best_acc"]] for r in rs],
                   "last_acc_mean": last, "last_acc_std": last_sd,
                   "best_acc_mean": best, "best_acc_std": best_sd, "best_epoch_mean": ep,
                   "memorised_last_mean": mem,
                   "drop_from_clean_last": (None if clean_last is None or last is None
                                            else clean_last - last),
                   "predicted_tolerant": rs[0]["predicted_tolerant"] if len(tol) == 1 else None,
                   "verdict": rs[0]["verdict"],
                   "threshold_symmetric": rs[0]["threshold_symmetric"],
                   "actual_rate_mean": mean_std([r["actual_rate"] for r in rs])[0]}
            row.update(grade_agreement(row, last_sd, clean_sd))
            out.append(row)
    return out


#: how the best cell of a column is tested against the runner-up (written into the report)
SIGNIFICANCE_TEXT = (
    "Each column's best loss against its runner-up: a two-sided paired t-test over the seeds "
    "both ran (`scipy.stats.ttest_rel`; a seed fixes the noise draw and the initial weights, "
    "so the two losses' runs of one seed are paired). With 3 seeds it has 2 degrees of "
    "freedom: p < 0.05 needs the mean difference to exceed 2.5 times the standard deviation "
    "of the per-seed differences (t > 4.30), it leans on the differences being normal, and a "
    "non-significant order means only that 3 seeds cannot tell the two apart, not that they "
    "are equal. The Wilcoxon signed-rank test cannot go below p = 0.25 with 3 pairs, so it is "
    "not used.")
ALPHA = 0.05


def best_vs_runner_up(rows: Sequence[Mapping], noise: Sequence[str],
                      key: str = "last_acc") -> list[dict]:
    """Per noise column: the loss with the highest mean ``key`` (``last_acc`` or
    ``best_acc``) against the runner-up, paired over their common seeds
    (:func:`alfs_theory.study.paired_test`); ``significant`` is None where the test cannot be
    made (fewer than 2 common seeds, or identical differences)."""
    from .study import paired_test

    out = []
    for nz in noise:
        rs = sorted((r for r in rows if r["noise"] == nz and r[f"{key}_mean"] is not None),
                    key=lambda r: -r[f"{key}_mean"])
        if len(rs) < 2:
            continue
        best, second = rs[0], rs[1]
        a = dict((int(sd), v) for sd, v in best.get(f"{key}_by_seed") or [])
        b = dict((int(sd), v) for sd, v in second.get(f"{key}_by_seed") or [])
        common = sorted(sd for sd in set(a) & set(b) if a[sd] is not None and b[sd] is not None)
        t = paired_test([a[sd] for sd in common], [b[sd] for sd in common])
        out.append({"noise": nz, "key": key, "best": best["loss_label"],
                    "best_loss": best["loss"], "best_mean": best[f"{key}_mean"],
                    "runner_up": second["loss_label"], "runner_up_loss": second["loss"],
                    "runner_up_mean": second[f"{key}_mean"], "seeds": common, **t,
                    "significant": None if t["p"] is None else t["p"] < ALPHA})
    return out


def _significance_md(tests: Sequence[Mapping], what: str) -> list[str]:
    md = [f"| {what} | best | runner-up | difference (pts) | t (df) | p | order |",
          "|---|---|---|---|---|---|---|"]
    for t in tests:
        order = ("significant at 0.05" if t["significant"] else
                 "not significant" if t["significant"] is False else "untested")
        md.append(f"| {_noise_title(t['noise'])} | {t['best_loss'].upper()} "
                  f"{100 * t['best_mean']:.1f} | {t['runner_up_loss'].upper()} "
                  f"{100 * t['runner_up_mean']:.1f} | {100 * t['mean_diff']:+.2f} | "
                  + ("-" if t["t"] is None else f"{t['t']:.2f} ({t['df']})")
                  + f" | {'-' if t['p'] is None else format(t['p'], '.3g')} | {order} |")
    ns = [t for t in tests if not t["significant"]]
    md += ["", "Cells whose best is not significantly ahead of the runner-up (p >= 0.05 or "
           "untestable): " + (", ".join(f"{_noise_title(t['noise'])} ({t['best_loss'].upper()} "
                                         f"vs {t['runner_up_loss'].upper()})" for t in ns)
                              if ns else "none") + "."]
    return md


def _machine(rows: Sequence[Mapping], out: Path) -> dict:
    """Where the runs ran (from their records) and how long they took."""
    from .experiments.records import load_record

    envs, train_s, spans = set(), 0.0, []
    for r in rows:
        d = out / r["run_dir"]
        rec = load_record(d)
        env = rec.get("environment") or {}
        envs.add((env.get("device", "?"), env.get("device_name") or "", env.get("torch", "?"),
                  env.get("threads")))
        t = float((rec.get("timing") or {}).get("train_seconds") or 0.0)
        train_s += t
        end = (d / "record.json").stat().st_mtime
        spans.append((end - t, end))
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "runs_on": sorted({f"{d}{' ' + n if n else ''}, torch {v}"
                               + (f", {th} thread(s) per run" if th else "")
                               for d, n, v, th in envs}),
            "train_seconds_total": train_s,
            "span_seconds": (max(e for _, e in spans) - min(s for s, _ in spans)) if spans
            else 0.0}


def _count(n) -> str:
    return "" if n is None else f"{n:,} "


def _cell(m, s) -> str:
    if m is None:
        return "-"
    return f"{100 * m:.1f}" + (f" ± {100 * s:.1f}" if s is not None else "")


def _grid(rows: Sequence[Mapping]) -> tuple[list[str], dict, dict[str, str]]:
    """The loss labels in table order, the row of each (label, noise) cell, and each label's
    loss name."""
    labels = list(dict.fromkeys(r["loss_label"] for r in rows))
    cell = {(r["loss_label"], r["noise"]): r for r in rows}
    name = {r["loss_label"]: r["loss"] for r in rows}
    return labels, cell, name


def _head(first: str, noise: Sequence[str]) -> list[str]:
    return [f"| {first} | " + " | ".join(_noise_title(n) for n in noise) + " |",
            "|---|" + "---|" * len(noise)]


def _table(rows: Sequence[Mapping], noise: Sequence[str], key: str, *, bold: bool,
           extra=None, not_significant: frozenset = frozenset()) -> list[str]:
    labels, cell, _ = _grid(rows)
    best = {}
    for nz in noise:
        vals = [cell[(lb, nz)][f"{key}_mean"] for lb in labels
                if (lb, nz) in cell and cell[(lb, nz)][f"{key}_mean"] is not None]
        best[nz] = max(vals) if vals else None
    md = _head("loss (official parameters)", noise)
    for lb in labels:
        first = next(r for r in rows if r["loss_label"] == lb)
        name = first["loss"].upper() + (f" ({first['params'].replace(';', ', ')})"
                                        if first["params"] else "")
        cells = []
        for nz in noise:
            r = cell.get((lb, nz))
            if r is None:
                cells.append("-")
                continue
            t = _cell(r[f"{key}_mean"], r[f"{key}_std"])
            if bold and r[f"{key}_mean"] is not None and r[f"{key}_mean"] == best[nz]:
                t = f"**{t}**" + (" (n.s.)" if nz in not_significant else "")
            if extra:
                t += extra(r)
            cells.append(t)
        md.append(f"| {name} | " + " | ".join(cells) + " |")
    return md


def _agreement_table(rows: Sequence[Mapping], noise: Sequence[str]) -> list[str]:
    labels, cell, name = _grid(rows)
    md = _head("loss", noise)
    for lb in labels:
        cells = []
        for nz in noise:
            r = cell.get((lb, nz))
            if r is None:
                cells.append("-")
                continue
            drop = r["drop_from_clean_last"]
            cells.append(f"{r['agreement']}" + ("" if drop is None else f" ({100 * drop:+.1f})"))
        md.append(f"| {name[lb].upper()} | " + " | ".join(cells) + " |")
    return md


def _alike_rows(rows: Sequence[Mapping], tol: float = 0.005) -> list[list[str]]:
    """Groups of losses whose mean accuracies (last and best epoch) lie within ``tol`` of each
    other in every cell (e.g. NCE+AGCE with the official MNIST alpha = 0 is AGCE alone; the
    fused sums round differently, so the runs drift apart by a little, not by nothing)."""
    labels, cell, name = _grid(rows)
    noises = list(dict.fromkeys(r["noise"] for r in rows))

    def alike(a, b):
        for nz in noises:
            x, y = cell.get((a, nz)), cell.get((b, nz))
            if x is None or y is None:
                return False
            for k in ("last_acc_mean", "best_acc_mean"):
                if x[k] is None or y[k] is None or abs(x[k] - y[k]) > tol:
                    return False
        return True

    groups: list[list[str]] = []
    for lb in labels:
        for g in groups:
            if all(alike(lb, other) for other in g):
                g.append(lb)
                break
        else:
            groups.append([lb])
    return [[name[lb] for lb in g] for g in groups if len(g) > 1]


def _reading(rows: Sequence[Mapping], noise: Sequence[str]) -> list[str]:
    """Facts read off the table (computed, not written by hand)."""
    out = []
    for nz in noise:
        rs = [r for r in rows if r["noise"] == nz and r["last_acc_mean"] is not None]
        if not rs:
            continue
        top = max(rs, key=lambda r: r["last_acc_mean"])
        low = min(rs, key=lambda r: r["last_acc_mean"])
        out.append(f"- {_noise_title(nz)}: highest last-epoch accuracy {top['loss'].upper()} "
                   f"{_cell(top['last_acc_mean'], top['last_acc_std'])}, lowest "
                   f"{low['loss'].upper()} {_cell(low['last_acc_mean'], low['last_acc_std'])}.")
    clean = [r for r in rows if r["noise"] == "clean" and r["last_acc_mean"] is not None]
    if clean:
        top = max(r["last_acc_mean"] for r in clean)
        slow = [r for r in clean if top - r["last_acc_mean"] > 0.05]
        if slow:
            out.append("- Clean accuracy more than 5 points below the best loss's (these losses "
                       "fit even the clean labels more slowly in this budget, so their noisy "
                       "cells say little about the risk minimiser): "
                       + ", ".join(f"{r['loss'].upper()} ({100 * (r['last_acc_mean'] - top):+.1f})"
                                   for r in slow) + ".")
        same = _alike_rows(rows)
        if same:
            out.append("- Within 0.5 points of each other in every cell, last and best epoch "
                       "(the same loss in effect; see the parameter notes): "
                       + "; ".join(" ≈ ".join(x.upper() for x in g) for g in same) + ".")
    over = [r for r in rows if r["best_acc_mean"] is not None and r["last_acc_mean"] is not None
            and r["best_acc_mean"] - r["last_acc_mean"] > 0.03]
    if over:
        out.append("- Best epoch above the last by more than 3 points (the network fits the "
                   "noisy labels late in training): "
                   + ", ".join(f"{r['loss'].upper()} at {_noise_title(r['noise'])} "
                               f"({100 * (r['best_acc_mean'] - r['last_acc_mean']):.1f})"
                               for r in over) + ".")
    bad = [r for r in rows if r["agreement"] == "contradicts"]
    out.append("- Contradictions of the checker's prediction (rule below): "
               + (", ".join(f"{r['loss'].upper()} at {_noise_title(r['noise'])} "
                            f"({r['agreement_rule']})" for r in bad) if bad else "none") + ".")
    return out


def write_reproduction(out: str | os.PathLike, rows: Sequence[Mapping], meta: Mapping,
                       noise: Sequence[str]) -> dict[str, str]:
    """reproduction.md / .csv / .json / .png in ``out``; returns their paths."""
    from .experiments.sweep import AGREEMENT_RULE, csv_text

    out = Path(out)
    paths = {k: str(out / f"reproduction.{k}") for k in ("md", "csv", "json", "png")}
    fields = ["loss", "params", "noise", "n_seeds", "last_acc_mean", "last_acc_std",
              "best_acc_mean", "best_acc_std", "best_epoch_mean", "drop_from_clean_last",
              "memorised_last_mean", "predicted_tolerant", "verdict", "threshold_symmetric",
              "agreement", "agreement_rule"]
    atomic_write(paths["csv"], csv_text(rows, fields))
    sig_last = best_vs_runner_up(rows, noise, "last_acc")
    sig_best = best_vs_runner_up(rows, noise, "best_acc")
    atomic_write(paths["json"], json.dumps({"schema": "alfs-reproduction/1", "meta": meta,
                                            "rows": list(rows),
                                            "best_vs_runner_up": {"last": sig_last,
                                                                  "best": sig_best}},
                                           indent=2, default=str) + "\n")
    fig = _plot(Path(paths["png"]), rows, noise, meta)
    m, st = meta["machine"], meta["setting"]
    sub = ("all" if st["train_subset"] is None else
           f"a class-stratified subset of {st['train_subset']:,}")
    tst = ("all" if st["test_subset"] is None else
           f"a class-stratified subset of {st['test_subset']:,}")

    def pred(r):
        t = r["predicted_tolerant"]
        return "" if r["noise"] == "clean" else (" ✓" if t in (True, "True") else
                                                 " ✗" if t in (False, "False") else " ?")

    md = [f"# Reproduction: the paper's loss set on {meta['dataset_title']}", "",
          "Generated by `alfs reproduce` (`alfs_theory/reproduce.py`); the numbers are measured, "
          "nothing here is typed by hand.", "",
          "```bash", meta["command"], "```", "",
          "## Setting", "",
          f"- Data: {meta['dataset_title']}, training on {sub} of the "
          f"{_count(meta['n_train_full'])}training images, testing on {tst} of the "
          f"{_count(meta['n_test_full'])}test images (clean labels).",
          f"- Network and schedule: {meta['model']}; SGD (momentum {meta['momentum']:g}), lr "
          f"{meta['lr']:g}, weight decay {meta['weight_decay']:g}, batch {meta['batch_size']}, "
          f"cosine annealing over {meta['epochs']} epochs (the preset has "
          f"{meta['preset_epochs']}). Setting `{st['name']}`: {st['why']}.",
          "- Loss parameters: the official ones for this data set (`--preset official`, "
          "docs/presets.md), shown beside each loss.",
          *[f"  - {loss.upper()}: {note}." for loss, note in
            (meta.get("preset_notes") or {}).items()],
          f"- Noise: {meta['noise_text']}",
          f"- Seeds: {', '.join(str(s) for s in meta['seeds'])}; mean ± standard deviation over "
          "them.",
          f"- Machine: {m['cpu']} ({m['cpu_count']} cores), {m['platform']}, Python "
          f"{m['python']}; runs on {'; '.join(m['runs_on'])}.",
          f"- Wall time: {m['span_seconds'] / 60:.1f} min from the first run's start to the last "
          f"one's end ({meta['workers']} worker(s) side by side); "
          f"{m['train_seconds_total'] / 60:.1f} min of training in all, "
          f"{meta['n_runs']} runs.", "",
          *([f"**Partial**: {meta['n_runs']} of the grid's {meta['n_cells']} runs have "
             "finished; rerun the command to train the rest.", ""]
            if meta["n_runs"] < meta["n_cells"] else []),
          "## Clean test accuracy (%) at the last epoch", "",
          "No selection on the test set. Best per column in bold, (n.s.) where its lead over "
          "the runner-up is not significant (paired t-test over seeds, below); ✓ / ✗: the "
          "checker predicts the loss noise-tolerant / not tolerant at that noise (K = 10), ? "
          "where undecided.", ""]
    md += _table(rows, noise, "last_acc", bold=True, extra=pred,
                 not_significant=frozenset(t["noise"] for t in sig_last if not t["significant"]))
    md += ["", "## Clean test accuracy (%) at the best epoch", "",
           "The maximum over epochs, selected on the test set (as many papers report it); the "
           "mean epoch where it was reached in brackets.", ""]
    md += _table(rows, noise, "best_acc", bold=True,
                 extra=lambda r: (f" (ep {r['best_epoch_mean']:.1f})"
                                  if r["best_epoch_mean"] is not None else ""),
                 not_significant=frozenset(t["noise"] for t in sig_best if not t["significant"]))
    md += ["", "## Is the best loss ahead of the runner-up?", "", SIGNIFICANCE_TEXT, "",
           "Last epoch:", ""] + _significance_md(sig_last, "noise")
    md += ["", "Best epoch (selected on the test set):", ""] + _significance_md(sig_best,
                                                                                  "noise")
    if fig:
        md += ["", f"![clean test accuracy per loss and noise]({Path(fig).name})"]
    md += ["", "## Theory beside the measurement", "",
           "Per noisy cell: the graded agreement of the checker's prediction with the measured "
           "drop from the loss's clean cell (last epoch, points), by the rule below.", ""]
    md += _agreement_table(rows, [n for n in noise if n != "clean"])
    md += ["", "## What the table says", ""] + _reading(rows, noise)
    md += ["", AGREEMENT_RULE, ""]
    atomic_write(paths["md"], "\n".join(md) + "\n")
    return paths


def _plot(path: Path, rows: Sequence[Mapping], noise: Sequence[str], meta: Mapping) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError:
        return None
    labels, cell, name = _grid(rows)
    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.8 / max(len(labels), 1)
    cmap = plt.get_cmap("tab10" if len(labels) <= 10 else "tab20")
    for i, lb in enumerate(labels):
        xs = np.arange(len(noise)) + (i - (len(labels) - 1) / 2) * width
        get = [cell.get((lb, nz)) for nz in noise]
        last = [100 * r["last_acc_mean"] if r and r["last_acc_mean"] is not None else np.nan
                for r in get]
        err = [100 * (r["last_acc_std"] or 0) if r else 0 for r in get]
        best = [100 * r["best_acc_mean"] if r and r["best_acc_mean"] is not None else np.nan
                for r in get]
        ax.bar(xs, last, width, yerr=err, color=cmap(i % cmap.N), label=name[lb].upper(),
               error_kw={"lw": 0.8, "capsize": 1.5})
        ax.scatter(xs, best, marker="_", color="k", s=40, lw=1.2, zorder=3,
                   label="best epoch" if i == 0 else None)
    ax.set_xticks(np.arange(len(noise)), [_noise_title(n) for n in noise])
    ax.set_ylabel("clean test accuracy (%), last epoch")
    ax.set_ylim(0, 100)
    st = meta["setting"]
    data = ("all training images" if st["train_subset"] is None else
            f"{st['train_subset']:,} training images")
    ax.set_title(f"{meta['dataset_title']}: the paper's loss set, official parameters and noise; "
                 f"{data}, {meta['epochs']} epochs, {meta['n_seeds']} seeds (mean ± std; "
                 "bars: last epoch, ticks: best epoch)", fontsize=9)
    ax.legend(fontsize=7, ncol=1, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110,
                                             metadata={"Software": None}))
    plt.close(fig)
    return str(path)


def run_reproduction(out: str | os.PathLike, spec=None, *, setting: str = "cpu",
                     command: str = "", workers: int | None = None, threads: int | None = None,
                     progress: bool = True, train: bool = True) -> dict:
    """Run (or resume) the reproduction grid into ``out`` and write its report
    (``train=False``: the report of the runs finished so far, training nothing)."""
    from .experiments.sweep import collect_results, default_workers, make_grid, run_sweep
    from .experiments.train import resolve_config

    spec = spec or reproduction_spec(setting=setting)
    out = Path(out)
    t0 = time.perf_counter()
    summary = (run_sweep(spec, out, workers=workers, threads=threads, progress=progress)
               if train else {"failed": []})
    cells = make_grid(spec, out)
    rows = collect_results(cells, out)
    if not rows:
        raise InputError(f"no run of the reproduction finished in {out}; see "
                         f"{out / 'failed.json'}")
    cfg, _ = resolve_config(cells[0].config)
    from .experiments.models import MODELS
    from .experiments.train import PRESETS

    s = SETTINGS[setting]
    n_train, n_test = _FULL_SIZES.get(cfg.dataset, (None, None))
    noise_text = (f"{', '.join(_noise_title(n) for n in spec.noise)} ({cfg.sampling} "
                  "sampling" + ("; the official code's noise: for MNIST and Fashion-MNIST "
                                "per-sample draws from T, asymmetric flips 7→1, 2→7, 5↔6, 3→8 "
                                "by class index (the MNIST code: on Fashion-MNIST that is "
                                "Sneaker→Trouser, Pullover→Sneaker, Sandal↔Shirt, Dress→Bag)"
                                if cfg.sampling == "published" and cfg.dataset in
                                ("mnist", "fashion-mnist") else "") + ").")
    from .experiments.presets import preset_dataset, preset_rows

    pds = preset_dataset(cfg.dataset)
    names = {str(n) for n, _ in spec.losses}
    preset_notes = {r["loss"]: r["note"] for r in preset_rows("official")
                    if r["dataset"] == pds and r["note"] and r["loss"] in names}
    meta = {"command": command or "alfs reproduce", "dataset": cfg.dataset,
            "preset_notes": preset_notes,
            "dataset_title": _TITLES.get(cfg.dataset, cfg.dataset),
            "n_train_full": n_train, "n_test_full": n_test,
            "model": f"{cfg.model} ({MODELS[cfg.model][2]})" if cfg.model in MODELS
            else cfg.model,
            "lr": cfg.lr, "weight_decay": cfg.weight_decay, "momentum": cfg.momentum,
            "batch_size": cfg.batch_size, "epochs": cfg.epochs,
            "preset_epochs": PRESETS.get(cfg.dataset, {}).get("epochs"),
            "setting": {"name": setting, "why": s["why"], "train_subset": cfg.train_subset,
                        "test_subset": cfg.test_subset},
            "noise_text": noise_text, "seeds": list(spec.seeds), "n_seeds": len(spec.seeds),
            "n_runs": len(rows), "n_cells": len(cells), "workers": workers or default_workers(),
            "this_invocation_seconds": time.perf_counter() - t0,
            "machine": _machine(rows, out)}
    agg = reproduction_rows(rows, spec.noise)
    paths = write_reproduction(out, agg, meta, spec.noise)
    return {"rows": agg, "meta": meta, "paths": paths, "failed": summary["failed"]}
