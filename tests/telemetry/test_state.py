"""Vehicle state and pose history from real MAVLink messages."""

import pytest

from telemetry.errors import ConnectionStringError
from telemetry.history import PoseOutOfRangeError, StateHistory
from telemetry.state import StateTracker, quaternion_to_euler_deg
from telemetry.transports import parse_endpoint
from tests.telemetry import messages as m


@pytest.mark.parametrize(
    ("url", "kind", "host", "port"),
    [
        ("tcp:127.0.0.1:5760", "tcp", "127.0.0.1", 5760),
        ("udp:0.0.0.0:14550", "udpin", "0.0.0.0", 14550),
        ("udpin:127.0.0.1:14551", "udpin", "127.0.0.1", 14551),
        ("udpout:10.0.0.2:14550", "udpout", "10.0.0.2", 14550),
    ],
)
def test_connection_strings(url, kind, host, port):
    e = parse_endpoint(url)
    assert (e.kind, e.host, e.port) == (kind, host, port)


def test_serial_connection_strings():
    assert parse_endpoint("serial:/dev/ttyACM0:115200").device == "/dev/ttyACM0"
    assert parse_endpoint("/dev/ttyUSB0").baud == 57600


@pytest.mark.parametrize("url", ["http://x", "tcp:127.0.0.1", "tcp::5760", "udp:host:99999", "serial:"])
def test_bad_connection_strings_say_which_forms_work(url):
    with pytest.raises(ConnectionStringError, match="tcp:HOST:PORT"):
        parse_endpoint(url)


def test_tracker_builds_the_state_with_units():
    t = StateTracker(stale_after_s=3.0)
    t.connected = True
    t.feed(100.0, m.heartbeat(mode=3, armed=True))
    t.feed(100.1, m.position(31.33, -110.95, 60.0, 1220.0, vx=300, vy=400, hdg_deg=90.0))
    t.feed(100.1, m.attitude(2.0, -3.0, 270.0))
    t.feed(100.2, m.sys_status(15800, 76))
    t.feed(100.2, m.gps(3, 14))
    t.feed(100.3, m.ekf(0x33F))
    t.feed(100.3, m.home(31.34, -110.96, 1160.0))
    t.feed(100.4, m.gimbal(-90.0, earth=True))
    s = t.snapshot(101.0)
    assert (s.mode, s.armed) == ("AUTO", True)
    assert (s.lat_deg, s.lon_deg, s.alt_rel_m, s.alt_amsl_m) == pytest.approx((31.33, -110.95, 60.0, 1220.0))
    assert s.ground_speed_m_s == pytest.approx(5.0)
    assert s.heading_deg == 90.0
    assert (s.roll_deg, s.pitch_deg, s.yaw_deg) == pytest.approx((2.0, -3.0, 270.0))
    assert (s.battery_v, s.battery_pct) == (15.8, 76.0)
    assert (s.gps_fix_type, s.satellites, s.ekf_ready) == (3, 14, True)
    assert s.home.alt_amsl_m == 1160.0
    assert s.gimbal_pitch_deg == pytest.approx(-90.0, abs=0.05)  # float32 quaternion near gimbal lock
    assert s.link.heartbeat_age_s == pytest.approx(1.0) and not s.link.stale
    assert t.snapshot(104.5).link.stale


def test_ekf_not_ready_while_position_flags_are_missing():
    t = StateTracker()
    t.feed(1.0, m.heartbeat())
    t.feed(1.0, m.ekf(0x0F))
    assert not t.snapshot(1.0).ekf_ready


def test_statustexts_are_kept_with_time():
    t = StateTracker()
    t.feed(1.0, m.heartbeat())
    t.feed(2.0, m.statustext("Arm: Need Position Estimate"))
    assert [s.text for s in t.statustexts_since(1.5)] == ["Arm: Need Position Estimate"]
    assert t.statustexts_since(2.5) == ()


