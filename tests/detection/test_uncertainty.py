"""Error propagation and fusion: covariances against Monte Carlo, ellipses, CEP/CE90, honest fusion."""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest

from detection.fusion import FusionConfig, fuse_track
from detection.geotag import Geotagger
from detection.pose import PoseUncertainty
from detection.uncertainty import (
    circular_errors_m,
    ellipse_from_covariance,
    frame_covariances_en,
    inside_ellipse,
)
from detection.values import CameraPose
from missions.camera import PRESETS
from tests.detection.builders import HOME_ALT, pose


def _monte_carlo_cov(
    g: Geotagger, p: CameraPose, uv: np.ndarray, unc: PoseUncertainty, n: int = 4000
) -> np.ndarray:
    rng = np.random.default_rng(1)
    out = []
    for _ in range(n):
        de, dn = rng.normal(0, unc.gps_sigma_m, 2)
        lat, lon, _ = pymap3d.enu2geodetic(de, dn, 0.0, p.lat_deg, p.lon_deg, p.alt_amsl_m)
        q = CameraPose(
            t_unix_s=p.t_unix_s, lat_deg=float(lat), lon_deg=float(lon),
            alt_amsl_m=p.alt_amsl_m + rng.normal(0, unc.alt_sigma_m), alt_rel_m=p.alt_rel_m,
            gimbal_yaw_deg=p.gimbal_yaw_deg + rng.normal(0, unc.attitude_sigma_deg),
            gimbal_pitch_deg=p.gimbal_pitch_deg + rng.normal(0, unc.attitude_sigma_deg),
            gimbal_roll_deg=p.gimbal_roll_deg + rng.normal(0, unc.attitude_sigma_deg),
        )  # fmt: skip
        f = g.pixel_to_ground(q, uv, (1280, 720))
        e, nn, _ = pymap3d.geodetic2enu(f.lat_deg, f.lon_deg, HOME_ALT, p.lat_deg, p.lon_deg, HOME_ALT)
        out.append([e[0], nn[0]])
    return np.cov(np.array(out).T)


@pytest.mark.parametrize(
    ("yaw", "pitch", "u", "v"),
    [(0.0, -90.0, 640.0, 360.0), (30.0, -60.0, 1000.0, 200.0), (250.0, -45.0, 200.0, 600.0)],
)
def test_jacobian_covariance_matches_monte_carlo(yaw, pitch, u, v):
    g = Geotagger(PRESETS["zoom"], ground_alt_amsl_m=HOME_ALT)
    p = pose(yaw=yaw, pitch=pitch, alt_rel=60.0)
    unc = PoseUncertainty(gps_sigma_m=1.5, alt_sigma_m=2.0, attitude_sigma_deg=0.5)
    uv = np.array([[u, v]])
    jac = frame_covariances_en(g, p, uv, (1280, 720), unc)[0]
    mc = _monte_carlo_cov(g, p, uv, unc)
    assert np.sqrt(np.diag(jac)) == pytest.approx(np.sqrt(np.diag(mc)), rel=0.08)
    assert jac[0, 1] == pytest.approx(mc[0, 1], abs=0.08 * math.sqrt(mc[0, 0] * mc[1, 1]))


