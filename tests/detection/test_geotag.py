"""Pixel → ground and back: the geotagger's inverse against its own forward model and the simulated camera's."""

from __future__ import annotations

import numpy as np
import pymap3d
import pytest

from detection.errors import GeotagError
from detection.geotag import Geotagger, rotation_enu_from_cam
from missions.camera import PRESETS
from tests.detection.builders import HOME_ALT, pose

ZOOM = PRESETS["zoom"]
WIDE = PRESETS["wide"]


def _grid(w: int = 1280, h: int = 720) -> np.ndarray:
    u, v = np.meshgrid(np.linspace(5, w - 5, 9), np.linspace(5, h - 5, 7))
    return np.column_stack([u.ravel(), v.ravel()])


@pytest.mark.parametrize(
    ("yaw", "pitch", "roll", "alt"),
    [
        (0, -90, 0, 60),
        (37, -90, 0, 60),
        (200, -70, 0, 80),
        (315, -45, 3, 120),
        (90, -30, -5, 40),
        (359.5, -89.9, 0, 60),
    ],
)
@pytest.mark.parametrize("camera", [ZOOM, WIDE], ids=["zoom", "wide"])
def test_ground_point_to_pixel_and_back_lands_within_centimetres(yaw, pitch, roll, alt, camera):
    g = Geotagger(camera)
    p = pose(yaw=yaw, pitch=pitch, roll=roll, alt_rel=alt)
    uv = _grid()
    fix = g.pixel_to_ground(p, uv)
    ok = fix.valid
    assert ok.sum() >= 40  # oblique views may see sky at the top
    back = g.ground_to_pixel(p, fix.lat_deg[ok], fix.lon_deg[ok], fix.alt_amsl_m[ok])
    assert np.max(np.abs(back - uv[ok])) < 1e-5
    # and from the ground side: points on the ground → pixels → the same points
    e, n, _ = pymap3d.geodetic2enu(
        fix.lat_deg[ok], fix.lon_deg[ok], fix.alt_amsl_m[ok], p.lat_deg, p.lon_deg, HOME_ALT
    )
    fix2 = g.pixel_to_ground(p, back)
    e2, n2, _ = pymap3d.geodetic2enu(
        fix2.lat_deg, fix2.lon_deg, fix2.alt_amsl_m, p.lat_deg, p.lon_deg, HOME_ALT
    )
    assert np.max(np.hypot(e2 - e, n2 - n)) < 0.01


def test_nadir_north_up_centre_is_below_and_image_top_is_north():
    g = Geotagger(ZOOM)
    p = pose(yaw=0.0, pitch=-90.0, alt_rel=60.0)
    fix = g.pixel_to_ground(p, np.array([[640.0, 360.0], [640.0, 0.0], [1280.0, 360.0]]))
    e, n, _ = pymap3d.geodetic2enu(fix.lat_deg, fix.lon_deg, fix.alt_amsl_m, p.lat_deg, p.lon_deg, HOME_ALT)
    assert abs(e[0]) < 1e-6 and abs(n[0]) < 1e-6
    half_h, half_w = ZOOM.footprint_nadir_m(60.0)[1] / 2, ZOOM.footprint_nadir_m(60.0)[0] / 2
    assert n[1] == pytest.approx(half_h, abs=0.01) and abs(e[1]) < 1e-6
    assert e[2] == pytest.approx(half_w, abs=0.01)
    assert fix.range_m[0] == pytest.approx(60.0)


def test_yaw_turns_the_image_top_towards_east():
    g = Geotagger(ZOOM)
    p = pose(yaw=90.0, pitch=-90.0)
    fix = g.pixel_to_ground(p, np.array([[640.0, 0.0]]))
    e, n, _ = pymap3d.geodetic2enu(fix.lat_deg, fix.lon_deg, fix.alt_amsl_m, p.lat_deg, p.lon_deg, HOME_ALT)
    assert e[0] > 8.0 and abs(n[0]) < 1e-6


