"""Video with REAL ArduPilot SITL (BORDERWATCH_ARDUPILOT): `borderwatch sim --ardupilot --video` renders
each camera from the pose the real vehicle reports on its second MAVLink port (SERIAL1), while a ground
station flies it on the first.

One run: start the command on free ports, connect a ground station (heartbeats at 20 Hz, streams
requested), receive the H.264 stream with OpenCV, take off and fly a GUIDED leg; then check that the
barcoded frames arrive with increasing indices and that the camera's ground-truth poses follow the
GLOBAL_POSITION_INT the ground station saw, at the same instants. Everything started is stopped by
process group, and leftovers by PID, even when an assertion fails.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl.camera.barcode import decode_barcode
from tests.simproc import free_base_port
from tests.sitl.camera_helpers import free_udp_port
from tests.sitl.vehicle_gcs import Gcs
from tests.sitl.vehicle_targets import ARDUPILOT, HOME, SimProcess, needs_ardupilot

pytestmark = [pytest.mark.ardupilot, pytest.mark.slow, needs_ardupilot, pytest.mark.timeout(180)]

SPEEDUP = 4.0
FPS = 5.0
ALT_M = 20.0
LEG_NORTH_M, LEG_EAST_M = 250.0, 150.0
M_PER_DEG_LAT = 111_320.0


def wall_s(sim_s: float) -> float:
    """Wall seconds for ``sim_s`` simulated seconds, with slack for a busy 2-core machine."""
    return 10.0 + 2.5 * sim_s / SPEEDUP


class TimedGcs(Gcs):
    """The tests' ground station, also keeping (arrival time, lat, lon) of each GLOBAL_POSITION_INT."""

    def __init__(self, port: int) -> None:
        super().__init__(port, heartbeat_hz=20.0, timeout_s=30.0)
        self.track: list[tuple[float, float, float]] = []
        self.speeds: list[tuple[float, float]] = []

    def _fill(self, timeout_s: float) -> None:
        n = len(self.received)
        super()._fill(timeout_s)
        now = time.time()
        for m in self.received[n:]:
            if m.get_type() == "GLOBAL_POSITION_INT" and m.get_srcSystem() == 1:
                self.track.append((now, m.lat * 1e-7, m.lon * 1e-7))
                self.speeds.append((now, math.hypot(m.vx, m.vy) / 100.0))

    def goto(self, lat_deg: float, lon_deg: float, alt_m: float) -> None:
        """GUIDED position target (SET_POSITION_TARGET_GLOBAL_INT, position only)."""
        mask = 0b110111111000
        self.send("set_position_target_global_int", 0, 1, 1, mavlink.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
                  mask, round(lat_deg * 1e7), round(lon_deg * 1e7), alt_m, 0, 0, 0, 0, 0, 0, 0, 0)  # fmt: skip


@dataclass(frozen=True)
class Stamp:
    index: int
    t_us: int
    arrived_s: float


