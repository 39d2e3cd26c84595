"""Poses through the adapter: telemetry's history (fed real MAVLink messages) → detection's CameraPose."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest

from detection.errors import PoseUnavailableError
from detection.geotag import Geotagger
from detection.pose import PoseProvider, PoseSeries
from missions.camera import PRESETS
from telemetry.history import StateHistory
from tests.detection.builders import HOME_ALT, HOME_LAT, HOME_LON, pose
from tests.telemetry import messages as m
from ui.pose_adapter import LinkPoses

T0 = 1_763_790_000.0


@pytest.fixture
def history() -> StateHistory:
    h = StateHistory(max_extrapolate_s=0.3)
    for k in range(11):  # 1 s of flight north at 10 m/s, yawing 350° → 10°, gimbal pitch -80° → -90°
        t = T0 + 0.1 * k
        lat, lon, _ = pymap3d.enu2geodetic(0.0, 1.0 * k, 0.0, HOME_LAT, HOME_LON, HOME_ALT)
        h.feed(t, m.position(lat, lon, alt_rel=60.0, alt_amsl=HOME_ALT + 60.0))
        h.feed(t, m.attitude(1.0, -2.0, (350.0 + 2.0 * k) % 360.0))
        h.feed(t, m.gimbal(-80.0 - 1.0 * k, (350.0 + 2.0 * k) % 360.0))
    return h


def test_adapter_is_a_pose_provider_and_interpolates(history):
    poses = LinkPoses(history)
    assert isinstance(poses, PoseProvider)
    p = poses.pose_at(T0 + 0.55)
    _, north, _ = pymap3d.geodetic2enu(p.lat_deg, p.lon_deg, HOME_ALT, HOME_LAT, HOME_LON, HOME_ALT)
    assert north == pytest.approx(5.5, abs=0.02)
    assert (p.alt_rel_m, p.alt_amsl_m, p.home_alt_amsl_m) == pytest.approx(
        (60.0, HOME_ALT + 60.0, HOME_ALT), abs=1e-3
    )
    assert p.yaw_deg == pytest.approx(1.0, abs=0.01)  # 350 + 11 = 361 → 1, the short way round
    assert p.gimbal_pitch_deg == pytest.approx(-85.5, abs=0.01)
    assert p.gimbal_yaw_deg == pytest.approx(1.0, abs=0.01)
    assert (p.roll_deg, p.pitch_deg) == pytest.approx((1.0, -2.0), abs=0.01)


def test_outside_the_history_is_pose_unavailable_with_a_hint(history):
    with pytest.raises(PoseUnavailableError, match="telemetry streaming"):
        LinkPoses(history).pose_at(T0 + 5.0)


def test_geotag_through_the_adapter_matches_geotag_of_the_true_pose(history):
    g = Geotagger(PRESETS["zoom"])
    via_link = g.pixel_to_ground(LinkPoses(history).pose_at(T0 + 0.5), np.array([[900.0, 100.0]]))
    lat, lon, _ = pymap3d.enu2geodetic(0.0, 5.0, 0.0, HOME_LAT, HOME_LON, HOME_ALT)
    truth = pose(t=T0 + 0.5, lat=float(lat), lon=float(lon), yaw=0.0, pitch=-85.0, vehicle_yaw=0.0)
    direct = g.pixel_to_ground(truth, np.array([[900.0, 100.0]]))
    e, n, _ = pymap3d.geodetic2enu(
        via_link.lat_deg, via_link.lon_deg, HOME_ALT, direct.lat_deg, direct.lon_deg, HOME_ALT
    )
    assert float(np.hypot(e, n)[0]) < 0.05  # MAVLink's 1e-7° positions and float attitudes: centimetres


def test_pose_series_interpolates_and_refuses_far_extrapolation():
    s = PoseSeries([pose(t=T0, yaw=350.0), pose(t=T0 + 1.0, yaw=10.0)], max_extrapolate_s=0.2)
    assert s.pose_at(T0 + 0.5).gimbal_yaw_deg % 360.0 == pytest.approx(0.0, abs=1e-9)
    assert s.pose_at(T0 + 1.1).gimbal_yaw_deg == 10.0
    with pytest.raises(PoseUnavailableError, match="video latency"):
        s.pose_at(T0 + 2.0)
    with pytest.raises(PoseUnavailableError, match="telemetry connected"):
        PoseSeries([]).pose_at(T0)
