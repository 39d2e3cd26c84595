"""Real pymavlink messages for feeding the state tracker and history in unit tests (tests may import pymavlink)."""

from __future__ import annotations

import math

from pymavlink.dialects.v20 import ardupilotmega as mavlink

_codec = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)


def _packed(msg):
    """Encode then decode, so the message has a sequence number and source like one off the wire."""
    data = msg.pack(_codec)
    _codec.seq = (_codec.seq + 1) % 256
    return mavlink.MAVLink(None).parse_buffer(data)[0]


def heartbeat(mode: int = 4, armed: bool = False, system: int = 1):
    base = mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | (mavlink.MAV_MODE_FLAG_SAFETY_ARMED if armed else 0)
    msg = mavlink.MAVLink_heartbeat_message(
        mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA, base, mode, 4, 3
    )
    _codec.srcSystem = system
    try:
        return _packed(msg)
    finally:
        _codec.srcSystem = 1


def position(
    lat: float,
    lon: float,
    alt_rel: float,
    alt_amsl: float = 1000.0,
    vx: int = 0,
    vy: int = 0,
    hdg_deg: float = 0.0,
):
    return _packed(
        mavlink.MAVLink_global_position_int_message(
            0,
            round(lat * 1e7),
            round(lon * 1e7),
            round(alt_amsl * 1000),
            round(alt_rel * 1000),
            vx,
            vy,
            0,
            round(hdg_deg * 100),
        )
    )


def attitude(roll_deg: float, pitch_deg: float, yaw_deg: float):
    r, p, y = (math.radians(v) for v in (roll_deg, pitch_deg, yaw_deg))
    if y > math.pi:
        y -= 2 * math.pi
    return _packed(mavlink.MAVLink_attitude_message(0, r, p, y, 0, 0, 0))


def gimbal(pitch_deg: float, yaw_deg: float = 0.0, earth: bool = True):
    # quaternion for yaw then pitch (ZYX), roll 0
    cy, sy = math.cos(math.radians(yaw_deg) / 2), math.sin(math.radians(yaw_deg) / 2)
    cp, sp = math.cos(math.radians(pitch_deg) / 2), math.sin(math.radians(pitch_deg) / 2)
    q = [cy * cp, -sy * sp, cy * sp, sy * cp]
    flags = 64 if earth else 32  # YAW_IN_EARTH_FRAME / YAW_IN_VEHICLE_FRAME
    return _packed(mavlink.MAVLink_gimbal_device_attitude_status_message(0, 0, 0, flags, q, 0, 0, 0, 0))


def statustext(text: str, severity: int = 3):
    return _packed(mavlink.MAVLink_statustext_message(severity, text.encode()))


def ekf(flags: int):
    return _packed(mavlink.MAVLink_ekf_status_report_message(flags, 0, 0, 0, 0, 0, 0))


def gps(fix: int, sats: int):
    return _packed(mavlink.MAVLink_gps_raw_int_message(0, fix, 0, 0, 0, 0, 0, 0, 0, sats))


def sys_status(voltage_mv: int, remaining_pct: int):
    return _packed(
        mavlink.MAVLink_sys_status_message(0, 0, 0, 0, voltage_mv, 0, remaining_pct, 0, 0, 0, 0, 0, 0)
    )


def home(lat: float, lon: float, alt_amsl: float):
    return _packed(
        mavlink.MAVLink_home_position_message(
            round(lat * 1e7), round(lon * 1e7), round(alt_amsl * 1000), 0, 0, 0, [1, 0, 0, 0], 0, 0, 0
        )
    )


def skip_sequence(n: int) -> None:
    """Pretend ``n`` packets were lost on the way."""
    _codec.seq = (_codec.seq + n) % 256
