"""``alfs list`` and ``alfs show``: the registered losses."""

from __future__ import annotations

import argparse
import json

from ..argtypes import parse_params
from ..schemas import COMMAND_SCHEMAS, schema_help
from .common import EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from ..registry import get_loss, list_losses

    rows = []
    for name in list_losses():
        s = get_loss(name)
        params = ", ".join(
            f"{p.name}={p.default:g}" if p.default is not None else p.name for p in s.params
        )
        ref = s.references[0] if s.references else ""
        rows.append((name, s.kind, params or "-", ref))
    if args.format == "json":
        print(json.dumps({"schema": COMMAND_SCHEMAS["list"],
                          "losses": [dict(zip(("name", "kind", "params", "reference"), r))
                                     for r in rows]}, indent=2))
        return EXIT_OK
    w = [max(len(r[i]) for r in rows + [("name", "kind", "parameters", "")]) for i in range(3)]
    print(f"{'name':<{w[0]}}  {'kind':<{w[1]}}  {'parameters':<{w[2]}}  reference")
    for r in rows:
        ref = r[3] if len(r[3]) <= 70 else r[3][:67] + "..."
        print(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {ref}")
    print(f"\n{len(rows)} losses. `alfs show NAME` for the formula and parameter domains.")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from ..registry import aliases_of, get_loss

    s = get_loss(args.name)
    if args.param:
        s = s.bind(**parse_params(args.param))
    info = {
        "schema": COMMAND_SCHEMAS["show"],
        "name": s.name,
        "title": s.title,
        "kind": s.kind,
        "formula": s.formula_text(),
        "latex": s.formula_latex(),
        "parameters": [
            {"name": p.name, "domain": p.domain_text, "default": p.default,
             "description": p.description}
            for p in s.params
        ],
        "bound": dict(s.values),
        "components": [f"{w} * {c}" for w, c in s.components],
        "aliases": aliases_of(s.name),
        "references": list(s.references),
        "notes": s.notes,
    }
    if args.format == "json":
        print(json.dumps(info, indent=2))
        return EXIT_OK
    print(f"{s.name}: {s.title}  ({s.kind})")
    print(f"  formula: {info['formula']}")
    print(f"  LaTeX:   {info['latex']}")
    if s.params:
        print("  parameters:")
        for p in s.params:
            d = "" if p.default is None else f", default {p.default:g}"
            print(f"    {p.name}: {p.domain_text}{d}  {p.description}")
    if s.values:
        print(f"  bound: {s.describe_values()}")
    if s.components:
        print(f"  sum of: {', '.join(info['components'])}")
    if info["aliases"]:
        print(f"  aliases: {', '.join(info['aliases'])}")
    for r in s.references:
        print(f"  ref: {r}")
    if s.notes:
        print(f"  note: {s.notes}")
    return EXIT_OK


def register(sub) -> None:
    sp = sub.add_parser("list", help="list registered losses")
    sp.add_argument("--format", choices=["text", "json"], default="text",
                    help=schema_help("list"))
    sp.set_defaults(func=cmd_list)

    sp = sub.add_parser("show", help="formula, parameters and references of one loss")
    sp.add_argument("name")
    sp.add_argument("--param", action="append", metavar="NAME=VALUE")
    sp.add_argument("--format", choices=["text", "json"], default="text",
                    help=schema_help("show"))
    sp.set_defaults(func=cmd_show)
