"""What the ground station knows about a vehicle: a frozen ``VehicleState``, built from MAVLink messages.

``StateTracker`` is fed ``(t_unix_s, message)`` pairs — live from the link or replayed from a .tlog — and
its snapshot depends only on what it was fed and the time asked for, so a replay reproduces the states
seen live.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from missions.values import HomePosition
from telemetry.modes import mode_name

MAV_AUTOPILOT_INVALID = 8
MAV_TYPE_GCS = 6
MAV_MODE_FLAG_SAFETY_ARMED = 128
EKF_READY_FLAGS = 0x33F  # attitude, velocities, rel/abs horizontal and vertical position, predicted position
EKF_CONST_POS_MODE = 0x80
GIMBAL_DEVICE_FLAGS_YAW_LOCK = 16
GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME = 32
GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME = 64


@dataclass(frozen=True, kw_only=True)
class StatusText:
    t_unix_s: float
    severity: int
    text: str


@dataclass(frozen=True, kw_only=True)
class LinkHealth:
    connected: bool
    stale: bool
    heartbeat_age_s: float | None
    packet_loss_pct: float
    messages_received: int
    reconnects: int


@dataclass(frozen=True, kw_only=True)
class VehicleState:
    """A vehicle as last heard, with units in names. ``None`` means not yet heard."""

    t_unix_s: float
    system_id: int | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None
    alt_rel_m: float | None = None
    alt_amsl_m: float | None = None
    heading_deg: float | None = None
    ground_speed_m_s: float | None = None
    climb_m_s: float | None = None
    roll_deg: float | None = None
    pitch_deg: float | None = None
    yaw_deg: float | None = None
    gimbal_pitch_deg: float | None = None
    gimbal_roll_deg: float | None = None
    gimbal_yaw_deg: float | None = None
    battery_pct: float | None = None
    battery_v: float | None = None
    mode: str | None = None
    armed: bool = False
    gps_fix_type: int | None = None
    satellites: int | None = None
    ekf_flags: int | None = None
    ekf_ready: bool = False
    mission_current_seq: int | None = None
    mission_reached_seq: int | None = None
    home: HomePosition | None = None
    link: LinkHealth = field(
        default_factory=lambda: LinkHealth(
            connected=False,
            stale=True,
            heartbeat_age_s=None,
            packet_loss_pct=0.0,
            messages_received=0,
            reconnects=0,
        )
    )
    statustexts: tuple[StatusText, ...] = ()

    @property
    def has_position(self) -> bool:
        return self.lat_deg is not None and self.lon_deg is not None


def quaternion_to_euler_deg(w: float, x: float, y: float, z: float) -> tuple[float, float, float]:
    """(roll, pitch, yaw) in degrees from a unit quaternion (aerospace ZYX order).

    Near straight down (a nadir gimbal, |pitch| > 87°) roll and yaw turn about nearly the same axis and
    the usual formulas lose the heading; there roll is taken as 0 (gimbals hold it level) and yaw comes
    from 2·atan2(z, w), which is exact when roll is 0 — so the heading of a nadir image is kept.

    >>> [round(v, 3) for v in quaternion_to_euler_deg(math.cos(math.pi / 4), 0.0, -math.sin(math.pi / 4), 0.0)]
    [0.0, -90.0, 0.0]
    """
    norm = math.sqrt(w * w + x * x + y * y + z * z) or 1.0
    w, x, y, z = w / norm, x / norm, y / norm, z / norm
    sin_pitch = max(-1.0, min(1.0, 2 * (w * y - z * x)))
    pitch = math.asin(sin_pitch)
    if abs(sin_pitch) > 0.9986:
        yaw = (2 * math.atan2(z, w) + math.pi) % (2 * math.pi) - math.pi
        return 0.0, math.degrees(pitch), math.degrees(yaw)
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return math.degrees(roll), math.degrees(pitch), math.degrees(yaw)


class _LossCounter:
    """Packet loss from MAVLink sequence gaps, over a sliding window."""

    def __init__(self, window_s: float = 10.0) -> None:
        self._last_seq: dict[tuple[int, int], int] = {}
        self._events: deque[tuple[float, int, int]] = deque()
        self._window_s = window_s

    def add(self, t: float, src: tuple[int, int], seq: int) -> None:
        lost = 0
        last = self._last_seq.get(src)
        if last is not None:
            gap = (seq - last - 1) % 256
            lost = gap if gap < 128 else 0  # a large jump is a restart, not loss
        self._last_seq[src] = seq
        self._events.append((t, 1, lost))
        while self._events and self._events[0][0] < t - self._window_s:
            self._events.popleft()

    def percent(self) -> float:
        got = sum(e[1] for e in self._events)
        lost = sum(e[2] for e in self._events)
        return 100.0 * lost / (got + lost) if got + lost else 0.0


class StateTracker:
    """Accumulates messages from one vehicle; ``snapshot(now)`` returns a frozen ``VehicleState``."""

    def __init__(self, *, stale_after_s: float = 3.0, statustext_keep: int = 20) -> None:
        self._v: dict[str, Any] = {}
        self._stale_after_s = stale_after_s
        self._texts: deque[StatusText] = deque(maxlen=statustext_keep)
        self._loss = _LossCounter()
        self._last_heartbeat_t: float | None = None
        self._received = 0
        self.connected = False
        self.reconnects = 0
        self.system_id: int | None = None

    @property
    def last_heartbeat_t(self) -> float | None:
        return self._last_heartbeat_t

    def feed(self, t: float, msg: Any) -> None:
        kind = msg.get_type()
        if kind == "BAD_DATA":
            return
        src = (msg.get_srcSystem(), msg.get_srcComponent())
        if self.system_id is not None and src[0] != self.system_id:
            return
        self._received += 1
        self._loss.add(t, src, msg.get_seq())
        handler = getattr(self, f"_on_{kind.lower()}", None)
        if handler is not None:
            handler(t, msg)

    # --- message handlers ---------------------------------------------------------------------
    def _on_heartbeat(self, t: float, m: Any) -> None:
        if m.autopilot == MAV_AUTOPILOT_INVALID or m.type == MAV_TYPE_GCS:
            return
        if self.system_id is None:
            self.system_id = m.get_srcSystem()
        self._last_heartbeat_t = t
        self._v["mode"] = mode_name(m.custom_mode)
        self._v["armed"] = bool(m.base_mode & MAV_MODE_FLAG_SAFETY_ARMED)

    def _on_global_position_int(self, t: float, m: Any) -> None:
        self._v.update(
            lat_deg=m.lat / 1e7,
            lon_deg=m.lon / 1e7,
            alt_amsl_m=m.alt / 1000.0,
            alt_rel_m=m.relative_alt / 1000.0,
            ground_speed_m_s=math.hypot(m.vx, m.vy) / 100.0,
            climb_m_s=-m.vz / 100.0,
        )
        if m.hdg != 65535:
            self._v["heading_deg"] = m.hdg / 100.0

    def _on_attitude(self, t: float, m: Any) -> None:
        self._v.update(
            roll_deg=math.degrees(m.roll),
            pitch_deg=math.degrees(m.pitch),
            yaw_deg=math.degrees(m.yaw) % 360.0,
        )

    def _on_vfr_hud(self, t: float, m: Any) -> None:
        self._v.update(ground_speed_m_s=float(m.groundspeed), climb_m_s=float(m.climb))

    def _on_sys_status(self, t: float, m: Any) -> None:
        if m.voltage_battery not in (0, 65535):
            self._v["battery_v"] = m.voltage_battery / 1000.0
        if m.battery_remaining >= 0:
            self._v["battery_pct"] = float(m.battery_remaining)

    def _on_battery_status(self, t: float, m: Any) -> None:
        if m.battery_remaining >= 0:
            self._v["battery_pct"] = float(m.battery_remaining)
        cells = [v for v in m.voltages if v not in (65535, 0)]
        if cells:
            self._v["battery_v"] = sum(cells) / 1000.0

    def _on_gps_raw_int(self, t: float, m: Any) -> None:
        self._v.update(
            gps_fix_type=int(m.fix_type),
            satellites=None if m.satellites_visible == 255 else int(m.satellites_visible),
        )

    def _on_ekf_status_report(self, t: float, m: Any) -> None:
        flags = int(m.flags)
        self._v.update(
            ekf_flags=flags,
            ekf_ready=(flags & EKF_READY_FLAGS) == EKF_READY_FLAGS and not flags & EKF_CONST_POS_MODE,
        )

    def _on_home_position(self, t: float, m: Any) -> None:
        self._v["home"] = HomePosition(
            lat_deg=m.latitude / 1e7, lon_deg=m.longitude / 1e7, alt_amsl_m=m.altitude / 1000.0
        )

    def _on_mission_current(self, t: float, m: Any) -> None:
        self._v["mission_current_seq"] = int(m.seq)

    def _on_mission_item_reached(self, t: float, m: Any) -> None:
        self._v["mission_reached_seq"] = int(m.seq)

    def _on_statustext(self, t: float, m: Any) -> None:
        text = m.text if isinstance(m.text, str) else m.text.decode("utf-8", "replace")
        self._texts.append(StatusText(t_unix_s=t, severity=int(m.severity), text=text.rstrip("\x00")))

    def _on_gimbal_device_attitude_status(self, t: float, m: Any) -> None:
        roll, pitch, yaw = quaternion_to_euler_deg(*m.q)
        earth = bool(m.flags & GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME) or (
            bool(m.flags & GIMBAL_DEVICE_FLAGS_YAW_LOCK)
            and not m.flags & GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME
        )
        if not earth:
            yaw += self._v.get("yaw_deg", 0.0)
        self._v.update(gimbal_roll_deg=roll, gimbal_pitch_deg=pitch, gimbal_yaw_deg=yaw % 360.0)

    def _on_mount_status(self, t: float, m: Any) -> None:
        # ArduPilot: pointing_a pitch, pointing_b roll, pointing_c yaw (body frame), centidegrees
        yaw = m.pointing_c / 100.0 + self._v.get("yaw_deg", 0.0)
        self._v.update(
            gimbal_pitch_deg=m.pointing_a / 100.0,
            gimbal_roll_deg=m.pointing_b / 100.0,
            gimbal_yaw_deg=yaw % 360.0,
        )

    # --- output -------------------------------------------------------------------------------
    def statustexts_since(self, t: float) -> tuple[StatusText, ...]:
        return tuple(s for s in self._texts if s.t_unix_s >= t)

    def snapshot(self, now: float) -> VehicleState:
        age = None if self._last_heartbeat_t is None else max(0.0, now - self._last_heartbeat_t)
        link = LinkHealth(
            connected=self.connected,
            stale=age is None or age > self._stale_after_s or not self.connected,
            heartbeat_age_s=age,
            packet_loss_pct=self._loss.percent(),
            messages_received=self._received,
            reconnects=self.reconnects,
        )
        return VehicleState(
            t_unix_s=now, system_id=self.system_id, link=link, statustexts=tuple(self._texts), **self._v
        )
