"""The camera can follow a vehicle from its MAVLink telemetry (as it does with real ArduPilot SITL)."""

from __future__ import annotations

import math
import socket
import threading
import time

import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl.camera.mavlink_pose import MavlinkPoseSource, ReconnectingPoseSource, quaternion_to_euler_deg
from sitl.errors import SimError


class TelemetryPeer:
    """A minimal autopilot on a real TCP socket: heartbeat, position, attitude and a gimbal at 20 Hz,
    and a record of what the client asked for."""

    def __init__(self, gimbal: str, port: int = 0) -> None:
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.gimbal = gimbal
        self.requests: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.server.settimeout(5.0)
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        conn.settimeout(0.05)

        class Sink:
            def write(self, data: bytes) -> None:
                conn.sendall(data)

        mav = mavlink.MAVLink(Sink(), srcSystem=1, srcComponent=1)
        with conn:
            while not self.stop.is_set():
                try:
                    for msg in mav.parse_buffer(conn.recv(4096)) or []:
                        if msg.get_type() == "COMMAND_LONG":
                            self.requests.append(int(msg.param1))
                except TimeoutError:
                    pass
                except OSError:
                    return
                mav.heartbeat_send(mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA, 0, 3, 4)
                # 31.3333 N, 110.95 W, 1260 m AMSL (60 m above home), flying north at 10 m/s, heading 30°.
                mav.global_position_int_send(0, 313333000, -1109500000, 1260000, 60000, 1000, 0, 0, 3000)
                mav.attitude_send(0, 0.0, 0.0, math.radians(30.0), 0, 0, 0)
                if self.gimbal == "device":  # pitch -60, yaw +15 relative to the vehicle
                    half_p, half_y = math.radians(-60) / 2, math.radians(15) / 2
                    q = [math.cos(half_p) * math.cos(half_y), -math.sin(half_p) * math.sin(half_y),
                         math.sin(half_p) * math.cos(half_y), math.cos(half_p) * math.sin(half_y)]  # fmt: skip
                    flags = mavlink.GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME
                    mav.gimbal_device_attitude_status_send(0, 0, 0, flags, q, 0, 0, 0, 0, 0, 0, 1)
                elif self.gimbal == "mount":
                    mav.mount_status_send(0, 0, -4500, 0, -2000, 2)
                time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        self.server.close()
        self.thread.join(timeout=3.0)


@pytest.mark.parametrize(
    ("gimbal", "expected"), [("device", (-60.0, 45.0)), ("mount", (-45.0, 10.0)), ("none", (-90.0, 30.0))]
)
def test_pose_follows_telemetry_with_the_gimbal_in_the_earth_frame(gimbal, expected):
    peer = TelemetryPeer(gimbal)
    source = MavlinkPoseSource("127.0.0.1", peer.port, connect_timeout_s=5.0)
    try:
        source.start()
        deadline = time.monotonic() + 5.0
        pose = None
        while time.monotonic() < deadline:
            pose = source.pose()
            if pose is not None and (gimbal == "none" or pose.gimbal_pitch_deg != -90.0):
                break
            time.sleep(0.05)
        assert pose is not None
        assert pose.lat_deg == pytest.approx(31.3333, abs=2e-5)  # moved on by at most ~0.1 s at 10 m/s
        assert pose.lat_deg >= 31.3333 - 1e-9
        assert pose.lon_deg == pytest.approx(-110.95, abs=1e-7)
        assert pose.alt_amsl_m == pytest.approx(1260.0, abs=0.01) and pose.alt_rel_m == pytest.approx(60.0)
        assert pose.yaw_deg == pytest.approx(30.0)
        assert (pose.gimbal_pitch_deg, pose.gimbal_yaw_deg) == pytest.approx(expected, abs=0.01)
        assert abs(pose.t_unix_s - time.time()) < 0.5
        deadline = time.monotonic() + 3.0
        while (
            mavlink.MAVLINK_MSG_ID_GIMBAL_DEVICE_ATTITUDE_STATUS not in peer.requests
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT in peer.requests
        assert mavlink.MAVLINK_MSG_ID_GIMBAL_DEVICE_ATTITUDE_STATUS in peer.requests
    finally:
        source.stop()
        peer.close()


def test_no_vehicle_is_a_clear_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SimError, match="cannot reach"):
        MavlinkPoseSource("127.0.0.1", port, connect_timeout_s=1.0).start()


def _wait(check, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_reconnecting_source_waits_for_the_vehicle_and_lets_go_when_it_leaves():
    """As with real SITL's SERIAL1: nothing listens at first, then a vehicle, which later goes away."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    source = ReconnectingPoseSource("127.0.0.1", port, retry_s=0.1, connect_timeout_s=2.0)
    source.start()  # returns at once
    peer = None
    try:
        assert _wait(lambda: source.last_error is not None)
        assert "cannot reach" in source.last_error and source.pose() is None and not source.connected
        peer = TelemetryPeer("none", port=port)
        assert _wait(lambda: source.pose() is not None)
        assert source.connected and source.connects == 1
        assert source.pose().lat_deg == pytest.approx(31.3333, abs=2e-5)
        peer.close()  # the vehicle goes: the pose goes with it, and the source tries again
        assert _wait(lambda: source.pose() is None and not source.connected)
    finally:
        t0 = time.monotonic()
        source.stop()
        assert time.monotonic() - t0 < 1.0  # also while it is connecting
        if peer is not None:
            peer.close()


def test_quaternion_to_euler():
    assert quaternion_to_euler_deg(1.0, 0.0, 0.0, 0.0) == (0.0, 0.0, 0.0)
    half = math.radians(40) / 2
    assert quaternion_to_euler_deg(math.cos(half), 0.0, 0.0, math.sin(half))[2] == pytest.approx(40.0)
