"""Hosts N simulated vehicles in one thread: a TCP listener per vehicle on 127.0.0.1 (5760 + 10·i),
optionally a UDP port, and a fixed physics tick.

Each tick advances every vehicle by ``tick_s · speedup`` simulated seconds, whatever the wall clock
did; when the loop falls behind by more than ``MAX_BACKLOG_S`` it drops the backlog, so an overloaded
process runs slower than real time (``stats().real_time_factor`` < 1) rather than jumping.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sitl.errors import SimConfigError, SimPortError
from sitl.vehicle.config import VehicleConfig
from sitl.vehicle.connection import Connection
from sitl.vehicle.vehicle import SimVehicle

MAX_BACKLOG_S = 0.5
MAX_CLIENTS_PER_VEHICLE = 8
RECV_BYTES = 65536


@dataclass(frozen=True, kw_only=True)
class ServerStats:
    """How the loop kept up: ``real_time_factor`` = simulated seconds / (wall seconds · speed-up)."""

    wall_s: float
    sim_s: float
    ticks: int
    late_ticks: int
    real_time_factor: float
    connections: int


class SimServer:
    """``with SimServer(configs, speedup=K) as s: s.run(stop=event)``; or ``start()``/``stop()`` in a thread."""

    def __init__(
        self, configs: Sequence[VehicleConfig], *, speedup: float = 1.0, tick_hz: float = 50.0
    ) -> None:
        if not (speedup > 0 and tick_hz > 0):
            raise SimConfigError(f"speed-up and tick rate must be positive, got {speedup} and {tick_hz}")
        self.speedup = float(speedup)
        self.tick_s = 1.0 / tick_hz
        self.vehicles = [SimVehicle(c) for c in configs]
        self._sel = selectors.DefaultSelector()
        self._listeners: list[socket.socket] = []
        self._conns: dict[socket.socket, tuple[Connection, SimVehicle]] = {}
        self._udp_peers: dict[tuple[socket.socket, tuple[str, int]], Connection] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ticks = 0
        self._late = 0
        self._wall_start = 0.0
        self._sim_s = 0.0
        self._link_ids = 0
        for v in self.vehicles:
            v.params.set("SIM_SPEEDUP", self.speedup)

    # --- sockets -----------------------------------------------------------------------------
    def open(self) -> SimServer:
        """Bind every vehicle's ports (raises ``SimPortError`` and closes what it opened on failure)."""
        try:
            for v in self.vehicles:
                cfg = v.config
                tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._listeners.append(tcp)
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((cfg.host, cfg.tcp_port))
                tcp.listen(8)
                tcp.setblocking(False)
                self._sel.register(tcp, selectors.EVENT_READ, ("listen", v))
                if cfg.udp_port is not None:
                    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    self._listeners.append(udp)
                    udp.bind((cfg.host, cfg.udp_port))
                    udp.setblocking(False)
                    self._sel.register(udp, selectors.EVENT_READ, ("udp", v))
        except OSError as exc:
            self.close()
            raise SimPortError(
                f"cannot listen for a simulated vehicle: {exc} (is another simulator running?)"
            ) from exc
        return self

    def endpoints(self) -> list[str]:
        """``tcp:127.0.0.1:5760`` ... one per vehicle, in instance order."""
        return [f"tcp:{v.config.host}:{v.config.tcp_port}" for v in self.vehicles]

    def close(self) -> None:
        for sock in list(self._conns):
            self._drop(sock)
        for sock in self._listeners:
            with contextlib.suppress(KeyError, ValueError):
                self._sel.unregister(sock)
            sock.close()
        self._listeners.clear()
        self._udp_peers.clear()
        self._sel.close()

    def __enter__(self) -> SimServer:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.close()

    def _accept(self, listener: socket.socket, vehicle: SimVehicle) -> None:
        try:
            sock, peer = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        if sum(1 for c, v in self._conns.values() if v is vehicle) >= MAX_CLIENTS_PER_VEHICLE:
            sock.close()
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._link_ids += 1
        conn = Connection(sock=sock, peer=peer, sysid=vehicle.sysid, link_id=self._link_ids)
        self._conns[sock] = (conn, vehicle)
        self._sel.register(sock, selectors.EVENT_READ, ("conn", vehicle))
        vehicle.attach(conn)

    def _drop(self, sock: socket.socket) -> None:
        conn, vehicle = self._conns.pop(sock)
        conn.closed = True
        vehicle.detach(conn)
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(sock)
        sock.close()

    def _read(self, sock: socket.socket, vehicle: SimVehicle) -> None:
        conn, _ = self._conns[sock]
        try:
            data = sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        for msg in conn.feed(data):
            vehicle.handle(conn, msg)

    def _read_udp(self, sock: socket.socket, vehicle: SimVehicle) -> None:
        for _ in range(64):
            try:
                data, peer = sock.recvfrom(RECV_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            conn = self._udp_peers.get((sock, peer))
            if conn is None:
                self._link_ids += 1
                conn = Connection(
                    sock=sock, peer=peer, sysid=vehicle.sysid, datagram=True, link_id=self._link_ids
                )
                self._udp_peers[(sock, peer)] = conn
                vehicle.attach(conn)
            for msg in conn.feed(data):
                vehicle.handle(conn, msg)

    def _flush(self) -> None:
        for sock, (conn, _) in list(self._conns.items()):
            if conn.out:
                done = conn.flush()
                if conn.closed:
                    self._drop(sock)
                    continue
                events = selectors.EVENT_READ | (0 if done else selectors.EVENT_WRITE)
                self._sel.modify(sock, events, self._sel.get_key(sock).data)

    # --- the loop ----------------------------------------------------------------------------
    def tick(self) -> None:
        """Advance every vehicle by one tick of simulated time and send what is due."""
        dt = self.tick_s * self.speedup
        self._sim_s += dt
        self._ticks += 1
        for v in self.vehicles:
            v.advance(dt)
            v.emit()
        self._flush()

    def run(self, *, stop: threading.Event | None = None, until: Callable[[], bool] | None = None,
            duration_s: float | None = None) -> None:  # fmt: skip
        """Serve until ``stop`` is set, ``until()`` is true, or ``duration_s`` of wall time has passed."""
        stop = stop or self._stop
        self._wall_start = start = time.monotonic()
        next_tick = start + self.tick_s
        while not stop.is_set() and not (until and until()):
            now = time.monotonic()
            if duration_s is not None and now - start >= duration_s:
                break
            for key, mask in self._sel.select(max(0.0, next_tick - now)):
                kind, vehicle = key.data
                if kind == "listen":
                    self._accept(key.fileobj, vehicle)  # type: ignore[arg-type]
                elif kind == "udp":
                    self._read_udp(key.fileobj, vehicle)  # type: ignore[arg-type]
                else:
                    if key.fileobj not in self._conns:
                        continue
                    if mask & selectors.EVENT_READ:
                        self._read(key.fileobj, vehicle)  # type: ignore[arg-type]
                    if key.fileobj in self._conns and mask & selectors.EVENT_WRITE:
                        self._flush()
            now = time.monotonic()
            if now >= next_tick:
                self.tick()
                next_tick += self.tick_s
                if now - next_tick > MAX_BACKLOG_S:
                    self._late += 1
                    next_tick = now + self.tick_s

    def stats(self) -> ServerStats:
        wall = max(1e-9, time.monotonic() - self._wall_start) if self._wall_start else 0.0
        rtf = self._sim_s / (wall * self.speedup) if wall else 0.0
        return ServerStats(
            wall_s=wall,
            sim_s=self._sim_s,
            ticks=self._ticks,
            late_ticks=self._late,
            real_time_factor=rtf,
            connections=len(self._conns) + len(self._udp_peers),
        )

    # --- in a thread (for in-process users such as the simulated camera) ---------------------
    def start(self) -> SimServer:
        """Open the ports (if not yet) and serve in a daemon thread until ``stop()``."""
        if not self._listeners:
            self.open()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, kwargs={"stop": self._stop}, name="sitl-vehicles", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
