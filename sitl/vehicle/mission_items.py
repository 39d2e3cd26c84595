"""Mission, fence and rally items as ArduCopter stores them, and how an upload item is converted.

ArduPilot does not keep MISSION_ITEM_INT verbatim: positions become 1e-7° integers and centimetre
altitudes, relative-alt INT frames read back as their float forms (6 → 3, 5 → 0, 11 → 10), a
Copter NAV_WAYPOINT keeps only its hold time (param1), fence vertices lose their altitude, rally
altitudes are whole metres, and fence and rally items read back with autocontinue 0. This module is
that conversion, both ways.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sitl.vehicle.codec import mavlink

MISSION = mavlink.MAV_MISSION_TYPE_MISSION
FENCE = mavlink.MAV_MISSION_TYPE_FENCE
RALLY = mavlink.MAV_MISSION_TYPE_RALLY

ACCEPTED = mavlink.MAV_MISSION_ACCEPTED
ERROR = mavlink.MAV_MISSION_ERROR
UNSUPPORTED_FRAME = mavlink.MAV_MISSION_UNSUPPORTED_FRAME
UNSUPPORTED = mavlink.MAV_MISSION_UNSUPPORTED
INVALID_PARAM1 = mavlink.MAV_MISSION_INVALID_PARAM1

FENCE_POLY_INCL = mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION  # 5001
FENCE_POLY_EXCL = mavlink.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION  # 5002
FENCE_CIRCLE_INCL = mavlink.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION  # 5003
FENCE_CIRCLE_EXCL = mavlink.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION  # 5004
FENCE_RETURN = mavlink.MAV_CMD_NAV_FENCE_RETURN_POINT  # 5000
RALLY_POINT = mavlink.MAV_CMD_NAV_RALLY_POINT  # 5100

_ABS_FRAMES = {0, 5}
_REL_FRAMES = {3, 6}
_TERRAIN_FRAMES = {10, 11}
GLOBAL_FRAMES = _ABS_FRAMES | _REL_FRAMES | _TERRAIN_FRAMES
_INT_FRAMES = {5, 6, 11}

# Commands whose x/y/z are a location in ArduPilot's storage.
LOCATION_COMMANDS = frozenset({16, 17, 18, 19, 21, 22, 31, 82, 179, 195, 201})
# Navigation commands (ArduPilot: id <= MAV_CMD_NAV_LAST = 95).
NAV_LAST = 95

# Names ArduPilot prints in "Mission: <seq> <name>".
COMMAND_NAMES = {
    16: "WP",
    17: "LoitUnlim",
    18: "LoitTurns",
    19: "LoitTime",
    20: "RTL",
    21: "Land",
    22: "Takeoff",
    82: "SplineWP",
    115: "CondYaw",
    177: "Jump",
    178: "ChangeSpeed",
    179: "SetHome",
    195: "ROI",
    197: "ROI",
    201: "ROI",
    205: "MountControl",
    206: "SetCamTriggDist",
    1000: "GimbalPitchYaw",
}


@dataclass(frozen=True, kw_only=True)
class StoredItem:
    """One stored item, in the form it is read back: ``frame`` is the read-back frame (0, 3, 10, or
    0 for items without a location), ``lat_e7``/``lon_e7`` in 1e-7 degrees, ``z_m`` in metres."""

    command: int
    frame: int = 0
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    lat_e7: int = 0
    lon_e7: int = 0
    z_m: float = 0.0
    autocontinue: bool = True

    @property
    def lat_deg(self) -> float:
        return self.lat_e7 * 1e-7

    @property
    def lon_deg(self) -> float:
        return self.lon_e7 * 1e-7

    @property
    def has_position(self) -> bool:
        return not (self.lat_e7 == 0 and self.lon_e7 == 0)

    @property
    def is_nav(self) -> bool:
        return self.command <= NAV_LAST

    @property
    def relative_alt(self) -> bool:
        return self.frame in (3, 10)


@dataclass(frozen=True, kw_only=True)
class IncomingItem:
    """A MISSION_ITEM or MISSION_ITEM_INT as received (positions already in 1e-7° integers)."""

    seq: int
    command: int
    frame: int
    param1: float
    param2: float
    param3: float
    param4: float
    lat_e7: int
    lon_e7: int
    z_m: float
    autocontinue: bool

    @classmethod
    def from_message(cls, msg: object, *, is_int: bool) -> IncomingItem:
        x, y = msg.x, msg.y  # type: ignore[attr-defined]
        if not is_int:
            # MISSION_ITEM carries degrees as float32: ArduPilot rounds them to 1e-7° integers.
            x, y = _e7(x), _e7(y)
        return cls(
            seq=msg.seq,  # type: ignore[attr-defined]
            command=msg.command,  # type: ignore[attr-defined]
            frame=msg.frame,  # type: ignore[attr-defined]
            param1=msg.param1,  # type: ignore[attr-defined]
            param2=msg.param2,  # type: ignore[attr-defined]
            param3=msg.param3,  # type: ignore[attr-defined]
            param4=msg.param4,  # type: ignore[attr-defined]
            lat_e7=int(x),
            lon_e7=int(y),
            z_m=float(msg.z),  # type: ignore[attr-defined]
            autocontinue=bool(msg.autocontinue),  # type: ignore[attr-defined]
        )


def _e7(value: float) -> int:
    if not math.isfinite(value):
        return 0
    return round(value * 1e7)


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


def _u16(value: float) -> float:
    return float(max(0, min(65535, int(_finite(value)))))


def _readback_frame(frame: int) -> int:
    if frame in _REL_FRAMES:
        return 3
    if frame in _TERRAIN_FRAMES:
        return 10
    return 0


def convert_mission_item(item: IncomingItem) -> StoredItem | int:
    """The stored form of a mission item, or a MAV_MISSION_RESULT error code."""
    cmd = item.command
    located = cmd in LOCATION_COMMANDS
    if located and item.frame not in GLOBAL_FRAMES:
        return UNSUPPORTED_FRAME
    p1, p2, p3, p4 = (_finite(p) for p in (item.param1, item.param2, item.param3, item.param4))
    if cmd in (16, 82, 19):  # WAYPOINT / SPLINE / LOITER_TIME: Copter keeps the hold time only
        params = (_u16(p1), 0.0, 0.0, 0.0)
    elif cmd == 17:  # LOITER_UNLIM: radius (param3)
        params = (0.0, 0.0, float(min(255, abs(int(p3)))) * (1 if p3 >= 0 else -1), 0.0)
    elif cmd == 18:  # LOITER_TURNS: turns (low byte), radius (high byte)
        params = (float(max(1, min(255, int(p1)))), 0.0, float(min(255, abs(int(p3)))), 0.0)
    elif cmd in (21, 22):  # LAND (abort alt) / TAKEOFF (pitch): param1 only
        params = (_u16(p1), 0.0, 0.0, 0.0)
    elif cmd == 20:
        params = (0.0, 0.0, 0.0, 0.0)
    elif cmd == 177:  # DO_JUMP: target seq, repeat count (int16)
        if p1 < 1:
            return INVALID_PARAM1
        params = (float(int(p1)), float(max(-1, min(32767, int(p2)))), 0.0, 0.0)
    elif cmd == 178:  # DO_CHANGE_SPEED: type, speed, throttle
        params = (float(int(p1)), p2, p3, 0.0)
    elif cmd in (195, 197, 201):
        params = (float(int(p1)) if cmd == 201 else 0.0, 0.0, 0.0, 0.0)
    else:
        params = (p1, p2, p3, p4)
    if located:
        lat, lon = item.lat_e7, item.lon_e7
        z = round(_finite(item.z_m) * 100) / 100.0  # Location keeps centimetres
        frame = _readback_frame(item.frame)
    else:
        lat = lon = 0
        z = 0.0
        frame = 0
    return StoredItem(
        command=cmd,
        frame=frame,
        param1=params[0],
        param2=params[1],
        param3=params[2],
        param4=params[3],
        lat_e7=lat,
        lon_e7=lon,
        z_m=z,
        autocontinue=item.autocontinue,
    )


def convert_fence_item(item: IncomingItem) -> StoredItem | int:
    """ArduPilot's polygon-fence storage: type, vertex count or radius, and a 2-D position."""
    if item.frame not in GLOBAL_FRAMES:
        return UNSUPPORTED_FRAME
    if item.command in (FENCE_POLY_INCL, FENCE_POLY_EXCL):
        param1 = float(int(_finite(item.param1)))
    elif item.command in (FENCE_CIRCLE_INCL, FENCE_CIRCLE_EXCL):
        param1 = _finite(item.param1)
    elif item.command == FENCE_RETURN:
        param1 = 0.0
    else:
        return UNSUPPORTED
    # AC_PolyFence keeps no altitude and no autocontinue: both read back as 0
    return StoredItem(
        command=item.command,
        frame=0,
        param1=param1,
        lat_e7=item.lat_e7,
        lon_e7=item.lon_e7,
        autocontinue=False,
    )


