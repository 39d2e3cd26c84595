"""Replaying a .tlog into the same state values the live link produced, at original or faster speed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telemetry.history import StateHistory
from telemetry.link import new_codec
from telemetry.state import StateTracker, VehicleState
from telemetry.tlog import read_records

GCS_TYPE = 6


@dataclass(frozen=True, kw_only=True)
class TimedMessage:
    t_unix_s: float
    message: Any


def read_tlog(path: Path) -> Iterator[TimedMessage]:
    """Every decodable MAVLink message in a .tlog, with its recorded time."""
    codec = new_codec()
    for t, packet in read_records(path):
        for msg in codec.parse_buffer(packet) or []:
            if msg.get_type() != "BAD_DATA":
                yield TimedMessage(t_unix_s=t, message=msg)


def vehicle_system_id(path: Path) -> int | None:
    """The system id of the first autopilot heard in the log (messages from GCSs are skipped)."""
    for tm in read_tlog(path):
        m = tm.message
        if m.get_type() == "HEARTBEAT" and m.type != GCS_TYPE and m.autopilot != 8:
            return m.get_srcSystem()
    return None


def replay_states(
    path: Path, *, speed: float | None = None, every: frozenset[str] = frozenset({"GLOBAL_POSITION_INT"})
) -> Iterator[VehicleState]:
    """Feed the log to a fresh ``StateTracker``; yield a snapshot after each message of a type in ``every``.

    ``speed`` None replays as fast as possible; 1.0 at original speed; 10.0 ten times faster.
    """
    system = vehicle_system_id(path)
    tracker = StateTracker()
    tracker.system_id = system
    tracker.connected = True
    start_wall = time.monotonic()
    start_log: float | None = None
    for tm in read_tlog(path):
        m = tm.message
        if system is not None and m.get_srcSystem() != system:
            continue
        if speed is not None:
            start_log = tm.t_unix_s if start_log is None else start_log
            delay = (tm.t_unix_s - start_log) / speed - (time.monotonic() - start_wall)
            if delay > 0:
                time.sleep(delay)
        tracker.feed(tm.t_unix_s, m)
        if m.get_type() in every:
            yield tracker.snapshot(tm.t_unix_s)


def replay_history(path: Path) -> StateHistory:
    """A pose history built from the whole log (for geotagging recorded video after the flight)."""
    system = vehicle_system_id(path)
    history = StateHistory(keep_s=float("inf"))
    for tm in read_tlog(path):
        if system is None or tm.message.get_srcSystem() == system:
            history.feed(tm.t_unix_s, tm.message)
    return history
