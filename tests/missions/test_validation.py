"""Validation checks legs, not just points, and says what is wrong where."""

import pytest

from missions.airframe import AirframeSpec
from missions.errors import PlanRejectedError
from missions.validation import Severity, ValidationLimits, validate
from missions.values import AltFrame, FenceCircle, FencePolygon, Geofence, MavCmd, Mission, Plan, Waypoint
from tests.missions.builders import FRAME, geo, home_at, line, mission_through, waypoint

# A border that bends north into our side: a peak at (0, 300).
BENT = line((-2000, 0), (0, 300), (2000, 0))


def codes(report, severity=Severity.ERROR):
    return [f.code for f in report.findings if f.severity == severity]


def test_a_leg_between_two_good_points_can_still_cross_a_bent_border():
    home = home_at(-1500, 400)
    mission = mission_through((-1500, 200), (1500, 200), home=home)
    # Both waypoints are north of the line...
    for x in (-1500, 1500):
        assert 300 * (1 - abs(x) / 2000) < 200
    report = validate(Plan(mission=mission, border=BENT))
    border_errors = [f for f in report.errors if f.code == "border"]
    assert len(border_errors) >= 1
    first = border_errors[0]
    assert first.item_index == 2  # the leg that ends at the second waypoint (item 3)
    assert "crosses the border line" in first.message
    x, y = FRAME.to_xy(first.location)
    assert (x, y) == pytest.approx((-666.7, 200.0), abs=1.0)
    with pytest.raises(PlanRejectedError, match="crosses the border"):
        report.require_ok()


def test_the_return_home_is_checked_too():
    home = home_at(-1500, 400)
    # Fly round the peak's north side, then stop east of it: RTL flies straight back across the peak.
    mission = Mission(
        home=home,
        items=(
            Waypoint(command=MavCmd.NAV_TAKEOFF, alt_m=60.0),
            waypoint(-1500, 700),
            waypoint(1500, 700),
            waypoint(1500, 100),
        ),
    )
    report = validate(Plan(mission=mission, border=BENT))
    assert [f.message for f in report.errors] == ["the leg to the return home crosses the border line"]


def test_a_plan_that_keeps_clear_has_no_errors():
    home = home_at(-1500, 500)
    mission = mission_through((-1500, 400), (0, 420), (1500, 400), home=home)
    report = validate(Plan(mission=mission, border=BENT))
    assert report.errors == ()
    report.require_ok()


def test_passing_close_to_the_border_is_a_warning():
    home = home_at(0, 500)
    mission = mission_through((-100, 303), (100, 303), home=home)
    report = validate(Plan(mission=mission, border=BENT), limits=ValidationLimits(border_margin_m=5.0))
    assert "border-margin" in codes(report, Severity.WARNING)
    assert not report.has_errors


def test_keep_out_polygon_entered_by_a_leg():
    zone = FencePolygon(vertices=(geo(-50, 100), geo(50, 100), geo(50, 200), geo(-50, 200)), inclusion=False)
    mission = mission_through((-500, 150), (500, 150), home=home_at(-500, 0))
    report = validate(Plan(mission=mission, fence=Geofence(polygons=(zone,))))
    assert codes(report) == ["keep-out"]
    x, y = FRAME.to_xy(report.errors[0].location)
    assert (x, y) == pytest.approx((-50, 150), abs=1.0)


def test_keep_out_circle_and_keep_in_polygon():
    circle = FenceCircle(center=geo(0, 150), radius_m=30.0, inclusion=False)
    keep_in = FencePolygon(
        vertices=(geo(-600, -100), geo(400, -100), geo(400, 300), geo(-600, 300)), inclusion=True
    )
    mission = mission_through((-500, 150), (500, 150), home=home_at(-500, 0))
    report = validate(Plan(mission=mission, fence=Geofence(polygons=(keep_in,), circles=(circle,))))
    assert sorted(codes(report)) == [
        "keep-in",
        "keep-in",
        "keep-out",
    ]  # out of the box and back, and the circle


@pytest.mark.parametrize(
    ("alt_m", "frame", "code", "severity"),
    [
        (130.0, AltFrame.REL_HOME, "altitude", Severity.ERROR),
        (1000.0 + 125.0, AltFrame.AMSL, "altitude", Severity.ERROR),  # home is at 1000 m AMSL
        (1000.0 + 60.0, AltFrame.AMSL, None, None),
        (-5.0, AltFrame.REL_HOME, "altitude", Severity.ERROR),
        (5.0, AltFrame.REL_HOME, "altitude", Severity.WARNING),
        (60.0, AltFrame.REL_HOME, None, None),
    ],
)
def test_altitude_limits(alt_m, frame, code, severity):
    p = geo(100, 100)
    wp = Waypoint(
        command=MavCmd.NAV_WAYPOINT, lat_deg=p.lat_deg, lon_deg=p.lon_deg, alt_m=alt_m, alt_frame=frame
    )
    mission = Mission(home=home_at(0, 0), items=(Waypoint(command=MavCmd.NAV_TAKEOFF, alt_m=30.0), wp))
    report = validate(Plan(mission=mission))
    found = [(f.code, f.severity) for f in report.findings if f.item_index == 1]
    assert found == ([] if code is None else [(code, severity)])


def test_fence_maximum_altitude_tightens_the_limit():
    mission = mission_through((100, 100), alt_m=90.0)
    report = validate(Plan(mission=mission, fence=Geofence(max_alt_m=80.0)))
    assert any("limit is 80 m" in f.message for f in report.errors)


def test_distance_from_home():
    mission = mission_through((0, 9000), home=home_at(0, 0))
    report = validate(
        Plan(mission=mission),
        limits=ValidationLimits(max_distance_from_home_m=8000.0),
        airframe=AirframeSpec(endurance_s=7200.0),
    )
    assert codes(report) == ["range"]
    assert "9.0 km from home; the limit is 8.0 km" in report.errors[0].message


def test_endurance_with_reserve():
    mission = mission_through((0, 6000), (0, 0), (0, 6000), home=home_at(0, 0))  # 24 km at hover speed, 5 m/s
    short = AirframeSpec(endurance_s=20 * 60.0)
    report = validate(Plan(mission=mission), airframe=short)
    assert codes(report) == ["endurance"]
    assert "with a 20% reserve at most 80%" in report.errors[0].message
    assert not validate(Plan(mission=mission), airframe=AirframeSpec(endurance_s=7200.0)).has_errors


def test_empty_mission_is_an_error_and_a_missing_takeoff_a_warning():
    assert codes(validate(Plan(mission=Mission(home=home_at())))) == ["empty"]
    mission = Mission(home=home_at(0, 0), items=(waypoint(0, 100),))
    assert "no-takeoff" in codes(validate(Plan(mission=mission)), Severity.WARNING)
