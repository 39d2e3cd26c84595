"""The drone side of ``borderwatch bench detection``, in its own process (as a real drone would be):
one simulated ArduCopter on ``--tcp-port``, its camera streaming H.264 through a relay that delays every
datagram by ``--latency`` seconds to ``udp://127.0.0.1:--video-port``, ground truth per frame to
``--truth``. World time is ``now - --epoch`` seconds. Prints ``ready`` when listening; SIGTERM stops it.

    python -m ui.bench.detection_sim --tcp-port 5790 --video-port 5610 --epoch 1795300000.0 --truth t.jsonl
"""

from __future__ import annotations

import argparse
import heapq
import signal
import socket
import threading
import time

import numpy as np

from missions.camera import camera_preset
from sitl.camera.streamer import CameraStreamer
from sitl.vehicle import SimServer, VehicleConfig, fleet_configs
from sitl.world import SimClock, World, load_world

BORDER_M = 8198.0  # where person p1 crosses the sample border (world time 90 s)


class UdpDelay:
    """Forwards UDP datagrams arriving on ``in_port`` to ``out_port`` on loopback ``delay_s`` later."""

    def __init__(self, delay_s: float, out_port: int) -> None:
        self.delay_s = delay_s
        self.out_port = out_port
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind(("127.0.0.1", 0))
        self.in_port = self.rx.getsockname()[1]
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="udp-delay", daemon=True)

    def _run(self) -> None:
        pending: list[tuple[float, int, bytes]] = []
        n = 0
        while not self._stop.is_set():
            wait = max(0.0, min(0.01, pending[0][0] - time.monotonic())) if pending else 0.01
            self.rx.settimeout(wait or 0.0005)
            try:
                data = self.rx.recv(65536)
                heapq.heappush(pending, (time.monotonic() + self.delay_s, n, data))
                n += 1
            except (TimeoutError, BlockingIOError):
                pass
            now = time.monotonic()
            while pending and pending[0][0] <= now:
                self.tx.sendto(heapq.heappop(pending)[2], ("127.0.0.1", self.out_port))

    def start(self) -> UdpDelay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.rx.close()
        self.tx.close()


def border_point(world: World, border_m: float, offset_m: float) -> tuple[float, float]:
    """(lat, lon) of the point ``border_m`` along the world's border and ``offset_m`` off it (home side +)."""
    line = world.border_line
    coords = np.asarray(line.coords)
    lengths = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    k = int(np.clip(np.searchsorted(lengths, border_m, side="right") - 1, 0, len(coords) - 2))
    u = (coords[k + 1] - coords[k]) / np.hypot(*(coords[k + 1] - coords[k]))
    base = line.interpolate(border_m)
    d = offset_m * world.home_side_sign
    g = world.frame.to_geo(base.x - u[1] * d, base.y + u[0] * d)
    return g.lat_deg, g.lon_deg


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ui.bench.detection_sim")
    ap.add_argument("--tcp-port", type=int, required=True)
    ap.add_argument("--video-port", type=int, required=True)
    ap.add_argument("--epoch", type=float, required=True, help="Unix time of world time 0")
    ap.add_argument("--truth", required=True)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--gps-noise-m", type=float, default=1.5)
    ap.add_argument("--attitude-noise-deg", type=float, default=0.5)
    ap.add_argument("--fps", type=float, default=10.0)
    args = ap.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    world = load_world(None)
    lat, lon = border_point(world, BORDER_M, 3.0)
    base = VehicleConfig(home_lat_deg=lat, home_lon_deg=lon, home_alt_amsl_m=world.home.alt_amsl_m,
                         home_heading_deg=90.0, gps_noise_m=args.gps_noise_m,
                         attitude_noise_deg=args.attitude_noise_deg, ekf_delay_s=3.0)  # fmt: skip
    server = SimServer(fleet_configs(1, base=base, base_port=args.tcp_port), speedup=1.0)
    server.open()
    relay = UdpDelay(args.latency, args.video_port).start()
    streamer = CameraStreamer(
        server.vehicles[0], camera_preset("zoom"), world, relay.in_port, fps=args.fps, ground_truth_path=args.truth,
        clock=SimClock(epoch_unix_s=args.epoch, speedup=1.0),
    )  # fmt: skip
    try:
        server.start()
        streamer.start()
        print("ready", flush=True)
        stop.wait()
    finally:
        streamer.stop()
        relay.stop()
        server.stop()
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
