"""A mission item as MAVLink numbers (command, frame, param1..7) and its ``Waypoint`` meaning.

Every plan format and the link speak this shape; this module is the one place that says which
parameter of which command is which field.

>>> raw = RawItem(command=16, frame=3, param1=5.0, param2=2.0, param3=0.0, param4=None,
...               x=31.33, y=-110.95, z=60.0)
>>> wp = raw_to_waypoint(raw)
>>> (wp.hold_s, wp.acceptance_radius_m, wp.alt_frame.value)
(5.0, 2.0, 'rel_home')
>>> waypoint_to_raw(wp) == raw
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from missions.errors import InvalidValueError
from missions.values import LOCATION_COMMANDS, AltFrame, MavCmd, RawParams, Waypoint

MAV_FRAME_GLOBAL = 0
MAV_FRAME_MISSION = 2
MAV_FRAME_GLOBAL_RELATIVE_ALT = 3
MAV_FRAME_GLOBAL_INT = 5
MAV_FRAME_GLOBAL_RELATIVE_ALT_INT = 6
MAV_FRAME_GLOBAL_TERRAIN_ALT = 10
MAV_FRAME_GLOBAL_TERRAIN_ALT_INT = 11

FRAME_TO_ALT = {
    MAV_FRAME_GLOBAL: AltFrame.AMSL,
    MAV_FRAME_GLOBAL_INT: AltFrame.AMSL,
    MAV_FRAME_GLOBAL_RELATIVE_ALT: AltFrame.REL_HOME,
    MAV_FRAME_GLOBAL_RELATIVE_ALT_INT: AltFrame.REL_HOME,
    MAV_FRAME_GLOBAL_TERRAIN_ALT: AltFrame.AGL,
    MAV_FRAME_GLOBAL_TERRAIN_ALT_INT: AltFrame.AGL,
}
ALT_TO_FRAME = {
    AltFrame.AMSL: MAV_FRAME_GLOBAL,
    AltFrame.REL_HOME: MAV_FRAME_GLOBAL_RELATIVE_ALT,
    AltFrame.AGL: MAV_FRAME_GLOBAL_TERRAIN_ALT,
}
ALT_TO_INT_FRAME = {
    AltFrame.AMSL: MAV_FRAME_GLOBAL_INT,
    AltFrame.REL_HOME: MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
    AltFrame.AGL: MAV_FRAME_GLOBAL_TERRAIN_ALT_INT,
}
# Commands that carry an altitude frame (their position may still be "here": 0, 0).
_FRAMED_COMMANDS = LOCATION_COMMANDS


@dataclass(frozen=True, kw_only=True)
class RawItem:
    """MAVLink's MISSION_ITEM fields; ``None`` stands for NaN (QGroundControl writes ``null``)."""

    command: int
    frame: int
    param1: float | None = 0.0
    param2: float | None = 0.0
    param3: float | None = 0.0
    param4: float | None = 0.0
    x: float | None = 0.0
    y: float | None = 0.0
    z: float | None = 0.0
    autocontinue: bool = True

    @property
    def params(self) -> RawParams:
        return (self.param1, self.param2, self.param3, self.param4)


