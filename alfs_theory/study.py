"""``alfs study ratio``: does a higher asymmetry ratio give better noise tolerance? (issue #27)

The paper's abstract says "a higher ratio would provide better noise tolerance" and that
asymmetric losses "can outperform state-of-the-art methods". This module tests both on
recorded training runs, in a controlled design:

* within each family with a closed-form ratio r(l), only the parameter that moves r varies
  (AEL over a; AGCE with q = 1/2 over a; AUL with q > 1 over a and q), at ratios spread over
  (0, 1) chosen by inverting the closed form; r itself is the checker's
  (``check_loss(...).result("ratio")``), never typed here. MAE (r = 1), CE and GCE (r = 0)
  are the end points; SCE and NCE+RCE are the paper's state-of-the-art baselines.
* every loss is trained on clean labels and under symmetric noise 0.6 and 0.8 and pair-flip
  0.4, over the same seeds, as one resumable sweep (:func:`alfs_theory.experiments.sweep.run_sweep`).
* per run: the clean test accuracy (last epoch) and the clean-label fit of the training
  subset (accuracy against the true labels; on the correctly labelled samples too).

The analysis is fixed before any number is seen (:data:`ANALYSIS`): per family and noise,
Spearman's rho between r and the accuracy drop from the same loss's clean run (paired by
seed), a bootstrap 95% interval over seeds, the same as a partial Spearman correlation given
the clean run's training fit (a lower r is also a more CE-like loss that fits faster), and
the verdict ``supported`` / ``contradicted`` / ``inconclusive`` read off the interval.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .fileio import atomic_write

__all__ = ["ANALYSIS", "FAMILIES", "NOISE", "SETTINGS", "STUDY_VERDICTS", "analyse",
           "bootstrap_interval", "collect_study", "family_grid", "outperform_rows",
           "paired_test", "partial_spearman", "run_study", "spearman", "study_spec",
           "verdict_of_interval", "write_study"]

K = 10  # every data set of the study has ten classes
#: the noise of the study (the clean runs are the reference of each loss's drop)
NOISE = ("clean", "symmetric:0.6", "symmetric:0.8", "pairflip:0.4")
#: the target ratios of each family (the checker gives the ratio actually run)
TARGET_RATIOS = (0.1, 0.25, 0.4, 0.55, 0.7, 0.85)
STUDY_VERDICTS = ("SUPPORTED", "CONTRADICTED", "INCONCLUSIVE")
BOOTSTRAP_N = 2000
BOOTSTRAP_SEED = 0
ALPHA = 0.05


def _sig(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def _ael(r: float) -> dict:  # r = exp(-1/a)
    return {"a": _sig(-1.0 / math.log(r))}


def _agce(r: float) -> dict:  # q = 1/2: r = (a/(a+1))^(1/2)
    return {"a": _sig(r * r / (1.0 - r * r)), "q": 0.5}


def _aul(r: float, q: float) -> dict:  # r = ((a-1)/a)^(q-1)
    return {"a": _sig(1.0 / (1.0 - r ** (1.0 / (q - 1.0)))), "q": q}


#: family -> (title, how the parameter moves r, target ratio -> parameters)
FAMILIES: dict[str, tuple[str, str, Callable[[float, int], dict]]] = {
    "ael": ("AEL", "a, r = exp(-1/a)", lambda r, i: _ael(r)),
    "agce": ("AGCE (q = 0.5)", "a at q = 0.5, r = (a/(a+1))^|q-1|", lambda r, i: _agce(r)),
    "aul": ("AUL (q = 3 and 1.5)", "a and q > 1 (q alternating 3, 1.5), r = ((a-1)/a)^|q-1|",
            lambda r, i: _aul(r, 3.0 if i % 2 == 0 else 1.5)),
}
#: the end points: r = 1 (MAE) and r = 0 (CE, GCE q = 0.7)
ENDPOINTS: tuple[tuple[str, dict], ...] = (("mae", {}), ("ce", {}), ("gce", {"q": 0.7}))
#: the paper's state-of-the-art baselines (vector losses: no ratio)
BASELINES: tuple[tuple[str, dict], ...] = (("sce", {}), ("nce+rce", {}))

#: what each setting trains. ``tiny``: seconds (tests); ``cpu``: about 1.5 hours on 2 cores;
#: ``full``: the paper's scale, for a GPU.
SETTINGS: dict[str, dict[str, Any]] = {
    "tiny": {"families": {"ael": (0.1, 0.4, 0.85)}, "endpoints": (("ce", {}),),
             "baselines": (), "noise": ("clean", "symmetric:0.6"), "seeds": (0, 1),
             "train_subset": 200, "test_subset": 100, "epochs": 2,
             "why": "one family at three ratios, CE, clean and symmetric 0.6, two seeds, 200 "
                    "training images, 2 epochs: a test of the machinery, not evidence"},
    "cpu": {"families": {f: TARGET_RATIOS for f in FAMILIES}, "endpoints": ENDPOINTS,
            "baselines": BASELINES, "noise": NOISE, "seeds": (0, 1, 2),
            "train_subset": 4000, "test_subset": 2000, "epochs": 8,
            "why": "class-stratified subsets (4,000 / 2,000 images) and 8 epochs, so that the "
                   "276 runs fit in about 1.5 hours on 2 idle CPU cores (about 40 s per run on one "
                   "Fashion-MNIST core, measured 2026-12-07; the 8x8 digits: all of "
                   "them, the digits preset's epochs)"},
    "full": {"families": {f: TARGET_RATIOS for f in FAMILIES}, "endpoints": ENDPOINTS,
             "baselines": BASELINES, "noise": NOISE, "seeds": (0, 1, 2),
             "train_subset": None, "test_subset": None, "epochs": None,
             "why": "the paper's scale: all training and test images, the preset's epochs "
                    "(50 for Fashion-MNIST), meant for a GPU"},
}

ANALYSIS = """\
This section is fixed in the code (`alfs_theory.study.ANALYSIS`) and was written before any
run of the study: the numbers below are read by it, not the other way round.

