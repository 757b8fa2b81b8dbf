"""Run the ledger: a table with progress, report.md and report.json written atomically."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..fileio import atomic_write
from ..progress import Progress
from .claims import EMPIRICAL_VERDICTS, LEDGER, Outcome

DEFAULT_OUT = Path("alfs-verify")
"""Where ``alfs verify`` writes by default: a folder in the current directory (never inside the
installed package)."""
CLAIMS_FILE = Path(__file__).resolve().parent / "paper_claims.json"
DEFAULT_STUDY = Path("alfs-study-ratio")
"""Where the empirical rows read the runs of ``alfs study ratio`` by default (its default
--out, in the current folder)."""


def _paper_statements() -> dict:
    if not CLAIMS_FILE.exists():
        return {}
    try:
        return {c["id"]: c for c in json.loads(CLAIMS_FILE.read_text(encoding="utf-8"))}
    except (ValueError, KeyError):
        return {}


def run_ledger(*, only: list[str] | None = None, out_dir: Path | str = DEFAULT_OUT,
               stream=None, study_dir: Path | str = DEFAULT_STUDY) -> dict:
    """Run the claims (``only``: those ids). The empirical rows read the recorded runs of
    ``alfs study ratio`` in ``study_dir`` (they never train); their verdicts are SUPPORTED,
    CONTRADICTED, INCONCLUSIVE or NO RECORDS, never PROVED or REFUTED, and they are "as
    expected" whenever they read the records without error: an empirical finding is a report,
    not a failure of the ledger."""
    stream = sys.stderr if stream is None else stream  # looked up now: it may be replaced
    claims = [c for c in LEDGER if not only or c.id in only]
    if only and len(claims) != len(only):
        known = ", ".join(c.id for c in LEDGER)
        missing = sorted(set(only) - {c.id for c in claims})
        from ..errors import InputError

        raise InputError(f"unknown ledger id(s) {missing}; known: {known}")
    paper = _paper_statements()
    rows = []
    t_all = time.perf_counter()
    bar = Progress(len(claims), enabled=False)  # its counts and time left, on each line
    for i, c in enumerate(claims, 1):
        print(f"[{i}/{len(claims)}] {c.id} ...", end="", file=stream, flush=True)
        t0 = time.perf_counter()
        empirical = c.section == "empirical"
        try:
            out = c.run(study_dir) if empirical else c.run()
        except Exception as e:  # noqa: BLE001 - a crashed check is reported, not hidden
            out = Outcome("ERROR", f"{type(e).__name__}: {e}")
        if empirical and out.verdict not in EMPIRICAL_VERDICTS + ("ERROR",):
            out = Outcome("ERROR", f"an empirical row gave {out.verdict!r}, which is not one "
                          f"of {', '.join(EMPIRICAL_VERDICTS)}: {out.evidence}")
        dt = time.perf_counter() - t0
        ok = out.verdict in EMPIRICAL_VERDICTS if empirical else out.verdict == c.expected
        bar.step()
        print(f" {out.verdict} ({'as expected' if ok else 'expected ' + c.expected}, "
              f"{dt:.1f} s) {bar.suffix()}", file=stream, flush=True)
        rows.append({
            "id": c.id, "claim": c.claim, "source": c.source, "method": c.method,
            "expected": c.expected, "found": out.verdict, "ok": ok, "seconds": round(dt, 2),
            "evidence": out.evidence, "data": out.data, "note": c.note,
            "section": c.section,
            "paper": [paper[p] for p in c.paper_ids if p in paper],
        })
    report = {"schema": "alfs-ledger/1", "n": len(rows), "ok": all(r["ok"] for r in rows),
              "seconds": round(time.perf_counter() - t_all, 2), "claims": rows,
              "paper_statements": list(paper.values())}
    if only:  # a partial run never replaces the full report beside it
        report["partial"] = {"of": len(LEDGER), "only": list(only)}
    stem = "report-partial" if only else "report"
    report["files"] = [f"{stem}.md", f"{stem}.json"]
    out_dir = Path(out_dir)
    atomic_write(out_dir / f"{stem}.json", json.dumps(report, indent=2, default=str))
    atomic_write(out_dir / f"{stem}.md", to_markdown(report))
    return report


def to_latex(report: dict) -> str:
    """The ledger as a booktabs table for a paper (``alfs verify --format latex``): id, the
    claim, the method, expected and found verdicts (found in bold)."""
    from ..latex import table

    rows = [(r["id"], r["claim"], r["method"], r["expected"], r["found"])
            for r in report["claims"]]
    ok = sum(r["ok"] for r in report["claims"])
    cap = (f"The paper's claims checked by alfs-theory's ledger: {ok} of {report['n']} as "
           "expected (PROVED with a certificate, REFUTED with a counterexample)")
    return table(["id", "claim", "method", "expected", "found"], rows, caption=cap,
                 label="tab:alfs-ledger", wrap=1, bold_col=4)


def to_markdown(report: dict) -> str:
    part = report.get("partial")
    lines = ["# proofs_check: the paper's claims, checked", "",
             (f"**Partial run**: {report['n']} of the ledger's {part['of']} claims "
              f"(--only {','.join(part['only'])}). " if part else "")
             + f"{report['n']} claims, {sum(r['ok'] for r in report['claims'])} as expected, "
             f"{report['seconds']} s.", ""]
    theory = [r for r in report["claims"] if r.get("section", "theory") != "empirical"]
    empirical = [r for r in report["claims"] if r.get("section") == "empirical"]
    if theory:
        lines += ["| id | claim | method | expected | found | s |", "|---|---|---|---|---|---|"]
    for r in theory:
        mark = "" if r["ok"] else " ⚠"
        lines.append(f"| {r['id']} | {r['claim']} | {r['method']} | {r['expected']} | "
                     f"**{r['found']}**{mark} | {r['seconds']} |")
    if empirical:
        lines += ["", "## Empirical claims (read from recorded runs; never PROVED)", "",
                  "Verdicts SUPPORTED / CONTRADICTED / INCONCLUSIVE by the pre-stated analysis "
                  "of `alfs study ratio` (docs/ratio_study.md); NO RECORDS until it has run.",
                  "", "| id | claim | method | found | s |", "|---|---|---|---|---|"]
        for r in empirical:
            mark = "" if r["ok"] else " ⚠"
            lines.append(f"| {r['id']} | {r['claim']} | {r['method']} | "
                         f"**{r['found']}**{mark} | {r['seconds']} |")
    lines += ["", "## Evidence", ""]
    for r in report["claims"]:
        lines.append(f"- **{r['id']}** ({r['source']}): {r['evidence']}"
                     + (f" _Note: {r['note']}_" if r["note"] else ""))
        for p in r["paper"]:
            lines.append(f"  - paper {p.get('id')}: {p.get('statement')}")
    if report.get("paper_statements"):
        lines += ["", "## Statements recorded from the papers", ""]
        for p in report["paper_statements"]:
            lines.append(f"- **{p.get('id')}** ({p.get('source')}): {p.get('statement')}"
                         + (f" — _{p.get('notes')}_" if p.get("notes") else ""))
    return "\n".join(lines) + "\n"


def print_table(report: dict, stream=None) -> None:
    stream = sys.stdout if stream is None else stream  # looked up now: it may be replaced
    w = max(len(r["id"]) for r in report["claims"])
    print(f"{'id':<{w}}  {'expected':<9}  {'found':<9}  {'s':>6}  claim", file=stream)
    for r in report["claims"]:
        flag = "" if r["ok"] else "  <-- differs"
        claim = r["claim"] if len(r["claim"]) <= 80 else r["claim"][:77] + "..."
        print(f"{r['id']:<{w}}  {r['expected']:<9}  {r['found']:<9}  {r['seconds']:>6.1f}  "
              f"{claim}{flag}", file=stream)
