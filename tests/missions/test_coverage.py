"""Coverage share and revisit gaps, checked against the closed-form answer for an out-and-back patrol."""

import numpy as np
import pytest

from missions.camera import camera_preset
from missions.coverage import border_effectiveness
from missions.patterns import border_patrol
from tests.missions.builders import home_at, line, mission_through

ZOOM = camera_preset("zoom")
L = 4000.0  # border length, m
V = 10.0  # cruise, m/s
BORDER = line((-2000, 0), (2000, 0))


def expected_worst_gap_s(s_from: float, s_to: float, drones: int) -> float:
    """Closed form: a point s metres along is passed at s/v (out) and (2L - s)/v (back), period 2L/v."""
    period = 2 * L / V
    worst = 0.0
    for s in np.arange(s_from, s_to, 10.0):
        visits = np.sort(
            np.concatenate(
                [(np.array([s / V, (2 * L - s) / V]) + k * period / drones) % period for k in range(drones)]
            )
        )
        gaps = np.diff(np.concatenate([visits, visits[:1] + period]))
        worst = max(worst, gaps.max())
    return worst


@pytest.fixture(scope="module")
def patrol():
    result, _ = border_patrol(
        border=BORDER, side="north", home=home_at(-2000, 300), alt_m=60.0, camera=ZOOM, standoff_m=5.0
    )
    return result.mission


@pytest.mark.parametrize("drones", [1, 2, 3])
def test_revisit_gaps_match_the_closed_form(patrol, drones):
    eff = border_effectiveness(patrol, BORDER, ZOOM, drones=drones)
    assert eff.coverage_share == pytest.approx(1.0, abs=1e-6)
    assert eff.cycle_s == pytest.approx(2 * L / V, rel=1e-3)
    assert [s.start_km for s in eff.segments] == [0.0, 1.0, 2.0, 3.0]
    dwell = ZOOM.footprint_nadir_m(60.0)[1] / V  # a point stays in view for the footprint's length
    for seg in eff.segments:
        expected = expected_worst_gap_s(seg.start_km * 1000, seg.end_km * 1000, drones) - dwell
        assert seg.worst_gap_s == pytest.approx(expected, abs=3.0)
        assert seg.seen_share == 1.0
    assert eff.worst_gap_s == max(s.worst_gap_s for s in eff.segments)


def test_more_drones_shrink_the_worst_gap(patrol):
    gaps = [border_effectiveness(patrol, BORDER, ZOOM, drones=n).worst_gap_s for n in (1, 2, 4)]
    assert gaps[0] > gaps[1] > gaps[2]


def test_a_track_too_far_from_the_line_sees_none_of_it():
    mission = mission_through((-2000, 100), (2000, 100), home=home_at(-2000, 300))
    eff = border_effectiveness(mission, BORDER, ZOOM)
    assert eff.coverage_share == 0.0
    assert eff.worst_gap_s is None
    assert all(s.seen_share == 0.0 and s.worst_gap_s is None for s in eff.segments)


def test_half_the_line_flown_is_half_covered():
    mission = mission_through((-2000, 5), (0, 5), home=home_at(-2000, 300))
    eff = border_effectiveness(mission, BORDER, ZOOM)
    # half, plus the footprint's reach ahead of the turn point (8.7 m) on 4 km
    assert eff.coverage_share == pytest.approx(0.5 + 8.7 / L, abs=0.002)
    unseen = [s for s in eff.segments if s.worst_gap_s is None]
    assert [s.start_km for s in unseen] == [2.0, 3.0]


def test_ground_footprint_faces_the_heading():
    from missions.coverage import ground_footprint
    from missions.geo import LocalFrame
    from missions.values import GeoPoint

    at = GeoPoint(lat_deg=31.34, lon_deg=-110.95)
    corners = LocalFrame(origin=at).xy_array(ground_footprint(ZOOM, at, 60.0, heading_deg=90.0))
    # facing east: the long side (30.9 m across the track) runs north-south
    assert np.ptp(corners[:, 1]) == pytest.approx(ZOOM.footprint_nadir_m(60.0)[0], rel=1e-3)
    assert np.ptp(corners[:, 0]) == pytest.approx(17.35, rel=5e-3)
