"""Plans as MAVLink mission items for the three mission types, and the item-by-item comparison of a read-back.

Mission items go as MISSION_ITEM_INT (lat/lon in 1e-7 degrees); seq 0 is home, which ArduPilot replaces
with its own. Fences are ArduPilot's vertex/circle items (5001–5004); rally points are 5100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

from missions.mavitem import (
    MAV_FRAME_GLOBAL,
    MAV_FRAME_GLOBAL_INT,
    MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
    RawItem,
    raw_to_waypoint,
    waypoint_to_raw,
)
from missions.values import (
    AltFrame,
    FenceCircle,
    FencePolygon,
    Geofence,
    GeoPoint,
    HomePosition,
    MavCmd,
    Mission,
    RallyPoint,
)

FENCE_POLYGON_INCLUSION = 5001
FENCE_POLYGON_EXCLUSION = 5002
FENCE_CIRCLE_INCLUSION = 5003
FENCE_CIRCLE_EXCLUSION = 5004
RALLY_POINT = 5100
_FRAME_FROM_INT = {5: 0, 6: 3, 11: 10}
_LOCATION = {16, 17, 18, 19, 21, 22, 82, 195, 201, FENCE_POLYGON_INCLUSION, FENCE_POLYGON_EXCLUSION,
             FENCE_CIRCLE_INCLUSION, FENCE_CIRCLE_EXCLUSION, RALLY_POINT}  # fmt: skip


class MissionType(IntEnum):
    MISSION = 0
    FENCE = 1
    RALLY = 2

    @property
    def label(self) -> str:
        return self.name.lower()


def home_item(home: HomePosition) -> RawItem:
    return RawItem(
        command=MavCmd.NAV_WAYPOINT, frame=MAV_FRAME_GLOBAL, x=home.lat_deg, y=home.lon_deg, z=home.alt_amsl_m
    )


def mission_to_items(mission: Mission) -> list[RawItem]:
    """Seq 0 home, then every item with INT frames."""
    return [home_item(mission.home)] + [waypoint_to_raw(w, int_frames=True) for w in mission.items]


def fence_to_items(fence: Geofence) -> list[RawItem]:
    items: list[RawItem] = []
    for poly in fence.polygons:
        command = FENCE_POLYGON_INCLUSION if poly.inclusion else FENCE_POLYGON_EXCLUSION
        items += [
            RawItem(
                command=command,
                frame=MAV_FRAME_GLOBAL_INT,
                param1=float(len(poly.vertices)),
                x=v.lat_deg,
                y=v.lon_deg,
            )
            for v in poly.vertices
        ]
    for circle in fence.circles:
        command = FENCE_CIRCLE_INCLUSION if circle.inclusion else FENCE_CIRCLE_EXCLUSION
        items.append(
            RawItem(
                command=command,
                frame=MAV_FRAME_GLOBAL_INT,
                param1=circle.radius_m,
                x=circle.center.lat_deg,
                y=circle.center.lon_deg,
            )
        )
    return items


def rally_to_items(points: tuple[RallyPoint, ...]) -> list[RawItem]:
    return [
        RawItem(
            command=RALLY_POINT, frame=MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, x=p.lat_deg, y=p.lon_deg, z=p.alt_m
        )
        for p in points
    ]


def items_to_mission(
    items: list[RawItem], *, cruise_speed_m_s: float = 10.0, hover_speed_m_s: float = 5.0
) -> Mission:
    """A mission from downloaded items (seq 0 is the vehicle's home)."""
    if not items:
        raise ValueError("a downloaded mission has at least the home item")
    home = HomePosition(lat_deg=items[0].x or 0.0, lon_deg=items[0].y or 0.0, alt_amsl_m=items[0].z or 0.0)
    return Mission(
        home=home,
        items=tuple(raw_to_waypoint(i) for i in items[1:]),
        cruise_speed_m_s=cruise_speed_m_s,
        hover_speed_m_s=hover_speed_m_s,
    )


def items_to_fence(items: list[RawItem]) -> Geofence:
    polygons, circles = [], []
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in (FENCE_POLYGON_INCLUSION, FENCE_POLYGON_EXCLUSION):
            count = max(1, int(item.param1 or 0))
            verts = items[i : i + count]
            polygons.append(
                FencePolygon(
                    vertices=tuple(GeoPoint(lat_deg=v.x or 0.0, lon_deg=v.y or 0.0) for v in verts),
                    inclusion=item.command == FENCE_POLYGON_INCLUSION,
                )
            )
            i += count
            continue
        if item.command in (FENCE_CIRCLE_INCLUSION, FENCE_CIRCLE_EXCLUSION):
            circles.append(
                FenceCircle(
                    center=GeoPoint(lat_deg=item.x or 0.0, lon_deg=item.y or 0.0),
                    radius_m=item.param1 or 0.0,
                    inclusion=item.command == FENCE_CIRCLE_INCLUSION,
                )
            )
        i += 1
    return Geofence(polygons=tuple(polygons), circles=tuple(circles))


def items_to_rally(items: list[RawItem]) -> tuple[RallyPoint, ...]:
    return tuple(
        RallyPoint(lat_deg=i.x or 0.0, lon_deg=i.y or 0.0, alt_m=i.z or 0.0, alt_frame=AltFrame.REL_HOME)
        for i in items
        if i.command == RALLY_POINT
    )


@dataclass(frozen=True, kw_only=True)
class Difference:
    seq: int
    field: str
    sent: object
    read_back: object

    def __str__(self) -> str:
        return f"item {self.seq}: {self.field} sent {self.sent!r}, read back {self.read_back!r}"


def _close(a: float | None, b: float | None, tol: float) -> bool:
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else b
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tol * max(1.0, abs(a))


def compare_items(sent: list[RawItem], got: list[RawItem], mission_type: MissionType) -> list[Difference]:
    """Differences between what was sent and what the vehicle holds, allowing for ArduPilot's rewrites:
    home at seq 0 (mission), INT frames read back as their float twins, float32 params, 1e-7° positions."""
    diffs: list[Difference] = []
    if len(sent) != len(got):
        diffs.append(Difference(seq=-1, field="count", sent=len(sent), read_back=len(got)))
    start = 1 if mission_type == MissionType.MISSION else 0
    for seq in range(start, min(len(sent), len(got))):
        a, b = sent[seq], got[seq]
        if a.command != b.command:
            diffs.append(Difference(seq=seq, field="command", sent=a.command, read_back=b.command))
            continue
        located = a.command in _LOCATION
        if located and mission_type != MissionType.FENCE:
            fa, fb = _FRAME_FROM_INT.get(a.frame, a.frame), _FRAME_FROM_INT.get(b.frame, b.frame)
            if fa != fb:
                diffs.append(Difference(seq=seq, field="frame", sent=a.frame, read_back=b.frame))
        for name in ("param1", "param2", "param3", "param4"):
            if not _close(getattr(a, name), getattr(b, name), 1e-6):
                diffs.append(
                    Difference(seq=seq, field=name, sent=getattr(a, name), read_back=getattr(b, name))
                )
        if located:
            for name in ("x", "y"):
                if round((getattr(a, name) or 0.0) * 1e7) != round((getattr(b, name) or 0.0) * 1e7):
                    diffs.append(
                        Difference(seq=seq, field=name, sent=getattr(a, name), read_back=getattr(b, name))
                    )
            if mission_type != MissionType.FENCE and not _close(a.z, b.z, 1e-4):
                diffs.append(Difference(seq=seq, field="z", sent=a.z, read_back=b.z))
        if a.autocontinue != b.autocontinue:
            diffs.append(
                Difference(seq=seq, field="autocontinue", sent=a.autocontinue, read_back=b.autocontinue)
            )
    return diffs
