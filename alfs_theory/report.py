"""``alfs report``: the main job. On the embedded default data, with no network, it

1. checks every registered loss (verdict table),
2. runs the proofs_check ledger,
3. runs a short confirmation sweep over three seeds on real data -- Fashion-MNIST when its
   files are installed (Debian ``dataset-fashion-mnist``), scikit-learn's digits otherwise --
   grades each cell against the prediction and diagnoses every contradiction (resumable:
   finished runs are kept),
4. draws the figures,

and writes one self-contained HTML page (figures embedded) and a markdown twin. Every step
prints progress; results are written atomically.
"""

from __future__ import annotations

import base64
import html
import json
import os
import sys
import time
from pathlib import Path

from .fileio import atomic_write

__all__ = ["run_report"]

SWEEP_LOSSES = [("ce", {}), ("agce", {"a": 1.0, "q": 2.0}), ("ael", {"a": 3.0}),
                ("gce", {"q": 0.7})]
SWEEP_RATES = (0.0, 0.4, 0.8)
SWEEP_SEEDS = (0, 1, 2)
# what the main job trains per data set, chosen to keep it within 8 minutes on 2 CPU cores (6 measured):
# Fashion-MNIST with the official MNIST CNN on a class-stratified subset (2,500 training
# images, 1,000 test images) for 8 epochs; the digits (1,797 images) in full for 30 epochs.
REPORT_DATA = {
    "fashion-mnist": {"train_subset": 2500, "test_subset": 1000, "epochs": 8},
    "digits": {"train_subset": None, "test_subset": None, "epochs": 30},
}
DIAGNOSE_FOLLOWUPS = 2  # contradictions (largest drop first) that get follow-up runs


def report_dataset(choice: str = "auto") -> str:
    """``auto``: Fashion-MNIST when its files are installed, the digits otherwise."""
    from .errors import InputError

    if choice not in ("auto", *REPORT_DATA):
        raise InputError(f"the report's data set must be auto, {', '.join(REPORT_DATA)}; "
                         f"got {choice!r}")
    if choice != "auto":
        return choice
    from .experiments.data import DEFAULT_FASHION_MNIST_ROOT

    need = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte")
    root = Path(DEFAULT_FASHION_MNIST_ROOT)
    have = all((root / n).exists() or (root / (n + ".gz")).exists() for n in need)
    return "fashion-mnist" if have else "digits"


def _say(msg: str) -> None:
    print(f"[alfs report] {msg}", file=sys.stderr, flush=True)


def verdict_table(n_classes: int = 10, names: list[str] | None = None,
                  progress: bool = True) -> list[dict]:
    """One row per registered loss (or per name in ``names``) at its default parameters
    (``progress``: a line per loss on stderr)."""
    from .checks.checker import check_loss
    from .registry import get_loss, list_losses

    rows = []
    names = list(names) if names is not None else list_losses()
    for i, name in enumerate(names, 1):
        spec = get_loss(name).bind()
        rep = check_loss(spec, n_classes=n_classes,
                         checks=["shape", "ratio", "symmetric", "asymmetric", "region",
                                 "threshold", "calibrated"])
        row = {"loss": name, "kind": spec.kind, "params": spec.describe_values()}
        for r in rep.results:
            key = r.check
            row[key] = r.verdict.value
            if key == "ratio" and r.value is not None:
                try:
                    row["r"] = f"{float(r.value):.4g}"
                except (TypeError, ValueError):
                    row["r"] = str(r.value)
            if key == "shape":
                row["shape"] = r.value or "unknown"
            if key == "threshold":
                v = r.value or {}
                if v.get("eta_max") is not None:
                    row["eta_max"] = ("≤ " if v.get("inclusive") else "< ") + \
                        f"{v['eta_max']:.4g}"
                else:
                    row["eta_max"] = f"[{v.get('lo', 0):.3g}, ?]"
            if key == "region":
                v = r.value or {}
                row["asymmetric on"] = {
                    "all": "every w", "none": "no w", "equal-others": "equal non-top w",
                }.get(v.get("kind"), v.get("text", "?").split(" (")[0])
        rows.append(row)
        if progress:
            _say(f"checked {i}/{len(names)} {name} ({rep.seconds:.1f} s)")
    return rows


