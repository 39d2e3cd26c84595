"""Telemetry's state history as detection's pose provider: the only module that knows both.

``LinkPoses(link.history)`` answers ``pose_at(t)`` with a ``detection.values.CameraPose`` interpolated by
the link's ``StateHistory`` (positions, vehicle attitude, the gimbal's earth-frame attitude), turning
telemetry's "no telemetry around t" into detection's ``PoseUnavailableError``.
"""

from __future__ import annotations

from detection.errors import PoseUnavailableError
from detection.values import CameraPose
from telemetry.history import PoseOutOfRangeError, StateHistory


class LinkPoses:
    """A ``detection.pose.PoseProvider`` over one vehicle's telemetry history."""

    def __init__(self, history: StateHistory) -> None:
        self.history = history

    def pose_at(self, t_unix_s: float) -> CameraPose:
        try:
            p = self.history.pose_at(t_unix_s)
        except PoseOutOfRangeError as exc:
            raise PoseUnavailableError(f"{exc}; is the vehicle's telemetry streaming?") from exc
        return CameraPose(
            t_unix_s=p.t_unix_s,
            lat_deg=p.lat_deg,
            lon_deg=p.lon_deg,
            alt_amsl_m=p.alt_amsl_m,
            alt_rel_m=p.alt_rel_m,
            roll_deg=p.roll_deg,
            pitch_deg=p.pitch_deg,
            yaw_deg=p.yaw_deg,
            gimbal_roll_deg=p.gimbal_roll_deg,
            gimbal_pitch_deg=p.gimbal_pitch_deg,
            gimbal_yaw_deg=p.gimbal_yaw_deg,
        )
