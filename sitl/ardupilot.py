"""Real ArduPilot SITL (a user-supplied ``arducopter`` binary) with the simulator's port layout.

``arducopter`` listens on 0.0.0.0:5760+10·i (SERIAL0) and 5762+10·i (SERIAL1, MAVLink too) and has
no option to bind loopback. So each instance runs in a network namespace of its own (``unshare -n``;
``unshare -rn`` without root), where only its own loopback exists, and the host reaches each port
through a Unix socket of its own:

    client ─TCP─► 127.0.0.1:5760+10·i (host relay thread) ─► <workdir>/mavlink.sock (Unix socket)
           ─► in-namespace relay (``python -m sitl.ardupilot``) ─TCP─► 127.0.0.1:5760+10·i ─► arducopter
    camera ─TCP─► 127.0.0.1:5762+10·i ─► <workdir>/serial1.sock ─► … ─TCP─► 127.0.0.1:5762+10·i (SERIAL1)

(host ports are ``tcp_port`` and ``tcp_port + 2``; ``endpoint`` and ``camera_endpoint``). SERIAL0
takes one client at a time: the ground station's. SERIAL1 is for a second MAVLink client, such as
the simulated camera following the vehicle (``sitl.camera.MavlinkPoseSource``). arducopter opens
SERIAL1 only once a client has connected to SERIAL0; until then the in-namespace relay keeps a
SERIAL1 client waiting (up to ``START_TIMEOUT_S``) and then drops it.

A Unix socket lives in the file system, which both namespaces share, so nothing but the host's
127.0.0.1 ports is ever exposed. The in-namespace helper brings ``lo`` up, starts arducopter
(``-w --model + --speedup N --slave 0 --defaults FILE -I i --home LAT,LON,ALT,HDG``) in a scratch
directory, relays, and ends arducopter when it is itself ended. Real SITL starts simulating only
once a client connects, like the built-in simulator.

Stopping: arducopter may ignore SIGTERM (after a client vanished it can spin on a full TCP queue), so
both the helper and ``stop()`` send SIGKILL ``KILL_AFTER_S`` after SIGTERM. arducopter and the helper
share one process group, which ``stop()`` signals as a whole; each also dies with its parent
(PR_SET_PDEATHSIG), so a killed test run leaves no SITL behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sitl.errors import ArduPilotError, SimPortError

ENV_BINARY = "BORDERWATCH_ARDUPILOT"
ENV_DEFAULTS = "BORDERWATCH_ARDUPILOT_DEFAULTS"
BASE_PORT = 5760
CAMERA_PORT_OFFSET = 2  # SERIAL1: 5762 + 10·i inside, tcp_port + 2 on the host
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
KILL_AFTER_S = 3.0  # SIGTERM, then SIGKILL this much later
_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Have the kernel send ``sig`` to this process when its parent dies (Linux; no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def binary_from_env() -> Path | None:
    """The arducopter binary named by BORDERWATCH_ARDUPILOT, if any."""
    value = os.environ.get(ENV_BINARY, "").strip()
    return Path(value) if value else None


@dataclass(frozen=True, kw_only=True)
class ArduPilotConfig:
    """One real SITL instance; ``tcp_port`` is the host port (127.0.0.1) clients connect to."""

    binary: Path
    instance: int = 0
    tcp_port: int = BASE_PORT
    home_lat_deg: float = 31.3333
    home_lon_deg: float = -110.95
    home_alt_amsl_m: float = 1200.0
    home_heading_deg: float = 0.0
    speedup: float = 1.0
    defaults: Path | None = None
    model: str = "+"

    def arducopter_args(self) -> list[str]:
        home = f"{self.home_lat_deg:.7f},{self.home_lon_deg:.7f},{self.home_alt_amsl_m:.2f},{self.home_heading_deg:.0f}"
        args = [
            str(self.binary),
            "-w",
            "--model",
            self.model,
            "--speedup",
            f"{self.speedup:g}",
            "--slave",
            "0",
        ]
        if self.defaults is not None:
            args += ["--defaults", str(self.defaults)]
        return [*args, f"-I{self.instance}", "--home", home]

    @property
    def inner_port(self) -> int:
        return BASE_PORT + 10 * self.instance

    @property
    def camera_port(self) -> int:
        """Host port relayed to SERIAL1 (a second MAVLink client, e.g. the simulated camera)."""
        return self.tcp_port + CAMERA_PORT_OFFSET

    def relays(self) -> list[tuple[int, str, int]]:
        """(host port, Unix socket name in the workdir, port inside the namespace), SERIAL0 first."""
        return [
            (self.tcp_port, "mavlink.sock", self.inner_port),
            (self.camera_port, "serial1.sock", self.inner_port + CAMERA_PORT_OFFSET),
        ]


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def _bridge(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes; closes both."""
    t = threading.Thread(target=_pump, args=(b, a), daemon=True)
    t.start()
    try:
        _pump(a, b)
        t.join(STOP_TIMEOUT_S)
    finally:
        a.close()
        b.close()


