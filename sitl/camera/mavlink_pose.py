"""Follow a MAVLink vehicle's pose from its telemetry, so the simulated camera can ride on real
ArduPilot SITL (or any autopilot) instead of a simulated vehicle.

Connects over TCP (ArduPilot SITL serves extra ports beside 5760: use e.g. 5762 so the ground
station keeps 5760), announces itself as a camera component (sysid 191, compid 100, MAV_TYPE_CAMERA:
not a GCS, so it cannot mask a GCS-loss failsafe), requests GLOBAL_POSITION_INT and ATTITUDE
(REQUEST_DATA_STREAM and SET_MESSAGE_INTERVAL) and the gimbal's attitude
(GIMBAL_DEVICE_ATTITUDE_STATUS, else MOUNT_STATUS). ``pose()`` returns the latest position moved
forward by its velocity to now, with the gimbal in the earth frame; ``None`` before the first
position or when telemetry is older than ``stale_after_s``. Without gimbal messages the camera
points at ``default_gimbal_pitch_deg`` along the vehicle's heading.
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from dataclasses import dataclass

import pymap3d
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl.errors import SimError
from sitl.pose import VehiclePose

CAMERA_SYSID = 191
CAMERA_COMPID = mavlink.MAV_COMP_ID_CAMERA
_STREAMS = (
    (mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, mavlink.MAV_DATA_STREAM_POSITION),
    (mavlink.MAVLINK_MSG_ID_ATTITUDE, mavlink.MAV_DATA_STREAM_EXTRA1),
    (mavlink.MAVLINK_MSG_ID_GIMBAL_DEVICE_ATTITUDE_STATUS, None),
    (mavlink.MAVLINK_MSG_ID_MOUNT_STATUS, None),
)


def quaternion_to_euler_deg(w: float, x: float, y: float, z: float) -> tuple[float, float, float]:
    """(roll, pitch, yaw) in degrees of a unit quaternion, aerospace ZYX convention.

    >>> [round(a, 6) for a in quaternion_to_euler_deg(math.cos(math.pi / 4), 0.0, -math.sin(math.pi / 4), 0.0)]
    [0.0, -90.0, 0.0]
    """
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x))))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return math.degrees(roll), math.degrees(pitch), math.degrees(yaw)


@dataclass
class _Latest:
    position: object | None = None
    position_at: float = 0.0
    attitude: object | None = None
    gimbal: tuple[float, float, float, bool] | None = None  # roll, pitch, yaw, yaw_is_earth
    gimbal_at: float = 0.0
    device_at: float = 0.0  # last GIMBAL_DEVICE_ATTITUDE_STATUS: preferred over MOUNT_STATUS


class MavlinkPoseSource:
    """A ``PoseSource`` fed by a vehicle's MAVLink telemetry over TCP."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5762,
        *,
        default_gimbal_pitch_deg: float = -90.0,
        rate_hz: float = 20.0,
        stale_after_s: float = 2.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self.default_gimbal_pitch_deg = default_gimbal_pitch_deg
        self.rate_hz = rate_hz
        self.stale_after_s = stale_after_s
        self.connect_timeout_s = connect_timeout_s
        self._sock: socket.socket | None = None
        self._mav = mavlink.MAVLink(self, srcSystem=CAMERA_SYSID, srcComponent=CAMERA_COMPID)
        self._mav.robust_parsing = True
        self._latest = _Latest()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._target: tuple[int, int] | None = None
        self.link_lost = False  # set once the vehicle closed the link after start()

    # pymavlink writes packed frames to ``self.write``
    def write(self, data: bytes) -> None:
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):  # the reader notices a dead link; sending is best effort
                sock.sendall(data)

    def start(self) -> None:
        """Connect and wait (up to ``connect_timeout_s``) for the vehicle's first heartbeat."""
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except OSError as exc:
            raise SimError(
                f"cannot reach the vehicle's MAVLink at tcp:{self.host}:{self.port}: {exc}"
            ) from None
        self._sock.settimeout(0.2)
        deadline = time.monotonic() + self.connect_timeout_s
        while self._target is None and time.monotonic() < deadline:
            self._heartbeat()
            if not self._read_once():
                self.stop()
                raise SimError(f"tcp:{self.host}:{self.port} closed the link before a heartbeat")
        if self._target is None:
            self.stop()
            raise SimError(
                f"no MAVLink heartbeat from tcp:{self.host}:{self.port} within {self.connect_timeout_s:g} s"
            )
        self._request_streams()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"mavlink-pose-{self.port}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=timeout_s)
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def __enter__(self) -> MavlinkPoseSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the pose ----------------------------------------------------------------------------
    def pose(self) -> VehiclePose | None:
        now = time.time()
        with self._lock:
            gp, at, att = self._latest.position, self._latest.position_at, self._latest.attitude
            gimbal = self._latest.gimbal if now - self._latest.gimbal_at < self.stale_after_s else None
        if gp is None or now - at > self.stale_after_s:
            return None
        dt = now - at
        lat0, lon0, alt0 = gp.lat / 1e7, gp.lon / 1e7, gp.alt / 1000.0
        lat, lon, alt = pymap3d.enu2geodetic(
            gp.vy / 100 * dt, gp.vx / 100 * dt, -gp.vz / 100 * dt, lat0, lon0, alt0
        )
        if att is not None:
            roll, pitch, yaw = math.degrees(att.roll), math.degrees(att.pitch), math.degrees(att.yaw) % 360.0
        else:
            roll, pitch, yaw = 0.0, 0.0, (gp.hdg / 100.0 if gp.hdg != 65535 else 0.0)
        if gimbal is None:
            g_roll, g_pitch, g_yaw = 0.0, self.default_gimbal_pitch_deg, yaw
        else:
            g_roll, g_pitch, g_yaw_raw, earth = gimbal
            g_yaw = (g_yaw_raw if earth else yaw + g_yaw_raw) % 360.0
        return VehiclePose(
            t_unix_s=now,
            lat_deg=float(lat),
            lon_deg=float(lon),
            alt_amsl_m=float(alt),
            alt_rel_m=gp.relative_alt / 1000.0 - gp.vz / 100 * dt,
            roll_deg=roll,
            pitch_deg=pitch,
            yaw_deg=yaw,
            gimbal_pitch_deg=g_pitch,
            gimbal_roll_deg=g_roll,
            gimbal_yaw_deg=g_yaw,
        )

    # --- the link ------------------------------------------------------------------------------
    def _heartbeat(self) -> None:
        self._mav.heartbeat_send(
            mavlink.MAV_TYPE_CAMERA, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, mavlink.MAV_STATE_ACTIVE
        )

    def _request_streams(self) -> None:
        if self._target is None:
            return
        sysid, compid = self._target
        interval_us = int(1e6 / self.rate_hz)
        for msg_id, stream in _STREAMS:
            if stream is not None:
                self._mav.request_data_stream_send(sysid, compid, stream, max(1, round(self.rate_hz)), 1)
            self._mav.command_long_send(
                sysid, compid, mavlink.MAV_CMD_SET_MESSAGE_INTERVAL, 0, msg_id, interval_us, 0, 0, 0, 0, 0
            )

    def _read_once(self) -> bool:
        sock = self._sock
        if sock is None:
            return False
        try:
            data = sock.recv(65536)
        except TimeoutError:
            return True
        except OSError:
            return False
        if not data:
            return False
        for msg in self._mav.parse_buffer(data) or []:
            self._handle(msg)
        return True

    def _handle(self, msg) -> None:
        kind = msg.get_type()
        now = time.time()
        if (
            kind == "HEARTBEAT"
            and msg.type not in (mavlink.MAV_TYPE_GCS, mavlink.MAV_TYPE_CAMERA)
            and self._target is None
        ):
            self._target = (msg.get_srcSystem(), msg.get_srcComponent())
        with self._lock:
            if kind == "GLOBAL_POSITION_INT":
                self._latest.position, self._latest.position_at = msg, now
            elif kind == "ATTITUDE":
                self._latest.attitude = msg
            elif kind == "GIMBAL_DEVICE_ATTITUDE_STATUS":
                roll, pitch, yaw = quaternion_to_euler_deg(*msg.q)
                flags = msg.flags
                earth = bool(flags & mavlink.GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME) or (
                    bool(flags & mavlink.GIMBAL_DEVICE_FLAGS_YAW_LOCK)
                    and not flags & mavlink.GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME
                )
                self._latest.gimbal, self._latest.gimbal_at = (roll, pitch, yaw, earth), now
                self._latest.device_at = now
            elif kind == "MOUNT_STATUS" and now - self._latest.device_at > 1.0:
                # ArduPilot: pointing_a pitch, pointing_b roll, pointing_c yaw relative to the vehicle (cdeg).
                self._latest.gimbal = (
                    msg.pointing_b / 100.0,
                    msg.pointing_a / 100.0,
                    msg.pointing_c / 100.0,
                    False,
                )
                self._latest.gimbal_at = now

    def _run(self) -> None:
        last_beat = last_request = time.monotonic()
        while not self._stop.is_set():
            if not self._read_once():
                self.link_lost = True
                self._stop.wait(0.2)  # link down: keep the last pose until it goes stale
                continue
            now = time.monotonic()
            if now - last_beat >= 1.0:
                self._heartbeat()
                last_beat = now
            with self._lock:
                have_position = self._latest.position is not None
            if not have_position and now - last_request >= 3.0:
                self._request_streams()
                last_request = now


