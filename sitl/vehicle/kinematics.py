"""A kinematic multirotor: position and velocity follow a setpoint under speed, acceleration and climb
limits, and the attitude follows from the acceleration (no I/O, advanced by ``step``).

The state is kept in WGS84 latitude/longitude/AMSL altitude and north/east/down velocity; distances
between nearby points use the ellipsoid's local radii (exact to millimetres over one step, and to a
few centimetres per kilometre for navigation targets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GRAVITY_M_S2 = 9.80665
_WGS84_A_M = 6378137.0
_WGS84_E2 = 6.69437999014e-3
# Horizontal drag of a small quad: ~12° of tilt holds 10 m/s against still air.
DRAG_PER_M = 0.021
TILT_TIME_CONSTANT_S = 0.25


def metres_per_degree(lat_deg: float) -> tuple[float, float]:
    """(metres per degree of latitude, metres per degree of longitude) at ``lat_deg``.

    >>> [round(v) for v in metres_per_degree(0.0)]
    [110574, 111320]
    """
    phi = math.radians(lat_deg)
    s2 = math.sin(phi) ** 2
    m_rad = _WGS84_A_M * (1 - _WGS84_E2) / (1 - _WGS84_E2 * s2) ** 1.5
    n_rad = _WGS84_A_M / math.sqrt(1 - _WGS84_E2 * s2)
    return math.radians(m_rad), math.radians(n_rad * math.cos(phi))


def ne_offset_m(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float) -> tuple[float, float]:
    """North and east metres from point 1 to point 2 (local tangent plane at their mid-latitude)."""
    m_lat, m_lon = metres_per_degree((lat1_deg + lat2_deg) / 2)
    return (lat2_deg - lat1_deg) * m_lat, (lon2_deg - lon1_deg) * m_lon


def offset_deg(lat_deg: float, lon_deg: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point ``north_m``/``east_m`` from ``lat_deg``/``lon_deg``."""
    m_lat, m_lon = metres_per_degree(lat_deg)
    return lat_deg + north_m / m_lat, lon_deg + east_m / m_lon


def wrap_180(angle_deg: float) -> float:
    """An angle in -180..180.

    >>> wrap_180(270.0)
    -90.0
    """
    return (angle_deg + 180.0) % 360.0 - 180.0


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Motion limits, ArduCopter's defaults (WPNAV_SPEED, WPNAV_ACCEL, WPNAV_SPEED_UP/DN, ...)."""

    speed_m_s: float = 10.0
    accel_m_s2: float = 2.5
    climb_m_s: float = 2.5
    descent_m_s: float = 1.5
    accel_z_m_s2: float = 2.5
    yaw_rate_deg_s: float = 60.0


@dataclass(frozen=True, kw_only=True)
class Setpoint:
    """What the position controller is asked for.

    Horizontal: fly to ``lat_deg``/``lon_deg`` (or, when ``velocity_ne_m_s`` is given, hold that
    velocity). Vertical: reach ``alt_amsl_m``, or descend at ``descend_m_s`` when given (landing).
    ``yaw_deg`` is the heading wanted (None: face where the vehicle is flying).
    """

    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    speed_m_s: float | None = None
    descend_m_s: float | None = None
    yaw_deg: float | None = None
    velocity_ne_m_s: tuple[float, float] | None = None


