"""Rendered frames from the simulated camera for detection tests (tests may import sitl)."""

from __future__ import annotations

import contextlib
import functools
import subprocess
import threading
import time
from dataclasses import dataclass

import numpy as np

from detection.values import CameraPose
from missions.camera import PRESETS, CameraSpec
from sitl.camera.barcode import draw_barcode
from sitl.camera.encoder import ffmpeg_command, udp_url
from sitl.camera.renderer import RenderedFrame, Renderer
from sitl.pose import VehiclePose
from sitl.world import World, load_world

ZOOM = PRESETS["zoom"]


@functools.cache
def world() -> World:
    return load_world(None)


@functools.cache
def renderer(camera_name: str = "zoom") -> Renderer:
    return Renderer(world(), PRESETS[camera_name])


def vehicle_pose(
    *,
    t_unix_s: float,
    lat_deg: float,
    lon_deg: float,
    alt_rel_m: float = 60.0,
    yaw_deg: float = 0.0,
    pitch_deg: float = -90.0,
) -> VehiclePose:
    home = world().home
    return VehiclePose(
        t_unix_s=t_unix_s, lat_deg=lat_deg, lon_deg=lon_deg, alt_amsl_m=home.alt_amsl_m + alt_rel_m, alt_rel_m=alt_rel_m,
        roll_deg=0.0, pitch_deg=0.0, yaw_deg=yaw_deg, gimbal_pitch_deg=pitch_deg, gimbal_roll_deg=0.0, gimbal_yaw_deg=yaw_deg,
    )  # fmt: skip


def camera_pose(p: VehiclePose) -> CameraPose:
    """The same pose as detection's value (what a perfect telemetry link would report)."""
    return CameraPose(
        t_unix_s=p.t_unix_s, lat_deg=p.lat_deg, lon_deg=p.lon_deg, alt_amsl_m=p.alt_amsl_m, alt_rel_m=p.alt_rel_m,
        roll_deg=p.roll_deg, pitch_deg=p.pitch_deg, yaw_deg=p.yaw_deg, gimbal_roll_deg=p.gimbal_roll_deg,
        gimbal_pitch_deg=p.gimbal_pitch_deg, gimbal_yaw_deg=p.gimbal_yaw_deg,
    )  # fmt: skip


def above_target(target_id: str, t_sim_s: float, **kw) -> VehiclePose:
    """A pose straight above where a target is at world time ``t_sim_s``."""
    st = next(s for s in world().targets_at(t_sim_s) if s.id == target_id)
    return vehicle_pose(
        t_unix_s=kw.pop("t_unix_s", 1_763_790_000.0), lat_deg=st.lat_deg, lon_deg=st.lon_deg, **kw
    )


def looking_at(
    target_id: str, t_sim_s: float, *, yaw_deg: float, pitch_deg: float, alt_rel_m: float = 60.0, **kw
) -> VehiclePose:
    """A pose whose optical axis meets the ground where a target is at ``t_sim_s``."""
    import math

    import pymap3d

    st = next(s for s in world().targets_at(t_sim_s) if s.id == target_id)
    back = alt_rel_m / math.tan(math.radians(-pitch_deg))
    e, n = -back * math.sin(math.radians(yaw_deg)), -back * math.cos(math.radians(yaw_deg))
    lat, lon, _ = pymap3d.enu2geodetic(e, n, 0.0, st.lat_deg, st.lon_deg, st.alt_amsl_m)
    return vehicle_pose(
        t_unix_s=kw.pop("t_unix_s", 1_763_790_000.0),
        lat_deg=float(lat),
        lon_deg=float(lon),
        alt_rel_m=alt_rel_m,
        yaw_deg=yaw_deg,
        pitch_deg=pitch_deg,
    )


def render(pose: VehiclePose, t_sim_s: float, camera_name: str = "zoom") -> RenderedFrame:
    return renderer(camera_name).render(pose, t_sim_s)


@dataclass
class UdpSender:
    """An ffmpeg process streaming ``frames`` (cycled, each stamped with an increasing barcode) as
    H.264/MPEG-TS to 127.0.0.1:``port`` at ``fps``; ``kill()`` SIGKILLs it, ``start()`` starts a new one."""

    frames: list[np.ndarray]
    port: int
    fps: float = 10.0
    first_index: int = 0

    def __post_init__(self) -> None:
        h, w = self.frames[0].shape[:2]
        self.command = ffmpeg_command(width=w, height=h, fps=self.fps, url=udp_url("127.0.0.1", self.port))
        self.proc: subprocess.Popen | None = None
        self.index = self.first_index
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._stop.clear()
        self._thread = threading.Thread(target=self._feed, args=(self.proc,), daemon=True)
        self._thread.start()

    def _feed(self, proc: subprocess.Popen) -> None:
        period = 1.0 / self.fps
        next_t = time.monotonic()
        while not self._stop.is_set() and proc.poll() is None:
            frame = self.frames[self.index % len(self.frames)].copy()
            draw_barcode(frame, frame_index=self.index, t_unix_us=round(time.time() * 1e6))
            try:
                proc.stdin.write(frame.tobytes())
            except (BrokenPipeError, OSError, ValueError):
                return
            self.index += 1
            next_t += period
            self._stop.wait(max(0.0, next_t - time.monotonic()))

    def kill(self) -> None:
        """SIGKILL ffmpeg (the stream drops dead) and reap it."""
        self._stop.set()
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def camera_spec(name: str = "zoom") -> CameraSpec:
    return PRESETS[name]
