"""Map-frame rules: a track's geotagged path crossing the border line, or entering its buffer zone.

Works on a track's smoothed path (the pipeline feeds a running average of its ground points, so GPS
noise near the line does not read as a crossing back and forth). A side change counts once the path
is ``hysteresis_m`` beyond the line; the crossing point and time are where the segment from the last
point on the old side meets the line. Sides are named by compass direction of the line's normal there
(for an east-west border: ``"north"``/``"south"``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import LineString, Point

from detection.errors import InvalidDetectionValueError
from missions.geo import LocalFrame
from missions.values import BorderLine, GeoPoint

_COMPASS = ("north", "east", "south", "west")


def compass_name(bearing_deg: float) -> str:
    """The nearest of north/east/south/west to a bearing (degrees clockwise from north).

    >>> compass_name(100.0), compass_name(-30.0)
    ('east', 'north')
    """
    return _COMPASS[round((bearing_deg % 360.0) / 90.0) % 4]


@dataclass(frozen=True, kw_only=True)
class RuleHit:
    """What a rule saw: ``kind`` ``"crossing"`` or ``"buffer_entry"``, where and when."""

    kind: str
    event_id: str
    t_unix_s: float
    lat_deg: float
    lon_deg: float
    from_side: str = ""
    to_side: str = ""
    side: str = ""
    distance_m: float = math.nan


@dataclass
class _TrackState:
    side: int = 0  # +1 left of the line's direction, -1 right, 0 not yet known
    last_side_point: tuple[float, float, float] | None = None  # (x, y, t) last point firmly on `side`
    in_buffer: bool = False


@dataclass
class BorderRules:
    """Crossing and buffer-zone rules for one border line, per track id."""

    border: BorderLine
    buffer_m: float = 50.0
    hysteresis_m: float = 1.0
    _frame: LocalFrame = field(init=False, repr=False)
    _line: LineString = field(init=False, repr=False)
    _tracks: dict[Hashable, _TrackState] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.buffer_m) and self.buffer_m >= 0):
            raise InvalidDetectionValueError(f"buffer_m must be ≥ 0, got {self.buffer_m!r}")
        self._frame = LocalFrame.around(self.border.points)
        self._line = LineString(self._frame.xy_array(list(self.border.points)))

    def signed_distance_m(self, x_m: float, y_m: float) -> tuple[float, np.ndarray]:
        """Distance to the line (m; positive on its left, walking along it) and the unit normal (east,
        north) pointing to the left side at the nearest point."""
        p = Point(x_m, y_m)
        along = self._line.project(p)
        coords = np.asarray(self._line.coords)
        seg_len = np.hypot(*np.diff(coords, axis=0).T)
        cum = np.concatenate([[0.0], np.cumsum(seg_len)])
        i = int(np.clip(np.searchsorted(cum, along, side="right") - 1, 0, len(seg_len) - 1))
        d = (coords[i + 1] - coords[i]) / max(seg_len[i], 1e-9)
        normal = np.array([-d[1], d[0]])  # left of the direction of travel
        dist = self._line.distance(p)
        nearest = self._line.interpolate(along)
        sign = 1.0 if np.dot([x_m - nearest.x, y_m - nearest.y], normal) >= 0 else -1.0
        return sign * dist, normal

    def _side_name(self, sign: int, normal: np.ndarray) -> str:
        vec = normal * sign
        return compass_name(math.degrees(math.atan2(vec[0], vec[1])))

    def update(self, track_id: Hashable, t_unix_s: float, lat_deg: float, lon_deg: float) -> list[RuleHit]:
        """Feed a track's next (smoothed) position; returns the rules it triggered, in time order."""
        state = self._tracks.setdefault(track_id, _TrackState())
        x, y = self._frame.to_xy(GeoPoint(lat_deg=lat_deg, lon_deg=lon_deg))
        dist, normal = self.signed_distance_m(x, y)
        hits: list[RuleHit] = []
        if abs(dist) <= self.buffer_m and not state.in_buffer:
            state.in_buffer = True
            hits.append(
                RuleHit(
                    kind="buffer_entry",
                    event_id=uuid.uuid4().hex,
                    t_unix_s=t_unix_s,
                    lat_deg=lat_deg,
                    lon_deg=lon_deg,
                    side=self._side_name(1 if dist >= 0 else -1, normal),
                    distance_m=abs(dist),
                )
            )
        elif abs(dist) > self.buffer_m + self.hysteresis_m:
            state.in_buffer = False
        if abs(dist) < self.hysteresis_m:
            return hits
        side = 1 if dist > 0 else -1
        if state.side == 0 or state.last_side_point is None:
            state.side, state.last_side_point = side, (x, y, t_unix_s)
            return hits
        if side == state.side:
            state.last_side_point = (x, y, t_unix_s)
            return hits
        x0, y0, t0 = state.last_side_point
        seg = LineString([(x0, y0), (x, y)])
        cross = seg.intersection(self._line)
        if cross.is_empty:
            cx, cy = (x0 + x) / 2, (y0 + y) / 2
        else:
            c = cross if cross.geom_type == "Point" else cross.centroid
            cx, cy = c.x, c.y
        frac = math.hypot(cx - x0, cy - y0) / max(math.hypot(x - x0, y - y0), 1e-9)
        where = self._frame.to_geo(cx, cy)
        hits.append(
            RuleHit(
                kind="crossing",
                event_id=uuid.uuid4().hex,
                t_unix_s=t0 + frac * (t_unix_s - t0),
                lat_deg=where.lat_deg,
                lon_deg=where.lon_deg,
                from_side=self._side_name(state.side, normal),
                to_side=self._side_name(side, normal),
            )
        )
        state.side, state.last_side_point = side, (x, y, t_unix_s)
        return hits

    def forget(self, track_id: Hashable) -> None:
        self._tracks.pop(track_id, None)
