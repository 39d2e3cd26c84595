"""``borderwatch plan ...``: generate, check, convert and measure patrol plans."""

from __future__ import annotations

import argparse
from pathlib import Path

from missions.airframe import AirframeSpec
from missions.camera import DEFAULT_CAMERA, PRESETS, camera_preset
from missions.coverage import border_effectiveness
from missions.errors import InvalidValueError
from missions.estimates import estimate
from missions.formats import MapFeatures, dump_plan_file, load_features_file, load_plan_file
from missions.patterns import (
    SIDES,
    area_sweep,
    border_patrol,
    border_sector,
    expanding_square,
    orbit,
    perimeter,
)
from missions.patterns.common import PatternResult
from missions.validation import ValidationLimits, ValidationReport, validate
from missions.values import Geofence, GeoPoint, HomePosition, Plan
from ui.cli.output import emit_json, fail, jsonable, minutes


def _home(arg: str | None, features: MapFeatures | None) -> HomePosition:
    if arg:
        parts = arg.split(",")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise InvalidValueError(f"--home must be LAT,LON[,ALT_AMSL], got {arg!r}") from None
        if len(numbers) not in (2, 3):
            raise InvalidValueError(f"--home must be LAT,LON[,ALT_AMSL], got {arg!r}")
        return HomePosition(
            lat_deg=numbers[0], lon_deg=numbers[1], alt_amsl_m=numbers[2] if len(numbers) == 3 else 0.0
        )
    if features is not None and features.home is not None:
        return features.home
    raise InvalidValueError("no home: give --home LAT,LON[,ALT] or put a home point (role: home) in the file")


def _point(arg: str) -> GeoPoint:
    try:
        lat, lon = (float(p) for p in arg.split(","))
    except ValueError:
        raise InvalidValueError(f"expected LAT,LON, got {arg!r}") from None
    return GeoPoint(lat_deg=lat, lon_deg=lon)


def _airframe(args: argparse.Namespace) -> AirframeSpec:
    return AirframeSpec(endurance_s=args.endurance_min * 60.0)


def _limits(args: argparse.Namespace) -> ValidationLimits:
    return ValidationLimits(
        max_alt_rel_m=args.max_alt_m,
        max_distance_from_home_m=args.max_distance_m,
        battery_reserve_pct=args.reserve_pct,
    )


def _report_dict(report: ValidationReport) -> dict:
    return {"ok": not report.has_errors, "errors": len(report.errors), "findings": jsonable(report.findings)}


def _print_findings(report: ValidationReport) -> None:
    if not report.findings:
        print("validation: no findings")
    for f in report.findings:
        where = f" at {f.location.lat_deg:.6f},{f.location.lon_deg:.6f}" if f.location else ""
        print(f"  {f.severity.value.upper():7} {f.code}: {f.message}{where}")


def _write(args: argparse.Namespace, plan: Plan, pattern: PatternResult) -> int:
    report = validate(plan, limits=_limits(args), airframe=_airframe(args))
    dump_plan_file(plan, args.out)
    est = pattern.estimates
    if args.json:
        emit_json(
            {
                "ok": True,
                "out": str(args.out),
                "items": len(plan.mission.items),
                "estimates": jsonable(est),
                "notes": list(pattern.notes),
                "validation": _report_dict(report),
            }
        )
    else:
        print(f"wrote {args.out}: {len(plan.mission.items)} items")
        for note in pattern.notes:
            print(f"  {note}")
        print(
            f"  length {est.length_m / 1000:.2f} km, {minutes(est.flight_time_s)}, battery {est.battery_pct:.0f}%"
        )
        _print_findings(report)
    return 0


def cmd_border(args: argparse.Namespace) -> int:
    features = load_features_file(args.line)
    if not features.borders:
        return fail(f"{args.line} holds no border line (a LineString)", as_json=args.json)
    border = features.borders[0]
    if args.sector:
        try:
            k, n = (int(v) for v in args.sector.split("/"))
        except ValueError:
            return fail(f"--sector must be K/N, got {args.sector!r}", as_json=args.json)
        border = border_sector(border, k, n)
    home = _home(args.home, features)
    camera = camera_preset(args.camera)
    pattern, far_side = border_patrol(
        border=border,
        side=args.side,
        home=home,
        alt_m=args.alt_m,
        camera=camera,
        standoff_m=args.standoff_m,
        passes=args.passes,
        cruise_speed_m_s=args.speed_m_s,
        transit_speed_m_s=args.transit_speed_m_s,
        airframe=_airframe(args),
        fence_far_side=not args.no_fence,
    )
    fence = Geofence(polygons=far_side + features.zones, circles=features.circles, max_alt_m=args.max_alt_m)
    plan = Plan(mission=pattern.mission, fence=fence, border=border, camera_name=camera.name)
    return _write(args, plan, pattern)


