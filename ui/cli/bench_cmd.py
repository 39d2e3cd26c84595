"""``borderwatch bench ...``: benchmarks that print JSON."""

from __future__ import annotations

import argparse
import importlib

from ui.cli.output import emit_json

BENCHMARKS = {
    "planning": "ui.bench.planning",
    "link": "ui.bench.link",
    "console": "ui.bench.console",
    "sim": "ui.bench.sim_vehicles",
    "detection": "ui.bench.detection",
}


def cmd_bench(args: argparse.Namespace) -> int:
    module = importlib.import_module(BENCHMARKS[args.which])
    kwargs = {"runs": args.runs} if args.runs else {}
    emit_json(module.run(**kwargs))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its figures as JSON")
    p.add_argument("which", choices=sorted(BENCHMARKS))
    p.add_argument("--runs", type=int, help="repetitions (default: the benchmark's own)")
    p.set_defaults(func=cmd_bench, json=True)
