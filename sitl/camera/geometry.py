"""The simulated camera's geometry: the exact conventions a pixel → ground inverse must follow.

Frames
------
* **ENU**: a local East-North-Up frame (metres) whose origin is the ground point straight below the
  camera, at the ground's altitude there. Geodetic ↔ ENU conversions are pymap3d's
  (``geodetic2enu``/``enu2geodetic``, WGS84; altitudes AMSL are used as ellipsoidal heights).
* **NED**: North-East-Down at the same origin; ``enu = (ned_e, ned_n, -ned_d)``.
* **Gimbal (FRD)**: forward along the optical axis, right, down.
* **Camera**: x right in the image, y down in the image, z forward (optical axis), OpenCV style.

Rotation
--------
Gimbal angles are earth-frame, MAVLink style: yaw ψ clockwise from true north, pitch θ up from level
(0 level, -90 straight down), roll φ about the optical axis (positive: image right side down). The
vehicle body's attitude does not enter: the gimbal is stabilised. The rotation is ZYX (yaw, then
pitch, then roll, intrinsic, as an aircraft attitude)::

    R_ned_from_gimbal = Rz(ψ) · Ry(θ) · Rx(φ)
        Rz(ψ) = [[cψ, -sψ, 0], [sψ, cψ, 0], [0, 0, 1]]
        Ry(θ) = [[cθ, 0, sθ], [0, 1, 0], [-sθ, 0, cθ]]
        Rx(φ) = [[1, 0, 0], [0, cφ, -sφ], [0, sφ, cφ]]
    R_gimbal_from_cam = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]      (cam x→right, y→down, z→forward)
    R_enu_from_ned    = [[0, 1, 0], [1, 0, 0], [0, 0, -1]]
    R_enu_from_cam    = R_enu_from_ned · R_ned_from_gimbal · R_gimbal_from_cam

So at ψ = 0, θ = -90 (nadir, "north up") the image's right points east and its top north, like a map;
at ψ = 90 its top points east.

Pinhole
-------
A point P (ENU) seen from the camera at C: ``[X, Y, Z] = R_enu_from_cam.T · (P - C)``, visible when
Z > 0, at pixel ``u = cx + fx·X/Z``, ``v = cy + fy·Y/Z`` with ``fx = focal·width/sensor_width``,
``fy = focal·height/sensor_height`` (``CameraSpec.fx_px``/``fy_px``) and ``(cx, cy) = (W/2, H/2)``;
no distortion. Pixel coordinates are continuous: pixel (column i, row j) covers [i, i+1) × [j, j+1),
its centre is (i + 0.5, j + 0.5); the image spans [0, W] × [0, H]. Boxes use the same coordinates.

Ground
------
Within one frame the ground is a plane through the ground altitude below the camera (flat ground:
horizontal; a height map: the least-squares plane over the footprint); Earth curvature across a
frame (d²/2R: 0.8 mm at 100 m, 8 cm at 1 km) is ignored. A pixel's ground point is where its ray
meets that plane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pymap3d

from missions.camera import CameraSpec
from sitl.errors import RenderError

R_GIMBAL_FROM_CAM = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
R_ENU_FROM_NED = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])
MIN_HEIGHT_M = 0.5  # a camera on the ground still sees the ground from this height


def rotation_enu_from_cam(yaw_deg: float, pitch_deg: float, roll_deg: float = 0.0) -> np.ndarray:
    """3×3 rotation taking camera-frame vectors to ENU (see the module docstring).

    >>> rotation_enu_from_cam(0.0, -90.0).round(6).tolist()  # nadir: x east, y south, z down
    [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]
    """
    y, p, r = (math.radians(a) for a in (yaw_deg, pitch_deg, roll_deg))
    cy, sy, cp, sp, cr, sr = math.cos(y), math.sin(y), math.cos(p), math.sin(p), math.cos(r), math.sin(r)
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    out = R_ENU_FROM_NED @ rz @ ry @ rx @ R_GIMBAL_FROM_CAM
    out[np.abs(out) < 1e-15] = 0.0
    return out


@dataclass(frozen=True, kw_only=True)
class Intrinsics:
    """Pinhole intrinsics in pixels (continuous coordinates; principal point at the image centre)."""

    fx_px: float
    fy_px: float
    cx_px: float
    cy_px: float
    width_px: int
    height_px: int

    @classmethod
    def from_spec(cls, spec: CameraSpec) -> Intrinsics:
        """Intrinsics of a planning-core camera.

        >>> from missions.camera import PRESETS
        >>> k = Intrinsics.from_spec(PRESETS["zoom"])
        >>> round(k.fx_px, 1), k.cx_px, k.cy_px
        (2489.5, 640.0, 360.0)
        """
        return cls(
            fx_px=spec.fx_px,
            fy_px=spec.fy_px,
            cx_px=spec.image_width_px / 2.0,
            cy_px=spec.image_height_px / 2.0,
            width_px=spec.image_width_px,
            height_px=spec.image_height_px,
        )

    @property
    def matrix(self) -> np.ndarray:
        return np.array([[self.fx_px, 0.0, self.cx_px], [0.0, self.fy_px, self.cy_px], [0.0, 0.0, 1.0]])


@dataclass(frozen=True, kw_only=True)
class CameraView:
    """The camera at one instant: intrinsics, orientation, and position in the ENU frame at its nadir.

    ``origin_*`` is the ENU origin: the ground below the camera. ``height_m`` is the camera's height
    above that ground; ``slope_e``/``slope_n`` tilt the ground plane (metres up per metre east/north).
    """

    intrinsics: Intrinsics
    r_enu_from_cam: np.ndarray
    origin_lat_deg: float
    origin_lon_deg: float
    origin_alt_amsl_m: float
    height_m: float
    slope_e: float = 0.0
    slope_n: float = 0.0

    @classmethod
    def create(
        cls,
        spec: CameraSpec,
        *,
        lat_deg: float,
        lon_deg: float,
        alt_amsl_m: float,
        ground_alt_amsl_m: float,
        yaw_deg: float,
        pitch_deg: float,
        roll_deg: float = 0.0,
        slope_e: float = 0.0,
        slope_n: float = 0.0,
    ) -> CameraView:
        values = (lat_deg, lon_deg, alt_amsl_m, ground_alt_amsl_m, yaw_deg, pitch_deg, roll_deg)
        if not all(math.isfinite(v) for v in values):
            raise RenderError(f"camera pose has a non-finite value: {values}")
        return cls(
            intrinsics=Intrinsics.from_spec(spec),
            r_enu_from_cam=rotation_enu_from_cam(yaw_deg, pitch_deg, roll_deg),
            origin_lat_deg=lat_deg,
            origin_lon_deg=lon_deg,
            origin_alt_amsl_m=ground_alt_amsl_m,
            height_m=max(MIN_HEIGHT_M, alt_amsl_m - ground_alt_amsl_m),
            slope_e=slope_e,
            slope_n=slope_n,
        )

    @property
    def position_enu_m(self) -> np.ndarray:
        return np.array([0.0, 0.0, self.height_m])

    # --- forward model -------------------------------------------------------------------------
    def project_enu(self, points_enu_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels (N, 2) and depths Z (N,) of ENU points (N, 3); pixels are NaN where Z ≤ 0."""
        p = np.atleast_2d(np.asarray(points_enu_m, dtype=float)) - self.position_enu_m
        cam = p @ self.r_enu_from_cam  # rows: R^T · (P - C)
        z = cam[:, 2]
        k = self.intrinsics
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = np.column_stack([k.cx_px + k.fx_px * cam[:, 0] / z, k.cy_px + k.fy_px * cam[:, 1] / z])
        uv[z <= 1e-9] = np.nan
        return uv, z

    def to_enu(self, lat_deg, lon_deg, alt_amsl_m) -> np.ndarray:
        """ENU metres (N, 3) of geodetic points (pymap3d, WGS84)."""
        e, n, u = pymap3d.geodetic2enu(
            np.asarray(lat_deg, dtype=float),
            np.asarray(lon_deg, dtype=float),
            np.asarray(alt_amsl_m, dtype=float),
            self.origin_lat_deg,
            self.origin_lon_deg,
            self.origin_alt_amsl_m,
        )
        return np.column_stack([np.atleast_1d(e), np.atleast_1d(n), np.atleast_1d(u)])

    def project(self, lat_deg, lon_deg, alt_amsl_m) -> np.ndarray:
        """Pixel (u, v) of a geodetic point, or (N, 2) for arrays; NaN when behind the camera.

        The forward pinhole model: ``view.project(lat, lon, ground_alt)`` is where a point on the
        ground appears in the rendered frame.
        """
        uv, _ = self.project_enu(self.to_enu(lat_deg, lon_deg, alt_amsl_m))
        return uv[0] if np.ndim(lat_deg) == 0 else uv

    # --- the ground plane ----------------------------------------------------------------------
    def ground_homography(self) -> np.ndarray:
        """3×3 H with ``[u, v, 1] ~ H · [e, n, 1]`` for ground points (e, n) of this frame's plane."""
        a = np.array(
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [self.slope_e, self.slope_n, -self.height_m]]
        )  # columns: d/de, d/dn, constant of (P - C) for P = (e, n, slope_e·e + slope_n·n)
        return self.intrinsics.matrix @ self.r_enu_from_cam.T @ a

    def ground_points(self, uv_px: np.ndarray) -> np.ndarray:
        """(N, 2) ENU (e, n) where pixel rays meet the ground plane; NaN for rays that miss it."""
        uv = np.atleast_2d(np.asarray(uv_px, dtype=float))
        h_inv = np.linalg.inv(self.ground_homography())
        g = np.column_stack([uv, np.ones(len(uv))]) @ h_inv.T
        with np.errstate(divide="ignore", invalid="ignore"):
            en = g[:, :2] / g[:, 2:3]
        # The homography also maps rays pointing away from the ground: keep points in front only.
        _, z = self.project_enu(np.column_stack([en, self.slope_e * en[:, 0] + self.slope_n * en[:, 1]]))
        en[~(z > 0)] = np.nan
        return en

    def visible_line(self, far_m: float) -> np.ndarray:
        """Line g (3,) in the image: a pixel p = (u, v, 1) sees the ground within ``far_m`` (measured
        along the camera's horizontal look direction) iff g · p < 0."""
        k_inv = np.linalg.inv(self.intrinsics.matrix)
        fwd = self.r_enu_from_cam[:, 2].copy()
        fwd[2] = 0.0
        norm = math.hypot(fwd[0], fwd[1])
        fwd = fwd / norm if norm > 1e-9 else np.array([0.0, 0.0, 0.0])
        # A ray d meets the ground within far_m when h·(f·d) + far_m·d_up < 0 (d_up < 0: pointing down).
        w = self.height_m * fwd + far_m * np.array([0.0, 0.0, 1.0])
        return w @ self.r_enu_from_cam @ k_inv

    def gsd_m(self, uv_px: np.ndarray) -> np.ndarray:
        """Ground size (m) of one pixel step at each pixel: the shorter of its two ground steps."""
        uv = np.atleast_2d(np.asarray(uv_px, dtype=float))
        g0 = self.ground_points(uv)
        gx = self.ground_points(uv + np.array([1.0, 0.0]))
        gy = self.ground_points(uv + np.array([0.0, 1.0]))
        return np.minimum(np.hypot(*(gx - g0).T), np.hypot(*(gy - g0).T))
