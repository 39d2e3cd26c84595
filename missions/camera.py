"""Camera model for planning: ground-sample distance and footprint, with QGroundControl's formulas.

QGC (``CameraCalc``): GSD [cm/px] = alt · sensor_width · 100 / (image_width · focal_length);
footprint side = image_width · GSD, frontal = image_height · GSD (nadir camera).

Gimbal pitch follows MAVLink: 0° looks level forward, -90° straight down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from missions.errors import InvalidValueError, PlanningError


@dataclass(frozen=True, kw_only=True)
class CameraSpec:
    name: str
    sensor_width_mm: float
    sensor_height_mm: float
    focal_length_mm: float
    image_width_px: int
    image_height_px: int
    mount_pitch_deg: float = -90.0

    def __post_init__(self) -> None:
        for field_name in ("sensor_width_mm", "sensor_height_mm", "focal_length_mm"):
            value = getattr(self, field_name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidValueError(f"camera {self.name}: {field_name} must be positive, got {value!r}")
        if self.image_width_px <= 0 or self.image_height_px <= 0:
            raise InvalidValueError(f"camera {self.name}: image size must be positive")
        if not -90.0 <= self.mount_pitch_deg <= 0.0:
            raise InvalidValueError(f"camera {self.name}: mount pitch must be in -90..0°")

    # --- intrinsics -------------------------------------------------------------------------
    @property
    def fx_px(self) -> float:
        """Focal length in pixels along the image width."""
        return self.focal_length_mm * self.image_width_px / self.sensor_width_mm

    @property
    def fy_px(self) -> float:
        return self.focal_length_mm * self.image_height_px / self.sensor_height_mm

    @property
    def hfov_deg(self) -> float:
        return math.degrees(2 * math.atan(self.sensor_width_mm / (2 * self.focal_length_mm)))

    @property
    def vfov_deg(self) -> float:
        return math.degrees(2 * math.atan(self.sensor_height_mm / (2 * self.focal_length_mm)))

    def gsd_cm_px(self, alt_agl_m: float) -> float:
        """Ground-sample distance of a nadir image (QGC's formula).

        >>> round(PRESETS["zoom"].gsd_cm_px(60.0), 2)
        2.41
        """
        return alt_agl_m * self.sensor_width_mm * 100.0 / (self.image_width_px * self.focal_length_mm)

    def footprint_nadir_m(self, alt_agl_m: float) -> tuple[float, float]:
        """(side, frontal) ground size of a nadir image in metres: image size × GSD, as QGC computes it.

        >>> [round(v, 1) for v in PRESETS["zoom"].footprint_nadir_m(60.0)]
        [30.9, 17.4]
        """
        gsd_m = self.gsd_cm_px(alt_agl_m) / 100.0
        return self.image_width_px * gsd_m, self.image_height_px * gsd_m

    # --- footprint at any pitch ---------------------------------------------------------------
    def footprint_corners_m(
        self, alt_agl_m: float, pitch_deg: float | None = None, max_range_m: float = 2000.0
    ) -> np.ndarray:
        """Ground corners of the image, (4, 2) as (right_m, forward_m) from the point below the camera.

        Order: top-left, top-right, bottom-right, bottom-left of the image. Rays that would not
        meet the ground within ``max_range_m`` (horizon in view) are cut at that range.
        """
        if not (math.isfinite(alt_agl_m) and alt_agl_m > 0):
            raise PlanningError(f"camera footprint needs a positive height above ground, got {alt_agl_m!r} m")
        pitch = math.radians(self.mount_pitch_deg if pitch_deg is None else pitch_deg)
        # Camera axes in the level frame (forward, right, down).
        z_cam = np.array([math.cos(pitch), 0.0, -math.sin(pitch)])
        x_cam = np.array([0.0, 1.0, 0.0])
        y_cam = np.cross(z_cam, x_cam)
        half_w = self.sensor_width_mm / (2 * self.focal_length_mm)
        half_h = self.sensor_height_mm / (2 * self.focal_length_mm)
        corners = []
        for u, v in ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)):
            ray = u * x_cam + v * y_cam + z_cam
            horizontal = math.hypot(ray[0], ray[1])
            if ray[2] <= 1e-9 or alt_agl_m * horizontal / ray[2] > max_range_m:
                scale = max_range_m / max(horizontal, 1e-9)
            else:
                scale = alt_agl_m / ray[2]
            corners.append((ray[1] * scale, ray[0] * scale))
        return np.array(corners)

    def swath_half_width_m(self, alt_agl_m: float, pitch_deg: float | None = None) -> float:
        """Half the width of the strip the footprint sweeps when flying straight ahead."""
        return float(np.max(np.abs(self.footprint_corners_m(alt_agl_m, pitch_deg)[:, 0])))


PRESETS: dict[str, CameraSpec] = {
    spec.name: spec
    for spec in (
        # Narrow-FOV video zoom (1/2.3" sensor in 16:9, 12 mm): 2.4 cm/px at 60 m, a person ~20 px.
        CameraSpec(
            name="zoom",
            sensor_width_mm=6.17,
            sensor_height_mm=3.47,
            focal_length_mm=12.0,
            image_width_px=1280,
            image_height_px=720,
        ),
        # Wide video camera of the same sensor, 4.5 mm lens (HFOV ~69°).
        CameraSpec(
            name="wide",
            sensor_width_mm=6.17,
            sensor_height_mm=3.47,
            focal_length_mm=4.5,
            image_width_px=1280,
            image_height_px=720,
        ),
        # Oblique zoom looking ahead and down, for long standoffs.
        CameraSpec(
            name="zoom-oblique",
            sensor_width_mm=6.17,
            sensor_height_mm=3.47,
            focal_length_mm=12.0,
            image_width_px=1280,
            image_height_px=720,
            mount_pitch_deg=-45.0,
        ),
        # APS-C mapping camera (Sony a6000-class, 16 mm): area sweeps.
        CameraSpec(
            name="mapping",
            sensor_width_mm=23.5,
            sensor_height_mm=15.6,
            focal_length_mm=16.0,
            image_width_px=6000,
            image_height_px=4000,
        ),
    )
}
DEFAULT_CAMERA = "zoom"


def camera_preset(name: str) -> CameraSpec:
    try:
        return PRESETS[name]
    except KeyError:
        raise InvalidValueError(f"unknown camera {name!r}; known: {', '.join(sorted(PRESETS))}") from None