def test_timing_error_adds_along_the_ground_points_motion():
    g = Geotagger(PRESETS["zoom"])
    unc = PoseUncertainty(gps_sigma_m=0.0, alt_sigma_m=0.0, attitude_sigma_deg=0.0, timing_sigma_s=0.1)
    c = frame_covariances_en(
        g, pose(), np.array([[640.0, 360.0]]), (1280, 720), unc, np.array([[0.0, 10.0]])
    )[0]
    assert np.allclose(c, [[0.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize(
    ("cov", "cep", "ce90"),
    [
        (np.eye(2), 1.1774, 2.1460),
        (np.diag([4.0, 4.0]), 2.3548, 4.2919),
        (np.diag([1e-12, 1.0]), 0.6745, 1.6449),
    ],
)
def test_circular_errors_of_known_distributions(cov, cep, ce90):
    got = circular_errors_m(cov)
    assert got == pytest.approx((cep, ce90), rel=2e-3)


def test_ellipse_axes_orientation_and_containment():
    theta = math.radians(30.0)
    r = np.array([[math.sin(theta), math.cos(theta)], [math.cos(theta), -math.sin(theta)]]).T
    cov = r @ np.diag([9.0, 1.0]) @ r.T  # 3 m along 30° from north, 1 m across
    e = ellipse_from_covariance(cov, 0.95)
    assert (e.semi_major_m, e.semi_minor_m, e.orientation_deg) == pytest.approx(
        (3 * 2.4477, 2.4477, 30.0), rel=1e-3
    )
    samples = np.random.default_rng(3).multivariate_normal([0, 0], cov, 20000)
    share = np.mean([inside_ellipse(s, e) for s in samples[:4000]])
    assert share == pytest.approx(0.95, abs=0.015)


def _track(n: int, lat: np.ndarray, lon: np.ndarray, t: np.ndarray, sigma: float = 1.0):
    return fuse_track(t, lat, lon, np.full(n, HOME_ALT), np.tile(np.eye(2) * sigma**2, (n, 1, 1)),
                      PoseUncertainty(correlation_time_s=2.0))  # fmt: skip


def test_fusion_of_a_standing_target_averages_and_keeps_the_correlated_pose_error():
    rng = np.random.default_rng(0)
    n = 20
    e, nn = rng.normal(0, 0.3, n), rng.normal(0, 0.3, n)
    lat, lon, _ = pymap3d.enu2geodetic(e, nn, np.zeros(n), 31.348, -110.9837, HOME_ALT)
    f = _track(n, lat, lon, 1000.0 + np.arange(n) * 0.1)  # 1.9 s: 1.95 independent pose errors
    e0, n0, _ = pymap3d.geodetic2enu(f.lat_deg, f.lon_deg, HOME_ALT, 31.348, -110.9837, HOME_ALT)
    assert math.hypot(e0, n0) < 0.2
    assert math.isnan(f.speed_m_s)
    sigma = math.sqrt(f.cov_en_m2[0, 0])
    assert sigma == pytest.approx(math.sqrt(1.0 / 1.95 + (0.09 + 0.01) / n), rel=0.25)


def test_fusion_of_a_walking_target_fits_its_motion_and_reports_the_last_position():
    n = 40
    t = 1000.0 + np.arange(n) * 0.1
    north = 1.4 * (t - t[0])  # walking north at 1.4 m/s
    lat, lon, _ = pymap3d.enu2geodetic(np.zeros(n), north, np.zeros(n), 31.348, -110.9837, HOME_ALT)
    f = _track(n, lat, lon, t, sigma=0.5)
    e0, n0, _ = pymap3d.geodetic2enu(f.lat_deg, f.lon_deg, HOME_ALT, 31.348, -110.9837, HOME_ALT)
    assert n0 == pytest.approx(north[-1], abs=0.01) and abs(e0) < 0.01
    assert f.t_unix_s == t[-1]
    assert f.speed_m_s == pytest.approx(1.4, abs=0.01) and f.course_deg == pytest.approx(0.0, abs=0.5)


def test_short_tracks_are_not_fitted_with_motion():
    cfg = FusionConfig(motion_min_duration_s=1.5, motion_min_frames=6)
    t = 1000.0 + np.arange(5) * 0.1
    lat = 31.348 + np.arange(5) * 1e-5
    f = fuse_track(
        t,
        lat,
        np.full(5, -110.9837),
        np.full(5, HOME_ALT),
        np.tile(np.eye(2), (5, 1, 1)),
        PoseUncertainty(),
        cfg,
    )
    assert math.isnan(f.course_deg) and f.lat_deg == pytest.approx(np.mean(lat), abs=1e-9)
