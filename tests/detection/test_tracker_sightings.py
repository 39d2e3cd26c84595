"""ByteTrack over Detections, and tracks becoming sightings: one per object, none for flicker."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest

from detection.geotag import Geotagger
from detection.rules import BorderRules
from detection.sightings import SightingBuilder, SightingConfig
from detection.tracker import Tracker, TrackerConfig
from detection.values import Detections, Frame
from missions.camera import PRESETS
from missions.values import BorderLine, GeoPoint
from tests.detection.builders import HOME_ALT, HOME_LAT, HOME_LON, pose, textured_image

T0 = 1_763_790_000.0
IMAGE = textured_image()


def _frame(k: int, dt: float = 0.1) -> Frame:
    return Frame(image=IMAGE, t_capture_unix_s=T0 + k * dt, index=k, source="test")


def test_an_object_seen_in_many_frames_keeps_one_track_id():
    tracker = Tracker()
    ids = []
    for k in range(30):
        x = 100.0 + 8.0 * k  # moving right 8 px per frame
        dets = Detections.from_lists([[x, 300, x + 20, 340], [900, 500, 1090, 600]], [0.8, 0.9], [0, 1])
        ids.append(tracker.update(dets).tracker_id.tolist())
    confirmed = [row for row in ids if min(row) >= 0]
    assert len(confirmed) >= 28
    assert len({row[0] for row in confirmed}) == 1 and len({row[1] for row in confirmed}) == 1
    assert confirmed[0][0] != confirmed[0][1]


def test_a_low_score_detection_extends_a_track_but_cannot_start_one():
    tracker = Tracker()
    first = tracker.update(Detections.from_lists([[10, 10, 30, 50]], [0.15], [0]))
    assert first.tracker_id.tolist() == [-1] or len(first) == 1
    for _ in range(3):
        assert tracker.update(Detections.from_lists([[10, 10, 30, 50]], [0.15], [0])).tracker_id.tolist() == [
            -1
        ]
    for _ in range(3):
        out = tracker.update(Detections.from_lists([[10, 10, 30, 50]], [0.8], [0]))
    tid = out.tracker_id[0]
    assert tid >= 0
    assert tracker.update(Detections.from_lists([[11, 10, 31, 50]], [0.15], [0])).tracker_id.tolist() == [tid]


def _builder(min_frames: int = 5, rules: BorderRules | None = None) -> SightingBuilder:
    return SightingBuilder(
        Geotagger(PRESETS["zoom"]), flight_id="f1", vehicle="drone-1", rules=rules,
        config=SightingConfig(min_frames=min_frames, update_interval_s=1.0, end_after_s=0.5),
    )  # fmt: skip


def test_a_tracked_target_becomes_one_sighting_at_its_ground_position():
    builder = _builder()
    tracker = Tracker()
    p = pose(t=T0, yaw=0.0, pitch=-90.0, alt_rel=60.0)
    updates = []
    for k in range(20):
        dets = Detections.from_lists([[630, 350, 650, 370]], [0.8], [0])  # a person at the image centre
        updates += builder.step(_frame(k), tracker.update(dets), p)
    updates += builder.flush()
    assert [u.kind for u in updates] == ["new", "update", "final"]  # at frames 5 and 15, then the rest
    assert len({u.sighting.sighting_id for u in updates}) == 1
    s = updates[-1].sighting
    e, n, _ = pymap3d.geodetic2enu(s.lat_deg, s.lon_deg, HOME_ALT, HOME_LAT, HOME_LON, HOME_ALT)
    assert math.hypot(e, n) < 0.05
    assert (s.class_name, s.track_frames) == ("person", 20)
    assert (s.first_seen_unix_s, s.last_seen_unix_s) == (T0, pytest.approx(T0 + 1.9))
    assert s.confidence == pytest.approx(0.8)
    assert s.mgrs.startswith("12R WV")
    assert 1.0 < s.ellipse.ce90_m < 6.0  # GPS 1.5 m, attitude 0.5° at 60 m: a few metres, not centimetres
    assert updates[0].snapshot is not None and updates[0].snapshot.crop.jpeg[:2] == b"\xff\xd8"


def test_flicker_tracks_shorter_than_min_frames_never_become_sightings():
    builder = _builder(min_frames=5)
    tracker = Tracker()
    p = pose(t=T0)
    updates = []
    for k in range(40):
        boxes = [[630, 350, 650, 370]] if k % 10 < 3 else []  # 3 frames on, 7 off
        dets = Detections.from_lists(boxes, [0.9] * len(boxes), [0] * len(boxes))
        updates += builder.step(_frame(k), tracker.update(dets), p)
    updates += builder.flush()
    assert updates == []


def test_a_scripted_crossing_raises_one_crossing_event_with_direction():
    # An east-west border 5 m north of home; a person walks north across it under a hovering camera.
    north_of_home = [
        pymap3d.enu2geodetic(x, 5.0, 0.0, HOME_LAT, HOME_LON, HOME_ALT)[:2] for x in (-200.0, 200.0)
    ]
    border = BorderLine(
        points=tuple(GeoPoint(lat_deg=float(a), lon_deg=float(o)) for a, o in north_of_home), name="line"
    )
    builder = _builder(rules=BorderRules(border=border, buffer_m=3.0))
    tracker = Tracker()
    p = pose(t=T0, yaw=0.0, pitch=-90.0, alt_rel=60.0)
    fy = PRESETS["zoom"].fy_px
    updates = []
    for k in range(60):
        north = -2.0 + 0.2 * k  # 2 m/s at 10 fps: from 2 m south of home to 9.8 m north
        v = 360.0 - fy * north / 60.0
        dets = Detections.from_lists([[630, v - 10, 650, v + 10]], [0.85], [0])
        updates += builder.step(_frame(k), tracker.update(dets), p)
    updates += builder.flush()
    events = [e for u in updates for e in u.events]
    kinds = [e.kind.value for e in events]
    assert kinds == ["buffer_entry", "crossing"]
    crossing = events[1]
    assert crossing.direction == "south→north" and crossing.border_name == "line"
    assert crossing.t_unix_s == pytest.approx(T0 + 3.5, abs=0.3)  # 7 m at 2 m/s, less the smoothing lag
    assert {e.sighting_id for e in events} == {updates[0].sighting.sighting_id}
    assert not math.isnan(updates[-1].sighting.speed_m_s) and updates[-1].sighting.speed_m_s == pytest.approx(
        2.0, rel=0.05
    )


@pytest.mark.parametrize(("motion", "one_track"), [("image", True), ("none", False)])
def test_camera_motion_is_compensated_from_the_images(motion, one_track):
    import cv2

    rng = np.random.default_rng(3)
    canvas = cv2.resize(
        rng.integers(0, 255, (100, 160, 3), dtype=np.uint8), (1800, 1200), interpolation=cv2.INTER_CUBIC
    )
    tracker = Tracker(TrackerConfig(motion=motion))
    ids = []
    for k in range(16):  # the drone moves: the ground slides 30 px left and 10 px up per frame
        ox, oy = 30 * k, 10 * k
        image = np.ascontiguousarray(canvas[oy : oy + 720, ox : ox + 1280])
        x, y = 900 - ox, 500 - oy  # a person standing still on the ground
        out = tracker.update(Detections.from_lists([[x, y, x + 20, y + 20]], [0.8], [0]), image)
        ids.append(int(out.tracker_id[0]))
    confirmed = {i for i in ids[2:] if i >= 0}
    assert (len(confirmed) == 1 and -1 not in ids[2:]) == one_track, (ids, tracker.last_warp)


def test_a_track_lost_and_found_under_a_new_id_nearby_stays_one_sighting():
    builder = _builder()
    p = pose(t=T0)
    updates = []
    for k in range(30):
        if 10 <= k < 14:  # the view turns: the tracker loses the person and later calls it track 2
            continue
        tid = 1 if k < 10 else 2
        x = 630.0 + (3.0 if k >= 14 else 0.0)
        dets = Detections.from_lists([[x, 350, x + 20, 370]], [0.8], [0], [tid])
        updates += builder.step(_frame(k), dets, p)
    updates += builder.flush()
    assert len({u.sighting.sighting_id for u in updates}) == 1
    assert updates[-1].sighting.track_frames == 26 and updates[-1].sighting.track_id == 2


def test_a_new_track_far_away_is_a_new_sighting():
    builder = _builder()
    p = pose(t=T0)
    updates = []
    for k in range(20):
        tid, x = (1, 630.0) if k < 10 else (2, 1100.0)  # 11 m away, half a second later: someone else
        updates += builder.step(
            _frame(k), Detections.from_lists([[x, 350, x + 20, 370]], [0.8], [0], [tid]), p
        )
    updates += builder.flush()
    assert len({u.sighting.sighting_id for u in updates}) == 2
