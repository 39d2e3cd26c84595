"""Behaviour only the simulator has (configurable EKF delay, the battery model, true pose, noise),
and its physics and autopilot without sockets."""

from __future__ import annotations

import math
import random

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl.vehicle import telemetry
from sitl.vehicle.autopilot import Autopilot, Mode
from sitl.vehicle.config import VehicleConfig
from sitl.vehicle.kinematics import ne_offset_m, offset_deg
from sitl.vehicle.params import ParamStore
from sitl.vehicle.vehicle import SimVehicle
from tests.sitl.vehicle_gcs import Gcs
from tests.sitl.vehicle_targets import Target, sim_process


def _fly(ap: Autopilot, seconds: float, dt: float = 0.05) -> None:
    for _ in range(round(seconds / dt)):
        ap.step(dt)


def _airborne(alt_m: float = 20.0, **cfg: float) -> Autopilot:
    ap = Autopilot(VehicleConfig(ekf_delay_s=1.0, **cfg), ParamStore())
    _fly(ap, 1.5)
    assert ap.set_mode(Mode.GUIDED) and ap.arm() == 0 and ap.takeoff(alt_m) == 0
    _fly(ap, 15)
    return ap


def test_guided_goto_respects_speed_and_acceleration_limits() -> None:
    ap = _airborne()
    lat, lon = offset_deg(ap.body.lat_deg, ap.body.lon_deg, 500.0, 0.0)
    ap.goto(lat, lon, ap.body.alt_amsl_m)
    speeds, prev = [], 0.0
    for _ in range(1200):
        ap.step(0.05)
        speeds.append(ap.body.ground_speed_m_s)
        assert (ap.body.ground_speed_m_s - prev) / 0.05 <= 2.5 + 1e-6
        prev = ap.body.ground_speed_m_s
    assert max(speeds) == pytest.approx(10.0, abs=0.05)  # WPNAV_SPEED 1000 cm/s
    assert ap.body.distance_to_m(lat, lon) < 0.5
    assert abs(ap.body.yaw_deg) < 1.0 or abs(ap.body.yaw_deg - 360) < 1.0  # faced north while flying


def test_attitude_is_plausible_and_gimbal_follows_roi() -> None:
    ap = _airborne()
    lat, lon = offset_deg(ap.body.lat_deg, ap.body.lon_deg, 0.0, 400.0)
    ap.goto(lat, lon, ap.body.alt_amsl_m)
    _fly(ap, 15)
    assert -20 < ap.body.pitch_deg < -5  # nose down cruising east
    assert abs(ap.body.roll_deg) < 1
    assert ap.gimbal_pitch_deg == -90.0
    roi = offset_deg(ap.body.lat_deg, ap.body.lon_deg, -40.0, 0.0)  # 40 m south, on the ground
    ap.set_roi((roi[0], roi[1], ap.body.ground_amsl_m))
    _fly(ap, 40)  # arrives at the goto point, 250 m past the ROI
    dn, de = ne_offset_m(ap.body.lat_deg, ap.body.lon_deg, *roi)
    bearing = math.degrees(math.atan2(de, dn)) % 360
    assert ap.body.yaw_deg == pytest.approx(bearing, abs=2)  # faces the ROI
    expected_pitch = -math.degrees(math.atan2(20.0, math.hypot(dn, de)))
    assert ap.gimbal_pitch_deg == pytest.approx(expected_pitch, abs=1)
    assert ap.gimbal_yaw_earth_deg() == pytest.approx(bearing, abs=2)


def test_battery_drains_at_a_realistic_rate() -> None:
    ap = _airborne()
    used = ap.battery.consumed_mah
    _fly(ap, 60)
    per_min = ap.battery.consumed_mah - used
    endurance_min = ap.params.get("BATT_CAPACITY") / per_min
    assert 35 < endurance_min < 55  # ~13 A hover from a 10 Ah pack


def test_gps_noise_is_in_the_report_only() -> None:
    ap = Autopilot(VehicleConfig(ekf_delay_s=0.1, gps_noise_m=3.0), ParamStore())
    _fly(ap, 1)
    rng = random.Random(1)
    reports = [telemetry.make_report(ap, rng, 0.0) for _ in range(2000)]
    north = [(r.lat_deg - ap.body.lat_deg) * 110_860 for r in reports]
    sigma = math.sqrt(sum(n * n for n in north) / len(north))
    assert sigma == pytest.approx(3.0, rel=0.1)
    assert (ap.body.lat_deg, ap.body.lon_deg) == (ap.config.home_lat_deg, ap.config.home_lon_deg)


def test_pose_is_the_true_state() -> None:
    v = SimVehicle(VehicleConfig(gps_noise_m=5.0))
    pose = v.pose()
    assert pose is not None and pose.lat_deg == v.config.home_lat_deg and pose.gimbal_pitch_deg == -90.0


def test_ekf_delay_is_configurable(sim_vehicle: Target) -> None:
    with Gcs(sim_vehicle.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(4)
        ready = gcs.recv(
            "EKF_STATUS_REPORT", timeout_s=sim_vehicle.wall_s(30), cond=lambda m: m.flags == 0x33F
        )
        before = [m for m in gcs.received if m.get_type() == "EKF_STATUS_REPORT" and m.flags != 0x33F]
        assert before  # not ready at first
        t = gcs.recv("GLOBAL_POSITION_INT").time_boot_ms / 1000
        assert sim_vehicle.ekf_delay_s <= t <= sim_vehicle.ekf_delay_s + 3
        assert ready.flags == 0x33F


def test_streams_at_requested_rates() -> None:
    with sim_process("--speedup", "1", "--ekf-delay-s", "1") as proc, Gcs(proc.port(0)) as gcs:
        gcs.heartbeat()
        gcs.send("command_long", 1, 1, mavlink.MAV_CMD_SET_MESSAGE_INTERVAL, 0,
                 mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, 200_000, 0, 0, 0, 0, 0)  # fmt: skip
        gcs.send("request_data_stream", 1, 1, mavlink.MAV_DATA_STREAM_EXTRA1, 10, 1)
        gcs.drain(0.5)
        msgs = gcs.drain(3.0)
        for name, hz in (("GLOBAL_POSITION_INT", 5), ("ATTITUDE", 10)):
            got = [m.time_boot_ms for m in msgs if m.get_type() == name]
            rate = (len(got) - 1) / ((got[-1] - got[0]) / 1000)
            assert rate == pytest.approx(hz, rel=0.3), name
        assert not [m for m in msgs if m.get_type() == "VFR_HUD"]  # not asked for


def test_while_booting_the_mission_has_no_room() -> None:
    """As ArduPilot: MAVLink is answered during initialisation (HEARTBEAT MAV_STATE_BOOT), but a mission
    upload is refused until it ends. Real SITL boots in ~2.4 s; the simulator in min(2 s, 5% of EKF delay)."""
    with sim_process("--speedup", "1", "--ekf-delay-s", "60") as proc, Gcs(proc.port(0)) as gcs:
        assert gcs.recv("HEARTBEAT").system_status == mavlink.MAV_STATE_BOOT
        gcs.send("mission_count", 1, 1, 3, 0)
        assert gcs.recv("MISSION_ACK").type == mavlink.MAV_MISSION_NO_SPACE
        assert gcs.recv("STATUSTEXT").text == "Only 0 items are supported"
        gcs.heartbeat()  # booted
        gcs.send("mission_count", 1, 1, 3, 0)
        assert gcs.recv(("MISSION_REQUEST", "MISSION_ACK")).get_type() == "MISSION_REQUEST"