- **Claim tested** (Zhou et al. 2021, abstract): "a higher ratio would provide better noise
  tolerance". Read here as: within a family, the loss with the higher asymmetry ratio r loses
  less clean test accuracy to label noise.
- **Outcome**: the drop of a run = the clean test accuracy (last epoch, no selection on the
  test set) of the same loss and parameters trained on clean labels with the same seed, minus
  the run's. Per ratio: the mean drop over seeds.
- **Statistic**: per family and noise, Spearman's rho between r and the mean drop over the
  family's ratios (`scipy.stats.spearmanr`). The claim predicts rho < 0.
- **Interval**: a percentile bootstrap over seeds ({n} resamples, numpy generator seed {seed}):
  each resample draws the seeds with replacement, the same draw for every ratio (a seed fixes
  the noise draw and the initial weights, so runs of one seed are paired), and recomputes rho
  from the resampled mean drops; resamples where rho is undefined (tied drops) are left out
  and counted. With 3 seeds there are only 10 distinct resamples: the interval is coarse and
  an "inconclusive" is the expected outcome of a weak effect.
- **Covariate**: a lower r is also a more CE-like loss that fits the data faster, and a loss
  that fits slowly loses little accuracy because it has little to lose. The partial Spearman
  correlation of r and the drop given the loss's clean-fit rate (its training accuracy at the
  last epoch of its clean run, mean over seeds) is the Pearson correlation of the three ranks
  with the covariate's part removed: (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)),
  bootstrapped the same way.
- **Verdict** per family and noise, from the interval of rho (and, beside it, of the partial
  rho): **supported** when the whole 95% interval is below 0, **contradicted** when it is
  above 0, **inconclusive** otherwise or with fewer than 3 ratios or 2 seeds. An empirical
  verdict is never PROVED: it is about these networks, this budget and these seeds.
- **Over all cells** (the ledger's row EMP-ratio-tolerance): contradicted when any cell
  contradicts the claim, supported when every cell supports it, inconclusive otherwise. Nine
  cells at 95% each: with no effect anywhere, about one study in three would show some cell
  outside 0 by chance, so a single cell against the rest is weak evidence either way.
- **End points and baselines** (MAE at r = 1, CE and GCE at r = 0, SCE, NCE+RCE) are shown
  beside the families and enter no correlation: across families r is not the only thing
  that changes.
- **Theory beside each point**: the checker's largest tolerated symmetric noise rate
  (`check_loss(...).result("threshold")`, K = 10) and its prediction for the
  run's noise (from the run's record). For convex l (every family point here) the threshold
  is eta* = r(K-1)/(1 + r(K-1)), so symmetric noise eta is tolerated from
  r* = eta/((K-1)(1-eta)) on (0.167 at 0.6, 0.444 at 0.8), and pair-flip 0.4 from
  r* = 0.4/0.6 = 0.667.
- **Outperforming** ("can outperform state-of-the-art methods"): per noise, the asymmetric
  configuration with the highest mean accuracy against the best baseline (CE, GCE, SCE,
  NCE+RCE) by a paired t-test over seeds (`scipy.stats.ttest_rel`, two-sided). The best
  configuration is chosen on the same test accuracies, which this p-value does not correct
  for; with 3 seeds the t-test has 2 degrees of freedom (p < 0.05 needs t > 4.30). The
  ledger's row EMP-outperform: supported when some noise has the asymmetric configuration
  significantly ahead (p < 0.05), contradicted when the best baseline is significantly ahead
  at every noise, inconclusive otherwise.
""".format(n=BOOTSTRAP_N, seed=BOOTSTRAP_SEED)


# ---------------------------------------------------------------------------- statistics
def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho (scipy.stats.spearmanr); nan when either side is constant or has fewer
    than 3 points."""
    from scipy.stats import spearmanr

    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) != len(y):
        raise InputError(f"spearman needs two samples of one length, got {len(x)} and {len(y)}")
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0 or not np.all(np.isfinite(x + y)):
        return float("nan")
    return float(spearmanr(x, y).statistic)


def partial_spearman(x: Sequence[float], y: Sequence[float], z: Sequence[float]) -> float:
    """The partial Spearman correlation of x and y given z: the Pearson partial correlation
    of their ranks (average ranks for ties); nan where it is undefined (a constant sample,
    or z a monotone function of x or y)."""
    from scipy.stats import rankdata

    x, y, z = (np.asarray(v, float) for v in (x, y, z))
    if not len(x) == len(y) == len(z):
        raise InputError("partial_spearman needs three samples of one length, got "
                         f"{len(x)}, {len(y)}, {len(z)}")
    if len(x) < 3 or not np.all(np.isfinite(x + y + z)):
        return float("nan")
    rx, ry, rz = rankdata(x), rankdata(y), rankdata(z)
    if min(np.ptp(rx), np.ptp(ry), np.ptp(rz)) == 0:
        return float("nan")
    c = np.corrcoef(np.vstack([rx, ry, rz]))
    rxy, rxz, ryz = c[0, 1], c[0, 2], c[1, 2]
    den = (1 - rxz ** 2) * (1 - ryz ** 2)
    if den <= 1e-12:
        return float("nan")
    return float((rxy - rxz * ryz) / math.sqrt(den))