class VideoReceiver:
    """OpenCV reading udp://127.0.0.1:port in a thread (FIELD-NOTES' low-latency capture options),
    keeping each decoded frame's barcode."""

    def __init__(self, port: int) -> None:
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = (
            "fflags;nobuffer+noparse+nofillin|analyzeduration;2000000"
        )
        url = f"udp://127.0.0.1:{port}?overrun_nonfatal=1&fifo_size=5000000"
        params = [cv2.CAP_PROP_N_THREADS, 1, cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 10000,
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, 2000]  # fmt: skip
        self.cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
        assert self.cap.isOpened(), f"OpenCV could not open {url}"
        self.stamps: list[Stamp] = []
        self.failed_reads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ok, image = self.cap.read()
            if not ok:
                self.failed_reads += 1
                continue
            stamp = decode_barcode(image)
            if stamp is not None:
                self.stamps.append(Stamp(stamp[0], stamp[1], time.time()))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5.0)  # a read returns within its 2 s timeout
        self.cap.release()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> dict[int, str]:
    """PID → command line of every process below ``pid`` (the SITL helpers run in sessions of their own,
    out of reach of the command's process group)."""
    tree, out, todo = _children(), {}, [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            with contextlib.suppress(OSError):
                out[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                todo.append(child)
    return out


def kill_leftovers(pids: dict[int, str]) -> list[str]:
    """SIGKILL those of ``pids`` still running the same command line; what had been left."""
    left = []
    for pid, cmdline in pids.items():
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() == cmdline:
                left.append(cmdline)
                os.kill(pid, signal.SIGKILL)
    return left


@contextlib.contextmanager
def ardupilot_with_video(truth_dir: Path) -> Iterator[tuple[SimProcess, int]]:
    base, video_port = free_base_port(1), free_udp_port()
    proc = SimProcess(
        "--ardupilot", ARDUPILOT, "--speedup", str(SPEEDUP), "--home", HOME, "--video",
        "--video-base-port", str(video_port), "--fps", str(FPS), "--ground-truth-dir", str(truth_dir),
        vehicles=1, base_port=base,
    )  # fmt: skip
    pids: dict[int, str] = {}
    left: list[str] = []
    try:
        pids = descendants(proc.proc.pid)
        yield proc, video_port
    finally:
        pids.update(descendants(proc.proc.pid))
        proc.stop()
        time.sleep(0.2)
        left = kill_leftovers(pids)
    # only when the test body passed (a failure above is the one to report)
    assert not left, f"still running after the command stopped: {left}"
    assert any("arducopter" in c for c in pids.values()), pids
    workdirs = {
        Path(w).parent for c in pids.values() for w in c.split() if w.startswith("/tmp/bw-ardupilot-")
    }
    assert workdirs and not [w for w in workdirs if w.exists()], workdirs


def interpolate(track: list[tuple[float, float, float]], t: float) -> tuple[float, float] | None:
    """(lat, lon) of the ground station's track at wall time ``t`` (None outside it or across a gap)."""
    k = bisect.bisect_left(track, t, key=lambda p: p[0])
    if k == 0 or k == len(track):
        return None
    (t0, la0, lo0), (t1, la1, lo1) = track[k - 1], track[k]
    if t1 - t0 > 0.5:
        return None
    f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
    return la0 + f * (la1 - la0), lo0 + f * (lo1 - lo0)


def metres(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    dn = (lat1 - lat0) * M_PER_DEG_LAT
    de = (lon1 - lon0) * M_PER_DEG_LAT * math.cos(math.radians(lat0))
    return math.hypot(dn, de)


def test_the_camera_follows_a_real_sitl_vehicle(tmp_path: Path) -> None:
    t_start = time.monotonic()
    with ardupilot_with_video(tmp_path) as (proc, video_port):
        out = "\n".join(proc.output)
        assert f"vehicle 0: mavlink tcp:127.0.0.1:{proc.port(0)}  video udp://127.0.0.1:{video_port}" in out
        receiver = VideoReceiver(video_port)
        try:
            with TimedGcs(proc.port(0)) as gcs:
                gcs.heartbeat(timeout_s=30.0)
                gcs.request_streams(10)
                gcs.wait_ekf(timeout_s=wall_s(60))
                gcs.takeoff(ALT_M, timeout_s=wall_s(30))
                home_lat, home_lon = gcs.track[-1][1], gcs.track[-1][2]
                dlat = LEG_NORTH_M / M_PER_DEG_LAT
                dlon = LEG_EAST_M / (M_PER_DEG_LAT * math.cos(math.radians(home_lat)))
                gcs.goto(home_lat + dlat, home_lon + dlon, ALT_M)
                gcs.recv("GLOBAL_POSITION_INT", timeout_s=wall_s(20),
                         cond=lambda m: math.hypot(m.vx, m.vy) > 300)  # fmt: skip
                fly_from = time.time()
                gcs.recv(
                    "GLOBAL_POSITION_INT",
                    timeout_s=wall_s(60),
                    cond=lambda m: metres(home_lat, home_lon, m.lat * 1e-7, m.lon * 1e-7) > 200,
                )
                fly_to = time.time()
                track, speeds = list(gcs.track), list(gcs.speeds)
        finally:
            receiver.close()
        stamps, failed_reads = receiver.stamps, receiver.failed_reads

    truth = [json.loads(line) for line in (tmp_path / "vehicle-0.jsonl").read_text().splitlines()]
    by_index = {t["frame_index"]: t for t in truth}
    # SITL opens SERIAL1 only once the ground station is on SERIAL0: "no signal" frames until then
    assert truth[0]["pose"] is None and [t["frame_index"] for t in truth] == list(range(len(truth)))

    # the video: barcoded frames decode, and their indices go up (a corrupted frame may repeat the
    # previous barcode: skip exact repeats), each one stamped with its ground-truth frame's time
    assert len(stamps) >= 0.5 * FPS * (fly_to - fly_from), (len(stamps), failed_reads)
    distinct = [s for k, s in enumerate(stamps) if k == 0 or s.index != stamps[k - 1].index]
    indices = [s.index for s in distinct]
    assert indices == sorted(set(indices)), indices
    for s in distinct:
        assert abs(s.t_us - round(by_index[s.index]["t_unix_s"] * 1e6)) <= 1
    # frames rendered in flight reach the receiver live (on a 2-core machine shared with SITL, the
    # renderer, ffmpeg and other work, OpenCV may fall behind and skip some: ask for 30%)
    flown = [s for s in distinct if fly_from <= s.t_us * 1e-6 <= fly_to]
    assert len(flown) >= 0.3 * FPS * (fly_to - fly_from), (len(flown), fly_to - fly_from, failed_reads)
    latencies = sorted(s.arrived_s - s.t_us * 1e-6 for s in flown)
    assert latencies[0] >= 0.0 and latencies[-1] < 2.0, latencies  # live, not replayed

    # the camera's pose: the vehicle's GLOBAL_POSITION_INT at the frame's instant, within a few metres
    moving = [t for t in truth if t["pose"] is not None and fly_from <= t["t_unix_s"] <= fly_to]
    assert len(moving) >= 0.5 * FPS * (fly_to - fly_from), (len(moving), fly_to - fly_from)
    errors = []
    for t in moving:
        at = interpolate(track, t["t_unix_s"])
        if at is not None:
            errors.append(metres(at[0], at[1], t["pose"]["lat_deg"], t["pose"]["lon_deg"]))
    assert len(errors) >= 0.8 * len(moving)
    errors.sort()
    first, last = moving[0]["pose"], moving[-1]["pose"]
    assert metres(first["lat_deg"], first["lon_deg"], last["lat_deg"], last["lon_deg"]) > 100.0
    top_speed = max(v for _, v in speeds)
    assert errors[len(errors) // 2] < 2.0, (errors[len(errors) // 2], top_speed)
    assert errors[-1] < 5.0, (errors[-1], top_speed)
    assert all(abs(t["pose"]["alt_rel_m"] - ALT_M) < 3.0 for t in moving)
    assert time.monotonic() - t_start < 150.0
