"""Values refuse what cannot exist, with a message that says what is wrong."""

import math

import pytest

from missions.errors import InvalidValueError, MissionError
from missions.values import (
    BorderLine,
    FenceCircle,
    FencePolygon,
    GeoPoint,
    HomePosition,
    MavCmd,
    Mission,
    PatrolArea,
    RallyPoint,
    Waypoint,
)

P = GeoPoint(lat_deg=31.3, lon_deg=-110.9)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: GeoPoint(lat_deg=90.5, lon_deg=0.0), "latitude 90.5"),
        (lambda: GeoPoint(lat_deg=0.0, lon_deg=-180.01), "longitude -180.01"),
        (lambda: GeoPoint(lat_deg=math.nan, lon_deg=0.0), "latitude nan"),
        (lambda: Waypoint(lat_deg=95.0, lon_deg=1.0), "waypoint (NAV_WAYPOINT): latitude 95.0"),
        (lambda: Waypoint(alt_m=math.inf), "waypoint altitude must be a finite number"),
        (lambda: Waypoint(hold_s=-1.0), "hold_s must not be negative"),
        (lambda: Waypoint(command=70000), "not a MAV_CMD number"),
        (lambda: Waypoint(params=(1.0, 2.0)), "param1..param4"),
        (lambda: HomePosition(lat_deg=0.0, lon_deg=200.0), "home: longitude 200.0"),
        (lambda: Mission(home=HomePosition(lat_deg=0, lon_deg=0), cruise_speed_m_s=0.0), "cruise_speed_m_s"),
        (lambda: FencePolygon(vertices=(P, P), inclusion=True), "at least 3 vertices, got 2"),
        (lambda: FenceCircle(center=P, radius_m=-5.0, inclusion=False), "positive radius"),
        (lambda: RallyPoint(lat_deg=-91.0, lon_deg=0.0, alt_m=10.0), "rally point: latitude -91.0"),
        (lambda: BorderLine(points=(P,)), "at least 2 points, got 1"),
        (lambda: PatrolArea(outer=(P, P)), "at least 3 corners"),
    ],
)
def test_impossible_values_are_refused_with_a_message(make, message):
    with pytest.raises(InvalidValueError) as info:
        make()
    assert message in str(info.value)
    assert isinstance(info.value, MissionError)


def test_values_are_frozen_and_keyword_only():
    wp = Waypoint(lat_deg=1.0, lon_deg=2.0, alt_m=30.0)
    with pytest.raises(AttributeError):
        wp.alt_m = 40.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        GeoPoint(1.0, 2.0)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("wp", "has_location", "is_nav"),
    [
        (Waypoint(command=MavCmd.NAV_WAYPOINT, lat_deg=1.0, lon_deg=1.0), True, True),
        (Waypoint(command=MavCmd.NAV_TAKEOFF), False, True),
        (Waypoint(command=MavCmd.DO_CHANGE_SPEED, speed_m_s=5.0), False, False),
        (Waypoint(command=MavCmd.DO_SET_ROI, lat_deg=1.0, lon_deg=1.0), True, False),
        (Waypoint(command=MavCmd.NAV_RETURN_TO_LAUNCH), False, True),
    ],
)
def test_waypoint_location_and_navigation_flags(wp, has_location, is_nav):
    assert wp.has_location is has_location
    assert wp.is_nav is is_nav


def test_unknown_commands_keep_their_number_and_name():
    wp = Waypoint(command=31000, params=(1.0, None, 3.0, 4.0))
    assert wp.command == 31000
    assert wp.command_name == "MAV_CMD 31000"
