"""Small patterns: the perimeter of a polygon, an orbit around a point, an expanding-square search."""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon

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
from missions.patterns.sweep import area_polygon
from missions.values import GeoPoint, HomePosition, PatrolArea


def perimeter(
    *,
    area: PatrolArea,
    home: HomePosition,
    alt_m: float,
    inset_m: float = 0.0,
    laps: int = 1,
    cruise_speed_m_s: float = 10.0,
    airframe: AirframeSpec = DEFAULT_AIRFRAME,
) -> PatternResult:
    """Fly the polygon's outline (``inset_m`` inside it), ``laps`` times, starting nearest home."""
    check_altitude(alt_m)
    check_speed(cruise_speed_m_s)
    if not 1 <= laps <= 50:
        raise PlanningError(f"laps must be 1..50, got {laps}")
    frame = LocalFrame.around([*area.outer, home.point])
    poly = Polygon(area_polygon(frame, area).exterior)
    if inset_m:
        poly = poly.buffer(-inset_m, join_style="mitre")
        if poly.is_empty or not isinstance(poly, Polygon):
            raise PlanningError(f"an inset of {inset_m:g} m leaves nothing of the area to fly around")
    ring = np.asarray(poly.exterior.coords)[:-1]
    home_xy = np.array(frame.to_xy(home.point))
    start = int(np.argmin(np.hypot(*(ring - home_xy).T)))
    ring = np.roll(ring, -start, axis=0)
    lap = np.vstack([ring, ring[:1]])
    path_xy = np.vstack([lap] + [lap[1:]] * (laps - 1))
    mission = patrol_mission(
        home=home, path=xy_to_path(frame, path_xy), alt_m=alt_m, cruise_speed_m_s=cruise_speed_m_s
    )
    return result(mission, airframe, [f"{laps} lap(s) of {poly.length:.0f} m"])


def orbit(
    *,
    center: GeoPoint,
    radius_m: float,
    home: HomePosition,
    alt_m: float,
    turns: float = 1.0,
    points_per_turn: int = 16,
    clockwise: bool = True,
    cruise_speed_m_s: float = 5.0,
    airframe: AirframeSpec = DEFAULT_AIRFRAME,
) -> PatternResult:
    """Circle ``center`` at ``radius_m`` with the camera on it (DO_SET_ROI on the centre)."""
    check_altitude(alt_m)
    check_speed(cruise_speed_m_s)
    if not (math.isfinite(radius_m) and 5.0 <= radius_m <= 5000.0):
        raise PlanningError(f"orbit radius must be 5..5000 m, got {radius_m!r}")
    if not (math.isfinite(turns) and 0 < turns <= 20) or points_per_turn < 4:
        raise PlanningError("an orbit needs 0 < turns <= 20 and at least 4 points per turn")
    frame = LocalFrame(origin=center)
    home_xy = np.array(frame.to_xy(home.point))
    start = math.atan2(home_xy[1], home_xy[0]) if np.hypot(*home_xy) > 0 else 0.0
    n = round(turns * points_per_turn)
    step = (-1 if clockwise else 1) * 2 * math.pi / points_per_turn
    angles = start + step * np.arange(n + 1)
    path_xy = np.column_stack([radius_m * np.cos(angles), radius_m * np.sin(angles)])
    mission = patrol_mission(
        home=home, path=xy_to_path(frame, path_xy), alt_m=alt_m, cruise_speed_m_s=cruise_speed_m_s, roi=center
    )
    return result(mission, airframe, [f"{turns:g} turn(s) at {radius_m:g} m"])


def expanding_square(
    *,
    last_seen: GeoPoint,
    home: HomePosition,
    alt_m: float,
    camera: CameraSpec,
    max_radius_m: float = 500.0,
    overlap: float = 0.2,
    first_heading_deg: float = 0.0,
    cruise_speed_m_s: float = 8.0,
    airframe: AirframeSpec = DEFAULT_AIRFRAME,
) -> PatternResult:
    """IAMSAR expanding square from ``last_seen``: legs d, d, 2d, 2d, 3d... turning right.

    d is the track spacing: the camera swath less ``overlap``.
    """
    check_altitude(alt_m)
    check_speed(cruise_speed_m_s)
    spacing = 2 * camera.swath_half_width_m(alt_m) * (1.0 - overlap)
    if not (math.isfinite(max_radius_m) and spacing <= max_radius_m <= 20000):
        raise PlanningError(f"search radius must be {spacing:.0f}..20000 m, got {max_radius_m!r}")
    frame = LocalFrame(origin=last_seen)
    heading = math.radians(first_heading_deg)
    point = np.zeros(2)
    path_xy = [point.copy()]
    k = 1
    while True:
        for _ in range(2):
            direction = np.array([math.sin(heading), math.cos(heading)])
            point = point + direction * k * spacing
            if np.max(np.abs(point)) > max_radius_m:
                break
            path_xy.append(point.copy())
            heading += math.pi / 2
        else:
            k += 1
            continue
        break
    mission = patrol_mission(
        home=home, path=xy_to_path(frame, np.array(path_xy)), alt_m=alt_m, cruise_speed_m_s=cruise_speed_m_s
    )
    return result(mission, airframe, [f"{len(path_xy) - 1} legs, track spacing {spacing:.1f} m"])
