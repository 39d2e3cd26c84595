"""Conformance of a vehicle with ArduCopter 4.6 as observed (FIELD-NOTES "Real ArduPilot"), written as
a ground station on raw pymavlink. Runs against the simulator, and against real ArduPilot SITL
(``ardupilot`` marker) when BORDERWATCH_ARDUPILOT is set."""

from __future__ import annotations

import math

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from tests.sitl.vehicle_gcs import MODES, Gcs, Item
from tests.sitl.vehicle_targets import Target

HOME_LAT, HOME_LON = 31.3333, -110.95
M_PER_DEG_LAT = 110_860.0
M_PER_DEG_LON = 95_200.0  # at 31.3°


def north_east(dn_m: float, de_m: float) -> tuple[float, float]:
    return HOME_LAT + dn_m / M_PER_DEG_LAT, HOME_LON + de_m / M_PER_DEG_LON


def mission(*legs: tuple[float, float], alt_m: float = 20.0, rtl: bool = True) -> list[Item]:
    items = [Item(command=16, frame=0, lat_deg=1.0, lon_deg=2.0, alt_m=3.0)]  # seq 0: replaced by home
    items.append(Item(command=22, alt_m=alt_m))
    for dn, de in legs:
        lat, lon = north_east(dn, de)
        items.append(Item(command=16, lat_deg=lat, lon_deg=lon, alt_m=alt_m))
    if rtl:
        items.append(Item(command=20, frame=2))
    return items


def home_position(gcs: Gcs) -> mavlink.MAVLink_home_position_message:
    gcs.send("command_long", 1, 1, mavlink.MAV_CMD_GET_HOME_POSITION, 0, 0, 0, 0, 0, 0, 0, 0)
    return gcs.recv("HOME_POSITION")


def test_heartbeat_identity(target: Target) -> None:
    with Gcs(target.port) as gcs:
        hb = gcs.heartbeat()
        assert (hb.get_srcSystem(), hb.get_srcComponent()) == (1, 1)
        assert (hb.type, hb.autopilot) == (mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA)
        assert hb.custom_mode == MODES["STABILIZE"]
        assert hb.base_mode & mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
        assert not hb.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED
        assert hb.get_msgbuf()[0] == 0xFD  # MAVLink 2


