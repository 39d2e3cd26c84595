"""Run ``borderwatch demo`` (console + simulated drones) for browser tests, on free loopback ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.simproc import free_base_port, stop_process

BIN = Path(sys.executable).parent / "borderwatch"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Console:
    url: str
    data_dir: Path
    proc: subprocess.Popen

    def sim_pids(self) -> list[int]:
        path = self.data_dir / "sim.pids"
        return [int(x) for x in path.read_text().split()] if path.exists() else []


@contextlib.contextmanager
def demo_console(tmp_path: Path, *, drones: int = 1, speedup: float = 1.0, ekf_delay_s: float | None = None,
                 timeout_s: float = 90.0) -> Iterator[Console]:  # fmt: skip
    port = free_port()
    data_dir = tmp_path / "data"
    env = dict(os.environ)
    env.update(
        BORDERWATCH_SIM_BASE_PORT=str(free_base_port(drones)),
        BORDERWATCH_SIM_VIDEO_BASE_PORT=str(free_port()),
        BORDERWATCH_SIM_SPEEDUP=str(speedup),
        BORDERWATCH_OPERATOR="playwright",
        BORDERWATCH_PLAN_DEFAULTS="10,3,2",  # the console's own defaults; the story sets what it needs
    )  # the cameras run at the demo's rates (5 fps, 1 fps parked): the story is what a demo user sees
    if ekf_delay_s is not None:
        env["BORDERWATCH_SIM_EKF_DELAY_S"] = str(ekf_delay_s)
    log = (tmp_path / "console.log").open("w")
    proc = subprocess.Popen(
        [str(BIN), "demo", "--drones", str(drones), "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    console = Console(url=f"http://127.0.0.1:{port}", data_dir=data_dir, proc=proc)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the console exited: {(tmp_path / 'console.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(console.url + "/_stcore/health", timeout=2).status == 200:
                    break
            time.sleep(0.5)
        else:
            raise RuntimeError("the console did not answer")
        yield console
    finally:
        pids = console.sim_pids()
        stop_process(proc, timeout_s=20.0)
        for pid in pids:  # the station stops its simulators; make sure, by PID
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        log.close()
