"""GeoJSON (RFC 7946): read border lines, areas, zones and home; write missions and fences.

Features say what they are in ``properties.role`` (border, area, keep_out, keep_in, home, point,
waypoint, route, rally); untagged features are guessed from name and geometry. Mission items are
written one feature each (``role: waypoint``, with a null geometry for items without a place), so
a plan written here reads back whole.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from missions.errors import InvalidValueError, PlanFormatError
from missions.formats.features import MapFeatures, NamedPoint, assemble_plan, guess_role
from missions.formats.jsonpath import JsonReader, parse_json
from missions.formats.qgc_plan import read_source
from missions.mavitem import RawItem, raw_to_waypoint, waypoint_to_raw
from missions.route import route_points
from missions.values import (
    LOCATION_COMMANDS,
    BorderLine,
    FenceCircle,
    FencePolygon,
    GeoPoint,
    HomePosition,
    PatrolArea,
    Plan,
    RallyPoint,
)


def _position(r: JsonReader, value: Any, path: str) -> tuple[GeoPoint, float | None]:
    arr = r.arr(value, path, min_length=2)
    lon, lat = r.num(arr[0], f"{path}[0]"), r.num(arr[1], f"{path}[1]")
    alt = r.num(arr[2], f"{path}[2]") if len(arr) > 2 else None
    try:
        return GeoPoint(lat_deg=lat, lon_deg=lon), alt
    except InvalidValueError as exc:
        raise r.fail(path, f"{exc} (GeoJSON positions are [longitude, latitude])") from None


def _line(r: JsonReader, value: Any, path: str) -> tuple[GeoPoint, ...]:
    return tuple(_position(r, p, f"{path}[{k}]")[0] for k, p in enumerate(r.arr(value, path)))


def _ring(r: JsonReader, value: Any, path: str) -> tuple[GeoPoint, ...]:
    pts = _line(r, value, path)
    if len(pts) >= 2 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) < 3:
        raise r.fail(path, f"a polygon ring needs at least 3 distinct corners, found {len(pts)}")
    return pts


def load_geojson(source: str | Path, *, text: str | bytes | None = None) -> MapFeatures:
    name = str(source)
    doc = parse_json(read_source(source) if text is None else text, name)
    r = JsonReader(name)
    top = r.obj(doc, "$")
    kind = top.get("type")
    if kind == "FeatureCollection":
        features = [
            (f"$.features[{i}]", f) for i, f in enumerate(r.arr(r.key(top, "features", "$"), "$.features"))
        ]
    elif kind == "Feature":
        features = [("$", top)]
    else:
        raise r.fail("$.type", f"expected a FeatureCollection or Feature, found {kind!r}")
    out: dict[str, list] = {"borders": [], "areas": [], "zones": [], "circles": [], "points": []}
    home: HomePosition | None = None
    items: list[tuple[int, Any]] = []
    rally: list[RallyPoint] = []
    for path, feature in features:
        f = r.obj(feature, path)
        props = f.get("properties") or {}
        props = r.obj(props, f"{path}.properties")
        geom = f.get("geometry")
        label = props.get("name", "")
        label = label if isinstance(label, str) else str(label)
        role = props.get("role")
        gtype = r.obj(geom, f"{path}.geometry").get("type") if geom is not None else None
        if role is None:
            role = guess_role(label, gtype or "")
        gpath = f"{path}.geometry.coordinates"
        if role == "waypoint":
            items.append((_seq(r, props, path), (props, geom, path)))
            continue
        if geom is None:
            continue
        coords = r.key(geom, "coordinates", f"{path}.geometry")
        try:
            if role == "border":
                _expect(r, gtype, ("LineString",), path, role)
                out["borders"].append(BorderLine(points=_line(r, coords, gpath), name=label))
            elif role in ("area", "keep_out", "keep_in"):
                _expect(r, gtype, ("Polygon", "Point"), path, role)
                if gtype == "Point":
                    center, _ = _position(r, coords, gpath)
                    radius = r.num(
                        r.key(props, "radius_m", f"{path}.properties"), f"{path}.properties.radius_m"
                    )
                    out["circles"].append(
                        FenceCircle(center=center, radius_m=radius, inclusion=role == "keep_in")
                    )
                    continue
                rings = r.arr(coords, gpath, min_length=1)
                outer = _ring(r, rings[0], f"{gpath}[0]")
                holes = tuple(_ring(r, h, f"{gpath}[{k}]") for k, h in enumerate(rings[1:], start=1))
                if role == "area":
                    out["areas"].append(PatrolArea(outer=outer, holes=holes, name=label))
                else:
                    out["zones"].append(FencePolygon(vertices=outer, inclusion=role == "keep_in"))
            elif role == "home":
                _expect(r, gtype, ("Point",), path, role)
                point, alt = _position(r, coords, gpath)
                alt_prop = props.get("alt_amsl_m", alt if alt is not None else 0.0)
                home = HomePosition(
                    lat_deg=point.lat_deg,
                    lon_deg=point.lon_deg,
                    alt_amsl_m=r.num(alt_prop, f"{path}.properties.alt_amsl_m"),
                )
            elif role == "rally":
                _expect(r, gtype, ("Point",), path, role)
                point, alt = _position(r, coords, gpath)
                rally.append(RallyPoint(lat_deg=point.lat_deg, lon_deg=point.lon_deg, alt_m=alt or 0.0))
            elif role == "point":
                _expect(r, gtype, ("Point",), path, role)
                out["points"].append(NamedPoint(name=label, point=_position(r, coords, gpath)[0]))
        except InvalidValueError as exc:
            raise r.fail(path, str(exc)) from None
    plan = None
    if items:
        plan = _plan_from(r, top, home, items, out, rally)
    return MapFeatures(
        borders=tuple(out["borders"]),
        areas=tuple(out["areas"]),
        zones=tuple(out["zones"]),
        circles=tuple(out["circles"]),
        home=home,
        points=tuple(out["points"]),
        plan=plan,
    )


def _expect(r: JsonReader, gtype: str | None, allowed: tuple[str, ...], path: str, role: str) -> None:
    if gtype not in allowed:
        raise r.fail(f"{path}.geometry.type", f"a {role} must be a {' or '.join(allowed)}, found {gtype!r}")


def _seq(r: JsonReader, props: dict[str, Any], path: str) -> int:
    return r.int_(r.key(props, "seq", f"{path}.properties"), f"{path}.properties.seq")


def _plan_from(r, top, home, items, out, rally) -> Plan:
    if home is None:
        raise r.fail("$", "mission items need a home feature (role: home)")
    waypoints = []
    for _, (props, geom, path) in sorted(items, key=lambda t: t[0]):
        params = r.arr(r.key(props, "params", f"{path}.properties"), f"{path}.properties.params", length=4)
        p = [r.num_or_null(v, f"{path}.properties.params[{k}]") for k, v in enumerate(params)]
        command = r.int_(r.key(props, "command", f"{path}.properties"), f"{path}.properties.command")
        frame = r.int_(r.key(props, "frame", f"{path}.properties"), f"{path}.properties.frame")
        lat = lon = alt = 0.0
        if geom is not None:
            point, alt_val = _position(
                r, r.key(geom, "coordinates", f"{path}.geometry"), f"{path}.geometry.coordinates"
            )
            lat, lon, alt = point.lat_deg, point.lon_deg, alt_val or 0.0
        auto = r.bool_(props.get("autocontinue", True), f"{path}.properties.autocontinue")
        raw = RawItem(
            command=command,
            frame=frame,
            param1=p[0],
            param2=p[1],
            param3=p[2],
            param4=p[3],
            x=lat,
            y=lon,
            z=alt,
            autocontinue=auto,
        )
        try:
            waypoints.append(raw_to_waypoint(raw))
        except InvalidValueError as exc:
            raise r.fail(path, str(exc)) from None
    meta = r.obj(top.get("properties") or {}, "$.properties")
    camera = meta.get("camera")
    try:
        return assemble_plan(
            home=home,
            items=waypoints,
            zones=out["zones"],
            circles=out["circles"],
            rally=rally,
            borders=out["borders"],
            cruise_speed_m_s=r.num(meta.get("cruise_speed_m_s", 10.0), "$.properties.cruise_speed_m_s"),
            hover_speed_m_s=r.num(meta.get("hover_speed_m_s", 5.0), "$.properties.hover_speed_m_s"),
            max_alt_m=r.num_or_null(meta.get("max_alt_m"), "$.properties.max_alt_m"),
            camera=camera if isinstance(camera, str) else None,
        )
    except InvalidValueError as exc:
        raise r.fail("$.properties", str(exc)) from None


# --- writing ------------------------------------------------------------------------------------


def _pt(p: GeoPoint, alt: float | None = None) -> list[float]:
    return [p.lon_deg, p.lat_deg] if alt is None else [p.lon_deg, p.lat_deg, alt]


def _ring_coords(vertices: tuple[GeoPoint, ...]) -> list[list[float]]:
    return [_pt(v) for v in (*vertices, vertices[0])]


def _feature(geometry: dict | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def features_to_dict(features: MapFeatures) -> dict[str, Any]:
    """A FeatureCollection for map features, including the whole plan when there is one."""
    out: list[dict[str, Any]] = []
    plan = features.plan
    for b in features.borders or ((plan.border,) if plan and plan.border else ()):
        out.append(
            _feature(
                {"type": "LineString", "coordinates": [_pt(p) for p in b.points]}, role="border", name=b.name
            )
        )
    for a in features.areas:
        rings = [_ring_coords(a.outer), *(_ring_coords(h) for h in a.holes)]
        out.append(_feature({"type": "Polygon", "coordinates": rings}, role="area", name=a.name))
    zones = features.zones or (plan.fence.polygons if plan else ())
    circles = features.circles or (plan.fence.circles if plan else ())
    for z in zones:
        out.append(
            _feature(
                {"type": "Polygon", "coordinates": [_ring_coords(z.vertices)]},
                role="keep_in" if z.inclusion else "keep_out",
            )
        )
    for c in circles:
        out.append(
            _feature(
                {"type": "Point", "coordinates": _pt(c.center)},
                role="keep_in" if c.inclusion else "keep_out",
                radius_m=c.radius_m,
            )
        )
    home = features.home or (plan.mission.home if plan else None)
    if home is not None:
        out.append(
            _feature(
                {"type": "Point", "coordinates": _pt(home.point, home.alt_amsl_m)},
                role="home",
                name="home",
                alt_amsl_m=home.alt_amsl_m,
            )
        )
    for np_ in features.points:
        out.append(_feature({"type": "Point", "coordinates": _pt(np_.point)}, role="point", name=np_.name))
    meta: dict[str, Any] = {}
    if plan is not None:
        for seq, wp in enumerate(plan.mission.items, start=1):
            raw = waypoint_to_raw(wp)
            geometry = (
                {"type": "Point", "coordinates": _pt(wp.point, wp.alt_m)}
                if wp.command in LOCATION_COMMANDS
                else None
            )
            out.append(
                _feature(
                    geometry,
                    role="waypoint",
                    seq=seq,
                    command=raw.command,
                    command_name=wp.command_name,
                    frame=raw.frame,
                    alt_frame=wp.alt_frame.value,
                    params=[raw.param1, raw.param2, raw.param3, raw.param4],
                    autocontinue=raw.autocontinue,
                )
            )
        route = route_points(plan.mission)
        out.append(
            _feature(
                {"type": "LineString", "coordinates": [_pt(p) for p in route]}, role="route", name="route"
            )
        )
        for rp in plan.rally_points:
            out.append(
                _feature({"type": "Point", "coordinates": [rp.lon_deg, rp.lat_deg, rp.alt_m]}, role="rally")
            )
        meta = {
            "cruise_speed_m_s": plan.mission.cruise_speed_m_s,
            "hover_speed_m_s": plan.mission.hover_speed_m_s,
            "max_alt_m": plan.fence.max_alt_m,
            "camera": plan.camera_name,
        }
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": out}
    if meta:
        doc["properties"] = meta
    return doc


def dump_geojson(item: Plan | MapFeatures) -> str:
    features = item if isinstance(item, MapFeatures) else MapFeatures(plan=item)
    return json.dumps(features_to_dict(features), indent=1, allow_nan=False) + "\n"


__all__ = ["MapFeatures", "PlanFormatError", "dump_geojson", "load_geojson"]