def bootstrap_interval(stat: Callable[[np.ndarray], float], n_seeds: int, *,
                       n: int = BOOTSTRAP_N, seed: int = BOOTSTRAP_SEED,
                       level: float = 0.95) -> dict:
    """Percentile bootstrap over seeds: ``stat(idx)`` is the statistic on the seed columns
    ``idx`` (drawn with replacement, ``n_seeds`` of them); returns lo, hi and how many of the
    ``n`` resamples gave a defined (finite) value."""
    if n_seeds < 1:
        raise InputError(f"bootstrap_interval needs at least one seed, got {n_seeds}")
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n):
        v = stat(rng.integers(0, n_seeds, n_seeds))
        if math.isfinite(v):
            vals.append(v)
    if not vals:
        return {"lo": None, "hi": None, "n_valid": 0, "n": n}
    a = (1 - level) / 2
    lo, hi = np.quantile(vals, [a, 1 - a])
    return {"lo": float(lo), "hi": float(hi), "n_valid": len(vals), "n": n}


def verdict_of_interval(lo: float | None, hi: float | None) -> str:
    """SUPPORTED (interval below 0: a higher r, a smaller drop), CONTRADICTED (above 0),
    INCONCLUSIVE (it holds 0, or there is none)."""
    if lo is None or hi is None:
        return "INCONCLUSIVE"
    if hi < 0:
        return "SUPPORTED"
    if lo > 0:
        return "CONTRADICTED"
    return "INCONCLUSIVE"


def paired_test(a: Sequence[float], b: Sequence[float]) -> dict:
    """Two-sided paired t-test of a against b (scipy.stats.ttest_rel): mean difference, t,
    degrees of freedom, p (None with fewer than 2 pairs or no spread in the differences)."""
    from scipy.stats import ttest_rel

    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) != len(b):
        raise InputError(f"paired_test needs pairs: got {len(a)} and {len(b)} values")
    d = a - b
    out = {"n": len(d), "mean_diff": float(d.mean()) if len(d) else None, "t": None,
           "df": len(d) - 1, "p": None, "test": "paired t-test (scipy.stats.ttest_rel)"}
    if len(d) < 2 or np.ptp(d) == 0:
        return out
    res = ttest_rel(a, b)
    out.update(t=float(res.statistic), p=float(res.pvalue))
    return out


# ---------------------------------------------------------------------------- the grid
def family_grid(setting: str = "cpu") -> list[dict]:
    """The losses of the setting: family, loss name, parameters, target ratio and the ratio
    the checker finds (exact value as text, and as a float), with its symmetric threshold."""
    from .checks.checker import check_loss
    from .registry import get_loss

    if setting not in SETTINGS:
        raise InputError(f"setting must be one of {', '.join(SETTINGS)}; got {setting!r}")
    s = SETTINGS[setting]
    items = []
    for fam, targets in s["families"].items():
        for i, t in enumerate(targets):
            items.append({"family": fam, "loss": fam, "params": FAMILIES[fam][2](t, i),
                          "target_ratio": t, "role": "family"})
    for name, params in s["endpoints"]:
        items.append({"family": name, "loss": name, "params": dict(params),
                      "target_ratio": None, "role": "endpoint"})
    for name, params in s["baselines"]:
        items.append({"family": name, "loss": name, "params": dict(params),
                      "target_ratio": None, "role": "baseline"})
    for it in items:
        rep = check_loss(get_loss(it["loss"]).bind(**it["params"]), n_classes=K,
                         checks=["ratio", "threshold"])
        try:
            rr = rep.result("ratio")
        except KeyError:
            rr = None
        ratio = None
        if rr is not None and rr.verdict.name == "PROVED" and rr.value is not None:
            try:
                ratio = float(rr.value)
            except (TypeError, ValueError):
                ratio = None
        th = rep.result("threshold")
        eta = th.value.get("eta_max") if isinstance(th.value, dict) else None
        it.update(ratio=ratio, ratio_exact=None if rr is None else str(rr.value),
                  ratio_verdict=None if rr is None else rr.verdict.name,
                  threshold_symmetric=eta, threshold_verdict=th.verdict.name)
    return items


