"""``alfs train``: one training run on noisy labels, and the run arguments it shares
with ``alfs sweep``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..experiments import DATASET_NAMES
from ..schemas import COMMAND_SCHEMAS, schema_help

if TYPE_CHECKING:  # imported when a run is made: alfs --help needs no numpy or torch
    from ..experiments.train import TrainConfig


def _fmt(x: Any, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def add_run_arguments(sp: argparse.ArgumentParser) -> None:
    """Arguments shared by ``alfs train`` and ``alfs sweep`` (data, schedule, device)."""
    sp.add_argument("--dataset", default="digits",
                    help=f"one of {', '.join(DATASET_NAMES)} (default digits: embedded, no files)")
    from ..argtypes import folder_arg, int_at_least, learning_rate, weight_decay

    sp.add_argument("--data-root", type=folder_arg, metavar="DIR",
                    help="folder holding the data set's files")

    sp.add_argument("--train-subset", type=int_at_least(2), metavar="N",
                    help="train on a class-stratified subset of N samples (quick CPU runs)")
    sp.add_argument("--test-subset", type=int_at_least(2), metavar="N",
                    help="evaluate on a class-stratified subset of N test samples")
    sp.add_argument("--sampling", default="per-sample",
                    help="noise sampling flavour: per-sample, exact-per-class, "
                         "symmetric-exact-cifar, published (default per-sample, the intended "
                         "noise; 'published' reproduces the official "
                         "APL/ALFs code's noise, quirks included, for cifar10, cifar100, mnist "
                         "and fashion-mnist)")
    sp.add_argument("--model", help="network (default: the official one for the data set)")
    sp.add_argument("--preset", choices=["official"],
                    help="loss parameters as the official configs set them for the data set "
                         "(mnist, fashion-mnist, cifar10, cifar100); --param values win")
    sp.add_argument("--epochs", type=int_at_least(1), help="default: the data set's preset")
    sp.add_argument("--lr", type=learning_rate, help="learning rate, a number > 0 and <= 1000 "
                    "(default: the data set's preset)")
    sp.add_argument("--weight-decay", type=weight_decay, help="a number >= 0 and <= 1000 "
                    "(default: the data set's preset)")
    sp.add_argument("--batch-size", type=int_at_least(2), help="default 128")
    sp.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    sp.add_argument("--amp", choices=["bf16", "fp16"], help="autocast precision")
    sp.add_argument("--deterministic", action="store_true",
                    help="deterministic cuDNN kernels on CUDA (slower)")


def config_from_args(args: argparse.Namespace, **over: Any) -> TrainConfig:
    from ..experiments.train import TrainConfig

    names = ("dataset", "data_root", "train_subset", "test_subset", "sampling", "model",
             "preset", "epochs", "lr", "weight_decay", "batch_size", "device", "amp",
             "deterministic")
    kw = {k: getattr(args, k, None) if k == "preset" else getattr(args, k) for k in names}
    kw.update(over)
    return TrainConfig(**kw)


def cmd_train(args: argparse.Namespace) -> int:
    from ..argtypes import check_expr_only, ensure_writable_dir, parse_domains, parse_params
    from ..experiments.records import RECORD_FILE
    from ..experiments.train import run_training

    if (args.loss is None) == (args.expr is None):
        raise InputError("give a registered loss with --loss NAME or a formula with --expr "
                         "(e.g. --expr '1 - u - 0.05*sin(2*pi*u)'), one of the two")
    if args.expr is not None and not args.expr.strip():
        raise InputError("--expr is empty: type a loss formula in u, e.g. --expr '1 - u'")
    check_expr_only(args, args.loss)
    ensure_writable_dir(args.out, "run folder")
    extra = ({} if args.expr is None else
             {"expr": args.expr, "domains": parse_domains(args.domain)})
    cfg = config_from_args(args, loss=args.loss or args.name or "user", **extra,
                           params=parse_params(args.param),
                           noise=args.noise, seed=args.seed, threads=args.threads,
                           keep_checkpoint=not args.no_checkpoint)
    rec = run_training(cfg, args.out, progress=not args.quiet)
    acc, pred = rec["accuracy"], rec["prediction"]
    if args.format == "json":
        print(json.dumps({"schema": COMMAND_SCHEMAS["train"], **rec}, indent=2))
    else:
        nz = rec["noise"]
        ps = ", ".join(f"{k}={v:g}" for k, v in rec["loss"]["params"].items())
        print(f"{rec['loss']['name']} ({ps or 'no parameters'})"
              f" on {rec['dataset']['name']}, noise {nz['spec']} ({nz['sampling']}): "
              f"nominal rate {nz['nominal_rate']:.4f}, actual {nz['actual_rate']:.4f}")
        if rec.get("preset"):
            srcs = rec["loss"].get("param_sources", {})
            given = [k for k, v in srcs.items() if v == "explicit"]
            print(f"  preset {rec['preset']['name']}: {rec['preset']['source']}"
                  + (f"; given explicitly: {', '.join(given)}" if given else ""))
        print(f"  clean test accuracy: last epoch {_fmt(acc['last'], '.4f')} "
              f"(epoch {acc['last_epoch']}), best {_fmt(acc['best'], '.4f')} "
              f"(epoch {acc['best_epoch']})")
        print(prediction_table(pred, rec["dataset"]["K"]))
        print(f"  record: {Path(args.out) / RECORD_FILE}")
    return 1 if rec.get("status") == "diverged" else 0


def prediction_table(pred: dict, K: int, width: int = 110) -> str:
    """The checker's prediction as a few short lines (the whole evidence stays in
    record.json, ``prediction.detail``)."""
    tol = {True: "yes", False: "no", None: "undecided"}[pred.get("tolerant")]
    th = pred.get("threshold_symmetric")
    detail = str(pred.get("detail") or "-").split(" | ")[0].split(": [")[0]
    if len(detail) > width:
        detail = detail[: width - 3] + "..."
    rows = [("verdict", pred.get("verdict") or "-"), ("tolerant", tol),
            ("eta_max", "-" if th is None else f"{th:.6g} (symmetric noise, K = {K})"),
            ("why", detail)]
    return "  theory (the checker's prediction; whole evidence in record.json):\n" + \
        "\n".join(f"    {k:<9} {v}" for k, v in rows)


def register(sub) -> None:
    """Add ``alfs train`` to the ``alfs`` sub-command parsers ``sub``."""
    from ..argtypes import cpu_int, folder_arg, loss_label, noise_model, seed_int

    sp = sub.add_parser("train", help="train on noisy labels with a loss; writes a run record",
                        description="Train a network on noisy labels and write metrics.jsonl, "
                        "a resumable checkpoint and record.json to --out.")
    sp.add_argument("--loss", help="registered loss (alfs list)")
    sp.add_argument("--expr", help="or a loss typed as a formula in u (the safe grammar of "
                    "alfs check --expr), e.g. '1 - u - 0.05*sin(2*pi*u)'")
    sp.add_argument("--name", type=loss_label,
                    help="the name of the --expr loss in the record (default user)")
    sp.add_argument("--domain", action="append", metavar="NAME:CONDITION",
                    help="domain of a parameter of --expr, e.g. 'a:a > 0'")
    sp.add_argument("--param", action="append", metavar="NAME=VALUE",
                    help="loss parameter, repeatable (e.g. --param a=1 --param q=2)")
    sp.add_argument("--noise", default="clean",
                    type=noise_model,
                    help="clean, symmetric:ETA, pairflip:ETA, asym:ETA or a K x K matrix file")
    sp.add_argument("--seed", type=seed_int, default=0, help="an integer in [0, 2**64 - 1]")
    sp.add_argument("--out", type=folder_arg, required=True, metavar="DIR",
                    help="run folder (resumes if present)")
    add_run_arguments(sp)
    sp.add_argument("--threads", type=cpu_int, help="torch CPU threads (default 1: the "
                    "networks are small and the cores shared; at most 4 per core)")
    sp.add_argument("--no-checkpoint", action="store_true",
                    help="delete the checkpoint once the run has finished")
    sp.add_argument("--quiet", action="store_true", help="no progress output")
    sp.add_argument("--format", choices=["text", "json"], default="text",
                    help=schema_help("train"))
    sp.set_defaults(func=cmd_train)
