"""A lossy link for tests: client ⇄ proxy (127.0.0.1) ⇄ vehicle, dropping, delaying and duplicating
whole MAVLink frames at configured rates each way, and cutting the link on demand.

Over TCP, dropping bytes would desynchronise the stream, so the proxy cuts the byte stream into
frames (v1: 0xFE, 8 bytes around the payload; v2: 0xFD, 12 bytes, +13 when signed) and decides per
frame. Bytes that are not a frame start are passed on unchanged. A seeded RNG makes runs repeatable.

``cut(mode="blackhole")`` swallows traffic both ways while the sockets stay open; ``cut(mode="close")``
closes the client's connection and refuses new ones. ``restore()`` ends either; ``cut(duration_s=...)``
restores by itself after that time.
"""

from __future__ import annotations

import contextlib
import heapq
import random
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

from sitl.errors import SimConfigError, SimPortError

STX_V1, STX_V2 = 0xFE, 0xFD
SIGNED_FLAG = 0x01


@dataclass(frozen=True, kw_only=True)
class LinkFaults:
    """Fault rates for one direction: probabilities per frame, delay in seconds (uniform jitter)."""

    drop: float = 0.0
    duplicate: float = 0.0
    delay_s: float = 0.0
    jitter_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("drop", "duplicate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise SimConfigError(f"{name} must be a probability 0..1, got {getattr(self, name)}")
        if self.delay_s < 0 or self.jitter_s < 0:
            raise SimConfigError("delays must not be negative")


@dataclass
class DirectionStats:
    frames: int = 0
    dropped: int = 0
    duplicated: int = 0
    blackholed: int = 0


@dataclass
class ProxyStats:
    to_vehicle: DirectionStats = field(default_factory=DirectionStats)
    to_client: DirectionStats = field(default_factory=DirectionStats)


def split_frames(buf: bytearray) -> list[bytes]:
    """Take every complete frame (or run of non-frame bytes) off the front of ``buf``.

    >>> b = bytearray(b"\\xfe\\x00" + bytes(6) + b"\\xfd\\x01")
    >>> [len(f) for f in split_frames(b)], len(b)
    ([8], 2)
    """
    out: list[bytes] = []
    while buf:
        if buf[0] not in (STX_V1, STX_V2):
            i = 1
            while i < len(buf) and buf[i] not in (STX_V1, STX_V2):
                i += 1
            out.append(bytes(buf[:i]))
            del buf[:i]
            continue
        if len(buf) < 3:
            break
        if buf[0] == STX_V1:
            total = buf[1] + 8
        else:
            total = buf[1] + 12 + (13 if buf[2] & SIGNED_FLAG else 0)
        if len(buf) < total:
            break
        out.append(bytes(buf[:total]))
        del buf[:total]
    return out


class _Pair:
    def __init__(self, client: socket.socket, vehicle: socket.socket) -> None:
        self.client, self.vehicle = client, vehicle
        self.bufs = {client: bytearray(), vehicle: bytearray()}


class LossyProxy:
    """``LossyProxy(listen_port, vehicle_port, up=LinkFaults(drop=0.1)).start()`` ... ``.stop()``.

    ``up`` applies to client → vehicle frames, ``down`` to vehicle → client.
    """

    def __init__(
        self,
        *,
        listen_port: int,
        vehicle_port: int,
        up: LinkFaults | None = None,
        down: LinkFaults | None = None,
        seed: int = 0,
    ) -> None:
        self.listen_port = listen_port
        self.vehicle_port = vehicle_port
        self.up = up or LinkFaults()
        self.down = down or LinkFaults()
        self.stats = ProxyStats()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._sel = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._pairs: dict[socket.socket, _Pair] = {}
        self._queue: list[tuple[float, int, socket.socket, bytes]] = []
        self._seq = 0
        self._cut: str | None = None
        self._cut_until: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- control -----------------------------------------------------------------------------
    def start(self) -> LossyProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.listen_port))
            listener.listen(4)
        except OSError as exc:
            listener.close()
            raise SimPortError(f"lossy proxy cannot listen on 127.0.0.1:{self.listen_port}: {exc}") from exc
        listener.setblocking(False)
        self._listener = listener
        self._sel.register(listener, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._run, name="lossy-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        for pair in list(self._pairs.values()):
            self._close(pair)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._sel.close()

    def __enter__(self) -> LossyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def cut(self, *, mode: str = "blackhole", duration_s: float | None = None) -> None:
        """Cut the link (``blackhole`` or ``close``), for ``duration_s`` seconds or until ``restore``."""
        if mode not in ("blackhole", "close"):
            raise SimConfigError(f"cut mode must be 'blackhole' or 'close', got {mode!r}")
        with self._lock:
            self._cut = mode
            self._cut_until = None if duration_s is None else time.monotonic() + duration_s

    def restore(self) -> None:
        with self._lock:
            self._cut = None
            self._cut_until = None

    @property
    def is_cut(self) -> bool:
        return self._cut is not None

    # --- the loop ----------------------------------------------------------------------------
    def _close(self, pair: _Pair) -> None:
        for s in (pair.client, pair.vehicle):
            self._pairs.pop(s, None)
            with contextlib.suppress(KeyError, ValueError):
                self._sel.unregister(s)
            s.close()

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            client, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        if self._cut == "close":
            client.close()
            return
        try:
            vehicle = socket.create_connection(("127.0.0.1", self.vehicle_port), timeout=5.0)
        except OSError:
            client.close()
            return
        pair = _Pair(client, vehicle)
        for s in (client, vehicle):
            s.setblocking(False)
            self._pairs[s] = pair
            self._sel.register(s, selectors.EVENT_READ, None)

    def _forward(self, src: socket.socket) -> None:
        pair = self._pairs.get(src)
        if pair is None:
            return
        try:
            data = src.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(pair)
            return
        upward = src is pair.client
        dst = pair.vehicle if upward else pair.client
        faults = self.up if upward else self.down
        stats = self.stats.to_vehicle if upward else self.stats.to_client
        buf = pair.bufs[src]
        buf += data
        now = time.monotonic()
        for frame in split_frames(buf):
            stats.frames += 1
            if self._cut is not None:
                stats.blackholed += 1
                continue
            if faults.drop and self._rng.random() < faults.drop:
                stats.dropped += 1
                continue
            copies = 2 if faults.duplicate and self._rng.random() < faults.duplicate else 1
            stats.duplicated += copies - 1
            delay = faults.delay_s + (self._rng.uniform(0, faults.jitter_s) if faults.jitter_s else 0.0)
            for _ in range(copies):
                self._seq += 1
                heapq.heappush(self._queue, (now + delay, self._seq, dst, frame))

    def _deliver(self) -> None:
        now = time.monotonic()
        while self._queue and self._queue[0][0] <= now:
            _, _, dst, frame = heapq.heappop(self._queue)
            if dst not in self._pairs:
                continue
            try:
                dst.setblocking(True)
                dst.settimeout(1.0)
                dst.sendall(frame)
            except OSError:
                self._close(self._pairs[dst])
            finally:
                with contextlib.suppress(OSError):
                    dst.setblocking(False)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if self._cut_until is not None and time.monotonic() >= self._cut_until:
                    self._cut, self._cut_until = None, None
                if self._cut == "close":
                    for pair in {id(p): p for p in self._pairs.values()}.values():
                        self._close(pair)
            timeout = 0.05
            if self._queue:
                timeout = max(0.0, min(timeout, self._queue[0][0] - time.monotonic()))
            for key, _ in self._sel.select(timeout):
                if key.fileobj is self._listener:
                    self._accept()
                else:
                    self._forward(key.fileobj)  # type: ignore[arg-type]
            self._deliver()
