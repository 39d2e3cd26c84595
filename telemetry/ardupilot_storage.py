"""What ArduCopter keeps of a mission item: the read-back an upload must match to count as verified.

ArduPilot stores each item in 15 bytes (AP_Mission::mavlink_int_to_mission_cmd) and rebuilds the
MAVLink item on download (mission_cmd_to_mavlink_int), so some parameters come back changed: a copter
waypoint keeps only its hold time (whole seconds), not its acceptance radius or yaw; a loiter keeps
the sign of its radius; altitudes are kept in centimetres. Fence and rally items are not mission items at
all (AC_PolyFence, AP_Rally): they read back with autocontinue 0, fence vertices without an altitude,
rally altitudes in whole metres. ``stored_form`` applies those rules, so a
read-back can be compared exactly, and ``dropped`` names what the firmware discards so the report can
say so instead of hiding it.
"""

from __future__ import annotations

import dataclasses
import math
import struct

from missions.mavitem import RawItem

# Commands ArduPilot stores with a location (x, y, z are lat, lon, alt); others come back with x=y=z=0.
LOCATION_COMMANDS = frozenset(
    {16, 17, 18, 19, 21, 22, 30, 31, 82, 92, 94, 195, 201, 5001, 5002, 5003, 5004, 5100}
)
FENCE_COMMANDS = frozenset({5000, 5001, 5002, 5003, 5004})
_MEANING = {
    (16, 2): "acceptance radius (ArduCopter uses WPNAV_RADIUS)",
    (16, 3): "pass-by distance",
    (16, 4): "yaw (ArduCopter yaws towards the next waypoint, WP_YAW_BEHAVIOR)",
    (19, 3): "loiter radius (only its sign, the direction, is kept)",
}


def _u16(value: float | None) -> float:
    """A float stored into a uint16_t (C truncation, clamped)."""
    if value is None or math.isnan(value) or value <= 0:
        return 0.0
    return float(min(int(value), 65535))


def _f32(value: float | None) -> float:
    """A float stored as float32; NaN becomes 0 (ArduPilot does not keep NaN)."""
    if value is None or math.isnan(value):
        return 0.0
    return struct.unpack("f", struct.pack("f", value))[0]


def _params(item: RawItem) -> tuple[float, float, float, float]:
    p1, p2, p3, p4 = item.param1, item.param2, item.param3, item.param4
    cmd = item.command
    if cmd in (16, 82, 22, 21, 201):  # waypoint/spline hold, takeoff pitch, land abort alt, ROI mode: p1 only
        out = (_u16(p1), 0.0, 0.0, 0.0)
        if cmd == 21:  # LAND: param4's sign becomes the yaw direction, read back as ±1
            out = (_u16(p1), 0.0, 0.0, -1.0 if (p4 is not None and not math.isnan(p4) and p4 < 0) else 1.0)
        return out
    if cmd == 17:  # LOITER_UNLIM: |radius| with its sign
        radius = _u16(abs(p3 or 0.0))
        return (0.0, 0.0, -radius if (p3 or 0.0) < 0 else radius, 0.0)
    if cmd == 19:  # LOITER_TIME: time, direction only, xtrack flag
        return (_u16(p1), 0.0, -1.0 if (p3 or 0.0) < 0 else 1.0, 1.0 if (p4 or 0.0) > 0 else 0.0)
    if cmd == 18:  # LOITER_TURNS: turns in a byte, radius in a byte (×10 above 255 m)
        turns = float(min(int(p1 or 0.0), 255))
        radius = abs(p3 or 0.0)
        radius = float(min(int(radius / 10), 255) * 10) if radius > 255 else float(int(radius))
        return (turns, 0.0, -radius if (p3 or 0.0) < 0 else radius, 1.0 if (p4 or 0.0) > 0 else 0.0)
    if cmd == 20:
        return (0.0, 0.0, 0.0, 0.0)
    if cmd == 178:  # DO_CHANGE_SPEED: type (byte), speed, throttle
        return (float(int(p1 or 0.0)), _f32(p2), _f32(p3), 0.0)
    if cmd == 206:  # DO_SET_CAM_TRIGG_DIST: metres, trigger-once flag
        return (_f32(p1), 0.0, float(int(p3 or 0.0)), 0.0)
    if cmd == 205:  # DO_MOUNT_CONTROL: pitch, roll, yaw
        return (_f32(p1), _f32(p2), _f32(p3), 0.0)
    return (_f32(p1), _f32(p2), _f32(p3), _f32(p4))


def stored_form(item: RawItem) -> RawItem:
    """The item as ArduCopter will send it back (frame aside: the comparison normalises frames)."""
    p1, p2, p3, p4 = _params(item)
    if item.command == 5100:  # rally points: altitude in whole metres (AP_Rally's int16)
        x, y, z = item.x or 0.0, item.y or 0.0, float(int(item.z or 0.0))
    elif item.command in FENCE_COMMANDS:  # AC_PolyFenceItem: a 2-D position, no altitude
        x, y, z = item.x or 0.0, item.y or 0.0, 0.0
    elif item.command in LOCATION_COMMANDS:
        x, y = item.x or 0.0, item.y or 0.0
        z = round((item.z or 0.0) * 100.0) / 100.0  # centimetres
    else:
        x = y = z = 0.0
    # only AP_Mission sets autocontinue on download; fence and rally items come back with 0
    autocontinue = item.command not in FENCE_COMMANDS and item.command != 5100
    return dataclasses.replace(
        item, param1=p1, param2=p2, param3=p3, param4=p4, x=x, y=y, z=z, autocontinue=autocontinue
    )


def dropped(item: RawItem) -> list[str]:
    """Human-readable notes on what ArduCopter will not keep of ``item``."""
    kept = stored_form(item)
    notes = []
    for k, (sent, back) in enumerate(zip(item.params, kept.params, strict=True), start=1):
        sent_v = 0.0 if sent is None or (isinstance(sent, float) and math.isnan(sent)) else sent
        if sent_v != back and not (sent is None and k == 4 and back == 0.0):
            meaning = _MEANING.get((item.command, k), f"param{k}")
            notes.append(f"{meaning}: {sent!r} is kept as {back!r}")
    return notes
