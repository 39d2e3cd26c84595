"""World time: "sim seconds since the world epoch", and how it maps to wall-clock Unix time.

With a speed-up factor K the simulation runs K times faster than the wall clock, so one wall second
is K sim seconds. Everything in the world (target paths, scripted crossings) is written in sim
seconds; poses and video frames carry wall-clock ``t_unix_s`` (UTC). The clock converts both ways.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sitl.errors import SimConfigError


@dataclass(frozen=True, kw_only=True)
class SimClock:
    """Maps wall-clock Unix time to world time: ``t_sim_s = (t_unix_s - epoch_unix_s) · speedup``.

    >>> clock = SimClock(epoch_unix_s=1_700_000_000.0, speedup=5.0)
    >>> clock.t_sim_s(1_700_000_002.0)
    10.0
    >>> clock.t_unix_s(10.0)
    1700000002.0
    """

    epoch_unix_s: float
    speedup: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.epoch_unix_s) and self.epoch_unix_s >= 0):
            raise SimConfigError(f"clock epoch must be a Unix time in seconds, got {self.epoch_unix_s!r}")
        if not (math.isfinite(self.speedup) and 0 < self.speedup <= 1000):
            raise SimConfigError(f"speed-up must be in (0, 1000], got {self.speedup!r}")

    @classmethod
    def starting_now(cls, speedup: float = 1.0) -> SimClock:
        """A clock whose world epoch is this instant (world time 0 now)."""
        return cls(epoch_unix_s=time.time(), speedup=speedup)

    def t_sim_s(self, t_unix_s: float) -> float:
        """World time (sim seconds since the epoch) at wall-clock ``t_unix_s``."""
        return (t_unix_s - self.epoch_unix_s) * self.speedup

    def t_unix_s(self, t_sim_s: float) -> float:
        """Wall-clock Unix time at which the world reaches ``t_sim_s``."""
        return self.epoch_unix_s + t_sim_s / self.speedup

    def now_sim_s(self) -> float:
        """World time now."""
        return self.t_sim_s(time.time())
