"""Pixel → ground: where on Earth a pixel of a frame looks, given the camera pose at the frame's time.

Conventions (the physical definitions the simulated camera also documents):

* **ENU** at the camera: x east, y north, z up, metres; geodetic ↔ ENU by pymap3d (WGS84; AMSL altitudes
  are used as ellipsoidal heights, like the rest of borderwatch).
* **Camera frame**, OpenCV style: x right in the image, y down in the image, z along the optical axis.
* **Gimbal (earth frame, MAVLink)**: yaw ψ clockwise from north, pitch θ up from level (-90 = nadir),
  roll φ about the optical axis (positive: image right side down); ZYX order:
  ``R_ned_from_gimbal = Rz(ψ)·Ry(θ)·Rx(φ)``, gimbal axes forward/right/down, so the camera's z is the
  gimbal's forward, x its right, y its down. At ψ = 0, θ = -90 the image top points north.
* **Fixed mount**: the same, with the vehicle's roll/pitch/yaw as the body attitude followed by a
  pitch of ``CameraSpec.mount_pitch_deg`` about the body's right axis.
* **Pinhole**: pixel (u, v) continuous (pixel column i covers [i, i+1)), ``u = cx + fx·X/Z``,
  ``v = cy + fy·Y/Z``, principal point at the image centre, fx/fy from the ``CameraSpec`` scaled to the
  frame's actual size. No distortion.

A ray meets the ground as a plane at the ground altitude (flat ground at home altitude by default; a
height map is followed by fixed-point iteration), or, with ``curved_earth=True``, the ellipsoid surface
at that altitude through pymap3d's ``lookAtSpheroid`` (differs from the plane by d²/2R: 8 cm at 1 km).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pymap3d
from pymap3d.los import lookAtSpheroid

from detection.errors import GeotagError, InvalidDetectionValueError
from detection.values import CameraPose
from missions.camera import CameraSpec

Mount = Literal["gimbal", "fixed"]
_R_GIMBAL_FROM_CAM = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_R_ENU_FROM_NED = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])
MIN_HEIGHT_M = 0.5
_WGS84 = pymap3d.Ellipsoid.from_name("wgs84")


def _rz(a: np.ndarray) -> np.ndarray:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def _ry(a: np.ndarray) -> np.ndarray:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def _rx(a: np.ndarray) -> np.ndarray:
    c, s, z, o = np.cos(a), np.sin(a), np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rotation_enu_from_cam(yaw_deg, pitch_deg, roll_deg=0.0, mount_pitch_deg=None) -> np.ndarray:
    """Rotation (3, 3) — or (..., 3, 3) for arrays of angles — taking camera vectors to ENU.

    ``mount_pitch_deg=None``: the angles are the gimbal's earth-frame attitude. Otherwise they are the
    vehicle's attitude and the camera is fixed to the body, pitched by ``mount_pitch_deg``.

    >>> (rotation_enu_from_cam(0.0, -90.0).round(6) + 0.0).tolist()  # nadir, north up: x east, y south, z down
    [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]
    """
    y, p, r = (np.radians(np.asarray(a, dtype=float)) for a in (yaw_deg, pitch_deg, roll_deg))
    y, p, r = np.broadcast_arrays(y, p, r)
    ned = _rz(y) @ _ry(p) @ _rx(r)
    if mount_pitch_deg is not None:
        ned = ned @ _ry(np.radians(np.full(y.shape, float(mount_pitch_deg))))
    return _R_ENU_FROM_NED @ ned @ _R_GIMBAL_FROM_CAM


@dataclass(frozen=True, kw_only=True)
class Intrinsics:
    """Pinhole intrinsics in pixels for a frame of ``width_px`` × ``height_px``."""

    fx_px: float
    fy_px: float
    cx_px: float
    cy_px: float
    width_px: int
    height_px: int

    @classmethod
    def from_spec(
        cls, spec: CameraSpec, width_px: int | None = None, height_px: int | None = None
    ) -> Intrinsics:
        """Intrinsics of a camera, scaled when frames arrive at another size than the spec's.

        >>> from missions.camera import PRESETS
        >>> k = Intrinsics.from_spec(PRESETS["zoom"], 640, 360)
        >>> round(k.fx_px, 2), k.cx_px, k.cy_px
        (1244.73, 320.0, 180.0)
        """
        w = width_px or spec.image_width_px
        h = height_px or spec.image_height_px
        return cls(
            fx_px=spec.focal_length_mm * w / spec.sensor_width_mm,
            fy_px=spec.focal_length_mm * h / spec.sensor_height_mm,
            cx_px=w / 2.0,
            cy_px=h / 2.0,
            width_px=w,
            height_px=h,
        )

    def rays_cam(self, uv_px: np.ndarray) -> np.ndarray:
        """(N, 3) camera-frame directions (z = 1) of pixels (N, 2)."""
        uv = np.atleast_2d(np.asarray(uv_px, dtype=float))
        return np.column_stack(
            [(uv[:, 0] - self.cx_px) / self.fx_px, (uv[:, 1] - self.cy_px) / self.fy_px, np.ones(len(uv))]
        )


class HeightMap(Protocol):
    """Ground altitude AMSL (m) at WGS84 points (arrays in, array out)."""

    def height_amsl_m(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True, kw_only=True)
class GroundFix:
    """Ground points of N pixels: WGS84 degrees, altitude AMSL, slant range from the camera (m), and
    ``valid`` False where the ray misses the ground (arrays are NaN there)."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_amsl_m: np.ndarray
    range_m: np.ndarray
    valid: np.ndarray


