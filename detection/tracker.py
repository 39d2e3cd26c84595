"""The tracker: ByteTrack (Ultralytics' implementation, ``lap`` for the assignment) over ``Detections``.

``Tracker.update(detections)`` returns the same detections with ``tracker_id`` set for those that belong
to a confirmed track (-1 for the rest), boxes as detected (not Kalman-smoothed), so snapshots and
geotags use what the model saw. Low-score detections (between ``low_thresh`` and ``high_thresh``) only
extend existing tracks, as ByteTrack intends; a new track needs ``new_track_thresh``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from detection.errors import InvalidDetectionValueError
from detection.offline import ultralytics
from detection.values import Detections


@dataclass(frozen=True, kw_only=True)
class TrackerConfig:
    """ByteTrack's thresholds (confidence 0..1), ``match_thresh`` (1 - IoU cost) and how many frames a
    lost track is kept (``track_buffer``)."""

    track_high_thresh: float = 0.3
    track_low_thresh: float = 0.1
    new_track_thresh: float = 0.35
    track_buffer: int = 20
    match_thresh: float = 0.8
    fuse_score: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.track_low_thresh <= self.track_high_thresh <= 1:
            raise InvalidDetectionValueError("tracker thresholds must satisfy 0 ≤ low ≤ high ≤ 1")
        if self.track_buffer < 1:
            raise InvalidDetectionValueError("track_buffer must be at least one frame")


class _Boxes:
    """The results-like view ByteTrack reads: conf, cls, xywh, xyxy, boolean indexing."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray) -> None:
        self.xyxy = xyxy
        self.conf = conf
        self.cls = cls

    @property
    def xywh(self) -> np.ndarray:
        b = self.xyxy
        return np.column_stack(
            [(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]]
        )

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index) -> _Boxes:
        return _Boxes(self.xyxy[index], self.conf[index], self.cls[index])


class Tracker:
    """One ByteTrack per video stream; ``reset()`` when the stream restarts from scratch."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        yolo = ultralytics()
        from ultralytics.trackers.byte_tracker import BYTETracker
        from ultralytics.utils import IterableSimpleNamespace

        del yolo  # imported for its offline configuration
        self._tracker = BYTETracker(IterableSimpleNamespace(tracker_type="bytetrack", **asdict(self.config)))

    def reset(self) -> None:
        self._tracker.reset()

    def update(self, detections: Detections) -> Detections:
        """Assign track ids to one frame's detections (frames in order)."""
        boxes = _Boxes(
            detections.xyxy_px.astype(np.float64),
            detections.confidence.astype(np.float64),
            detections.class_id.astype(np.float64),
        )
        out = self._tracker.update(boxes)
        ids = np.full(len(detections), -1, dtype=np.int64)
        if len(out):
            idx = out[:, 7].astype(np.int64)
            ids[idx] = out[:, 4].astype(np.int64)
        return detections.with_tracker_ids(ids)
