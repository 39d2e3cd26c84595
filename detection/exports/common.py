"""What every export needs: UTC timestamps and the error ellipse as a ring of WGS84 points."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pymap3d

from detection.values import Sighting


def iso_utc(t_unix_s: float) -> str:
    """ISO 8601 UTC with milliseconds and a Z.

    >>> iso_utc(0.25)
    '1970-01-01T00:00:00.250Z'
    """
    return datetime.fromtimestamp(t_unix_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def finite_or_none(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def ellipse_ring_deg(s: Sighting, points: int = 36) -> list[tuple[float, float]]:
    """The sighting's error ellipse as a closed ring of (lon, lat) degrees; empty if it has none."""
    e = s.ellipse
    if not (math.isfinite(e.semi_major_m) and math.isfinite(e.semi_minor_m)):
        return []
    theta = math.radians(e.orientation_deg)
    major = np.array([math.sin(theta), math.cos(theta)])
    minor = np.array([math.cos(theta), -math.sin(theta)])
    a = np.linspace(0, 2 * math.pi, points, endpoint=False)
    en = np.outer(np.cos(a) * e.semi_major_m, major) + np.outer(np.sin(a) * max(e.semi_minor_m, 0.01), minor)
    alt = s.alt_amsl_m if math.isfinite(s.alt_amsl_m) else 0.0
    lat, lon, _ = pymap3d.enu2geodetic(en[:, 0], en[:, 1], np.zeros(points), s.lat_deg, s.lon_deg, alt)
    ring = [(float(o), float(t)) for o, t in zip(lon, lat, strict=True)]
    return [*ring, ring[0]]


def sighting_properties(s: Sighting) -> dict:
    """The flat, JSON-ready description of a sighting shared by GeoJSON, KML and CSV."""
    e = s.ellipse
    return {
        "sighting_id": s.sighting_id,
        "flight_id": s.flight_id,
        "vehicle": s.vehicle,
        "class": s.class_name,
        "confidence": round(float(s.confidence), 4),
        "first_seen_utc": iso_utc(s.first_seen_unix_s),
        "last_seen_utc": iso_utc(s.last_seen_unix_s),
        "position_utc": iso_utc(s.position_t_unix_s),
        "lat_deg": round(s.lat_deg, 8),
        "lon_deg": round(s.lon_deg, 8),
        "alt_amsl_m": finite_or_none(s.alt_amsl_m),
        "mgrs": s.mgrs,
        "ellipse_semi_major_m": finite_or_none(e.semi_major_m),
        "ellipse_semi_minor_m": finite_or_none(e.semi_minor_m),
        "ellipse_orientation_deg": finite_or_none(e.orientation_deg),
        "ellipse_confidence": finite_or_none(e.confidence),
        "cep_m": finite_or_none(e.cep_m),
        "ce90_m": finite_or_none(e.ce90_m),
        "speed_m_s": finite_or_none(s.speed_m_s),
        "course_deg": finite_or_none(s.course_deg),
        "track_id": s.track_id,
        "track_frames": s.track_frames,
        "status": s.status.value,
        "note": s.note,
        "crop_sha256": s.crop_sha256,
        "frame_sha256": s.frame_sha256,
    }
