"""Start the simulator (or real ArduPilot SITL) as a separate process on free loopback ports, and
stop it by process group in teardown even when a test fails."""

from __future__ import annotations

import contextlib
import os
import random
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARDUPILOT = os.environ.get("BORDERWATCH_ARDUPILOT", "")
needs_ardupilot = pytest.mark.skipif(
    not ARDUPILOT, reason="BORDERWATCH_ARDUPILOT is not set (path to a real arducopter SITL binary)"
)
HOME = "31.3333,-110.95,1200,0"


@dataclass(frozen=True, kw_only=True)
class Target:
    """A vehicle under test: where it listens and what it is."""

    name: str  # "sim" or "ardupilot"
    port: int
    speedup: float
    ekf_delay_s: float  # simulated seconds until arming is possible (real SITL: ~41)

    @property
    def simulator(self) -> bool:
        return self.name == "sim"

    def wall_s(self, sim_s: float) -> float:
        """Wall seconds for ``sim_s`` simulated seconds, with slack for a busy machine."""
        return 3.0 + 2.0 * sim_s / self.speedup


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_port(vehicles: int) -> int:
    """A base port whose 5760-style layout (base + 10·i) is free for ``vehicles`` vehicles."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - 10 * vehicles, 10)
        if all(_free(base + 10 * i) for i in range(vehicles)):
            return base
    raise RuntimeError("no free loopback ports for the simulator")


class SimProcess:
    """``borderwatch sim`` as a child process in its own process group."""

    def __init__(self, *args: str, vehicles: int, base_port: int, ready_timeout_s: float = 60.0) -> None:
        cmd = [sys.executable, "-m", "ui.cli.main", "sim", "--vehicles", str(vehicles),
               "--base-port", str(base_port), *args]  # fmt: skip
        self.base_port = base_port
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.output: list[str] = []
        try:
            self._wait_ready(ready_timeout_s)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout_s: float) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError(f"simulator exited early: {buf.decode(errors='replace')}")
                buf += chunk
                self.output = buf.decode(errors="replace").splitlines()
                if any(line.startswith("ready:") for line in self.output):
                    return
            elif self.proc.poll() is not None:
                raise RuntimeError(f"simulator exited early: {buf.decode(errors='replace')}")
        raise TimeoutError(f"simulator not ready within {timeout_s} s: {buf.decode(errors='replace')}")

    def port(self, instance: int) -> int:
        return self.base_port + 10 * instance

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@contextlib.contextmanager
def sim_process(*args: str, vehicles: int = 1) -> Iterator[SimProcess]:
    proc = SimProcess(*args, vehicles=vehicles, base_port=free_base_port(vehicles))
    try:
        yield proc
    finally:
        proc.stop()


class VehiclePool:
    """One simulator process with many vehicles; each test takes a fresh one."""

    def __init__(self, proc: SimProcess, count: int, speedup: float, ekf_delay_s: float) -> None:
        self.proc, self.count, self.speedup, self.ekf_delay_s = proc, count, speedup, ekf_delay_s
        self._next = 0

    def take(self) -> Target:
        if self._next >= self.count:
            raise RuntimeError("vehicle pool exhausted: raise POOL_SIZE")
        port = self.proc.port(self._next)
        self._next += 1
        return Target(name="sim", port=port, speedup=self.speedup, ekf_delay_s=self.ekf_delay_s)


@contextlib.contextmanager
def ardupilot_target(speedup: float = 10.0) -> Iterator[Target]:
    with sim_process("--ardupilot", ARDUPILOT, "--speedup", str(speedup), "--home", HOME) as proc:
        yield Target(name="ardupilot", port=proc.port(0), speedup=speedup, ekf_delay_s=45.0)
