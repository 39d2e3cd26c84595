"""A time-indexed ring of poses that answers "where was the camera at time t" by interpolation."""

from __future__ import annotations

import bisect
import math
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from telemetry.errors import LinkError
from telemetry.state import (
    GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME,
    GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME,
    GIMBAL_DEVICE_FLAGS_YAW_LOCK,
    quaternion_to_euler_deg,
)


class PoseOutOfRangeError(LinkError):
    """No telemetry around the asked time (too old, or not yet received)."""


@dataclass(frozen=True, kw_only=True)
class Pose:
    t_unix_s: float
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    alt_rel_m: float
    roll_deg: float
    pitch_deg: float
    yaw_deg: float
    gimbal_pitch_deg: float
    gimbal_roll_deg: float
    gimbal_yaw_deg: float


def _lerp(a: float, b: float, f: float) -> float:
    return a + (b - a) * f


def _lerp_angle_deg(a: float, b: float, f: float) -> float:
    """Interpolate angles the short way round.

    >>> _lerp_angle_deg(350.0, 10.0, 0.5)
    0.0
    """
    diff = (b - a + 180.0) % 360.0 - 180.0
    return (a + diff * f) % 360.0


class _Series:
    def __init__(self, keep_s: float) -> None:
        self.t: deque[float] = deque()
        self.v: deque[tuple[float, ...]] = deque()
        self.keep_s = keep_s

    def add(self, t: float, values: tuple[float, ...]) -> None:
        if self.t and t < self.t[-1]:
            return  # out of order: keep the series monotonic
        self.t.append(t)
        self.v.append(values)
        while self.t and self.t[0] < t - self.keep_s:
            self.t.popleft()
            self.v.popleft()

    def at(self, t: float, max_extrapolate_s: float, angles: tuple[bool, ...]) -> tuple[float, ...] | None:
        if not self.t:
            return None
        ts = self.t
        if t <= ts[0]:
            return self.v[0] if ts[0] - t <= max_extrapolate_s else None
        if t >= ts[-1]:
            return self.v[-1] if t - ts[-1] <= max_extrapolate_s else None
        i = bisect.bisect_right(ts, t)
        t0, t1 = ts[i - 1], ts[i]
        f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        a, b = self.v[i - 1], self.v[i]
        return tuple(
            _lerp_angle_deg(x, y, f) if ang else _lerp(x, y, f)
            for x, y, ang in zip(a, b, angles, strict=True)
        )


class StateHistory:
    """Position, attitude and gimbal series from one vehicle's telemetry, kept for ``keep_s`` seconds."""

    def __init__(self, keep_s: float = 600.0, max_extrapolate_s: float = 0.5) -> None:
        self._pos = _Series(keep_s)
        self._att = _Series(keep_s)
        self._gim = _Series(keep_s)
        self._yaw = 0.0
        self._max_extrapolate_s = max_extrapolate_s
        self._lock = threading.Lock()

    def feed(self, t: float, msg: Any) -> None:
        kind = msg.get_type()
        with self._lock:
            if kind == "GLOBAL_POSITION_INT":
                self._pos.add(t, (msg.lat / 1e7, msg.lon / 1e7, msg.alt / 1000.0, msg.relative_alt / 1000.0))
            elif kind == "ATTITUDE":
                self._yaw = math.degrees(msg.yaw) % 360.0
                self._att.add(t, (math.degrees(msg.roll), math.degrees(msg.pitch), self._yaw))
            elif kind == "GIMBAL_DEVICE_ATTITUDE_STATUS":
                roll, pitch, yaw = quaternion_to_euler_deg(*msg.q)
                earth = bool(msg.flags & GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME) or (
                    bool(msg.flags & GIMBAL_DEVICE_FLAGS_YAW_LOCK)
                    and not msg.flags & GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME
                )
                self._gim.add(t, (pitch, roll, (yaw if earth else yaw + self._yaw) % 360.0))
            elif kind == "MOUNT_STATUS":
                self._gim.add(
                    t,
                    (
                        msg.pointing_a / 100.0,
                        msg.pointing_b / 100.0,
                        (msg.pointing_c / 100.0 + self._yaw) % 360.0,
                    ),
                )

    def track(
        self, since_unix_s: float = 0.0, max_points: int = 2000
    ) -> list[tuple[float, float, float, float]]:
        """(t_unix_s, lat_deg, lon_deg, alt_rel_m) since a time, thinned to at most ``max_points``."""
        with self._lock:
            i = bisect.bisect_left(self._pos.t, since_unix_s)
            rows = [
                (t, v[0], v[1], v[3])
                for t, v in zip(list(self._pos.t)[i:], list(self._pos.v)[i:], strict=True)
            ]
        step = max(1, len(rows) // max_points)
        return rows[::step]

    def time_span(self) -> tuple[float, float] | None:
        with self._lock:
            if not self._pos.t:
                return None
            return self._pos.t[0], self._pos.t[-1]

    def pose_at(self, t_unix_s: float) -> Pose:
        """The pose at ``t_unix_s``, interpolated; raises ``PoseOutOfRangeError`` outside the history."""
        with self._lock:
            pos = self._pos.at(t_unix_s, self._max_extrapolate_s, (False, False, False, False))
            att = self._att.at(t_unix_s, self._max_extrapolate_s, (False, False, True))
            gim = self._gim.at(t_unix_s, self._max_extrapolate_s, (False, False, True))
        if pos is None or att is None:
            raise PoseOutOfRangeError(f"no telemetry around t={t_unix_s:.3f} (history: {self.time_span()})")
        if gim is None:
            gim = (-90.0, 0.0, att[2])  # no gimbal telemetry: assume a nadir camera
        return Pose(
            t_unix_s=t_unix_s,
            lat_deg=pos[0],
            lon_deg=pos[1],
            alt_amsl_m=pos[2],
            alt_rel_m=pos[3],
            roll_deg=att[0],
            pitch_deg=att[1],
            yaw_deg=att[2],
            gimbal_pitch_deg=gim[0],
            gimbal_roll_deg=gim[1],
            gimbal_yaw_deg=gim[2],
        )
