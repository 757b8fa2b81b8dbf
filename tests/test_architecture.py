"""The import graph keeps the house's rules (docs/howto.md, "Map of the code").

Data flows one way between the wings: base <- spec <- checks, torch <- experiments <- top.
No module imports a name starting with ``_`` from another module. The graph is read from the
source with :mod:`ast` (every import, at module level or inside a function), so a lazy import
counts as much as an eager one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "alfs_theory"

# first component of the module path below alfs_theory -> wing
WINGS = {
    "base": {"errors", "fileio", "symbols", "timing", "moved", "schemas", "progress", "latex"},
    "spec": {"spec", "parse", "registry", "losses", "userloss", "argtypes", "noise", "population"},
    "checks": {"checks"},
    "torch": {"nn"},
    "experiments": {"experiments"},
    "top": {"", "__main__", "cli", "report", "reproduce", "study", "plotting", "apidoc", "testing",
            "pytest_plugin", "zoo", "ledger", "figures"},
}
ALLOWED = {
    "base": {"base"},
    "spec": {"base", "spec"},
    "checks": {"base", "spec", "checks"},
    "torch": {"base", "spec", "torch"},
    "experiments": {"base", "spec", "torch", "experiments", "checks"},
    "top": set(WINGS),
}
# what the experiments may use of the checks: their public entry points (alfs_theory.checks.X)
CHECKS_PUBLIC = {"checker", "prediction", "conditions", "verdict"}
# imports against the flow that are allowed, each with its reason
CROSSINGS = {
    ("checks.blackbox", "nn.sandbox"): "the user's --torch code runs in the torch wing's bounded "
                                       "child process; imported only when a torch callable is "
                                       "checked",
}
# cycles through lazy (function-level) imports: none are left (the fused twins, their modules and
# the composite form share nn/inputs.py; the time budget lives in timing.py). A cycle fails.
KNOWN_LAZY_CYCLES: set = set()


def _modules():
    out = {}
    for p in PKG.rglob("*.py"):
        rel = p.relative_to(PKG).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (p, is_pkg)
    return out


MODULES = _modules()


def _resolve(name: str) -> str:
    """The longest known module prefix of a dotted name below alfs_theory."""
    parts = name.split(".") if name else []
    while parts and ".".join(parts) not in MODULES:
        parts = parts[:-1]
    return ".".join(parts)


def _edges():
    """(importer, imported module, imported name or None, line) for every import."""
    edges = []
    for mod, (path, is_pkg) in MODULES.items():
        pkg = mod if is_pkg else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".") if pkg else []
                    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                    target = ".".join([*base, *([node.module] if node.module else [])])
                elif (node.module or "").startswith("alfs_theory"):
                    target = node.module[len("alfs_theory"):].lstrip(".")
                else:
                    continue
                for a in node.names:
                    sub = f"{target}.{a.name}" if target else a.name
                    if sub in MODULES:  # `from . import noise`: the module itself
                        edges.append((mod, sub, None, node.lineno))
                    else:
                        edges.append((mod, _resolve(target), a.name, node.lineno))
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("alfs_theory"):
                        edges.append((mod, _resolve(a.name[len("alfs_theory"):].lstrip(".")),
                                      None, node.lineno))
    return edges


EDGES = _edges()


def _wing(mod: str) -> str:
    head = mod.split(".")[0] if mod else ""
    for wing, heads in WINGS.items():
        if head in heads:
            return wing
    raise AssertionError(f"alfs_theory.{mod} has no place in the map (tests/test_architecture."
                         "py WINGS and docs/howto.md 'Map of the code'): add it to a wing")


def test_every_module_has_a_wing():
    for mod in MODULES:
        _wing(mod)


def test_data_flows_one_way_between_the_wings():
    bad = []
    for src, dst, name, line in EDGES:
        ws, wd = _wing(src), _wing(dst)
        if (src, dst) in CROSSINGS:
            continue
        if wd not in ALLOWED[ws]:
            bad.append(f"alfs_theory.{src} (line {line}, {ws}) imports alfs_theory.{dst} ({wd})")
        elif ws == "experiments" and wd == "checks" and \
                (dst.split(".") + [""])[1] not in CHECKS_PUBLIC:
            bad.append(f"alfs_theory.{src} (line {line}) reaches into the checks' internals "
                       f"alfs_theory.{dst}; use alfs_theory.checks.{{{', '.join(sorted(CHECKS_PUBLIC))}}}")
    assert not bad, "imports against the one-way flow:\n" + "\n".join(bad)


def test_no_private_names_cross_a_module():
    bad = [f"alfs_theory.{src} (line {line}) imports {name} from alfs_theory.{dst}"
           for src, dst, name, line in EDGES
           if name and name.startswith("_") and not name.startswith("__") and dst != src]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def _cycles():
    graph = defaultdict(set)
    for src, dst, _, _ in EDGES:
        if src != dst and not src.startswith(dst + ".") and dst != "":
            graph[src].add(dst)
    found = set()
    for a in list(graph):
        for b in graph[a]:
            if a in graph.get(b, ()):
                found.add(frozenset({a, b}))
    return found


def test_no_new_import_cycles():
    cycles = _cycles()
    new = cycles - KNOWN_LAZY_CYCLES
    assert not new, "new import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in new)
    # the two the architecture issue named are gone
    assert frozenset({"registry", "losses"}) not in cycles
    assert not any("cli" in c and ("experiments.train" in c or "experiments.sweep" in c)
                   for c in cycles)


def test_the_checker_is_a_rule_that_can_fail():
    """The scanner sees lazy imports and private names (so the tests above can fail)."""
    assert ("registry", "losses.catalog", None) in {(s, d, n) for s, d, n, _ in EDGES} or \
        any(s == "registry" and d.startswith("losses") for s, d, _, _ in EDGES)
    assert any(s == "report" and d == "experiments.diagnosis" for s, d, _, _ in EDGES)  # lazy
    assert _wing("nn.compose") == "torch" and _wing("checks.properties.shape") == "checks"


def test_every_file_has_its_place_in_the_map():
    """docs/howto.md's map names every module file (or the folder of a subpackage of its own
    wing: losses/, checks/properties/, checks/provers/, nn/, cli/), so a newcomer finds each
    one."""
    import re

    text = (PKG.parent / "docs" / "howto.md").read_text(encoding="utf-8")
    block = re.search(r"## Map of the code.*?```text\n(.*?)```", text, re.S).group(1)
    folders = {"losses", "checks/properties", "checks/provers", "nn", "cli"}
    missing = []
    for mod, (path, is_pkg) in MODULES.items():
        if not mod or is_pkg:
            continue
        folder = path.parent.relative_to(PKG).as_posix()
        if folder in folders:
            if f"{folder}/" not in block:
                missing.append(f"{folder}/")
        elif f"{path.name}" not in block and not (folder == "figures" and
                                                   path.name.startswith("fig_")
                                                   and "fig_*.py" in block):
            missing.append(str(path.relative_to(PKG)))
    assert not missing, f"not in the map of docs/howto.md: {sorted(set(missing))}"


def test_the_cli_package_alone_builds_the_commands():
    """One module per subcommand under cli/, each registering its own parser; no library
    module adds a parser or imports argparse (the figures' scripts run ``alfs figures``)."""
    subs = {m.split(".")[1] for m in MODULES if m.startswith("cli.")}
    assert {"catalog", "check", "ratio", "region", "crossval", "verify", "train", "sweep",
            "report", "reproduce", "figures"} <= subs
    for mod, (path, _) in MODULES.items():
        if mod == "cli" or mod.startswith("cli."):
            continue
        text = path.read_text(encoding="utf-8")
        assert ".add_parser(" not in text, f"{mod} adds a CLI parser: move it to cli/"
        assert "import argparse" not in text or mod in {"argtypes"}, \
            f"{mod} imports argparse: the commands live in cli/"
    importers = {src for src, dst, _, _ in EDGES if dst.startswith("cli.")
                 and not src.startswith("cli")}
    assert not importers, f"only cli imports its subcommand modules: {sorted(importers)}"


NO_TORCH = """
import sys, importlib.abc

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked in this test")
        return None

sys.meta_path.insert(0, Block())
from alfs_theory.cli import main
assert main(["list"]) == 0
assert main(["show", "agce"]) == 0
assert main(["check", "agce", "--only", "ratio,asymmetric", "-K", "10"]) in (0, 1)
assert main(["ratio", "--expr", "1 - u - 0.05*sin(2*pi*u)"]) == 0
assert "torch" not in sys.modules
print("ok")
"""


def test_the_symbolic_core_and_its_commands_run_without_torch():
    """The spec and checks wings, and the commands built on them, import and run with torch
    unavailable (building the parser registers the training commands without importing it)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", NO_TORCH], capture_output=True, text=True,
                         timeout=600, check=False)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_one_atomic_writer():
    """Every file the project writes goes through fileio.atomic_write: no other module renames
    a temporary file into place."""
    roots = [PKG]
    offenders = []
    for root in roots:
        for p in root.rglob("*.py"):
            if p == PKG / "fileio.py":
                continue
            text = p.read_text(encoding="utf-8")
            if "os.replace(" in text or "tmp.replace(" in text or ".rename(" in text:
                offenders.append(str(p.relative_to(PKG.parent)))
    assert not offenders, f"write through alfs_theory.fileio.atomic_write: {offenders}"
