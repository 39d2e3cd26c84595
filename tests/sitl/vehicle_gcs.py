"""A ground station for the vehicle tests, written directly on pymavlink's MAVLink 2 codec over a
socket (no mavutil globals, nothing from telemetry/): the tests' independent view of a vehicle."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pymavlink.dialects.v20 import ardupilotmega as mavlink

GCS_SYSID = 255
GCS_COMPID = 190
MODES = {"STABILIZE": 0, "ALT_HOLD": 2, "AUTO": 3, "GUIDED": 4, "LOITER": 5, "RTL": 6, "LAND": 9, "BRAKE": 17}


@dataclass(frozen=True, kw_only=True)
class Item:
    """A mission item to upload (MISSION_ITEM_INT fields; lat/lon in degrees)."""

    command: int
    frame: int = 6
    params: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    lat_deg: float = 0.0
    lon_deg: float = 0.0
    alt_m: float = 0.0


class Gcs:
    """One TCP link to a vehicle; sends GCS heartbeats from a thread (``heartbeat_hz``, 0 = none)."""

    def __init__(
        self,
        port: int,
        *,
        key: bytes | None = None,
        heartbeat_hz: float = 20.0,
        sysid: int = GCS_SYSID,
        timeout_s: float = 10.0,
    ) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._lock = threading.Lock()
        self.mav = mavlink.MAVLink(self, srcSystem=sysid, srcComponent=GCS_COMPID)
        self.mav.robust_parsing = True
        if key is not None:
            self.mav.signing.secret_key = key
            self.mav.signing.sign_outgoing = True
            self.mav.signing.link_id = 1
            self.mav.signing.timestamp = int((time.time() - 1420070400) * 100_000)
        self._pending: list[mavlink.MAVLink_message] = []
        self.received: list[mavlink.MAVLink_message] = []  # everything, for later assertions
        self._stop = threading.Event()
        self.heartbeats_on = threading.Event()
        self._hb: threading.Thread | None = None
        if heartbeat_hz > 0:
            self.heartbeats_on.set()
            self._hb = threading.Thread(target=self._beat, args=(1.0 / heartbeat_hz,), daemon=True)
            self._hb.start()

    # file-like for the codec
    def write(self, buf: bytes) -> None:
        self.sock.sendall(buf)

    def send(self, name: str, *args: object) -> None:
        with self._lock:
            getattr(self.mav, f"{name}_send")(*args)

    def _beat(self, period_s: float) -> None:
        while not self._stop.wait(period_s):
            if self.heartbeats_on.is_set():
                with contextlib.suppress(OSError):
                    self.send("heartbeat", mavlink.MAV_TYPE_GCS, mavlink.MAV_AUTOPILOT_INVALID, 0, 0, 0)

    def close(self) -> None:
        self._stop.set()
        if self._hb is not None:
            self._hb.join(2.0)
        self.sock.close()

    def __enter__(self) -> Gcs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- receiving ---------------------------------------------------------------------------
    def _fill(self, timeout_s: float) -> None:
        self.sock.settimeout(max(0.001, timeout_s))
        try:
            data = self.sock.recv(65536)
        except (TimeoutError, BlockingIOError):
            return
        if not data:
            raise ConnectionError("the vehicle closed the link")
        with self._lock:
            msgs = self.mav.parse_buffer(data) or []
        for m in msgs:
            if not isinstance(m, mavlink.MAVLink_bad_data):
                self._pending.append(m)
                self.received.append(m)

    def recv(
        self,
        types: str | Sequence[str],
        *,
        timeout_s: float = 10.0,
        cond: Callable[[mavlink.MAVLink_message], bool] | None = None,
    ) -> mavlink.MAVLink_message:
        """The next message of ``types`` (that satisfies ``cond``); raises TimeoutError."""
        wanted = {types} if isinstance(types, str) else set(types)
        deadline = time.monotonic() + timeout_s
        while True:
            while self._pending:
                m = self._pending.pop(0)
                if m.get_type() in wanted and (cond is None or cond(m)):
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {sorted(wanted)} within {timeout_s} s")
            self._fill(min(left, 0.2))

    def drain(self, seconds: float) -> list[mavlink.MAVLink_message]:
        """Everything received during ``seconds``."""
        out, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._fill(min(0.05, max(0.001, deadline - time.monotonic())))
            out += self._pending
            self._pending = []
        return out

    def wait_for(
        self, what: str, check: Callable[[], bool], *, timeout_s: float, types: Sequence[str]
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while not check():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not within {timeout_s} s")
            with contextlib.suppress(TimeoutError):
                self.recv(types, timeout_s=0.2)

    # --- commands ----------------------------------------------------------------------------
    def command(self, command: int, *params: float, timeout_s: float = 5.0) -> int:
        p = list(params) + [0.0] * (7 - len(params))
        self.send("command_long", 1, 1, command, 0, *p)
        ack = self.recv("COMMAND_ACK", timeout_s=timeout_s, cond=lambda m: m.command == command)
        return ack.result

    def command_int(
        self, command: int, params: Sequence[float], lat_deg: float, lon_deg: float, alt_m: float,
        *, frame: int = mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, timeout_s: float = 5.0,
    ) -> int:  # fmt: skip
        """COMMAND_INT with a position (``params`` are param1..4); the COMMAND_ACK result."""
        self.send("command_int", 1, 1, frame, command, 0, 0, *params,
                  round(lat_deg * 1e7), round(lon_deg * 1e7), alt_m)  # fmt: skip
        ack = self.recv("COMMAND_ACK", timeout_s=timeout_s, cond=lambda m: m.command == command)
        return ack.result

    def heartbeat(self, timeout_s: float = 10.0) -> mavlink.MAVLink_message:
        """The vehicle's first heartbeat once it has booted.

        ArduPilot answers MAVLink while it is still initialising (HEARTBEAT system_status
        MAV_STATE_BOOT) and refuses a mission upload then ("Only 0 items are supported").
        """
        return self.recv(
            "HEARTBEAT",
            timeout_s=timeout_s,
            cond=lambda m: m.get_srcSystem() == 1 and m.system_status != mavlink.MAV_STATE_BOOT,
        )

    def set_mode(self, mode: str) -> int:
        return self.command(mavlink.MAV_CMD_DO_SET_MODE, 1, MODES[mode])

    def wait_mode(self, mode: str, *, timeout_s: float) -> None:
        self.recv("HEARTBEAT", timeout_s=timeout_s, cond=lambda m: m.custom_mode == MODES[mode])

    def wait_armed(self, armed: bool, *, timeout_s: float) -> None:
        def is_armed(m):
            return bool(m.base_mode & mavlink.MAV_MODE_FLAG_SAFETY_ARMED) == armed

        self.recv("HEARTBEAT", timeout_s=timeout_s, cond=is_armed)

    def request_streams(self, rate_hz: int = 10) -> None:
        self.send("request_data_stream", 1, 1, mavlink.MAV_DATA_STREAM_ALL, rate_hz, 1)

    def wait_ekf(self, *, timeout_s: float) -> None:
        self.recv("EKF_STATUS_REPORT", timeout_s=timeout_s, cond=lambda m: (m.flags & 0x33F) == 0x33F)

    def set_param(self, name: str, value: float, timeout_s: float = 5.0) -> float:
        self.send("param_set", 1, 1, name.encode(), float(value), mavlink.MAV_PARAM_TYPE_REAL32)
        return self.recv("PARAM_VALUE", timeout_s=timeout_s, cond=lambda m: m.param_id == name).param_value

    def arm_when_ready(self, *, timeout_s: float) -> list[int]:
        """Arm, retrying every 0.1 s until accepted; the results of the refused attempts."""
        refused: list[int] = []
        deadline = time.monotonic() + timeout_s
        while (
            result := self.command(mavlink.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        ) != mavlink.MAV_RESULT_ACCEPTED:
            refused.append(result)
            if time.monotonic() > deadline:
                raise TimeoutError(f"vehicle not armable within {timeout_s} s")
            time.sleep(0.1)
        return refused

    def texts(self, prefix: str = "") -> list[str]:
        """Every STATUSTEXT received so far that starts with ``prefix``."""
        return [m.text for m in self.received if m.get_type() == "STATUSTEXT" and m.text.startswith(prefix)]

    def takeoff(self, alt_m: float, *, timeout_s: float) -> None:
        assert self.set_mode("GUIDED") == 0
        self.arm_when_ready(timeout_s=timeout_s)
        assert self.command(mavlink.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 0, 0, 0, alt_m) == 0
        self.recv(
            "GLOBAL_POSITION_INT", timeout_s=timeout_s, cond=lambda m: m.relative_alt >= (alt_m - 0.5) * 1000
        )

    # --- mission protocol --------------------------------------------------------------------
    def upload(
        self, items: Sequence[Item], mission_type: int = 0, *, timeout_s: float = 10.0
    ) -> tuple[int, set[str]]:
        """Upload ``items`` (seq 0 first); returns the final MISSION_ACK type and the request kinds seen."""
        self.send("mission_count", 1, 1, len(items), mission_type)
        kinds: set[str] = set()
        while True:
            m = self.recv(("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"), timeout_s=timeout_s)
            if m.get_type() == "MISSION_ACK":
                return m.type, kinds
            kinds.add(m.get_type())
            it = items[m.seq]
            self.send(
                "mission_item_int", 1, 1, m.seq, it.frame, it.command, 0, 1, *it.params,
                round(it.lat_deg * 1e7), round(it.lon_deg * 1e7), it.alt_m, mission_type,
            )  # fmt: skip

    def request_item(self, seq: int, mission_type: int = 0, *, timeout_s: float = 5.0):
        """MISSION_REQUEST_INT for one item: the MISSION_ITEM_INT, or the MISSION_ACK refusing it."""
        self.send("mission_request_int", 1, 1, seq, mission_type)
        return self.recv(
            ("MISSION_ITEM_INT", "MISSION_ACK"),
            timeout_s=timeout_s,
            cond=lambda m: m.get_type() == "MISSION_ACK" or m.seq == seq,
        )

    def download(self, mission_type: int = 0, *, as_int: bool = True, timeout_s: float = 5.0) -> list:
        self.send("mission_request_list", 1, 1, mission_type)
        count = self.recv("MISSION_COUNT", timeout_s=timeout_s).count
        out = []
        for seq in range(count):
            if as_int:
                self.send("mission_request_int", 1, 1, seq, mission_type)
                out.append(
                    self.recv("MISSION_ITEM_INT", timeout_s=timeout_s, cond=lambda m, s=seq: m.seq == s)
                )
            else:
                self.send("mission_request", 1, 1, seq, mission_type)
                out.append(self.recv("MISSION_ITEM", timeout_s=timeout_s, cond=lambda m, s=seq: m.seq == s))
        self.send("mission_ack", 1, 1, 0, mission_type)
        return out