def test_fixed_mount_uses_vehicle_attitude_and_mount_pitch():
    oblique = PRESETS["zoom-oblique"]  # mount pitch -45°
    fixed = Geotagger(oblique, mount="fixed")
    gimbal = Geotagger(oblique)
    p_fixed = pose(vehicle_yaw=30.0, yaw=123.0, pitch=-10.0)  # gimbal angles must be ignored
    p_gimbal = pose(yaw=30.0, pitch=-45.0)
    uv = _grid()
    a = fixed.pixel_to_ground(p_fixed, uv)
    b = gimbal.pixel_to_ground(p_gimbal, uv)
    assert np.allclose(a.lat_deg, b.lat_deg, equal_nan=True) and np.allclose(
        a.lon_deg, b.lon_deg, equal_nan=True
    )


def test_rays_above_the_horizon_are_invalid_not_wrong():
    g = Geotagger(WIDE)
    fix = g.pixel_to_ground(pose(pitch=-10.0), np.array([[640.0, 0.0], [640.0, 719.0]]))
    assert fix.valid.tolist() == [False, True]
    assert np.isnan(fix.lat_deg[0])


def test_camera_below_ground_is_a_clear_error():
    with pytest.raises(GeotagError, match="above the ground"):
        Geotagger(ZOOM, ground_alt_amsl_m=HOME_ALT + 100).pixel_to_ground(pose(), np.array([[640.0, 360.0]]))


def test_curved_earth_agrees_with_the_plane_nearby_and_departs_far_away():
    flat, curved = Geotagger(WIDE), Geotagger(WIDE, curved_earth=True)
    p = pose(pitch=-5.0, alt_rel=120.0)
    uv = np.array([[640.0, 719.0], [640.0, 380.0]])  # ~300 m and ~1.1 km ahead
    a, b = flat.pixel_to_ground(p, uv), curved.pixel_to_ground(p, uv)
    e1, n1, _ = pymap3d.geodetic2enu(a.lat_deg, a.lon_deg, HOME_ALT, p.lat_deg, p.lon_deg, HOME_ALT)
    e2, n2, _ = pymap3d.geodetic2enu(b.lat_deg, b.lon_deg, HOME_ALT, p.lat_deg, p.lon_deg, HOME_ALT)
    d = np.hypot(e2 - e1, n2 - n1)
    assert d[0] < 0.5  # sub-metre at a few hundred metres (curvature drop ~1 cm, grazing ray amplifies it)
    assert n2[1] > n1[1]  # the ellipsoid falls away: a grazing ray meets it farther out


class _Slope:
    """A plane rising 0.1 m per metre north of home."""

    def height_amsl_m(self, lat_deg, lon_deg):
        _, n, _ = pymap3d.geodetic2enu(lat_deg, lon_deg, HOME_ALT, 31.348, -110.9837, HOME_ALT)
        return HOME_ALT + 0.1 * np.asarray(n)


def test_height_map_is_followed_to_the_sloped_ground():
    g = Geotagger(ZOOM, height_map=_Slope())
    p = pose(pitch=-60.0, alt_rel=80.0)
    uv = _grid()
    fix = g.pixel_to_ground(p, uv)
    assert np.allclose(fix.alt_amsl_m, _Slope().height_amsl_m(fix.lat_deg, fix.lon_deg), atol=0.05)
    back = g.ground_to_pixel(p, fix.lat_deg, fix.lon_deg, fix.alt_amsl_m)
    assert np.max(np.abs(back - uv)) < 0.05


def test_frames_at_another_size_scale_the_intrinsics():
    g = Geotagger(ZOOM)
    p = pose(yaw=10.0, pitch=-80.0)
    full = g.pixel_to_ground(p, np.array([[1000.0, 600.0]]), (1280, 720))
    half = g.pixel_to_ground(p, np.array([[500.0, 300.0]]), (640, 360))
    assert full.lat_deg[0] == pytest.approx(half.lat_deg[0], abs=1e-9)


def test_rotation_is_orthonormal_for_arrays_of_angles():
    r = rotation_enu_from_cam(
        np.array([0.0, 45.0, 290.0]), np.array([-90.0, -30.0, -60.0]), np.array([0.0, 5.0, -3.0])
    )
    assert r.shape == (3, 3, 3)
    for m in r:
        assert np.allclose(m @ m.T, np.eye(3)) and np.linalg.det(m) == pytest.approx(1.0)
