"""Patterns: tracks where they should be, spacing from the camera, clear errors for impossible asks."""

import math

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from missions.camera import camera_preset
from missions.errors import PlanningError
from missions.geo import distance_m, path_length_m
from missions.patterns import area_sweep, border_patrol, border_sector, expanding_square, orbit, perimeter
from missions.patterns.sweep import narrowest_heading_deg
from missions.values import MavCmd
from tests.missions.builders import FRAME, area, home_at, line, sample

ZOOM = camera_preset("zoom")


def nav_xy(mission):
    return np.array([FRAME.to_xy(w.point) for w in mission.items if w.command == MavCmd.NAV_WAYPOINT])


def test_border_patrol_flies_out_and_back_on_our_side_at_the_standoff():
    border = line((-3000, 0), (0, 0), (3000, 400))  # bent line
    result, fences = border_patrol(
        border=border, side="north", home=home_at(0, 800), alt_m=60.0, camera=ZOOM, standoff_m=6.0
    )
    xy = nav_xy(result.mission)
    border_xy = LineString(FRAME.xy_array(list(border.points)))
    for x, y in xy:
        assert border_xy.distance(Point(x, y)) == pytest.approx(6.0, abs=0.6)
        # north of the line: y above the line's y at that x
        assert y > np.interp(x, [-3000, 0, 3000], [0, 0, 400])
    assert np.allclose(xy[0], xy[-1], atol=0.5)  # back where it started
    cmds = [w.command for w in result.mission.items]
    assert (
        cmds[0] == MavCmd.NAV_TAKEOFF
        and cmds[1] == MavCmd.DO_CHANGE_SPEED
        and cmds[-1] == MavCmd.NAV_RETURN_TO_LAUNCH
    )
    # the far side is fenced off, and the fence lies south of the line
    far = Polygon(FRAME.xy_array(list(fences[0].vertices)))
    assert not fences[0].inclusion
    assert far.contains(Point(0, -100)) and not far.contains(Point(0, 100))


def test_patrol_starts_at_the_end_nearest_home():
    border = line((-3000, 0), (3000, 0))
    result, _ = border_patrol(border=border, side="north", home=home_at(2500, 500), alt_m=60.0, camera=ZOOM)
    assert nav_xy(result.mission)[0][0] == pytest.approx(3000, abs=1)


def test_several_passes_step_away_from_the_line():
    border = line((-1000, 0), (1000, 0))
    result, _ = border_patrol(
        border=border,
        side="south",
        home=home_at(0, -500),
        alt_m=60.0,
        camera=ZOOM,
        standoff_m=5.0,
        passes=3,
        pass_spacing_m=20.0,
    )
    ys = sorted({round(y, 1) for _, y in nav_xy(result.mission)})
    assert ys == pytest.approx([-45.0, -25.0, -5.0], abs=0.2)


@pytest.mark.parametrize(("side", "sign"), [("left", 1), ("right", -1), ("north", 1), ("south", -1)])
def test_sides(side, sign):
    border = line((-1000, 0), (1000, 0))  # drawn eastwards: left is north
    home = home_at(0, 500 * sign)
    result, _ = border_patrol(border=border, side=side, home=home, alt_m=60.0, camera=ZOOM, standoff_m=5.0)
    assert np.all(np.sign(nav_xy(result.mission)[:, 1]) == sign)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"side": "east"}, "runs roughly east-west"),
        ({"standoff_m": 40.0}, "leaves the border line unseen"),
        ({"standoff_m": -1.0}, "standoff must be a positive distance"),
        ({"alt_m": 0.0}, "altitude must be above home"),
        ({"passes": 0}, "passes must be 1..20"),
        ({"side": "up"}, "side must be one of"),
        ({"home": home_at(0, -500)}, "home is on the south side"),
    ],
)
def test_border_patrol_refuses_what_cannot_work(kwargs, message):
    args = {
        "border": line((-1000, 0), (1000, 0)),
        "side": "north",
        "home": home_at(0, 500),
        "alt_m": 60.0,
        "camera": ZOOM,
    }
    with pytest.raises(PlanningError, match=message):
        border_patrol(**{**args, **kwargs})


def test_sectors_split_the_line_into_equal_lengths():
    border = sample().borders[0]
    total = path_length_m(border.points)
    pieces = [border_sector(border, k, 3) for k in (1, 2, 3)]
    lengths = [path_length_m(p.points) for p in pieces]
    assert total == pytest.approx(15_900, rel=0.03)  # the ~16 km sample
    assert lengths == pytest.approx([total / 3] * 3, rel=1e-3)
    assert pieces[0].points[-1].lon_deg == pytest.approx(pieces[1].points[0].lon_deg, abs=1e-7)


