"""The simulated camera's forward model: conventions, projection, and that rendering obeys it."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pymap3d
import pytest

from missions.camera import PRESETS
from sitl.camera.geometry import CameraView, rotation_enu_from_cam
from sitl.camera.renderer import Renderer
from sitl.world import Ground, TargetKind
from tests.sitl.camera_helpers import HOME, blue_blob, ground_point_at_pixel, one_target_world, pose

ZOOM = PRESETS["zoom"]


def view(
    alt_rel_m: float = 60.0, yaw: float = 0.0, pitch: float = -90.0, roll: float = 0.0, spec=ZOOM
) -> CameraView:
    return CameraView.create(
        spec,
        lat_deg=HOME.lat_deg,
        lon_deg=HOME.lon_deg,
        alt_amsl_m=HOME.alt_amsl_m + alt_rel_m,
        ground_alt_amsl_m=HOME.alt_amsl_m,
        yaw_deg=yaw,
        pitch_deg=pitch,
        roll_deg=roll,
    )


def geodetic(e: float, n: float, u: float = 0.0) -> tuple[float, float, float]:
    lat, lon, alt = pymap3d.enu2geodetic(e, n, u, HOME.lat_deg, HOME.lon_deg, HOME.alt_amsl_m)
    return float(lat), float(lon), float(alt)


@pytest.mark.parametrize(
    ("yaw", "pitch", "roll", "axes"),
    [
        # (camera x, y, z) in ENU
        (0.0, -90.0, 0.0, ((1, 0, 0), (0, -1, 0), (0, 0, -1))),  # nadir, north up: x east, y south, z down
        (90.0, -90.0, 0.0, ((0, -1, 0), (-1, 0, 0), (0, 0, -1))),  # nadir, east up: x south, y west
        (0.0, 0.0, 0.0, ((1, 0, 0), (0, 0, -1), (0, 1, 0))),  # level, looking north
        (90.0, 0.0, 0.0, ((0, -1, 0), (0, 0, -1), (1, 0, 0))),  # level, looking east
        (0.0, 0.0, 90.0, ((0, 0, -1), (-1, 0, 0), (0, 1, 0))),  # rolled right 90°: image right is down
    ],
)
def test_rotation_convention(yaw, pitch, roll, axes):
    r = rotation_enu_from_cam(yaw, pitch, roll)
    for k, axis in enumerate(axes):
        assert r[:, k] == pytest.approx(np.array(axis, float), abs=1e-12)


def test_nadir_north_up_puts_north_at_the_top_and_east_to_the_right():
    v = view()
    k = v.intrinsics
    north = v.project(*geodetic(0.0, 10.0))
    east = v.project(*geodetic(10.0, 0.0))
    centre = v.project(*geodetic(0.0, 0.0))
    assert centre == pytest.approx([k.cx_px, k.cy_px], abs=1e-6)
    assert north[0] == pytest.approx(640.0, abs=0.01) and north[1] == pytest.approx(
        360.0 - k.fy_px * 10 / 60, abs=0.05
    )
    assert east[1] == pytest.approx(360.0, abs=0.01) and east[0] == pytest.approx(
        640.0 + k.fx_px * 10 / 60, abs=0.05
    )


def test_level_camera_sees_a_point_at_its_own_height_on_the_centre():
    v = view(alt_rel_m=30.0, yaw=90.0, pitch=0.0)
    assert v.project(*geodetic(500.0, 0.0, 30.0)) == pytest.approx([640.0, 360.0], abs=1e-3)
    behind = v.project(*geodetic(-500.0, 0.0, 30.0))
    assert np.all(np.isnan(behind))


@pytest.mark.parametrize(
    ("alt", "yaw", "pitch", "roll"),
    [(60, 0, -90, 0), (45, 123, -60, 0), (100, 250, -45, 4), (30, 10, -75, -8)],
)
def test_pixel_to_ground_and_back_round_trips(alt, yaw, pitch, roll):
    v = view(alt, yaw, pitch, roll)
    uv = np.array([[0.5, 0.5], [640.0, 360.0], [1279.5, 700.0], [100.25, 650.75]])
    en = v.ground_points(uv)
    back, depth = v.project_enu(np.column_stack([en, np.zeros(len(en))]))
    assert np.all(depth > 0)
    assert back == pytest.approx(uv, abs=1e-6)


def test_gsd_at_nadir_matches_the_planning_core():
    v = view(60.0)
    assert float(v.gsd_m(np.array([[640.0, 360.0]]))[0]) == pytest.approx(
        ZOOM.gsd_cm_px(60.0) / 100, rel=0.01
    )


CASES = [
    # kind, camera, alt, yaw, pitch, roll, target pixel
    (TargetKind.CAR, "zoom", 60.0, 0.0, -90.0, 0.0, (640.0, 360.0)),
    (TargetKind.PICKUP, "zoom", 60.0, 37.0, -90.0, 0.0, (300.0, 200.0)),
    (TargetKind.CAR, "zoom", 80.0, 200.0, -60.0, 0.0, (900.0, 500.0)),
    (TargetKind.SUV, "zoom", 50.0, 300.0, -90.0, 0.0, (200.0, 600.0)),
    (TargetKind.CAR, "zoom", 40.0, 290.0, -45.0, 5.0, (500.0, 420.0)),
    (TargetKind.CAR, "wide", 100.0, 75.0, -70.0, 0.0, (1000.0, 250.0)),
    (TargetKind.PERSON, "zoom", 30.0, 140.0, -90.0, 0.0, (820.0, 300.0)),
    (TargetKind.PERSON, "zoom", 45.0, 15.0, -55.0, 0.0, (400.0, 500.0)),
]


@pytest.mark.parametrize(("kind", "camera", "alt", "yaw", "pitch", "roll", "pixel"), CASES)
def test_rendered_target_appears_where_the_pinhole_model_says(kind, camera, alt, yaw, pitch, roll, pixel):
    spec = PRESETS[camera]
    p = pose(alt_rel_m=alt, yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll)
    probe = Renderer(one_target_world(kind, 0.0, 0.0), spec)
    cam, _ = probe.view_for(p)
    spot = ground_point_at_pixel(cam, *pixel)
    x, y = probe.world.frame.to_xy(spot)
    world = one_target_world(kind, x, y)
    frame = Renderer(world, spec).render(p, t_sim_s=0.0)

    expected = frame.view.project(spot.lat_deg, spot.lon_deg, HOME.alt_amsl_m)
    assert expected == pytest.approx(pixel, abs=0.01)  # project() and the view agree on the ground point
    found = blue_blob(frame.image)
    assert found is not None, "the target was not drawn"
    centroid, blob_box = found
    # Mirrors and the like make bodies a little asymmetric: the blob's centroid sits within 2 px.
    assert math.dist(centroid, expected) < 2.0, (centroid, expected)

    (truth,) = frame.truth.targets
    assert truth.id == "t1" and truth.target_class == kind.target_class.value
    assert truth.centre_px == pytest.approx(tuple(expected), abs=0.01)
    assert (truth.lat_deg, truth.lon_deg) == pytest.approx((spot.lat_deg, spot.lon_deg), abs=1e-8)
    x0, y0, x1, y1 = truth.bbox_px
    bx0, by0, bx1, by1 = blob_box
    # The box holds the target (OpenCV anti-aliasing tints up to ~1.5 px past an edge).
    assert x0 - 2 <= bx0 and y0 - 2 <= by0 and bx1 <= x1 + 2 and by1 <= y1 + 2
    assert (bx1 - bx0) >= 0.8 * (x1 - x0) and (by1 - by0) >= 0.8 * (y1 - y0)  # ... and is tight


def test_physical_scale_at_60_m_with_the_zoom_camera():
    p = pose(alt_rel_m=60.0)
    car = Renderer(one_target_world(TargetKind.CAR, 0.0, 0.0, heading_deg=90.0), ZOOM).render(p, 0.0)
    (truth,) = car.truth.targets
    length_m = truth.width_px * ZOOM.gsd_cm_px(60.0) / 100  # heading east: length along the image x
    assert 4.2 < length_m < 5.0
    person = Renderer(one_target_world(TargetKind.PERSON, 0.0, 0.0, heading_deg=0.0), ZOOM).render(p, 0.0)
    (truth,) = person.truth.targets
    across_m = truth.width_px * ZOOM.gsd_cm_px(60.0) / 100  # heading north: shoulders along x
    assert 0.42 < across_m < 0.62


def test_a_target_outside_the_view_has_no_truth_and_sky_is_drawn_above_the_horizon():
    world = one_target_world(TargetKind.CAR, 0.0, -500.0)  # 500 m south
    frame = Renderer(world, ZOOM).render(pose(alt_rel_m=50.0, yaw_deg=0.0, pitch_deg=0.0), 0.0)
    assert frame.truth.targets == ()
    top, bottom = frame.image[:300].reshape(-1, 3), frame.image[420:].reshape(-1, 3)
    assert np.all(np.abs(top.astype(int) - top[0].astype(int)).max(axis=1) <= 2)  # flat sky
    assert bottom.astype(float).std(axis=0).max() > 5  # textured ground


def test_sloping_ground_from_a_height_map_renders_targets_where_they_stand():
    # A plane rising 5 m per 100 m eastwards, given as a 3×3 height map around home.
    heights = tuple(tuple(HOME.alt_amsl_m + 0.05 * x for x in (-500.0, 0.0, 500.0)) for _ in range(3))
    ground = Ground(alt_amsl_m=HOME.alt_amsl_m, heights_m=heights, x0_m=-500.0, y0_m=-500.0, spacing_m=500.0)
    p = pose(alt_rel_m=60.0, yaw_deg=30.0, pitch_deg=-70.0)
    probe = Renderer(dataclasses.replace(one_target_world(TargetKind.CAR, 0.0, 0.0), ground=ground), ZOOM)
    cam, _ = probe.view_for(p)
    assert cam.slope_e == pytest.approx(0.05, abs=1e-9) and cam.slope_n == pytest.approx(0.0, abs=1e-9)
    spot = ground_point_at_pixel(cam, 700.0, 300.0)
    x, y = probe.world.frame.to_xy(spot)
    world = dataclasses.replace(one_target_world(TargetKind.CAR, x, y), ground=ground)
    frame = Renderer(world, ZOOM).render(p, 0.0)
    (truth,) = frame.truth.targets
    assert truth.alt_amsl_m == pytest.approx(float(ground.alt_at(x, y)), abs=1e-6)
    expected = frame.view.project(truth.lat_deg, truth.lon_deg, truth.alt_amsl_m)
    assert expected == pytest.approx([700.0, 300.0], abs=0.05)
    centroid, _ = blue_blob(frame.image)
    assert math.dist(centroid, expected) < 2.0
