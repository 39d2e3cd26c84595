"""ArduCopter's parameters as the simulator keeps them: names, defaults, MAVLink types.

Units are ArduPilot's own (``WPNAV_SPEED`` and ``RTL_ALT`` in centimetres, ``FENCE_ALT_MAX`` in
metres, ``BATT_CAPACITY`` in mAh, ``DISARM_DELAY`` in seconds); ``si()`` gives the simulator the
value in SI units. Defaults follow ArduCopter 4.6 with the SITL defaults file, except where noted:
``BATT_FS_LOW_ACT`` is 2 (RTL) and ``FS_GCS_ENABLE`` 1 here (both 0 in ArduCopter) so that the
failsafes the patrol relies on are on unless turned off.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from sitl.vehicle.codec import mavlink

INT8 = mavlink.MAV_PARAM_TYPE_INT8
INT16 = mavlink.MAV_PARAM_TYPE_INT16
INT32 = mavlink.MAV_PARAM_TYPE_INT32
REAL32 = mavlink.MAV_PARAM_TYPE_REAL32


@dataclass(frozen=True, kw_only=True)
class ParamSpec:
    name: str
    default: float
    type: int = REAL32
    si_scale: float = 1.0  # multiply the stored value by this to get SI units


_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(name="FORMAT_VERSION", default=120, type=INT16),
    ParamSpec(name="SYSID_THISMAV", default=1, type=INT16),
    ParamSpec(name="SYSID_MYGCS", default=255, type=INT16),
    ParamSpec(name="FRAME_CLASS", default=1, type=INT8),
    ParamSpec(name="FRAME_TYPE", default=0, type=INT8),
    ParamSpec(name="PILOT_SPEED_UP", default=250, type=INT16, si_scale=0.01),
    ParamSpec(name="PILOT_SPEED_DN", default=0, type=INT16, si_scale=0.01),
    ParamSpec(name="PILOT_ACCEL_Z", default=250, type=INT16, si_scale=0.01),
    ParamSpec(name="WPNAV_SPEED", default=1000, si_scale=0.01),
    ParamSpec(name="WPNAV_RADIUS", default=200, si_scale=0.01),
    ParamSpec(name="WPNAV_SPEED_UP", default=250, si_scale=0.01),
    ParamSpec(name="WPNAV_SPEED_DN", default=150, si_scale=0.01),
    ParamSpec(name="WPNAV_ACCEL", default=250, si_scale=0.01),
    ParamSpec(name="WPNAV_ACCEL_Z", default=100, si_scale=0.01),
    ParamSpec(name="WPNAV_JERK", default=1),
    ParamSpec(name="WPNAV_RFND_USE", default=1, type=INT8),
    ParamSpec(name="WP_YAW_BEHAVIOR", default=2, type=INT8),
    ParamSpec(name="LOIT_SPEED", default=1250, si_scale=0.01),
    ParamSpec(name="LOIT_ACC_MAX", default=500, si_scale=0.01),
    ParamSpec(name="CIRCLE_RADIUS", default=1000, si_scale=0.01),
    ParamSpec(name="CIRCLE_RATE", default=20),
    ParamSpec(name="RTL_ALT", default=1500, type=INT16, si_scale=0.01),
    ParamSpec(name="RTL_ALT_FINAL", default=0, type=INT16, si_scale=0.01),
    ParamSpec(name="RTL_CLIMB_MIN", default=0, type=INT16, si_scale=0.01),
    ParamSpec(name="RTL_SPEED", default=0, type=INT16, si_scale=0.01),
    ParamSpec(name="RTL_LOIT_TIME", default=5000, type=INT32, si_scale=0.001),
    ParamSpec(name="RTL_CONE_SLOPE", default=3),
    ParamSpec(name="LAND_SPEED", default=50, type=INT16, si_scale=0.01),
    ParamSpec(name="LAND_SPEED_HIGH", default=0, type=INT16, si_scale=0.01),
    ParamSpec(name="LAND_ALT_LOW", default=1000, type=INT16, si_scale=0.01),
    ParamSpec(name="DISARM_DELAY", default=10, type=INT8),
    ParamSpec(name="ARMING_CHECK", default=1, type=INT32),
    ParamSpec(name="ANGLE_MAX", default=3000, type=INT16, si_scale=0.01),
    ParamSpec(name="ATC_RATE_Y_MAX", default=0),
    ParamSpec(name="ATC_SLEW_YAW", default=6000, si_scale=0.01),
    ParamSpec(name="MIS_TOTAL", default=0, type=INT16),
    ParamSpec(name="MIS_RESTART", default=0, type=INT8),
    ParamSpec(name="MIS_OPTIONS", default=0, type=INT16),
    ParamSpec(name="AUTO_OPTIONS", default=0, type=INT32),
    ParamSpec(name="GUID_OPTIONS", default=0, type=INT32),
    ParamSpec(name="GUID_TIMEOUT", default=3),
    ParamSpec(name="FS_GCS_ENABLE", default=1, type=INT8),
    ParamSpec(name="FS_GCS_TIMEOUT", default=5),
    ParamSpec(name="FS_THR_ENABLE", default=0, type=INT8),
    ParamSpec(name="FS_OPTIONS", default=0, type=INT32),
    ParamSpec(name="FS_EKF_ACTION", default=1, type=INT8),
    ParamSpec(name="FS_EKF_THRESH", default=0.8),
    ParamSpec(name="FS_CRASH_CHECK", default=1, type=INT8),
    ParamSpec(name="FENCE_ENABLE", default=0, type=INT8),
    ParamSpec(name="FENCE_TYPE", default=7, type=INT8),
    ParamSpec(name="FENCE_ACTION", default=1, type=INT8),
    ParamSpec(name="FENCE_ALT_MAX", default=100),
    ParamSpec(name="FENCE_ALT_MIN", default=-10),
    ParamSpec(name="FENCE_RADIUS", default=300),
    ParamSpec(name="FENCE_MARGIN", default=2),
    ParamSpec(name="FENCE_TOTAL", default=0, type=INT8),
    ParamSpec(name="RALLY_TOTAL", default=0, type=INT8),
    ParamSpec(name="RALLY_LIMIT_KM", default=0.3),
    ParamSpec(name="RALLY_INCL_HOME", default=1, type=INT8),
    ParamSpec(name="BATT_MONITOR", default=4, type=INT8),
    ParamSpec(name="BATT_CAPACITY", default=10000, type=INT32),
    ParamSpec(name="BATT_LOW_VOLT", default=10.5),
    ParamSpec(name="BATT_CRT_VOLT", default=0),
    ParamSpec(name="BATT_LOW_MAH", default=0),
    ParamSpec(name="BATT_CRT_MAH", default=0),
    ParamSpec(name="BATT_LOW_TIMER", default=10, type=INT8),
    ParamSpec(name="BATT_FS_LOW_ACT", default=2, type=INT8),
    ParamSpec(name="BATT_FS_CRT_ACT", default=1, type=INT8),
    ParamSpec(name="BATT_ARM_VOLT", default=0),
    ParamSpec(name="BATT_ARM_MAH", default=0, type=INT32),
    ParamSpec(name="EK3_ENABLE", default=1, type=INT8),
    ParamSpec(name="AHRS_EKF_TYPE", default=3, type=INT8),
    ParamSpec(name="GPS_TYPE", default=1, type=INT8),
    ParamSpec(name="GPS_AUTO_SWITCH", default=1, type=INT8),
    ParamSpec(name="COMPASS_USE", default=1, type=INT8),
    ParamSpec(name="MNT1_TYPE", default=1, type=INT8),
    ParamSpec(name="MNT1_DEFLT_MODE", default=3, type=INT8),
    ParamSpec(name="MNT1_PITCH_MIN", default=-90, type=INT16),
    ParamSpec(name="MNT1_PITCH_MAX", default=20, type=INT16),
    ParamSpec(name="MNT1_YAW_MIN", default=-180, type=INT16),
    ParamSpec(name="MNT1_YAW_MAX", default=180, type=INT16),
    ParamSpec(name="SERIAL0_PROTOCOL", default=2, type=INT8),
    ParamSpec(name="SERIAL0_BAUD", default=115, type=INT32),
    ParamSpec(name="SR0_RAW_SENS", default=0, type=INT16),
    ParamSpec(name="SR0_EXT_STAT", default=0, type=INT16),
    ParamSpec(name="SR0_RC_CHAN", default=0, type=INT16),
    ParamSpec(name="SR0_POSITION", default=0, type=INT16),
    ParamSpec(name="SR0_EXTRA1", default=0, type=INT16),
    ParamSpec(name="SR0_EXTRA2", default=0, type=INT16),
    ParamSpec(name="SR0_EXTRA3", default=0, type=INT16),
    ParamSpec(name="SR0_PARAMS", default=0, type=INT16),
    ParamSpec(name="BRD_SAFETY_DEFLT", default=0, type=INT8),
    ParamSpec(name="LOG_BITMASK", default=176126, type=INT32),
    ParamSpec(name="SIM_SPEEDUP", default=1),
    ParamSpec(name="SIM_BATT_VOLTAGE", default=12.6),
    ParamSpec(name="SIM_BATT_CAP_AH", default=0),
    ParamSpec(name="SIM_WIND_SPD", default=0),
    ParamSpec(name="SIM_WIND_DIR", default=180),
    ParamSpec(name="SIM_GPS_NOISE", default=0),
)


def _as_float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", float(value)))[0]


class ParamStore:
    """Name → value, in ArduPilot's order and units, with MAVLink's float32 storage."""

    def __init__(self, overrides: dict[str, float] | None = None) -> None:
        self._specs = {s.name: s for s in _SPECS}
        self._order = [s.name for s in _SPECS]
        self._values = {s.name: _as_float32(s.default) for s in _SPECS}
        for name, value in (overrides or {}).items():
            self.set(name, value)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def names(self) -> Iterator[str]:
        return iter(self._order)

    def index(self, name: str) -> int:
        return self._order.index(name)

    def name_at(self, index: int) -> str | None:
        return self._order[index] if 0 <= index < len(self._order) else None

    def get(self, name: str) -> float:
        """The stored value in ArduPilot's units (raises ``KeyError`` for an unknown name)."""
        return self._values[name]

    def si(self, name: str) -> float:
        """The value in SI units (metres, m/s, seconds): ``WPNAV_SPEED`` 1000 → 10.0."""
        spec = self._specs[name]
        return self._values[name] * spec.si_scale

    def type_of(self, name: str) -> int:
        return self._specs[name].type

    def set(self, name: str, value: float) -> bool:
        """Store ``value`` (rounded for integer types); False for unknown names or non-finite values."""
        spec = self._specs.get(name)
        if spec is None or not math.isfinite(value):
            return False
        if spec.type != REAL32:
            value = float(round(value))
        self._values[name] = _as_float32(value)
        return True
