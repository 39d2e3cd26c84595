"""Builders that return real detection values for tests (no mocks)."""

from __future__ import annotations

import math
import uuid

import numpy as np

from detection.values import CameraPose, ErrorEllipse, ReviewStatus, Sighting

HOME_LAT, HOME_LON, HOME_ALT = 31.348, -110.9837, 1160.0


def pose(
    *,
    t: float = 1_763_790_000.0,
    lat: float = HOME_LAT,
    lon: float = HOME_LON,
    alt_rel: float = 60.0,
    yaw: float = 0.0,
    pitch: float = -90.0,
    roll: float = 0.0,
    vehicle_yaw: float | None = None,
    vehicle_pitch: float = 0.0,
    vehicle_roll: float = 0.0,
) -> CameraPose:
    return CameraPose(
        t_unix_s=t,
        lat_deg=lat,
        lon_deg=lon,
        alt_amsl_m=HOME_ALT + alt_rel,
        alt_rel_m=alt_rel,
        roll_deg=vehicle_roll,
        pitch_deg=vehicle_pitch,
        yaw_deg=yaw if vehicle_yaw is None else vehicle_yaw,
        gimbal_roll_deg=roll,
        gimbal_pitch_deg=pitch,
        gimbal_yaw_deg=yaw,
    )


def sighting(
    *,
    i: int = 0,
    flight_id: str = "f1",
    class_name: str = "person",
    t: float = 1_763_790_000.0,
    lat: float = HOME_LAT,
    lon: float = HOME_LON,
    confidence: float = 0.8,
    status: ReviewStatus = ReviewStatus.NEW,
    sighting_id: str | None = None,
) -> Sighting:
    return Sighting(
        sighting_id=sighting_id or uuid.uuid4().hex,
        flight_id=flight_id,
        vehicle="drone-1",
        class_name=class_name,
        confidence=confidence,
        first_seen_unix_s=t - 5.0,
        last_seen_unix_s=t,
        lat_deg=lat,
        lon_deg=lon,
        alt_amsl_m=HOME_ALT,
        position_t_unix_s=t,
        ellipse=ErrorEllipse(semi_major_m=3.0, semi_minor_m=1.5, orientation_deg=30.0, cep_m=1.2, ce90_m=2.4),
        mgrs="12R WV 04756 66541",
        track_id=i,
        track_frames=20 + i,
        speed_m_s=1.2 if i % 2 else math.nan,
        course_deg=45.0 if i % 2 else math.nan,
        status=status,
    )


def textured_image(h: int = 720, w: int = 1280, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)
