"""Where a simulated vehicle and its camera are at an instant: the value the vehicle model hands the camera."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class VehiclePose:
    """True pose of a vehicle and its gimbal at ``t_unix_s`` (wall-clock UTC seconds).

    Attitude is the body's roll/pitch/yaw (yaw clockwise from true north); the gimbal angles are in
    the earth frame, MAVLink style: pitch 0 level, -90 straight down; yaw clockwise from north.
    """

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


class PoseSource(Protocol):
    """Anything that can say where a vehicle is now (a simulated vehicle, or real SITL telemetry)."""

    def pose(self) -> VehiclePose | None: ...
