"""What the Plan page computes, apart from Streamlit: drawings to features, inputs to a checked plan."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Polygon

from missions.airframe import AirframeSpec
from missions.camera import camera_preset
from missions.coverage import PatrolEffectiveness, border_effectiveness, swath
from missions.errors import PlanningError
from missions.formats import MapFeatures
from missions.geo import LocalFrame
from missions.patterns import area_sweep, border_patrol, border_sector, expanding_square, orbit, perimeter
from missions.patterns.common import PatternResult
from missions.validation import ValidationLimits, ValidationReport, validate
from missions.values import BorderLine, FencePolygon, Geofence, GeoPoint, HomePosition, PatrolArea, Plan

PATTERNS = ("border patrol", "area sweep", "perimeter", "orbit", "expanding square")


def features_from_drawings(drawings: list[dict] | None, polygon_roles: dict[int, str]) -> MapFeatures:
    """GeoJSON features drawn on the map → borders (lines), areas / keep-outs (polygons), home (marker)."""
    borders, areas, zones = [], [], []
    home = None
    for i, feature in enumerate(drawings or []):
        geom = (feature or {}).get("geometry") or {}
        kind, coords = geom.get("type"), geom.get("coordinates")
        try:
            if kind == "LineString" and coords and len(coords) >= 2:
                borders.append(
                    BorderLine(
                        points=tuple(GeoPoint(lat_deg=c[1], lon_deg=c[0]) for c in coords),
                        name=f"drawn line {i + 1}",
                    )
                )
            elif kind == "Polygon" and coords:
                ring = [GeoPoint(lat_deg=c[1], lon_deg=c[0]) for c in coords[0]]
                if len(ring) > 1 and ring[0] == ring[-1]:
                    ring = ring[:-1]
                if polygon_roles.get(i, "patrol area") == "keep-out zone":
                    zones.append(FencePolygon(vertices=tuple(ring), inclusion=False))
                else:
                    areas.append(PatrolArea(outer=tuple(ring), name=f"drawn area {i + 1}"))
            elif kind == "Point" and coords:
                home = HomePosition(lat_deg=coords[1], lon_deg=coords[0])
        except (ValueError, TypeError, IndexError):
            continue  # a half-drawn shape: ignore until it is finished
    return MapFeatures(borders=tuple(borders), areas=tuple(areas), zones=tuple(zones), home=home)


def merge(base: MapFeatures, drawn: MapFeatures) -> MapFeatures:
    """Drawn shapes added to a loaded file's; a drawn line or home replaces the file's."""
    home = drawn.home or base.home
    if drawn.home is not None and base.home is not None:
        home = HomePosition(
            lat_deg=drawn.home.lat_deg, lon_deg=drawn.home.lon_deg, alt_amsl_m=base.home.alt_amsl_m
        )
    return MapFeatures(
        borders=drawn.borders or base.borders,
        areas=drawn.areas or base.areas,
        zones=base.zones + drawn.zones,
        circles=base.circles,
        home=home,
        points=base.points,
    )


@dataclass(frozen=True, kw_only=True)
class PlanInputs:
    pattern: str = "border patrol"
    side: str = "north"
    alt_m: float = 60.0
    camera: str = "zoom"
    standoff_m: float | None = None
    passes: int = 1
    sector: tuple[int, int] | None = None
    overlap: float = 0.2
    speed_m_s: float = 10.0
    transit_speed_m_s: float | None = None
    radius_m: float = 100.0
    drones: int = 1
    endurance_min: float = 40.0
    max_alt_m: float = 120.0


@dataclass(frozen=True, kw_only=True)
class PlanOutcome:
    plan: Plan
    pattern: PatternResult
    report: ValidationReport
    effectiveness: PatrolEffectiveness | None = None
    swath_rings: tuple[tuple[GeoPoint, ...], ...] = field(default_factory=tuple)


def build_plan(features: MapFeatures, inputs: PlanInputs) -> PlanOutcome:
    """Generate the chosen pattern, validate it, and measure coverage (raises MissionError subclasses)."""
    home = features.home
    if home is None:
        raise PlanningError("no home: draw a marker for the launch site, or load a file with a home point")
    camera = camera_preset(inputs.camera)
    airframe = AirframeSpec(endurance_s=inputs.endurance_min * 60)
    fences = tuple(features.zones)
    border = features.borders[0] if features.borders else None
    if inputs.pattern == "border patrol":
        if border is None:
            raise PlanningError("no border line: draw a line on the map or load a file with one")
        if inputs.sector is not None:
            border = border_sector(border, *inputs.sector)
        pattern, far_side = border_patrol(
            border=border, side=inputs.side, home=home, alt_m=inputs.alt_m, camera=camera, standoff_m=inputs.standoff_m,
            passes=inputs.passes, cruise_speed_m_s=inputs.speed_m_s, transit_speed_m_s=inputs.transit_speed_m_s,
            airframe=airframe,
        )  # fmt: skip
        fences = far_side + fences
    elif inputs.pattern in ("area sweep", "perimeter"):
        if not features.areas:
            raise PlanningError("no area: draw a polygon (as 'patrol area') or load a file with one")
        if inputs.pattern == "area sweep":
            pattern = area_sweep(area=features.areas[0], home=home, alt_m=inputs.alt_m, camera=camera, side_overlap=inputs.overlap,
                                 cruise_speed_m_s=inputs.speed_m_s, transit_speed_m_s=inputs.transit_speed_m_s,
                                 airframe=airframe)  # fmt: skip
        else:
            pattern = perimeter(
                area=features.areas[0],
                home=home,
                alt_m=inputs.alt_m,
                cruise_speed_m_s=inputs.speed_m_s,
                airframe=airframe,
            )
    else:
        centre = features.points[0].point if features.points else _centre(features)
        if inputs.pattern == "orbit":
            pattern = orbit(
                center=centre, radius_m=inputs.radius_m, home=home, alt_m=inputs.alt_m, airframe=airframe
            )
        else:
            pattern = expanding_square(last_seen=centre, home=home, alt_m=inputs.alt_m, camera=camera, max_radius_m=inputs.radius_m,
                                       airframe=airframe)  # fmt: skip
    plan = Plan(
        mission=pattern.mission,
        fence=Geofence(polygons=fences, circles=features.circles, max_alt_m=inputs.max_alt_m),
        border=border,
        camera_name=camera.name,
    )
    report = validate(plan, limits=ValidationLimits(max_alt_rel_m=inputs.max_alt_m), airframe=airframe)
    effectiveness = None
    if border is not None and inputs.pattern == "border patrol":
        effectiveness = border_effectiveness(plan.mission, border, camera, drones=inputs.drones)
    return PlanOutcome(
        plan=plan,
        pattern=pattern,
        report=report,
        effectiveness=effectiveness,
        swath_rings=swath_rings(plan, camera),
    )


def revalidate(outcome: PlanOutcome, plan: Plan, inputs: PlanInputs) -> PlanOutcome:
    """After the planner edits waypoints: same pattern, new plan, new findings and coverage."""
    camera = camera_preset(plan.camera_name or inputs.camera)
    report = validate(
        plan,
        limits=ValidationLimits(max_alt_rel_m=inputs.max_alt_m),
        airframe=AirframeSpec(endurance_s=inputs.endurance_min * 60),
    )
    effectiveness = None
    if plan.border is not None and outcome.effectiveness is not None:
        effectiveness = border_effectiveness(plan.mission, plan.border, camera, drones=inputs.drones)
    return PlanOutcome(
        plan=plan,
        pattern=outcome.pattern,
        report=report,
        effectiveness=effectiveness,
        swath_rings=swath_rings(plan, camera),
    )


def swath_rings(plan: Plan, camera) -> tuple[tuple[GeoPoint, ...], ...]:
    """The camera's swept ground as lat/lon rings, for drawing."""
    pts = [plan.mission.home.point] + [w.point for w in plan.mission.items if w.has_location]
    frame = LocalFrame.around(pts)
    geom = swath(plan.mission, camera, frame)
    polys = [geom] if isinstance(geom, Polygon) else list(getattr(geom, "geoms", []))
    rings = []
    for poly in polys:
        coords = np.asarray(poly.simplify(0.5).exterior.coords)
        rings.append(tuple(frame.geo_array(coords)))
    return tuple(rings)