def study_spec(setting: str = "cpu", *, dataset: str = "auto", data_root: str | None = None,
               seeds: Sequence[int] | None = None, device: str = "auto",
               grid: list[dict] | None = None):
    """The study as a :class:`~alfs_theory.experiments.sweep.SweepSpec`, its grid
    (:func:`family_grid`) and why its data set was taken."""
    from .experiments.sweep import SweepSpec
    from .experiments.train import TrainConfig
    from .report import report_dataset

    if setting not in SETTINGS:
        raise InputError(f"setting must be one of {', '.join(SETTINGS)}; got {setting!r}")
    if dataset not in ("auto", "fashion-mnist", "digits"):
        raise InputError(f"dataset must be auto, fashion-mnist or digits; got {dataset!r}")
    s = SETTINGS[setting]
    if seeds is not None:
        seeds = [int(x) for x in seeds]
        if len(set(seeds)) != len(seeds):
            raise InputError(f"--seeds repeats a seed ({', '.join(map(str, seeds))}); give "
                             "distinct seeds, e.g. 0,1,2")
        need = 2 if setting == "tiny" else 3
        if len(seeds) < need:
            raise InputError(f"--seeds: the {setting} setting needs at least {need} seeds (the "
                             f"bootstrap is over seeds), e.g. {','.join(map(str, range(need)))}; "
                             f"got {','.join(map(str, seeds)) or 'none'}")
    ds = report_dataset("auto") if dataset == "auto" and data_root is None else (
        "fashion-mnist" if dataset == "auto" else dataset)
    why = ({"fashion-mnist": "Fashion-MNIST is installed, so --dataset auto took it",
            "digits": "Fashion-MNIST is not installed here: the embedded 8x8 digits stand in"}
           [ds] if dataset == "auto" else f"asked for with --dataset {dataset}")
    grid = family_grid(setting) if grid is None else grid
    digits = ds == "digits"
    base = TrainConfig(dataset=ds, data_root=data_root, device=device,
                       train_subset=None if digits and setting != "tiny" else s["train_subset"],
                       test_subset=None if digits and setting != "tiny" else s["test_subset"])
    epochs = s["epochs"] if not (digits and setting == "cpu") else None
    spec = SweepSpec(losses=[(g["loss"], dict(g["params"])) for g in grid],
                     noise=list(s["noise"]), seeds=list(s["seeds"] if seeds is None else seeds),
                     dataset=ds, epochs=epochs, base=base)
    return spec, grid, why


# ---------------------------------------------------------------------------- the records
def collect_study(out: str | os.PathLike) -> tuple[list[dict], dict]:
    """The finished runs of a study folder (one row each, its loss's family and ratio beside
    it) and the study's manifest; ([], {}) when the folder holds no study."""
    from .experiments.diagnosis import subset_accuracies
    from .experiments.records import load_record, record_is_complete

    out = Path(out)
    mf = out / "study.json"
    if not mf.is_file():
        return [], {}
    manifest = json.loads(mf.read_text(encoding="utf-8"))
    rows = []
    for run in manifest.get("runs", []):
        d = out / run["run_dir"]
        if not record_is_complete(d):
            continue
        rec = load_record(d)
        fin = rec.get("final") or {}
        pred = rec.get("prediction") or {}
        f = rec["noise"].get("actual_rate")
        a_clean, _ = subset_accuracies(fin.get("noisy_train_acc"), fin.get("clean_train_acc"),
                                       fin.get("memorised"), f)
        rows.append({**{k: run[k] for k in ("family", "role", "loss", "label", "noise", "seed",
                                            "ratio", "target_ratio", "threshold_symmetric")},
                     "params": ";".join(f"{k}={float(v):g}" for k, v in
                                        sorted(run["params"].items())),
                     "last_acc": rec["accuracy"]["last"], "best_acc": rec["accuracy"]["best"],
                     "clean_train_acc": fin.get("clean_train_acc"),
                     "clean_subset_acc": a_clean, "memorised": fin.get("memorised"),
                     "actual_rate": f, "predicted_tolerant": pred.get("tolerant"),
                     "train_seconds": (rec.get("timing") or {}).get("train_seconds"),
                     "environment": rec.get("environment") or {},
                     "end": (d / "record.json").stat().st_mtime,
                     "run_dir": run["run_dir"]})
    return rows, manifest


def _drops(rows: Sequence[Mapping]) -> dict[tuple[str, str], dict[int, dict]]:
    """(label, noise) -> seed -> {drop, fit, acc}: the drop from the same label's clean run of
    that seed, and that clean run's training fit (clean labels)."""
    clean = {(r["label"], r["seed"]): r for r in rows if r["noise"] == "clean"}
    out: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
    for r in rows:
        if r["noise"] == "clean":
            continue
        c = clean.get((r["label"], r["seed"]))
        if c is None or c["last_acc"] is None or r["last_acc"] is None:
            continue
        out[(r["label"], r["noise"])][r["seed"]] = {
            "drop": c["last_acc"] - r["last_acc"], "fit": c["clean_train_acc"],
            "acc": r["last_acc"], "clean_acc": c["last_acc"]}
    return out