def cmd_sweep(args: argparse.Namespace) -> int:
    features = load_features_file(args.area)
    if not features.areas:
        return fail(f"{args.area} holds no area (a Polygon with role 'area')", as_json=args.json)
    home = _home(args.home, features)
    camera = camera_preset(args.camera)
    pattern = area_sweep(
        area=features.areas[0],
        home=home,
        alt_m=args.alt_m,
        camera=camera,
        side_overlap=args.overlap,
        cruise_speed_m_s=args.speed_m_s,
        transit_speed_m_s=args.transit_speed_m_s,
        airframe=_airframe(args),
    )
    fence = Geofence(polygons=features.zones, circles=features.circles, max_alt_m=args.max_alt_m)
    border = features.borders[0] if features.borders else None
    plan = Plan(mission=pattern.mission, fence=fence, border=border, camera_name=camera.name)
    return _write(args, plan, pattern)


def cmd_perimeter(args: argparse.Namespace) -> int:
    features = load_features_file(args.area)
    if not features.areas:
        return fail(f"{args.area} holds no area (a Polygon with role 'area')", as_json=args.json)
    pattern = perimeter(
        area=features.areas[0],
        home=_home(args.home, features),
        alt_m=args.alt_m,
        inset_m=args.inset_m,
        laps=args.laps,
        cruise_speed_m_s=args.speed_m_s,
        airframe=_airframe(args),
    )
    fence = Geofence(polygons=features.zones, circles=features.circles, max_alt_m=args.max_alt_m)
    border = features.borders[0] if features.borders else None
    return _write(
        args, Plan(mission=pattern.mission, fence=fence, border=border, camera_name=args.camera), pattern
    )


def cmd_orbit(args: argparse.Namespace) -> int:
    pattern = orbit(
        center=_point(args.center),
        radius_m=args.radius_m,
        home=_home(args.home, None),
        alt_m=args.alt_m,
        turns=args.turns,
        cruise_speed_m_s=args.speed_m_s,
        airframe=_airframe(args),
    )
    return _write(args, Plan(mission=pattern.mission, camera_name=args.camera), pattern)


def cmd_search(args: argparse.Namespace) -> int:
    pattern = expanding_square(
        last_seen=_point(args.last_seen),
        home=_home(args.home, None),
        alt_m=args.alt_m,
        camera=camera_preset(args.camera),
        max_radius_m=args.radius_m,
        cruise_speed_m_s=args.speed_m_s,
        airframe=_airframe(args),
    )
    return _write(args, Plan(mission=pattern.mission, camera_name=args.camera), pattern)


