"""``python -m brainscore_memorability.perf [--quick] [--only ev,cka,activations,training] [--device cuda] --out perf.json``"""
from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import json
import os
import platform
import shlex
import sys
from importlib.metadata import version

from brainscore_memorability.atomic import write_text
from brainscore_memorability.perf import SECTIONS, markdown_table

MODULES = {"ev": "ev", "cka": "cka", "activations": "activations", "training": "train_step"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m brainscore_memorability.perf",
        description="Time this package against the tools users would otherwise use, on generated inputs; "
                    "print a Markdown table and write it, with the machine and the sizes, as JSON.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes (seconds; checks that everything runs, timings mean little)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run, of {','.join(SECTIONS)} (default: all)")
    parser.add_argument("--device", help="torch device for this package and its peers (e.g. cuda, cuda:1, cpu; "
                        "default: numpy on the CPU for the metrics, the CPU for the networks)")
    parser.add_argument("--out", default="perf.json", help="JSON file for the rows (written atomically "
                        "after each section)")
    return parser


def machine() -> dict:
    import torch
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return dict(platform=platform.platform(), processor=platform.processor(), cpus=os.cpu_count(),
                torch_threads=torch.get_num_threads(), gpus=gpus, python=platform.python_version(),
                versions={name: version(name) for name in ("numpy", "scikit-learn", "torch", "brainscore-vision",
                                                           "reverse-pred", "ckatorch")})


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        print(f"unknown section(s) {unknown}: choose from {','.join(SECTIONS)}", file=sys.stderr)
        return 2
    modules = {section: importlib.import_module(f"brainscore_memorability.perf.{MODULES[section]}")
               for section in sections}
    no_device = [section for section, module in modules.items()
                 if "device" not in inspect.signature(module.run).parameters]
    if args.device and no_device:
        print(f"section(s) {no_device} do not run on a --device yet: leave them out with --only", file=sys.stderr)
        return 2
    report = dict(command="python -m brainscore_memorability.perf " + shlex.join(argv if argv is not None
                                                                                   else sys.argv[1:]),
                  started=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  quick=args.quick, device=args.device, machine=machine(), sizes={}, rows=[])
    for section, module in modules.items():
        report["sizes"][section] = module.QUICK if args.quick else module.FULL
        rows = module.run(quick=args.quick, **({"device": args.device} if args.device else {}))
        report["rows"].extend(rows)
        print(markdown_table(rows), flush=True)
        report["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        write_text(args.out, json.dumps(report, indent=1, default=str) + "\n")
    print("\n" + markdown_table(report["rows"]))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
