"""``alfs study ratio``: does a higher asymmetry ratio give better noise tolerance?"""

from __future__ import annotations

import argparse
import shlex

from .common import seed_list

#: the settings of alfs_theory.study (kept here so that alfs --help imports no numpy; a test
#: checks they agree)
SETTING_NAMES = ("tiny", "cpu", "full")

DEFAULT_OUT = "alfs-study-ratio"
_DEFAULTS = {"out": DEFAULT_OUT, "setting": "cpu", "dataset": "auto", "device": "auto"}


def _canonical_command(args: argparse.Namespace) -> str:
    parts = ["alfs", "study", "ratio"]
    for opt in ("out", "setting", "dataset", "data_root", "seeds", "device", "workers",
                "threads"):
        v = getattr(args, opt)
        if isinstance(v, tuple):
            v = ",".join(str(x) for x in v)
        if v is not None and v != _DEFAULTS.get(opt):
            parts += [f"--{opt.replace('_', '-')}", str(v)]
    return " ".join(shlex.quote(p) for p in parts)


def cmd_study(args: argparse.Namespace) -> int:
    from ..argtypes import ensure_writable_dir
    from ..study import run_study

    ensure_writable_dir(args.out, "study folder")
    res = run_study(args.out, setting=args.setting, dataset=args.dataset,
                    data_root=args.data_root, seeds=args.seeds, device=args.device,
                    command=_canonical_command(args), workers=args.workers,
                    threads=args.threads, progress=not args.quiet, train=not args.report_only)
    man = res["manifest"]
    print(f"ratio study ({man['dataset_title']}, setting {args.setting}): "
          f"{len(res['rows'])}/{len(man['runs'])} runs finished; {res['paths']['md']}")
    for c in res["analysis"]["cells"]:
        rho = "-" if c["rho"] is None else f"{c['rho']:+.2f}"
        print(f"  {c['family']:<5} {c['noise']:<14} rho {rho}: {c['verdict']}")
    cv = res["analysis"]["claim_verdict"]
    print(f"  the ratio claim over {cv['n_cells']} cell(s): {cv['verdict']}")
    for f in res["failed"]:
        print(f"  FAILED {f['run_dir']}: {f['error']}")
    return 1 if res["failed"] else 0


def register(sub) -> None:
    from ..argtypes import cpu_int, folder_arg

    sp = sub.add_parser("study", help="controlled studies of the paper's empirical claims "
                        "(ratio: does a higher asymmetry ratio give better noise tolerance?)")
    studies = sp.add_subparsers(dest="study", required=True, metavar="STUDY",
                                parser_class=type(sp))
    rp = studies.add_parser("ratio", help="within each family (AEL, AGCE, AUL) vary only the "
                            "parameter that moves r; train clean, symmetric 0.6 / 0.8 and "
                            "pair-flip 0.4; Spearman's rho of r and the accuracy drop with "
                            "bootstrap intervals (resumable)")
    rp.add_argument("--out", type=folder_arg, default=DEFAULT_OUT, metavar="DIR",
                    help=f"folder for the runs and ratio_study.md/.csv/.json/.png (default "
                    f"{DEFAULT_OUT}; resumable; alfs verify reads it)")
    rp.add_argument("--setting", choices=SETTING_NAMES, default="cpu",
                    help="tiny: seconds (a test of the machinery); cpu: about 1.5 hours on 2 "
                    "idle cores (4,000 / 2,000 images, 8 epochs, about 40 s per run and core); "
                    "full: the paper's scale (a GPU)")
    rp.add_argument("--dataset", choices=("auto", "fashion-mnist", "digits"), default="auto",
                    help="auto: Fashion-MNIST when installed (Debian dataset-fashion-mnist or "
                    "--data-root), else the embedded 8x8 digits; the report says which")
    rp.add_argument("--data-root", type=folder_arg, default=None, metavar="DIR",
                    help="folder holding Fashion-MNIST's IDX files")
    rp.add_argument("--seeds", type=seed_list, default=None,
                    help="comma-separated seeds (default: the setting's, 0,1,2 for cpu/full)")
    rp.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    rp.add_argument("--workers", type=cpu_int, default=None,
                    help="local processes (default: 1 with CUDA, else up to 4)")
    rp.add_argument("--threads", type=cpu_int, default=None, help="torch CPU threads per run")
    rp.add_argument("--report-only", action="store_true",
                    help="write the report of the runs finished so far; train nothing")
    rp.add_argument("--quiet", action="store_true")
    rp.set_defaults(func=cmd_study)
