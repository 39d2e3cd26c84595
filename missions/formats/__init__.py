"""Plan and map file formats, each a ``load_*`` / ``dump_*`` pair, and dispatch by file extension.

| extension            | carries                                                      |
|----------------------|--------------------------------------------------------------|
| .plan                | QGroundControl plan: mission, fence, rally (+ border, camera)|
| .waypoints, .txt     | QGC WPL 110: mission items and home only                     |
| .geojson, .json      | map features; a plan written by borderwatch reads back whole |
| .kml, .kmz           | map features; likewise                                       |
"""

from __future__ import annotations

from pathlib import Path

from missions.errors import PlanFormatError
from missions.formats.features import MapFeatures, NamedPoint
from missions.formats.geojson import dump_geojson, load_geojson
from missions.formats.kml import dump_kml, dump_kmz, load_kml
from missions.formats.qgc_plan import dump_plan, load_plan
from missions.formats.wpl import dump_wpl, load_wpl
from missions.values import Plan

PLAN_EXTENSIONS = (".plan", ".waypoints", ".txt", ".geojson", ".json", ".kml", ".kmz")


def _ext(path: str | Path) -> str:
    return Path(path).suffix.lower()


def load_features_file(path: str | Path) -> MapFeatures:
    """Borders, areas, zones, home (and a plan when the file has one) from any supported file."""
    ext = _ext(path)
    if ext in (".geojson", ".json"):
        return load_geojson(path)
    if ext in (".kml", ".kmz"):
        return load_kml(path)
    if ext in (".plan", ".waypoints", ".txt"):
        plan = load_plan_file(path)
        return MapFeatures(
            borders=(plan.border,) if plan.border else (),
            zones=plan.fence.polygons,
            circles=plan.fence.circles,
            home=plan.mission.home,
            plan=plan,
        )
    raise PlanFormatError(
        str(path), "", f"unknown file type {ext!r}; use one of {', '.join(PLAN_EXTENSIONS)}"
    )


def load_plan_file(path: str | Path) -> Plan:
    """A whole plan from any supported file (map files must hold mission items)."""
    ext = _ext(path)
    if ext == ".plan":
        return load_plan(path)
    if ext in (".waypoints", ".txt"):
        return load_wpl(path)
    if ext in (".geojson", ".json", ".kml", ".kmz"):
        features = load_features_file(path)
        if features.plan is None:
            raise PlanFormatError(str(path), "", "the file holds no mission items (role: waypoint)")
        return features.plan
    raise PlanFormatError(
        str(path), "", f"unknown file type {ext!r}; use one of {', '.join(PLAN_EXTENSIONS)}"
    )


def dump_plan_file(plan: Plan, path: str | Path) -> None:
    """Write ``plan`` in the format its extension names."""
    ext = _ext(path)
    target = Path(path)
    if ext == ".plan":
        target.write_text(dump_plan(plan))
    elif ext in (".waypoints", ".txt"):
        target.write_text(dump_wpl(plan))
    elif ext in (".geojson", ".json"):
        target.write_text(dump_geojson(plan))
    elif ext == ".kml":
        target.write_text(dump_kml(plan))
    elif ext == ".kmz":
        target.write_bytes(dump_kmz(plan))
    else:
        raise PlanFormatError(
            str(path), "", f"unknown file type {ext!r}; use one of {', '.join(PLAN_EXTENSIONS)}"
        )


__all__ = [
    "PLAN_EXTENSIONS",
    "MapFeatures",
    "NamedPoint",
    "dump_geojson",
    "dump_kml",
    "dump_kmz",
    "dump_plan",
    "dump_plan_file",
    "dump_wpl",
    "load_features_file",
    "load_geojson",
    "load_kml",
    "load_plan",
    "load_plan_file",
    "load_wpl",
]