class ReconnectingPoseSource:
    """A ``MavlinkPoseSource`` that connects in the background and starts over when the link drops.

    ``start()`` returns at once; ``pose()`` is ``None`` until the vehicle answers. For real ArduPilot
    SITL, whose second MAVLink port opens only once a ground station has connected to its first
    (``sitl.ardupilot``): the camera streams "no signal" frames until then, and follows afterwards.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 5762, *, retry_s: float = 1.0, **kwargs) -> None:
        self.host, self.port, self.retry_s = host, port, retry_s
        self._kwargs = {"connect_timeout_s": 30.0, **kwargs}
        self._source: MavlinkPoseSource | None = None
        self._connecting: MavlinkPoseSource | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connects = 0  # how many times a link came up
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        source = self._source
        return source is not None and not source.link_lost

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"mavlink-follow-{self.port}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        connecting = self._connecting
        if connecting is not None:
            connecting.stop()  # closes its socket: a start() waiting for a heartbeat gives up at once
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=timeout_s)
        source, self._source = self._source, None
        if source is not None:
            source.stop()

    def __enter__(self) -> ReconnectingPoseSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pose(self) -> VehiclePose | None:
        source = self._source
        return source.pose() if source is not None else None

    def _run(self) -> None:
        while not self._stop.is_set():
            source = self._connecting = MavlinkPoseSource(self.host, self.port, **self._kwargs)
            if self._stop.is_set():  # stop() may have looked for a connecting source just before
                self._connecting = None
                return
            try:
                source.start()  # returns when the vehicle has answered, or raises
            except Exception as exc:  # SimError; or anything from a socket that stop() closed under it
                source.stop()
                self.last_error = str(exc)
                self._stop.wait(self.retry_s)
                continue
            finally:
                self._connecting = None
            if self._stop.is_set():  # stop() came while connecting
                source.stop()
                return
            self._source = source
            self.connects += 1
            while not self._stop.wait(0.2) and not source.link_lost:
                pass
            if self._source is source:
                self._source = None
                source.stop()
            self._stop.wait(self.retry_s)