def _centre(features: MapFeatures) -> GeoPoint:
    if features.areas:
        pts = features.areas[0].outer
    elif features.borders:
        pts = features.borders[0].points
    else:
        raise PlanningError("no point to orbit or search from: draw a marker or load a file with a point")
    return GeoPoint(
        lat_deg=sum(p.lat_deg for p in pts) / len(pts), lon_deg=sum(p.lon_deg for p in pts) / len(pts)
    )


def speed_help(camera: str, alt_m: float) -> str:
    """How long a target stays in view at patrol speeds, for this camera and altitude (looking down).

    >>> "sees 17 m along the track: a standing target is in view for 1.7 s at 10 m/s and 3.5 s at 5 m/s" in (
    ...     speed_help("zoom", 60.0))
    True
    """
    along_m = camera_preset(camera).footprint_nadir_m(alt_m)[1]
    return (
        f"Along the border. Looking down from {alt_m:.0f} m, the {camera} camera sees {along_m:.0f} m along "
        f"the track: a standing target is in view for {along_m / 10:.1f} s at 10 m/s and {along_m / 5:.1f} s "
        "at 5 m/s (less for one walking towards the drone). A sighting needs three detections, so fly "
        "slower where the station detects at only one or two frames a second; faster patrols revisit sooner."
    )