def analyse(rows: Sequence[Mapping]) -> dict:
    """The pre-stated analysis (:data:`ANALYSIS`) of a study's rows: per (family, noise) the
    points and rho, partial rho with bootstrap intervals and verdicts; the outperforming
    rows; and the overall verdict of the ratio claim."""
    drops = _drops(rows)
    info = {}
    for r in rows:
        info.setdefault(r["label"], r)
    noises = [n for n in dict.fromkeys(r["noise"] for r in rows) if n != "clean"]
    fams = list(dict.fromkeys(r["family"] for r in rows if r["role"] == "family"))
    cells = []
    for fam in fams:
        labels = sorted({lb for lb, r in info.items() if r["family"] == fam
                         and r["role"] == "family" and r["ratio"] is not None},
                        key=lambda lb: info[lb]["ratio"])
        for nz in noises:
            have = [lb for lb in labels if drops.get((lb, nz))]
            seeds = sorted(set.intersection(*[set(drops[(lb, nz)]) for lb in have])) \
                if have else []
            pts = []
            for lb in have:
                ds = [drops[(lb, nz)][s] for s in seeds]
                pts.append({"label": lb, "ratio": info[lb]["ratio"],
                            "params": info[lb]["params"],
                            "threshold_symmetric": info[lb]["threshold_symmetric"],
                            "drops": [d["drop"] for d in ds], "fits": [d["fit"] for d in ds],
                            "accs": [d["acc"] for d in ds],
                            "predicted_tolerant": next(
                                (x["predicted_tolerant"] for x in rows if x["label"] == lb
                                 and x["noise"] == nz), None)})
            cell = {"family": fam, "title": FAMILIES.get(fam, (fam,))[0], "noise": nz,
                    "seeds": seeds, "points": pts}
            ok = len(pts) >= 3 and len(seeds) >= 2
            if pts and seeds:
                r = np.array([p["ratio"] for p in pts])
                D = np.array([p["drops"] for p in pts], float)  # ratio x seed
                F = np.array([[math.nan if f is None else f for f in p["fits"]] for p in pts],
                             float)
                for p, row in zip(pts, D):
                    p["drop_mean"] = float(row.mean())
                    p["drop_min"], p["drop_max"] = float(row.min()), float(row.max())
                rho = spearman(r, D.mean(1))
                prho = partial_spearman(r, D.mean(1), F.mean(1))
                bi = bootstrap_interval(lambda i: spearman(r, D[:, i].mean(1)), len(seeds))
                bp = bootstrap_interval(lambda i: partial_spearman(r, D[:, i].mean(1),
                                                                   F[:, i].mean(1)),
                                        len(seeds))
            else:
                rho = prho = float("nan")
                bi = bp = {"lo": None, "hi": None, "n_valid": 0, "n": BOOTSTRAP_N}
            cell.update(rho=None if math.isnan(rho) else rho, rho_ci=bi,
                        partial_rho=None if math.isnan(prho) else prho, partial_ci=bp,
                        verdict=verdict_of_interval(bi["lo"], bi["hi"]) if ok
                        else "INCONCLUSIVE",
                        partial_verdict=verdict_of_interval(bp["lo"], bp["hi"]) if ok
                        else "INCONCLUSIVE",
                        why="" if ok else f"{len(pts)} ratio(s) and {len(seeds)} seed(s) "
                        "with both runs: needs 3 and 2")
            cells.append(cell)
    refs = []  # the end points and baselines beside the families (not in any verdict)
    for lb, r in info.items():
        if r["role"] == "family":
            continue
        for nz in noises:
            ds = [d["drop"] for d in drops.get((lb, nz), {}).values()]
            if ds:
                refs.append({"label": lb, "loss": r["loss"], "role": r["role"],
                             "ratio": r["ratio"], "noise": nz, "n_seeds": len(ds),
                             "drop_mean": float(np.mean(ds)), "drop_min": float(min(ds)),
                             "drop_max": float(max(ds)),
                             "threshold_symmetric": r["threshold_symmetric"]})
    return {"cells": cells, "claim_verdict": claim_verdict(cells), "references": refs,
            "outperform": outperform_rows(rows)}


def claim_verdict(cells: Sequence[Mapping]) -> dict:
    """The ratio claim over every (family, noise) cell: CONTRADICTED when any cell
    contradicts it, SUPPORTED when every cell supports it, else INCONCLUSIVE; with counts."""
    n = {v: sum(c["verdict"] == v for c in cells) for v in STUDY_VERDICTS}
    if not cells:
        v = "INCONCLUSIVE"
    elif n["CONTRADICTED"]:
        v = "CONTRADICTED"
    elif n["SUPPORTED"] == len(cells):
        v = "SUPPORTED"
    else:
        v = "INCONCLUSIVE"
    return {"verdict": v, "counts": n, "n_cells": len(cells)}


def outperform_rows(rows: Sequence[Mapping]) -> list[dict]:
    """Per noisy setting: the asymmetric configuration (family point or MAE) with the highest
    mean accuracy against the best baseline (CE, GCE, SCE, NCE+RCE), paired over seeds."""
    by: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    role = {}
    for r in rows:
        if r["last_acc"] is not None:
            by[(r["label"], r["noise"])][r["seed"]] = r["last_acc"]
            role[r["label"]] = "asym" if r["role"] == "family" or r["loss"] == "mae" \
                else "baseline"
    out = []
    for nz in dict.fromkeys(r["noise"] for r in rows):
        if nz == "clean":
            continue

        def best(kind):
            c = [(float(np.mean(list(v.values()))), lb) for (lb, n), v in by.items()
                 if n == nz and role[lb] == kind]
            return max(c) if c else None
        a, b = best("asym"), best("baseline")
        if a is None or b is None:
            continue
        common = sorted(set(by[(a[1], nz)]) & set(by[(b[1], nz)]))
        t = paired_test([by[(a[1], nz)][s] for s in common], [by[(b[1], nz)][s] for s in common])
        sig = t["p"] is not None and t["p"] < ALPHA
        v = ("SUPPORTED" if sig and t["mean_diff"] > 0 else
             "CONTRADICTED" if sig and t["mean_diff"] < 0 else "INCONCLUSIVE")
        out.append({"noise": nz, "best_asym": a[1], "best_asym_acc": a[0],
                    "best_baseline": b[1], "best_baseline_acc": b[0], "seeds": common,
                    **t, "verdict": v})
    return out


