"""Simulated drones started from the console: ``borderwatch sim`` as a child process, stopped with the station."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def _all_free(ports: list[int]) -> bool:
    socks: list[socket.socket] = []
    try:
        for port in ports:
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_base_port(count: int = 1, stride: int = 10, low: int = 20000, high: int = 40000) -> int:
    """A base port whose ``count`` ArduPilot-style ports (base + 10·i .. +3) are all free on loopback."""
    for _ in range(200):
        base = random.randrange(low, high, stride)
        if _all_free([base + stride * i + k for i in range(count) for k in range(4)]):
            return base
    raise RuntimeError("no free loopback ports")


@dataclass(frozen=True, kw_only=True)
class SimVehicle:
    index: int
    mavlink_url: str
    video_url: str | None


class SimProcess:
    def __init__(self, *, vehicles: int, speedup: float = 1.0, video: bool = True, base_port: int = 5760,
                 video_base_port: int = 5600, extra: tuple[str, ...] = (), log_path: Path | None = None) -> None:  # fmt: skip
        exe = Path(sys.executable).parent / "borderwatch"
        cmd = [
            str(exe),
            "sim",
            "--vehicles",
            str(vehicles),
            "--speedup",
            str(speedup),
            "--base-port",
            str(base_port),
            *extra,
        ]
        if video:
            cmd.append("--video")
        self._log = open(log_path, "a") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._log, text=True, start_new_session=True
        )
        self.vehicles: list[SimVehicle] = []
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline and self.proc.poll() is None:
            line = self.proc.stdout.readline()
            if " mavlink " in line:
                url = line.split(" mavlink ")[1].split()[0]
                video_url = None
                if " video udp://" in line:
                    video_url = "udp://" + line.split(" video udp://")[1].split()[0]
                self.vehicles.append(
                    SimVehicle(index=len(self.vehicles), mavlink_url=url, video_url=video_url)
                )
            if line.startswith("ready"):
                break
        if not self.vehicles:
            self.stop()
            raise RuntimeError("the simulator did not start (see the sim log in the data folder)")

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout_s)
        if self._log is not subprocess.DEVNULL:
            self._log.close()
