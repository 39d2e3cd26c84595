"""One pipeline per video stream: source → detector → tracker → geotagger → rules → store, in a thread.

Each frame's pose is asked for at the frame's capture time (``PoseProvider``); frames without a pose are
still detected and tracked (tracks stay whole) but add no ground points. A sighting reaches listeners
only after the store committed it (``SightingCommitted``). ``stop()`` ends open tracks (their final
updates are committed), closes the flight and releases the video source. The pipeline owns nothing
global, so it can move into its own process later (give it a store URL and a pose provider there).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from detection.detector import Detector, DetectorConfig
from detection.errors import DetectionError, PoseUnavailableError
from detection.geotag import Geotagger, frame_to_frame_affine
from detection.pose import PoseProvider
from detection.rules import BorderRules
from detection.sightings import SightingBuilder, SightingConfig, SightingUpdate
from detection.store import SightingStore
from detection.tracker import Tracker, TrackerConfig
from detection.values import CameraPose, Detections, Event, Frame, Sighting
from detection.video.source import EndOfStream, SourceConfig, VideoSource, VideoTimeoutError
from missions.camera import CameraSpec

log = logging.getLogger(__name__)
STAGES = ("read", "pose", "detect", "track", "geotag", "store")
# Where a frame's time goes, capture to done (over the last ``stats_window_frames`` frames): "video" capture → decoded frame
# arrival (encoder, link, decoder); "wait" arrival → detector start (a frame waits for the detector to
# finish the one before); "beyond_inference" capture → done minus the detector's own time.
LATENCIES = ("video", "wait", "beyond_inference")


@dataclass(frozen=True, kw_only=True)
class PipelineConfig:
    """``vehicle`` names the drone; ``flight_id`` an existing flight (None: start one). ``pose_dt_s``: half
    the interval over which each ground point's speed is measured (timing error). ``stats()`` reports
    timings over the last ``stats_window_frames`` frames."""

    vehicle: str
    camera: CameraSpec
    flight_id: str | None = None
    flight_name: str = ""
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    sightings: SightingConfig = field(default_factory=SightingConfig)
    source: SourceConfig = field(default_factory=SourceConfig)
    mount: str = "gimbal"
    buffer_m: float = 50.0
    pose_dt_s: float = 0.05
    read_timeout_s: float = 1.0
    stats_window_frames: int = 300  # stage timings and latencies are over the last so many frames


@dataclass(frozen=True, kw_only=True)
class SightingCommitted:
    """A sighting (``kind`` new/update/final) and its events, as committed at ``t_committed_unix_s``;
    ``t_capture_unix_s`` is the capture time of the frame that produced it, ``inference_s`` that frame's
    detector time."""

    sighting: Sighting
    events: tuple[Event, ...]
    kind: str
    t_capture_unix_s: float
    t_committed_unix_s: float
    inference_s: float


@dataclass(frozen=True, kw_only=True)
class StageTiming:
    mean_ms: float
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True, kw_only=True)
class PipelineStats:
    frames_processed: int
    frames_without_pose: int
    fps: float
    stages: dict[str, StageTiming]
    latency: dict[str, StageTiming]
    sightings_new: int
    sightings_updated: int
    events: int
    open_tracks: int
    errors: int
    last_error: str | None
    running: bool


Listener = Callable[[SightingCommitted], None]


def _timing(values_s: deque[float]) -> StageTiming:
    arr = np.array(values_s) * 1000.0 if values_s else np.zeros(1)
    return StageTiming(
        mean_ms=float(arr.mean()), p50_ms=float(np.percentile(arr, 50)), p95_ms=float(np.percentile(arr, 95))
    )


class Pipeline:
    """See the module docstring. ``process(frame)`` runs one frame synchronously (tests, replays);
    ``start()`` runs the source in a thread until ``stop()`` (or a file's end)."""

    def __init__(
        self,
        *,
        config: PipelineConfig,
        poses: PoseProvider,
        store: SightingStore,
        source: VideoSource | None = None,
        detector: Detector | None = None,
        border: BorderRules | None = None,
        geotagger: Geotagger | None = None,
        active: Callable[[], bool] | None = None,
    ) -> None:
        """``active``: when given and false, frames are shown (``latest``) but not detected — e.g. while
        the drone is on the ground, so idle drones leave the CPU to the ones on patrol."""
        self.config = config
        self.active = active
        self.poses = poses
        self.store = store
        self.source = source
        self.detector = detector or Detector(config.detector)
        self.tracker = Tracker(config.tracker)
        self.geotagger = geotagger or Geotagger(config.camera, mount=config.mount)  # type: ignore[arg-type]
        flight_id = config.flight_id
        if flight_id is None or flight_id not in {f.flight_id for f in store.flights()}:
            flight_id = store.start_flight(
                vehicle=config.vehicle,
                started_unix_s=time.time(),
                name=config.flight_name,
                flight_id=flight_id,
            ).flight_id
        self.flight_id = flight_id
        self.builder = SightingBuilder(
            self.geotagger, flight_id=flight_id, vehicle=config.vehicle, config=config.sightings, rules=border
        )
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        window = config.stats_window_frames
        self._timings = {s: deque(maxlen=window) for s in STAGES}
        self._latency = {s: deque(maxlen=window) for s in LATENCIES}
        self._frame_times: deque[float] = deque(maxlen=60)
        self._processed = self._no_pose = self._new = self._updated = self._events = self._errors = 0
        self._last_error: str | None = None
        self._latest: tuple[Frame, Detections] | None = None
        self._closed = False
        self._prev_pose: CameraPose | None = None
        self._prev_t_capture: float | None = None

    # --- listeners and views ------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every committed sighting (from the pipeline's thread); returns an
        unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    def latest(self) -> tuple[Frame, Detections] | None:
        """The last processed frame and its tracked detections (for drawing boxes on live video)."""
        with self._lock:
            return self._latest

    def stats(self) -> PipelineStats:
        with self._lock:
            stages = {name: _timing(values) for name, values in self._timings.items()}
            latency = {name: _timing(values) for name, values in self._latency.items()}
            ft = list(self._frame_times)
            fps = (len(ft) - 1) / (ft[-1] - ft[0]) if len(ft) > 2 and ft[-1] > ft[0] else 0.0
            return PipelineStats(
                frames_processed=self._processed, frames_without_pose=self._no_pose, fps=fps, stages=stages, latency=latency,
                sightings_new=self._new, sightings_updated=self._updated, events=self._events,
                open_tracks=self.builder.open_tracks, errors=self._errors, last_error=self._last_error,
                running=self._thread is not None and self._thread.is_alive(),
            )  # fmt: skip

    # --- one frame ------------------------------------------------------------------------------
    def _pose(self, t: float) -> tuple[CameraPose | None, CameraPose | None, CameraPose | None]:
        try:
            pose = self.poses.pose_at(t)
        except PoseUnavailableError:
            return None, None, None
        dt = self.config.pose_dt_s
        try:
            return pose, self.poses.pose_at(t - dt), self.poses.pose_at(t + dt)
        except PoseUnavailableError:
            return pose, None, None

    def process(self, frame: Frame, *, read_s: float = 0.0) -> list[SightingCommitted]:
        """Detect, track, geotag and commit one frame; returns what was committed."""
        t = {"read": read_s}
        t_start_unix_s = time.time()
        t0 = time.perf_counter()
        dets = self.detector.detect(frame.image)
        t["detect"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        pose, before, after = self._pose(frame.t_capture_unix_s)
        t["pose"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        warp = None
        if self.config.tracker.motion == "pose" and pose is not None and self._prev_pose is not None:
            warp = frame_to_frame_affine(
                self.geotagger, self._prev_pose, pose, (frame.width_px, frame.height_px)
            )
        self._prev_pose = pose
        dt_s = frame.t_capture_unix_s - self._prev_t_capture if self._prev_t_capture is not None else None
        self._prev_t_capture = frame.t_capture_unix_s
        gsd_m_px = (
            pose.alt_rel_m / self.config.camera.fx_px if pose is not None and pose.alt_rel_m > 1 else None
        )
        tracked = self.tracker.update(dets, frame.image, warp, dt_s=dt_s, gsd_m_px=gsd_m_px)
        t["track"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        if pose is None:
            updates: list[SightingUpdate] = []
            with self._lock:
                self._no_pose += 1
        else:
            updates = self.builder.step(frame, tracked, pose, before, after)
        t["geotag"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        committed = self._commit(updates, frame, t["detect"])
        t["store"] = time.perf_counter() - t0
        latency = {"beyond_inference": time.time() - frame.t_capture_unix_s - t["detect"]}
        if math.isfinite(frame.t_arrival_unix_s):
            latency["video"] = frame.t_arrival_unix_s - frame.t_capture_unix_s
            latency["wait"] = t_start_unix_s - frame.t_arrival_unix_s
        with self._lock:
            for k, v in latency.items():
                self._latency[k].append(v)
            self._processed += 1
            self._frame_times.append(time.monotonic())
            self._latest = (frame, tracked)
            for k, v in t.items():
                self._timings[k].append(v)
        return committed

    def _commit(
        self, updates: list[SightingUpdate], frame: Frame | None, inference_s: float
    ) -> list[SightingCommitted]:
        out = []
        for u in updates:
            saved = self.store.save_sighting(u.sighting, u.snapshot)
            if u.events:
                self.store.save_events(u.events)
            c = SightingCommitted(
                sighting=saved, events=u.events, kind=u.kind,
                t_capture_unix_s=frame.t_capture_unix_s if frame is not None else u.trigger_t_capture_unix_s,
                t_committed_unix_s=time.time(), inference_s=inference_s,
            )  # fmt: skip
            with self._lock:
                self._new += u.kind == "new"
                self._updated += u.kind != "new"
                self._events += len(u.events)
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(c)
                except Exception as exc:  # a broken listener must not stop detection
                    log.warning("sighting listener failed: %s", exc)
            out.append(c)
        return out

    # --- the thread -----------------------------------------------------------------------------
    def start(self) -> Pipeline:
        if self.source is None:
            raise DetectionError(
                "this pipeline has no video source: give one, or call process(frame) yourself"
            )
        if self._thread is None:
            self.source.start()
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name=f"pipeline:{self.config.vehicle}", daemon=True
            )
            self._thread.start()
        return self

    def _run(self) -> None:
        assert self.source is not None
        while not self._stop.is_set():
            t0 = time.perf_counter()
            try:
                frame = self.source.read(timeout_s=self.config.read_timeout_s)
            except VideoTimeoutError:
                continue
            except EndOfStream:
                break
            except DetectionError as exc:
                self._note_error(exc)
                if self._stop.wait(0.5):
                    break
                continue
            if self.active is not None and not self.active():
                with self._lock:
                    self._latest = (frame, Detections.empty())
                continue
            try:
                self.process(frame, read_s=time.perf_counter() - t0)
            except DetectionError as exc:
                self._note_error(exc)

    def _note_error(self, exc: Exception) -> None:
        log.warning("pipeline %s: %s", self.config.vehicle, exc)
        with self._lock:
            self._errors += 1
            self._last_error = str(exc)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread to end by itself (a file source's end); True if it did."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop reading, join the thread, commit the open tracks' final updates, end the flight and
        release the source. Safe to call twice."""
        self._stop.set()
        thread, self._thread = self._thread, None
        try:
            if thread is not None:
                thread.join(timeout_s)
        finally:
            try:
                if self.source is not None:
                    self.source.stop()
            finally:
                self.close()

    def close(self) -> None:
        """End open tracks and the flight (for pipelines driven by ``process``)."""
        if self._closed:
            return
        self._closed = True
        self._commit(self.builder.flush(), None, 0.0)
        with contextlib.suppress(DetectionError):
            self.store.end_flight(self.flight_id, time.time())

    def __enter__(self) -> Pipeline:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
