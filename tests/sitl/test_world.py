"""The simulated world: scripted crossings happen when the world file says, paths, clock, world files."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from shapely.geometry import LineString, Point

from missions.camera import camera_preset
from missions.formats import load_features_file
from missions.geo import LocalFrame
from missions.patterns import border_patrol, border_sector
from missions.samples import sample_border_path
from sitl.errors import WorldFileError
from sitl.world import SimClock, TargetClass, Trajectory, load_world, sample_world_path, world_from_json


@pytest.fixture(scope="module")
def world():
    return load_world()


def test_sample_world_has_staggered_crossers_of_both_classes(world):
    doc = json.loads(sample_world_path().read_text())
    scripted = {t["id"]: t["cross_s"] for t in doc["targets"] if "cross_s" in t}
    crossings = world.crossings()
    assert len(scripted) >= 6
    assert {c.target_id for c in crossings} == set(scripted)
    for c in crossings:
        assert c.t_sim_s == pytest.approx(scripted[c.target_id], abs=1e-6)
    classes = {t.target_class for t in world.targets if t.id in scripted}
    assert classes == {TargetClass.PERSON, TargetClass.VEHICLE}
    times = sorted(c.t_sim_s for c in crossings)
    assert times[0] >= 30 and times[-1] <= 600  # in the first minutes
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1.0  # staggered


def test_each_target_changes_side_of_the_line_at_its_crossing_time(world):
    by_id = {t.id: t for t in world.targets}
    for c in world.crossings():
        path = by_id[c.target_id].path
        eps = 0.25
        before = world.side_of(*path.position_at(c.t_sim_s - eps))
        after = world.side_of(*path.position_at(c.t_sim_s + eps))
        assert before == -after != 0, c
        assert (after == world.home_side_sign) == (c.to_side == "home")
        assert (
            math.hypot(*(a - b for a, b in zip(path.position_at(c.t_sim_s), (c.x_m, c.y_m), strict=True)))
            < 0.01
        )


def test_true_positions_agree_in_metres_and_degrees(world):
    for state in world.targets_at(123.4):
        x, y = world.frame.to_xy(world.frame.to_geo(state.x_m, state.y_m))
        assert (x, y) == pytest.approx((state.x_m, state.y_m), abs=1e-6)
        g = world.frame.to_geo(state.x_m, state.y_m)
        assert (state.lat_deg, state.lon_deg) == pytest.approx((g.lat_deg, g.lon_deg), abs=1e-12)
        assert state.alt_amsl_m == world.home.alt_amsl_m


def test_crossers_linger_in_the_swath_of_a_border_patrol(world):
    """Around its crossing each crosser spends minutes inside the strip a 60 m zoom-camera patrol sees,
    near where a 2-, 3- or 4-drone patrol of the sample border starts."""
    features = load_features_file(sample_border_path())
    camera = camera_preset("zoom")
    frame = LocalFrame(origin=features.home.point)
    starts = []
    for n in (2, 3, 4):
        for k in range(1, n + 1):
            sector = border_sector(features.borders[0], k, n)
            pattern, _ = border_patrol(
                border=sector, side="north", home=features.home, alt_m=60.0, camera=camera
            )
            first = next(w for w in pattern.mission.items if w.command == 16)
            starts.append(frame.to_xy(first))
    line = LineString(world.border_xy_m)
    by_id = {t.id: t for t in world.targets}
    for c in world.crossings():
        path = by_id[c.target_id].path
        inside = 0.0
        for step in range(-450, 900, 5):
            x, y = path.position_at(c.t_sim_s + step)
            offset = line.distance(Point(x, y)) * world.side_of(x, y) * world.home_side_sign
            if -7.0 <= offset <= 22.0:
                inside += 5.0
        assert inside >= 60.0, (c.target_id, inside)
        nearest = min(math.dist((c.x_m, c.y_m), s) for s in starts)
        assert nearest < 900.0, (c.target_id, nearest)


def test_trajectory_holds_speeds_and_headings():
    path = Trajectory.from_legs(
        start_s=5.0,
        points_m=[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)],
        speeds_m_s=[2.0, 1.0],
        holds_s=[0.0, 3.0, 0.0],
    )
    assert path.position_at(0.0) == (0.0, 0.0)  # waits at its first point
    assert path.position_at(7.5) == pytest.approx((5.0, 0.0))
    assert path.heading_deg_at(7.5) == pytest.approx(90.0)
    assert path.speed_m_s_at(7.5) == pytest.approx(2.0)
    assert path.position_at(11.0) == pytest.approx((10.0, 0.0))  # holding 10..13
    assert path.speed_m_s_at(11.0) == 0.0
    assert path.position_at(18.0) == pytest.approx((10.0, 5.0))
    assert path.heading_deg_at(18.0) == pytest.approx(0.0)
    assert path.position_at(1e6) == (10.0, 10.0)
    assert path.distance_m_at(18.0) == pytest.approx(15.0)


def test_clock_maps_wall_time_to_world_time_with_speedup():
    clock = SimClock(epoch_unix_s=1_700_000_000.0, speedup=20.0)
    assert clock.t_sim_s(1_700_000_003.0) == pytest.approx(60.0)
    assert clock.t_unix_s(clock.t_sim_s(1_700_000_123.25)) == pytest.approx(1_700_000_123.25)


BASE = {
    "format": "borderwatch-world",
    "version": 1,
    "home": {"lat_deg": 31.348, "lon_deg": -110.9837, "alt_amsl_m": 1160.0},
    "border": {"coordinates": [[-111.0, 31.3333], [-110.99, 31.3333]]},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2}, "$.version"),
        ({"home": {"lon_deg": 1.0}}, "missing required key 'lat_deg'"),
        ({"targets": [{"id": "a", "kind": "tank", "path": [{"border_m": 1}]}]}, "$.targets[0].kind"),
        ({"targets": [{"id": "a", "path": [{"border_m": 1, "offset_m": 5}], "cross_s": 3}]}, "never crosses"),
        (
            {"targets": [{"id": "a", "path": [{"border_m": 1}]}, {"id": "a", "path": [{"border_m": 2}]}]},
            "unique",
        ),
        ({"roads": [{"surface": "gravel", "coordinates": [[-111.0, 31.34], [-110.99, 31.34]]}]}, "surface"),
        ({"lighting": {"sun_azimuth": 3}}, "$.lighting.sun_azimuth"),
        ({"targets": [{"id": "a", "look": {"shirt_bgr": "#12"}, "path": [{"border_m": 1}]}]}, "#rrggbb"),
        ({"repeat_s": 0}, "$.repeat_s: must be a positive number"),
        (
            {
                "repeat_s": 30,
                "targets": [{"id": "a", "speed_m_s": 1.0, "path": [{"border_m": 1}, {"border_m": 51}]}],
            },
            "$.repeat_s: the script must end before it repeats: the last target stops at 50 s",
        ),
    ],
)
def test_bad_world_files_say_where_and_what(change, message):
    doc = {**BASE, **change}
    with pytest.raises(
        WorldFileError, match=message.replace("$", r"\$").replace("[", r"\[").replace("]", r"\]")
    ):
        world_from_json(json.dumps(doc), "bad.json")


def test_a_world_file_with_a_crossing_and_a_height_map():
    doc = {
        **BASE,
        "ground": {"height_map": {"x0_m": -2000, "y0_m": -3000, "spacing_m": 1000, "heights_m": [[1150, 1170], [1150, 1170], [1150, 1170]]}},
        "targets": [
            {"id": "p", "kind": "person", "look": {"shirt_bgr": "#ff0000"}, "speed_m_s": 1.0, "cross_s": 50,
             "path": [{"border_m": 300, "offset_m": -10}, {"border_m": 300, "offset_m": 10}]},
        ],
    }  # fmt: skip
    w = world_from_json(json.dumps(doc))
    (c,) = w.crossings()
    assert c.t_sim_s == pytest.approx(50.0) and c.to_side == "home"
    (p,) = w.targets
    assert p.look.shirt_bgr == (0, 0, 255)
    assert p.path.start_s == pytest.approx(40.0)
    (s,) = w.targets_at(50.0)
    assert 1150 < s.alt_amsl_m < 1170
    assert w.ground.alt_at(-2000.0, 0.0) == pytest.approx(1150.0)


def test_the_sample_script_plays_again_every_repeat_s(world):
    """A demo started at any hour sees crossings: world time t plays the script at t mod repeat_s."""
    assert world.repeat_s == 900.0
    assert max(t.path.end_s for t in world.targets) <= world.repeat_s
    for t_s in (0.0, 95.5, 400.0, 899.0):
        first = {s.id: (s.x_m, s.y_m, s.speed_m_s) for s in world.targets_at(t_s)}
        for cycle in (1, 7):
            again = {s.id: (s.x_m, s.y_m, s.speed_m_s) for s in world.targets_at(t_s + cycle * 900.0)}
            assert again.keys() == first.keys()
            for ident, value in first.items():
                assert again[ident] == pytest.approx(value, abs=1e-6), (ident, t_s, cycle)
    p1 = next(c for c in world.crossings() if c.target_id == "p1")
    eps = 0.25
    for cycle in (0, 3):
        t = p1.t_sim_s + cycle * 900.0
        before = next(s for s in world.targets_at(t - eps) if s.id == "p1")
        after = next(s for s in world.targets_at(t + eps) if s.id == "p1")
        assert world.side_of(before.x_m, before.y_m) == -world.side_of(after.x_m, after.y_m) != 0


def test_a_world_without_repeat_s_keeps_its_last_positions():
    doc = {**BASE, "targets": [{"id": "a", "speed_m_s": 1.0, "path": [{"border_m": 1}, {"border_m": 51}]}]}
    w = world_from_json(json.dumps(doc))
    assert w.repeat_s is None
    (end,) = w.targets_at(50.0)
    (later,) = w.targets_at(5000.0)
    assert (later.x_m, later.y_m, later.speed_m_s) == pytest.approx((end.x_m, end.y_m, 0.0))


@pytest.mark.parametrize(
    "module",
    ["sitl.world.clock", "sitl.world.targets", "sitl.world.looks", "sitl.world.ground", "sitl.world.model",
     "sitl.camera.geometry", "sitl.camera.noise", "sitl.camera.scatter", "sitl.camera.barcode",
     "sitl.camera.encoder", "sitl.camera.mavlink_pose"],
)  # fmt: skip
def test_docstring_examples_hold(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
