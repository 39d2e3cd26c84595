"""Entry point of the ``borderwatch`` command: one sub-command module per area."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from detection.errors import DetectionError
from missions.errors import MissionError
from sitl.errors import SimError
from telemetry.errors import LinkError
from ui.cli import bench_cmd, console_cmd, detection_cmd, link_cmd, plan_cmd, sim_cmd
from ui.cli.output import fail


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="borderwatch",
        description="Ground station for drone border patrol: plan, fly, detect, geotag, review.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan_cmd.register(sub)
    bench_cmd.register(sub)
    console_cmd.register(sub)
    link_cmd.register(sub)
    sim_cmd.register(sub)
    detection_cmd.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        return int(args.func(args) or 0)
    except (MissionError, LinkError, DetectionError, SimError) as exc:
        return fail(str(exc), as_json=as_json)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