# ---------------------------------------------------------------------------- the report
def _machine(rows: Sequence[Mapping]) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    envs = sorted({f"{e.get('device', '?')}, torch {e.get('torch', '?')}, "
                   f"{e.get('threads')} thread(s) per run" for e in
                   (r["environment"] for r in rows)})
    train = sum(float(r["train_seconds"] or 0) for r in rows)
    span = (max(r["end"] for r in rows) - min(r["end"] - float(r["train_seconds"] or 0)
                                              for r in rows)) if rows else 0.0
    return {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "runs_on": envs,
            "train_seconds_total": train, "span_seconds": span}


def _dur(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


def _f(x, fmt=".3f", none="-") -> str:
    return none if x is None else format(x, fmt)


def _ci(ci: Mapping) -> str:
    if ci["lo"] is None:
        return "-"
    return f"[{ci['lo']:+.2f}, {ci['hi']:+.2f}] ({ci['n_valid']}/{ci['n']})"


CSV_FIELDS = ["family", "role", "loss", "params", "ratio", "target_ratio",
              "threshold_symmetric", "noise", "seed", "last_acc", "best_acc",
              "clean_train_acc", "clean_subset_acc", "memorised", "actual_rate",
              "predicted_tolerant", "train_seconds", "run_dir"]


def write_study(out: str | os.PathLike, rows: Sequence[Mapping], manifest: Mapping,
                analysis: Mapping) -> dict[str, str]:
    """ratio_study.md / .csv / .json / .png in ``out``, generated from the rows."""
    from .experiments.sweep import csv_text

    out = Path(out)
    paths = {k: str(out / f"ratio_study.{k}") for k in ("md", "csv", "json", "png")}
    atomic_write(paths["csv"], csv_text(rows, CSV_FIELDS))
    m = _machine(rows)
    st = manifest["setting"]
    atomic_write(paths["json"], json.dumps({"schema": "alfs-ratio-study/1",
                                            "manifest": manifest, "machine": m,
                                            "analysis": analysis}, indent=2, default=str) + "\n")
    fig = _plot(Path(paths["png"]), analysis, manifest)
    grid = manifest["grid"]
    n_runs, n_cells = len(rows), len(manifest["runs"])
    md = [f"# Ratio study: does a higher asymmetry ratio give better noise tolerance? "
          f"(setting `{st['name']}`, {manifest['dataset_title']})", "",
          f"**Produced by the `{st['name']}` setting on {manifest['dataset_title']}**"
          + (" — a check that the machinery runs, NOT evidence about the claim." if
             st["name"] == "tiny" else "."),
          "Generated by `alfs study ratio` (`alfs_theory/study.py`) from the run records; "
          "nothing here is typed by hand.", "",
          "```bash", manifest["command"], "```", "",
          "## The analysis (stated before the numbers)", "", ANALYSIS.rstrip(), "",
          "## Setting", "",
          f"- Data: {manifest['dataset_title']}"
          + f" ({manifest.get('dataset_why', '')})"
          + f"; training subset {st['train_subset'] or 'all'}, test subset "
          f"{st['test_subset'] or 'all'}, {manifest['epochs']} epochs. Setting "
          f"`{st['name']}`: {st['why']}.",
          f"- Noise: {', '.join(manifest['noise'])} (per-sample draws from T, from the original "
          "labels); seeds " + ", ".join(str(s) for s in manifest["seeds"]) + ".",
          f"- Machine: {m['cpu']} ({m['cpu_count']} cores), {m['platform']}, Python "
          f"{m['python']}; runs on {'; '.join(m['runs_on'])}.",
          f"- Wall time: {_dur(m['span_seconds'])} from the first run's start to the "
          f"last one's end; {_dur(m['train_seconds_total'])} of training in all, "
          f"{n_runs} runs"
          + (f"; the command that wrote this report ran {_dur(manifest['invocation_seconds'])}"
             + (" (the checker's grid, data loading, training and report)"
                if manifest.get("invocation_trained") else " (report only, no training)")
             if "invocation_seconds" in manifest else "") + ".", ""]
    if n_runs < n_cells:
        md += [f"**Partial**: {n_runs} of the study's {n_cells} runs have finished; rerun the "
               "command to train the rest.", ""]
    md += ["## The grid (ratios from the checker)", "",
           "| family | loss | parameters | target r | r (checker) | eta* sym. (K = 10) |",
           "|---|---|---|---|---|---|"]
    for g in grid:
        md.append(f"| {g['family']} ({g['role']}) | {g['loss'].upper()} | "
                  + (", ".join(f"{k}={v:g}" for k, v in g["params"].items()) or "-")
                  + f" | {_f(g['target_ratio'], 'g')} | "
                  f"{_f(g['ratio'], '.4f', 'none (vector loss)')} | "
                  f"{_f(g['threshold_symmetric'], '.4f')} |")
    md += ["", "## Rank correlation of r and the accuracy drop", "",
           "rho < 0: a higher ratio, a smaller drop (the claim). Intervals: bootstrap 95% over "
           "seeds (defined resamples / all).", "",
           "| family | noise | ratios | seeds | rho | 95% interval | verdict | partial rho "
           "(given clean fit) | 95% interval | verdict |", "|---|---|---|---|---|---|---|---|---|---|"]
    for c in analysis["cells"]:
        md.append(f"| {c['title']} | {c['noise']} | {len(c['points'])} | {len(c['seeds'])} | "
                  f"{_f(c['rho'], '+.2f')} | {_ci(c['rho_ci'])} | **{c['verdict']}** | "
                  f"{_f(c['partial_rho'], '+.2f')} | {_ci(c['partial_ci'])} | "
                  f"{c['partial_verdict']} |")
    cv = analysis["claim_verdict"]
    md += ["", f"Over all {cv['n_cells']} cells: **{cv['verdict']}** ("
           + ", ".join(f"{k.lower()} {v}" for k, v in cv["counts"].items()) + ").", ""]
    if fig:
        md += [f"![accuracy drop against r]({Path(fig).name})", ""]
    md += ["## The points", "",
           "Drop in points (clean run minus noisy run, same seed), mean [min, max] over seeds; "
           "clean fit: training accuracy of the clean run; eta*: the checker's symmetric "
           "threshold; predicted: the checker's prediction for this noise (record).", "",
           "| family | noise | r | parameters | drop | clean fit | eta* | predicted |",
           "|---|---|---|---|---|---|---|---|"]
    for c in analysis["cells"]:
        for p in c["points"]:
            if "drop_mean" not in p:
                continue
            fit = [f for f in p["fits"] if f is not None]
            md.append(f"| {c['title']} | {c['noise']} | {p['ratio']:.3f} | {p['params']} | "
                      f"{100 * p['drop_mean']:.1f} [{100 * p['drop_min']:.1f}, "
                      f"{100 * p['drop_max']:.1f}] | "
                      f"{_f(float(np.mean(fit)) if fit else None, '.3f')} | "
                      f"{_f(p['threshold_symmetric'], '.3f')} | {p['predicted_tolerant']} |")
    refs = analysis.get("references") or []
    if refs:
        md += ["", "End points and baselines (in no verdict; the figure's grey marks):", "",
               "| loss | role | r | noise | drop | seeds | eta* |", "|---|---|---|---|---|---|---|"]
        for x in refs:
            md.append(f"| {x['label']} | {x['role']} | {_f(x['ratio'], '.3f', 'none')} | "
                      f"{x['noise']} | {100 * x['drop_mean']:.1f} [{100 * x['drop_min']:.1f}, "
                      f"{100 * x['drop_max']:.1f}] | {x['n_seeds']} | "
                      f"{_f(x['threshold_symmetric'], '.3f')} |")
    md += ["", "## Do asymmetric losses outperform the baselines?", ""]
    if analysis["outperform"]:
        md += ["| noise | best asymmetric | acc | best baseline | acc | diff (pts) | t (df) | p "
               "| verdict |", "|---|---|---|---|---|---|---|---|---|"]
        for o in analysis["outperform"]:
            md.append(f"| {o['noise']} | {o['best_asym']} | {100 * o['best_asym_acc']:.1f} | "
                      f"{o['best_baseline']} | {100 * o['best_baseline_acc']:.1f} | "
                      f"{100 * o['mean_diff']:+.1f} | {_f(o['t'], '.2f')} ({o['df']}) | "
                      f"{_f(o['p'], '.3g')} | {o['verdict']} |")
        md += ["", "Paired t-test over seeds, two-sided; the best asymmetric configuration is "
               "selected on these same accuracies, which the p-value does not correct for."]
    else:
        md.append("No noise setting has both an asymmetric loss and a baseline (the setting's "
                  "grid has no baseline).")
    atomic_write(paths["md"], "\n".join(md) + "\n")
    return paths


def _threshold_r(noise: str) -> float | None:
    """r from which a convex l tolerates the noise at K = 10 (theory.md T5)."""
    kind, _, rate = noise.partition(":")
    eta = float(rate) if rate else 0.0
    if kind == "symmetric":
        return eta / ((K - 1) * (1 - eta))
    if kind == "pairflip":
        return eta / (1 - eta)
    return None


def _plot(path: Path, analysis: Mapping, manifest: Mapping) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    noises = list(dict.fromkeys(c["noise"] for c in analysis["cells"]))
    if not noises:
        return None
    fig, axes = plt.subplots(1, len(noises), figsize=(4.6 * len(noises), 3.8), squeeze=False)
    cmap = plt.get_cmap("tab10")
    fams = list(dict.fromkeys(c["family"] for c in analysis["cells"]))
    for ax, nz in zip(axes[0], noises):
        for c in (c for c in analysis["cells"] if c["noise"] == nz):
            pts = [p for p in c["points"] if "drop_mean" in p]
            if not pts:
                continue
            col = cmap(fams.index(c["family"]) % 10)
            xs = [p["ratio"] for p in pts]
            ys = [100 * p["drop_mean"] for p in pts]
            err = [[100 * (p["drop_mean"] - p["drop_min"]) for p in pts],
                   [100 * (p["drop_max"] - p["drop_mean"]) for p in pts]]
            ci = c["rho_ci"]
            lab = (f"{c['title']}: rho {_f(c['rho'], '+.2f')} "
                   + (f"[{ci['lo']:+.2f}, {ci['hi']:+.2f}]" if ci["lo"] is not None else "")
                   + f" {c['verdict'].lower()}")
            ax.errorbar(xs, ys, yerr=err, color=col, marker="o", ms=0, lw=1, capsize=2,
                        label=lab)
            for x, y, p in zip(xs, ys, pts):
                tol = p["predicted_tolerant"] in (True, "True")
                ax.scatter([x], [y], s=28, color=col, facecolors=col if tol else "white",
                           zorder=3)
        for x in (x for x in analysis.get("references") or [] if x["noise"] == nz
                  and x["ratio"] is not None):
            ax.errorbar([x["ratio"]], [100 * x["drop_mean"]],
                        yerr=[[100 * (x["drop_mean"] - x["drop_min"])],
                              [100 * (x["drop_max"] - x["drop_mean"])]],
                        color="0.5", marker="s", ms=4, capsize=2, lw=0.8)
            ax.annotate(x["loss"].upper(), (x["ratio"], 100 * x["drop_mean"]), fontsize=6,
                        color="0.4", textcoords="offset points", xytext=(4, 2))
        rstar = _threshold_r(nz)
        if rstar is not None and 0 < rstar < 1:
            ax.axvline(rstar, color="k", ls="--", lw=0.8,
                       label=f"theory: convex l tolerant for r >= {rstar:.3f}")
        ax.set_xlim(0, 1)
        ax.set_xlabel("asymmetry ratio r (checker)")
        ax.set_ylabel("accuracy drop from clean (points)")
        ax.set_title(nz, fontsize=9)
        ax.legend(fontsize=6)
    fig.suptitle(f"{manifest['dataset_title']}, setting {manifest['setting']['name']}\n"
                 "drop vs r, mean and [min, max] over seeds; filled: predicted tolerant",
                 fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=100,
                                             metadata={"Software": None}))
    plt.close(fig)
    return str(path)


