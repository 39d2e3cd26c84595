"""Area sweep: a lawnmower over a polygon (holes allowed), lines spaced from the camera footprint.

The sweep direction is the one that needs the fewest lines (the polygon's narrowest width, found
with rotating calipers on its convex hull), which also means the fewest turns. Where a line is cut
by a hole the route detours around the hole's edge instead of flying over it.
"""

from __future__ import annotations

import math

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import substring, unary_union

from missions.airframe import DEFAULT_AIRFRAME, AirframeSpec
from missions.camera import CameraSpec
from missions.errors import PlanningError
from missions.geo import LocalFrame
from missions.patterns.common import (
    PatternResult,
    check_altitude,
    check_speed,
    patrol_mission,
    result,
    xy_to_path,
)
from missions.values import HomePosition, PatrolArea

MAX_LINES = 5000


def narrowest_heading_deg(poly: Polygon) -> float:
    """Direction (degrees, counter-clockwise from east) to run lines so that fewest are needed.

    >>> round(narrowest_heading_deg(Polygon([(0, 0), (1000, 0), (1000, 100), (0, 100)])))
    0
    """
    hull = np.asarray(poly.convex_hull.exterior.coords)
    edges = np.diff(hull, axis=0)
    best_angle, best_width = 0.0, math.inf
    for dx, dy in edges:
        if dx == 0 and dy == 0:
            continue
        angle = math.atan2(dy, dx)
        normal = np.array([-math.sin(angle), math.cos(angle)])
        proj = hull @ normal
        width = float(proj.max() - proj.min())
        if width < best_width - 1e-9:
            best_angle, best_width = angle, width
    return math.degrees(best_angle) % 180.0


def area_polygon(frame: LocalFrame, area: PatrolArea) -> Polygon:
    poly = Polygon(frame.xy_array(list(area.outer)), [frame.xy_array(list(h)) for h in area.holes])
    if not poly.is_valid:
        poly = poly.buffer(0)
    if isinstance(poly, MultiPolygon):
        poly = max(poly.geoms, key=lambda g: g.area)
    if poly.is_empty or poly.area < 1.0:
        raise PlanningError("the sweep area is empty or self-intersecting beyond repair")
    return poly


def ring_paths(ring: LineString, d_from: float, d_to: float) -> tuple[LineString, LineString]:
    """The two ways along a closed ring between two distances along it."""
    length = ring.length
    direct = substring(ring, d_from, d_to)
    if d_from <= d_to:
        other = [*substring(ring, d_from, 0).coords, *substring(ring, length, d_to).coords]
    else:
        other = [*substring(ring, d_from, length).coords, *substring(ring, 0, d_to).coords]
    return direct, LineString(other)


def detour(a: np.ndarray, b: np.ndarray, holes: list[Polygon], margin_m: float) -> list[np.ndarray]:
    """Points to fly from ``a`` to ``b`` without crossing any hole (around its edge, the shorter way)."""
    path = [a]
    for hole in holes:
        leg = LineString([path[-1], b])
        if not leg.intersects(hole) or leg.touches(hole):
            continue
        ring = hole.buffer(margin_m, join_style="mitre").exterior
        way_1, way_2 = ring_paths(ring, ring.project(Point(path[-1])), ring.project(Point(b)))
        path.extend(np.asarray((way_1 if way_1.length <= way_2.length else way_2).coords))
    return path[1:]


def area_sweep(
    *,
    area: PatrolArea,
    home: HomePosition,
    alt_m: float,
    camera: CameraSpec,
    side_overlap: float = 0.2,
    heading_deg: float | None = None,
    cruise_speed_m_s: float = 10.0,
    transit_speed_m_s: float | None = None,
    airframe: AirframeSpec = DEFAULT_AIRFRAME,
) -> PatternResult:
    check_altitude(alt_m)
    check_speed(cruise_speed_m_s)
    if not 0.0 <= side_overlap < 0.95:
        raise PlanningError(f"side overlap must be in 0..0.95, got {side_overlap!r}")
    frame = LocalFrame.around([*area.outer, home.point])
    poly = area_polygon(frame, area)
    spacing = 2 * camera.swath_half_width_m(alt_m) * (1.0 - side_overlap)
    angle = narrowest_heading_deg(poly) if heading_deg is None else (90.0 - heading_deg) % 180.0
    centroid = poly.centroid
    rotated = affinity.rotate(poly, -angle, origin=centroid)
    minx, miny, maxx, maxy = rotated.bounds
    count = math.floor((maxy - miny) / spacing) + 1
    if count > MAX_LINES:
        raise PlanningError(f"the sweep would need {count} lines; raise the altitude or lower the overlap")
    offset = ((maxy - miny) - (count - 1) * spacing) / 2
    margin = spacing / 4
    holes = [Polygon(r) for r in rotated.interiors]
    # Lines stop a margin short of each hole; the detours keep the same margin.
    cut_area = Polygon(rotated.exterior).difference(
        unary_union([h.buffer(margin, join_style="mitre") for h in holes])
    )
    segments: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(count):
        y = miny + offset + i * spacing
        cut = LineString([(minx - 1, y), (maxx + 1, y)]).intersection(cut_area)
        parts = [g for g in getattr(cut, "geoms", [cut]) if isinstance(g, LineString) and g.length > 0.5]
        parts.sort(key=lambda g: g.coords[0][0])
        reverse = i % 2 == 1
        for part in reversed(parts) if reverse else parts:
            xs = sorted((part.coords[0][0], part.coords[-1][0]), reverse=reverse)
            segments.append((np.array([xs[0], y]), np.array([xs[1], y])))
    if not segments:
        raise PlanningError("no sweep line fits inside the area; lower the altitude or the overlap")
    points: list[np.ndarray] = []
    for start, end in segments:
        if points:
            points.extend(detour(points[-1], start, holes, margin_m=margin))
        points.extend([start, end])
    rot_line = LineString(points) if len(points) > 1 else Point(points[0])
    back = affinity.rotate(rot_line, angle, origin=centroid)
    path = xy_to_path(frame, np.asarray(back.coords))
    mission = patrol_mission(
        home=home,
        path=path,
        alt_m=alt_m,
        cruise_speed_m_s=cruise_speed_m_s,
        transit_speed_m_s=transit_speed_m_s,
    )
    compass = (90.0 - angle) % 180.0
    notes = [f"{count} lines {spacing:.1f} m apart, heading {compass:.0f}°/{compass + 180:.0f}°"]
    return result(mission, airframe, notes)
