"""Border patrol: tracks on our side of a border line, close enough that the camera sees the line.

The first pass runs at ``standoff_m`` from the line; further passes step away from it by
``pass_spacing_m``. The route goes out along pass 1 and back along pass 2, out along pass 3...; an
odd count comes back along pass 1 (out and back, closest to the line). The far side of the line
becomes an exclusion fence, so ArduPilot itself refuses to cross it.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

from missions.airframe import DEFAULT_AIRFRAME, AirframeSpec
from missions.camera import CameraSpec
from missions.errors import PlanningError
from missions.geo import LocalFrame
from missions.patterns.common import (
    PatternResult,
    check_altitude,
    check_speed,
    longest_line,
    patrol_mission,
    result,
    xy_to_path,
)
from missions.values import BorderLine, FencePolygon, HomePosition

SIDES = ("north", "south", "east", "west", "left", "right")


def side_sign(line_xy: np.ndarray, side: str) -> int:
    """+1 when ``side`` is left of the line's direction, -1 when right.

    >>> side_sign(np.array([[0.0, 0.0], [1000.0, 0.0]]), "north")
    1
    >>> side_sign(np.array([[0.0, 0.0], [1000.0, 0.0]]), "right")
    -1
    """
    if side == "left":
        return 1
    if side == "right":
        return -1
    if side not in SIDES:
        raise PlanningError(f"side must be one of {', '.join(SIDES)}; got {side!r}")
    chord = line_xy[-1] - line_xy[0]
    length = float(np.hypot(*chord))
    if length == 0:
        raise PlanningError("the border line starts and ends at the same place; use left/right for its side")
    left_normal = np.array([-chord[1], chord[0]]) / length
    axis = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0)}[side]
    along = float(left_normal @ np.array(axis))
    if abs(along) < 0.2:
        runs, choose = (
            ("north-south", "east/west") if side in ("north", "south") else ("east-west", "north/south")
        )
        raise PlanningError(
            f"the border line runs roughly {runs}, so '{side}' of it is ambiguous; choose {choose} "
            "or left/right (of the direction the line is drawn in)"
        )
    return 1 if along > 0 else -1


def far_side_polygon(
    line: LineString, sign: int, depth_m: float = 2000.0, extend_m: float = 500.0
) -> Polygon:
    """The strip beyond the line (on the side opposite ``sign``), extended past both ends."""
    coords = np.asarray(line.coords)
    start_dir = coords[0] - coords[1]
    end_dir = coords[-1] - coords[-2]
    start = coords[0] + start_dir / np.hypot(*start_dir) * extend_m
    end = coords[-1] + end_dir / np.hypot(*end_dir) * extend_m
    extended = LineString(np.vstack([start, coords, end]))
    strip = extended.buffer(-sign * depth_m, single_sided=True, join_style="mitre", mitre_limit=4.0)
    strip = strip.simplify(1.0, preserve_topology=True)
    if not isinstance(strip, Polygon) or strip.is_empty:
        raise PlanningError("could not build the far-side fence for this border line")
    return strip


def border_patrol(
    *,
    border: BorderLine,
    side: str,
    home: HomePosition,
    alt_m: float,
    camera: CameraSpec,
    standoff_m: float | None = None,
    passes: int = 1,
    pass_spacing_m: float | None = None,
    cruise_speed_m_s: float = 10.0,
    transit_speed_m_s: float | None = None,
    airframe: AirframeSpec = DEFAULT_AIRFRAME,
    fence_far_side: bool = True,
) -> tuple[PatternResult, tuple[FencePolygon, ...]]:
    """The patrol mission, its estimates, and the fence polygons it needs (the far side)."""
    check_altitude(alt_m)
    check_speed(cruise_speed_m_s)
    if not 1 <= passes <= 20:
        raise PlanningError(f"passes must be 1..20, got {passes}")
    frame = LocalFrame.around([*border.points, home.point])
    line_xy = frame.xy_array(list(border.points))
    line = LineString(line_xy)
    if line.length < 10:
        raise PlanningError(f"the border line is only {line.length:.1f} m long")
    sign = side_sign(line_xy, side)
    half_width = camera.swath_half_width_m(alt_m)
    if standoff_m is None:
        standoff_m = round(half_width * 0.5, 1)
    if not (math.isfinite(standoff_m) and standoff_m > 0):
        raise PlanningError(f"standoff must be a positive distance from the line, got {standoff_m!r} m")
    if standoff_m >= half_width:
        raise PlanningError(
            f"at {alt_m:g} m the {camera.name} camera sees {half_width:.1f} m to each side; a standoff of "
            f"{standoff_m:g} m leaves the border line unseen: use a standoff under {half_width:.1f} m, fly "
            "higher, or choose a wider camera"
        )
    spacing = pass_spacing_m if pass_spacing_m is not None else 2 * half_width * 0.8
    if not (math.isfinite(spacing) and spacing > 0):
        raise PlanningError(f"pass spacing must be positive, got {spacing!r} m")

    tracks: list[np.ndarray] = []
    for k in range(passes):
        offset = longest_line(
            line.offset_curve(sign * (standoff_m + k * spacing), join_style="mitre", mitre_limit=4.0)
        )
        offset = offset.simplify(min(1.0, standoff_m / 4), preserve_topology=False)
        coords = np.asarray(offset.coords)
        # Offset curves keep the line's direction; make sure of it for every shapely version.
        if np.hypot(*(coords[0] - line_xy[0])) > np.hypot(*(coords[-1] - line_xy[0])):
            coords = coords[::-1]
        tracks.append(coords)

    home_xy = np.array(frame.to_xy(home.point))
    if np.hypot(*(tracks[0][-1] - home_xy)) < np.hypot(*(tracks[0][0] - home_xy)):
        tracks = [t[::-1] for t in tracks]

    route: list[np.ndarray] = [t if k % 2 == 0 else t[::-1] for k, t in enumerate(tracks)]
    if passes % 2 == 1:
        route.append(tracks[0][::-1])
    path_xy = np.vstack(route)
    path = xy_to_path(frame, path_xy)
    mission = patrol_mission(
        home=home,
        path=path,
        alt_m=alt_m,
        cruise_speed_m_s=cruise_speed_m_s,
        transit_speed_m_s=transit_speed_m_s,
    )

    notes = [
        f"camera {camera.name} at {alt_m:g} m sees {half_width:.1f} m to each side; "
        f"first pass {standoff_m:g} m from the line"
    ]
    fences: tuple[FencePolygon, ...] = ()
    if fence_far_side:
        strip = far_side_polygon(line, sign)
        if strip.distance(Point(home_xy)) == 0:
            raise PlanningError(
                f"home is on the {_opposite(side)} side of the border line; put home on the {side} side"
            )
        ring = np.asarray(strip.exterior.coords)[:-1]
        fences = (FencePolygon(vertices=tuple(frame.geo_array(ring)), inclusion=False),)
    return result(mission, airframe, notes), fences


def _opposite(side: str) -> str:
    return {
        "north": "south",
        "south": "north",
        "east": "west",
        "west": "east",
        "left": "right",
        "right": "left",
    }[side]


def border_sector(border: BorderLine, index: int, count: int) -> BorderLine:
    """The ``index``-th (1-based) of ``count`` equal-length pieces of the line, for one drone each.

    >>> from missions.values import GeoPoint
    >>> line = BorderLine(points=(GeoPoint(lat_deg=31.0, lon_deg=-111.0), GeoPoint(lat_deg=31.0, lon_deg=-110.9)))
    >>> round(border_sector(line, 2, 2).points[0].lon_deg, 3)
    -110.95
    """
    if not (1 <= index <= count <= 100):
        raise PlanningError(f"sector must be K/N with 1 <= K <= N <= 100, got {index}/{count}")
    frame = LocalFrame.around(border.points)
    line = LineString(frame.xy_array(list(border.points)))
    piece = substring(line, line.length * (index - 1) / count, line.length * index / count)
    name = f"{border.name} (sector {index}/{count})" if border.name else f"sector {index}/{count}"
    return BorderLine(points=tuple(frame.geo_array(np.asarray(piece.coords))), name=name)
