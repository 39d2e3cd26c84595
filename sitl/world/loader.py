"""World files (``--world F``): JSON that places the border, fence, roads and scripted targets.

Places are either WGS84 (``{"lat_deg": .., "lon_deg": ..}``, or GeoJSON-order ``[lon, lat]`` pairs
in ``coordinates``) or *border coordinates*: ``{"border_m": s, "offset_m": d}`` is the point ``s``
metres along the border line (from its first point) and ``d`` metres off it, positive on the home
side. A target's path is a list of such points; ``speed_m_s`` on a point is the speed of the leg that
ends there, ``hold_s`` a wait there. Its timing is anchored by ``start_s`` (world time at the first
point) or ``cross_s`` (world time at which the path first crosses the border line). Example::

    {"format": "borderwatch-world", "version": 1, "name": "demo",
     "home": {"lat_deg": 31.348, "lon_deg": -110.9837, "alt_amsl_m": 1160.0},
     "border": {"coordinates": [[-111.0, 31.3333], [-110.9, 31.3333]],
                "fence": {"height_m": 5.5, "gaps": [{"border_m": 500, "width_m": 10}]}},
     "roads": [{"name": "patrol road", "surface": "dirt", "width_m": 6, "border_m": [0, 9000], "offset_m": 14},
               {"name": "track", "width_m": 3, "path": [{"border_m": 500, "offset_m": -10}, {"border_m": 500, "offset_m": 14}]}],
     "targets": [{"id": "p1", "kind": "person", "speed_m_s": 1.3, "cross_s": 60,
                  "path": [{"border_m": 400, "offset_m": -40}, {"border_m": 410, "offset_m": 14},
                           {"border_m": 900, "offset_m": 14, "speed_m_s": 1.1}]}]}

Optional sections: ``ground`` (``alt_amsl_m``, default home's; ``height_map``: ``{"x0_m", "y0_m",
"spacing_m", "heights_m": [[...], ...]}`` in the world frame, row 0 south), ``terrain`` (fields of
``TerrainStyle``), ``lighting`` (fields of ``Lighting``). A target's ``look_seed`` picks its clothing
or paint (default: from its id); ``look`` overrides single fields, colours as ``"#rrggbb"``;
``heading_deg`` faces a target that never moves (a parked car). ``repeat_s`` (top level) plays the
targets' script again every so many seconds of world time, so a long session keeps seeing crossings;
every path must end by then.
"""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import LineString, Point
from shapely.ops import substring

from missions.errors import PlanFormatError
from missions.formats.jsonpath import JsonReader, parse_json
from missions.geo import LocalFrame
from missions.values import GeoPoint, HomePosition
from sitl.errors import SimConfigError, WorldFileError
from sitl.world.ground import Ground
from sitl.world.looks import TargetKind, random_look
from sitl.world.model import Fence, Lighting, Road, TerrainStyle, World
from sitl.world.targets import Target, Trajectory

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_SPEEDS_M_S = {"person": 1.3, "car": 7.0, "pickup": 6.0, "suv": 6.0}


def sample_world_path() -> Path:
    """The default world: the sample border west of Nogales with scripted crossers (sitl/data)."""
    return DATA_DIR / "sample_world.json"


def load_world(path: str | Path | None = None) -> World:
    """Read a world file; ``None`` loads the default sample world."""
    source = Path(path) if path is not None else sample_world_path()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorldFileError(f"{source}: cannot read the world file: {exc.strerror or exc}") from None
    return world_from_json(text, str(source))


def world_from_json(text: str | bytes, source: str = "<world>") -> World:
    """Parse world JSON text; errors name the file and the JSON path of the bad value."""
    try:
        return _Builder(source).build(parse_json(text, source))
    except PlanFormatError as exc:
        raise WorldFileError(str(exc)) from None
    except SimConfigError as exc:
        raise WorldFileError(f"{source}: {exc}") from None


