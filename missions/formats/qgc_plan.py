"""QGroundControl .plan files (JSON), read and written in QGC's schema.

Read: SimpleItems in any global frame (QGC's ``null`` params are NaN), survey and corridor-scan
ComplexItems flattened into the items QGC saved inside them, geofence polygons (inclusion flag) and
circles (plan version 2, and the single polygon of version 1), rally points, the planned home and
the cruise/hover speeds. Written: what QGC writes, plus a ``borderwatch`` key (border line, camera,
maximum altitude) that QGC ignores.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from missions.errors import InvalidValueError, PlanFormatError
from missions.formats.jsonpath import JsonReader, parse_json
from missions.mavitem import (
    MAV_FRAME_GLOBAL_TERRAIN_ALT,
    RawItem,
    raw_to_waypoint,
    waypoint_to_raw,
)
from missions.values import (
    LOCATION_COMMANDS,
    AltFrame,
    BorderLine,
    FenceCircle,
    FencePolygon,
    Geofence,
    GeoPoint,
    HomePosition,
    Mission,
    Plan,
    RallyPoint,
    Waypoint,
)

T = TypeVar("T")

# QGC's AltitudeMode: 1 relative to home, 2 AMSL, 3 AMSL computed from terrain, 4 terrain frame.
_ALT_MODE = {AltFrame.REL_HOME: 1, AltFrame.AMSL: 2, AltFrame.AGL: 4}
FLATTENED_COMPLEX = {"survey", "CorridorScan"}


def _build(r: JsonReader, path: str, make: Callable[[], T]) -> T:
    try:
        return make()
    except InvalidValueError as exc:
        raise r.fail(path, str(exc)) from None


def load_plan(source: str | Path, *, text: str | bytes | None = None) -> Plan:
    """Read a QGroundControl .plan; ``text`` may be given instead of reading ``source``."""
    name = str(source)
    if text is None:
        text = read_source(source)
    doc = parse_json(text, name)
    r = JsonReader(name)
    top = r.obj(doc, "$")
    file_type = r.key(top, "fileType", "$")
    if file_type != "Plan":
        raise r.fail("$.fileType", f'expected "Plan", found {file_type!r} (is this a QGC .plan file?)')
    version = r.int_(r.key(top, "version", "$"), "$.version")
    if version != 1:
        raise r.fail("$.version", f"plan file version {version} is not supported (only 1)")
    mission = _load_mission(r, r.obj(r.key(top, "mission", "$"), "$.mission"))
    fence = _load_fence(r, top.get("geoFence"))
    rally = _load_rally(r, top.get("rallyPoints"))
    border, camera, max_alt = _load_extension(r, top.get("borderwatch"))
    if max_alt is not None:
        fence = Geofence(polygons=fence.polygons, circles=fence.circles, max_alt_m=max_alt)
    return Plan(mission=mission, fence=fence, rally_points=rally, border=border, camera_name=camera)


def read_source(source: str | Path) -> bytes:
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise PlanFormatError(str(source), "", f"cannot read the file: {exc.strerror or exc}") from None


def _load_mission(r: JsonReader, m: dict[str, Any]) -> Mission:
    home_arr = r.arr(r.key(m, "plannedHomePosition", "$.mission"), "$.mission.plannedHomePosition", length=3)
    lat = r.num(home_arr[0], "$.mission.plannedHomePosition[0]")
    lon = r.num(home_arr[1], "$.mission.plannedHomePosition[1]")
    alt = r.num_or_null(home_arr[2], "$.mission.plannedHomePosition[2]") or 0.0
    home = _build(
        r, "$.mission.plannedHomePosition", lambda: HomePosition(lat_deg=lat, lon_deg=lon, alt_amsl_m=alt)
    )
    cruise = r.num(m.get("cruiseSpeed", 10.0), "$.mission.cruiseSpeed")
    hover = r.num(m.get("hoverSpeed", 5.0), "$.mission.hoverSpeed")
    items: list[Waypoint] = []
    for i, item in enumerate(r.arr(r.key(m, "items", "$.mission"), "$.mission.items")):
        path = f"$.mission.items[{i}]"
        obj = r.obj(item, path)
        kind = r.key(obj, "type", path)
        if kind == "SimpleItem":
            items.append(_load_simple(r, obj, path))
        elif kind == "ComplexItem":
            items.extend(_load_complex(r, obj, path))
        else:
            raise r.fail(f"{path}.type", f'expected "SimpleItem" or "ComplexItem", found {kind!r}')
    return _build(
        r,
        "$.mission",
        lambda: Mission(home=home, items=tuple(items), cruise_speed_m_s=cruise, hover_speed_m_s=hover),
    )


def _load_simple(r: JsonReader, obj: dict[str, Any], path: str) -> Waypoint:
    command = r.int_(r.key(obj, "command", path), f"{path}.command")
    frame = r.int_(r.key(obj, "frame", path), f"{path}.frame")
    params = r.arr(r.key(obj, "params", path), f"{path}.params", length=7)
    p = [r.num_or_null(v, f"{path}.params[{k}]") for k, v in enumerate(params)]
    auto = r.bool_(obj.get("autoContinue", True), f"{path}.autoContinue")
    if p[6] is None and command in LOCATION_COMMANDS:
        # AltitudeMode 3 ("calculated above terrain") before QGC knew the terrain: the altitude
        # above terrain is in "Altitude" and the frame is the terrain frame in meaning.
        if obj.get("AltitudeMode") == 3 and "Altitude" in obj:
            p[6] = r.num(obj["Altitude"], f"{path}.Altitude")
            frame = MAV_FRAME_GLOBAL_TERRAIN_ALT
        else:
            raise r.fail(f"{path}.params[6]", "altitude is null for an item that flies to a place")
    raw = RawItem(
        command=command,
        frame=frame,
        param1=p[0],
        param2=p[1],
        param3=p[2],
        param4=p[3],
        x=p[4],
        y=p[5],
        z=p[6],
        autocontinue=auto,
    )
    return _build(r, path, lambda: raw_to_waypoint(raw))


def _load_complex(r: JsonReader, obj: dict[str, Any], path: str) -> list[Waypoint]:
    kind = r.key(obj, "complexItemType", path)
    if not isinstance(kind, str) or kind not in FLATTENED_COMPLEX:
        raise r.fail(
            f"{path}.complexItemType",
            f"complex item {kind!r} is not supported (only survey and CorridorScan); "
            "convert it to simple items in QGroundControl first",
        )
    transect = r.obj(r.key(obj, "TransectStyleComplexItem", path), f"{path}.TransectStyleComplexItem")
    inner_path = f"{path}.TransectStyleComplexItem.Items"
    inner = r.arr(r.key(transect, "Items", f"{path}.TransectStyleComplexItem"), inner_path)
    out = []
    for k, item in enumerate(inner):
        item_path = f"{inner_path}[{k}]"
        item_obj = r.obj(item, item_path)
        if item_obj.get("type") != "SimpleItem":
            raise r.fail(f"{item_path}.type", "items inside a complex item must be SimpleItems")
        out.append(_load_simple(r, item_obj, item_path))
    return out


def _latlon(r: JsonReader, value: Any, path: str) -> GeoPoint:
    arr = r.arr(value, path, min_length=2)
    lat, lon = r.num(arr[0], f"{path}[0]"), r.num(arr[1], f"{path}[1]")
    return _build(r, path, lambda: GeoPoint(lat_deg=lat, lon_deg=lon))


def _load_fence(r: JsonReader, value: Any) -> Geofence:
    if value is None:
        return Geofence()
    fence = r.obj(value, "$.geoFence")
    polygons: list[FencePolygon] = []
    circles: list[FenceCircle] = []
    if "polygon" in fence:  # version 1: one inclusion polygon
        pts = r.arr(fence["polygon"], "$.geoFence.polygon")
        if pts:
            vertices = tuple(_latlon(r, v, f"$.geoFence.polygon[{k}]") for k, v in enumerate(pts))
            polygons.append(
                _build(r, "$.geoFence.polygon", lambda: FencePolygon(vertices=vertices, inclusion=True))
            )
    for i, poly in enumerate(r.arr(fence.get("polygons", []), "$.geoFence.polygons")):
        path = f"$.geoFence.polygons[{i}]"
        obj = r.obj(poly, path)
        pts = r.arr(r.key(obj, "polygon", path), f"{path}.polygon")
        vertices = tuple(_latlon(r, v, f"{path}.polygon[{k}]") for k, v in enumerate(pts))
        inclusion = r.bool_(obj.get("inclusion", True), f"{path}.inclusion")
        polygons.append(
            _build(r, path, lambda v=vertices, inc=inclusion: FencePolygon(vertices=v, inclusion=inc))
        )
    for i, circ in enumerate(r.arr(fence.get("circles", []), "$.geoFence.circles")):
        path = f"$.geoFence.circles[{i}]"
        obj = r.obj(circ, path)
        c = r.obj(r.key(obj, "circle", path), f"{path}.circle")
        center = _latlon(r, r.key(c, "center", f"{path}.circle"), f"{path}.circle.center")
        radius = r.num(r.key(c, "radius", f"{path}.circle"), f"{path}.circle.radius")
        inclusion = r.bool_(obj.get("inclusion", True), f"{path}.inclusion")
        circles.append(
            _build(
                r,
                path,
                lambda c=center, rad=radius, inc=inclusion: FenceCircle(
                    center=c, radius_m=rad, inclusion=inc
                ),
            )
        )
    return Geofence(polygons=tuple(polygons), circles=tuple(circles))


def _load_rally(r: JsonReader, value: Any) -> tuple[RallyPoint, ...]:
    if value is None:
        return ()
    obj = r.obj(value, "$.rallyPoints")
    points = []
    for i, pt in enumerate(r.arr(obj.get("points", []), "$.rallyPoints.points")):
        path = f"$.rallyPoints.points[{i}]"
        arr = r.arr(pt, path, length=3)
        lat, lon, alt = (r.num(arr[k], f"{path}[{k}]") for k in range(3))
        points.append(_build(r, path, lambda a=lat, o=lon, z=alt: RallyPoint(lat_deg=a, lon_deg=o, alt_m=z)))
    return tuple(points)


def _load_extension(r: JsonReader, value: Any) -> tuple[BorderLine | None, str | None, float | None]:
    if value is None:
        return None, None, None
    ext = r.obj(value, "$.borderwatch")
    border = None
    if ext.get("border") is not None:
        pts = r.arr(ext["border"], "$.borderwatch.border")
        points = tuple(_latlon(r, v, f"$.borderwatch.border[{k}]") for k, v in enumerate(pts))
        name = r.str_(ext.get("border_name", ""), "$.borderwatch.border_name")
        border = _build(r, "$.borderwatch.border", lambda: BorderLine(points=points, name=name))
    camera = None if ext.get("camera") is None else r.str_(ext["camera"], "$.borderwatch.camera")
    max_alt = r.num_or_null(ext.get("max_alt_m"), "$.borderwatch.max_alt_m")
    return border, camera, max_alt


# --- writing ------------------------------------------------------------------------------------


def _simple_item(wp: Waypoint, jump_id: int) -> dict[str, Any]:
    raw = waypoint_to_raw(wp)
    item: dict[str, Any] = {}
    if wp.command in LOCATION_COMMANDS:
        item["AMSLAltAboveTerrain"] = None
        item["Altitude"] = wp.alt_m
        item["AltitudeMode"] = _ALT_MODE[wp.alt_frame]
    item.update(
        {
            "autoContinue": raw.autocontinue,
            "command": raw.command,
            "doJumpId": jump_id,
            "frame": raw.frame,
            "params": [raw.param1, raw.param2, raw.param3, raw.param4, raw.x, raw.y, raw.z],
            "type": "SimpleItem",
        }
    )
    return item


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    m = plan.mission
    doc: dict[str, Any] = {
        "fileType": "Plan",
        "geoFence": {
            "circles": [
                {
                    "circle": {"center": [c.center.lat_deg, c.center.lon_deg], "radius": c.radius_m},
                    "inclusion": c.inclusion,
                    "version": 1,
                }
                for c in plan.fence.circles
            ],
            "polygons": [
                {
                    "inclusion": p.inclusion,
                    "polygon": [[v.lat_deg, v.lon_deg] for v in p.vertices],
                    "version": 1,
                }
                for p in plan.fence.polygons
            ],
            "version": 2,
        },
        "groundStation": "borderwatch",
        "mission": {
            "cruiseSpeed": m.cruise_speed_m_s,
            "firmwareType": 3,
            "globalPlanAltitudeMode": 1,
            "hoverSpeed": m.hover_speed_m_s,
            "items": [_simple_item(wp, i + 1) for i, wp in enumerate(m.items)],
            "plannedHomePosition": [m.home.lat_deg, m.home.lon_deg, m.home.alt_amsl_m],
            "vehicleType": 2,
            "version": 2,
        },
        "rallyPoints": {
            "points": [[p.lat_deg, p.lon_deg, p.alt_m] for p in plan.rally_points],
            "version": 2,
        },
        "version": 1,
    }
    if plan.border is not None or plan.camera_name is not None or plan.fence.max_alt_m is not None:
        doc["borderwatch"] = {
            "border": None if plan.border is None else [[p.lat_deg, p.lon_deg] for p in plan.border.points],
            "border_name": "" if plan.border is None else plan.border.name,
            "camera": plan.camera_name,
            "max_alt_m": plan.fence.max_alt_m,
            "version": 1,
        }
    return doc


def dump_plan(plan: Plan) -> str:
    """The plan as QGroundControl .plan JSON text."""
    return json.dumps(plan_to_dict(plan), indent=4, allow_nan=False) + "\n"
