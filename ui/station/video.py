"""A vehicle's video under watch: the detection pipeline on its stream, and what the Fly page shows of it."""

from __future__ import annotations

import threading
from collections import deque

import cv2
import numpy as np

from detection.detector import DetectorConfig
from detection.pipeline import Pipeline, PipelineConfig, PipelineStats, SightingCommitted
from detection.rules import BorderRules
from detection.store import SightingStore
from detection.values import Detections, class_name
from detection.video.source import SourceConfig, VideoSource
from missions.camera import CameraSpec
from missions.values import BorderLine
from telemetry.link import VehicleLink
from ui.pose_adapter import LinkPoses

BOX_COLOURS = {"person": (180, 105, 255), "vehicle": (208, 224, 64), "boat": (80, 200, 80)}


def annotate(image: np.ndarray, detections: Detections) -> np.ndarray:
    """The frame with each detection's box, class, confidence and track id drawn on it."""
    out = image.copy()
    for (x0, y0, x1, y1), conf, cls, tid in zip(
        detections.xyxy_px, detections.confidence, detections.class_id, detections.tracker_id, strict=True
    ):
        name = class_name(int(cls))
        colour = BOX_COLOURS.get(name, (255, 255, 255))
        p0, p1 = (int(x0), int(y0)), (int(x1), int(y1))
        cv2.rectangle(out, p0, p1, colour, 2)
        label = f"{name} {conf:.2f}" + (f" #{int(tid)}" if tid >= 0 else "")
        cv2.putText(
            out, label, (p0[0], max(12, p0[1] - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA
        )
    return out


class VideoWatch:
    """Runs one ``Pipeline`` on a vehicle's video, remembering the latest committed sightings."""

    def __init__(
        self,
        *,
        vehicle: str,
        video_url: str,
        camera: CameraSpec,
        link: VehicleLink,
        store: SightingStore,
        border: BorderLine | None,
        detector: DetectorConfig,
        keep: int = 200,
    ) -> None:
        self.vehicle = vehicle
        self.video_url = video_url
        self.source = VideoSource(video_url, name=vehicle, config=SourceConfig())
        self.pipeline = Pipeline(
            config=PipelineConfig(
                vehicle=vehicle, camera=camera, detector=detector, flight_name=f"{vehicle} live"
            ),
            poses=LinkPoses(link.history),
            store=store,
            source=self.source,
            border=BorderRules(border=border) if border is not None else None,
            active=lambda: self._airborne(link),
        )
        self._recent: deque[SightingCommitted] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self.pipeline.add_listener(self._on_commit)

    @staticmethod
    def _airborne(link: VehicleLink) -> bool:
        """Detect only in flight: a camera on the ground sees the launch pad, and the CPU is shared."""
        state = link.state()
        return state.armed and (state.alt_rel_m or 0.0) > 3.0

    def _on_commit(self, committed: SightingCommitted) -> None:
        with self._lock:
            self._recent.append(committed)

    def start(self) -> VideoWatch:
        self.pipeline.start()
        return self

    def stop(self) -> None:
        self.pipeline.stop()

    @property
    def flight_id(self) -> str:
        return self.pipeline.flight_id

    def recent(self) -> list[SightingCommitted]:
        with self._lock:
            return list(self._recent)

    def stats(self) -> PipelineStats:
        return self.pipeline.stats()

    def annotated_frame(self, max_width_px: int = 960) -> np.ndarray | None:
        """The last processed frame with its boxes, RGB, scaled down for display (None before the first)."""
        latest = self.pipeline.latest()
        if latest is None:
            return None
        frame, detections = latest
        image = annotate(frame.image, detections)
        if image.shape[1] > max_width_px:
            scale = max_width_px / image.shape[1]
            image = cv2.resize(
                image, (max_width_px, round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA
            )
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
