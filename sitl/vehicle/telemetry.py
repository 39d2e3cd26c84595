"""MAVLink messages built from the autopilot's state: what the vehicle reports, noise included.

Noise (``gps_noise_m``, ``attitude_noise_deg``) is drawn once per ``Report`` and applied to the
reported position and attitude only; the autopilot's true state is never touched.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from sitl.vehicle.autopilot import Autopilot, Mode
from sitl.vehicle.codec import mavlink
from sitl.vehicle.kinematics import metres_per_degree

GUIDED_LIKE = {
    Mode.AUTO,
    Mode.GUIDED,
    Mode.RTL,
    Mode.LAND,
    Mode.LOITER,
    Mode.CIRCLE,
    Mode.BRAKE,
    Mode.POSHOLD,
}
EKF_FLAGS_READY = 0x33F
EKF_FLAGS_NO_GPS = 0x0A7
_SENSORS = 0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x8000 | 0x200000 | 0x2000000
_PREARM = 0x10000000


def euler_to_quaternion(roll_rad: float, pitch_rad: float, yaw_rad: float) -> list[float]:
    """[w, x, y, z] for a ZYX (yaw, pitch, roll) rotation.

    >>> euler_to_quaternion(0.0, 0.0, 0.0)
    [1.0, 0.0, 0.0, 0.0]
    """
    cr, sr = math.cos(roll_rad / 2), math.sin(roll_rad / 2)
    cp, sp = math.cos(pitch_rad / 2), math.sin(pitch_rad / 2)
    cy, sy = math.cos(yaw_rad / 2), math.sin(yaw_rad / 2)
    return [
        cr * cp * cy + sr * sp * sy,
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
    ]


@dataclass(frozen=True, kw_only=True)
class Report:
    """What the vehicle reports at one instant (noisy where configured)."""

    time_boot_ms: int
    t_unix_s: float
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    alt_rel_m: float
    roll_deg: float
    pitch_deg: float
    yaw_deg: float


def make_report(ap: Autopilot, rng: random.Random, boot_unix_s: float) -> Report:
    b, cfg = ap.body, ap.config
    lat, lon, alt = b.lat_deg, b.lon_deg, b.alt_amsl_m
    sigma = cfg.gps_noise_m or ap.params.get("SIM_GPS_NOISE")
    if sigma > 0:
        m_lat, m_lon = metres_per_degree(lat)
        lat += rng.gauss(0.0, sigma) / m_lat
        lon += rng.gauss(0.0, sigma) / m_lon
        alt += rng.gauss(0.0, 1.5 * sigma)
    roll, pitch, yaw = b.roll_deg, b.pitch_deg, b.yaw_deg
    if cfg.attitude_noise_deg > 0:
        s = cfg.attitude_noise_deg
        roll, pitch, yaw = roll + rng.gauss(0, s), pitch + rng.gauss(0, s), (yaw + rng.gauss(0, s)) % 360.0
    home_alt = ap.home.alt_amsl_m if ap.home else cfg.home_alt_amsl_m
    return Report(
        time_boot_ms=int(ap.now_s * 1000),
        t_unix_s=boot_unix_s + ap.now_s,
        lat_deg=lat,
        lon_deg=lon,
        alt_amsl_m=alt,
        alt_rel_m=alt - home_alt,
        roll_deg=roll,
        pitch_deg=pitch,
        yaw_deg=yaw,
    )


def heartbeat(ap: Autopilot) -> mavlink.MAVLink_message:
    base = mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | mavlink.MAV_MODE_FLAG_STABILIZE_ENABLED
    if ap.mode in GUIDED_LIKE:
        base |= mavlink.MAV_MODE_FLAG_GUIDED_ENABLED
    if ap.armed:
        base |= mavlink.MAV_MODE_FLAG_SAFETY_ARMED
    if not ap.booted:
        state = mavlink.MAV_STATE_BOOT
    elif ap.fs.battery_level or ap.fs.gcs_active or ap.fs.fence_breached:
        state = mavlink.MAV_STATE_CRITICAL
    else:
        state = mavlink.MAV_STATE_ACTIVE if ap.armed else mavlink.MAV_STATE_STANDBY
    return mavlink.MAVLink_heartbeat_message(
        mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA, base, int(ap.mode), state, 3
    )


def _gps_fix(ap: Autopilot) -> int:
    return 3 if ap.now_s >= min(1.0, ap.config.ekf_delay_s / 2) else 0


def build(name: str, ap: Autopilot, r: Report) -> mavlink.MAVLink_message | None:
    """The message ``name`` (MAVLink's upper-case name) now, or None when there is nothing to say."""
    b = ap.body
    if name == "GLOBAL_POSITION_INT":
        return mavlink.MAVLink_global_position_int_message(
            r.time_boot_ms, round(r.lat_deg * 1e7), round(r.lon_deg * 1e7), round(r.alt_amsl_m * 1000),
            round(r.alt_rel_m * 1000), round(b.vn_m_s * 100), round(b.ve_m_s * 100), round(b.vd_m_s * 100),
            round(r.yaw_deg * 100) % 36000,
        )  # fmt: skip
    if name == "ATTITUDE":
        return mavlink.MAVLink_attitude_message(
            r.time_boot_ms, math.radians(r.roll_deg), math.radians(r.pitch_deg),
            math.radians(((r.yaw_deg + 180.0) % 360.0) - 180.0), 0.0, 0.0, math.radians(b.yaw_rate_deg_s),
        )  # fmt: skip
    if name == "VFR_HUD":
        wn, we = ap.wind_ne_m_s()
        air = math.hypot(b.vn_m_s - wn, b.ve_m_s - we)
        throttle = 0 if not ap.armed else (15 if b.on_ground else 45)
        return mavlink.MAVLink_vfr_hud_message(
            air, b.ground_speed_m_s, round(r.yaw_deg) % 360, throttle, r.alt_amsl_m, -b.vd_m_s
        )
    if name == "SYS_STATUS":
        batt = ap.battery.reading(ap.params.get("BATT_CAPACITY"))
        health = _SENSORS | (_PREARM if ap.ekf_ready else 0)
        return mavlink.MAVLink_sys_status_message(
            _SENSORS | _PREARM, _SENSORS | _PREARM, health, 100, round(batt.voltage_v * 1000),
            round(batt.current_a * 100), batt.remaining_pct, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        )  # fmt: skip
    if name == "BATTERY_STATUS":
        batt = ap.battery.reading(ap.params.get("BATT_CAPACITY"))
        cells = [round(batt.voltage_v * 1000)] + [65535] * 9
        charge = {0: 1, 1: 2, 2: 3}[ap.fs.battery_level]
        return mavlink.MAVLink_battery_status_message(
            0, 0, 1, 32767, cells, round(batt.current_a * 100), round(batt.consumed_mah), -1,
            batt.remaining_pct, 0, charge, [0, 0, 0, 0], 0, 0,
        )  # fmt: skip
    if name == "GPS_RAW_INT":
        fix = _gps_fix(ap)
        return mavlink.MAVLink_gps_raw_int_message(
            round(r.t_unix_s * 1e6), fix, round(r.lat_deg * 1e7), round(r.lon_deg * 1e7),
            round(r.alt_amsl_m * 1000), 121, 200, round(b.ground_speed_m_s * 100), round(b.course_deg * 100),
            10 if fix else 0, round(r.alt_amsl_m * 1000), 300, 500, 100, 0, 0,
        )  # fmt: skip
    if name == "EKF_STATUS_REPORT":
        flags = EKF_FLAGS_READY if ap.ekf_ready else EKF_FLAGS_NO_GPS
        return mavlink.MAVLink_ekf_status_report_message(flags, 0.02, 0.01, 0.01, 0.02, 0.0, 0.0)
    if name == "HOME_POSITION":
        return home_position(ap, r)
    if name == "MISSION_CURRENT":
        return mission_current(ap)
    if name == "SYSTEM_TIME":
        return mavlink.MAVLink_system_time_message(round(r.t_unix_s * 1e6), r.time_boot_ms)
    if name == "GIMBAL_DEVICE_ATTITUDE_STATUS":
        q = euler_to_quaternion(0.0, math.radians(ap.gimbal_pitch_deg), math.radians(ap.gimbal_yaw_rel_deg))
        flags = (
            mavlink.GIMBAL_DEVICE_FLAGS_ROLL_LOCK
            | mavlink.GIMBAL_DEVICE_FLAGS_PITCH_LOCK
            | mavlink.GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME
        )
        return mavlink.MAVLink_gimbal_device_attitude_status_message(
            0, 0, r.time_boot_ms, flags, q, 0.0, 0.0, 0.0, 0, math.radians(b.yaw_deg), 0.0, 1
        )
    if name == "MOUNT_STATUS":
        return mavlink.MAVLink_mount_status_message(
            0, 0, round(ap.gimbal_pitch_deg * 100), 0, round(ap.gimbal_yaw_rel_deg * 100), 2
        )
    if name == "LOCAL_POSITION_NED":
        return _local_position(ap, r)
    if name == "NAV_CONTROLLER_OUTPUT":
        return mavlink.MAVLink_nav_controller_output_message(
            r.roll_deg, r.pitch_deg, round(r.yaw_deg), round(r.yaw_deg), 0, 0.0, 0.0, 0.0
        )
    if name == "POWER_STATUS":
        return mavlink.MAVLink_power_status_message(5000, 0, 0)
    if name == "MEMINFO":
        return mavlink.MAVLink_meminfo_message(0, 65535, 131072)
    if name == "RC_CHANNELS":
        return mavlink.MAVLink_rc_channels_message(
            r.time_boot_ms, 16, *([1500, 1500, 1000, 1500] + [1000] * 14), 255
        )
    if name == "SERVO_OUTPUT_RAW":
        pwm = 1000 if not ap.armed else (1100 if b.on_ground else 1500)
        return mavlink.MAVLink_servo_output_raw_message(
            r.time_boot_ms * 1000 % 2**32, 0, *([pwm] * 4 + [0] * 12)
        )
    if name == "RAW_IMU":
        return mavlink.MAVLink_raw_imu_message(round(ap.now_s * 1e6), 0, 0, -1000, 0, 0, 0, 200, 0, 400, 0, 0)
    if name == "SCALED_PRESSURE":
        return mavlink.MAVLink_scaled_pressure_message(
            r.time_boot_ms, 1013.25 * math.exp(-r.alt_amsl_m / 8434.0), 0.0, 3000, 0
        )
    return None


def _local_position(ap: Autopilot, r: Report) -> mavlink.MAVLink_message | None:
    if ap.home is None:
        return None
    m_lat, m_lon = metres_per_degree(ap.home.lat_deg)
    b = ap.body
    return mavlink.MAVLink_local_position_ned_message(
        r.time_boot_ms, (r.lat_deg - ap.home.lat_deg) * m_lat, (r.lon_deg - ap.home.lon_deg) * m_lon,
        -r.alt_rel_m, b.vn_m_s, b.ve_m_s, b.vd_m_s,
    )  # fmt: skip


def home_position(ap: Autopilot, r: Report | None = None) -> mavlink.MAVLink_message | None:
    if ap.home is None:
        return None
    h = ap.home
    t_us = round((r.t_unix_s if r else time.time()) * 1e6)
    return mavlink.MAVLink_home_position_message(
        round(h.lat_deg * 1e7), round(h.lon_deg * 1e7), round(h.alt_amsl_m * 1000), 0.0, 0.0, 0.0,
        [1.0, 0.0, 0.0, 0.0], 0.0, 0.0, 0.0, t_us,
    )  # fmt: skip


def mission_current(ap: Autopilot) -> mavlink.MAVLink_message:
    total = ap.store.mission.count()
    return mavlink.MAVLink_mission_current_message(
        ap.runner.current_seq, max(total - 1, 0), ap.runner.state(), int(ap.mode == Mode.AUTO)
    )