def test_sample_border_plans_a_valid_sector_patrol():
    f = sample()
    result, _ = border_patrol(
        border=border_sector(f.borders[0], 2, 3), side="north", home=f.home, alt_m=60.0, camera=ZOOM
    )
    assert result.estimates.battery_pct < 80
    assert result.estimates.length_m > 2 * 5300


def test_sweep_covers_the_area_with_lines_spaced_from_the_footprint():
    a = area((0, 0), (1000, 0), (1000, 400), (0, 400))
    result = area_sweep(area=a, home=home_at(-100, 0), alt_m=60.0, camera=ZOOM, side_overlap=0.2)
    xy = nav_xy(result.mission)
    poly = Polygon(FRAME.xy_array(list(a.outer)))
    assert all(poly.buffer(0.5).contains(Point(p)) for p in xy)
    # long thin area: lines run along the long side (east-west), spaced 2 · 15.4 · 0.8 m apart
    ys = sorted({round(y) for _, y in xy})
    spacing = 2 * ZOOM.swath_half_width_m(60.0) * 0.8
    assert np.diff(ys) == pytest.approx([spacing] * (len(ys) - 1), abs=1.0)
    assert len(ys) == math.floor(400 / spacing) + 1


def test_sweep_detours_around_holes():
    a = area(
        (0, 0), (600, 0), (600, 600), (0, 600), holes=(((250, 250), (350, 250), (350, 350), (250, 350)),)
    )
    result = area_sweep(area=a, home=home_at(-100, 0), alt_m=60.0, camera=ZOOM)
    xy = nav_xy(result.mission)
    hole = Polygon([(250, 250), (350, 250), (350, 350), (250, 350)])
    route = LineString(xy)
    assert route.intersection(hole).length == 0.0
    margin = 2 * ZOOM.swath_half_width_m(60.0) * 0.8 / 4
    assert route.distance(hole) == pytest.approx(margin, rel=0.05)


def test_narrowest_heading_minimises_lines_for_a_tilted_strip():
    strip = Polygon([(0, 0), (1000, 1000), (990, 1010), (-10, 10)])
    assert narrowest_heading_deg(strip) == pytest.approx(45.0, abs=0.5)


def test_perimeter_flies_the_outline():
    a = area((0, 0), (500, 0), (500, 300), (0, 300))
    result = perimeter(area=a, home=home_at(0, -50), alt_m=50.0, laps=2)
    xy = nav_xy(result.mission)
    assert len(xy) == 9  # start corner + 4 corners per lap
    assert np.allclose(xy[0], [0, 0], atol=0.5) and np.allclose(xy[-1], [0, 0], atol=0.5)


def test_orbit_points_are_on_the_circle_with_the_camera_on_the_centre():
    centre = FRAME.to_geo(200, 200)
    result = orbit(center=centre, radius_m=80.0, home=home_at(0, 0), alt_m=50.0, turns=1.5)
    roi = [w for w in result.mission.items if w.command == MavCmd.DO_SET_ROI]
    assert roi and roi[0].lat_deg == centre.lat_deg
    radii = [distance_m(centre, w.point) for w in result.mission.items if w.command == MavCmd.NAV_WAYPOINT]
    assert radii == pytest.approx([80.0] * len(radii), abs=0.2)
    assert len(radii) == 25


def test_expanding_square_legs_grow_by_the_track_spacing():
    last_seen = FRAME.to_geo(0, 0)
    result = expanding_square(
        last_seen=last_seen, home=home_at(0, -300), alt_m=60.0, camera=ZOOM, max_radius_m=200.0
    )
    xy = nav_xy(result.mission)
    legs = np.hypot(*np.diff(xy, axis=0).T)
    d = 2 * ZOOM.swath_half_width_m(60.0) * 0.8
    assert legs[:6] == pytest.approx([d, d, 2 * d, 2 * d, 3 * d, 3 * d], rel=1e-3)
    assert np.max(np.abs(xy)) <= 200.0 + 1e-6


def test_transit_at_one_speed_patrol_at_another():
    border = line((-1000, 0), (1000, 0))
    fast, _ = border_patrol(
        border=border, side="north", home=home_at(0, 1500), alt_m=60.0, camera=ZOOM, cruise_speed_m_s=5.0
    )
    split, _ = border_patrol(
        border=border,
        side="north",
        home=home_at(0, 1500),
        alt_m=60.0,
        camera=ZOOM,
        cruise_speed_m_s=5.0,
        transit_speed_m_s=12.0,
    )
    speeds = [
        (i, w.speed_m_s) for i, w in enumerate(split.mission.items) if w.command == MavCmd.DO_CHANGE_SPEED
    ]
    first_wp = next(i for i, w in enumerate(split.mission.items) if w.command == MavCmd.NAV_WAYPOINT)
    assert speeds == [(1, 12.0), (first_wp + 1, 5.0)]  # fast to the line, slow along it
    assert split.estimates.flight_time_s < fast.estimates.flight_time_s - 100  # 1.5 km each way faster
