"""One MAVLink connection of a simulated vehicle: its codec (sequence numbers, MAVLink 2 signing),
the frames waiting to be written, and its own telemetry schedule and parameter queue.

With a signing key, incoming frames that are unsigned or signed with another key are dropped by the
codec (only RADIO_STATUS may come unsigned, as on ArduPilot), and every outgoing frame is signed.
"""

from __future__ import annotations

import collections
import socket
from collections.abc import Callable

from sitl.vehicle.codec import mavlink, new_codec, signing_timestamp_now
from sitl.vehicle.streams import StreamSchedule

MAX_PENDING_BYTES = 1 << 20  # like a full UART: further frames are dropped until it drains
_UNSIGNED_OK = {mavlink.MAVLINK_MSG_ID_RADIO_STATUS}


def _accept_unsigned(mav: mavlink.MAVLink, msgid: int) -> bool:
    return msgid in _UNSIGNED_OK


class Connection:
    """A TCP client (``sock`` is its socket) or a UDP peer (``sock`` is the shared UDP socket)."""

    def __init__(
        self,
        *,
        sock: socket.socket,
        peer: tuple[str, int],
        sysid: int,
        compid: int = 1,
        datagram: bool = False,
        link_id: int = 0,
    ) -> None:
        self.sock = sock
        self.peer = peer
        self.datagram = datagram
        self.out = bytearray()
        self.dropped_frames = 0
        self.sent_frames = 0
        self.closed = False
        self.schedule = StreamSchedule()
        self.param_queue: collections.deque[int] = collections.deque()
        self.mav = new_codec(sysid=sysid, compid=compid, write=self._write)
        self.mav.signing.link_id = link_id & 0xFF
        self.on_close: Callable[[Connection], None] | None = None

    def __repr__(self) -> str:
        kind = "udp" if self.datagram else "tcp"
        return f"Connection({kind} {self.peer[0]}:{self.peer[1]})"

    def set_signing_key(self, key: bytes | None, *, initial_timestamp: int | None = None) -> None:
        """Install (or, with None, remove) the MAVLink 2 signing key on this connection."""
        signing = self.mav.signing
        if key is None:
            signing.secret_key = None
            signing.sign_outgoing = False
            signing.allow_unsigned_callback = None
            return
        signing.secret_key = bytes(key)
        signing.sign_outgoing = True
        signing.allow_unsigned_callback = _accept_unsigned
        signing.timestamp = max(signing.timestamp, initial_timestamp or 0, signing_timestamp_now())

    def _write(self, frame: bytes) -> None:
        if self.closed:
            return
        if self.datagram:
            try:
                self.sock.sendto(frame, self.peer)
                self.sent_frames += 1
            except OSError:
                self.dropped_frames += 1
            return
        if len(self.out) + len(frame) > MAX_PENDING_BYTES:
            self.dropped_frames += 1
            return
        self.out += frame
        self.sent_frames += 1

    def send(self, msg: mavlink.MAVLink_message) -> None:
        self.mav.send(msg)

    def feed(self, data: bytes) -> list[mavlink.MAVLink_message]:
        """Parse received bytes; returns the valid messages (bad CRC or signature are dropped)."""
        msgs = self.mav.parse_buffer(data) or []
        return [m for m in msgs if not isinstance(m, mavlink.MAVLink_bad_data)]

    def flush(self) -> bool:
        """Write what the socket takes now; True when everything was written."""
        if self.datagram or not self.out or self.closed:
            return True
        try:
            n = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            self.closed = True
            return True
        del self.out[:n]
        return not self.out
