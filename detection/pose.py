"""How detection learns where the camera was: a small protocol, and what we assume about its errors.

``detection`` never imports ``telemetry``: the station hands the pipeline anything with
``pose_at(t_unix_s) -> CameraPose`` (``ui/pose_adapter.py`` wraps the link's state history).
``PoseSeries`` is a provider over a list of poses, for replays and tests.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Protocol, runtime_checkable

from detection.errors import InvalidDetectionValueError, PoseUnavailableError
from detection.values import CameraPose

ANGLE_FIELDS = frozenset(
    {"yaw_deg", "gimbal_yaw_deg", "roll_deg", "pitch_deg", "gimbal_roll_deg", "gimbal_pitch_deg"}
)


@runtime_checkable
class PoseProvider(Protocol):
    """Answers "where was the camera at ``t_unix_s``"; raises ``PoseUnavailableError`` when it cannot."""

    def pose_at(self, t_unix_s: float) -> CameraPose: ...


@dataclass(frozen=True, kw_only=True)
class PoseUncertainty:
    """1-σ errors of the poses a provider gives, propagated into every sighting's error ellipse.

    ``gps_sigma_m`` per horizontal axis, ``alt_sigma_m`` vertical (home-relative height, which sets the
    ground range), ``attitude_sigma_deg`` per gimbal angle, ``timing_sigma_s`` of frame time vs telemetry
    time. ``correlation_time_s``: pose errors closer in time than this are treated as one error (GPS and
    attitude biases wander slowly), so averaging a track's frames shrinks them only by
    √(1 + duration / correlation_time_s).
    """

    gps_sigma_m: float = 1.5
    alt_sigma_m: float = 1.0
    attitude_sigma_deg: float = 0.5
    timing_sigma_s: float = 0.02
    correlation_time_s: float = 2.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidDetectionValueError(f"{f.name} must be a finite number ≥ 0, got {value!r}")


def _lerp_angle_deg(a: float, b: float, f: float) -> float:
    """The short way round: ``_lerp_angle_deg(350.0, 10.0, 0.5) == 360.0`` (i.e. north)."""
    diff = (b - a + 180.0) % 360.0 - 180.0
    return a + diff * f


def interpolate_pose(a: CameraPose, b: CameraPose, t_unix_s: float) -> CameraPose:
    """Linear interpolation between two poses (angles the short way round).

    >>> p = interpolate_pose(CameraPose(t_unix_s=0, lat_deg=0, lon_deg=0, alt_amsl_m=10, alt_rel_m=10, yaw_deg=350),
    ...                      CameraPose(t_unix_s=1, lat_deg=0, lon_deg=0, alt_amsl_m=20, alt_rel_m=20, yaw_deg=10), 0.5)
    >>> p.alt_amsl_m, p.yaw_deg % 360
    (15.0, 0.0)
    """
    span = b.t_unix_s - a.t_unix_s
    f = 0.0 if span <= 0 else (t_unix_s - a.t_unix_s) / span
    values = {}
    for fld in fields(CameraPose):
        x, y = getattr(a, fld.name), getattr(b, fld.name)
        if fld.name == "t_unix_s":
            values[fld.name] = t_unix_s
        elif fld.name in ANGLE_FIELDS:
            angle = _lerp_angle_deg(x, y, f)
            values[fld.name] = angle % 360.0 if fld.name.endswith("yaw_deg") else angle
        else:
            values[fld.name] = x + (y - x) * f
    return CameraPose(**values)


class PoseSeries:
    """A ``PoseProvider`` over poses sorted by time; extrapolates at most ``max_extrapolate_s``."""

    def __init__(self, poses: Sequence[CameraPose], max_extrapolate_s: float = 0.5) -> None:
        self._poses = sorted(poses, key=lambda p: p.t_unix_s)
        self._t = [p.t_unix_s for p in self._poses]
        self.max_extrapolate_s = max_extrapolate_s

    def pose_at(self, t_unix_s: float) -> CameraPose:
        ts = self._t
        if not ts:
            raise PoseUnavailableError("no poses recorded yet: is telemetry connected?")
        if t_unix_s <= ts[0] or t_unix_s >= ts[-1]:
            edge = self._poses[0] if t_unix_s <= ts[0] else self._poses[-1]
            if abs(t_unix_s - edge.t_unix_s) > self.max_extrapolate_s:
                raise PoseUnavailableError(
                    f"no pose within {self.max_extrapolate_s} s of t={t_unix_s:.3f} "
                    f"(poses cover {ts[0]:.3f}..{ts[-1]:.3f}); check telemetry and the video latency setting"
                )
            return replace(edge, t_unix_s=t_unix_s)
        i = bisect.bisect_right(ts, t_unix_s)
        return interpolate_pose(self._poses[i - 1], self._poses[i], t_unix_s)
