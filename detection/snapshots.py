"""A sighting's evidence: a crop around the object and a thumbnail of the whole frame, as JPEG bytes
named by their SHA-256 (the same picture is stored once, and a file's name proves its content)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import cv2
import numpy as np

from detection.errors import InvalidDetectionValueError


@dataclass(frozen=True, kw_only=True)
class Picture:
    """An encoded JPEG and what it shows: ``kind`` ``"crop"`` or ``"frame"``."""

    kind: str
    jpeg: bytes
    width_px: int
    height_px: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    crop: Picture
    frame: Picture


def _jpeg(image: np.ndarray, kind: str, quality: int) -> Picture:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InvalidDetectionValueError(f"could not encode a {image.shape} image as JPEG")
    return Picture(kind=kind, jpeg=buf.tobytes(), width_px=int(image.shape[1]), height_px=int(image.shape[0]))


def make_snapshot(
    image: np.ndarray,
    xyxy_px: np.ndarray,
    *,
    margin: float = 0.5,
    min_crop_px: int = 64,
    thumb_width_px: int = 320,
    quality: int = 85,
) -> Snapshot:
    """Crop ``xyxy_px`` (grown by ``margin`` of its size each side, at least ``min_crop_px`` square) out
    of a BGR frame, and a thumbnail ``thumb_width_px`` wide with the box drawn on it.

    >>> s = make_snapshot(np.zeros((720, 1280, 3), np.uint8), np.array([100, 100, 120, 140]))
    >>> (s.crop.width_px, s.crop.height_px), (s.frame.width_px, s.frame.height_px)
    ((64, 80), (320, 180))
    """
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in xyxy_px)
    bw, bh = x1 - x0, y1 - y0
    half_w = max((bw * (1 + 2 * margin)) / 2, min_crop_px / 2)
    half_h = max((bh * (1 + 2 * margin)) / 2, min_crop_px / 2)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    c0, c1 = int(max(0, round(cx - half_w))), int(min(w, round(cx + half_w)))
    r0, r1 = int(max(0, round(cy - half_h))), int(min(h, round(cy + half_h)))
    crop = np.ascontiguousarray(image[r0:r1, c0:c1])
    scale = thumb_width_px / w
    thumb = cv2.resize(image, (thumb_width_px, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    p0 = (int(x0 * scale), int(y0 * scale))
    p1 = (int(np.ceil(x1 * scale)), int(np.ceil(y1 * scale)))
    cv2.rectangle(thumb, p0, p1, (0, 0, 255), 1)
    return Snapshot(crop=_jpeg(crop, "crop", quality), frame=_jpeg(thumb, "frame", quality))
