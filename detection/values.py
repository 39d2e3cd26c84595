"""The values that flow between detection's stages: frozen, keyword-only, units in field names.

``Detections`` is the one currency between stages (source → detector → tracker → geotagger): parallel
NumPy arrays, read-only, so no stage can change what another stage saw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from detection.errors import InvalidDetectionValueError

CLASS_NAMES: tuple[str, ...] = ("person", "vehicle", "boat")
CLASS_IDS: dict[str, int] = {name: i for i, name in enumerate(CLASS_NAMES)}


def class_name(class_id: int) -> str:
    """Our class name for one of our class ids.

    >>> class_name(1)
    'vehicle'
    """
    try:
        return CLASS_NAMES[int(class_id)]
    except IndexError:
        raise InvalidDetectionValueError(f"class id {class_id} is not one of {CLASS_IDS}") from None


def _frozen_array(values: object, dtype: type, shape_tail: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.array(values, dtype=dtype, copy=True)
    if arr.size == 0:
        arr = arr.reshape((0, *shape_tail))
    if arr.ndim != 1 + len(shape_tail) or arr.shape[1:] != shape_tail:
        raise InvalidDetectionValueError(f"{name} must have shape (N, {', '.join(map(str, shape_tail))})")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, kw_only=True, eq=False)
class Detections:
    """N boxes of one frame as parallel arrays (pixel coordinates of the full frame, continuous).

    ``xyxy_px`` (N, 4) float32 left/top/right/bottom; ``confidence`` (N,) float32 0..1; ``class_id``
    (N,) int64 (our ids, see ``CLASS_NAMES``); ``tracker_id`` (N,) int64, -1 for "not tracked".
    Arrays are copied and made read-only on construction.

    >>> d = Detections.from_lists([[10, 10, 20, 30]], [0.9], [0])
    >>> len(d), d.tracker_id.tolist(), d.centers_px.tolist()
    (1, [-1], [[15.0, 20.0]])
    """

    xyxy_px: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    tracker_id: np.ndarray | None = None

    def __post_init__(self) -> None:
        xyxy = _frozen_array(self.xyxy_px, np.float32, (4,), "xyxy_px")
        n = len(xyxy)
        conf = _frozen_array(self.confidence, np.float32, (), "confidence")
        cls = _frozen_array(self.class_id, np.int64, (), "class_id")
        tid = self.tracker_id if self.tracker_id is not None else np.full(n, -1, dtype=np.int64)
        tid = _frozen_array(tid, np.int64, (), "tracker_id")
        if not (len(conf) == len(cls) == len(tid) == n):
            raise InvalidDetectionValueError(
                f"Detections arrays differ in length: boxes {n}, confidence {len(conf)}, "
                f"class_id {len(cls)}, tracker_id {len(tid)}"
            )
        if n and (np.any(conf < 0) or np.any(conf > 1) or not np.all(np.isfinite(xyxy))):
            raise InvalidDetectionValueError("confidence must be 0..1 and boxes finite")
        object.__setattr__(self, "xyxy_px", xyxy)
        object.__setattr__(self, "confidence", conf)
        object.__setattr__(self, "class_id", cls)
        object.__setattr__(self, "tracker_id", tid)

    @classmethod
    def empty(cls) -> Detections:
        return cls(xyxy_px=np.zeros((0, 4)), confidence=np.zeros(0), class_id=np.zeros(0))

    @classmethod
    def from_lists(
        cls,
        xyxy_px: Sequence[Sequence[float]],
        confidence: Sequence[float],
        class_id: Sequence[int],
        tracker_id: Sequence[int] | None = None,
    ) -> Detections:
        return cls(
            xyxy_px=np.asarray(xyxy_px, dtype=np.float32).reshape(-1, 4),
            confidence=np.asarray(confidence),
            class_id=np.asarray(class_id),
            tracker_id=None if tracker_id is None else np.asarray(tracker_id),
        )

    @classmethod
    def concatenate(cls, parts: Sequence[Detections]) -> Detections:
        if not parts:
            return cls.empty()
        return cls(
            xyxy_px=np.concatenate([p.xyxy_px for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            class_id=np.concatenate([p.class_id for p in parts]),
            tracker_id=np.concatenate([p.tracker_id for p in parts]),
        )

    def __len__(self) -> int:
        return len(self.xyxy_px)

    def __getitem__(self, index: int | slice | np.ndarray | list[int]) -> Detections:
        """A subset (index, slice, boolean mask or index array) as new ``Detections``."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return Detections(
            xyxy_px=self.xyxy_px[index],
            confidence=self.confidence[index],
            class_id=self.class_id[index],
            tracker_id=self.tracker_id[index],
        )

    def with_tracker_ids(self, tracker_id: np.ndarray) -> Detections:
        return replace(self, tracker_id=np.asarray(tracker_id))

    @property
    def centers_px(self) -> np.ndarray:
        """(N, 2) box centres in pixels."""
        b = self.xyxy_px.astype(np.float64)
        return np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])

    @property
    def bottom_centers_px(self) -> np.ndarray:
        """(N, 2) midpoints of the boxes' bottom edges in pixels (where an upright object meets the ground)."""
        b = self.xyxy_px.astype(np.float64)
        return np.column_stack([(b[:, 0] + b[:, 2]) / 2, b[:, 3]])

    @property
    def area_px2(self) -> np.ndarray:
        b = self.xyxy_px.astype(np.float64)
        return np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)