def ground_offsets_m(height_m, r_enu_from_cam: np.ndarray, rays_cam: np.ndarray) -> np.ndarray:
    """Where rays from a camera ``height_m`` above a flat ground meet it: (..., N, 2) east/north metres
    from the point below the camera; NaN for rays that do not point down.

    Vectorised over leading axes of ``height_m`` (...) and ``r_enu_from_cam`` (..., 3, 3), which is
    what the uncertainty propagation uses.

    >>> ground_offsets_m(100.0, rotation_enu_from_cam(0.0, -45.0), np.array([[0.0, 0.0, 1.0]])).round(6).tolist()
    [[0.0, 100.0]]
    """
    d = np.einsum("...ij,nj->...ni", r_enu_from_cam, rays_cam)
    h = np.asarray(height_m, dtype=float)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(d[..., 2] < -1e-9, -h / d[..., 2], np.nan)
    return d[..., :2] * s[..., None]


class Geotagger:
    """Pixels of a frame → WGS84 ground points, and back (the forward model, for checks and snapshots).

    ``camera`` gives the intrinsics (scaled to each frame's size); ``mount`` says whether the camera
    hangs on a stabilised gimbal reporting earth-frame angles (default) or is fixed to the body;
    ``ground_alt_amsl_m`` fixes the flat ground's altitude (default: the pose's home altitude);
    ``height_map`` follows terrain instead; ``curved_earth`` intersects the ellipsoid (pymap3d
    ``lookAtSpheroid``) rather than the local plane.
    """

    def __init__(
        self,
        camera: CameraSpec,
        *,
        mount: Mount = "gimbal",
        ground_alt_amsl_m: float | None = None,
        height_map: HeightMap | None = None,
        curved_earth: bool = False,
        height_map_iterations: int = 6,
    ) -> None:
        if mount not in ("gimbal", "fixed"):
            raise InvalidDetectionValueError(f"mount must be 'gimbal' or 'fixed', got {mount!r}")
        if curved_earth and height_map is not None:
            raise InvalidDetectionValueError("choose a height map or curved_earth, not both")
        self.camera = camera
        self.mount = mount
        self.ground_alt_amsl_m = ground_alt_amsl_m
        self.height_map = height_map
        self.curved_earth = curved_earth
        self.height_map_iterations = height_map_iterations

    # --- the pieces -----------------------------------------------------------------------------
    def intrinsics(self, width_px: int | None = None, height_px: int | None = None) -> Intrinsics:
        return Intrinsics.from_spec(self.camera, width_px, height_px)

    def attitude_deg(self, pose: CameraPose) -> tuple[float, float, float]:
        """(yaw, pitch, roll) that set the camera's orientation: the gimbal's, or the vehicle's."""
        if self.mount == "gimbal":
            return pose.gimbal_yaw_deg, pose.gimbal_pitch_deg, pose.gimbal_roll_deg
        return pose.yaw_deg, pose.pitch_deg, pose.roll_deg

    def rotation(self, yaw_deg, pitch_deg, roll_deg) -> np.ndarray:
        mount = self.camera.mount_pitch_deg if self.mount == "fixed" else None
        return rotation_enu_from_cam(yaw_deg, pitch_deg, roll_deg, mount)

    def ground_alt_at_nadir(self, pose: CameraPose) -> float:
        if self.ground_alt_amsl_m is not None:
            return self.ground_alt_amsl_m
        if self.height_map is not None:
            return float(
                np.asarray(self.height_map.height_amsl_m(np.array([pose.lat_deg]), np.array([pose.lon_deg])))[
                    0
                ]
            )
        return pose.home_alt_amsl_m

    # --- pixel → ground ---------------------------------------------------------------------------
    def pixel_to_ground(
        self, pose: CameraPose, uv_px: np.ndarray, frame_size_px: tuple[int, int] | None = None
    ) -> GroundFix:
        """Ground points of pixels ``uv_px`` (N, 2) in a frame of ``frame_size_px`` = (width, height)."""
        uv = np.atleast_2d(np.asarray(uv_px, dtype=float))
        k = self.intrinsics(*(frame_size_px or (None, None)))
        r = self.rotation(*self.attitude_deg(pose))
        rays = k.rays_cam(uv)
        ground = self.ground_alt_at_nadir(pose)
        if self.curved_earth:
            return self._ellipsoid(pose, r @ rays.T, ground)
        ground = np.full(len(uv), ground)
        for _ in range(self.height_map_iterations if self.height_map is not None else 1):
            fix = self._plane(pose, r, rays, ground)
            if self.height_map is None:
                break
            new = np.asarray(self.height_map.height_amsl_m(fix.lat_deg, fix.lon_deg), dtype=float)
            if np.all(~fix.valid | (np.abs(new - ground) < 0.01)):
                ground = np.where(fix.valid, new, ground)
                fix = self._plane(pose, r, rays, ground)
                break
            ground = np.where(fix.valid, new, ground)
        return fix

    def _plane(self, pose: CameraPose, r: np.ndarray, rays: np.ndarray, ground: np.ndarray) -> GroundFix:
        height = pose.alt_amsl_m - ground
        if np.any(height < MIN_HEIGHT_M):
            raise GeotagError(
                f"camera is {np.min(height):.1f} m above the ground (< {MIN_HEIGHT_M} m): check the home "
                "altitude and the ground altitude setting"
            )
        d = rays @ r.T
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(d[:, 2] < -1e-9, -height / d[:, 2], np.nan)
        e, n, u = d[:, 0] * s, d[:, 1] * s, d[:, 2] * s
        lat, lon, alt = pymap3d.enu2geodetic(e, n, u, pose.lat_deg, pose.lon_deg, pose.alt_amsl_m)
        valid = np.isfinite(s)
        rng = s * np.linalg.norm(d, axis=1)
        return GroundFix(
            lat_deg=np.asarray(lat, dtype=float),
            lon_deg=np.asarray(lon, dtype=float),
            alt_amsl_m=np.asarray(alt, dtype=float),  # the plane's point: ground altitude - d²/2R
            range_m=rng,
            valid=valid,
        )

    def _ellipsoid(self, pose: CameraPose, d_enu: np.ndarray, ground: float) -> GroundFix:
        height = pose.alt_amsl_m - ground
        if height < MIN_HEIGHT_M:
            raise GeotagError(f"camera is {height:.1f} m above the ground: check the home altitude")
        az, el, _ = pymap3d.enu2aer(d_enu[0], d_enu[1], d_enu[2])
        # The surface hit is WGS84 grown by the ground altitude (within ~1 cm of the true height-H surface).
        # pymap3d (3.2, los.py) uses ``ell`` only as that surface: it places the observer and reads the
        # result on WGS84, so the observer's height is its WGS84 height and the answer is WGS84 lat/lon.
        ell = pymap3d.Ellipsoid(
            _WGS84.semimajor_axis + ground, _WGS84.semiminor_axis + ground, "wgs84+ground"
        )
        lat, lon, rng = lookAtSpheroid(
            pose.lat_deg, pose.lon_deg, pose.alt_amsl_m, az, np.asarray(el) + 90.0, ell=ell
        )
        lat, lon, rng = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (lat, lon, rng))
        valid = np.isfinite(rng)
        return GroundFix(
            lat_deg=lat, lon_deg=lon, alt_amsl_m=np.where(valid, ground, np.nan), range_m=rng, valid=valid
        )

    # --- ground → pixel (forward model) -------------------------------------------------------------
    def ground_to_pixel(
        self, pose: CameraPose, lat_deg, lon_deg, alt_amsl_m, frame_size_px: tuple[int, int] | None = None
    ) -> np.ndarray:
        """(N, 2) pixels where WGS84 points appear; NaN for points behind the camera."""
        e, n, u = pymap3d.geodetic2enu(
            np.atleast_1d(np.asarray(lat_deg, dtype=float)),
            np.atleast_1d(np.asarray(lon_deg, dtype=float)),
            np.atleast_1d(np.asarray(alt_amsl_m, dtype=float)),
            pose.lat_deg,
            pose.lon_deg,
            pose.alt_amsl_m,
        )
        p = np.column_stack([e, n, u])
        cam = p @ self.rotation(*self.attitude_deg(pose))  # rows: Rᵀ·p
        k = self.intrinsics(*(frame_size_px or (None, None)))
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = np.column_stack(
                [k.cx_px + k.fx_px * cam[:, 0] / cam[:, 2], k.cy_px + k.fy_px * cam[:, 1] / cam[:, 2]]
            )
        uv[~(cam[:, 2] > 1e-9)] = np.nan
        return uv


