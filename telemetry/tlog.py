"""Recording MAVLink traffic as .tlog files: what MAVExplorer, Mission Planner and QGroundControl replay.

A .tlog is a sequence of records: an 8-byte big-endian timestamp (microseconds since the Unix epoch)
followed by one raw MAVLink packet. ``FlightTlogs`` writes every packet in and out of a link; a new file
starts when the vehicle arms (one file per flight) and the flight's file is closed a few seconds after it
disarms. Traffic on the ground goes to the link's session file.
"""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path
from typing import BinaryIO

from telemetry.errors import TlogError


def _stamp(t_unix_s: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t_unix_s))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60] or "vehicle"


class FlightTlogs:
    def __init__(self, directory: Path, vehicle: str, *, close_after_disarm_s: float = 5.0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.vehicle = _safe(vehicle)
        self.close_after_disarm_s = close_after_disarm_s
        self._lock = threading.Lock()
        self._session: BinaryIO | None = None
        self._flight: BinaryIO | None = None
        self._disarmed_t: float | None = None
        self.session_path: Path | None = None
        self.flight_paths: list[Path] = []

    def write(self, t_unix_s: float, packet: bytes) -> None:
        record = struct.pack(">Q", int(t_unix_s * 1e6)) + packet
        with self._lock:
            if self._flight is not None:
                self._flight.write(record)
                if self._disarmed_t is not None and t_unix_s - self._disarmed_t > self.close_after_disarm_s:
                    self._flight.close()
                    self._flight = None
                return
            if self._session is None:
                self.session_path = self.directory / f"{self.vehicle}-{_stamp(t_unix_s)}-session.tlog"
                self._session = self.session_path.open("ab")
            self._session.write(record)

    def observe_armed(self, t_unix_s: float, armed: bool) -> None:
        with self._lock:
            if armed:
                self._disarmed_t = None
                if self._flight is None:
                    path = self.directory / f"{self.vehicle}-{_stamp(t_unix_s)}-flight.tlog"
                    self._flight = path.open("ab")
                    self.flight_paths.append(path)
            elif self._flight is not None and self._disarmed_t is None:
                self._disarmed_t = t_unix_s

    def flush(self) -> None:
        with self._lock:
            for f in (self._session, self._flight):
                if f is not None:
                    f.flush()

    def close(self) -> None:
        with self._lock:
            for f in (self._session, self._flight):
                if f is not None:
                    f.close()
            self._session = self._flight = None


def read_records(path: Path) -> list[tuple[float, bytes]]:
    """Raw (t_unix_s, bytes) chunks of a .tlog; MAVLink framing is left to the caller's codec."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TlogError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return _split(data, path)


def _split(data: bytes, path: Path) -> list[tuple[float, bytes]]:
    out = []
    i = 0
    while i + 8 < len(data):
        (stamp_us,) = struct.unpack_from(">Q", data, i)
        start = i + 8
        magic = data[start]
        if magic == 0xFD and start + 10 <= len(data):
            length = 12 + data[start + 1] + (13 if data[start + 2] & 0x01 else 0)
        elif magic == 0xFE and start + 6 <= len(data):
            length = 8 + data[start + 1]
        else:
            raise TlogError(f"{path}: byte {start}: not a MAVLink packet (a corrupt or truncated .tlog)")
        out.append((stamp_us / 1e6, data[start : start + length]))
        i = start + length
    return out
