"""Real ArduPilot SITL (a user-supplied ``arducopter`` binary) with the simulator's port layout.

``arducopter`` listens on 0.0.0.0:5760+10·i and has no option to bind loopback. So each instance
runs in a network namespace of its own (``unshare -n``; ``unshare -rn`` without root), where only
its own loopback exists, and the host reaches it through a Unix socket:

    client ─TCP─► 127.0.0.1:5760+10·i (host relay thread) ─► <workdir>/mavlink.sock (Unix socket)
           ─► in-namespace relay (``python -m sitl.ardupilot``) ─TCP─► 127.0.0.1:5760+10·i ─► arducopter

A Unix socket lives in the file system, which both namespaces share, so nothing but the host's
127.0.0.1 port is ever exposed. The in-namespace helper brings ``lo`` up, starts arducopter
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


class ArduPilotInstance:
    """Start with ``start()``, stop with ``stop()`` (or use as a context manager)."""

    def __init__(self, config: ArduPilotConfig) -> None:
        self.config = config
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"tcp:127.0.0.1:{self.config.tcp_port}"

    def start(self) -> ArduPilotInstance:
        cfg = self.config
        if not cfg.binary.is_file() or not os.access(cfg.binary, os.X_OK):
            raise ArduPilotError(f"{cfg.binary} is not an executable arducopter binary (set {ENV_BINARY})")
        if cfg.defaults is not None and not cfg.defaults.is_file():
            raise ArduPilotError(f"defaults file {cfg.defaults} does not exist (ArduPilot's copter.parm)")
        if shutil.which("unshare") is None:
            raise ArduPilotError("`unshare` (util-linux) is needed to keep arducopter off the network")
        try:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", cfg.tcp_port))
            listener.listen(4)
        except OSError as exc:
            listener.close()
            raise SimPortError(
                f"cannot listen on 127.0.0.1:{cfg.tcp_port} for ArduPilot SITL: {exc}"
            ) from exc
        self._listener = listener
        self._workdir = Path(tempfile.mkdtemp(prefix=f"bw-ardupilot-{cfg.instance}-"))
        sock_path = self._workdir / "mavlink.sock"
        unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
        cmd = [*unshare, "--", sys.executable, "-m", "sitl.ardupilot", str(sock_path), str(cfg.inner_port),
               "--", *cfg.arducopter_args()]  # fmt: skip
        log = open(self._workdir / "sitl.log", "wb")  # noqa: SIM115 - closed when the process ends
        try:
            self._proc = subprocess.Popen(
                cmd, cwd=self._workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not sock_path.exists():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                tail = (self._workdir / "sitl.log").read_text(errors="replace")[-800:]
                self.stop()
                raise ArduPilotError(f"ArduPilot SITL instance {cfg.instance} did not start: {tail}")
            time.sleep(0.05)
        self._thread = threading.Thread(target=self._serve, args=(sock_path,), daemon=True)
        self._thread.start()
        return self

    def _serve(self, sock_path: Path) -> None:
        assert self._listener is not None
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
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
        if self._listener is not None:
            self._listener.close()
            self._listener = None
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
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> ArduPilotInstance:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _connect_retrying(port: int) -> socket.socket | None:
    """arducopter opens its port a moment after starting: retry until START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1.0)
        except OSError:
            time.sleep(0.1)
    return None


def _inside_namespace(sock_path: str, port: int, argv: list[str]) -> int:
    """Run in the private network namespace: lo up, arducopter, Unix socket → 127.0.0.1:port relay."""
    _die_with_parent(signal.SIGTERM)
    if os.getppid() == 1:
        return 1  # the launcher is already gone
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    proc = subprocess.Popen(argv, preexec_fn=_die_with_parent)  # no threads yet: preexec_fn is safe
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stopping = threading.Event()

    def _end(*_: object) -> None:
        stopping.set()
        server.close()

    signal.signal(signal.SIGTERM, _end)
    try:
        server.bind(sock_path)
        server.listen(4)
        while not stopping.is_set() and proc.poll() is None:
            try:
                client, _ = server.accept()
            except OSError:
                break
            inner = _connect_retrying(port)
            if inner is None:
                client.close()
                continue
            inner.settimeout(None)
            threading.Thread(target=_bridge, args=(client, inner), daemon=True).start()
    finally:
        server.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(KILL_AFTER_S)
            except subprocess.TimeoutExpired:
                proc.kill()  # spinning on a dead client's TCP queue, deaf to SIGTERM
                proc.wait(STOP_TIMEOUT_S)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print("usage: python -m sitl.ardupilot SOCKET PORT -- arducopter ARGS...", file=sys.stderr)
        sys.exit(2)
    sys.exit(_inside_namespace(sys.argv[1], int(sys.argv[2]), sys.argv[4:]))
