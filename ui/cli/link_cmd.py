"""``borderwatch mission ...``, ``fly`` and ``status``: talk to one vehicle over MAVLink."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from missions.formats import dump_plan_file, load_plan_file
from missions.values import Plan
from telemetry.actions import ACTIONS, perform
from telemetry.link import VehicleLink
from telemetry.mission_items import MissionType, items_to_fence, items_to_mission, items_to_rally
from telemetry.mission_protocol import clear, download
from telemetry.state import VehicleState
from telemetry.trusted_upload import trusted_upload
from ui.cli.output import emit_json, jsonable


def _key(hex_key: str | None) -> bytes | None:
    if not hex_key:
        return None
    try:
        key = bytes.fromhex(hex_key)
    except ValueError:
        raise SystemExit("borderwatch: error: --signing-key must be 64 hex digits") from None
    if len(key) != 32:
        raise SystemExit("borderwatch: error: --signing-key must be 32 bytes (64 hex digits)")
    return key


def _link(args: argparse.Namespace) -> VehicleLink:
    return VehicleLink(args.vehicle, signing_key=_key(getattr(args, "signing_key", None))).start(
        timeout_s=args.timeout_s
    )


def _progress(kind: str, done: int, total: int) -> None:
    print(f"\r  {kind}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def cmd_upload(args: argparse.Namespace) -> int:
    plan = load_plan_file(args.plan)
    with _link(args) as link:
        report = trusted_upload(link, plan, progress=None if args.json else _progress)
    if args.json:
        emit_json({"ok": report.verified, **jsonable(report)})
    else:
        print(f"{args.vehicle}: {report.summary}")
        for part in report.parts:
            state = "verified" if part.verified else f"NOT verified ({part.error})"
            print(
                f"  {part.mission_type}: {part.items} items, {part.seconds:.2f} s, {part.retries} retries, {state}"
            )
            for diff in part.differences:
                print(f"    {diff}")
            for note in part.firmware_notes:
                print(f"    not kept by ArduCopter: {note}")
    return 0 if report.verified else 1


def cmd_download(args: argparse.Namespace) -> int:
    with _link(args) as link:
        mission_items, _ = download(link, MissionType.MISSION)
        fence_items, _ = download(link, MissionType.FENCE)
        rally_items, _ = download(link, MissionType.RALLY)
    plan = Plan(
        mission=items_to_mission(mission_items),
        fence=items_to_fence(fence_items),
        rally_points=items_to_rally(rally_items),
    )
    dump_plan_file(plan, args.out)
    summary = {"ok": True, "out": str(args.out), "mission_items": len(plan.mission.items),
               "fence_polygons": len(plan.fence.polygons), "fence_circles": len(plan.fence.circles),
               "rally_points": len(plan.rally_points)}  # fmt: skip
    if args.json:
        emit_json(summary)
    else:
        print(f"wrote {args.out}: {summary['mission_items']} mission items, {summary['fence_polygons']} fence polygons, "
              f"{summary['fence_circles']} fence circles, {summary['rally_points']} rally points")  # fmt: skip
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    kinds = list(MissionType) if args.type == "all" else [MissionType[args.type.upper()]]
    with _link(args) as link:
        for kind in kinds:
            clear(link, kind)
    if args.json:
        emit_json({"ok": True, "cleared": [k.label for k in kinds]})
    else:
        print(f"cleared: {', '.join(k.label for k in kinds)}")
    return 0


def cmd_fly(args: argparse.Namespace) -> int:
    steps: list[dict] = []

    def progress(step: str, text: str) -> None:
        steps.append({"step": step, "text": text})
        if not args.json:
            print(f"  {step}: {text}", file=sys.stderr, flush=True)

    action = args.action
    with _link(args) as link:
        state = perform(link, action, alt_rel_m=args.alt_m, hold_mode=args.hold_mode, progress=progress)
    if args.json:
        emit_json({"ok": True, "action": action, "steps": steps, "mode": state.mode, "armed": state.armed})
    else:
        print(f"{args.vehicle}: {action} done; mode {state.mode}, {'armed' if state.armed else 'disarmed'}")
    return 0


def status_line(state: VehicleState) -> str:
    link = state.link
    age = "never" if link.heartbeat_age_s is None else f"{link.heartbeat_age_s:.1f}s"
    where = (
        "no position"
        if not state.has_position
        else f"{state.lat_deg:.6f},{state.lon_deg:.6f} alt {state.alt_rel_m:.1f} m"
    )
    battery = "?" if state.battery_pct is None else f"{state.battery_pct:.0f}%"
    return (
        f"{'STALE ' if link.stale else ''}{state.mode or '?'} {'ARMED' if state.armed else 'disarmed'} | {where} | "
        f"{state.ground_speed_m_s or 0:.1f} m/s | battery {battery} | GPS fix {state.gps_fix_type} sats {state.satellites} | "
        f"EKF {'ready' if state.ekf_ready else 'not ready'} | wp {state.mission_current_seq} | "
        f"heartbeat {age} | loss {link.packet_loss_pct:.0f}%"
    )


def cmd_status(args: argparse.Namespace) -> int:
    with _link(args) as link:
        time.sleep(min(2.0, args.settle_s))  # let the requested streams arrive
        while True:
            state = link.state()
            if args.json:
                emit_json(state)
            else:
                print(status_line(state), flush=True)
            if not args.watch:
                return 0
            time.sleep(args.interval_s)


def _vehicle(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--vehicle",
        required=True,
        help="connection string: tcp:HOST:PORT, udpin:HOST:PORT, serial:DEV[:BAUD]",
    )
    p.add_argument("--signing-key", help="MAVLink 2 signing key, 64 hex digits")
    p.add_argument(
        "--timeout-s", type=float, default=10.0, help="how long to wait for the vehicle's heartbeat"
    )
    p.add_argument("--json", action="store_true")


def register(sub: argparse._SubParsersAction) -> None:
    mission = sub.add_parser(
        "mission", help="upload, download or clear a vehicle's mission, fence and rally points"
    )
    msub = mission.add_subparsers(dest="mission_command", required=True, metavar="COMMAND")
    p = msub.add_parser(
        "upload", help="trusted upload: validate, upload, read back, compare; exit 1 unless verified"
    )
    p.add_argument("plan", type=Path)
    _vehicle(p)
    p.set_defaults(func=cmd_upload)
    p = msub.add_parser("download", help="read mission, fence and rally points into a plan file")
    p.add_argument("--out", type=Path, required=True)
    _vehicle(p)
    p.set_defaults(func=cmd_download)
    p = msub.add_parser("clear", help="clear the vehicle's mission, fence or rally points")
    p.add_argument("--type", choices=("mission", "fence", "rally", "all"), default="mission")
    _vehicle(p)
    p.set_defaults(func=cmd_clear)

    p = sub.add_parser("fly", help="command a vehicle: launch, pause, resume, rtl, land, arm, disarm")
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("--alt-m", type=float, default=30.0, help="take-off altitude for launch (default 30)")
    p.add_argument("--hold-mode", choices=("BRAKE", "LOITER"), default="BRAKE", help="mode used to pause")
    _vehicle(p)
    p.set_defaults(func=cmd_fly)

    p = sub.add_parser("status", help="show a vehicle's state (once, or --watch)")
    p.add_argument("--watch", action="store_true")
    p.add_argument("--interval-s", type=float, default=1.0)
    p.add_argument("--settle-s", type=float, default=1.5)
    _vehicle(p)
    p.set_defaults(func=cmd_status)
