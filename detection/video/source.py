"""A video source: OpenCV's FFmpeg back end reading a network stream, a file or a device in its own thread.

Live sources (udp://, rtsp://, tcp://, devices) keep only the newest frame: a consumer slower than the
stream gets the latest picture, never a backlog (dropped frames are counted). Files are read in order,
none dropped, and end. A live stream that stops (``read()`` gives up after the read timeout) is released
and reopened with exponential backoff, for as long as the source runs.

Capture time: from the frame-time barcode when the frame carries one (``detection.video.barcode``), its
index required to increase (a corrupted frame can repeat the previous picture; a sender that restarts
its count is recognised by its later time); otherwise arrival time minus ``latency_s``. While a stream
is stamped, frames whose stamp fails its CRC are dropped as corrupt rather than given a guessed time.

Low-latency capture options (FIELD-NOTES): ``fflags nobuffer+noparse+nofillin``, one decoder thread,
open/read timeouts; set through ``OPENCV_FFMPEG_CAPTURE_OPTIONS`` around each open.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2

from detection.errors import InvalidDetectionValueError, VideoSourceError, VideoTimeoutError
from detection.values import Frame
from detection.video.barcode import decode_frame_stamp

LIVE_SCHEMES = ("udp://", "rtsp://", "rtp://", "tcp://", "srt://", "http://", "https://")
LOW_LATENCY_OPTIONS = "fflags;nobuffer+noparse+nofillin|analyzeduration;2000000"
_ENV_LOCK = threading.Lock()
_STAMP_HOLD_S = 2.0  # after a stamped frame, unstamped ones are treated as corrupt for this long


class EndOfStream(VideoSourceError):
    """A file source has delivered its last frame."""


@dataclass(frozen=True, kw_only=True)
class SourceConfig:
    """``latency_s``: subtracted from arrival time for frames without a stamp. ``live``: None decides by
    URL (network and devices live, files not). Timeouts in seconds: opening a UDP stream takes ~3 s
    (stream probing) and the first read up to ~2 s more (an intra-refresh stream has no key frame to
    start from); OpenCV cannot change the read timeout after opening, so it also bounds how long a
    dead stream blocks before the source reopens it. ``reconnect_backoff_s``: (first, max)."""

    latency_s: float = 0.1
    use_barcode: bool = True
    live: bool | None = None
    open_timeout_s: float = 10.0
    read_timeout_s: float = 4.0
    reconnect_backoff_s: tuple[float, float] = (0.2, 5.0)
    low_latency: bool = True
    file_queue_frames: int = 4

    def __post_init__(self) -> None:
        if self.latency_s < 0 or self.open_timeout_s <= 0 or self.read_timeout_s <= 0:
            raise InvalidDetectionValueError("latency must be ≥ 0 and timeouts > 0")


@dataclass(frozen=True, kw_only=True)
class SourceStats:
    """Counters since start: frames decoded, delivered, dropped as stale (live), dropped as corrupt or
    repeated; frames stamped by barcode; (re)connections; measured input fps; the last problem."""

    frames_decoded: int
    frames_delivered: int
    frames_dropped_stale: int
    frames_rejected: int
    frames_stamped: int
    connects: int
    connected: bool
    ended: bool
    input_fps: float
    decode_ms_mean: float
    last_error: str | None


def is_live(url: str) -> bool:
    """Network streams and capture devices are live; files are not.

    >>> is_live("udp://127.0.0.1:5600"), is_live("0"), is_live("clip.mp4")
    (True, True, False)
    """
    return url.startswith(LIVE_SCHEMES) or url.isdigit() or url.startswith("/dev/video")


class VideoSource:
    """Frames from ``url``; ``start()`` it (or use ``with``), ``read()`` frames, ``stop()`` it."""

    def __init__(self, url: str, *, name: str | None = None, config: SourceConfig | None = None) -> None:
        self.url = url
        self.name = name or url
        self.config = config or SourceConfig()
        self.live = is_live(url) if self.config.live is None else self.config.live
        if (
            not self.live
            and not url.startswith(("file:", "/dev/"))
            and "://" not in url
            and not Path(url).exists()
        ):
            raise VideoSourceError(f"video file {url} does not exist")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._latest_seq = 0
        self._taken_seq = 0
        self._queue: queue.Queue[Frame | None] = queue.Queue(maxsize=self.config.file_queue_frames)
        self._ended = False
        self._connected = False
        # counters (reader thread writes, stats() reads under the condition's lock)
        self._decoded = self._delivered = self._stale = self._rejected = self._stamped = self._connects = 0
        self._decode_s = 0.0
        self._arrivals: deque[float] = deque(maxlen=50)
        self._last_error: str | None = None
        # stamping state
        self._last_index = -1
        self._last_t = float("-inf")
        self._last_stamp_arrival = float("-inf")
        self._local_index = -1

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> VideoSource:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"video:{self.name}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float | None = None) -> None:
        """Stop reading and release the capture (waits for the reader thread)."""
        self._stop.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        with self._cond:
            self._cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(
                timeout_s
                if timeout_s is not None
                else self.config.open_timeout_s + self.config.read_timeout_s + 2
            )

    def __enter__(self) -> VideoSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- consuming ------------------------------------------------------------------------------
    def read(self, timeout_s: float = 5.0) -> Frame:
        """The next frame: for live sources the newest one not yet read (older ones are dropped); for
        files the next in order. Raises ``VideoTimeoutError`` after ``timeout_s`` without one and
        ``EndOfStream`` after a file's last frame."""
        if self._thread is None:
            raise VideoSourceError(f"video source {self.name} is not started: call start() first")
        if not self.live:
            try:
                frame = self._queue.get(timeout=timeout_s)
            except queue.Empty:
                raise VideoTimeoutError(f"no frame from {self.name} within {timeout_s:.1f} s") from None
            if frame is None:
                if self._delivered == 0 and self._last_error:
                    raise VideoSourceError(self._last_error)
                raise EndOfStream(f"{self.name}: end of file after {self._delivered} frames")
            return frame
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._latest_seq == self._taken_seq:
                if self._stop.is_set():
                    raise VideoSourceError(f"video source {self.name} was stopped")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    why = f"; last problem: {self._last_error}" if self._last_error else ""
                    raise VideoTimeoutError(
                        f"no frame from {self.name} within {timeout_s:.1f} s (connected: {self._connected}){why}"
                    )
                self._cond.wait(remaining)
            self._taken_seq = self._latest_seq
            assert self._latest is not None
            return self._latest

    def stats(self) -> SourceStats:
        with self._cond:
            arrivals = list(self._arrivals)
            fps = (
                (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
                if len(arrivals) > 2 and arrivals[-1] > arrivals[0]
                else 0.0
            )
            return SourceStats(
                frames_decoded=self._decoded,
                frames_delivered=self._delivered,
                frames_dropped_stale=self._stale,
                frames_rejected=self._rejected,
                frames_stamped=self._stamped,
                connects=self._connects,
                connected=self._connected,
                ended=self._ended,
                input_fps=fps,
                decode_ms_mean=1000.0 * self._decode_s / self._decoded if self._decoded else 0.0,
                last_error=self._last_error,
            )

    # --- the reader thread ------------------------------------------------------------------------
    def _open(self) -> cv2.VideoCapture:
        cfg = self.config
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(cfg.open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(cfg.read_timeout_s * 1000),
        ]
        if cfg.low_latency:
            params += [cv2.CAP_PROP_N_THREADS, 1]
        if self.url.isdigit():
            return cv2.VideoCapture(int(self.url), cv2.CAP_ANY)
        with _ENV_LOCK:
            old = os.environ.get("OPENCV_FFMPEG_CAPTURE_OPTIONS")
            if cfg.low_latency and self.live:
                os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = LOW_LATENCY_OPTIONS
            try:
                return cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
            finally:
                if old is None:
                    os.environ.pop("OPENCV_FFMPEG_CAPTURE_OPTIONS", None)
                else:
                    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = old

    def _run(self) -> None:
        backoff = self.config.reconnect_backoff_s[0]
        try:
            while not self._stop.is_set():
                cap = None
                try:
                    cap = self._open()
                    if not cap.isOpened():
                        self._note_error(f"cannot open {self.url} (no stream yet, or a wrong URL)")
                        if not self.live:
                            return
                    else:
                        with self._cond:
                            self._connects += 1
                            self._connected = True
                        if self._pump(cap):
                            backoff = self.config.reconnect_backoff_s[0]
                        if not self.live:
                            return  # end of file
                        self._note_error(f"{self.url}: stream stopped; reconnecting")
                except cv2.error as exc:
                    self._note_error(f"OpenCV error on {self.url}: {exc}")
                finally:
                    if cap is not None:
                        cap.release()
                    with self._cond:
                        self._connected = False
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.config.reconnect_backoff_s[1])
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()
            while not self.live and not self._stop.is_set():
                try:
                    self._queue.put(None, timeout=0.2)  # end-of-file marker, once the reader has room
                    break
                except queue.Full:
                    continue

    def _pump(self, cap: cv2.VideoCapture) -> bool:
        """Read until the stream fails or we are stopped; True if at least one frame came."""
        got = False
        while not self._stop.is_set():
            t0 = time.perf_counter()
            ok, image = cap.read()
            if not ok or image is None:
                return got
            got = True
            arrival = time.time()
            frame = self._stamp(image, arrival)
            with self._cond:
                self._decoded += 1
                self._decode_s += time.perf_counter() - t0
                self._arrivals.append(arrival)
            if frame is not None:
                self._deliver(frame)
        return got

    def _stamp(self, image, arrival: float) -> Frame | None:
        stamp = decode_frame_stamp(image) if self.config.use_barcode else None
        if stamp is not None:
            index, t_capture = stamp
            restarted = index <= self._last_index and t_capture > self._last_t + 1.0
            if index <= self._last_index and not restarted:
                self._count_rejected()
                return None
            self._last_index, self._last_t, self._last_stamp_arrival = index, t_capture, arrival
            self._local_index = max(self._local_index, index)
            with self._cond:
                self._stamped += 1
            return Frame(
                image=image, t_capture_unix_s=t_capture, index=index, source=self.name,
                t_arrival_unix_s=arrival, time_source="barcode",
            )  # fmt: skip
        if self.config.use_barcode and arrival - self._last_stamp_arrival < _STAMP_HOLD_S:
            self._count_rejected()  # a stamped stream's frame that fails its CRC: corrupt
            return None
        self._local_index += 1
        self._last_index = self._local_index
        return Frame(
            image=image, t_capture_unix_s=arrival - self.config.latency_s, index=self._local_index, source=self.name,
            t_arrival_unix_s=arrival, time_source="arrival",
        )  # fmt: skip

    def _deliver(self, frame: Frame) -> None:
        if self.live:
            with self._cond:
                if self._latest_seq != self._taken_seq:
                    self._stale += 1
                self._latest = frame
                self._latest_seq += 1
                self._delivered += 1
                self._cond.notify_all()
            return
        while not self._stop.is_set():
            try:
                self._queue.put(frame, timeout=0.2)
            except queue.Full:
                continue
            with self._cond:
                self._delivered += 1
            return

    def _count_rejected(self) -> None:
        with self._cond:
            self._rejected += 1

    def _note_error(self, message: str) -> None:
        with self._cond:
            self._last_error = message
