"""COMMAND_LONG / COMMAND_INT: what each MAV_CMD does on the simulated ArduCopter, and its MAV_RESULT.

Commands that carry a position read it from x/y (1e-7°) and z in ``frame`` for COMMAND_INT, and from
param5/param6 (degrees) and param7 (relative to home) for COMMAND_LONG.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitl.vehicle.codec import MAV_RESULT, mavlink
from sitl.vehicle.telemetry import home_position

if TYPE_CHECKING:
    from sitl.vehicle.connection import Connection
    from sitl.vehicle.vehicle import SimVehicle

ARM_FORCE = (2989, 21196)
DISARM_FORCE = 21196
M = mavlink


@dataclass(frozen=True, kw_only=True)
class Command:
    """A command as numbers, whichever message carried it."""

    command: int
    params: tuple[float, float, float, float, float, float, float]
    lat_deg: float | None  # position, when the command carries one
    lon_deg: float | None
    frame: int  # the frame of param7 / z

    @classmethod
    def from_message(cls, msg: object) -> Command:
        if msg.get_type() == "COMMAND_INT":  # type: ignore[attr-defined]
            x, y = msg.x, msg.y  # type: ignore[attr-defined]
            ps = (msg.param1, msg.param2, msg.param3, msg.param4, x * 1e-7, y * 1e-7, msg.z)  # type: ignore[attr-defined]
            has_pos = not (x == 0 and y == 0)
            return cls(command=msg.command, params=ps, lat_deg=x * 1e-7 if has_pos else None,  # type: ignore[attr-defined]
                       lon_deg=y * 1e-7 if has_pos else None, frame=msg.frame)  # type: ignore[attr-defined]  # fmt: skip
        ps = (msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7)  # type: ignore[attr-defined]
        has_pos = math.isfinite(ps[4]) and math.isfinite(ps[5]) and not (ps[4] == 0 and ps[5] == 0)
        return cls(command=msg.command, params=ps, lat_deg=ps[4] if has_pos else None,  # type: ignore[attr-defined]
                   lon_deg=ps[5] if has_pos else None, frame=M.MAV_FRAME_GLOBAL_RELATIVE_ALT)  # fmt: skip


def _alt_amsl(v: SimVehicle, alt_m: float, frame: int) -> float | None:
    if not math.isfinite(alt_m):
        return None
    ap = v.ap
    home_alt = ap.home.alt_amsl_m if ap.home else ap.config.home_alt_amsl_m
    if frame in (M.MAV_FRAME_GLOBAL, M.MAV_FRAME_GLOBAL_INT):
        return alt_m
    if frame in (M.MAV_FRAME_GLOBAL_TERRAIN_ALT, M.MAV_FRAME_GLOBAL_TERRAIN_ALT_INT):
        return ap.body.ground_amsl_m + alt_m
    return home_alt + alt_m


def handle(v: SimVehicle, conn: Connection, cmd: Command) -> int | None:
    """Run ``cmd``; the MAV_RESULT to acknowledge with (None: the reply was sent already)."""
    ap, p, c = v.ap, cmd.params, cmd.command
    if c == M.MAV_CMD_COMPONENT_ARM_DISARM:
        if p[0] == 1:
            return ap.arm(force=round(p[1]) in ARM_FORCE)
        if p[0] == 0:
            return ap.disarm(force=round(p[1]) == DISARM_FORCE)
        return MAV_RESULT.DENIED
    if c == M.MAV_CMD_DO_SET_MODE:
        if not int(p[0]) & M.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED:
            return MAV_RESULT.DENIED
        return MAV_RESULT.ACCEPTED if ap.set_mode(int(p[1])) else MAV_RESULT.FAILED
    if c == M.MAV_CMD_NAV_TAKEOFF:
        return ap.takeoff(p[6])
    if c == M.MAV_CMD_NAV_RETURN_TO_LAUNCH:
        return MAV_RESULT.ACCEPTED if ap.set_mode(6) else MAV_RESULT.FAILED
    if c == M.MAV_CMD_NAV_LAND:
        return MAV_RESULT.ACCEPTED if ap.set_mode(9) else MAV_RESULT.FAILED
    if c == M.MAV_CMD_DO_REPOSITION:
        return _reposition(v, cmd)
    if c == M.MAV_CMD_DO_CHANGE_SPEED:
        if p[1] > 0:
            ap.set_speed(p[1])
            return MAV_RESULT.ACCEPTED
        return MAV_RESULT.DENIED
    if c in (M.MAV_CMD_DO_SET_ROI_LOCATION, M.MAV_CMD_DO_SET_ROI):
        if cmd.lat_deg is None or cmd.lon_deg is None:
            ap.set_roi(None)
        else:
            alt = _alt_amsl(v, p[6], cmd.frame)
            ap.set_roi((cmd.lat_deg, cmd.lon_deg, alt if alt is not None else ap.body.ground_amsl_m))
        return MAV_RESULT.ACCEPTED
    if c == M.MAV_CMD_DO_SET_ROI_NONE:
        ap.set_roi(None)
        return MAV_RESULT.ACCEPTED
    if c == M.MAV_CMD_DO_MOUNT_CONTROL:
        ap.point_gimbal(p[0], p[2], earth_yaw=False)
        return MAV_RESULT.ACCEPTED
    if c == M.MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW:
        earth = bool(int(p[4]) & M.GIMBAL_MANAGER_FLAGS_YAW_LOCK) if math.isfinite(p[4]) else False
        ap.point_gimbal(
            p[0] if math.isfinite(p[0]) else None, p[1] if math.isfinite(p[1]) else None, earth_yaw=earth
        )
        return MAV_RESULT.ACCEPTED
    if c == M.MAV_CMD_MISSION_START:
        if p[0] != 0 or p[1] != 0:
            return MAV_RESULT.DENIED  # ArduCopter does not support first/last item
        return ap.mission_start()
    if c == M.MAV_CMD_DO_SET_MISSION_CURRENT:
        return MAV_RESULT.ACCEPTED if ap.runner.set_current(int(p[0])) else MAV_RESULT.FAILED
    if c == M.MAV_CMD_SET_MESSAGE_INTERVAL:
        ok = conn.schedule.set_message_interval(int(p[0]), p[1])
        return MAV_RESULT.ACCEPTED if ok else MAV_RESULT.UNSUPPORTED
    if c == M.MAV_CMD_GET_MESSAGE_INTERVAL:
        interval = conn.schedule.interval_s(int(p[0]))
        conn.send(
            M.MAVLink_message_interval_message(int(p[0]), -1 if interval < 0 else round(interval * 1e6))
        )
        return MAV_RESULT.ACCEPTED
    if c == M.MAV_CMD_REQUEST_MESSAGE:
        return v.send_once(conn, int(p[0]))
    if c == M.MAV_CMD_GET_HOME_POSITION:
        msg = home_position(ap)
        if msg is None:
            return MAV_RESULT.FAILED
        conn.send(msg)
        return MAV_RESULT.ACCEPTED
    if c == M.MAV_CMD_DO_SET_HOME:
        if p[0] == 1:
            b = ap.body
            return ap.set_home(b.lat_deg, b.lon_deg, b.ground_amsl_m)
        alt = _alt_amsl(
            v, p[6], M.MAV_FRAME_GLOBAL if cmd.frame == M.MAV_FRAME_GLOBAL_RELATIVE_ALT else cmd.frame
        )
        if cmd.lat_deg is None or cmd.lon_deg is None or alt is None:
            return MAV_RESULT.FAILED
        return ap.set_home(cmd.lat_deg, cmd.lon_deg, alt)
    if c == M.MAV_CMD_REQUEST_AUTOPILOT_CAPABILITIES:
        return v.send_once(conn, M.MAVLINK_MSG_ID_AUTOPILOT_VERSION)
    return MAV_RESULT.UNSUPPORTED


def _reposition(v: SimVehicle, cmd: Command) -> int:
    ap, p = v.ap, cmd.params
    if ap.mode != 4:
        if not int(p[1]) & M.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE if math.isfinite(p[1]) else True:
            return MAV_RESULT.DENIED
        if not ap.set_mode(4):
            return MAV_RESULT.FAILED
    if cmd.lat_deg is None or cmd.lon_deg is None:
        return MAV_RESULT.DENIED
    if math.isfinite(p[0]) and p[0] > 0:
        ap.set_speed(p[0])
    return ap.goto(cmd.lat_deg, cmd.lon_deg, _alt_amsl(v, p[6], cmd.frame))
