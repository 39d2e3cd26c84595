"""A simulated camera stream: render at a fixed rate from a vehicle's pose, stamp, encode, send.

``CameraStreamer`` runs one thread per vehicle. Each tick it asks the pose source where the vehicle
is, renders that view of the world at the pose's instant, draws the frame-time barcode (see
``sitl.camera.barcode``), hands the frame to ffmpeg (H.264 over UDP to 127.0.0.1:port) and appends
the frame's ground truth to a JSON Lines file. If ffmpeg dies it is restarted (with backoff) and
the stream resumes; frame indices keep counting up.

The capture time of a frame is its pose's ``t_unix_s``: the picture shows the world at that
instant (world time ``clock.t_sim_s(t_unix_s)``). Without a pose, a grey "no signal" frame is sent
with the current time, so receivers stay connected.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from missions.camera import CameraSpec
from sitl.camera.barcode import draw_barcode
from sitl.camera.encoder import H264UdpEncoder
from sitl.camera.renderer import Renderer
from sitl.camera.truth import FrameTruth
from sitl.errors import SimConfigError, VideoStreamError
from sitl.pose import PoseSource, VehiclePose
from sitl.world.clock import SimClock
from sitl.world.model import World

NO_SIGNAL_GREY = 96


@dataclass(frozen=True, kw_only=True)
class StreamStats:
    """How a stream is doing: frames sent, ffmpeg restarts, the last problem, render time."""

    frames_sent: int
    next_frame_index: int
    restarts: int
    frames_without_pose: int
    last_error: str | None
    render_ms_mean: float
    running: bool


class CameraStreamer:
    """Streams one vehicle's simulated camera as H.264/MPEG-TS over UDP to ``host:udp_port``.

    >>> # streamer = CameraStreamer(vehicle, camera_preset("zoom"), load_world(), 5600,
    >>> #                           ground_truth_path=Path("data/truth-0.jsonl"), clock=clock)
    >>> # streamer.start(); ...; streamer.stop()
    """

    def __init__(
        self,
        pose_source: PoseSource,
        camera: CameraSpec,
        world: World,
        udp_port: int,
        fps: float = 10.0,
        ground_truth_path: str | Path | None = None,
        *,
        clock: SimClock | None = None,
        host: str = "127.0.0.1",
        bitrate_bps: int = 3_000_000,
        renderer: Renderer | None = None,
        restart_backoff_s: tuple[float, float] = (0.2, 5.0),
        ground_fps: float | None = None,
    ) -> None:
        """``ground_fps``: a lower frame rate while the vehicle is on the ground (below 1 m above home),
        so parked drones leave the CPU to the flying ones when many share one small machine; None
        streams at ``fps`` always, like a real camera."""
        if not (0 < fps <= 60):
            raise SimConfigError(f"video fps must be in (0, 60], got {fps!r}")
        if ground_fps is not None and not (0 < ground_fps <= fps):
            raise SimConfigError(f"ground fps must be in (0, fps], got {ground_fps!r}")
        self.ground_fps = ground_fps
        self._on_ground = False
        self.pose_source = pose_source
        self.camera = camera
        self.world = world
        self.udp_port = udp_port
        self.fps = fps
        self.ground_truth_path = Path(ground_truth_path) if ground_truth_path is not None else None
        self.clock = clock or SimClock.starting_now()
        self.renderer = renderer or Renderer(world, camera)
        self._encoder = H264UdpEncoder(
            width=camera.image_width_px,
            height=camera.image_height_px,
            fps=fps,
            port=udp_port,
            host=host,
            bitrate_bps=bitrate_bps,
        )
        self._backoff = restart_backoff_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._truth_file: IO[str] | None = None
        self._lock = threading.Lock()
        self._index = 0
        self._sent = 0
        self._restarts = 0
        self._no_pose = 0
        self._last_error: str | None = None
        self._render_s = 0.0
        self._rendered = 0

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start ffmpeg and the streaming thread (raises VideoStreamError if ffmpeg cannot start)."""
        if self._thread is not None:
            return
        self._encoder.start()
        try:
            if self.ground_truth_path is not None:
                self.ground_truth_path.parent.mkdir(parents=True, exist_ok=True)
                self._truth_file = self.ground_truth_path.open("w", encoding="utf-8")
        except OSError as exc:
            self._encoder.stop()
            raise VideoStreamError(f"cannot write ground truth to {self.ground_truth_path}: {exc}") from None
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.udp_port}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread and ffmpeg, close the ground-truth file. Safe to call twice."""
        self._stop.set()
        thread, self._thread = self._thread, None
        try:
            if thread is not None:
                thread.join(timeout=timeout_s)
                if thread.is_alive():  # stuck writing to a stalled ffmpeg: kill it to unblock
                    self._encoder.kill()
                    thread.join(timeout=timeout_s)
        finally:
            self._encoder.stop()
            if self._truth_file is not None:
                self._truth_file.close()
                self._truth_file = None

    def __enter__(self) -> CameraStreamer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def encoder_pid(self) -> int | None:
        """PID of the current ffmpeg process (it changes when ffmpeg is restarted)."""
        return self._encoder.pid

    def stats(self) -> StreamStats:
        with self._lock:
            return StreamStats(
                frames_sent=self._sent,
                next_frame_index=self._index,
                restarts=self._restarts,
                frames_without_pose=self._no_pose,
                last_error=self._last_error,
                render_ms_mean=1000.0 * self._render_s / self._rendered if self._rendered else 0.0,
                running=self._thread is not None and self._thread.is_alive(),
            )

    # --- the loop --------------------------------------------------------------------------------
    def _run(self) -> None:
        period = 1.0 / self.fps
        next_tick = time.monotonic()
        backoff = self._backoff[0]
        retry_at = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now < next_tick:
                self._stop.wait(next_tick - now)
                continue
            step = 1.0 / self.ground_fps if self.ground_fps is not None and self._on_ground else period
            next_tick = next_tick + step if now - next_tick < step else now + step
            if not self._encoder.alive():
                if now < retry_at:
                    continue
                if not self._restart():
                    retry_at, backoff = now + backoff, min(backoff * 2, self._backoff[1])
                    continue
                backoff = self._backoff[0]
            frame, truth = self._frame()
            try:
                self._encoder.write(frame)
            except VideoStreamError as exc:
                with self._lock:
                    self._last_error = str(exc)
                continue
            self._record(truth)

    def _restart(self) -> bool:
        try:
            self._encoder.stop(timeout_s=1.0)
            self._encoder.start()
        except VideoStreamError as exc:
            with self._lock:
                self._last_error = str(exc)
            return False
        with self._lock:
            self._restarts += 1
        return True

    def _pose(self) -> VehiclePose | None:
        try:
            return self.pose_source.pose()
        except Exception as exc:  # a broken pose source must not kill the stream
            with self._lock:
                self._last_error = f"pose source failed: {type(exc).__name__}: {exc}"
            return None

    def _frame(self) -> tuple[np.ndarray, FrameTruth]:
        pose = self._pose()
        self._on_ground = pose is not None and pose.alt_rel_m < 1.0
        index = self._index
        if pose is None:
            t_unix = time.time()
            frame = np.full(
                (self.camera.image_height_px, self.camera.image_width_px, 3), NO_SIGNAL_GREY, np.uint8
            )
            truth = FrameTruth(
                frame_index=index,
                t_unix_s=t_unix,
                t_sim_s=self.clock.t_sim_s(t_unix),
                image_size_px=(self.camera.image_width_px, self.camera.image_height_px),
                pose=None,
                targets=(),
            )
            with self._lock:
                self._no_pose += 1
        else:
            t0 = time.perf_counter()
            try:
                rendered = self.renderer.render(pose, self.clock.t_sim_s(pose.t_unix_s), frame_index=index)
            except Exception as exc:  # keep streaming: a bad pose gives a grey frame, not a dead stream
                with self._lock:
                    self._last_error = f"render failed: {type(exc).__name__}: {exc}"
                frame = np.full(
                    (self.camera.image_height_px, self.camera.image_width_px, 3), NO_SIGNAL_GREY, np.uint8
                )
                truth = FrameTruth(
                    frame_index=index,
                    t_unix_s=pose.t_unix_s,
                    t_sim_s=self.clock.t_sim_s(pose.t_unix_s),
                    image_size_px=(self.camera.image_width_px, self.camera.image_height_px),
                    pose=pose,
                    targets=(),
                )
            else:
                frame, truth = rendered.image, rendered.truth
                with self._lock:
                    self._render_s += time.perf_counter() - t0
                    self._rendered += 1
        draw_barcode(frame, frame_index=index, t_unix_us=round(truth.t_unix_s * 1e6))
        return frame, truth

    def _record(self, truth: FrameTruth) -> None:
        if self._truth_file is not None:
            self._truth_file.write(truth.json_line())
            self._truth_file.flush()
        with self._lock:
            self._index += 1
            self._sent += 1