class Body:
    """The true kinematic state of one airframe (mutable; read it through ``snapshot``-style fields)."""

    def __init__(self, *, lat_deg: float, lon_deg: float, ground_amsl_m: float, yaw_deg: float) -> None:
        self.lat_deg = lat_deg
        self.lon_deg = lon_deg
        self.ground_amsl_m = ground_amsl_m
        self.alt_amsl_m = ground_amsl_m
        self.vn_m_s = 0.0
        self.ve_m_s = 0.0
        self.vd_m_s = 0.0
        self.an_m_s2 = 0.0
        self.ae_m_s2 = 0.0
        self.roll_deg = 0.0
        self.pitch_deg = 0.0
        self.yaw_deg = yaw_deg % 360.0
        self.yaw_rate_deg_s = 0.0
        self.on_ground = True

    @property
    def alt_agl_m(self) -> float:
        return self.alt_amsl_m - self.ground_amsl_m

    @property
    def ground_speed_m_s(self) -> float:
        return math.hypot(self.vn_m_s, self.ve_m_s)

    @property
    def course_deg(self) -> float:
        return math.degrees(math.atan2(self.ve_m_s, self.vn_m_s)) % 360.0

    def distance_to_m(self, lat_deg: float, lon_deg: float) -> float:
        dn, de = ne_offset_m(self.lat_deg, self.lon_deg, lat_deg, lon_deg)
        return math.hypot(dn, de)

    def step(
        self,
        dt_s: float,
        setpoint: Setpoint | None,
        limits: Limits,
        *,
        wind_ne_m_s: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        """Advance ``dt_s`` seconds towards ``setpoint`` (None: motors off, stays or falls to ground)."""
        if dt_s <= 0:
            return
        old_vn, old_ve, old_vd = self.vn_m_s, self.ve_m_s, self.vd_m_s
        if setpoint is None:
            vn_des, ve_des = (0.0, 0.0) if self.on_ground else (old_vn, old_ve)
            vd_des = 0.0 if self.on_ground else limits.descent_m_s * 3
            yaw_des = None
            speed = limits.speed_m_s
        else:
            vn_des, ve_des = self._horizontal_demand(setpoint, limits)
            vd_des = self._vertical_demand(setpoint, limits)
            yaw_des = setpoint.yaw_deg
            speed = setpoint.speed_m_s or limits.speed_m_s
        # Horizontal acceleration limit (vector), vertical separately.
        dvn, dve = vn_des - old_vn, ve_des - old_ve
        dv = math.hypot(dvn, dve)
        max_dv = limits.accel_m_s2 * dt_s
        if dv > max_dv:
            dvn, dve = dvn * max_dv / dv, dve * max_dv / dv
        dvd = max(-limits.accel_z_m_s2 * dt_s, min(limits.accel_z_m_s2 * dt_s, vd_des - old_vd))
        self.vn_m_s, self.ve_m_s, self.vd_m_s = old_vn + dvn, old_ve + dve, old_vd + dvd
        self.an_m_s2, self.ae_m_s2 = dvn / dt_s, dve / dt_s
        # Integrate with the mean velocity over the step.
        north = 0.5 * (old_vn + self.vn_m_s) * dt_s
        east = 0.5 * (old_ve + self.ve_m_s) * dt_s
        self.lat_deg, self.lon_deg = offset_deg(self.lat_deg, self.lon_deg, north, east)
        self.alt_amsl_m -= 0.5 * (old_vd + self.vd_m_s) * dt_s
        if self.alt_amsl_m <= self.ground_amsl_m:
            self.alt_amsl_m = self.ground_amsl_m
            if self.vd_m_s > 0:
                self.vd_m_s = 0.0
            self.on_ground = True
            self.vn_m_s = self.ve_m_s = 0.0
            self.an_m_s2 = self.ae_m_s2 = 0.0
        elif self.alt_amsl_m > self.ground_amsl_m + 0.05:
            self.on_ground = False
        self._attitude(dt_s, yaw_des, limits, wind_ne_m_s, speed)

    def _horizontal_demand(self, sp: Setpoint, limits: Limits) -> tuple[float, float]:
        if sp.velocity_ne_m_s is not None:
            return sp.velocity_ne_m_s
        if self.on_ground and sp.alt_amsl_m <= self.ground_amsl_m + 0.05:
            return 0.0, 0.0
        dn, de = ne_offset_m(self.lat_deg, self.lon_deg, sp.lat_deg, sp.lon_deg)
        dist = math.hypot(dn, de)
        if dist < 1e-3:
            return 0.0, 0.0
        vmax = min(sp.speed_m_s or limits.speed_m_s, limits.speed_m_s * 2.0)
        # Square-root controller: the speed from which the vehicle can still stop at the target.
        v = min(vmax, math.sqrt(2.0 * limits.accel_m_s2 * dist) * 0.9, 1.5 * dist)
        return v * dn / dist, v * de / dist

    def _vertical_demand(self, sp: Setpoint, limits: Limits) -> float:
        if sp.descend_m_s is not None:
            return sp.descend_m_s
        err_up = sp.alt_amsl_m - self.alt_amsl_m
        if err_up >= 0:
            v = min(limits.climb_m_s, math.sqrt(2.0 * limits.accel_z_m_s2 * err_up) * 0.9, 1.5 * err_up)
            return -v
        v = min(limits.descent_m_s, math.sqrt(2.0 * limits.accel_z_m_s2 * -err_up) * 0.9, -1.5 * err_up)
        return v

    def _attitude(
        self,
        dt_s: float,
        yaw_des: float | None,
        limits: Limits,
        wind_ne_m_s: tuple[float, float],
        speed_m_s: float,
    ) -> None:
        if yaw_des is None and self.ground_speed_m_s > min(1.0, 0.5 * speed_m_s):
            yaw_des = self.course_deg
        old_yaw = self.yaw_deg
        if yaw_des is not None and not self.on_ground:
            err = wrap_180(yaw_des - self.yaw_deg)
            step = max(-limits.yaw_rate_deg_s * dt_s, min(limits.yaw_rate_deg_s * dt_s, err))
            self.yaw_deg = (self.yaw_deg + step) % 360.0
        self.yaw_rate_deg_s = wrap_180(self.yaw_deg - old_yaw) / dt_s
        if self.on_ground:
            self.roll_deg = self.pitch_deg = 0.0
            return
        # Tilt that produces the acceleration plus the drag of the relative wind.
        air_n, air_e = self.vn_m_s - wind_ne_m_s[0], self.ve_m_s - wind_ne_m_s[1]
        air = math.hypot(air_n, air_e)
        fn = self.an_m_s2 + DRAG_PER_M * air * air_n
        fe = self.ae_m_s2 + DRAG_PER_M * air * air_e
        yaw = math.radians(self.yaw_deg)
        forward = fn * math.cos(yaw) + fe * math.sin(yaw)
        right = -fn * math.sin(yaw) + fe * math.cos(yaw)
        pitch_des = -math.degrees(math.atan2(forward, GRAVITY_M_S2))
        roll_des = math.degrees(math.atan2(right, GRAVITY_M_S2))
        k = min(1.0, dt_s / TILT_TIME_CONSTANT_S)
        self.pitch_deg += k * (pitch_des - self.pitch_deg)
        self.roll_deg += k * (roll_des - self.roll_deg)