def cmd_check(args: argparse.Namespace) -> int:
    plan = load_plan_file(args.plan)
    report = validate(plan, limits=_limits(args), airframe=_airframe(args))
    if args.json:
        emit_json({"file": str(args.plan), **_report_dict(report)})
    else:
        print(
            f"{args.plan}: {len(plan.mission.items)} items, {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        )
        _print_findings(report)
    return 1 if report.has_errors else 0


def cmd_convert(args: argparse.Namespace) -> int:
    plan = load_plan_file(args.input)
    dump_plan_file(plan, args.output)
    if args.json:
        emit_json(
            {"ok": True, "in": str(args.input), "out": str(args.output), "items": len(plan.mission.items)}
        )
    else:
        print(f"wrote {args.output}: {len(plan.mission.items)} items")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    plan = load_plan_file(args.plan)
    est = estimate(plan.mission, _airframe(args))
    camera_name = args.camera or plan.camera_name or DEFAULT_CAMERA
    out: dict = {"file": str(args.plan), "items": len(plan.mission.items), "estimates": jsonable(est)}
    eff = None
    if plan.border is not None:
        eff = border_effectiveness(plan.mission, plan.border, camera_preset(camera_name), drones=args.drones)
        out["effectiveness"] = jsonable(eff)
        out["camera"] = camera_name
    if args.json:
        emit_json(out)
        return 0
    print(f"{args.plan}: {len(plan.mission.items)} items")
    print(
        f"  length {est.length_m / 1000:.2f} km, {minutes(est.flight_time_s)}, battery {est.battery_pct:.0f}%"
    )
    if eff is None:
        print("  no border line in this plan: coverage and revisit are not measured")
        return 0
    print(
        f"  border {eff.border_length_m / 1000:.2f} km, seen by the {camera_name} camera: "
        f"{100 * eff.coverage_share:.1f}% ({eff.covered_length_m / 1000:.2f} km)"
    )
    gap = "never (part of the line is not seen)" if eff.worst_gap_s is None else minutes(eff.worst_gap_s)
    print(f"  {eff.drones} drone(s), patrol loop {minutes(eff.cycle_s)}; worst revisit gap {gap}")
    for s in eff.segments:
        seg_gap = "unseen" if s.worst_gap_s is None else minutes(s.worst_gap_s)
        print(
            f"    km {s.start_km:5.1f}-{s.end_km:5.1f}: seen {100 * s.seen_share:5.1f}%, worst gap {seg_gap}"
        )
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument(
        "--endurance-min", type=float, default=40.0, help="flight endurance in minutes (default 40)"
    )
    p.add_argument("--reserve-pct", type=float, default=20.0, help="battery kept in reserve (default 20)")
    p.add_argument("--max-alt-m", type=float, default=120.0, help="altitude limit above home (default 120)")
    p.add_argument(
        "--max-distance-m", type=float, default=15000.0, help="range limit from home (default 15000)"
    )


def _pattern_common(p: argparse.ArgumentParser, *, camera_default: str = DEFAULT_CAMERA) -> None:
    _common(p)
    p.add_argument("--alt-m", type=float, required=True, help="altitude above home, metres")
    p.add_argument("--home", help="LAT,LON[,ALT_AMSL] (default: the home point in the input file)")
    p.add_argument("--camera", default=camera_default, choices=sorted(PRESETS), help="camera preset")
    p.add_argument(
        "--speed-m-s", type=float, default=10.0, help="cruise speed along the pattern (default 10)"
    )
    p.add_argument(
        "--transit-speed-m-s", type=float, help="speed to the pattern's start (default: the cruise speed)"
    )
    p.add_argument(
        "--out", type=Path, required=True, help="output file (.plan, .waypoints, .geojson, .kml, .kmz)"
    )


def register(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser("plan", help="plan patrols: generate, check, convert, measure")
    psub = plan.add_subparsers(dest="plan_command", required=True, metavar="COMMAND")

    p = psub.add_parser("border", help="patrol along a border line, on one side of it")
    p.add_argument("--line", required=True, type=Path, help="GeoJSON/KML/.plan with the border line")
    p.add_argument("--side", required=True, choices=SIDES, help="the side the drones stay on")
    p.add_argument("--standoff-m", type=float, help="distance of the first pass from the line")
    p.add_argument("--passes", type=int, default=1, help="parallel passes (default 1: out and back)")
    p.add_argument("--sector", help="K/N: plan only the K-th of N equal pieces of the line")
    p.add_argument("--no-fence", action="store_true", help="do not fence off the far side of the line")
    _pattern_common(p)
    p.set_defaults(func=cmd_border)

    p = psub.add_parser("sweep", help="lawnmower sweep of an area")
    p.add_argument("--area", required=True, type=Path, help="GeoJSON/KML with the area polygon")
    p.add_argument("--overlap", type=float, default=0.2, help="side overlap 0..0.95 (default 0.2)")
    _pattern_common(p)
    p.set_defaults(func=cmd_sweep)

    p = psub.add_parser("perimeter", help="fly around the edge of an area")
    p.add_argument("--area", required=True, type=Path)
    p.add_argument("--inset-m", type=float, default=0.0)
    p.add_argument("--laps", type=int, default=1)
    _pattern_common(p)
    p.set_defaults(func=cmd_perimeter)

    p = psub.add_parser("orbit", help="circle a point with the camera on it")
    p.add_argument("--center", required=True, help="LAT,LON")
    p.add_argument("--radius-m", type=float, required=True)
    p.add_argument("--turns", type=float, default=1.0)
    _pattern_common(p)
    p.set_defaults(func=cmd_orbit)

    p = psub.add_parser("search", help="expanding-square search from a last-seen position")
    p.add_argument("--last-seen", required=True, help="LAT,LON")
    p.add_argument("--radius-m", type=float, default=500.0)
    _pattern_common(p)
    p.set_defaults(func=cmd_search)

    p = psub.add_parser("check", help="validate a plan; exit 1 when it has an error")
    p.add_argument("plan", type=Path)
    _common(p)
    p.set_defaults(func=cmd_check)

    p = psub.add_parser("convert", help="convert between .plan, .waypoints, .geojson, .kml, .kmz")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_convert)

    p = psub.add_parser("stats", help="length, time, battery, border coverage and worst revisit gap")
    p.add_argument("plan", type=Path)
    p.add_argument("--drones", type=int, default=1, help="drones flying this loop, evenly spaced (default 1)")
    p.add_argument("--camera", choices=sorted(PRESETS), help="camera (default: the plan's)")
    _common(p)
    p.set_defaults(func=cmd_stats)