def convert_rally_item(item: IncomingItem) -> StoredItem | int:
    """ArduPilot's rally storage: position and a whole-metre altitude, relative to home by default."""
    if item.command != RALLY_POINT:
        return UNSUPPORTED
    if item.frame not in GLOBAL_FRAMES:
        return UNSUPPORTED_FRAME
    frame = 0 if item.frame in _ABS_FRAMES else 3
    return StoredItem(
        command=RALLY_POINT,
        frame=frame,
        lat_e7=item.lat_e7,
        lon_e7=item.lon_e7,
        z_m=float(max(-32768, min(32767, int(_finite(item.z_m))))),
        autocontinue=False,  # AP_Rally keeps none: read back as 0
    )


def check_fence(items: list[StoredItem]) -> bool:
    """True when every polygon's vertices are consecutive and as many as each vertex says."""
    i = 0
    while i < len(items):
        item = items[i]
        if item.command in (FENCE_POLY_INCL, FENCE_POLY_EXCL):
            count = int(item.param1)
            if count < 3 or i + count > len(items):
                return False
            if any(
                items[j].command != item.command or int(items[j].param1) != count for j in range(i, i + count)
            ):
                return False
            i += count
        elif item.command in (FENCE_CIRCLE_INCL, FENCE_CIRCLE_EXCL):
            if item.param1 <= 0:
                return False
            i += 1
        else:
            i += 1
    return True
