"""Ground-truth targets: people and vehicles moving along scripted paths in the world's metric frame.

Positions are metres east (``x_m``) and north (``y_m``) in the world's local transverse-Mercator
frame (``missions.geo.LocalFrame`` centred on the world origin); headings are degrees clockwise from
north. A path is piecewise linear in time: before its first instant a target waits at its first
point, after its last instant it stays at its last point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sitl.errors import SimConfigError
from sitl.world.looks import Look, TargetClass, TargetKind


@dataclass(frozen=True, kw_only=True)
class Trajectory:
    """Where a target is at each instant: ``xy_m[k]`` is reached at ``t_s[k]`` (sim seconds).

    >>> path = Trajectory.from_legs(start_s=10.0, points_m=[(0.0, 0.0), (0.0, 20.0)], speeds_m_s=[2.0])
    >>> path.position_at(15.0), path.heading_deg_at(15.0), path.end_s
    ((0.0, 10.0), 0.0, 20.0)
    """

    t_s: tuple[float, ...]
    xy_m: tuple[tuple[float, float], ...]
    rest_heading_deg: float = 0.0  # heading of a path that never moves (a parked car)

    def __post_init__(self) -> None:
        if len(self.t_s) != len(self.xy_m) or not self.t_s:
            raise SimConfigError("a trajectory needs as many times as points, and at least one")
        if any(b < a for a, b in zip(self.t_s, self.t_s[1:], strict=False)):
            raise SimConfigError("trajectory times must not decrease")

    @classmethod
    def from_legs(
        cls,
        *,
        start_s: float,
        points_m: list[tuple[float, float]],
        speeds_m_s: list[float],
        holds_s: list[float] | None = None,
        rest_heading_deg: float = 0.0,
    ) -> Trajectory:
        """A path through ``points_m``; leg k (to point k+1) at ``speeds_m_s[k]``, waiting ``holds_s[k]``
        at point k before leaving it."""
        if len(speeds_m_s) != max(0, len(points_m) - 1):
            raise SimConfigError("give one speed per leg (points minus one)")
        holds = holds_s if holds_s is not None else [0.0] * len(points_m)
        t = start_s
        times: list[float] = []
        xy: list[tuple[float, float]] = []
        for k, p in enumerate(points_m):
            times.append(t)
            xy.append((float(p[0]), float(p[1])))
            if holds[k] > 0:
                t += holds[k]
                times.append(t)
                xy.append((float(p[0]), float(p[1])))
            if k + 1 < len(points_m):
                speed = speeds_m_s[k]
                if not (math.isfinite(speed) and speed > 0):
                    raise SimConfigError(f"leg {k + 1} speed must be positive, got {speed!r} m/s")
                q = points_m[k + 1]
                t += math.hypot(q[0] - p[0], q[1] - p[1]) / speed
        return cls(t_s=tuple(times), xy_m=tuple(xy), rest_heading_deg=rest_heading_deg)

    @property
    def start_s(self) -> float:
        return self.t_s[0]

    @property
    def end_s(self) -> float:
        return self.t_s[-1]

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.t_s), np.asarray(self.xy_m)

    def position_at(self, t_sim_s: float) -> tuple[float, float]:
        """(x_m, y_m) at ``t_sim_s``."""
        t, xy = self._arrays()
        return float(np.interp(t_sim_s, t, xy[:, 0])), float(np.interp(t_sim_s, t, xy[:, 1]))

    def _leg_index(self, t_sim_s: float) -> int:
        """Index k of the moving leg (k → k+1) in progress at ``t_sim_s``, or the last moving leg before it."""
        best = -1
        for k in range(len(self.t_s) - 1):
            moving = self.xy_m[k] != self.xy_m[k + 1]
            if moving and self.t_s[k] <= t_sim_s:
                best = k
        if best < 0:  # not started yet: face along the first moving leg
            for k in range(len(self.t_s) - 1):
                if self.xy_m[k] != self.xy_m[k + 1]:
                    return k
        return best

    def heading_deg_at(self, t_sim_s: float) -> float:
        """Direction of travel (degrees clockwise from north) at ``t_sim_s``; ``rest_heading_deg`` for a path
        that never moves."""
        k = self._leg_index(t_sim_s)
        if k < 0:
            return self.rest_heading_deg % 360.0
        (x0, y0), (x1, y1) = self.xy_m[k], self.xy_m[k + 1]
        return math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0

    def speed_m_s_at(self, t_sim_s: float) -> float:
        """Speed at ``t_sim_s`` (0 while waiting, before the start and after the end)."""
        for k in range(len(self.t_s) - 1):
            if self.t_s[k] <= t_sim_s < self.t_s[k + 1]:
                (x0, y0), (x1, y1) = self.xy_m[k], self.xy_m[k + 1]
                return math.hypot(x1 - x0, y1 - y0) / (self.t_s[k + 1] - self.t_s[k])
        return 0.0

    def distance_m_at(self, t_sim_s: float) -> float:
        """Distance travelled along the path by ``t_sim_s`` (drives the walking cycle)."""
        t, xy = self._arrays()
        if len(t) == 1:
            return 0.0
        cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        return float(np.interp(t_sim_s, t, cumulative))


@dataclass(frozen=True, kw_only=True)
class Target:
    """A scripted person or vehicle: identity, look, and path."""

    id: str
    kind: TargetKind
    look: Look
    path: Trajectory

    @property
    def target_class(self) -> TargetClass:
        return self.kind.target_class


@dataclass(frozen=True, kw_only=True)
class TargetState:
    """A target at one instant: true position on the ground (metres in the world frame and WGS84)."""

    id: str
    kind: TargetKind
    target_class: TargetClass
    look: Look
    x_m: float
    y_m: float
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    heading_deg: float
    speed_m_s: float
    stride_m: float  # distance walked or driven so far (animates legs and arms)