def _listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(4)
    except OSError as exc:
        listener.close()
        raise SimPortError(f"cannot listen on 127.0.0.1:{port} for ArduPilot SITL: {exc}") from exc
    return listener


class ArduPilotInstance:
    """Start with ``start()``, stop with ``stop()`` (or use as a context manager)."""

    def __init__(self, config: ArduPilotConfig) -> None:
        self.config = config
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._listeners: list[socket.socket] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def endpoint(self) -> str:
        """SERIAL0, for the ground station (one client at a time)."""
        return f"tcp:127.0.0.1:{self.config.tcp_port}"

    @property
    def camera_endpoint(self) -> str:
        """SERIAL1, for a second MAVLink client such as the simulated camera."""
        return f"tcp:127.0.0.1:{self.config.camera_port}"

    def start(self) -> ArduPilotInstance:
        cfg = self.config
        if not cfg.binary.is_file() or not os.access(cfg.binary, os.X_OK):
            raise ArduPilotError(f"{cfg.binary} is not an executable arducopter binary (set {ENV_BINARY})")
        if cfg.defaults is not None and not cfg.defaults.is_file():
            raise ArduPilotError(f"defaults file {cfg.defaults} does not exist (ArduPilot's copter.parm)")
        if shutil.which("unshare") is None:
            raise ArduPilotError("`unshare` (util-linux) is needed to keep arducopter off the network")
        self._stop.clear()
        try:
            for host_port, _, _ in cfg.relays():
                self._listeners.append(_listen(host_port))
        except SimPortError:
            self.stop()
            raise
        self._workdir = Path(tempfile.mkdtemp(prefix=f"bw-ardupilot-{cfg.instance}-"))
        pairs = [(self._workdir / name, inner) for _, name, inner in cfg.relays()]
        unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
        relay_args = [str(a) for path, inner in pairs for a in (path, inner)]
        cmd = [
            *unshare,
            "--",
            sys.executable,
            "-m",
            "sitl.ardupilot",
            *relay_args,
            "--",
            *cfg.arducopter_args(),
        ]
        log = open(self._workdir / "sitl.log", "wb")  # noqa: SIM115 - closed when the process ends
        try:
            self._proc = subprocess.Popen(
                cmd, cwd=self._workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(path.exists() for path, _ in pairs):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                tail = (self._workdir / "sitl.log").read_text(errors="replace")[-800:]
                self.stop()
                raise ArduPilotError(f"ArduPilot SITL instance {cfg.instance} did not start: {tail}")
            time.sleep(0.05)
        for listener, (path, _) in zip(self._listeners, pairs, strict=True):
            thread = threading.Thread(target=self._serve, args=(listener, path), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _serve(self, listener: socket.socket, sock_path: Path) -> None:
        listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            inner = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                inner.connect(str(sock_path))
            except OSError:
                client.close()
                inner.close()
                continue
            threading.Thread(target=_bridge, args=(client, inner), daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener.close()
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                # the helper itself kills an arducopter that ignores SIGTERM after KILL_AFTER_S
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(KILL_AFTER_S + 1.0)
            # whatever is left of the group (an arducopter outliving its helper): SIGKILL
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(STOP_TIMEOUT_S)
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(STOP_TIMEOUT_S)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> ArduPilotInstance:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _connect_retrying(port: int, stopping: threading.Event) -> socket.socket | None:
    """arducopter opens SERIAL0 a moment after starting, SERIAL1 only once SERIAL0 has a client:
    retry until START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and not stopping.is_set():
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1.0)
        except OSError:
            stopping.wait(0.1)
    return None


def _relay_client(client: socket.socket, port: int, stopping: threading.Event) -> None:
    """One client of one Unix socket: connect it to arducopter's ``port`` (in its own thread, so a
    SERIAL1 client waiting for arducopter does not hold up SERIAL0's) and copy bytes both ways."""
    inner = _connect_retrying(port, stopping)
    if inner is None:
        client.close()
        return
    inner.settimeout(None)
    _bridge(client, inner)


def _inside_namespace(relays: list[tuple[str, int]], argv: list[str]) -> int:
    """Run in the private network namespace: lo up, arducopter, and a relay per (Unix socket, port)."""
    _die_with_parent(signal.SIGTERM)
    if os.getppid() == 1:
        return 1  # the launcher is already gone
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    proc = subprocess.Popen(argv, preexec_fn=_die_with_parent)  # no threads yet: preexec_fn is safe
    stopping = threading.Event()
    servers: list[socket.socket] = []
    wake_r, wake_w = socket.socketpair()

    def _end(*_: object) -> None:
        stopping.set()
        with contextlib.suppress(OSError):
            wake_w.send(b"x")

    signal.signal(signal.SIGTERM, _end)
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(wake_r, selectors.EVENT_READ, None)
            for sock_path, port in relays:  # bound in order: the launcher waits for the last path
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                servers.append(server)
                server.bind(sock_path)
                server.listen(4)
                sel.register(server, selectors.EVENT_READ, port)
            while not stopping.is_set() and proc.poll() is None:
                for key, _ in sel.select(timeout=0.5):
                    if key.data is None:
                        stopping.set()
                        break
                    try:
                        client, _ = key.fileobj.accept()  # type: ignore[union-attr]
                    except OSError:
                        continue
                    threading.Thread(
                        target=_relay_client, args=(client, key.data, stopping), daemon=True
                    ).start()
    finally:
        stopping.set()
        for server in servers:
            server.close()
        wake_r.close()
        wake_w.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(KILL_AFTER_S)
            except subprocess.TimeoutExpired:
                proc.kill()  # spinning on a dead client's TCP queue, deaf to SIGTERM
                proc.wait(STOP_TIMEOUT_S)
    return 0


def _parse_helper_args(args: list[str]) -> tuple[list[tuple[str, int]], list[str]] | None:
    """``SOCKET PORT [SOCKET PORT ...] -- arducopter ARGS...`` → ([(socket, port)], argv)."""
    if "--" not in args:
        return None
    split = args.index("--")
    pairs, argv = args[:split], args[split + 1 :]
    if not pairs or len(pairs) % 2 or not argv:
        return None
    try:
        return [(pairs[k], int(pairs[k + 1])) for k in range(0, len(pairs), 2)], argv
    except ValueError:
        return None


if __name__ == "__main__":
    parsed = _parse_helper_args(sys.argv[1:])
    if parsed is None:
        print("usage: python -m sitl.ardupilot SOCKET PORT [SOCKET PORT ...] -- arducopter ARGS...",
              file=sys.stderr)  # fmt: skip
        sys.exit(2)
    sys.exit(_inside_namespace(*parsed))