def frame_to_frame_affine(
    geotagger: Geotagger, before: CameraPose, after: CameraPose, frame_size_px: tuple[int, int]
) -> np.ndarray | None:
    """2×3 affine taking pixels of a frame taken at ``before`` to where the same ground appears in a frame
    taken at ``after`` (least squares over a 3×3 grid through the ground plane); None when fewer than
    four grid points see the ground in both.

    >>> from missions.camera import PRESETS
    >>> p = CameraPose(t_unix_s=0, lat_deg=31.0, lon_deg=-111.0, alt_amsl_m=1060.0, alt_rel_m=60.0)
    >>> (frame_to_frame_affine(Geotagger(PRESETS["zoom"]), p, p, (1280, 720)).round(6) + 0.0).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    w, h = frame_size_px
    u, v = np.meshgrid([0.1 * w, 0.5 * w, 0.9 * w], [0.1 * h, 0.5 * h, 0.9 * h])
    uv = np.column_stack([u.ravel(), v.ravel()])
    fix = geotagger.pixel_to_ground(before, uv, frame_size_px)
    if fix.valid.sum() < 4:
        return None
    moved = geotagger.ground_to_pixel(
        after, fix.lat_deg[fix.valid], fix.lon_deg[fix.valid], fix.alt_amsl_m[fix.valid], frame_size_px
    )
    ok = np.all(np.isfinite(moved), axis=1)
    if ok.sum() < 4:
        return None
    src = np.column_stack([uv[fix.valid][ok], np.ones(int(ok.sum()))])
    coef, *_ = np.linalg.lstsq(src, moved[ok], rcond=None)
    return coef.T.astype(np.float64)


def bearing_deg(east_m: float, north_m: float) -> float:
    """Compass bearing of an east/north vector, clockwise from north, 0..360.

    >>> bearing_deg(1.0, 0.0)
    90.0
    """
    return math.degrees(math.atan2(east_m, north_m)) % 360.0
