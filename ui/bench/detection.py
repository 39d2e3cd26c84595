"""``borderwatch bench detection``: the detection pipeline on a simulated patrol with ground truth.

Everything is real and runs together on this machine: a simulated ArduCopter (telemetry with GPS σ
1.5 m and attitude σ 0.5°) flown over TCP by borderwatch's own link, its simulated camera rendering the
sample world at the vehicle's true pose and streaming H.264 over UDP, a relay that delays the video by
100 ms (the video link), and one detection pipeline (demo model) reading that stream with poses from
the link's history, writing sightings to a fresh SQLite store.

The patrol (~4 min, real time): take off at the border near where person p1 crosses (world time 90 s),
hover at 60 m over the crossing with the image's long side across the border, then fly west along the
patrol road at 3 m/s (overtaking p1, meeting p5 walking east) and back east at 5 m/s past a parked
pickup (bp1). Ground truth is the world model itself (every target's true position at any instant).

Reported: pipeline fps ÷ raw model fps (the same frames, re-detected back to back at the end while the
simulation still runs, so both see the same CPU contention); capture → committed latency beyond the
frame's inference time (p50/p95, from the barcode capture time; with and without the 100 ms link);
geotag error of each sighting against the target's true position at the sighting's time (CEP, CE90,
share inside its reported 95 % ellipse); recall of the targets the camera saw in ≥ 5 frames, of the
scripted crossers among them, and of their crossings; false sightings per flight hour.
"""

from __future__ import annotations

import heapq
import math
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pymap3d

from detection.detector import Detector, DetectorConfig
from detection.geotag import Geotagger
from detection.pipeline import Pipeline, PipelineConfig, SightingCommitted
from detection.pose import PoseUncertainty
from detection.rules import BorderRules
from detection.sightings import SightingConfig
from detection.store import open_store
from detection.uncertainty import inside_ellipse
from detection.values import CameraPose, CrossingEvent, Frame
from detection.video.source import SourceConfig, VideoSource
from missions.camera import camera_preset
from missions.values import BorderLine
from sitl.camera.streamer import CameraStreamer
from sitl.vehicle import SimServer, VehicleConfig, fleet_configs
from sitl.world import SimClock, World, load_world
from telemetry import commands
from telemetry.launch import ready_to_arm
from telemetry.link import VehicleLink
from ui.pose_adapter import LinkPoses