def test_packet_loss_from_sequence_gaps():
    t = StateTracker()
    t.feed(1.0, m.heartbeat())
    for i in range(9):
        t.feed(1.0 + i * 0.1, m.position(31.0, -110.0, 10.0))
    assert t.snapshot(2.0).link.packet_loss_pct == 0.0
    m.skip_sequence(10)  # ten packets lost
    t.feed(2.0, m.position(31.0, -110.0, 10.0))
    assert t.snapshot(2.0).link.packet_loss_pct == pytest.approx(100 * 10 / 21)


def test_messages_from_other_systems_are_ignored():
    t = StateTracker()
    t.feed(1.0, m.heartbeat(mode=4, system=1))
    t.feed(1.1, m.heartbeat(mode=6, system=2))
    assert t.snapshot(1.2).mode == "GUIDED"


@pytest.mark.parametrize(
    ("pitch", "yaw"), [(0.0, 0.0), (-45.0, 30.0), (-90.0, 20.0), (-90.0, -135.0), (-89.9, 60.0)]
)
def test_quaternion_conversion_keeps_the_heading_of_a_nadir_gimbal(pitch, yaw):
    msg = m.gimbal(pitch, yaw_deg=yaw)
    roll_out, pitch_out, yaw_out = quaternion_to_euler_deg(*msg.q)
    assert pitch_out == pytest.approx(pitch, abs=0.05)
    assert (yaw_out - yaw + 180) % 360 - 180 == pytest.approx(0.0, abs=0.05)
    assert roll_out == pytest.approx(0.0, abs=0.05)


def test_history_interpolates_position_attitude_and_gimbal():
    h = StateHistory()
    h.feed(10.0, m.position(31.0, -110.0, 50.0, 1050.0))
    h.feed(11.0, m.position(31.001, -110.002, 60.0, 1060.0))
    h.feed(10.0, m.attitude(0.0, 0.0, 350.0))
    h.feed(11.0, m.attitude(10.0, -4.0, 10.0))
    h.feed(10.0, m.gimbal(-80.0, yaw_deg=0.0, earth=True))
    h.feed(11.0, m.gimbal(-90.0, yaw_deg=20.0, earth=True))
    p = h.pose_at(10.25)
    assert (p.lat_deg, p.lon_deg) == pytest.approx((31.00025, -110.0005))
    assert (p.alt_rel_m, p.alt_amsl_m) == pytest.approx((52.5, 1052.5))
    assert p.roll_deg == pytest.approx(2.5) and p.pitch_deg == pytest.approx(-1.0)
    assert p.yaw_deg == pytest.approx(355.0)  # the short way across north
    assert p.gimbal_pitch_deg == pytest.approx(-82.5, abs=0.01)
    assert p.gimbal_yaw_deg == pytest.approx(5.0, abs=1e-4)


def test_history_refuses_times_outside_it():
    h = StateHistory(max_extrapolate_s=0.5)
    h.feed(10.0, m.position(31.0, -110.0, 50.0))
    h.feed(10.0, m.attitude(0, 0, 0))
    h.feed(11.0, m.position(31.0, -110.0, 50.0))
    h.feed(11.0, m.attitude(0, 0, 0))
    assert h.pose_at(11.4).lat_deg == 31.0
    with pytest.raises(PoseOutOfRangeError, match=r"no telemetry around t=12\.000"):
        h.pose_at(12.0)
    with pytest.raises(PoseOutOfRangeError):
        StateHistory().pose_at(1.0)


def test_gimbal_yaw_in_vehicle_frame_adds_the_vehicle_yaw():
    h = StateHistory()
    h.feed(1.0, m.position(31.0, -110.0, 50.0))
    h.feed(1.0, m.attitude(0, 0, 90.0))
    h.feed(1.0, m.gimbal(-45.0, yaw_deg=10.0, earth=False))
    assert h.pose_at(1.0).gimbal_yaw_deg == pytest.approx(100.0, abs=1e-4)