def _nan_to_none(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _zero(value: float | None) -> float:
    return 0.0 if value is None else float(value)


# Per command: (read params into Waypoint keyword arguments, write Waypoint back to param1..4).
_Reader = Callable[[RawParams], dict]
_Writer = Callable[[Waypoint], RawParams]

_CODECS: dict[int, tuple[_Reader, _Writer]] = {
    MavCmd.NAV_WAYPOINT: (
        lambda p: {"hold_s": _zero(p[0]), "acceptance_radius_m": _zero(p[1]), "yaw_deg": p[3]},
        lambda w: (w.hold_s, w.acceptance_radius_m, 0.0, w.yaw_deg),
    ),
    MavCmd.NAV_SPLINE_WAYPOINT: (
        lambda p: {"hold_s": _zero(p[0])},
        lambda w: (w.hold_s, 0.0, 0.0, 0.0),
    ),
    MavCmd.NAV_LOITER_UNLIM: (
        lambda p: {"loiter_radius_m": _zero(p[2]), "yaw_deg": p[3]},
        lambda w: (0.0, 0.0, w.loiter_radius_m, w.yaw_deg),
    ),
    MavCmd.NAV_LOITER_TURNS: (
        lambda p: {"loiter_turns": _zero(p[0]), "loiter_radius_m": _zero(p[2])},
        lambda w: (w.loiter_turns, 0.0, w.loiter_radius_m, 0.0),
    ),
    MavCmd.NAV_LOITER_TIME: (
        lambda p: {"hold_s": _zero(p[0]), "loiter_radius_m": _zero(p[2])},
        lambda w: (w.hold_s, 0.0, w.loiter_radius_m, 0.0),
    ),
    MavCmd.NAV_RETURN_TO_LAUNCH: (lambda p: {}, lambda w: (0.0, 0.0, 0.0, 0.0)),
    MavCmd.NAV_LAND: (lambda p: {"yaw_deg": p[3]}, lambda w: (0.0, 0.0, 0.0, w.yaw_deg)),
    MavCmd.NAV_TAKEOFF: (lambda p: {"yaw_deg": p[3]}, lambda w: (0.0, 0.0, 0.0, w.yaw_deg)),
    MavCmd.DO_CHANGE_SPEED: (
        lambda p: {"speed_m_s": p[1]},
        lambda w: (1.0, w.speed_m_s, -1.0, 0.0),
    ),
    MavCmd.DO_SET_ROI: (lambda p: {}, lambda w: (0.0, 0.0, 0.0, 0.0)),
    MavCmd.DO_SET_ROI_LOCATION: (lambda p: {}, lambda w: (0.0, 0.0, 0.0, 0.0)),
    MavCmd.DO_SET_ROI_NONE: (lambda p: {}, lambda w: (0.0, 0.0, 0.0, 0.0)),
    MavCmd.DO_SET_CAM_TRIGG_DIST: (
        lambda p: {"trigger_distance_m": p[0]},
        lambda w: (w.trigger_distance_m, 0.0, 1.0, 0.0),
    ),
}


def waypoint_params(wp: Waypoint) -> RawParams:
    """param1..4 for ``wp``: its raw ``params`` when it has them, else from its named fields."""
    if wp.params is not None:
        return wp.params
    codec = _CODECS.get(int(wp.command))
    if codec is None:
        return (0.0, 0.0, 0.0, 0.0)
    return codec[1](wp)


def waypoint_frame(wp: Waypoint, *, int_frames: bool = False) -> int:
    """The MAV_FRAME number ``wp`` is sent with (MISSION for commands without a place)."""
    if wp.command in _FRAMED_COMMANDS:
        return (ALT_TO_INT_FRAME if int_frames else ALT_TO_FRAME)[wp.alt_frame]
    return MAV_FRAME_MISSION


def waypoint_to_raw(wp: Waypoint, *, int_frames: bool = False) -> RawItem:
    p1, p2, p3, p4 = waypoint_params(wp)
    return RawItem(
        command=int(wp.command),
        frame=waypoint_frame(wp, int_frames=int_frames),
        param1=p1,
        param2=p2,
        param3=p3,
        param4=p4,
        x=wp.lat_deg,
        y=wp.lon_deg,
        z=wp.alt_m,
        autocontinue=wp.autocontinue,
    )


def _same(a: float | None, b: float | None) -> bool:
    a, b = _nan_to_none(a), _nan_to_none(b)
    return a == b


def raw_to_waypoint(raw: RawItem) -> Waypoint:
    """The ``Waypoint`` a raw item means; raises ``InvalidValueError`` for impossible values."""
    frame = raw.frame
    if raw.command in _FRAMED_COMMANDS:
        if frame not in FRAME_TO_ALT:
            raise InvalidValueError(
                f"frame {frame} is not a global frame (0, 3, 10 or their INT forms) for {_name(raw.command)}"
            )
        alt_frame = FRAME_TO_ALT[frame]
    else:
        alt_frame = FRAME_TO_ALT.get(frame, AltFrame.REL_HOME)
    params = tuple(_nan_to_none(p) for p in raw.params)
    base = Waypoint(
        command=raw.command,
        lat_deg=_zero(_nan_to_none(raw.x)),
        lon_deg=_zero(_nan_to_none(raw.y)),
        alt_m=_zero(_nan_to_none(raw.z)),
        alt_frame=alt_frame,
        autocontinue=bool(raw.autocontinue),
    )
    codec = _CODECS.get(int(raw.command))
    if codec is not None:
        try:
            interpreted = replace(base, **codec[0](params))
        except InvalidValueError:
            interpreted = None
        if interpreted is not None and all(
            _same(a, b) for a, b in zip(waypoint_params(interpreted), params, strict=True)
        ):
            return interpreted
    return replace(base, params=params)  # type: ignore[arg-type]


def _name(command: int) -> str:
    try:
        return MavCmd(command).name
    except ValueError:
        return f"MAV_CMD {command}"
