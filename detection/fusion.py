"""One position for a track: its per-frame ground points fused, with an honest error ellipse.

The per-frame points are fitted in local east/north metres by a constant-velocity line evaluated at the
last frame when the track is long enough and its motion is significant (speed > 3 σ of its estimate),
else by their mean (a standing target, or too short a track to tell motion from noise).
The covariance adds two parts:

* the fit's own uncertainty, from the residual spread (box jitter, white pose noise, the model's misfit),
  with a floor of ``min_sigma_m`` so that a handful of lucky frames cannot claim centimetres;
* the pose errors propagated to the ground (``uncertainty.frame_covariances_en``), averaged over the
  frames and divided by the number of independent pose errors a track of this duration sees,
  ``1 + duration / correlation_time_s`` (at most the frame count): GPS and attitude biases do not
  average out within seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pymap3d

from detection.pose import PoseUncertainty
from detection.uncertainty import ellipse_from_covariance
from detection.values import ErrorEllipse


@dataclass(frozen=True, kw_only=True)
class FusedPosition:
    """A track's fused ground position at ``t_unix_s`` with its covariance (east/north m²) and ellipse."""

    t_unix_s: float
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    cov_en_m2: np.ndarray
    ellipse: ErrorEllipse
    speed_m_s: float
    course_deg: float


@dataclass(frozen=True, kw_only=True)
class FusionConfig:
    """``motion_min_duration_s``/``motion_min_frames``: below either, a track is fitted as standing still.
    ``min_sigma_m``: floor of the fit's 1-σ per axis. ``ellipse_confidence``: the reported ellipse's
    probability content."""

    motion_min_duration_s: float = 1.5
    motion_min_frames: int = 6
    min_sigma_m: float = 0.1
    ellipse_confidence: float = 0.95


def to_local_en(
    lat_deg: np.ndarray, lon_deg: np.ndarray, lat0: float, lon0: float, alt0: float
) -> np.ndarray:
    """(N, 2) east/north metres of WGS84 points around (lat0, lon0) (pymap3d, on the plane at ``alt0``)."""
    e, n, _ = pymap3d.geodetic2enu(lat_deg, lon_deg, np.full(np.shape(lat_deg), alt0), lat0, lon0, alt0)
    return np.column_stack([np.atleast_1d(e), np.atleast_1d(n)])


def fuse_track(
    t_unix_s: np.ndarray,
    lat_deg: np.ndarray,
    lon_deg: np.ndarray,
    alt_amsl_m: np.ndarray,
    frame_cov_en_m2: np.ndarray,
    uncertainty: PoseUncertainty,
    config: FusionConfig | None = None,
) -> FusedPosition:
    """Fuse N per-frame ground points (arrays (N,), covariances (N, 2, 2)) into one position.

    >>> t = np.arange(10) * 0.1
    >>> f = fuse_track(t, np.full(10, 31.0), np.full(10, -111.0), np.zeros(10), np.tile(np.eye(2), (10, 1, 1)),
    ...                PoseUncertainty(correlation_time_s=1e9))
    >>> round(f.lat_deg, 6), round(f.ellipse.semi_major_m, 2)  # one pose error, not ten: σ stays 1 m
    (31.0, 2.45)
    """
    config = config or FusionConfig()
    t = np.asarray(t_unix_s, dtype=float)
    n = len(t)
    lat0, lon0, alt0 = float(lat_deg[-1]), float(lon_deg[-1]), float(np.nanmean(alt_amsl_m))
    xy = to_local_en(np.asarray(lat_deg), np.asarray(lon_deg), lat0, lon0, alt0)
    t_ref = float(t[-1])
    duration = float(t[-1] - t[0])
    dt = t - t_ref
    moving = n >= config.motion_min_frames and duration >= config.motion_min_duration_s
    if moving:
        design = np.column_stack([np.ones(n), dt])
        coef, *_ = np.linalg.lstsq(design, xy, rcond=None)  # (2, 2): rows intercept, velocity
        fitted = design @ coef
        inv = np.linalg.inv(design.T @ design)
        resid_var = np.sum((xy - fitted) ** 2) / (2 * (n - 2)) + config.min_sigma_m**2
        speed_sigma = math.sqrt(resid_var * inv[1, 1])
        # Keep the motion model only when the motion is real (3 σ); a standing target's mean is better.
        moving = float(np.hypot(*coef[1])) > 3.0 * speed_sigma
    if moving:
        dof = n - 2
        leverage = float(inv[0, 0])  # variance of the estimate at t_ref per unit residual variance
        position, velocity = coef[0], coef[1]
    else:
        position = xy.mean(axis=0)
        fitted = np.broadcast_to(position, xy.shape)
        dof = n - 1
        leverage = 1.0 / n
        velocity = np.array([math.nan, math.nan])
    resid = xy - fitted
    if dof > 0:
        spread = resid.T @ resid / dof
    else:
        spread = np.zeros((2, 2))
    spread = spread + np.eye(2) * config.min_sigma_m**2
    fit_cov = spread * leverage
    n_eff = min(float(n), 1.0 + duration / max(uncertainty.correlation_time_s, 1e-9))
    pose_cov = np.mean(np.asarray(frame_cov_en_m2, dtype=float), axis=0) / n_eff
    cov = fit_cov + pose_cov
    lat, lon, _ = pymap3d.enu2geodetic(position[0], position[1], 0.0, lat0, lon0, alt0)
    speed = float(np.hypot(*velocity)) if moving else math.nan
    course = float(math.degrees(math.atan2(velocity[0], velocity[1])) % 360.0) if moving else math.nan
    return FusedPosition(
        t_unix_s=t_ref,
        lat_deg=float(lat),
        lon_deg=float(lon),
        alt_amsl_m=alt0,
        cov_en_m2=cov,
        ellipse=ellipse_from_covariance(cov, config.ellipse_confidence),
        speed_m_s=speed,
        course_deg=course,
    )
