"""An ffmpeg child process that turns raw BGR frames on its stdin into H.264 in MPEG-TS over UDP.

The ffmpeg is the one the ``imageio-ffmpeg`` package ships (it has libx264). Settings are the
low-latency ones measured in FIELD-NOTES.md: ultrafast/zerolatency x264, no B-frames, periodic
intra refresh instead of big I-frames, MPEG-TS flushed per packet, 1316-byte UDP payloads. The
stream goes to loopback only.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import subprocess
import tempfile
from typing import IO

import numpy as np

from sitl.errors import VideoStreamError


def ffmpeg_exe() -> str:
    """Path of imageio-ffmpeg's ffmpeg binary."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise VideoStreamError(
            "simulated video needs the imageio-ffmpeg package (pip install imageio-ffmpeg)"
        ) from None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise VideoStreamError(f"imageio-ffmpeg has no ffmpeg binary here: {exc}") from None


def udp_url(host: str, port: int) -> str:
    """The ffmpeg output URL for a loopback UDP destination.

    >>> udp_url("127.0.0.1", 5600)
    'udp://127.0.0.1:5600?pkt_size=1316'
    """
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise VideoStreamError(
            f"simulated video streams to loopback only; {host!r} is not a loopback address"
        )
    if not 1 <= port <= 65535:
        raise VideoStreamError(f"UDP port must be 1..65535, got {port}")
    return f"udp://{host}:{port}?pkt_size=1316"


def ffmpeg_command(
    *, width: int, height: int, fps: float, url: str, bitrate_bps: int = 3_000_000, exe: str | None = None
) -> list[str]:
    """The sender command line (raw BGR on stdin → H.264/MPEG-TS over UDP)."""
    rate = f"{bitrate_bps // 1000}k"
    return [
        exe or ffmpeg_exe(),
        "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", f"{width}x{height}",
        "-framerate", f"{fps:g}", "-i", "pipe:0",
        "-an", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
        "-g", str(max(1, round(fps))), "-bf", "0", "-pix_fmt", "yuv420p",
        "-b:v", rate, "-maxrate", rate, "-bufsize", f"{bitrate_bps // 3000}k",
        "-x264-params", "intra-refresh=1",
        "-omit_video_pes_length", "0", "-flush_packets", "1",
        "-f", "mpegts", url,
    ]  # fmt: skip


class H264UdpEncoder:
    """One ffmpeg process; ``write`` blocks while ffmpeg takes the frame. Use as a context manager or
    call ``stop``: the process is always reaped."""

    def __init__(
        self,
        *,
        width: int,
        height: int,
        fps: float,
        port: int,
        host: str = "127.0.0.1",
        bitrate_bps: int = 3_000_000,
    ) -> None:
        self.width, self.height = width, height
        self.command = ffmpeg_command(
            width=width, height=height, fps=fps, url=udp_url(host, port), bitrate_bps=bitrate_bps
        )
        self._proc: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if self.alive():
            return
        self.stop()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; closed in stop()
        try:
            self._proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log, bufsize=0
            )
        except OSError as exc:
            self._close_log()
            raise VideoStreamError(
                f"cannot start ffmpeg ({self.command[0]}): {exc.strerror or exc}"
            ) from None

    def write(self, frame: np.ndarray) -> None:
        """Send one (height, width, 3) uint8 BGR frame; raises VideoStreamError if ffmpeg is gone."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise VideoStreamError(
                f"frame must be {self.height}×{self.width}×3 uint8, got {frame.shape} {frame.dtype}"
            )
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise VideoStreamError("ffmpeg is not running")
        try:
            proc.stdin.write(memoryview(np.ascontiguousarray(frame)).cast("B"))
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise VideoStreamError(
                f"ffmpeg stopped taking frames ({exc}); {self.stderr_tail() or 'no message'}"
            ) from None

    def stderr_tail(self, limit: int = 400) -> str:
        if self._log is None:
            return ""
        try:
            self._log.seek(max(0, os.fstat(self._log.fileno()).st_size - limit))
            return self._log.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def stop(self, timeout_s: float = 3.0) -> None:
        """Close ffmpeg's input, wait up to ``timeout_s`` for it to exit, then kill it."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    with contextlib.suppress(OSError):
                        proc.stdin.close()
                try:
                    proc.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=timeout_s)
            finally:
                if proc.poll() is None:
                    proc.kill()
        self._close_log()

    def kill(self) -> None:
        """Kill ffmpeg at once (unblocks a writer stuck in ``write``); ``stop`` still reaps it."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> H264UdpEncoder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
