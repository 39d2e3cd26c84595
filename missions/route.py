"""The path a mission makes the vehicle fly: legs from home through each place, and back.

ArduCopter flies straight lines between navigation items; RETURN_TO_LAUNCH flies straight home. A
mission that ends without RTL or LAND still ends at home in practice (the pilot or a failsafe
recalls it), so the route always closes at home: that leg has to be safe too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from missions.values import AltFrame, GeoPoint, MavCmd, Mission, Waypoint


class LegKind(StrEnum):
    TRANSIT = "transit"  # home or previous place -> next place
    RETURN = "return"  # last place -> home (RTL, explicit or implied)


@dataclass(frozen=True, kw_only=True)
class RouteLeg:
    start: GeoPoint
    end: GeoPoint
    start_alt_rel_m: float
    end_alt_rel_m: float
    speed_m_s: float
    hold_s: float
    item_index: int | None  # the mission item that ends this leg; None for the implied return
    kind: LegKind


def alt_rel_home_m(wp: Waypoint, home_alt_amsl_m: float) -> float:
    """A waypoint's altitude above home; terrain-relative altitudes count as above home (flat ground)."""
    if wp.alt_frame == AltFrame.AMSL:
        return wp.alt_m - home_alt_amsl_m
    return wp.alt_m


def route_legs(mission: Mission, *, default_rtl_alt_m: float = 15.0) -> list[RouteLeg]:
    """The horizontal legs flown, in order, ending with the return home."""
    home = mission.home.point
    here, alt = home, 0.0
    speed = mission.hover_speed_m_s
    legs: list[RouteLeg] = []
    ended = False
    for index, wp in enumerate(mission.items):
        if wp.command == MavCmd.DO_CHANGE_SPEED and wp.speed_m_s is not None and wp.speed_m_s > 0:
            speed = wp.speed_m_s
            continue
        if wp.command == MavCmd.NAV_RETURN_TO_LAUNCH:
            legs.append(_return_leg(here, home, alt, max(alt, default_rtl_alt_m), speed, index))
            ended = True
            break
        if wp.command not in (
            MavCmd.NAV_WAYPOINT,
            MavCmd.NAV_SPLINE_WAYPOINT,
            MavCmd.NAV_LOITER_TIME,
            MavCmd.NAV_LOITER_TURNS,
            MavCmd.NAV_LOITER_UNLIM,
            MavCmd.NAV_TAKEOFF,
            MavCmd.NAV_LAND,
        ):
            continue
        target = wp.point if wp.has_location else here
        target_alt = 0.0 if wp.command == MavCmd.NAV_LAND else alt_rel_home_m(wp, mission.home.alt_amsl_m)
        hold = wp.hold_s if wp.command in (MavCmd.NAV_WAYPOINT, MavCmd.NAV_LOITER_TIME) else 0.0
        legs.append(
            RouteLeg(
                start=here,
                end=target,
                start_alt_rel_m=alt,
                end_alt_rel_m=target_alt,
                speed_m_s=speed,
                hold_s=hold,
                item_index=index,
                kind=LegKind.TRANSIT,
            )
        )
        here, alt = target, target_alt
        if wp.command == MavCmd.NAV_LAND:
            ended = True
            break
    if not ended:
        legs.append(_return_leg(here, home, alt, max(alt, default_rtl_alt_m), speed, None))
    return legs


def _return_leg(
    here: GeoPoint, home: GeoPoint, alt: float, cruise_alt: float, speed: float, index: int | None
) -> RouteLeg:
    return RouteLeg(
        start=here,
        end=home,
        start_alt_rel_m=cruise_alt,
        end_alt_rel_m=0.0,
        speed_m_s=speed,
        hold_s=0.0,
        item_index=index,
        kind=LegKind.RETURN,
    )


def route_points(mission: Mission) -> list[GeoPoint]:
    """Home, every place flown to, and home again: the polyline of the route."""
    legs = route_legs(mission)
    points = [mission.home.point]
    for leg in legs:
        if leg.end != points[-1]:
            points.append(leg.end)
    return points