@dataclass(frozen=True, kw_only=True, eq=False)
class Frame:
    """One decoded video frame: BGR uint8 ``image`` (H, W, 3), its capture time and its index.

    ``t_capture_unix_s`` is the capture time: from the frame's barcode strip when ``time_source`` is
    ``"barcode"``, else arrival time minus the source's configured latency (``"arrival"``).
    ``index`` increases strictly within a source (the barcode's frame index, or a count of frames read).
    """

    image: np.ndarray
    t_capture_unix_s: float
    index: int
    source: str
    t_arrival_unix_s: float = math.nan
    time_source: str = "arrival"

    @property
    def height_px(self) -> int:
        return int(self.image.shape[0])

    @property
    def width_px(self) -> int:
        return int(self.image.shape[1])


@dataclass(frozen=True, kw_only=True)
class CameraPose:
    """Where the camera was and where it looked at ``t_unix_s``: what a ``PoseProvider`` answers.

    Position is WGS84 with ``alt_amsl_m``; ``alt_rel_m`` is the height above home, so the home (flat
    ground) altitude is ``alt_amsl_m - alt_rel_m``. Vehicle attitude ``roll/pitch/yaw_deg`` (yaw clockwise
    from true north). Gimbal attitude in the EARTH frame, MAVLink style: ``gimbal_pitch_deg`` 0 level,
    -90 straight down; ``gimbal_yaw_deg`` clockwise from north; ``gimbal_roll_deg`` about the optical axis.
    """

    t_unix_s: float
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    alt_rel_m: float
    roll_deg: float = 0.0
    pitch_deg: float = 0.0
    yaw_deg: float = 0.0
    gimbal_roll_deg: float = 0.0
    gimbal_pitch_deg: float = -90.0
    gimbal_yaw_deg: float = 0.0

    def __post_init__(self) -> None:
        for f in (
            "t_unix_s",
            "lat_deg",
            "lon_deg",
            "alt_amsl_m",
            "alt_rel_m",
            "roll_deg",
            "pitch_deg",
            "yaw_deg",
            "gimbal_roll_deg",
            "gimbal_pitch_deg",
            "gimbal_yaw_deg",
        ):
            if not math.isfinite(getattr(self, f)):
                raise InvalidDetectionValueError(f"camera pose {f} must be finite, got {getattr(self, f)!r}")
        if not (-90.0 <= self.lat_deg <= 90.0 and -180.0 <= self.lon_deg <= 180.0):
            raise InvalidDetectionValueError(f"camera pose {self.lat_deg}, {self.lon_deg} is not WGS84")

    @property
    def home_alt_amsl_m(self) -> float:
        return self.alt_amsl_m - self.alt_rel_m


@dataclass(frozen=True, kw_only=True)
class ErrorEllipse:
    """A horizontal position uncertainty at ``confidence`` (e.g. 0.95): semi-axes in metres, the major
    axis' orientation in degrees clockwise from true north (0..180), and the circular errors of the
    same distribution: ``cep_m`` (50 %) and ``ce90_m`` (90 %)."""

    semi_major_m: float
    semi_minor_m: float
    orientation_deg: float
    confidence: float = 0.95
    cep_m: float = math.nan
    ce90_m: float = math.nan


class ReviewStatus(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


@dataclass(frozen=True, kw_only=True)
class Sighting:
    """One object the drone saw, once: a track that lasted ``min_frames`` or more, geotagged.

    Position ``lat_deg``/``lon_deg`` (on the ground, ``alt_amsl_m``) is the fused estimate at
    ``position_t_unix_s`` (a time within first..last seen); ``speed_m_s``/``course_deg`` the fitted ground
    motion (course clockwise from north; NaN when not estimated). Times are UTC Unix seconds.
    ``crop_sha256``/``frame_sha256`` name the best snapshot's files in the snapshot folder.
    """

    sighting_id: str
    flight_id: str
    vehicle: str
    class_name: str
    confidence: float
    first_seen_unix_s: float
    last_seen_unix_s: float
    lat_deg: float
    lon_deg: float
    alt_amsl_m: float
    position_t_unix_s: float
    ellipse: ErrorEllipse
    mgrs: str
    track_id: int
    track_frames: int
    speed_m_s: float = math.nan
    course_deg: float = math.nan
    crop_sha256: str | None = None
    frame_sha256: str | None = None
    status: ReviewStatus = ReviewStatus.NEW
    note: str = ""
    updated_unix_s: float = field(default=math.nan)


class EventKind(StrEnum):
    CROSSING = "crossing"
    BUFFER_ENTRY = "buffer_entry"


@dataclass(frozen=True, kw_only=True)
class CrossingEvent:
    """A track's geotagged path crossed the border line at (``lat_deg``, ``lon_deg``) at ``t_unix_s``.

    ``from_side``/``to_side`` name the line's sides by compass direction at the crossing point (for a
    border running east-west: ``"south"``/``"north"``); ``direction`` reads ``"south→north"``.
    """

    event_id: str
    sighting_id: str
    flight_id: str
    vehicle: str
    class_name: str
    t_unix_s: float
    lat_deg: float
    lon_deg: float
    from_side: str
    to_side: str
    border_name: str = ""
    kind: EventKind = EventKind.CROSSING

    @property
    def direction(self) -> str:
        return f"{self.from_side}→{self.to_side}"


@dataclass(frozen=True, kw_only=True)
class ZoneAlert:
    """A track entered the buffer zone ``buffer_m`` metres either side of the border line."""

    event_id: str
    sighting_id: str
    flight_id: str
    vehicle: str
    class_name: str
    t_unix_s: float
    lat_deg: float
    lon_deg: float
    distance_m: float
    buffer_m: float
    side: str
    border_name: str = ""
    kind: EventKind = EventKind.BUFFER_ENTRY


Event = CrossingEvent | ZoneAlert
