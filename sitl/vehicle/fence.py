"""ArduCopter's geofence check: maximum altitude, the circle around home, and the uploaded polygon
and circle zones (as on ArduPilot: inside every inclusion zone, outside every exclusion zone).

``FENCE_TYPE`` is ArduPilot's bitmask: 1 max altitude, 2 circle (FENCE_RADIUS around home),
4 polygon/zone fence, 8 min altitude.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sitl.vehicle.kinematics import ne_offset_m
from sitl.vehicle.mission_items import (
    FENCE_CIRCLE_EXCL,
    FENCE_CIRCLE_INCL,
    FENCE_POLY_EXCL,
    FENCE_POLY_INCL,
    StoredItem,
)

FENCE_TYPE_ALT_MAX = 1
FENCE_TYPE_CIRCLE = 2
FENCE_TYPE_POLYGON = 4
FENCE_TYPE_ALT_MIN = 8


def point_in_polygon(x: float, y: float, poly: Sequence[tuple[float, float]]) -> bool:
    """Ray casting in a plane.

    >>> point_in_polygon(0.5, 0.5, [(0, 0), (1, 0), (1, 1), (0, 1)])
    True
    """
    inside = False
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def zones(items: Sequence[StoredItem]) -> list[tuple[int, list[StoredItem]]]:
    """Group stored fence items into (command, items) zones: a polygon's vertices or one circle."""
    out: list[tuple[int, list[StoredItem]]] = []
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in (FENCE_POLY_INCL, FENCE_POLY_EXCL):
            n = max(1, int(item.param1))
            out.append((item.command, list(items[i : i + n])))
            i += n
        else:
            if item.command in (FENCE_CIRCLE_INCL, FENCE_CIRCLE_EXCL):
                out.append((item.command, [item]))
            i += 1
    return out


def breach(
    *,
    lat_deg: float,
    lon_deg: float,
    alt_rel_m: float,
    home: tuple[float, float] | None,
    items: Sequence[StoredItem],
    fence_type: int,
    alt_max_m: float,
    alt_min_m: float,
    radius_m: float,
) -> str | None:
    """The name of the fence breached at this position (None: inside every enabled fence)."""
    if fence_type & FENCE_TYPE_ALT_MAX and alt_rel_m > alt_max_m:
        return "maximum altitude"
    if fence_type & FENCE_TYPE_ALT_MIN and alt_rel_m < alt_min_m and alt_min_m > 0:
        return "minimum altitude"
    if fence_type & FENCE_TYPE_CIRCLE and home is not None and radius_m > 0:
        dn, de = ne_offset_m(home[0], home[1], lat_deg, lon_deg)
        if math.hypot(dn, de) > radius_m:
            return "circle"
    if fence_type & FENCE_TYPE_POLYGON:
        for command, zone in zones(items):
            if command in (FENCE_CIRCLE_INCL, FENCE_CIRCLE_EXCL):
                c = zone[0]
                dn, de = ne_offset_m(c.lat_deg, c.lon_deg, lat_deg, lon_deg)
                inside = math.hypot(dn, de) <= c.param1
            else:
                pts = [ne_offset_m(lat_deg, lon_deg, v.lat_deg, v.lon_deg) for v in zone]
                inside = point_in_polygon(0.0, 0.0, [(e, n) for n, e in pts])
            if command in (FENCE_POLY_EXCL, FENCE_CIRCLE_EXCL) and inside:
                return "exclusion zone"
            if command in (FENCE_POLY_INCL, FENCE_CIRCLE_INCL) and not inside:
                return "inclusion zone"
    return None
