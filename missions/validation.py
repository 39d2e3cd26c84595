"""Checks a plan before anything flies: the border, zones, altitude, range and battery.

Legs are checked, not just points: a straight leg between two good points can still cross a bent
border or clip a keep-out zone. The route includes the climb from home and the straight return home
(RTL flies a straight line, and every flight ends with one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import nearest_points

from missions.airframe import DEFAULT_AIRFRAME, AirframeSpec
from missions.errors import PlanRejectedError
from missions.estimates import estimate
from missions.geo import LocalFrame
from missions.route import alt_rel_home_m, route_legs
from missions.values import GeoPoint, MavCmd, Plan


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, kw_only=True)
class Finding:
    severity: Severity
    code: str
    message: str
    item_index: int | None = None
    location: GeoPoint | None = None


@dataclass(frozen=True, kw_only=True)
class ValidationLimits:
    max_alt_rel_m: float = 120.0
    min_alt_rel_m: float = 10.0
    max_distance_from_home_m: float = 15000.0
    battery_reserve_pct: float = 20.0
    border_margin_m: float = 5.0


DEFAULT_LIMITS = ValidationLimits()


@dataclass(frozen=True, kw_only=True)
class ValidationReport:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.WARNING)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def require_ok(self) -> None:
        """Raise ``PlanRejectedError`` when the plan has an error finding (upload calls this)."""
        if self.has_errors:
            raise PlanRejectedError(self.errors)


def _item(index: int | None) -> str:
    return "the return home" if index is None else f"item {index + 1}"


def validate(
    plan: Plan,
    *,
    limits: ValidationLimits = DEFAULT_LIMITS,
    airframe: AirframeSpec = DEFAULT_AIRFRAME,
) -> ValidationReport:
    findings: list[Finding] = []
    mission = plan.mission
    home = mission.home
    if not mission.items:
        return ValidationReport(
            findings=(Finding(severity=Severity.ERROR, code="empty", message="the mission has no items"),)
        )
    first_nav = next((w for w in mission.items if w.is_nav), None)
    if first_nav is not None and first_nav.command != MavCmd.NAV_TAKEOFF:
        findings.append(
            Finding(
                severity=Severity.WARNING,
                code="no-takeoff",
                message="the first navigation item is not a TAKEOFF: ArduCopter will not start AUTO on the ground",
                item_index=mission.items.index(first_nav),
            )
        )

    points = [home.point] + [w.point for w in mission.items if w.has_location]
    if plan.border is not None:
        points += list(plan.border.points)
    frame = LocalFrame.around(points)
    home_xy = Point(frame.to_xy(home.point))

    max_alt = (
        limits.max_alt_rel_m
        if plan.fence.max_alt_m is None
        else min(limits.max_alt_rel_m, plan.fence.max_alt_m)
    )
    for i, wp in enumerate(mission.items):
        if not wp.has_location or wp.command in (MavCmd.DO_SET_ROI, MavCmd.DO_SET_ROI_LOCATION):
            continue
        alt = alt_rel_home_m(wp, home.alt_amsl_m)
        where = wp.point
        if wp.command != MavCmd.NAV_LAND:
            if alt > max_alt:
                findings.append(
                    _f(
                        Severity.ERROR,
                        "altitude",
                        f"{_item(i)} is {alt:.0f} m above home; the limit is {max_alt:.0f} m",
                        i,
                        where,
                    )
                )
            elif alt < 0:
                findings.append(
                    _f(Severity.ERROR, "altitude", f"{_item(i)} is {-alt:.0f} m below home", i, where)
                )
            elif alt < limits.min_alt_rel_m:
                findings.append(
                    _f(
                        Severity.WARNING,
                        "altitude",
                        f"{_item(i)} is only {alt:.0f} m above home (under {limits.min_alt_rel_m:.0f} m)",
                        i,
                        where,
                    )
                )
        dist = Point(frame.to_xy(where)).distance(home_xy)
        if dist > limits.max_distance_from_home_m:
            findings.append(
                _f(
                    Severity.ERROR,
                    "range",
                    f"{_item(i)} is {dist / 1000:.1f} km from home; the limit is {limits.max_distance_from_home_m / 1000:.1f} km",
                    i,
                    where,
                )
            )

    legs = [leg for leg in route_legs(mission, default_rtl_alt_m=airframe.rtl_alt_m) if leg.start != leg.end]
    leg_lines = [LineString([frame.to_xy(leg.start), frame.to_xy(leg.end)]) for leg in legs]

    if plan.border is not None:
        border = LineString(frame.xy_array(list(plan.border.points)))
        crossing = shapely.intersects(leg_lines, border) if leg_lines else []
        for leg, line, crosses in zip(legs, leg_lines, crossing, strict=True):
            if crosses:
                hit = line.intersection(border)
                at = frame.to_geo(*_first_hit(line, hit))
                findings.append(
                    _f(
                        Severity.ERROR,
                        "border",
                        f"the leg to {_item(leg.item_index)} crosses the border line",
                        leg.item_index,
                        at,
                    )
                )
            else:
                gap = line.distance(border)
                if gap < limits.border_margin_m:
                    near = nearest_points(line, border)[0]
                    findings.append(
                        _f(
                            Severity.WARNING,
                            "border-margin",
                            f"the leg to {_item(leg.item_index)} passes {gap:.1f} m from the border (margin {limits.border_margin_m:.0f} m)",
                            leg.item_index,
                            frame.to_geo(near.x, near.y),
                        )
                    )

    zones = []
    for poly in plan.fence.polygons:
        zones.append((Polygon(frame.xy_array(list(poly.vertices))), poly.inclusion, "polygon"))
    for circle in plan.fence.circles:
        zones.append(
            (
                Point(frame.to_xy(circle.center)).buffer(circle.radius_m, quad_segs=32),
                circle.inclusion,
                "circle",
            )
        )
    for zone, inclusion, shape in zones:
        zone = zone if zone.is_valid else zone.buffer(0)
        for leg, line in zip(legs, leg_lines, strict=True):
            if inclusion:
                if not zone.covers(line):
                    outside = line.difference(zone)
                    at = frame.to_geo(*_first_hit(line, outside)) if not outside.is_empty else leg.end
                    findings.append(
                        _f(
                            Severity.ERROR,
                            "keep-in",
                            f"the leg to {_item(leg.item_index)} leaves a keep-in {shape}",
                            leg.item_index,
                            at,
                        )
                    )
            elif line.intersects(zone) and not line.touches(zone):
                at = frame.to_geo(*_first_hit(line, line.intersection(zone)))
                findings.append(
                    _f(
                        Severity.ERROR,
                        "keep-out",
                        f"the leg to {_item(leg.item_index)} enters a keep-out {shape}",
                        leg.item_index,
                        at,
                    )
                )

    est = estimate(mission, airframe)
    usable = 100.0 - limits.battery_reserve_pct
    if est.battery_pct > usable:
        findings.append(
            _f(
                Severity.ERROR,
                "endurance",
                f"the flight takes {est.flight_time_s / 60:.0f} min, {est.battery_pct:.0f}% of the battery; "
                f"with a {limits.battery_reserve_pct:.0f}% reserve at most {usable:.0f}% may be planned",
                None,
                None,
            )
        )
    for rp in plan.rally_points:
        rp_xy = Point(frame.to_xy(GeoPoint(lat_deg=rp.lat_deg, lon_deg=rp.lon_deg)))
        for zone, inclusion, shape in zones:
            if not inclusion and zone.contains(rp_xy):
                findings.append(
                    _f(
                        Severity.WARNING,
                        "rally",
                        f"a rally point lies inside a keep-out {shape}",
                        None,
                        GeoPoint(lat_deg=rp.lat_deg, lon_deg=rp.lon_deg),
                    )
                )
    return ValidationReport(findings=tuple(findings))


def _f(severity: Severity, code: str, message: str, index: int | None, where: GeoPoint | None) -> Finding:
    return Finding(severity=severity, code=code, message=message, item_index=index, location=where)


def _first_hit(leg: LineString, geom) -> tuple[float, float]:
    """The point of ``geom`` (an intersection with ``leg``) reached first when flying the leg."""
    parts = getattr(geom, "geoms", [geom])
    coords = [c[:2] for part in parts for c in part.coords]
    x, y = min(coords, key=lambda c: leg.project(Point(c)))
    return float(x), float(y)
