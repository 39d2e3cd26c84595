"""What a map file (GeoJSON, KML) holds for planning: border lines, areas, zones, home, points.

A map file written from a plan also carries the plan itself (every mission item, fence, rally point),
so ``features.plan`` comes back whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from missions.values import (
    BorderLine,
    FenceCircle,
    FencePolygon,
    Geofence,
    GeoPoint,
    HomePosition,
    Mission,
    PatrolArea,
    Plan,
)

ROLES = ("border", "area", "keep_out", "keep_in", "home", "point", "waypoint", "route", "rally")


@dataclass(frozen=True, kw_only=True)
class NamedPoint:
    name: str
    point: GeoPoint


@dataclass(frozen=True, kw_only=True)
class MapFeatures:
    borders: tuple[BorderLine, ...] = ()
    areas: tuple[PatrolArea, ...] = ()
    zones: tuple[FencePolygon, ...] = ()
    circles: tuple[FenceCircle, ...] = ()
    home: HomePosition | None = None
    points: tuple[NamedPoint, ...] = ()
    plan: Plan | None = None

    @property
    def keep_out(self) -> tuple[FencePolygon, ...]:
        return tuple(z for z in self.zones if not z.inclusion)

    @property
    def keep_in(self) -> tuple[FencePolygon, ...]:
        return tuple(z for z in self.zones if z.inclusion)


def guess_role(name: str, geometry: str) -> str:
    """The role of an untagged feature, from its name and geometry type.

    >>> guess_role("No-fly zone 3", "Polygon"), guess_role("Home", "Point"), guess_role("", "LineString")
    ('keep_out', 'home', 'border')
    """
    lowered = name.lower().replace("-", " ").replace("_", " ")
    if geometry == "Point":
        if "home" in lowered or "launch" in lowered:
            return "home"
        if "rally" in lowered:
            return "rally"
        return "point"
    if geometry == "Polygon":
        if any(k in lowered for k in ("keep out", "keepout", "no fly", "nfz", "exclusion", "restricted")):
            return "keep_out"
        if any(k in lowered for k in ("keep in", "keepin", "inclusion", "operating area")):
            return "keep_in"
        return "area"
    return "border"


def assemble_plan(
    *,
    home: HomePosition,
    items: list,
    zones: list[FencePolygon],
    circles: list[FenceCircle],
    rally: list,
    borders: list[BorderLine],
    cruise_speed_m_s: float,
    hover_speed_m_s: float,
    max_alt_m: float | None,
    camera: str | None,
) -> Plan:
    """The plan a map file carries; raises ``InvalidValueError`` for impossible values."""
    mission = Mission(
        home=home, items=tuple(items), cruise_speed_m_s=cruise_speed_m_s, hover_speed_m_s=hover_speed_m_s
    )
    fence = Geofence(polygons=tuple(zones), circles=tuple(circles), max_alt_m=max_alt_m)
    return Plan(
        mission=mission,
        fence=fence,
        rally_points=tuple(rally),
        border=borders[0] if borders else None,
        camera_name=camera,
    )
