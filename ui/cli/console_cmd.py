"""``borderwatch console`` (the console alone, for real drones) and ``borderwatch demo`` (console + simulated drones)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ui.console import assets

APP = Path(__file__).resolve().parents[1] / "console" / "app.py"


def streamlit_command(port: int, address: str) -> list[str]:
    """Streamlit on loopback by default, usage statistics off, static files (the map's JS/CSS) served."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", address, "--server.port", str(port), "--server.headless", "true",
        "--server.enableStaticServing", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal", "--global.developmentMode", "false",
    ]  # fmt: skip


def run_console(args: argparse.Namespace, *, demo_drones: int = 0) -> int:
    if assets.missing():
        print("fetching the map's JavaScript and CSS from the npm registry (once)...", flush=True)
        assets.fetch()
    env = dict(os.environ)
    env["BORDERWATCH_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if args.tiles:
        env["BORDERWATCH_TILES"] = args.tiles
    env["BORDERWATCH_DEMO_DRONES"] = str(demo_drones)
    if demo_drones:
        # On a small machine the demo's detector sees ~1 frame a second while it also simulates the
        # cameras: patrol at 5 m/s so a target stays ~6 s in the zoom footprint, on a sector short enough
        # for the battery at that speed (sector 3 of 6 of the sample border: 69 %).
        env.setdefault("BORDERWATCH_PLAN_DEFAULTS", "5,6,3")
    url = f"http://{args.address}:{args.port}"
    what = f"demo with {demo_drones} simulated drones" if demo_drones else "console"
    print(
        f"borderwatch {what}: open {url}  (Ctrl-C stops; data in {env['BORDERWATCH_DATA_DIR']})", flush=True
    )
    proc = subprocess.Popen(streamlit_command(args.port, args.address), env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            return 130


def cmd_console(args: argparse.Namespace) -> int:
    return run_console(args)


def cmd_demo(args: argparse.Namespace) -> int:
    if args.plans_only:
        from ui.cli.demo_cmd import cmd_demo as plans_demo

        return plans_demo(args)
    return run_console(args, demo_drones=args.drones)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1", help="bind address (default loopback only)")
    p.add_argument(
        "--data-dir", default="data", help="database, tlogs, snapshots, audit log (default ./data)"
    )
    p.add_argument(
        "--tiles", help="map tiles: none (default), osm, a URL template, or a folder of {z}/{x}/{y}.png"
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("console", help="the console (Plan, Fly, Replay) for real drones")
    _common(p)
    p.set_defaults(func=cmd_console)
    p = sub.add_parser(
        "demo", help="the console with simulated drones, cameras and crossers over the sample border"
    )
    _common(p)
    p.add_argument("--drones", type=int, default=3)
    p.add_argument("--plans-only", action="store_true", help="only plan the sample sectors and print them")
    p.add_argument("--out-dir", default="data/demo-plans", help="with --plans-only: where the plans go")
    p.set_defaults(func=cmd_demo)
