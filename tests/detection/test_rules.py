"""Map-frame rules on scripted paths: crossings with direction and time, buffer-zone entries."""

from __future__ import annotations

import numpy as np
import pytest

from detection.rules import BorderRules, compass_name
from missions.geo import LocalFrame
from missions.values import BorderLine, GeoPoint

ORIGIN = GeoPoint(lat_deg=31.333333, lon_deg=-111.0)
FRAME = LocalFrame(origin=ORIGIN)
# An east-west border drawn west → east: north is its left side.
BORDER = BorderLine(points=(FRAME.to_geo(-500.0, 0.0), FRAME.to_geo(500.0, 0.0)), name="test line")


def _walk(
    rules: BorderRules, track_id: int, ys: np.ndarray, t0: float = 0.0, dt: float = 1.0, x: float = 10.0
):
    hits = []
    for k, y in enumerate(ys):
        p = FRAME.to_geo(x, float(y))
        hits += rules.update(track_id, t0 + k * dt, p.lat_deg, p.lon_deg)
    return hits


def test_a_northbound_crossing_is_one_event_with_direction_time_and_place():
    rules = BorderRules(border=BORDER, buffer_m=20.0)
    hits = _walk(rules, 1, np.arange(-40.0, 41.0, 2.0))  # y = -40 .. 40 m, 2 m/s
    kinds = [h.kind for h in hits]
    assert kinds == ["buffer_entry", "crossing"]
    crossing = hits[1]
    assert (crossing.from_side, crossing.to_side) == ("south", "north")
    assert crossing.t_unix_s == pytest.approx(20.0, abs=0.01)  # at y = 0
    x, y = FRAME.to_xy(GeoPoint(lat_deg=crossing.lat_deg, lon_deg=crossing.lon_deg))
    assert (x, y) == pytest.approx((10.0, 0.0), abs=0.05)
    assert hits[0].side == "south" and hits[0].distance_m == pytest.approx(20.0, abs=0.01)


def test_jitter_around_the_line_is_not_a_crossing_until_the_path_is_clearly_across():
    rules = BorderRules(border=BORDER, buffer_m=5.0, hysteresis_m=1.0)
    ys = np.array([-8, -3, -0.5, 0.4, -0.6, 0.7, -0.2, 0.3, 2.0, 6.0, 0.5, -0.5, 0.8])
    hits = [h for h in _walk(rules, 7, ys) if h.kind == "crossing"]
    assert [(h.from_side, h.to_side) for h in hits] == [("south", "north")]


def test_crossing_back_raises_a_second_event_the_other_way():
    rules = BorderRules(border=BORDER, buffer_m=0.0)
    hits = _walk(rules, 2, np.array([10.0, 5.0, -5.0, -10.0, -3.0, 4.0]))
    assert [
        h.direction if hasattr(h, "direction") else f"{h.from_side}→{h.to_side}"
        for h in hits
        if h.kind == "crossing"
    ] == [
        "north→south",
        "south→north",
    ]


def test_tracks_are_independent_and_forgotten_tracks_start_fresh():
    rules = BorderRules(border=BORDER, buffer_m=0.0)
    assert _walk(rules, 1, np.array([-5.0])) == []
    assert _walk(rules, 2, np.array([5.0])) == []
    assert [h.kind for h in _walk(rules, 1, np.array([5.0]))] == ["crossing"]
    rules.forget(2)
    assert _walk(rules, 2, np.array([-5.0])) == []


@pytest.mark.parametrize(
    ("bearing", "name"),
    [(0, "north"), (44, "north"), (46, "east"), (180, "south"), (271, "west"), (359, "north")],
)
def test_compass_names(bearing, name):
    assert compass_name(bearing) == name
