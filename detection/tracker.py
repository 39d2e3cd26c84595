"""The tracker: ByteTrack (Ultralytics' implementation, ``lap`` for the assignment) over ``Detections``.

``Tracker.update(detections, warp)`` returns the same detections with ``tracker_id`` set for those that
belong to a confirmed track (-1 for the rest), boxes as detected (not Kalman-smoothed), so snapshots
and geotags use what the model saw. Low-score detections (between ``low_thresh`` and ``high_thresh``)
only extend existing tracks, as ByteTrack intends; a new track needs ``new_track_thresh``.

Two additions for small objects seen from a moving drone at a few frames per second, where plain
IoU matching fails (a 20 px person moving 12 px a frame barely overlaps itself):

* camera-motion compensation: a 2×3 warp (previous frame's pixels → this frame's) moves every track's
  Kalman state before matching. ``motion="image"`` measures it from the frames (sparse optical flow,
  Ultralytics' GMC on a quarter-size frame, 150 corners, ~3 ms): robust to telemetry noise, which at
  1.5 m GPS σ would throw a pose-derived warp off by ~90 px a frame. ``motion="pose"`` takes the caller's ``warp``
  (``detection.geotag.frame_to_frame_affine`` from two poses), for clean telemetry or texture-less
  ground; ``"none"`` turns it off;
* boxes are grown around their centre for matching only: to at least ``min_box_px``, plus twice the
  distance a target moving at ``target_speed_m_s`` covers between two frames (``dt_s`` and the ground
  sample distance ``gsd_m_px``, when the caller knows them). A new track has no velocity yet, so at one
  frame a second a person walking 1.2 m/s moves 50 px (zoom camera, 60 m), more than its own box, and
  plain IoU would never link its detections; grown by the motion, consecutive boxes still overlap by
  about half.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
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
    min_box_px: float = 48.0
    target_speed_m_s: float = 2.0
    max_gap_s: float = 2.0  # frame gaps longer than this grow boxes as much as this one
    motion: str = "image"
    motion_downscale: int = 4
    motion_corners: int = 150  # corners the optical flow follows (Ultralytics' GMC takes 400)

    def __post_init__(self) -> None:
        if not 0 <= self.track_low_thresh <= self.track_high_thresh <= 1:
            raise InvalidDetectionValueError("tracker thresholds must satisfy 0 ≤ low ≤ high ≤ 1")
        if self.track_buffer < 1:
            raise InvalidDetectionValueError("track_buffer must be at least one frame")
        if self.motion not in ("image", "pose", "none"):
            raise InvalidDetectionValueError(f"motion must be image, pose or none, got {self.motion!r}")

    def match_box_px(self, dt_s: float | None = None, gsd_m_px: float | None = None) -> float:
        """The smallest box side used for matching after a frame gap of ``dt_s`` at ``gsd_m_px``.

        >>> cfg = TrackerConfig()
        >>> cfg.match_box_px(), round(cfg.match_box_px(1.0, 0.025)), round(cfg.match_box_px(9.0, 0.025))
        (48.0, 208, 368)
        """
        if dt_s is None or gsd_m_px is None or not (dt_s > 0 and gsd_m_px > 0):
            return self.min_box_px
        return self.min_box_px + 2.0 * self.target_speed_m_s * min(dt_s, self.max_gap_s) / gsd_m_px


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


def warp_xyah_tracks(stracks: list, warp: np.ndarray) -> None:
    """Move ByteTrack tracks (Kalman state x, y, aspect, height and their velocities) by a 2×3 affine."""
    if not stracks:
        return
    r, t = warp[:, :2], warp[:, 2]
    scale = float(np.sqrt(abs(np.linalg.det(r))))
    block = np.eye(8)
    block[0:2, 0:2] = block[4:6, 4:6] = r
    block[3, 3] = block[7, 7] = scale
    for st in stracks:
        mean = block @ st.mean
        mean[:2] += t
        st.mean = mean
        st.covariance = block @ st.covariance @ block.T


def _byte_tracker_class() -> type:
    ultralytics()  # imported for its offline configuration
    from ultralytics.trackers.byte_tracker import BYTETracker

    class _CompensatedByteTracker(BYTETracker):
        warp: np.ndarray | None = None

        def _pre_first_associate(self, strack_pool, unconfirmed, img, results_high) -> None:
            if self.warp is not None:
                warp_xyah_tracks(strack_pool, self.warp)
                warp_xyah_tracks(unconfirmed, self.warp)

    return _CompensatedByteTracker


class Tracker:
    """One ByteTrack per video stream; ``reset()`` when the stream restarts from scratch."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        from ultralytics.utils import IterableSimpleNamespace

        ours = ("min_box_px", "target_speed_m_s", "max_gap_s", "motion", "motion_downscale", "motion_corners")
        args = {k: v for k, v in asdict(self.config).items() if k not in ours}
        self._tracker = _byte_tracker_class()(IterableSimpleNamespace(tracker_type="bytetrack", **args))
        self._gmc = None
        if self.config.motion == "image":
            from ultralytics.trackers.utils.gmc import GMC

            self._gmc = GMC(method="sparseOptFlow", downscale=self.config.motion_downscale)
            # a 4-parameter similarity from 150 corners: the same shift to 0.3 px on rendered patrol
            # frames, with half the optical-flow work of 400
            self._gmc.feature_params["maxCorners"] = self.config.motion_corners
        self.last_warp: np.ndarray | None = None

    def reset(self) -> None:
        self._tracker.reset()
        if self._gmc is not None:
            self._gmc.reset_params()

    def _image_warp(self, image: np.ndarray | None) -> np.ndarray | None:
        if image is None or self._gmc is None:
            return None
        try:
            return self._gmc.apply(image)
        except cv2.error:  # the frame size changed (a new stream): start over
            self._gmc.reset_params()
            return None

    def update(
        self,
        detections: Detections,
        image: np.ndarray | None = None,
        warp: np.ndarray | None = None,
        *,
        dt_s: float | None = None,
        gsd_m_px: float | None = None,
    ) -> Detections:
        """Assign track ids to one frame's detections (frames in order). ``image``: the frame, for
        ``motion="image"``; ``warp``: the previous frame's pixels → this frame's, for ``motion="pose"``;
        ``dt_s`` (seconds since the previous frame) and ``gsd_m_px`` (metres per pixel on the ground)
        size the matching boxes for how far a target can move meanwhile."""
        if self.config.motion == "image":
            warp = self._image_warp(image)
        elif self.config.motion == "none":
            warp = None
        self.last_warp = warp
        xyxy = detections.xyxy_px.astype(np.float64)
        side = self.config.match_box_px(dt_s, gsd_m_px)
        if len(xyxy) and side > 0:
            centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2
            half = np.maximum((xyxy[:, 2:] - xyxy[:, :2]) / 2, side / 2)
            xyxy = np.column_stack([centre - half, centre + half])
        boxes = _Boxes(xyxy, detections.confidence.astype(np.float64), detections.class_id.astype(np.float64))
        self._tracker.warp = None if warp is None else np.asarray(warp, dtype=np.float64)
        out = self._tracker.update(boxes)
        ids = np.full(len(detections), -1, dtype=np.int64)
        if len(out):
            idx = out[:, 7].astype(np.int64)
            ids[idx] = out[:, 4].astype(np.int64)
        return detections.with_tracker_ids(ids)
