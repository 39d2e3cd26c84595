"""KML and KMZ (Google Earth, ATAK, QGC's KML import): read borders, areas, zones; write missions, fences.

A Placemark's role is its ``ExtendedData`` field ``role`` when present, else a guess from its name
and geometry (a LineString is a border; a polygon named "no-fly ..." is a keep-out zone). Mission
items are written as Placemarks with ``role=waypoint`` and their MAVLink numbers, so a plan written
here reads back whole. Parsing never resolves entities or touches the network.
"""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from missions.errors import InvalidValueError, PlanFormatError
from missions.formats.features import MapFeatures, NamedPoint, assemble_plan, guess_role
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

KML_NS = "http://www.opengis.net/kml/2.2"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
MAX_KMZ_BYTES = 50 * 1024 * 1024


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _descendants(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el.iter() if _local(c) == name]


def _unzip(data: bytes, source: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".kml")]
            if not names:
                raise PlanFormatError(source, "", "the KMZ archive holds no .kml file")
            name = "doc.kml" if "doc.kml" in names else names[0]
            if z.getinfo(name).file_size > MAX_KMZ_BYTES:
                raise PlanFormatError(source, name, "the KML inside the KMZ is larger than 50 MB")
            return z.read(name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as exc:
        raise PlanFormatError(source, "", f"not a readable KMZ (zip) archive: {exc}") from None
    except RuntimeError as exc:  # encrypted members
        raise PlanFormatError(source, "", f"cannot read the KMZ archive: {exc}") from None


def load_kml(source: str | Path, *, text: str | bytes | None = None) -> MapFeatures:
    """Read a .kml or .kmz (detected by content)."""
    name = str(source)
    data = read_source(source) if text is None else text
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data[:2] == b"PK":
        data = _unzip(data, name)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else exc.lineno
        raise PlanFormatError(name, f"line {line}", f"not well-formed XML: {exc.msg}") from None
    except ValueError as exc:
        raise PlanFormatError(name, "", f"not readable as XML: {exc}") from None
    if root is None or _local(root) != "kml":
        found = _local(root) if root is not None else "nothing"
        raise PlanFormatError(name, "line 1", f"expected a <kml> document, found <{found}>")
    return _Reader(name).read(root)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, el: etree._Element, problem: str) -> PlanFormatError:
        return PlanFormatError(self.source, f"line {el.sourceline}", problem)

    def coords(self, el: etree._Element) -> list[tuple[GeoPoint, float | None]]:
        nodes = _children(el, "coordinates")
        if not nodes:
            raise self.fail(el, f"<{_local(el)}> has no <coordinates>")
        out = []
        for token in (nodes[0].text or "").split():
            parts = token.split(",")
            try:
                numbers = [float(p) for p in parts]
            except ValueError:
                raise self.fail(nodes[0], f"coordinate {token[:40]!r} is not lon,lat[,alt]") from None
            if len(numbers) not in (2, 3) or not all(math.isfinite(v) for v in numbers):
                raise self.fail(nodes[0], f"coordinate {token[:40]!r} is not lon,lat[,alt]")
            try:
                point = GeoPoint(lat_deg=numbers[1], lon_deg=numbers[0])
            except InvalidValueError as exc:
                raise self.fail(nodes[0], f"{exc} (KML coordinates are lon,lat)") from None
            out.append((point, numbers[2] if len(numbers) == 3 else None))
        return out

    def point(self, el: etree._Element) -> tuple[GeoPoint, float | None]:
        coords = self.coords(el)
        if len(coords) != 1:
            raise self.fail(el, f"a <Point> needs exactly one coordinate, found {len(coords)}")
        return coords[0]

    def ring(self, boundary: etree._Element) -> tuple[GeoPoint, ...]:
        rings = _descendants(boundary, "LinearRing")
        if not rings:
            raise self.fail(boundary, f"<{_local(boundary)}> has no <LinearRing>")
        pts = [p for p, _ in self.coords(rings[0])]
        if len(pts) >= 2 and pts[0] == pts[-1]:
            pts = pts[:-1]
        if len(pts) < 3:
            raise self.fail(rings[0], f"a polygon ring needs at least 3 distinct corners, found {len(pts)}")
        return tuple(pts)

    def read(self, root: etree._Element) -> MapFeatures:
        out: dict[str, list] = {
            "borders": [],
            "areas": [],
            "zones": [],
            "circles": [],
            "points": [],
            "rally": [],
        }
        home: HomePosition | None = None
        items: list[tuple[int, etree._Element, dict[str, str]]] = []
        meta: dict[str, str] = {}
        for doc in _descendants(root, "Document")[:1]:
            meta = _extended(doc)
        for pm in _descendants(root, "Placemark"):
            data = _extended(pm)
            name_el = _children(pm, "name")
            label = (name_el[0].text or "").strip() if name_el else ""
            geoms = [g for g in pm.iter() if _local(g) in ("Point", "LineString", "Polygon")]
            gtype = _local(geoms[0]) if geoms else ""
            role = data.get("role") or guess_role(label, gtype)
            if role == "waypoint":
                items.append((self.int_(pm, data, "seq"), pm, data))
                continue
            if role in ("route",) or not geoms:
                continue
            geom = geoms[0]
            try:
                if role == "border":
                    self.expect(geom, ("LineString",), role)
                    out["borders"].append(
                        BorderLine(points=tuple(p for p, _ in self.coords(geom)), name=label)
                    )
                elif role in ("area", "keep_out", "keep_in"):
                    self.expect(geom, ("Polygon", "Point"), role)
                    if gtype == "Point":
                        center = self.point(geom)[0]
                        radius = self.num(pm, data, "radius_m")
                        out["circles"].append(
                            FenceCircle(center=center, radius_m=radius, inclusion=role == "keep_in")
                        )
                        continue
                    outer_b = _children(geom, "outerBoundaryIs")
                    if not outer_b:
                        raise self.fail(geom, "<Polygon> has no <outerBoundaryIs>")
                    outer = self.ring(outer_b[0])
                    holes = tuple(self.ring(b) for b in _children(geom, "innerBoundaryIs"))
                    if role == "area":
                        out["areas"].append(PatrolArea(outer=outer, holes=holes, name=label))
                    else:
                        out["zones"].append(FencePolygon(vertices=outer, inclusion=role == "keep_in"))
                elif role in ("home", "rally", "point"):
                    self.expect(geom, ("Point",), role)
                    point, alt = self.point(geom)
                    if role == "home":
                        alt_amsl = self.num(pm, data, "alt_amsl_m") if "alt_amsl_m" in data else (alt or 0.0)
                        home = HomePosition(lat_deg=point.lat_deg, lon_deg=point.lon_deg, alt_amsl_m=alt_amsl)
                    elif role == "rally":
                        out["rally"].append(
                            RallyPoint(lat_deg=point.lat_deg, lon_deg=point.lon_deg, alt_m=alt or 0.0)
                        )
                    else:
                        out["points"].append(NamedPoint(name=label, point=point))
            except InvalidValueError as exc:
                raise self.fail(pm, str(exc)) from None
        plan = self.plan(root, home, items, out, meta) if items else None
        return MapFeatures(
            borders=tuple(out["borders"]),
            areas=tuple(out["areas"]),
            zones=tuple(out["zones"]),
            circles=tuple(out["circles"]),
            home=home,
            points=tuple(out["points"]),
            plan=plan,
        )

    def expect(self, geom: etree._Element, allowed: tuple[str, ...], role: str) -> None:
        if _local(geom) not in allowed:
            raise self.fail(geom, f"a {role} must be a {' or '.join(allowed)}, found <{_local(geom)}>")

    def num(self, el: etree._Element, data: dict[str, str], key: str, default: float | None = None) -> float:
        if key not in data:
            if default is not None:
                return default
            raise self.fail(el, f"missing ExtendedData '{key}'")
        try:
            value = float(data[key])
        except ValueError:
            raise self.fail(el, f"ExtendedData '{key}' = {data[key][:30]!r} is not a number") from None
        if not math.isfinite(value):
            raise self.fail(el, f"ExtendedData '{key}' must be finite")
        return value

    def int_(self, el: etree._Element, data: dict[str, str], key: str) -> int:
        value = self.num(el, data, key)
        if value != int(value):
            raise self.fail(el, f"ExtendedData '{key}' must be a whole number")
        return int(value)

    def plan(self, root, home, items, out, meta) -> Plan:
        if home is None:
            raise self.fail(root, "mission items need a home Placemark (role home)")
        waypoints = []
        for _, pm, data in sorted(items, key=lambda t: t[0]):
            raw_params = data.get("params", "0,0,0,0").split(",")
            if len(raw_params) != 4:
                raise self.fail(pm, "ExtendedData 'params' must hold 4 comma-separated values")
            try:
                params = [None if p.strip().lower() == "nan" else float(p) for p in raw_params]
            except ValueError:
                raise self.fail(pm, "ExtendedData 'params' must be numbers (or nan)") from None
            if any(p is not None and math.isinf(p) for p in params):
                raise self.fail(pm, "ExtendedData 'params' must be finite")
            lat = lon = alt = 0.0
            geoms = [g for g in pm.iter() if _local(g) == "Point"]
            if geoms:
                point, alt_val = self.point(geoms[0])
                lat, lon, alt = point.lat_deg, point.lon_deg, alt_val or 0.0
            raw = RawItem(
                command=self.int_(pm, data, "command"),
                frame=self.int_(pm, data, "frame"),
                param1=params[0],
                param2=params[1],
                param3=params[2],
                param4=params[3],
                x=lat,
                y=lon,
                z=alt,
                autocontinue=data.get("autocontinue", "1") not in ("0", "false"),
            )
            try:
                waypoints.append(raw_to_waypoint(raw))
            except InvalidValueError as exc:
                raise self.fail(pm, str(exc)) from None
        max_alt = self.num(root, meta, "max_alt_m") if meta.get("max_alt_m") not in (None, "") else None
        try:
            return assemble_plan(
                home=home,
                items=waypoints,
                zones=out["zones"],
                circles=out["circles"],
                rally=out["rally"],
                borders=out["borders"],
                cruise_speed_m_s=self.num(root, meta, "cruise_speed_m_s", 10.0),
                hover_speed_m_s=self.num(root, meta, "hover_speed_m_s", 5.0),
                max_alt_m=max_alt,
                camera=meta.get("camera") or None,
            )
        except InvalidValueError as exc:
            raise self.fail(root, str(exc)) from None


