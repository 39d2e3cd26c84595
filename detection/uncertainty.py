"""Position uncertainty: pose errors propagated to the ground, and covariances as error ellipses.

A per-frame ground point inherits the pose's errors through the camera geometry: GPS shifts it one for
one; a height error scales its offset from the point below the camera; attitude errors swing the ray
(numerical Jacobian, central differences); a timing error moves it by the ground point's own velocity
(from the poses just before and after). Everything here is in local east/north metres.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import erf

from detection.geotag import Geotagger, ground_offsets_m
from detection.pose import PoseUncertainty
from detection.values import CameraPose, ErrorEllipse

_STEP_DEG = 0.05
_GL_X, _GL_W0 = np.polynomial.legendre.leggauss(128)
_GL_T = _GL_X * (math.pi / 2)  # nodes on [-π/2, π/2]
_GL_W = _GL_W0 * (math.pi / 2)


def frame_covariances_en(
    geotagger: Geotagger,
    pose: CameraPose,
    uv_px: np.ndarray,
    frame_size_px: tuple[int, int],
    uncertainty: PoseUncertainty,
    ground_velocity_en_m_s: np.ndarray | None = None,
) -> np.ndarray:
    """(N, 2, 2) east/north covariances (m²) of the ground points of pixels ``uv_px`` from pose errors.

    ``ground_velocity_en_m_s`` (N, 2): how fast each pixel's ground point moves as time passes (for the
    timing term); omitted, timing adds nothing.

    >>> from missions.camera import PRESETS
    >>> g = Geotagger(PRESETS["zoom"])
    >>> pose = CameraPose(t_unix_s=0, lat_deg=31.0, lon_deg=-111.0, alt_amsl_m=1060.0, alt_rel_m=60.0)
    >>> c = frame_covariances_en(g, pose, np.array([[640.0, 360.0]]), (1280, 720),
    ...                          PoseUncertainty(gps_sigma_m=1.0, alt_sigma_m=0.0, attitude_sigma_deg=0.0))
    >>> c.round(6).tolist()
    [[[1.0, 0.0], [0.0, 1.0]]]
    """
    uv = np.atleast_2d(np.asarray(uv_px, dtype=float))
    n = len(uv)
    rays = geotagger.intrinsics(*frame_size_px).rays_cam(uv)
    height = pose.alt_amsl_m - geotagger.ground_alt_at_nadir(pose)
    yaw, pitch, roll = geotagger.attitude_deg(pose)
    base = ground_offsets_m(height, geotagger.rotation(yaw, pitch, roll), rays)  # (N, 2)
    cov = np.zeros((n, 2, 2))
    cov[:, 0, 0] = cov[:, 1, 1] = uncertainty.gps_sigma_m**2
    if uncertainty.alt_sigma_m > 0 and height > 0:
        j_h = base / height  # offsets scale with height
        cov += np.nan_to_num(np.einsum("ni,nj->nij", j_h, j_h)) * uncertainty.alt_sigma_m**2
    if uncertainty.attitude_sigma_deg > 0:
        deltas = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]) * _STEP_DEG
        angles = np.array([yaw, pitch, roll]) + deltas
        rs = geotagger.rotation(angles[:, 0], angles[:, 1], angles[:, 2])  # (6, 3, 3)
        moved = ground_offsets_m(np.full(6, height), rs, rays)  # (6, N, 2)
        jac = (moved[0::2] - moved[1::2]) / (2 * _STEP_DEG)  # (3 angles, N, 2) metres per degree
        jac = np.nan_to_num(jac)
        cov += np.einsum("kni,knj->nij", jac, jac) * uncertainty.attitude_sigma_deg**2
    if ground_velocity_en_m_s is not None and uncertainty.timing_sigma_s > 0:
        v = np.nan_to_num(np.atleast_2d(ground_velocity_en_m_s))
        cov += np.einsum("ni,nj->nij", v, v) * uncertainty.timing_sigma_s**2
    return cov


def chi2_2d_scale(confidence: float) -> float:
    """Scale from a 2-D 1-σ ellipse to the ellipse holding ``confidence`` of the probability.

    >>> round(chi2_2d_scale(0.95), 4)
    2.4477
    """
    return math.sqrt(-2.0 * math.log(1.0 - confidence))


def circular_errors_m(cov_en: np.ndarray) -> tuple[float, float]:
    """(CEP, CE90) in metres of a zero-mean 2-D Gaussian with covariance ``cov_en`` (2, 2): the radii of
    the circles holding 50 % and 90 % of it.

    With a, b the 1-σ semi-axes, P(r ≤ R) = ∫ φ(x/a)/a · erf(√(R² - x²) / (b√2)) dx over |x| ≤ R,
    integrated by Gauss-Legendre after x = R·sin t (smooth even for a line-like b → 0), solved for R.

    >>> [round(v, 3) for v in circular_errors_m(np.eye(2))]  # Rayleigh: 1.177 σ and 2.146 σ
    [1.177, 2.146]
    """
    vals = np.clip(np.linalg.eigvalsh(np.asarray(cov_en, dtype=float)), 0.0, None)
    b, a = np.sqrt(vals)
    if a <= 0:
        return 0.0, 0.0

    def prob(radius: float) -> float:
        x = radius * np.sin(_GL_T)
        half = radius * np.cos(_GL_T)
        inner = erf(half / (b * math.sqrt(2.0))) if b > 0 else np.ones_like(half)
        dens = np.exp(-0.5 * (x / a) ** 2) / (a * math.sqrt(2 * math.pi))
        return float(np.sum(_GL_W * dens * inner * half))

    cep = brentq(lambda r: prob(r) - 0.5, 0.0, 5.0 * a + 5.0 * b)
    ce90 = brentq(lambda r: prob(r) - 0.9, 0.0, 5.0 * a + 5.0 * b)
    return float(cep), float(ce90)


def ellipse_from_covariance(cov_en: np.ndarray, confidence: float = 0.95) -> ErrorEllipse:
    """The ``confidence`` error ellipse of an east/north covariance (m²), with its CEP and CE90.

    >>> e = ellipse_from_covariance(np.array([[1.0, 0.0], [0.0, 4.0]]))
    >>> round(e.semi_major_m, 3), round(e.semi_minor_m, 3), e.orientation_deg
    (4.895, 2.448, 0.0)
    """
    cov = np.asarray(cov_en, dtype=float)
    cov = (cov + cov.T) / 2
    vals, vecs = np.linalg.eigh(cov)
    vals = np.clip(vals, 0.0, None)
    major = vecs[:, 1]
    orientation = math.degrees(math.atan2(major[0], major[1])) % 180.0
    k = chi2_2d_scale(confidence)
    cep, ce90 = circular_errors_m(cov)
    return ErrorEllipse(
        semi_major_m=k * math.sqrt(vals[1]),
        semi_minor_m=k * math.sqrt(vals[0]),
        orientation_deg=round(orientation, 6) % 180.0,
        confidence=confidence,
        cep_m=cep,
        ce90_m=ce90,
    )


def inside_ellipse(offset_en_m: np.ndarray, ellipse: ErrorEllipse) -> bool:
    """Whether an east/north offset (m) from the ellipse's centre lies inside it.

    >>> inside_ellipse(np.array([0.0, 3.9]), ErrorEllipse(semi_major_m=4, semi_minor_m=1, orientation_deg=0))
    True
    """
    theta = math.radians(ellipse.orientation_deg)
    major = np.array([math.sin(theta), math.cos(theta)])
    minor = np.array([math.cos(theta), -math.sin(theta)])
    a = float(np.dot(offset_en_m, major)) / max(ellipse.semi_major_m, 1e-9)
    b = float(np.dot(offset_en_m, minor)) / max(ellipse.semi_minor_m, 1e-9)
    return a * a + b * b <= 1.0
