"""What the aircraft can do, for estimates and endurance checks (ArduCopter 4.6 defaults)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from missions.errors import InvalidValueError


@dataclass(frozen=True, kw_only=True)
class AirframeSpec:
    """Flight performance; defaults are ArduCopter's WPNAV_* / LAND_* parameters and a ~40 min patrol quad."""

    name: str = "quad"
    endurance_s: float = 2400.0
    accel_m_s2: float = 2.5
    climb_m_s: float = 2.5
    descent_m_s: float = 1.5
    land_speed_m_s: float = 0.5
    land_final_alt_m: float = 10.0
    rtl_alt_m: float = 15.0
    corner_stop_deg: float = 45.0

    def __post_init__(self) -> None:
        for name in ("endurance_s", "accel_m_s2", "climb_m_s", "descent_m_s", "land_speed_m_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidValueError(f"airframe {self.name}: {name} must be positive, got {value!r}")


DEFAULT_AIRFRAME = AirframeSpec()
