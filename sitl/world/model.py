"""The simulated world: ground, terrain style, lighting, the border line and fence, roads, and targets.

Static geometry lives in the world's metric frame: ``frame`` is a ``missions.geo.LocalFrame``
(transverse Mercator centred on the world origin, x metres east, y metres north; pyproj does the
projection). Targets report true WGS84 positions through the same frame. World time is sim seconds
since the world epoch (see ``sitl.world.clock``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from shapely.geometry import LineString, Point

from missions.geo import LocalFrame
from missions.values import HomePosition
from sitl.world.ground import Ground
from sitl.world.targets import Target, TargetState


@dataclass(frozen=True, kw_only=True)
class Lighting:
    """Sun and exposure: shadows fall away from ``sun_azimuth_deg`` (clockwise from north), with length
    height / tan(elevation); ``brightness`` scales the whole image (1 = nominal)."""

    sun_azimuth_deg: float = 140.0
    sun_elevation_deg: float = 45.0
    brightness: float = 1.0
    warmth: float = 0.0  # -1 cool (blue) .. +1 warm (orange) tint

    @property
    def shadow_vector_per_m(self) -> tuple[float, float]:
        """Ground offset (east, north) of the shadow of a point 1 m above the ground.

        >>> [round(v, 3) for v in Lighting(sun_azimuth_deg=90.0, sun_elevation_deg=45.0).shadow_vector_per_m]
        [-1.0, -0.0]
        """
        length = 1.0 / math.tan(math.radians(max(self.sun_elevation_deg, 5.0)))
        az = math.radians(self.sun_azimuth_deg)
        return (-length * math.sin(az), -length * math.cos(az))


@dataclass(frozen=True, kw_only=True)
class TerrainStyle:
    """What the procedural ground is made of; the same seed draws the same ground everywhere."""

    seed: int = 7
    soil_bgr: tuple[int, int, int] = (128, 160, 188)  # tan Sonoran soil
    soil_variation: float = 1.0  # 0 uniform .. 2 very patchy
    scrub_density: float = 0.25  # share of ground under shrubs, on average
    grass_density: float = 0.35  # dry grass tufts
    rock_density: float = 0.3


@dataclass(frozen=True, kw_only=True)
class Road:
    """A road centre line in the world frame (metres), its width and surface (``dirt`` or ``paved``)."""

    name: str
    surface: str
    width_m: float
    xy_m: tuple[tuple[float, float], ...]


@dataclass(frozen=True, kw_only=True)
class Fence:
    """A fence line (bollard fence seen from above): pieces of polyline, gaps already cut out."""

    pieces_xy_m: tuple[tuple[tuple[float, float], ...], ...]
    height_m: float = 5.5
    bollard_spacing_m: float = 0.27
    bollard_width_m: float = 0.15


@dataclass(frozen=True, kw_only=True)
class Crossing:
    """A target crossing the border line: when, where, and which way (``to_side`` is home or far)."""

    target_id: str
    t_sim_s: float
    x_m: float
    y_m: float
    lat_deg: float
    lon_deg: float
    to_side: str


@dataclass(frozen=True, kw_only=True)
class World:
    """Everything the camera can see, and the truth about where each target is."""

    name: str
    frame: LocalFrame
    home: HomePosition
    ground: Ground
    terrain: TerrainStyle = field(default_factory=TerrainStyle)
    lighting: Lighting = field(default_factory=Lighting)
    border_xy_m: tuple[tuple[float, float], ...] = ()
    fences: tuple[Fence, ...] = ()
    roads: tuple[Road, ...] = ()
    targets: tuple[Target, ...] = ()
    repeat_s: float | None = None  # the targets' script plays again every repeat_s of world time

    def script_time_s(self, t_sim_s: float) -> float:
        """Where in the targets' script world time ``t_sim_s`` falls (``t_sim_s`` itself unless the world
        repeats).

        >>> from missions.values import HomePosition
        >>> home = HomePosition(lat_deg=31.3, lon_deg=-110.9, alt_amsl_m=0.0)
        >>> w = World(name="", frame=LocalFrame(origin=home.point), home=home, ground=Ground(alt_amsl_m=0.0),
        ...           repeat_s=900.0)
        >>> w.script_time_s(1000.0), w.script_time_s(-5.0)
        (100.0, -5.0)
        """
        if self.repeat_s is None or t_sim_s < 0:
            return t_sim_s
        return math.fmod(t_sim_s, self.repeat_s)

    @cached_property
    def border_line(self) -> LineString | None:
        return LineString(self.border_xy_m) if len(self.border_xy_m) >= 2 else None

    @cached_property
    def home_side_sign(self) -> int:
        """+1 when home is left of the border's drawing direction, -1 when right (0 without a border)."""
        if self.border_line is None:
            return 0
        hx, hy = self.frame.to_xy(self.home.point)
        return self.side_of(hx, hy) or 1

    def side_of(self, x_m: float, y_m: float) -> int:
        """+1 left of the border line (as drawn), -1 right, 0 on it or without a border.

        Uses the nearest segment, so it is right for bent lines as long as the point is nearer to the
        line than to the far end of the segments around it.
        """
        line = self.border_line
        if line is None:
            return 0
        coords = np.asarray(line.coords)
        s = line.project(Point(x_m, y_m))
        lengths = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
        k = int(min(np.searchsorted(lengths, s, side="right") - 1, len(coords) - 2))
        (ax, ay), (bx, by) = coords[k], coords[k + 1]
        cross = (bx - ax) * (y_m - ay) - (by - ay) * (x_m - ax)
        return int(np.sign(cross))

    def targets_at(self, t_sim_s: float) -> tuple[TargetState, ...]:
        """Every target's true state at world time ``t_sim_s``."""
        if not self.targets:
            return ()
        t_sim_s = self.script_time_s(t_sim_s)
        xy = np.array([t.path.position_at(t_sim_s) for t in self.targets])
        lon_lat = self.frame.geo_array(xy)
        alts = self.ground.alt_at(xy[:, 0], xy[:, 1])
        return tuple(
            TargetState(
                id=t.id,
                kind=t.kind,
                target_class=t.target_class,
                look=t.look,
                x_m=float(p[0]),
                y_m=float(p[1]),
                lat_deg=g.lat_deg,
                lon_deg=g.lon_deg,
                alt_amsl_m=float(a),
                heading_deg=t.path.heading_deg_at(t_sim_s),
                speed_m_s=t.path.speed_m_s_at(t_sim_s),
                stride_m=t.path.distance_m_at(t_sim_s),
            )
            for t, p, g, a in zip(self.targets, xy, lon_lat, alts, strict=True)
        )

    def crossings(self) -> tuple[Crossing, ...]:
        """Every scripted crossing of the border line, in time order (in the first play of the script; with
        ``repeat_s`` each recurs every ``repeat_s`` seconds)."""
        line = self.border_line
        if line is None:
            return ()
        found: list[Crossing] = []
        for target in self.targets:
            t, xy = target.path.t_s, target.path.xy_m
            for k in range(len(t) - 1):
                if xy[k] == xy[k + 1]:
                    continue
                leg = LineString([xy[k], xy[k + 1]])
                hit = leg.intersection(line)
                points = [hit] if isinstance(hit, Point) else list(getattr(hit, "geoms", []))
                for p in points:
                    if not isinstance(p, Point):
                        continue
                    share = math.hypot(p.x - xy[k][0], p.y - xy[k][1]) / leg.length
                    ux, uy = (xy[k + 1][0] - xy[k][0]) / leg.length, (xy[k + 1][1] - xy[k][1]) / leg.length
                    side = self.side_of(p.x + 0.01 * ux, p.y + 0.01 * uy)  # 1 cm past the line
                    geo = self.frame.to_geo(p.x, p.y)
                    found.append(
                        Crossing(
                            target_id=target.id,
                            t_sim_s=t[k] + share * (t[k + 1] - t[k]),
                            x_m=p.x,
                            y_m=p.y,
                            lat_deg=geo.lat_deg,
                            lon_deg=geo.lon_deg,
                            to_side="home" if side == self.home_side_sign else "far",
                        )
                    )
        return tuple(sorted(found, key=lambda c: c.t_sim_s))
