"""The launcher for real SITL (sitl.ardupilot) with a stand-in binary: both ports relayed to the host's
loopback, SERIAL1 held until SERIAL0 has a client (as arducopter does), and nothing left after stop()."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sitl.ardupilot import KILL_AFTER_S, ArduPilotConfig, ArduPilotInstance
from sitl.errors import SimPortError
from tests.simproc import free_base_port


def _namespaces_work() -> bool:
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    if shutil.which("unshare") is None:
        return False
    return subprocess.run([*unshare, "true"], capture_output=True, timeout=10).returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces_work(), reason="no network namespaces here (unshare -n)")

# Echoes with its port as a prefix on 5760+10·i and (once 5760 has had a client) 5762+10·i.
FAKE = textwrap.dedent(
    """\
    import os, signal, socket, sys, threading
    with open(os.environ["FAKE_PIDFILE"], "w") as f:
        f.write(str(os.getpid()))
    if os.environ.get("FAKE_IGNORE_TERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    i = int(next(a[2:] for a in sys.argv if a.startswith("-I")))

    def serve(port, first=None):
        srv = socket.create_server(("127.0.0.1", port))
        while True:
            conn, _ = srv.accept()
            if first is not None:
                first.set()
            threading.Thread(target=echo, args=(conn, port), daemon=True).start()

    def echo(conn, port):
        while data := conn.recv(4096):
            conn.sendall(b"%d:" % port + data)

    first = threading.Event()
    threading.Thread(target=serve, args=(5760 + 10 * i, first), daemon=True).start()
    first.wait()
    serve(5762 + 10 * i)
    """
)


def _fake_binary(tmp_path: Path) -> Path:
    path = tmp_path / "arducopter"
    path.write_text(f"#!{sys.executable}\n{FAKE}")
    path.chmod(0o755)
    return path


def _ask(sock: socket.socket, text: bytes) -> bytes:
    sock.sendall(text)
    return sock.recv(4096)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("ignore_term", [False, True])
def test_both_ports_relay_and_stop_leaves_nothing(tmp_path, monkeypatch, ignore_term) -> None:
    monkeypatch.setenv("FAKE_PIDFILE", str(tmp_path / "fake.pid"))
    if ignore_term:
        monkeypatch.setenv("FAKE_IGNORE_TERM", "1")
    base = free_base_port(1)
    inst = ArduPilotInstance(ArduPilotConfig(binary=_fake_binary(tmp_path), instance=2, tcp_port=base))
    assert (inst.endpoint, inst.camera_endpoint) == (f"tcp:127.0.0.1:{base}", f"tcp:127.0.0.1:{base + 2}")
    inst.start()
    try:
        workdir = inst._workdir
        assert workdir is not None and workdir.name.startswith("bw-ardupilot-2-")
        camera = socket.create_connection(("127.0.0.1", base + 2), timeout=5.0)
        camera.sendall(b"early")  # SERIAL1 is not open yet: the relay holds the client
        camera.settimeout(0.5)
        with pytest.raises(TimeoutError):
            camera.recv(4096)
        camera.settimeout(5.0)
        with socket.create_connection(("127.0.0.1", base), timeout=5.0) as gcs:
            assert _ask(gcs, b"hello") == b"5780:hello"  # SERIAL0 of instance 2, inside
            assert camera.recv(4096) == b"5782:early"  # SERIAL1, once SERIAL0 has its client
            assert _ask(camera, b"pose") == b"5782:pose"
        camera.close()
        pid = int((tmp_path / "fake.pid").read_text())
        assert _alive(pid)
    finally:
        t0 = time.monotonic()
        inst.stop()
        took = time.monotonic() - t0
    assert not _alive(pid)
    assert not workdir.exists()
    assert took < (KILL_AFTER_S + 2.0 if ignore_term else 2.0), took
    for port in (base, base + 2):  # the host ports are free again
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_busy_second_port_is_a_clear_error_and_frees_the_first(tmp_path) -> None:
    base = free_base_port(1)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 2))
        squatter.listen(1)
        inst = ArduPilotInstance(ArduPilotConfig(binary=_fake_binary(tmp_path), tcp_port=base))
        with pytest.raises(SimPortError, match=f"127.0.0.1:{base + 2}"):
            inst.start()
    assert inst._workdir is None
    with socket.socket() as s:
        s.bind(("127.0.0.1", base))


def test_the_helper_ends_arducopter_when_it_is_ended(tmp_path, monkeypatch) -> None:
    """SIGTERM to the launcher's process group (what stop() does first) ends both."""
    monkeypatch.setenv("FAKE_PIDFILE", str(tmp_path / "fake.pid"))
    inst = ArduPilotInstance(ArduPilotConfig(binary=_fake_binary(tmp_path), tcp_port=free_base_port(1)))
    inst.start()
    try:
        proc = inst._proc
        assert proc is not None
        deadline = time.monotonic() + 5.0
        while not (tmp_path / "fake.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int((tmp_path / "fake.pid").read_text())
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(5.0) == 0
        assert not _alive(pid)
    finally:
        inst.stop()
