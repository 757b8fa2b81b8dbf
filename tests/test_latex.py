"""LaTeX tables for papers: every special character escaped, braces balanced, one cell per
column in every row (no LaTeX on this machine to compile them, so the structure is checked)."""

from __future__ import annotations

import re

from alfs_theory.checks.checker import check_loss
from alfs_theory.cli import main
from alfs_theory.latex import escape, table

SPECIALS = "\\&%$#_{}~^<>|"


def _balanced(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        if c in "{}" and i and text[i - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


def _bare(text: str) -> str:
    """``text`` with the escapes and macros of :func:`escape` removed: what is left must hold
    no special character."""
    t = re.sub(r"\\text[a-z]+\{\}", "", text)
    return re.sub(r"\\[&%$#_{}]", "", t)


def test_escape_leaves_no_special_character():
    raw = r"a_b 50% & #1 {x} ~y^2 <= |z| \alpha $5"
    out = escape(raw)
    assert _balanced(out)
    assert not set(_bare(out)) & set(SPECIALS), out
    assert escape("two\nlines") == "two lines"


def test_table_rows_have_one_cell_per_column():
    tex = table(["check", "verdict", "summary"], [("ratio", "PROVED", "r = 1/2 & more"),
                                                  ("x_y", "REFUTED", "50%")],
                caption="a_b", label="tab:x", bold_col=1)
    assert tex.startswith("\\begin{table}") and tex.rstrip().endswith("\\end{table}")
    assert "\\begin{tabularx}{\\linewidth}{llX}" in tex and "\\toprule" in tex
    body = tex.split("\\midrule\n")[1].split("\\bottomrule")[0].strip().splitlines()
    assert len(body) == 2
    for line in body:
        assert len(re.findall(r"(?<!\\)&", line)) == 2 and line.endswith("\\\\")
    assert "\\textbf{PROVED}" in body[0] and _balanced(tex)


def test_a_check_report_as_latex(capsys):
    rep = check_loss("agce", n_classes=10, checks=["ratio", "threshold", "symmetric"])
    tex = rep.to_latex()
    assert "\\textbf{PROVED}" in tex and "\\textbf{REFUTED}" in tex and _balanced(tex)
    assert "u\\_y" in tex  # the formula in the caption, escaped
    assert len(rep.to_latex(evidence=True)) > len(tex)
    assert main(["check", "agce", "-K", "10", "--only", "ratio", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert "\\begin{tabularx}" in out and "r(l) = 1/2 = 0.5" in out


def test_the_ledger_as_latex(tmp_path, capsys):
    assert main(["verify", "--only", "T4-iff,D1-symmetric", "--out", str(tmp_path),
                 "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert "\\label{tab:alfs-ledger}" in out and "T4-iff" in out and _balanced(out)
    assert (tmp_path / "report-partial.json").is_file()  # written all the same


def test_check_as_a_self_contained_html_page(capsys):
    """alfs check --format html: verdicts, whole evidence and the one-loss figure inline; the
    page refers to no other file or address (viewable offline)."""
    assert main(["check", "--expr", "exp(-u/3)", "--name", "e3", "-K", "3", "--only",
                 "ratio,threshold", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<h1>e3 (no parameters), K = 3</h1>" in page
    assert page.count("<tr>") == 3  # the header and two checks
    assert "src=\"data:image/png;base64,iVBOR" in page  # a PNG, inline
    assert not re.search(r"(src|href)=\"(?!data:)", page)
    assert "l convex (proved)" in page  # the evidence, whole