def _setting_text(setting: dict) -> str:
    sub = setting.get("train_subset")
    tst = setting.get("test_subset")
    return (f"{'all' if sub is None else sub} training images, "
            f"{'all' if tst is None else tst} test images, {setting['epochs']} epochs, "
            "the data set's official network and schedule")


def _md_table(rows: list[dict], cols: list[str]) -> str:
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    return "\n".join(out)


def _html_table(rows: list[dict], cols: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = str(r.get(c, ""))
            cls = v.lower() if v in ("PROVED", "REFUTED", "UNDECIDED") else ""
            cells.append(f'<td class="{cls}">{html.escape(v)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def run_report(out_dir: str | Path = "report", *, epochs: int | None = None,
               seeds=SWEEP_SEEDS, workers: int | None = None, skip_sweep: bool = False,
               skip_figures: bool = False, dataset: str = "auto",
               followups: int = DIAGNOSE_FOLLOWUPS, claims: list[str] | None = None) -> dict:
    """The main job (see the module docstring). ``dataset`` is ``auto`` (Fashion-MNIST when
    installed, else digits), ``fashion-mnist`` or ``digits``; ``epochs`` overrides the data
    set's :data:`REPORT_DATA`; ``followups`` is how many contradictions get follow-up runs
    (longer training, more data); ``claims`` limits the ledger to those ids (default: every
    claim)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    data_name = report_dataset(dataset)
    setting = dict(REPORT_DATA[data_name])
    if epochs is not None:
        setting["epochs"] = int(epochs)
    seeds = tuple(seeds)
    summary: dict = {"schema": "alfs-report/2", "dataset": data_name, "seeds": list(seeds),
                     "setting": setting}

    from .ledger.run import run_ledger

    side = (workers if workers is not None else os.cpu_count() or 1) > 1
    if side:  # two independent single-threaded jobs: the checks in a second process
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        _say("1/4 checking every registered loss (K = 10, default parameters), in a second "
             "process beside 2/4")
        _say("2/4 running the proofs_check ledger")
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            pending = pool.submit(verdict_table, 10, None, False)  # quiet: the ledger's lines
            ledger = run_ledger(out_dir=out / "proofs_check", only=claims)
            if not pending.done():
                _say("1/4 waiting for the checks of every registered loss")
            checks = pending.result()
        _say(f"1/4 checked {len(checks)} registered losses")
    else:
        _say("1/4 checking every registered loss (K = 10, default parameters)")
        checks = verdict_table()
        _say("2/4 running the proofs_check ledger")
        ledger = run_ledger(out_dir=out / "proofs_check", only=claims)
    summary["checks"] = checks
    summary["ledger_ok"] = ledger["ok"]

    tve_md = "(sweep skipped)"
    tve_rows: list[dict] = []
    if not skip_sweep:
        _say(f"3/4 confirmation sweep on {data_name} ({_setting_text(setting)}): "
             f"{len(SWEEP_LOSSES)} losses x rates {list(SWEEP_RATES)} x seeds {list(seeds)} "
             "(resumable)")
        from .experiments.sweep import SweepSpec, run_sweep
        from .experiments.train import TrainConfig

        base = TrainConfig(train_subset=setting["train_subset"],
                           test_subset=setting["test_subset"])
        spec = SweepSpec(losses=SWEEP_LOSSES, noise=("symmetric",), rates=SWEEP_RATES,
                         seeds=seeds, dataset=data_name, epochs=setting["epochs"], base=base)
        run_sweep(spec, out / "sweep", workers=workers, progress=True)
        p = out / "sweep" / "theory_vs_experiment.md"
        tve_md = p.read_text(encoding="utf-8") if p.exists() else "(no table written)"
        csvp = out / "sweep" / "theory_vs_experiment.csv"
        if csvp.exists():
            import csv

            with open(csvp, encoding="utf-8") as f:
                tve_rows = list(csv.DictReader(f))
    summary["theory_vs_experiment"] = tve_rows
    diagnoses: list[dict] = []
    if not skip_sweep:
        from .experiments.diagnosis import diagnose_contradictions

        n_bad = sum(r.get("agreement") == "contradicts" for r in tve_rows)
        if n_bad:
            _say(f"3/4 diagnosing {n_bad} contradiction(s); follow-up runs for "
                 f"{min(n_bad, followups)}")
        from .experiments.sweep import default_workers

        diagnoses = diagnose_contradictions(out / "sweep", followups=followups > 0,
                                            workers=workers or default_workers(),
                                            max_followups=followups, progress=True)
    summary["diagnoses"] = [{k: d[k] for k in ("loss", "noise", "why", "reading",
                                                "followups", "population", "figure")}
                            for d in diagnoses]

    figs: dict = {}
    if not skip_figures:
        _say("4/4 drawing the figures")
        try:
            from .figures.build import build

            figs = build(out_dir=out / "figures", formats=("png",),
                         runs=str(out / "sweep") if not skip_sweep else None)
        except ImportError as e:
            figs = {"error": f"figures unavailable: {e}"}
    summary["figures"] = {k: v for k, v in figs.items()} if isinstance(figs, dict) else figs

    cols = ["loss", "kind", "params", "shape", "r", "symmetric", "asymmetric", "asymmetric on",
            "eta_max", "calibrated"]
    lcols = ["id", "claim", "method", "expected", "found"]
    part_note = "" if not claims else (
        f"; only {ledger['n']} of the ledger's claims, chosen with --claims")
    contra = [r for r in tve_rows if r.get("agreement") == "contradicts"]
    summary["contradictions"] = [{"loss": r.get("loss"), "noise": r.get("noise"),
                                  "why": r.get("agreement_rule")} for r in contra]
    data_line = (f"Training data: **{data_name}** "
                 + ("(real images from Debian's dataset-fashion-mnist)"
                    if data_name == "fashion-mnist" else
                    "(scikit-learn's bundled 8x8 digits; install the Debian package "
                    "dataset-fashion-mnist for real data)")
                 + f"; {_setting_text(setting)}; seeds {', '.join(map(str, seeds))}; "
                 f"symmetric noise at rates {', '.join(map(str, SWEEP_RATES))}."
                 if not skip_sweep else "Training: skipped (--skip-sweep).")
    by_cell = {(d["loss"], d["noise"]): d for d in diagnoses}
    opening = ([f"**Theory and experiment disagree in {len(contra)} cell(s)**: "
                + "; ".join(f"{r.get('loss')} at {r.get('noise')} ({r.get('agreement_rule')})"
                            + (f" -- diagnosis: {by_cell[(r.get('loss'), r.get('noise'))]['reading']}"
                               if (r.get('loss'), r.get('noise')) in by_cell else "")
                            for r in contra)
                + " See 'Theory beside experiment' for the rule and 'Diagnosis' for the "
                  "evidence.", ""]
               if contra else (["Theory and experiment: no contradiction by the stated rule "
                                "(see 'Theory beside experiment').", ""] if tve_rows else []))
    opening = [data_line, "", *opening]
    diag_md, diag_html = [], []
    for d in diagnoses:
        diag_md.append(f"### {d['loss']} at {d['noise']}\n\n{d['why']}.\n\n{d['reading']}\n")
        diag_html.append(f"<h3>{html.escape(d['loss'])} at {html.escape(d['noise'])}</h3>"
                         f"<p>{html.escape(str(d['why']))}.</p><p>{html.escape(d['reading'])}</p>")
        if d.get("figure"):
            rel = os.path.relpath(d["figure"], out)
            diag_md.append(f"![diagnosis {d['loss']} {d['noise']}]({rel})\n")
            b64 = base64.b64encode(Path(d["figure"]).read_bytes()).decode()
            diag_html.append(f"<img alt='diagnosis' src='data:image/png;base64,{b64}'/>")
    if not diagnoses:
        diag_md = ["No contradiction to diagnose." if tve_rows else "(no sweep)"]
        diag_html = [f"<p>{diag_md[0]}</p>"]
    md = ["# alfs-theory report", "", *opening,
          "Verdicts: PROVED (certificate), REFUTED (counterexample), UNDECIDED (estimate). "
          "`asymmetric` asks the definition on the weights of symmetric noise at 95% of "
          "(K-1)/K; `asymmetric on` is the whole region of weights (w_t the largest, w_n the "
          "second, sum 1) where a rule derives it; `eta_max` is the largest tolerated "
          "symmetric noise rate at K = 10.", "",
          "## Every registered loss", "", _md_table(checks, cols), "",
          f"## The paper's claims ({sum(r['ok'] for r in ledger['claims'])}/{ledger['n']} "
          f"as expected{part_note})", "", _md_table(ledger["claims"], lcols), "",
          f"## Theory beside experiment ({data_name}, symmetric noise)", "", tve_md, "",
          "## Diagnosis of each contradiction", "",
          "Curves are means over the cell's seeds: accuracy on the clean and on the flipped "
          "training subsets (the latter against the true labels), memorised flipped labels, "
          "test accuracy; the population minimiser is the noisy risk's, found numerically; "
          "follow-up runs train the first seed longer and on more data.", "",
          *diag_md, "",
          "## Figures", ""]
    imgs_html = []
    for name, info in (figs.items() if isinstance(figs, dict) else []):
        files = info.get("files", []) if isinstance(info, dict) else []
        pngs = [f for f in files if str(f).endswith(".png")]
        if pngs:
            rel = os.path.relpath(pngs[0], out)
            md.append(f"### {name}\n\n![{name}]({rel})\n")
            b64 = base64.b64encode(Path(pngs[0]).read_bytes()).decode()
            imgs_html.append(f"<h3>{html.escape(name)}</h3><img alt='{html.escape(name)}' "
                             f"src='data:image/png;base64,{b64}'/>")
        else:
            reason = info.get("skipped", info) if isinstance(info, dict) else info
            md.append(f"### {name}\n\n_skipped: {reason}_\n")
            imgs_html.append(f"<h3>{html.escape(name)}</h3><p><em>skipped: "
                             f"{html.escape(str(reason))}</em></p>")
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    md.append(f"\n_Built in {summary['seconds']} s._\n")
    md_text = "\n".join(md)
    style = ("body{font-family:sans-serif;max-width:1200px;margin:auto}table{border-collapse:"
             "collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
             ".proved{background:#dfd}.refuted{background:#fdd}.undecided{background:#ffd}"
             "img{max-width:100%}")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>alfs-theory report"
            f"</title><style>{style}</style></head><body><h1>alfs-theory report</h1>"
            + "".join(f"<p>{html.escape(x).replace('**', '')}</p>" for x in opening if x)
            + f"<h2>Every registered loss</h2>{_html_table(checks, cols)}"
            f"<h2>The paper's claims{html.escape(part_note)}</h2>"
            f"{_html_table(ledger['claims'], lcols)}"
            f"<h2>Theory beside experiment</h2>"
            f"{_html_table(tve_rows, list(tve_rows[0]) if tve_rows else ['none'])}"
            f"<h2>Diagnosis of each contradiction</h2>{''.join(diag_html)}"
            f"<h2>Figures</h2>{''.join(imgs_html)}"
            f"<p><em>Built in {summary['seconds']} s.</em></p></body></html>")
    atomic_write(out / "report.md", md_text)
    atomic_write(out / "report.html", page)
    atomic_write(out / "report.json", json.dumps(summary, indent=2, default=str))
    _say(f"wrote {out}/report.html, report.md, report.json in {summary['seconds']} s")
    return summary