def test_only_heartbeats_until_streams_are_requested(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        before = {m.get_type() for m in gcs.drain(1.0)}
        # real ArduPilot also announces parameters it changed at boot (PARAM_VALUE)
        unasked = {"HEARTBEAT", "STATUSTEXT", "HOME_POSITION", "MISSION_CURRENT", "TIMESYNC", "PARAM_VALUE"}
        assert before <= unasked
        gcs.request_streams(4)
        got = {m.get_type() for m in gcs.drain(1.5)}
        want = {"GLOBAL_POSITION_INT", "ATTITUDE", "VFR_HUD", "SYS_STATUS", "GPS_RAW_INT", "BATTERY_STATUS"}
        assert want <= got


def test_parameter_list_is_complete(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.send("param_request_list", 1, 1)

        def listed(m: mavlink.MAVLink_param_value_message) -> bool:
            return m.param_index != 65535  # ArduPilot's unsolicited updates (a value changed) carry -1

        first = gcs.recv("PARAM_VALUE", cond=listed)
        seen = {first.param_index: first.param_id}
        while len(seen) < first.param_count:
            m = gcs.recv("PARAM_VALUE", timeout_s=10, cond=listed)
            seen[m.param_index] = m.param_id
        names = set(seen.values())
        assert len(names) == first.param_count >= 50
        for name in (
            "SYSID_THISMAV",
            "WPNAV_SPEED",
            "RTL_ALT",
            "FS_GCS_ENABLE",
            "FENCE_ENABLE",
            "BATT_CAPACITY",
        ):
            assert name in names
        assert gcs.set_param("WPNAV_SPEED", 800) == pytest.approx(800)
        gcs.send("param_request_read", 1, 1, b"RTL_ALT", -1)
        assert gcs.recv("PARAM_VALUE", cond=lambda m: m.param_id == "RTL_ALT").param_value == pytest.approx(
            1500
        )


def test_mission_upload_read_back_quirks(target: Target) -> None:
    items = mission((100, 0), (100, 100))
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        result, kinds = gcs.upload(items)
        assert result == mavlink.MAV_MISSION_ACCEPTED
        assert kinds == {"MISSION_REQUEST"}  # ArduPilot asks with MISSION_REQUEST (40), never _INT
        back = gcs.download()
        assert len(back) == len(items)
        home = back[0]
        assert (home.command, home.frame) == (16, 0)  # seq 0 is home, AMSL, whatever was uploaded
        assert (home.x, home.y) != (10_000_000, 20_000_000)
        for sent, got in zip(items[1:], back[1:], strict=True):
            assert got.command == sent.command
            if sent.command in (16, 22):
                assert got.frame == 3  # frame 6 reads back as 3
                assert got.z == pytest.approx(sent.alt_m)
            if sent.command == 16:
                assert (got.x, got.y) == (round(sent.lat_deg * 1e7), round(sent.lon_deg * 1e7))
        floats = gcs.download(as_int=False)  # MISSION_REQUEST is answered with MISSION_ITEM
        assert floats[2].x == pytest.approx(items[2].lat_deg, abs=1e-5)


def test_home_is_read_back_at_seq_0_once_known(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(4)
        gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
        assert gcs.download() == []  # no mission: MISSION_COUNT 0, home is not counted
        home = gcs.request_item(0)  # yet seq 0 can always be read, and it is home
        assert home.get_type() == "MISSION_ITEM_INT" and (home.command, home.frame) == (16, 0)
        past = gcs.request_item(1)  # past the end: the real count, then MISSION_ACK ERROR
        assert past.get_type() == "MISSION_ACK" and past.type == mavlink.MAV_MISSION_ERROR
        assert [m.count for m in gcs.received if m.get_type() == "MISSION_COUNT"][-1] == 0
        told = home_position(gcs)
        assert (home.x, home.y) == (told.latitude, told.longitude)
        assert home.z == pytest.approx(told.altitude / 1000, abs=0.01)
        assert home.x * 1e-7 == pytest.approx(HOME_LAT, abs=1e-4)
        assert home.y * 1e-7 == pytest.approx(HOME_LON, abs=3e-3)  # pool vehicles sit 10 m apart
        assert home.z == pytest.approx(1200.0, abs=1.0)


def test_wrong_sequence_is_refused_then_upload_completes(target: Target) -> None:
    items = mission((50, 0))
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.send("mission_count", 1, 1, len(items), 0)
        req = gcs.recv(("MISSION_REQUEST", "MISSION_REQUEST_INT"))
        assert req.seq == 0
        it = items[2]
        gcs.send("mission_item_int", 1, 1, 2, it.frame, it.command, 0, 1, *it.params,
                 round(it.lat_deg * 1e7), round(it.lon_deg * 1e7), it.alt_m, 0)  # fmt: skip
        ack = gcs.recv("MISSION_ACK")
        assert ack.type == mavlink.MAV_MISSION_INVALID_SEQUENCE
        result, _ = gcs.upload(items)  # a new MISSION_COUNT from the same GCS restarts the upload
        assert result == mavlink.MAV_MISSION_ACCEPTED
        assert len(gcs.download()) == len(items)


def test_fence_and_rally_round_trip(target: Target) -> None:
    corners = [north_east(dn, de) for dn, de in ((-200, -200), (-200, 200), (200, 200), (200, -200))]
    fence = [Item(command=5001, frame=0, params=(4, 0, 0, 0), lat_deg=a, lon_deg=o) for a, o in corners]
    c_lat, c_lon = north_east(50, 50)
    fence.append(Item(command=5004, frame=0, params=(25.0, 0, 0, 0), lat_deg=c_lat, lon_deg=c_lon))
    rally = [Item(command=5100, frame=6, lat_deg=a, lon_deg=o, alt_m=30.0) for a, o in corners[:2]]
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        assert gcs.upload(fence, mavlink.MAV_MISSION_TYPE_FENCE)[0] == mavlink.MAV_MISSION_ACCEPTED
        assert gcs.upload(rally, mavlink.MAV_MISSION_TYPE_RALLY)[0] == mavlink.MAV_MISSION_ACCEPTED
        back = gcs.download(mavlink.MAV_MISSION_TYPE_FENCE)
        assert [m.command for m in back] == [5001] * 4 + [5004]
        assert [m.param1 for m in back] == [4.0] * 4 + [25.0]
        assert [(m.x, m.y) for m in back[:4]] == [(round(a * 1e7), round(o * 1e7)) for a, o in corners]
        rb = gcs.download(mavlink.MAV_MISSION_TYPE_RALLY)
        assert [(m.command, m.frame, round(m.z)) for m in rb] == [(5100, 3, 30)] * 2


def test_modes_by_do_set_mode_and_set_mode(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        # Disarmed, ArduCopter enters any mode, position or not: its checks come at arming.
        assert gcs.set_mode("LOITER") == mavlink.MAV_RESULT_ACCEPTED
        gcs.wait_mode("LOITER", timeout_s=target.wall_s(3))
        gcs.send("set_mode", 1, mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, MODES["GUIDED"])
        gcs.wait_mode("GUIDED", timeout_s=target.wall_s(3))
        gcs.drain(0.5)
        # ArduCopter 4.6 sends no COMMAND_ACK for SET_MODE: only the HEARTBEAT confirms it.
        assert not [m for m in gcs.received if m.get_type() == "COMMAND_ACK" and m.command == 11]


def test_arming_refused_before_position_then_accepted(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(4)
        assert gcs.set_mode("GUIDED") == mavlink.MAV_RESULT_ACCEPTED  # GUIDED needs a position to arm
        refused = gcs.arm_when_ready(timeout_s=target.wall_s(target.ekf_delay_s + 10))
        gcs.wait_armed(True, timeout_s=target.wall_s(2))
        assert refused and set(refused) == {mavlink.MAV_RESULT_FAILED}
        # Before home is known ArduPilot says "Arm: AHRS: waiting for home" (and, in SITL, sensor
        # warm-up texts); then, until the EKF uses GPS, "Arm: Need Position Estimate".
        reasons = gcs.texts("Arm: ")
        assert "Arm: Need Position Estimate" in reasons
        assert gcs.texts("Arming motors")
        assert [m for m in gcs.received if m.get_type() == "EKF_STATUS_REPORT" and m.flags & 0x33F != 0x33F]


def test_disarms_when_no_takeoff_follows(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(4)
        gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
        assert gcs.set_mode("GUIDED") == 0
        gcs.arm_when_ready(timeout_s=target.wall_s(10))
        gcs.wait_armed(True, timeout_s=target.wall_s(2))
        gcs.wait_armed(False, timeout_s=target.wall_s(15))


def test_takeoff_to_altitude(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(10)
        gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
        gcs.takeoff(12.0, timeout_s=target.wall_s(20))
        alts = [
            m.relative_alt / 1000
            for m in gcs.drain(target.wall_s(3) - 3)
            if m.get_type() == "GLOBAL_POSITION_INT"
        ]
        assert alts and all(11.0 < a < 13.0 for a in alts)
        gcs.wait_armed(True, timeout_s=2)


def _fly_mission(gcs: Gcs, target: Target, items: list[Item]) -> None:
    gcs.request_streams(10)
    assert gcs.upload(items)[0] == mavlink.MAV_MISSION_ACCEPTED
    gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
    assert gcs.set_mode("GUIDED") == 0
    gcs.arm_when_ready(timeout_s=target.wall_s(10))
    # From the ground, only MISSION_START makes ArduCopter take off in AUTO (see the test below).
    assert gcs.command(mavlink.MAV_CMD_MISSION_START, 0, 0) == mavlink.MAV_RESULT_ACCEPTED
    gcs.wait_mode("AUTO", timeout_s=target.wall_s(3))


def test_auto_entered_on_the_ground_does_not_take_off(target: Target) -> None:
    """Armed on the ground with no RC throttle, AUTO by mode change never spools up: the takeoff waits
    for throttle (ArduCopter's auto_armed) until the vehicle disarms itself after DISARM_DELAY."""
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(10)
        assert gcs.upload(mission((50, 0), rtl=False))[0] == mavlink.MAV_MISSION_ACCEPTED
        gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
        assert gcs.set_mode("GUIDED") == 0
        gcs.arm_when_ready(timeout_s=target.wall_s(10))
        assert gcs.set_mode("AUTO") == mavlink.MAV_RESULT_ACCEPTED
        gcs.recv("MISSION_CURRENT", timeout_s=target.wall_s(3), cond=lambda m: m.seq == 1)
        gcs.wait_armed(False, timeout_s=target.wall_s(20))  # DISARM_DELAY is 10 s
        alts = [m.relative_alt for m in gcs.received if m.get_type() == "GLOBAL_POSITION_INT"]
        assert alts and max(alts) < 1000
        assert "Disarming motors" in gcs.texts()


def test_auto_progress_then_rtl_lands_and_disarms_at_home(target: Target) -> None:
    items = mission((80, 0), (80, 80), (0, 80))
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        _fly_mission(gcs, target, items)
        reached: list[int] = []
        currents: list[int] = []

        def rtl_done() -> bool:
            for m in gcs.received:
                if m.get_type() == "MISSION_ITEM_REACHED" and m.seq not in reached:
                    reached.append(m.seq)
                if m.get_type() == "MISSION_CURRENT" and (not currents or currents[-1] != m.seq):
                    currents.append(m.seq)
            gcs.received.clear()
            return 5 in currents

        gcs.wait_for("RTL item", rtl_done, timeout_s=target.wall_s(120), types=["MISSION_CURRENT"])
        assert reached[:4] == [1, 2, 3, 4]
        assert [c for c in currents if c > 0] == [1, 2, 3, 4, 5]
        gcs.wait_armed(False, timeout_s=target.wall_s(90))
        home = home_position(gcs)
        pos = gcs.recv("GLOBAL_POSITION_INT")
        dn = (pos.lat - home.latitude) * 1e-7 * M_PER_DEG_LAT
        de = (pos.lon - home.longitude) * 1e-7 * M_PER_DEG_LON
        assert math.hypot(dn, de) < 3.0
        assert abs(pos.relative_alt) < 500


def test_pause_with_brake_and_resume_with_auto(target: Target) -> None:
    items = mission((300, 0), rtl=False)
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        _fly_mission(gcs, target, items)
        gcs.recv("MISSION_CURRENT", timeout_s=target.wall_s(40), cond=lambda m: m.seq == 2)
        gcs.recv("VFR_HUD", timeout_s=target.wall_s(20), cond=lambda m: m.groundspeed > 5)
        assert gcs.set_mode("BRAKE") == mavlink.MAV_RESULT_ACCEPTED
        gcs.recv("VFR_HUD", timeout_s=target.wall_s(10), cond=lambda m: m.groundspeed < 0.3)
        paused = gcs.recv("GLOBAL_POSITION_INT")
        gcs.drain(target.wall_s(4) - 3)
        still = gcs.recv("GLOBAL_POSITION_INT")
        assert abs(still.lat - paused.lat) < 30  # < 0.3 m north
        assert gcs.set_mode("AUTO") == mavlink.MAV_RESULT_ACCEPTED
        assert gcs.recv("MISSION_CURRENT", timeout_s=target.wall_s(3)).seq == 2  # resumes, not restarts
        gcs.recv("MISSION_ITEM_REACHED", timeout_s=target.wall_s(60), cond=lambda m: m.seq == 2)
        gcs.wait_mode("AUTO", timeout_s=target.wall_s(3))  # stays in AUTO after the last item


def test_gcs_heartbeat_loss_triggers_rtl(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(10)
        gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
        assert gcs.set_param("FS_GCS_ENABLE", 1) == 1
        gcs.takeoff(10.0, timeout_s=target.wall_s(20))
        gcs.heartbeats_on.clear()
        t0 = gcs.recv("GLOBAL_POSITION_INT").time_boot_ms
        gcs.wait_mode("RTL", timeout_s=target.wall_s(10))
        t1 = gcs.recv("GLOBAL_POSITION_INT").time_boot_ms
        assert 4.0 <= (t1 - t0) / 1000 <= 8.0
        texts = [m.text for m in gcs.received if m.get_type() == "STATUSTEXT"]
        assert any("GCS" in t and "ailsafe" in t for t in texts), texts


def test_low_battery_triggers_rtl(target: Target) -> None:
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(10)
        gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
        assert gcs.set_param("BATT_FS_LOW_ACT", 2) == 2
        gcs.takeoff(10.0, timeout_s=target.wall_s(20))
        batt = gcs.recv("BATTERY_STATUS")
        capacity = gcs.set_param("BATT_CAPACITY", 10000)
        gcs.set_param("BATT_LOW_MAH", capacity - batt.current_consumed - 15)
        gcs.wait_mode("RTL", timeout_s=target.wall_s(30))
        assert any("Battery 1 is low" in m.text for m in gcs.received if m.get_type() == "STATUSTEXT")


def test_fence_breach_triggers_rtl(target: Target) -> None:
    """GUIDED refuses a destination outside the fence; a mission leg across it breaches it."""
    with Gcs(target.port) as gcs:
        gcs.heartbeat()
        gcs.request_streams(10)
        gcs.wait_ekf(timeout_s=target.wall_s(target.ekf_delay_s))
        home = home_position(gcs)
        h_lat, h_lon = home.latitude * 1e-7, home.longitude * 1e-7
        corners = [(h_lat + dn / M_PER_DEG_LAT, h_lon + de / M_PER_DEG_LON)
                   for dn, de in ((-100, -100), (-100, 100), (100, 100), (100, -100))]  # fmt: skip
        fence = [Item(command=5001, frame=0, params=(4, 0, 0, 0), lat_deg=a, lon_deg=o) for a, o in corners]
        assert gcs.upload(fence, mavlink.MAV_MISSION_TYPE_FENCE)[0] == 0
        gcs.set_param("FENCE_TYPE", 4)
        gcs.set_param("FENCE_ACTION", 1)
        assert gcs.set_param("FENCE_ENABLE", 1) == 1
        lat, lon = h_lat + 250 / M_PER_DEG_LAT, h_lon
        items = [Item(command=16, frame=0), Item(command=22, alt_m=10.0),
                 Item(command=16, lat_deg=lat, lon_deg=lon, alt_m=10.0)]  # fmt: skip
        assert gcs.upload(items)[0] == mavlink.MAV_MISSION_ACCEPTED
        gcs.takeoff(10.0, timeout_s=target.wall_s(20))
        reposition = (-1.0, mavlink.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE, 0.0, 0.0)
        assert gcs.command_int(mavlink.MAV_CMD_DO_REPOSITION, reposition, lat, lon, 10.0) == 4  # FAILED
        assert gcs.command(mavlink.MAV_CMD_MISSION_START, 0, 0) == mavlink.MAV_RESULT_ACCEPTED
        gcs.wait_mode("RTL", timeout_s=target.wall_s(60))
        pos = gcs.recv("GLOBAL_POSITION_INT")
        assert 95 < (pos.lat * 1e-7 - h_lat) * M_PER_DEG_LAT < 130  # breached at the 100 m edge
        assert any("ence" in t and "reach" in t for t in gcs.texts()), gcs.texts()
