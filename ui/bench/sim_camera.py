"""``borderwatch bench sim`` (camera half): render fps, and render + real H.264 encode fps, at 1280×720.

The camera flies the sample world's patrol road at 60 m, 10 m/s, nadir zoom camera, so new terrain
tiles stream in as it would on a patrol. Render fps counts frames rendered back to back on one
thread; render + encode fps pushes every rendered, barcoded frame through imageio-ffmpeg's libx264
(the streamer's settings) to a loopback UDP port that this benchmark drains. Bounded to ~40 s.
"""

from __future__ import annotations

import math
import socket
import statistics
import threading
import time
from typing import Any

from missions.camera import camera_preset
from sitl.camera.barcode import draw_barcode
from sitl.camera.encoder import H264UdpEncoder
from sitl.camera.renderer import Renderer
from sitl.pose import VehiclePose
from sitl.world import load_world

FLIGHT_SPEED_M_S = 10.0
VIDEO_FPS = 30.0  # the flight advances as if frames were taken at this rate
TIME_LIMIT_S = 15.0  # per phase


class _Drain:
    """A loopback UDP receiver that throws the stream away (so ffmpeg sends to a live port)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.bytes += len(self.sock.recv(65536))
            except TimeoutError:
                continue
            except OSError:
                return

    def __enter__(self) -> _Drain:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.sock.close()


def _poses(world, frames: int, start: int = 0):
    line = world.border_line
    for k in range(start, start + frames):
        p = line.interpolate(8000.0 + FLIGHT_SPEED_M_S * k / VIDEO_FPS)
        ahead = line.interpolate(8001.0 + FLIGHT_SPEED_M_S * k / VIDEO_FPS)
        g = world.frame.to_geo(p.x, p.y + 8.0)
        yaw = math.degrees(math.atan2(ahead.x - p.x, ahead.y - p.y)) % 360.0
        yield (
            VehiclePose(
                t_unix_s=time.time(),
                lat_deg=g.lat_deg,
                lon_deg=g.lon_deg,
                alt_amsl_m=world.ground.alt_amsl_m + 60.0,
                alt_rel_m=60.0,
                roll_deg=0.0,
                pitch_deg=0.0,
                yaw_deg=yaw,
                gimbal_pitch_deg=-90.0,
                gimbal_roll_deg=0.0,
                gimbal_yaw_deg=yaw,
            ),
            60.0 + k / VIDEO_FPS,
        )


def run(runs: int | None = None) -> dict[str, Any]:
    """Measure; ``runs`` is the number of frames per phase (default 300, each phase capped at 15 s)."""
    frames = runs or 300
    world = load_world()
    camera = camera_preset("zoom")
    renderer = Renderer(world, camera)
    # Warm up: the first frame builds the tiles under the camera.
    for pose, t in _poses(world, 1):
        renderer.render(pose, t)

    times, started, done = [], time.perf_counter(), 0
    for pose, t in _poses(world, frames, start=1):
        t0 = time.perf_counter()
        renderer.render(pose, t, frame_index=done)
        times.append(time.perf_counter() - t0)
        done += 1
        if time.perf_counter() - started > TIME_LIMIT_S:
            break
    render_elapsed = time.perf_counter() - started
    render_fps = done / render_elapsed

    sent, started = 0, time.perf_counter()
    with _Drain() as drain, H264UdpEncoder(width=1280, height=720, fps=10.0, port=drain.port) as encoder:
        for pose, t in _poses(world, frames, start=1 + frames):
            frame = renderer.render(pose, t, frame_index=sent).image
            draw_barcode(frame, frame_index=sent, t_unix_us=round(time.time() * 1e6))
            encoder.write(frame)
            sent += 1
            if time.perf_counter() - started > TIME_LIMIT_S:
                break
        encode_elapsed = time.perf_counter() - started
        time.sleep(0.3)
        received = drain.bytes
    encode_fps = sent / encode_elapsed
    return {
        "benchmark": "sim_camera",
        "image_size_px": [camera.image_width_px, camera.image_height_px],
        "camera": camera.name,
        "scene": "sample world, patrol road at 60 m, 10 m/s, nadir",
        "render": {
            "frames": done,
            "fps": round(render_fps, 1),
            "ms_median": round(1000 * statistics.median(times), 2),
            "ms_p95": round(1000 * sorted(times)[int(0.95 * (len(times) - 1))], 2),
            "goal_fps": 30.0,
            "meets_goal": render_fps >= 30.0,
            "terrain_tiles_made": renderer.terrain.tiles_made,
        },
        "render_and_encode": {
            "frames": sent,
            "fps": round(encode_fps, 1),
            "encoder": "imageio-ffmpeg libx264 ultrafast zerolatency, MPEG-TS over UDP 127.0.0.1",
            "udp_bytes_received": received,
        },
    }