class _Builder:
    def __init__(self, source: str) -> None:
        self.r = JsonReader(source)
        self.frame: LocalFrame | None = None
        self.line: LineString | None = None
        self.home_sign = 1

    def build(self, doc: Any) -> World:
        r = self.r
        top = r.obj(doc, "$")
        if top.get("format", "borderwatch-world") != "borderwatch-world":
            raise r.fail("$.format", f"expected 'borderwatch-world', found {top.get('format')!r}")
        if r.int_(top.get("version", 1), "$.version") != 1:
            raise r.fail("$.version", "this borderwatch reads world files of version 1")
        home_obj = r.obj(r.key(top, "home", "$"), "$.home")
        home = HomePosition(
            lat_deg=r.num(r.key(home_obj, "lat_deg", "$.home"), "$.home.lat_deg"),
            lon_deg=r.num(r.key(home_obj, "lon_deg", "$.home"), "$.home.lon_deg"),
            alt_amsl_m=r.num(home_obj.get("alt_amsl_m", 0.0), "$.home.alt_amsl_m"),
        )
        self.frame = LocalFrame(origin=home.point)
        ground = self._ground(top.get("ground") or {}, home)
        fences: tuple[Fence, ...] = ()
        border_xy: tuple[tuple[float, float], ...] = ()
        if top.get("border") is not None:
            border_xy, fences = self._border(r.obj(top["border"], "$.border"))
        roads = tuple(
            self._road(r.obj(v, f"$.roads[{i}]"), f"$.roads[{i}]")
            for i, v in enumerate(r.arr(top.get("roads", []), "$.roads"))
        )
        targets = tuple(
            self._target(r.obj(v, f"$.targets[{i}]"), f"$.targets[{i}]")
            for i, v in enumerate(r.arr(top.get("targets", []), "$.targets"))
        )
        ids = [t.id for t in targets]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise r.fail("$.targets", f"target ids must be unique; repeated: {', '.join(dup)}")
        repeat_s = self._repeat_s(top.get("repeat_s"), targets)
        return World(
            name=str(top.get("name", "")),
            frame=self.frame,
            home=home,
            ground=ground,
            terrain=self._fields(TerrainStyle, top.get("terrain") or {}, "$.terrain"),
            lighting=self._fields(Lighting, top.get("lighting") or {}, "$.lighting"),
            border_xy_m=border_xy,
            fences=fences,
            roads=roads,
            targets=targets,
            repeat_s=repeat_s,
        )

    def _repeat_s(self, value: Any, targets: tuple[Target, ...]) -> float | None:
        """``repeat_s``: the script plays again every so many seconds; it must hold every target's path
        (a target still moving when the script restarts would jump)."""
        if value is None:
            return None
        repeat = self.r.num(value, "$.repeat_s")
        if not repeat > 0:
            raise self.r.fail("$.repeat_s", f"must be a positive number of seconds, found {repeat!r}")
        last = max((t.path.end_s for t in targets), default=0.0)
        if last > repeat:
            raise self.r.fail(
                "$.repeat_s", f"the script must end before it repeats: the last target stops at {last:.0f} s"
            )
        return repeat

    # --- sections --------------------------------------------------------------------------------
    def _ground(self, obj: Any, home: HomePosition) -> Ground:
        r = self.r
        g = r.obj(obj, "$.ground")
        alt = r.num(g.get("alt_amsl_m", home.alt_amsl_m), "$.ground.alt_amsl_m")
        hm = g.get("height_map")
        if hm is None:
            return Ground(alt_amsl_m=alt)
        hm = r.obj(hm, "$.ground.height_map")
        rows = r.arr(r.key(hm, "heights_m", "$.ground.height_map"), "$.ground.height_map.heights_m")
        heights = tuple(
            tuple(r.num(v, f"$.ground.height_map.heights_m[{i}][{j}]") for j, v in enumerate(r.arr(row, "")))
            for i, row in enumerate(rows)
        )
        return Ground(
            alt_amsl_m=alt,
            heights_m=heights,
            x0_m=r.num(hm.get("x0_m", 0.0), "$.ground.height_map.x0_m"),
            y0_m=r.num(hm.get("y0_m", 0.0), "$.ground.height_map.y0_m"),
            spacing_m=r.num(hm.get("spacing_m", 30.0), "$.ground.height_map.spacing_m"),
        )

    def _border(self, b: dict[str, Any]) -> tuple[tuple[tuple[float, float], ...], tuple[Fence, ...]]:
        r = self.r
        assert self.frame is not None
        xy = self._coords(r.key(b, "coordinates", "$.border"), "$.border.coordinates")
        if len(xy) < 2:
            raise r.fail("$.border.coordinates", "a border line needs at least 2 points")
        self.line = LineString(xy)
        # Home is the frame origin; which side of its nearest segment is it on?
        ax, ay, ux, uy = self._segment_at(self.line.project(Point(0.0, 0.0)))
        self.home_sign = 1 if ux * (0.0 - ay) - uy * (0.0 - ax) >= 0 else -1
        fence_obj = b.get("fence")
        if fence_obj is None or fence_obj is False:
            return tuple(xy), ()
        f = r.obj({} if fence_obj is True else fence_obj, "$.border.fence")
        cuts: list[tuple[float, float]] = []
        for i, gap in enumerate(r.arr(f.get("gaps", []), "$.border.fence.gaps")):
            g = r.obj(gap, f"$.border.fence.gaps[{i}]")
            s = r.num(r.key(g, "border_m", f"$.border.fence.gaps[{i}]"), f"$.border.fence.gaps[{i}].border_m")
            w = r.num(g.get("width_m", 8.0), f"$.border.fence.gaps[{i}].width_m")
            cuts.append((s - w / 2, s + w / 2))
        pieces, start = [], 0.0
        for a, z in [*sorted(cuts), (self.line.length, self.line.length)]:
            if a > start:
                pieces.append(tuple(tuple(map(float, c)) for c in substring(self.line, start, a).coords))
            start = max(start, z)
        fence = Fence(
            pieces_xy_m=tuple(pieces), height_m=r.num(f.get("height_m", 5.5), "$.border.fence.height_m")
        )
        return tuple(xy), (fence,)

    def _road(self, obj: dict[str, Any], path: str) -> Road:
        r = self.r
        surface = r.str_(obj.get("surface", "dirt"), f"{path}.surface")
        if surface not in ("dirt", "paved"):
            raise r.fail(f"{path}.surface", f"expected 'dirt' or 'paved', found {surface!r}")
        width = r.num(obj.get("width_m", 5.0), f"{path}.width_m")
        if not 0.5 <= width <= 40:
            raise r.fail(f"{path}.width_m", f"road width must be 0.5..40 m, found {width}")
        if "coordinates" in obj:
            xy = self._coords(obj["coordinates"], f"{path}.coordinates")
        elif "path" in obj:
            places = r.arr(obj["path"], f"{path}.path")
            xy = [
                self._place(r.obj(v, f"{path}.path[{k}]"), f"{path}.path[{k}]") for k, v in enumerate(places)
            ]
        else:
            line = self._need_border(path)
            s0, s1 = (
                r.num(v, f"{path}.border_m") for v in r.arr(r.key(obj, "border_m", path), path, length=2)
            )
            piece = substring(line, max(0.0, s0), min(line.length, s1))
            offset = r.num(obj.get("offset_m", 0.0), f"{path}.offset_m") * self.home_sign
            shifted = piece.offset_curve(offset, join_style="round") if offset else piece
            xy = [tuple(map(float, c)) for c in shifted.coords]
        if len(xy) < 2:
            raise r.fail(path, "a road needs at least 2 points")
        return Road(name=str(obj.get("name", "")), surface=surface, width_m=width, xy_m=tuple(xy))

    def _target(self, obj: dict[str, Any], path: str) -> Target:
        r = self.r
        ident = r.str_(r.key(obj, "id", path), f"{path}.id")
        kind_name = r.str_(obj.get("kind", "person"), f"{path}.kind")
        try:
            kind = TargetKind(kind_name)
        except ValueError:
            raise r.fail(
                f"{path}.kind", f"expected person, car, pickup or suv, found {kind_name!r}"
            ) from None
        seed = r.int_(obj.get("look_seed", zlib.crc32(ident.encode())), f"{path}.look_seed")
        look = random_look(np.random.default_rng(seed), kind)
        overrides = {
            k: _colour(r, v, f"{path}.look.{k}")
            for k, v in r.obj(obj.get("look", {}), f"{path}.look").items()
        }
        look = self._replace(look, overrides, f"{path}.look")
        default_speed = r.num(obj.get("speed_m_s", DEFAULT_SPEEDS_M_S[kind.value]), f"{path}.speed_m_s")
        points, speeds, holds = [], [], []
        for k, p in enumerate(r.arr(r.key(obj, "path", path), f"{path}.path", min_length=1)):
            pp = r.obj(p, f"{path}.path[{k}]")
            points.append(self._place(pp, f"{path}.path[{k}]"))
            holds.append(r.num(pp.get("hold_s", 0.0), f"{path}.path[{k}].hold_s"))
            if k:
                speeds.append(r.num(pp.get("speed_m_s", default_speed), f"{path}.path[{k}].speed_m_s"))
        rest = r.num(obj.get("heading_deg", 0.0), f"{path}.heading_deg")
        trajectory = Trajectory.from_legs(
            start_s=0.0, points_m=points, speeds_m_s=speeds, holds_s=holds, rest_heading_deg=rest
        )
        if "cross_s" in obj:
            t_cross = r.num(obj["cross_s"], f"{path}.cross_s")
            first = self._first_crossing_s(trajectory)
            if first is None:
                raise r.fail(f"{path}.cross_s", "this target's path never crosses the border line")
            start = t_cross - first
        else:
            start = r.num(obj.get("start_s", 0.0), f"{path}.start_s")
        trajectory = dataclasses.replace(trajectory, t_s=tuple(t + start for t in trajectory.t_s))
        return Target(id=ident, kind=kind, look=look, path=trajectory)

    # --- helpers -------------------------------------------------------------------------------
    def _first_crossing_s(self, path: Trajectory) -> float | None:
        line = self.line
        if line is None:
            return None
        for k in range(len(path.t_s) - 1):
            (x0, y0), (x1, y1) = path.xy_m[k], path.xy_m[k + 1]
            if (x0, y0) == (x1, y1):
                continue
            leg = LineString([(x0, y0), (x1, y1)])
            hit = leg.intersection(line)
            if hit.is_empty:
                continue
            share = leg.project(hit.representative_point()) / leg.length
            return path.t_s[k] + share * (path.t_s[k + 1] - path.t_s[k])
        return None

    def _need_border(self, path: str) -> LineString:
        if self.line is None:
            raise self.r.fail(path, "border coordinates (border_m) need a 'border' section before them")
        return self.line

    def _segment_at(self, s: float) -> tuple[float, float, float, float]:
        """(x, y, ux, uy): start and unit direction of the border segment at arc length ``s``."""
        assert self.line is not None
        c = np.asarray(self.line.coords)
        lengths = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(c, axis=0).T))])
        k = int(np.clip(np.searchsorted(lengths, s, side="right") - 1, 0, len(c) - 2))
        d = c[k + 1] - c[k]
        d = d / np.hypot(*d)
        return float(c[k][0]), float(c[k][1]), float(d[0]), float(d[1])

    def _place(self, p: dict[str, Any], path: str) -> tuple[float, float]:
        r = self.r
        assert self.frame is not None
        if "border_m" in p:
            line = self._need_border(path)
            s = r.num(p["border_m"], f"{path}.border_m")
            d = r.num(p.get("offset_m", 0.0), f"{path}.offset_m") * self.home_sign
            base = line.interpolate(s)
            _, _, ux, uy = self._segment_at(s)
            return float(base.x - uy * d), float(base.y + ux * d)  # left normal is (-uy, ux)
        try:
            point = GeoPoint(
                lat_deg=r.num(r.key(p, "lat_deg", path), f"{path}.lat_deg"),
                lon_deg=r.num(r.key(p, "lon_deg", path), f"{path}.lon_deg"),
            )
        except ValueError as exc:
            raise r.fail(path, str(exc)) from None
        return self.frame.to_xy(point)

    def _coords(self, value: Any, path: str) -> list[tuple[float, float]]:
        r = self.r
        assert self.frame is not None
        out = []
        for k, pair in enumerate(r.arr(value, path)):
            lon, lat = (r.num(v, f"{path}[{k}]") for v in r.arr(pair, f"{path}[{k}]", min_length=2)[:2])
            try:
                out.append(self.frame.to_xy(GeoPoint(lat_deg=lat, lon_deg=lon)))
            except ValueError as exc:
                raise r.fail(f"{path}[{k}]", f"{exc} (coordinates are [longitude, latitude])") from None
        return out

    def _fields(self, cls: type, obj: Any, path: str) -> Any:
        return self._replace(cls(), {k: v for k, v in self.r.obj(obj, path).items()}, path)

    def _replace(self, value: Any, overrides: dict[str, Any], path: str) -> Any:
        known = {f.name for f in dataclasses.fields(value)}
        for key in overrides:
            if key not in known:
                raise self.r.fail(f"{path}.{key}", f"unknown field; known: {', '.join(sorted(known))}")
        try:
            return dataclasses.replace(value, **overrides)
        except (TypeError, ValueError) as exc:
            raise self.r.fail(path, str(exc)) from None


def _colour(r: JsonReader, value: Any, path: str) -> Any:
    """``"#rrggbb"`` → a BGR triple; anything else passes through (a list becomes a tuple)."""
    if isinstance(value, str) and value.startswith("#"):
        if len(value) != 7:
            raise r.fail(path, f"colours are '#rrggbb', found {value!r}")
        try:
            red, green, blue = (int(value[i : i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            raise r.fail(path, f"colours are '#rrggbb', found {value!r}") from None
        return (blue, green, red)
    return tuple(value) if isinstance(value, list) else value