_TITLES = {"fashion-mnist": "Fashion-MNIST", "digits": "8x8 digits (scikit-learn)"}


def run_study(out: str | os.PathLike, *, setting: str = "cpu", dataset: str = "auto",
              data_root: str | None = None, seeds: Sequence[int] | None = None,
              device: str = "auto", command: str = "", workers: int | None = None,
              threads: int | None = None, progress: bool = True, train: bool = True) -> dict:
    """Run (or resume) the study into ``out`` and write its report (``train=False``: the
    report of the runs finished so far)."""
    from .experiments.sweep import make_grid, run_sweep
    from .experiments.train import resolve_config

    t_start = time.perf_counter()
    out = Path(out)
    spec, grid, why = study_spec(setting, dataset=dataset, data_root=data_root, seeds=seeds,
                            device=device)
    cells = make_grid(spec, out)
    by_loss = {(g["loss"], json.dumps(g["params"], sort_keys=True)): g for g in grid}
    runs = []
    for c in cells:
        g = by_loss[(c.config.loss, json.dumps(dict(c.config.params), sort_keys=True))]
        runs.append({"run_dir": os.path.relpath(c.run_dir, out), "label": c.loss_label,
                     "family": g["family"], "role": g["role"], "loss": g["loss"],
                     "params": g["params"], "ratio": g["ratio"],
                     "target_ratio": g["target_ratio"],
                     "threshold_symmetric": g["threshold_symmetric"],
                     "noise": c.config.noise, "seed": c.config.seed})
    cfg, _ = resolve_config(cells[0].config)
    s = SETTINGS[setting]
    manifest = {"schema": "alfs-ratio-study-manifest/1", "command": command or
                f"alfs study ratio --setting {setting}", "dataset": spec.dataset,
                "dataset_title": _TITLES.get(spec.dataset, spec.dataset), "dataset_why": why,
                "setting": {"name": setting, "why": s["why"],
                            "train_subset": cfg.train_subset, "test_subset": cfg.test_subset},
                "epochs": cfg.epochs, "noise": list(spec.noise), "seeds": list(spec.seeds),
                "grid": grid, "runs": runs}
    old = out / "study.json"
    if old.is_file():  # a folder holds one study: never mix the records of two settings
        try:
            prev = json.loads(old.read_text(encoding="utf-8"))
        except ValueError:
            prev = {}
        same = ("dataset", "epochs")
        diff = [k for k in same if prev.get(k) != manifest[k]]
        # the setting's name and data sizes define it; its 'why' is prose that may be reworded
        key = ("name", "train_subset", "test_subset")
        if any((prev.get("setting") or {}).get(k) != manifest["setting"][k] for k in key):
            diff.append("setting")
        if diff:
            raise InputError(f"{out} holds a study with another {', '.join(diff)} ("
                             f"{', '.join(f'{k}: {prev.get(k)!r}' for k in diff)}); use "
                             "another --out (finished runs are never overwritten)")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "study.json", json.dumps(manifest, indent=2, default=str) + "\n")
    t0 = time.perf_counter()
    summary = (run_sweep(spec, out, workers=workers, threads=threads, progress=progress)
               if train else {"failed": []})
    rows, manifest = collect_study(out)
    if not rows:
        raise InputError(f"no run of the study finished in {out}; see {out / 'failed.json'}")
    analysis = analyse(rows)
    manifest = {**manifest, "invocation_seconds": time.perf_counter() - t_start,
                "invocation_trained": bool(train)}
    paths = write_study(out, rows, manifest, analysis)
    return {"rows": rows, "analysis": analysis, "paths": paths, "manifest": manifest,
            "failed": summary["failed"], "seconds": time.perf_counter() - t0}
