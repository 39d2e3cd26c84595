"""Start simulated vehicles as a separate process for a test, and always stop them by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ui.station.sim_process import free_base_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SimHandle:
    proc: subprocess.Popen
    urls: list[str]
    base_port: int

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen, timeout_s: float = 5.0) -> None:
    """Terminate a test's process group, then kill it if it does not go."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout_s)


BIN = Path(sys.executable).parent / "borderwatch"


@contextlib.contextmanager
def simulator(
    vehicles: int = 1,
    *,
    speedup: float = 1.0,
    ekf_delay_s: float = 2.0,
    signing_key: str | None = None,
    extra: tuple[str, ...] = (),
    timeout_s: float = 30.0,
) -> Iterator[SimHandle]:
    """``borderwatch sim`` in its own process group on free loopback ports; stopped on exit, always."""
    base = free_base_port(vehicles)
    cmd = [str(BIN), "sim", "--vehicles", str(vehicles), "--base-port", str(base), "--speedup", str(speedup),
           "--ekf-delay-s", str(ekf_delay_s), *extra]  # fmt: skip
    if signing_key:
        cmd += ["--signing-key", signing_key]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT
    )
    try:
        urls: list[str] = []
        deadline = time.monotonic() + timeout_s
        line = ""
        while time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
            if " mavlink " in line:
                urls.append(line.split(" mavlink ")[1].split()[0])
            if line.startswith("ready"):
                break
        if not line.startswith("ready"):
            err = proc.stderr.read() if proc.poll() is not None else ""
            raise RuntimeError(f"simulator did not start: {line!r} {err}")
        yield SimHandle(proc=proc, urls=urls, base_port=base)
    finally:
        stop_process(proc)