MAV_CMD_DO_CHANGE_SPEED = 178
VIDEO_LATENCY_S = 0.1
WORLD_START_S = 45.0  # world time when the benchmark starts: p1 crosses at 90 s
MATCH_RADIUS_M = 15.0
MIN_VISIBLE_S = 2.0  # a target counts as "seen" when it was in the image this long
POSE_HZ = 5.0


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UdpDelay:
    """Forwards UDP datagrams from ``in_port`` to ``out_port`` on loopback ``delay_s`` later."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind(("127.0.0.1", 0))
        self.rx.settimeout(0.01)
        self.in_port = self.rx.getsockname()[1]
        self.out_port = _free_port(socket.SOCK_DGRAM)
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="udp-delay", daemon=True)

    def _run(self) -> None:
        pending: list[tuple[float, int, bytes]] = []
        n = 0
        while not self._stop.is_set():
            try:
                data = self.rx.recv(65536)
                heapq.heappush(pending, (time.monotonic() + self.delay_s, n, data))
                n += 1
            except TimeoutError:
                pass
            now = time.monotonic()
            while pending and pending[0][0] <= now:
                self.tx.sendto(heapq.heappop(pending)[2], ("127.0.0.1", self.out_port))

    def __enter__(self) -> UdpDelay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
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


def _fly(link: VehicleLink, world: World, clock: SimClock, say) -> None:
    launch_alt = 60.0
    take_off(link, launch_alt, say)
    say("hover", "over p1's crossing until world time 102 s")
    while clock.now_sim_s() < 102.0:
        time.sleep(0.5)
    for border_m, speed, what in (
        (7900.0, 3.0, "west along the road"),
        (8300.0, 5.0, "east past the parked pickup"),
    ):
        lat, lon = border_point(world, border_m, 13.0)
        say("fly", f"{what} to border_m {border_m:g} at {speed:g} m/s")
        commands.goto(link, lat, lon, launch_alt, speed_m_s=speed)
        commands.command_long(link, MAV_CMD_DO_CHANGE_SPEED, (1, speed, -1, 0))
        deadline = time.monotonic() + 400.0 / speed
        while time.monotonic() < deadline:
            s = link.state()
            e, n, _ = pymap3d.geodetic2enu(lat, lon, 0.0, s.lat_deg, s.lon_deg, 0.0)
            if math.hypot(e, n) < 5.0:
                break
            time.sleep(0.5)


def take_off(link: VehicleLink, alt_rel_m: float, say) -> None:
    """Arm and take off in GUIDED (the launch steps without AUTO: this patrol is flown by GUIDED gotos)."""
    say("ready", "waiting for EKF and home")
    commands.wait_state(link, ready_to_arm, 120.0, "ready to arm")
    commands.set_mode(link, "GUIDED")
    commands.arm(link)
    say("takeoff", f"to {alt_rel_m:g} m")
    commands.takeoff(link, alt_rel_m)
    commands.wait_state(link, lambda s: (s.alt_rel_m or 0.0) >= alt_rel_m - 2.0, 90.0, "climb")


def _in_image(camera, pose, lat, lon, alt) -> np.ndarray:
    """Which WGS84 points a true camera pose sees (inside the image, above the barcode strip)."""
    cam = CameraPose(**{k: getattr(pose, k) for k in CameraPose.__dataclass_fields__})
    uv = Geotagger(camera).ground_to_pixel(cam, lat, lon, alt)
    w, h = camera.image_width_px, camera.image_height_px
    return (uv[:, 0] > 10) & (uv[:, 0] < w - 10) & (uv[:, 1] > 10) & (uv[:, 1] < h - 26)


def _visible_seconds(world: World, clock: SimClock, poses: list, camera) -> dict[str, float]:
    """Seconds each target spent inside the image, from the true poses sampled at ``POSE_HZ``."""
    out: dict[str, float] = {}
    for p in poses:
        states = world.targets_at(clock.t_sim_s(p.t_unix_s))
        seen = _in_image(
            camera,
            p,
            [s.lat_deg for s in states],
            [s.lon_deg for s in states],
            [s.alt_amsl_m for s in states],
        )
        for s, ok in zip(states, seen, strict=True):
            if ok:
                out[s.id] = out.get(s.id, 0.0) + 1.0 / POSE_HZ
    return out


def _crossings_in_view(world: World, clock: SimClock, poses: list, camera) -> list[str]:
    """Scripted crossings that happened inside the image (nearest true pose within 0.5 s)."""
    out = []
    times = np.array([p.t_unix_s for p in poses])
    for c in world.crossings():
        t = clock.t_unix_s(c.t_sim_s)
        if not len(times) or np.min(np.abs(times - t)) > 0.5:
            continue
        p = poses[int(np.argmin(np.abs(times - t)))]
        if _in_image(camera, p, [c.lat_deg], [c.lon_deg], [world.home.alt_amsl_m])[0]:
            out.append(c.target_id)
    return out


class _Recorder:
    """Listener: committed sightings with their latencies; and a sample of processed frames."""

    def __init__(self) -> None:
        self.commits: list[SightingCommitted] = []
        self.lock = threading.Lock()

    def __call__(self, c: SightingCommitted) -> None:
        with self.lock:
            self.commits.append(c)


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    arr = np.array(values) * 1000.0
    return {
        "p50": round(float(np.percentile(arr, 50)), 1),
        "p95": round(float(np.percentile(arr, 95)), 1),
        "n": len(values),
    }


def run(runs: int = 1, weights: str = "demo", imgsz: int = 1280) -> dict[str, Any]:
    del runs  # one patrol: it is minutes long already
    world = load_world(None)
    camera = camera_preset("zoom")
    clock = SimClock(epoch_unix_s=time.time() - WORLD_START_S, speedup=1.0)
    home_lat, home_lon = border_point(world, 8198.0, 3.0)
    tcp_port = _free_port(socket.SOCK_STREAM)
    base = VehicleConfig(home_lat_deg=home_lat, home_lon_deg=home_lon, home_alt_amsl_m=world.home.alt_amsl_m,
                         home_heading_deg=90.0, gps_noise_m=1.5, attitude_noise_deg=0.5, ekf_delay_s=3.0)  # fmt: skip
    server = SimServer(fleet_configs(1, base=base, base_port=tcp_port), speedup=1.0)
    border = BorderLine(
        points=tuple(world.frame.to_geo(x, y) for x, y in world.border_xy_m), name="sample border"
    )
    log: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="bw-bench-det-"))
    detector = Detector(DetectorConfig(weights=weights, imgsz=imgsz))
    detector.warmup()
    true_poses: list = []
    processed: list[Frame] = []
    rec = _Recorder()
    t_start = time.time()
    server.open()
    server.start()
    store = open_store(f"sqlite:///{work / 'bench.sqlite'}")
    try:
        with UdpDelay(VIDEO_LATENCY_S) as relay:
            vehicle = server.vehicles[0]
            streamer = CameraStreamer(vehicle, camera, world, relay.in_port, fps=10.0, clock=clock)
            streamer.start()
            link = VehicleLink(f"tcp:127.0.0.1:{tcp_port}", name="bench-0")
            pipeline = None
            try:
                link.start(wait=True, timeout_s=30.0)
                config = PipelineConfig(
                    vehicle="bench-0", camera=camera, detector=detector.config,
                    sightings=SightingConfig(uncertainty=PoseUncertainty(gps_sigma_m=1.5, alt_sigma_m=2.25, attitude_sigma_deg=0.5)),
                    source=SourceConfig(latency_s=VIDEO_LATENCY_S),
                )  # fmt: skip
                pipeline = Pipeline(
                    config=config, poses=LinkPoses(link.history), store=store, detector=detector,
                    source=VideoSource(f"udp://127.0.0.1:{relay.out_port}", name="bench-0", config=config.source),
                    border=BorderRules(border=border, buffer_m=config.buffer_m),
                )  # fmt: skip
                pipeline.add_listener(rec)
                keep = threading.Event()

                def sample() -> None:
                    k = 0
                    while not keep.wait(1.0 / POSE_HZ):
                        p = vehicle.pose()
                        if p is not None:
                            true_poses.append(p)
                        k += 1
                        latest = pipeline.latest()
                        if (
                            k % 10 == 0
                            and latest is not None
                            and (not processed or processed[-1].index != latest[0].index)
                        ):
                            processed.append(latest[0])

                sampler = threading.Thread(target=sample, daemon=True)
                pipeline.start()
                sampler.start()
                t_run0 = time.monotonic()
                frames0 = pipeline.stats().frames_processed
                _fly(
                    link,
                    world,
                    clock,
                    lambda step, text: log.append(f"{time.time() - t_start:6.1f}s {step}: {text}"),
                )
                run_s = time.monotonic() - t_run0
                stats = pipeline.stats()
                pipeline_fps = (stats.frames_processed - frames0) / run_s
                keep.set()
                sampler.join(timeout=5)
                pipeline.stop()
                # Raw model speed on the same frames, while the simulation still renders and streams.
                t0 = time.perf_counter()
                for f in processed:
                    detector.detect(f.image)
                raw_fps = len(processed) / (time.perf_counter() - t0) if processed else math.nan
                source_stats = pipeline.source.stats() if pipeline.source else None
            finally:
                if pipeline is not None:
                    pipeline.stop()
                link.stop()
                streamer.stop()
        flight_s = time.time() - t_start
        sightings = store.sightings()
        events = store.events()
    finally:
        store.close()
        server.stop()
        server.close()
    return _report(world, clock, camera, sightings, events, rec, true_poses, pipeline_fps, raw_fps, stats,
                   source_stats, flight_s, log, detector)  # fmt: skip


def _report(
    world,
    clock,
    camera,
    sightings,
    events,
    rec,
    true_poses,
    pipeline_fps,
    raw_fps,
    stats,
    source_stats,
    flight_s,
    log,
    detector,
) -> dict[str, Any]:
    errors, inside, matched, false = [], [], set(), 0
    detail = []
    for s in sightings:
        states = world.targets_at(clock.t_sim_s(s.position_t_unix_s))
        best, best_d = None, math.inf
        for st in states:
            e, n, _ = pymap3d.geodetic2enu(
                s.lat_deg, s.lon_deg, st.alt_amsl_m, st.lat_deg, st.lon_deg, st.alt_amsl_m
            )
            d = math.hypot(e, n)
            if d < best_d and st.target_class.value == s.class_name:
                best, best_d = st, d
        if best is None or best_d > MATCH_RADIUS_M:
            false += 1
            detail.append(
                {
                    "sighting": s.sighting_id[:8],
                    "class": s.class_name,
                    "matched": None,
                    "frames": s.track_frames,
                }
            )
            continue
        matched.add(best.id)
        e, n, _ = pymap3d.geodetic2enu(
            best.lat_deg, best.lon_deg, best.alt_amsl_m, s.lat_deg, s.lon_deg, best.alt_amsl_m
        )
        errors.append(best_d)
        inside.append(inside_ellipse(np.array([e, n]), s.ellipse))
        detail.append({"sighting": s.sighting_id[:8], "class": s.class_name, "matched": best.id, "error_m": round(best_d, 2),
                       "ellipse_95_m": [round(s.ellipse.semi_major_m, 2), round(s.ellipse.semi_minor_m, 2)],
                       "ce90_m": round(s.ellipse.ce90_m, 2), "frames": s.track_frames, "confidence": round(s.confidence, 2)})  # fmt: skip
    seconds = _visible_seconds(world, clock, true_poses, camera)
    visible = {k for k, v in seconds.items() if v >= MIN_VISIBLE_S}
    crossers = {c.target_id for c in world.crossings()}
    in_view = _crossings_in_view(world, clock, true_poses, camera)
    crossing_events = [e for e in events if isinstance(e, CrossingEvent)]
    new = [c for c in rec.commits if c.kind == "new"]
    beyond = [c.t_committed_unix_s - c.t_capture_unix_s - c.inference_s for c in new]
    beyond_station = [x - VIDEO_LATENCY_S for x in beyond]
    err = np.array(errors) if errors else np.array([math.nan])
    return {
        "scenario": "1 simulated drone, 60 m AGL, zoom camera nadir, sample world p1 crossing + road patrol; GPS σ 1.5 m, "
        "attitude σ 0.5°, video link delayed 100 ms, barcode capture times",
        "weights": detector.weights.name,
        "imgsz": detector.config.imgsz,
        "flight_s": round(flight_s, 1),
        "frames_processed": stats.frames_processed,
        "frames_without_pose": stats.frames_without_pose,
        "pipeline_fps": round(pipeline_fps, 2),
        "raw_model_fps_same_frames": round(raw_fps, 2),
        "fps_ratio": round(pipeline_fps / raw_fps, 3) if raw_fps else None,
        "stage_ms": {k: round(v.mean_ms, 1) for k, v in stats.stages.items()},
        "source": {
            "input_fps": round(source_stats.input_fps, 1),
            "dropped_stale": source_stats.frames_dropped_stale,
            "rejected": source_stats.frames_rejected,
            "stamped": source_stats.frames_stamped,
        }
        if source_stats
        else None,
        "latency_capture_to_commit_beyond_inference_ms": _percentiles(beyond),
        "latency_beyond_inference_without_the_100ms_link_ms": _percentiles(beyond_station),
        "sightings": len(sightings),
        "geotag_error_m": {
            "n": len(errors),
            "cep": round(float(np.median(err)), 2),
            "ce90": round(float(np.percentile(err, 90)), 2),
            "max": round(float(np.max(err)), 2),
            "share_inside_95pct_ellipse": round(float(np.mean(inside)), 3) if inside else None,
        },
        "targets_in_view_s": {k: round(v, 1) for k, v in sorted(seconds.items())},
        "targets_seen": sorted(visible),
        "targets_sighted": sorted(matched),
        "recall_seen_targets": round(len(matched & visible) / len(visible), 3) if visible else None,
        "recall_scripted_crossers": round(len(matched & crossers & visible) / len(crossers & visible), 3)
        if crossers & visible
        else None,
        "crossings_in_view": in_view,
        "crossing_events": [e.direction for e in crossing_events],
        "false_sightings": false,
        "false_sightings_per_flight_hour": round(false / (flight_s / 3600.0), 1),
        "per_sighting": detail,
        "log": log,
    }
