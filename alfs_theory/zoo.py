"""docs/zoo.md: every registered loss, its paper, its defaults and the checker's verdicts.

The page is generated from the registry (:func:`alfs_theory.list_losses`) and the checker's
public entry point :func:`alfs_theory.checks.checker.check_loss`, at K = 10 with each loss's
default parameters; nothing here decides a verdict, it only prints what ``check_loss``
answered (UNDECIDED included). Regenerate with::

    alfs zoo            # writes docs/zoo.md (a few CPU minutes: every loss is checked)
    alfs zoo --check    # exit 1 when docs/zoo.md is not current

The losses of the field that are *not* registered, and why, are :data:`NOT_REGISTERED`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["COLUMNS", "HEADER_COLUMNS", "NOT_REGISTERED", "ZOO_K", "loss_row", "render",
           "stale", "table_rows", "verdict_cells", "write", "zoo_path"]

ZOO_K = 10
"""The number of classes the verdicts are computed at."""

# column -> which of check_loss's results it shows, by the results' stable names
COLUMNS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("shape", lambda c: c == "shape"),
    ("ratio r", lambda c: c == "ratio"),
    ("symmetric", lambda c: c == "symmetric"),
    ("asymmetric", lambda c: c == "asymmetric"),
    ("threshold", lambda c: c == "threshold"),
    ("calibrated", lambda c: c == "calibrated"),
    ("excess-risk", lambda c: c == "excess-risk"),
)
# columns whose summary says what was found (the value), not only the verdict
_WITH_SUMMARY = {"shape", "ratio r", "threshold"}
_MAX_SUMMARY = 100

NOT_REGISTERED: tuple[tuple[str, str, str], ...] = (
    ("GJS (generalized Jensen-Shannon, M > 2 distributions)", "Englesson & Azizpour, NeurIPS 2021",
     "its extra distributions are predictions on augmented views of the same input, so the "
     "loss depends on several forward passes, not on one u; the two-distribution JS is "
     "registered as 'js'"),
    ("Robust log loss (RLL)", "Kumar & Sastry; used by Patel & Sastry 2021",
     "its published definition could not be read in the stored copies of the papers and code "
     "we can search (the experiment code that trains with it imports utils.RobustLogLoss, "
     "whose source is not stored), so it is not registered from memory"),
    ("Hard bootstrapping", "Reed et al., ICLR 2015 workshop",
     "-beta log u_y - (1 - beta) log max_k u_k needs the largest probability over the classes, "
     "which the spec grammar's class sums (sum_k g(u_k)) cannot express"),
    ("ALDR-KL (adaptive LDR-KL)", "Zhu, Ying & Yang, ICML 2023",
     "lambda is a per-example state updated during training; LDR-KL at a fixed lambda is "
     "registered as 'ldrkl'"),
    ("ANL-CE with entropy regularisation (ANL-CE-ER)", "Ye et al., 2024 (journal version)",
     "the regulariser is the entropy of the batch's mean prediction, a function of the whole "
     "batch, not of one u; ANL-CE without it is 'nce+nnce'"),
    ("ANL's L1 term, SR's logit sharpening and lambda schedule", "Ye et al. 2023; Zhou et al. 2021",
     "the L1 norm acts on the network's weights; SR's u = softmax(normalize(z)/tau) acts on "
     "the logits and its lambda grows by rho each epoch: all stay outside 'nce+nnce' and "
     "'ce+sr', which are the per-example losses at fixed weights"),
    ("Taylor CE of other orders", "Feng et al., IJCAI 2020",
     "the order t is an integer, not a real parameter: 'tce' is t = 2, and "
     "alfs_theory.losses.field.taylor_ce(t) builds order t for register(...)"),
)


def zoo_path() -> Path:
    """docs/zoo.md of this checkout."""
    return Path(__file__).resolve().parents[1] / "docs" / "zoo.md"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SUMMARY else text[:_MAX_SUMMARY - 3] + "..."


def verdict_cells(results: Iterable) -> list[str]:
    """The table cells of :data:`COLUMNS` from ``check_loss``'s results: the verdict as the
    checker gave it (with the first clause of its summary for shape, ratio and threshold);
    '-' where the checker ran no such check (shape and ratio exist for pointwise losses
    only)."""
    results = list(results)
    cells = []
    for col, picks in COLUMNS:
        hit = next((r for r in results if picks(r.check)), None)
        if hit is None:
            cells.append("-")
            continue
        cell = hit.verdict.value
        if col in _WITH_SUMMARY:  # the summary's first clause: what was found; the rest
            # (interval bounds, a refuting rate bracketed by a CPU-budgeted bisection, whose
            # end depends on the machine) is in `alfs check`
            cell += f": {_short(hit.summary.split('; ')[0])}"
        cells.append(_cell(cell))
    return cells


def _defaults(spec) -> str:
    return ", ".join(f"{p.name}={p.default:g}" for p in spec.params) or "-"


def loss_row(name: str, *, n_classes: int = ZOO_K) -> str:
    """One markdown table row: the loss, its first reference, defaults and verdicts."""
    from .checks.checker import check_loss
    from .registry import get_loss

    spec = get_loss(name)
    rep = check_loss(spec.bind(), n_classes=n_classes)
    ref = spec.references[0] if spec.references else ""
    kind = spec.kind if rep.kind == spec.kind else f"{spec.kind} ({rep.kind} on the simplex)"
    head = [f"`{name}`", kind, _cell(ref), _cell(_defaults(spec))]
    return "| " + " | ".join(head + verdict_cells(rep.results)) + " |"


HEADER_COLUMNS = ("loss", "kind", "reference", "defaults") + tuple(c for c, _ in COLUMNS)


def render(names: Iterable[str] | None = None,
           row: Callable[[str], str] | None = None) -> str:
    """The whole page (every registered loss unless ``names`` is given; each row from
    :func:`loss_row` unless ``row`` is given)."""
    from .registry import list_losses

    names = list(list_losses() if names is None else names)
    row = row or loss_row
    lines = [
        "# The loss zoo",
        "",
        "<!-- generated by `alfs zoo` (alfs_theory/zoo.py); do not edit by hand "
        "(tests/test_zoo.py checks it is current) -->",
        "",
        f"Every registered loss with its paper, its default parameters and the verdicts of "
        f"`alfs_theory.checks.checker.check_loss` at K = {ZOO_K} with those defaults "
        "(`alfs check NAME -K 10` shows the evidence of each). Columns: *shape* and *ratio r* "
        "(pointwise losses only: convex/concave, r(l) of shared/theory.md); *symmetric* "
        "(sum_k L(u, k) constant); *asymmetric* (on the weights of the symmetric noise rate "
        "`check_loss` picks by default, just below clean-labels dominance, eta = 0.95 (K-1)/K: 0.855 at K = 10); "
        "*threshold* (the symmetric noise rates "
        "tolerated); *calibrated*; *excess-risk* (a bound of the excess 0-1 risk). '-' means "
        "the checker runs no such check for that kind of loss; a vector loss whose class sums "
        "are constant on the simplex at its defaults (LDR-KL at lam = 1: sum_k u_k = 1) is "
        "checked as the pointwise loss it is there. UNDECIDED is the checker's "
        "honest answer where no rule decides; it is shown as such. Shape, ratio and threshold "
        "cells quote the first clause of the checker's summary; the rest (interval bounds, "
        "the rate at which a search refuted tolerance, which a CPU-time budget makes depend on "
        "the machine) is in `alfs check`.",
        "",
        "Parameters that act outside L(u, y) (logit temperatures, epoch schedules, weight "
        "norms) are not part of a spec: each loss's notes (`alfs show NAME`) say what was "
        "left out.",
        "",
        "| " + " | ".join(HEADER_COLUMNS) + " |",
        "|" + "---|" * len(HEADER_COLUMNS),
    ]
    lines += [row(n) for n in names]
    lines += [
        "",
        "## Not registered",
        "",
        "Losses of the field that are not (or only in part) a function L(u, y) of the "
        "predicted probabilities, or whose definition we could not read:",
        "",
        "| loss | paper | why |",
        "|---|---|---|",
    ]
    lines += [f"| {_cell(a)} | {_cell(b)} | {_cell(c)} |" for a, b, c in NOT_REGISTERED]
    return "\n".join(lines) + "\n"


def table_rows(text: str) -> dict[str, str]:
    """Loss name -> its row line, read from a rendered page."""
    out = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            name = line.split("`")[1]
            out[name] = line
    return out


def write(out: str | Path | None = None) -> Path:
    """Render the page and write it (atomically) to ``out`` (default docs/zoo.md)."""
    from .fileio import atomic_write

    path = Path(out) if out is not None else zoo_path()
    atomic_write(path, render())
    return path


def stale(out: str | Path | None = None) -> bool:
    """True when the file at ``out`` (default docs/zoo.md) differs from a fresh rendering."""
    path = Path(out) if out is not None else zoo_path()
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    return current != render()
