"""How long, how far, how much battery: estimates for a mission with ArduCopter-like kinematics."""

from __future__ import annotations

import math
from dataclasses import dataclass

from missions.airframe import DEFAULT_AIRFRAME, AirframeSpec
from missions.geo import bearing_deg, distance_m
from missions.route import LegKind, RouteLeg, route_legs
from missions.values import Mission


@dataclass(frozen=True, kw_only=True)
class Estimates:
    length_m: float
    flight_time_s: float
    battery_pct: float


def leg_time_s(length_m: float, speed_m_s: float, accel_m_s2: float, *, stop_at_end: bool = True) -> float:
    """Time to fly ``length_m`` from a stop, with a trapezoidal speed profile.

    >>> round(leg_time_s(100.0, 10.0, 2.5), 1)
    14.0
    >>> round(leg_time_s(4.0, 10.0, 2.5), 2)
    2.53
    """
    if length_m <= 0:
        return 0.0
    ramps = 2 if stop_at_end else 1
    ramp_len = ramps * speed_m_s**2 / (2 * accel_m_s2)
    if length_m >= ramp_len:
        return length_m / speed_m_s + ramps * speed_m_s / (2 * accel_m_s2)
    peak = math.sqrt(2 * accel_m_s2 * length_m / ramps)
    return ramps * peak / accel_m_s2


def _turn_deg(a: RouteLeg, b: RouteLeg) -> float:
    if a.start == a.end or b.start == b.end:
        return 180.0
    diff = abs(bearing_deg(a.start, a.end) - bearing_deg(b.start, b.end)) % 360.0
    return min(diff, 360.0 - diff)


def estimate(mission: Mission, airframe: AirframeSpec = DEFAULT_AIRFRAME) -> Estimates:
    """Route length (horizontal + vertical), flight time and share of the battery it uses."""
    legs = route_legs(mission, default_rtl_alt_m=airframe.rtl_alt_m)
    total_len = 0.0
    total_time = 0.0
    for i, leg in enumerate(legs):
        horiz = distance_m(leg.start, leg.end) if leg.start != leg.end else 0.0
        if leg.kind == LegKind.RETURN:
            climb = max(0.0, leg.start_alt_rel_m - _prev_alt(legs, i))
            descent_fast = max(0.0, leg.start_alt_rel_m - airframe.land_final_alt_m)
            descent_slow = min(leg.start_alt_rel_m, airframe.land_final_alt_m)
            total_time += climb / airframe.climb_m_s
            total_time += descent_fast / airframe.descent_m_s + descent_slow / airframe.land_speed_m_s
            total_len += climb + leg.start_alt_rel_m
        else:
            dz = leg.end_alt_rel_m - leg.start_alt_rel_m
            rate = airframe.climb_m_s if dz > 0 else airframe.descent_m_s
            total_time += abs(dz) / rate if horiz < 1.0 else 0.0
            total_len += abs(dz) if horiz < 1.0 else 0.0
        if horiz > 0:
            nxt = legs[i + 1] if i + 1 < len(legs) else None
            stop = nxt is None or _turn_deg(leg, nxt) > airframe.corner_stop_deg or leg.hold_s > 0
            total_time += leg_time_s(horiz, leg.speed_m_s, airframe.accel_m_s2, stop_at_end=stop)
            total_len += horiz
        total_time += leg.hold_s
    return Estimates(
        length_m=total_len,
        flight_time_s=total_time,
        battery_pct=100.0 * total_time / airframe.endurance_s,
    )


def _prev_alt(legs: list[RouteLeg], i: int) -> float:
    return legs[i - 1].end_alt_rel_m if i > 0 else 0.0
