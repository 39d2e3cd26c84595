"""What every pattern returns, and the mission skeleton they share."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from missions.airframe import DEFAULT_AIRFRAME, AirframeSpec
from missions.errors import PlanningError
from missions.estimates import Estimates, estimate
from missions.geo import LocalFrame
from missions.values import AltFrame, GeoPoint, HomePosition, MavCmd, Mission, Waypoint

MAX_ALT_REL_M = 120.0


@dataclass(frozen=True, kw_only=True)
class PatternResult:
    mission: Mission
    estimates: Estimates
    notes: tuple[str, ...] = ()


def check_altitude(alt_m: float) -> None:
    if not (math.isfinite(alt_m) and alt_m > 0):
        raise PlanningError(f"altitude must be above home (a positive number of metres), got {alt_m!r}")


def check_speed(speed_m_s: float) -> None:
    if not (math.isfinite(speed_m_s) and 0 < speed_m_s <= 30):
        raise PlanningError(f"cruise speed must be in 0..30 m/s, got {speed_m_s!r}")


def patrol_mission(
    *,
    home: HomePosition,
    path: Sequence[GeoPoint],
    alt_m: float,
    cruise_speed_m_s: float,
    roi: GeoPoint | None = None,
    acceptance_radius_m: float = 0.0,
    transit_speed_m_s: float | None = None,
) -> Mission:
    """TAKEOFF, DO_CHANGE_SPEED, [DO_SET_ROI], one NAV_WAYPOINT per path point, RTL.

    With a ``transit_speed_m_s`` the drone flies to the first point at that speed and slows (or speeds
    up) to ``cruise_speed_m_s`` there: fast to the border, slow enough along it for the camera."""
    if not path:
        raise PlanningError("the pattern produced no waypoints")
    if transit_speed_m_s is not None:
        check_speed(transit_speed_m_s)
    first_speed = transit_speed_m_s if transit_speed_m_s is not None else cruise_speed_m_s
    items: list[Waypoint] = [
        Waypoint(
            command=MavCmd.NAV_TAKEOFF,
            lat_deg=home.lat_deg,
            lon_deg=home.lon_deg,
            alt_m=alt_m,
            alt_frame=AltFrame.REL_HOME,
        ),
        Waypoint(command=MavCmd.DO_CHANGE_SPEED, speed_m_s=first_speed),
    ]
    if roi is not None:
        items.append(Waypoint(command=MavCmd.DO_SET_ROI, lat_deg=roi.lat_deg, lon_deg=roi.lon_deg, alt_m=0.0))
    for k, p in enumerate(path):
        items.append(
            Waypoint(
                command=MavCmd.NAV_WAYPOINT,
                lat_deg=p.lat_deg,
                lon_deg=p.lon_deg,
                alt_m=alt_m,
                alt_frame=AltFrame.REL_HOME,
                acceptance_radius_m=acceptance_radius_m,
            )
        )
        if k == 0 and first_speed != cruise_speed_m_s:
            items.append(Waypoint(command=MavCmd.DO_CHANGE_SPEED, speed_m_s=cruise_speed_m_s))
    items.append(Waypoint(command=MavCmd.NAV_RETURN_TO_LAUNCH))
    return Mission(home=home, items=tuple(items), cruise_speed_m_s=cruise_speed_m_s)


def result(
    mission: Mission, airframe: AirframeSpec = DEFAULT_AIRFRAME, notes: Sequence[str] = ()
) -> PatternResult:
    return PatternResult(mission=mission, estimates=estimate(mission, airframe), notes=tuple(notes))


def longest_line(geom: BaseGeometry) -> LineString:
    """The longest LineString in ``geom`` (offset curves can come back in pieces)."""
    if isinstance(geom, LineString):
        return geom
    if isinstance(geom, MultiLineString) and not geom.is_empty:
        return max(geom.geoms, key=lambda g: g.length)
    raise PlanningError("could not construct a track at that offset (the line is too bent for it)")


def xy_to_path(frame: LocalFrame, coords: np.ndarray) -> list[GeoPoint]:
    """Geographic points for (N, 2) metres, dropping consecutive duplicates."""
    keep = [0] + [i for i in range(1, len(coords)) if np.hypot(*(coords[i] - coords[i - 1])) > 0.01]
    return frame.geo_array(coords[keep])