def _extended(el: etree._Element) -> dict[str, str]:
    data: dict[str, str] = {}
    for ext in _children(el, "ExtendedData"):
        for d in _children(ext, "Data"):
            values = _children(d, "value")
            data[d.get("name", "")] = (values[0].text or "").strip() if values else ""
    return data


# --- writing ------------------------------------------------------------------------------------


def _c(p: GeoPoint, alt: float = 0.0) -> str:
    return f"{p.lon_deg!r},{p.lat_deg!r},{alt!r}"


def _data(**fields: object) -> str:
    rows = "".join(
        f'<Data name="{escape(k)}"><value>{escape(str(v))}</value></Data>'
        for k, v in fields.items()
        if v is not None
    )
    return f"<ExtendedData>{rows}</ExtendedData>"


def _placemark(name: str, geometry: str, **fields: object) -> str:
    return f"<Placemark><name>{escape(name)}</name>{_data(**fields)}{geometry}</Placemark>"


def _ring(vertices: tuple[GeoPoint, ...]) -> str:
    coords = " ".join(_c(v) for v in (*vertices, vertices[0]))
    return f"<LinearRing><coordinates>{coords}</coordinates></LinearRing>"


def _polygon(outer: tuple[GeoPoint, ...], holes: tuple[tuple[GeoPoint, ...], ...] = ()) -> str:
    inner = "".join(f"<innerBoundaryIs>{_ring(h)}</innerBoundaryIs>" for h in holes)
    return f"<Polygon><outerBoundaryIs>{_ring(outer)}</outerBoundaryIs>{inner}</Polygon>"


