"""Byte transports for MAVLink: TCP client, UDP (listen or send), serial. No MAVLink knowledge here.

Connection strings follow MAVProxy/mavutil: ``tcp:HOST:PORT``, ``udp:HOST:PORT`` and ``udpin:HOST:PORT``
(listen there; replies go to whoever last sent), ``udpout:HOST:PORT`` (send there), and
``serial:DEVICE[:BAUD]`` (or a bare ``/dev/...`` path).
"""

from __future__ import annotations

import contextlib
import select
import socket
from dataclasses import dataclass
from typing import Protocol

from telemetry.errors import ConnectionStringError, NotConnectedError

FORMS = "tcp:HOST:PORT, udp:HOST:PORT, udpin:HOST:PORT, udpout:HOST:PORT, serial:DEVICE[:BAUD]"


class Transport(Protocol):
    def read(self, timeout_s: float) -> bytes:
        """Bytes that arrived within ``timeout_s`` (b"" if none); raises ``NotConnectedError`` when closed."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    kind: str  # tcp | udpin | udpout | serial
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = 57600

    @property
    def reconnectable(self) -> bool:
        """TCP and serial links are reopened when they go silent; UDP has nothing to reopen."""
        return self.kind in ("tcp", "serial")


def parse_endpoint(url: str) -> Endpoint:
    """Parse a connection string.

    >>> parse_endpoint("tcp:127.0.0.1:5760")
    Endpoint(kind='tcp', host='127.0.0.1', port=5760, device='', baud=57600)
    >>> parse_endpoint("serial:/dev/ttyUSB0:921600").baud
    921600
    """
    if url.startswith("/dev/") or url.startswith("COM"):
        url = f"serial:{url}"
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == "serial":
        device, baud = rest, 57600
        head, _, tail = rest.rpartition(":")
        if head and tail.isdigit():
            device, baud = head, int(tail)
        if not device:
            raise ConnectionStringError(f"{url!r}: no serial device; use one of {FORMS}")
        return Endpoint(kind="serial", device=device, baud=baud)
    if scheme not in ("tcp", "udp", "udpin", "udpout"):
        raise ConnectionStringError(f"{url!r}: unknown connection type {scheme!r}; use one of {FORMS}")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConnectionStringError(f"{url!r}: expected HOST:PORT after '{scheme}:'; use one of {FORMS}")
    kind = {"udp": "udpin"}.get(scheme, scheme)
    return Endpoint(kind=kind, host=host, port=int(port))


class TcpTransport:
    def __init__(self, endpoint: Endpoint, timeout_s: float) -> None:
        self._sock = socket.create_connection((endpoint.host, endpoint.port), timeout=timeout_s)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.settimeout(timeout_s)

    def read(self, timeout_s: float) -> bytes:
        ready, _, _ = select.select([self._sock], [], [], timeout_s)
        if not ready:
            return b""
        try:
            data = self._sock.recv(65536)
        except OSError as exc:
            raise NotConnectedError(f"TCP link lost: {exc}") from None
        if not data:
            raise NotConnectedError("TCP link closed by the other end")
        return data

    def write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise NotConnectedError(f"TCP link lost: {exc}") from None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()


class UdpTransport:
    """``udpin`` binds and answers the last sender; ``udpout`` sends to the given address."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._peer: tuple[str, int] | None = None
        if endpoint.kind == "udpin":
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind((endpoint.host, endpoint.port))
        else:
            self._peer = (endpoint.host, endpoint.port)
        self._listen = endpoint.kind == "udpin"

    def read(self, timeout_s: float) -> bytes:
        ready, _, _ = select.select([self._sock], [], [], timeout_s)
        if not ready:
            return b""
        try:
            data, addr = self._sock.recvfrom(65536)
        except OSError:
            return b""
        if self._listen:
            self._peer = addr
        return data

    def write(self, data: bytes) -> None:
        if self._peer is None:
            return  # nobody has spoken to us yet
        with contextlib.suppress(OSError):  # UDP: a lost datagram is a lost datagram
            self._sock.sendto(data, self._peer)

    def close(self) -> None:
        self._sock.close()


class SerialTransport:
    def __init__(self, endpoint: Endpoint) -> None:
        import serial  # pyserial; imported here so that network-only users never need it

        try:
            self._port = serial.Serial(endpoint.device, endpoint.baud, timeout=0)
        except (serial.SerialException, OSError) as exc:
            raise NotConnectedError(f"cannot open {endpoint.device}: {exc}") from None

    def read(self, timeout_s: float) -> bytes:
        ready, _, _ = select.select([self._port.fileno()], [], [], timeout_s)
        if not ready:
            return b""
        try:
            return self._port.read(4096)
        except OSError as exc:
            raise NotConnectedError(f"serial link lost: {exc}") from None

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except OSError as exc:
            raise NotConnectedError(f"serial link lost: {exc}") from None

    def close(self) -> None:
        self._port.close()


def open_transport(endpoint: Endpoint, timeout_s: float) -> Transport:
    try:
        if endpoint.kind == "tcp":
            return TcpTransport(endpoint, timeout_s)
        if endpoint.kind in ("udpin", "udpout"):
            return UdpTransport(endpoint)
        return SerialTransport(endpoint)
    except OSError as exc:
        where = endpoint.device or f"{endpoint.host}:{endpoint.port}"
        raise NotConnectedError(f"cannot connect to {endpoint.kind}:{where}: {exc.strerror or exc}") from None
