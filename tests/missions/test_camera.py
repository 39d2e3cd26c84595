"""Camera footprint and GSD follow QGroundControl's formulas."""

import math

import numpy as np
import pytest

from missions.camera import PRESETS, CameraSpec, camera_preset
from missions.errors import InvalidValueError, PlanningError

# QGC's plan-format documentation: CameraCalc for a Sony ILCE-QX1 at 940.69 m with 70 % overlaps gives
# AdjustedFootprintSide 409.2 m and AdjustedFootprintFrontal 272.4 m (footprint × (1 - overlap)).
QX1 = CameraSpec(
    name="Sony ILCE-QX1",
    sensor_width_mm=23.2,
    sensor_height_mm=15.4,
    focal_length_mm=16.0,
    image_width_px=5456,
    image_height_px=3632,
)


def test_footprint_matches_qgc_documentation_example():
    side, frontal = QX1.footprint_nadir_m(940.6896551724138)
    assert side * 0.3 == pytest.approx(409.2, abs=0.05)
    assert frontal * 0.3 == pytest.approx(272.4, abs=0.05)


def test_gsd_formula():
    # alt · sensor_width · 100 / (image_width · focal)
    assert QX1.gsd_cm_px(100.0) == pytest.approx(100 * 23.2 * 100 / (5456 * 16))


def test_nadir_footprint_corners_are_the_nadir_rectangle():
    cam = PRESETS["zoom"]
    corners = cam.footprint_corners_m(60.0)
    side, frontal = cam.footprint_nadir_m(60.0)
    assert np.max(corners[:, 0]) - np.min(corners[:, 0]) == pytest.approx(side, rel=1e-6)
    # Frontal extent from the sensor height (QGC scales by width GSD; square pixels agree within 0.3 %).
    assert np.max(corners[:, 1]) - np.min(corners[:, 1]) == pytest.approx(frontal, rel=5e-3)
    assert cam.swath_half_width_m(60.0) == pytest.approx(side / 2, rel=1e-6)


def test_oblique_footprint_is_a_trapezoid_ahead_of_the_drone():
    cam = PRESETS["zoom-oblique"]
    corners = cam.footprint_corners_m(60.0)
    far = abs(corners[0, 0] - corners[1, 0])
    near = abs(corners[2, 0] - corners[3, 0])
    assert far > near
    assert np.all(corners[:, 1] > 0)
    # The centre ray at -45° meets the ground 60 m ahead.
    assert (corners[0, 1] + corners[2, 1]) / 2 != pytest.approx(60.0, abs=0.1)  # trapezoid is not centred
    assert min(corners[:, 1]) < 60.0 < max(corners[:, 1])


def test_horizon_rays_are_cut_at_max_range():
    cam = PRESETS["wide"]
    corners = cam.footprint_corners_m(50.0, pitch_deg=0.0, max_range_m=500.0)
    assert np.max(np.hypot(corners[:, 0], corners[:, 1])) == pytest.approx(500.0, rel=1e-6)


def test_zoom_preset_suits_people_at_40_to_80_m():
    cam = camera_preset("zoom")
    assert cam.hfov_deg < 35
    px_per_person = 0.5 / (cam.gsd_cm_px(80.0) / 100)
    assert px_per_person >= 15


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"focal_length_mm": 0.0}, "focal_length_mm must be positive"),
        ({"image_width_px": 0}, "image size"),
        ({"mount_pitch_deg": 10.0}, "mount pitch"),
    ],
)
def test_bad_camera_specs_are_refused(kwargs, message):
    base = {
        "name": "x",
        "sensor_width_mm": 6.0,
        "sensor_height_mm": 4.0,
        "focal_length_mm": 4.0,
        "image_width_px": 100,
        "image_height_px": 80,
    }
    with pytest.raises(InvalidValueError, match=message):
        CameraSpec(**{**base, **kwargs})


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(InvalidValueError, match="known: mapping, wide, zoom, zoom-oblique"):
        camera_preset("nope")


def test_footprint_needs_height_above_ground():
    with pytest.raises(PlanningError):
        PRESETS["zoom"].footprint_corners_m(0.0)
    assert math.isfinite(PRESETS["zoom"].hfov_deg)