def _fmt(value: float | None) -> str:
    return "nan" if value is None else repr(float(value))


def dump_kml(item: Plan | MapFeatures) -> str:
    features = item if isinstance(item, MapFeatures) else MapFeatures(plan=item)
    plan = features.plan
    marks: list[str] = []
    for b in features.borders or ((plan.border,) if plan and plan.border else ()):
        line = " ".join(_c(p) for p in b.points)
        marks.append(
            _placemark(
                b.name or "border",
                f"<LineString><coordinates>{line}</coordinates></LineString>",
                role="border",
            )
        )
    for a in features.areas:
        marks.append(_placemark(a.name or "area", _polygon(a.outer, a.holes), role="area"))
    for z in features.zones or (plan.fence.polygons if plan else ()):
        role = "keep_in" if z.inclusion else "keep_out"
        marks.append(_placemark(role.replace("_", "-"), _polygon(z.vertices), role=role))
    for c in features.circles or (plan.fence.circles if plan else ()):
        role = "keep_in" if c.inclusion else "keep_out"
        point = f"<Point><coordinates>{_c(c.center)}</coordinates></Point>"
        marks.append(_placemark(role.replace("_", "-"), point, role=role, radius_m=repr(c.radius_m)))
    home = features.home or (plan.mission.home if plan else None)
    if home is not None:
        point = f"<Point><coordinates>{_c(home.point, home.alt_amsl_m)}</coordinates></Point>"
        marks.append(_placemark("home", point, role="home", alt_amsl_m=repr(home.alt_amsl_m)))
    for np_ in features.points:
        marks.append(
            _placemark(np_.name, f"<Point><coordinates>{_c(np_.point)}</coordinates></Point>", role="point")
        )
    meta = ""
    if plan is not None:
        for seq, wp in enumerate(plan.mission.items, start=1):
            raw = waypoint_to_raw(wp)
            geometry = ""
            if wp.command in LOCATION_COMMANDS:
                geometry = (
                    "<Point><altitudeMode>relativeToGround</altitudeMode>"
                    f"<coordinates>{_c(wp.point, wp.alt_m)}</coordinates></Point>"
                )
            params = ",".join(_fmt(p) for p in (raw.param1, raw.param2, raw.param3, raw.param4))
            marks.append(
                _placemark(
                    f"{seq} {wp.command_name}",
                    geometry,
                    role="waypoint",
                    seq=seq,
                    command=raw.command,
                    frame=raw.frame,
                    params=params,
                    autocontinue=int(raw.autocontinue),
                )
            )
        route = " ".join(_c(p) for p in route_points(plan.mission))
        marks.append(
            _placemark("route", f"<LineString><coordinates>{route}</coordinates></LineString>", role="route")
        )
        for rp in plan.rally_points:
            where = _c(GeoPoint(lat_deg=rp.lat_deg, lon_deg=rp.lon_deg), rp.alt_m)
            point = f"<Point><coordinates>{where}</coordinates></Point>"
            marks.append(_placemark("rally", point, role="rally"))
        meta = _data(
            cruise_speed_m_s=repr(plan.mission.cruise_speed_m_s),
            hover_speed_m_s=repr(plan.mission.hover_speed_m_s),
            max_alt_m=None if plan.fence.max_alt_m is None else repr(plan.fence.max_alt_m),
            camera=plan.camera_name,
        )
    body = "\n".join(marks)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<kml xmlns="{KML_NS}"><Document><name>borderwatch</name>{meta}\n'
        f"{body}\n</Document></kml>\n"
    )


def dump_kmz(item: Plan | MapFeatures) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", dump_kml(item))
    return buffer.getvalue()
