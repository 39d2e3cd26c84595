"""One MAVLink link per vehicle: the only module in ``telemetry`` that imports pymavlink.

pymavlink is used as a codec only (dialect ``ardupilotmega``, MAVLink 2 pinned here); bytes move through
``telemetry.transports``. One I/O thread per link reads and parses, sends the GCS heartbeat at 1 Hz,
requests telemetry streams on every (re)connect, reopens TCP/serial links that drop or go silent with
backoff, and records every message in and out to a .tlog. Callers never block on the reader: they
read snapshots (``state()``), or listen for messages with a timeout (``listen()``).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from telemetry.config import DEFAULT_CONFIG, LinkConfig
from telemetry.errors import LinkError, LinkTimeoutError, NotConnectedError
from telemetry.history import StateHistory
from telemetry.state import StateTracker, StatusText, VehicleState
from telemetry.tlog import FlightTlogs
from telemetry.transports import Transport, open_transport, parse_endpoint

GCS_SYSTEM_ID = 255
GCS_COMPONENT_ID = 190  # MAV_COMP_ID_MISSIONPLANNER
Message = Any  # a pymavlink message: .get_type(), fields as attributes


def result_name(result: int) -> str:
    """MAV_RESULT name, e.g. ``result_name(4) == "MAV_RESULT_FAILED"``."""
    entry = mavlink.enums["MAV_RESULT"].get(result)
    return entry.name if entry else f"MAV_RESULT {result}"


def mission_result_name(result: int) -> str:
    entry = mavlink.enums["MAV_MISSION_RESULT"].get(result)
    return entry.name if entry else f"MAV_MISSION_RESULT {result}"


def command_name(command: int) -> str:
    entry = mavlink.enums["MAV_CMD"].get(command)
    return entry.name if entry else f"MAV_CMD {command}"


def new_codec(system_id: int = GCS_SYSTEM_ID, component_id: int = GCS_COMPONENT_ID, file: Any = None) -> Any:
    """A MAVLink 2 codec (for tools that decode or encode without a link, like .tlog replay)."""
    mav = mavlink.MAVLink(file, srcSystem=system_id, srcComponent=component_id)
    mav.robust_parsing = True
    return mav


class Inbox:
    """Messages of chosen types from the vehicle, queued from the moment ``listen()`` was entered."""

    def __init__(self, types: frozenset[str]) -> None:
        self.types = types
        self._q: queue.Queue[tuple[float, Message]] = queue.Queue()

    def put(self, t: float, msg: Message) -> None:
        self._q.put((t, msg))

    def get(self, timeout_s: float, match: Callable[[Message], bool] = lambda m: True) -> Message:
        """The next queued message that ``match``es; ``LinkTimeoutError`` if none within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LinkTimeoutError(f"no {'/'.join(sorted(self.types))} within {timeout_s:.2f} s")
            try:
                _, msg = self._q.get(timeout=remaining)
            except queue.Empty:
                continue
            if match(msg):
                return msg

    def drain(self) -> list[Message]:
        out = []
        with contextlib.suppress(queue.Empty):
            while True:
                out.append(self._q.get_nowait()[1])
        return out


class _Writer:
    """File-like sink for pymavlink's encoder: bytes go to the transport and the tlog."""

    def __init__(self, link: VehicleLink) -> None:
        self._link = link

    def write(self, data: bytes) -> None:
        self._link._write(data)


