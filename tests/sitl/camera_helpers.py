"""Builders for the camera, video and dataset tests: poses, one-target worlds, blob finding, free ports."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import socket
import time
from pathlib import Path

import cv2
import numpy as np
import pymap3d

from missions.geo import LocalFrame
from missions.values import GeoPoint, HomePosition
from sitl.camera.geometry import CameraView
from sitl.pose import VehiclePose
from sitl.world import Ground, Lighting, Target, TargetKind, TerrainStyle, Trajectory, World
from sitl.world.looks import random_look

HOME = HomePosition(lat_deg=31.3480, lon_deg=-110.9837, alt_amsl_m=1160.0)
BLUE = (255, 0, 0)


def pose(
    *,
    lat_deg: float = HOME.lat_deg,
    lon_deg: float = HOME.lon_deg,
    alt_rel_m: float = 60.0,
    yaw_deg: float = 0.0,
    pitch_deg: float = -90.0,
    roll_deg: float = 0.0,
    t_unix_s: float = 1_763_790_000.0,
) -> VehiclePose:
    return VehiclePose(
        t_unix_s=t_unix_s,
        lat_deg=lat_deg,
        lon_deg=lon_deg,
        alt_amsl_m=HOME.alt_amsl_m + alt_rel_m,
        alt_rel_m=alt_rel_m,
        roll_deg=0.0,
        pitch_deg=0.0,
        yaw_deg=yaw_deg,
        gimbal_pitch_deg=pitch_deg,
        gimbal_roll_deg=roll_deg,
        gimbal_yaw_deg=yaw_deg,
    )


def blue_look(kind: TargetKind):
    """A look painted pure blue all over (easy to segment from the tan ground), symmetric."""
    look = random_look(np.random.default_rng(5), kind)
    if kind is TargetKind.PERSON:
        return dataclasses.replace(
            look, shirt_bgr=BLUE, pants_bgr=BLUE, skin_bgr=BLUE, head_bgr=BLUE, hat="none", backpack_bgr=None
        )
    return dataclasses.replace(look, body_bgr=BLUE, glass_bgr=BLUE)


def one_target_world(kind: TargetKind, x_m: float, y_m: float, heading_deg: float = 30.0) -> World:
    """Flat ground at home altitude, no border or roads, one blue target standing at (x, y)."""
    target = Target(
        id="t1",
        kind=kind,
        look=blue_look(kind),
        path=Trajectory(t_s=(0.0,), xy_m=((x_m, y_m),), rest_heading_deg=heading_deg),
    )
    return World(
        name="one target",
        frame=LocalFrame(origin=HOME.point),
        home=HOME,
        ground=Ground(alt_amsl_m=HOME.alt_amsl_m),
        terrain=TerrainStyle(seed=3, scrub_density=0.05, rock_density=0.1),
        lighting=Lighting(sun_azimuth_deg=120.0, sun_elevation_deg=50.0),
        targets=(target,),
    )


def ground_point_at_pixel(view: CameraView, u: float, v: float) -> GeoPoint:
    """The WGS84 ground point that pixel (u, v) of ``view`` sees."""
    e, n = view.ground_points(np.array([[u, v]]))[0]
    up = view.slope_e * e + view.slope_n * n
    lat, lon, _ = pymap3d.enu2geodetic(
        e, n, up, view.origin_lat_deg, view.origin_lon_deg, view.origin_alt_amsl_m
    )
    return GeoPoint(lat_deg=float(lat), lon_deg=float(lon))


def blue_blob(image: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float, float]] | None:
    """Centroid (continuous pixel coordinates) and box of the largest pure-blue blob, weighted by how
    blue each pixel is (anti-aliased edges count in part)."""
    b, g, r = (image[..., i].astype(np.float32) for i in range(3))
    blueness = np.clip((b - np.maximum(g, r) - 30.0) / 60.0, 0.0, 1.0)  # dark blue parts count fully
    mask = (blueness > 0.05).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if n < 2:
        return None
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    ys, xs = np.nonzero(labels == k)
    w = blueness[ys, xs]
    centroid = np.array([(xs * w).sum() / w.sum() + 0.5, (ys * w).sum() / w.sum() + 0.5])
    x0, y0 = stats[k, cv2.CC_STAT_LEFT], stats[k, cv2.CC_STAT_TOP]
    box = (
        float(x0),
        float(y0),
        float(x0 + stats[k, cv2.CC_STAT_WIDTH]),
        float(y0 + stats[k, cv2.CC_STAT_HEIGHT]),
    )
    return centroid, box


def free_udp_port(low: int = 56100, high: int = 56999) -> int:
    """A UDP port in ``low..high`` that nothing is bound to right now (away from the demo's 5600–5610)."""
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free UDP port found")


def kill_pids(pids: set[int]) -> None:
    """SIGKILL every ffmpeg in ``pids`` that still runs (teardown of the streams' children). A PID is
    checked to still be an ffmpeg first: a reaped PID may have been reused by someone else."""
    for pid in pids:
        try:
            if b"ffmpeg" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, FileNotFoundError):
            continue
    time.sleep(0.05)