class VehicleLink:
    """The link to one vehicle. Use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(
        self,
        url: str,
        *,
        name: str | None = None,
        config: LinkConfig = DEFAULT_CONFIG,
        signing_key: bytes | None = None,
        tlog_dir: Path | None = None,
    ) -> None:
        self.url = url
        self.name = name or url
        self.endpoint = parse_endpoint(url)
        self.config = config
        self.tracker = StateTracker(stale_after_s=config.stale_after_s)
        self.history = StateHistory(keep_s=config.history_s)
        self.target_system: int | None = None
        self.target_component = 1
        self._mav = new_codec(file=_Writer(self))
        self._transport: Transport | None = None
        self._send_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._inboxes: list[Inbox] = []
        self._callbacks: list[Callable[[float, Message], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._first_heartbeat = threading.Event()
        self._booted = threading.Event()  # a HEARTBEAT whose system_status is past MAV_STATE_BOOT
        self._last_rx_t = 0.0
        self._streams_requested_t: float | None = None
        self._position_seen_since_request = False
        self.tlogs = FlightTlogs(tlog_dir, self.name) if tlog_dir else None
        self.last_error: str | None = None
        if signing_key is not None:
            self.enable_signing(signing_key)

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, *, wait: bool = True, timeout_s: float | None = None) -> VehicleLink:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"link-{self.name}", daemon=True)
            self._thread.start()
        if wait:
            self.wait_connected(timeout_s)
        return self

    def wait_connected(self, timeout_s: float | None = None) -> None:
        """Wait for the vehicle's first heartbeat, and for it to have booted: ArduPilot answers MAVLink
        while still initialising (HEARTBEAT MAV_STATE_BOOT) and then refuses uploads (MAV_MISSION_NO_SPACE,
        "Only 0 items are supported")."""
        timeout = self.config.connect_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        if not self._first_heartbeat.wait(timeout):
            why = f" ({self.last_error})" if self.last_error else ""
            raise LinkTimeoutError(f"{self.name}: no heartbeat from a vehicle within {timeout:.0f} s{why}")
        if not self._booted.wait(max(0.0, deadline - time.monotonic())):
            raise LinkTimeoutError(
                f"{self.name}: the vehicle was still booting (MAV_STATE_BOOT) after {timeout:.0f} s"
            )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3.0)
        self._close_transport()
        if self.tlogs is not None:
            self.tlogs.close()

    def __enter__(self) -> VehicleLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- reading ------------------------------------------------------------------------------
    def state(self) -> VehicleState:
        with self._state_lock:
            return self.tracker.snapshot(time.time())

    def statustexts_since(self, t_unix_s: float) -> tuple[StatusText, ...]:
        with self._state_lock:
            return self.tracker.statustexts_since(t_unix_s)

    @contextlib.contextmanager
    def listen(self, *types: str) -> Iterator[Inbox]:
        """Queue the vehicle's messages of ``types`` while the block runs (enter before sending)."""
        inbox = Inbox(frozenset(types))
        with self._state_lock:
            self._inboxes.append(inbox)
        try:
            yield inbox
        finally:
            with self._state_lock:
                self._inboxes.remove(inbox)

    def subscribe(self, callback: Callable[[float, Message], None]) -> Callable[[], None]:
        """Call ``callback(t, msg)`` from the I/O thread for every vehicle message; returns an unsubscribe."""
        with self._state_lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._state_lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    # --- sending ------------------------------------------------------------------------------
    def send(self, message: str, *args: Any) -> None:
        """Send ``message`` (lower-case MAVLink name, e.g. ``"command_long"``) with its fields in order."""
        with self._send_lock:
            if self._transport is None:
                raise NotConnectedError(f"{self.name}: not connected ({self.last_error or 'connecting'})")
            getattr(self._mav, f"{message}_send")(*args)

    def target(self) -> tuple[int, int]:
        if self.target_system is None:
            raise NotConnectedError(f"{self.name}: no vehicle heard yet")
        return self.target_system, self.target_component

    def enable_signing(self, key: bytes, link_id: int = 0) -> None:
        """Sign every outgoing message with ``key`` and accept only correctly signed ones."""
        if len(key) != 32:
            raise LinkError("a MAVLink 2 signing key is 32 bytes")
        with self._send_lock:
            s = self._mav.signing
            s.secret_key = key
            s.link_id = link_id
            s.sign_outgoing = True
            s.timestamp = max(s.timestamp, int((time.time() - 1420070400) * 100000))
            s.allow_unsigned_callback = None

    def setup_signing(self, key: bytes) -> None:
        """Send the key to the vehicle with SETUP_SIGNING (over this, trusted, link), then sign everything."""
        system, component = self.target()
        stamp = int((time.time() - 1420070400) * 100000)
        for _ in range(3):  # SETUP_SIGNING has no acknowledgement: send it a few times
            self.send("setup_signing", system, component, list(key), stamp)
            time.sleep(0.05)
        self.enable_signing(key)

    def _write(self, data: bytes) -> None:
        transport = self._transport
        if transport is None:
            raise NotConnectedError(f"{self.name}: not connected")
        transport.write(data)
        if self.tlogs is not None:
            self.tlogs.write(time.time(), data)

    # --- the I/O thread -----------------------------------------------------------------------
    def _close_transport(self) -> None:
        with self._send_lock:
            if self._transport is not None:
                self._transport.close()
                self._transport = None
        with self._state_lock:
            self.tracker.connected = False

    def _connect(self) -> bool:
        try:
            transport = open_transport(self.endpoint, self.config.connect_timeout_s)
        except NotConnectedError as exc:
            self.last_error = str(exc)
            return False
        with self._send_lock:
            self._transport = transport
        self._last_rx_t = time.monotonic()
        self._streams_requested_t = None
        return True

    def _run(self) -> None:
        backoff = 0
        next_heartbeat = 0.0
        while not self._stop.is_set():
            if self._transport is None:
                if not self._connect():
                    delay = self.config.reconnect_backoff_s[
                        min(backoff, len(self.config.reconnect_backoff_s) - 1)
                    ]
                    backoff += 1
                    self._stop.wait(delay)
                    continue
                backoff = 0
                if self.tracker.last_heartbeat_t is not None:
                    with self._state_lock:
                        self.tracker.reconnects += 1
            now = time.monotonic()
            try:
                if now >= next_heartbeat:
                    self.send(
                        "heartbeat",
                        mavlink.MAV_TYPE_GCS,
                        mavlink.MAV_AUTOPILOT_INVALID,
                        0,
                        0,
                        mavlink.MAV_STATE_ACTIVE,
                    )
                    next_heartbeat = now + 1.0 / self.config.heartbeat_hz
                data = self._transport.read(0.05)
            except NotConnectedError as exc:
                self.last_error = str(exc)
                self._close_transport()
                continue
            if data:
                self._last_rx_t = time.monotonic()
                self._handle_bytes(data)
            self._maybe_request_streams()
            silent = time.monotonic() - self._last_rx_t
            if silent > self.config.stale_after_s:
                with self._state_lock:
                    self.tracker.connected = False
            if self.endpoint.reconnectable and silent > self.config.reconnect_after_s:
                self.last_error = f"no data for {silent:.0f} s"
                self._close_transport()

    def _handle_bytes(self, data: bytes) -> None:
        try:
            messages = self._mav.parse_buffer(data) or []
        except mavlink.MAVError:
            return
        t = time.time()
        for msg in messages:
            if msg.get_type() == "BAD_DATA":
                continue
            if self.tlogs is not None:
                self.tlogs.write(t, msg.get_msgbuf())
            self._dispatch(t, msg)

    def _dispatch(self, t: float, msg: Message) -> None:
        kind = msg.get_type()
        if (
            kind == "HEARTBEAT"
            and self.target_system is None
            and msg.autopilot != mavlink.MAV_AUTOPILOT_INVALID
        ):
            self.target_system, self.target_component = msg.get_srcSystem(), msg.get_srcComponent()
        if self.target_system is None or msg.get_srcSystem() != self.target_system:
            return
        with self._state_lock:
            self.tracker.feed(t, msg)
            if kind == "HEARTBEAT":
                self.tracker.connected = True
            inboxes = [i for i in self._inboxes if kind in i.types]
            callbacks = list(self._callbacks)
        self.history.feed(t, msg)
        if self.tlogs is not None and kind == "HEARTBEAT":
            self.tlogs.observe_armed(t, bool(msg.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED))
        if kind == "GLOBAL_POSITION_INT":
            self._position_seen_since_request = True
        if kind == "HEARTBEAT" and not self._first_heartbeat.is_set():
            self._first_heartbeat.set()
        if kind == "HEARTBEAT" and msg.system_status != mavlink.MAV_STATE_BOOT:
            self._booted.set()
        for inbox in inboxes:
            inbox.put(t, msg)
        for callback in callbacks:
            callback(t, msg)

    def _maybe_request_streams(self) -> None:
        if self.target_system is None or not self.tracker.connected:
            return
        now = time.monotonic()
        if self._streams_requested_t is not None and (
            self._position_seen_since_request or now - self._streams_requested_t < 3.0
        ):
            return
        self._streams_requested_t = now
        self._position_seen_since_request = False
        with contextlib.suppress(NotConnectedError):
            self.request_streams()

    def request_streams(self) -> None:
        """Ask for telemetry at the configured rates (ArduPilot sends nothing but HEARTBEAT until asked)."""
        system, component = self.target()
        r = self.config.streams
        groups = (
            (mavlink.MAV_DATA_STREAM_POSITION, r.position_hz),
            (mavlink.MAV_DATA_STREAM_EXTRA1, r.attitude_hz),
            (mavlink.MAV_DATA_STREAM_EXTRA2, r.vfr_hud_hz),
            (mavlink.MAV_DATA_STREAM_EXTENDED_STATUS, r.status_hz),
            (mavlink.MAV_DATA_STREAM_EXTRA3, r.extra3_hz),
        )
        for stream, hz in groups:
            self.send("request_data_stream", system, component, stream, max(1, round(hz)), 1)
        intervals = (
            (mavlink.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, r.position_hz),
            (mavlink.MAVLINK_MSG_ID_ATTITUDE, r.attitude_hz),
            (mavlink.MAVLINK_MSG_ID_GIMBAL_DEVICE_ATTITUDE_STATUS, r.gimbal_hz),
            (mavlink.MAVLINK_MSG_ID_MOUNT_STATUS, r.gimbal_hz),
            (mavlink.MAVLINK_MSG_ID_HOME_POSITION, r.home_hz),
            (mavlink.MAVLINK_MSG_ID_EKF_STATUS_REPORT, r.extra3_hz),
        )
        for msg_id, hz in intervals:
            self.send(
                "command_long",
                system,
                component,
                mavlink.MAV_CMD_SET_MESSAGE_INTERVAL,
                0,
                msg_id,
                1e6 / hz,
                0,
                0,
                0,
                0,
                0,
            )
