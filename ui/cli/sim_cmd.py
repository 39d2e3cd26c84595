"""``borderwatch sim``: simulated drones (or real ArduPilot SITL) on 127.0.0.1, until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading
from pathlib import Path

from missions.camera import camera_preset
from missions.formats import load_features_file
from missions.samples import sample_border_path
from sitl.ardupilot import ENV_DEFAULTS, ArduPilotConfig, ArduPilotInstance, binary_from_env
from sitl.camera.mavlink_pose import ReconnectingPoseSource
from sitl.camera.streamer import CameraStreamer
from sitl.errors import SimError
from sitl.vehicle import SimServer, VehicleConfig, fleet_configs, parse_signing_key
from sitl.vehicle.config import BASE_TCP_PORT, PORT_STRIDE
from sitl.world.clock import SimClock
from sitl.world.loader import load_world
from ui.cli.output import fail

VIDEO_BASE_PORT = 5600


def _parse_home(text: str | None) -> tuple[float, float, float, float]:
    """``LAT,LON[,ALT[,HDG]]`` or, when absent, the sample border's home."""
    if not text:
        features = load_features_file(sample_border_path())
        if features.home is None:
            raise SimError("the sample border has no home; give --home LAT,LON,ALT")
        return features.home.lat_deg, features.home.lon_deg, features.home.alt_amsl_m, 0.0
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise SimError(f"--home must be LAT,LON[,ALT[,HDG]] in degrees and metres, got {text!r}") from None
    if not 2 <= len(parts) <= 4:
        raise SimError(f"--home must be LAT,LON[,ALT[,HDG]], got {text!r}")
    parts += [0.0] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]


def _parse_wind(text: str | None) -> tuple[float, float]:
    if not text:
        return 0.0, 0.0
    try:
        speed, from_deg = (float(p) for p in text.split(","))
    except ValueError:
        raise SimError(f"--wind must be SPEED_M_S,FROM_DEG, got {text!r}") from None
    return speed, from_deg


def _start_video(args: argparse.Namespace, sources: list) -> list[CameraStreamer]:
    """One simulated camera per vehicle: rendered from its true pose, H.264 to udp://127.0.0.1:video-port+i."""
    world = load_world(args.world)
    clock = SimClock.starting_now(args.speedup)
    camera = camera_preset(args.camera)
    truth_dir = Path(args.ground_truth_dir) if args.ground_truth_dir else None
    if truth_dir is not None:
        truth_dir.mkdir(parents=True, exist_ok=True)
    streamers = []
    try:
        for i, source in enumerate(sources):
            truth = truth_dir / f"vehicle-{i}.jsonl" if truth_dir is not None else None
            streamer = CameraStreamer(
                source,
                camera,
                world,
                args.video_base_port + i,
                fps=args.fps,
                ground_truth_path=truth,
                clock=clock,
                ground_fps=args.ground_fps,
            )
            streamer.start()
            streamers.append(streamer)
    except Exception:
        for streamer in streamers:
            streamer.stop()
        raise
    return streamers


def _wait_for_signal(stop: threading.Event, duration_s: float | None) -> None:
    def _handler(signum: int, frame: object) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _handler)
    stop.wait(duration_s)


def _run_builtin(args: argparse.Namespace, home: tuple[float, float, float, float]) -> int:
    wind_speed, wind_from = _parse_wind(args.wind)
    base = VehicleConfig(
        home_lat_deg=home[0],
        home_lon_deg=home[1],
        home_alt_amsl_m=home[2],
        home_heading_deg=home[3],
        ekf_delay_s=args.ekf_delay_s,
        gps_noise_m=args.gps_noise_m,
        attitude_noise_deg=args.attitude_noise_deg,
        wind_speed_m_s=wind_speed,
        wind_from_deg=wind_from,
        gimbal_pitch_deg=args.gimbal_pitch_deg,
        signing_key=parse_signing_key(args.signing_key) if args.signing_key else None,
        seed=args.seed,
    )
    configs = fleet_configs(args.vehicles, base=base, base_port=args.base_port, udp=args.udp)
    stop = threading.Event()
    server = SimServer(configs, speedup=args.speedup, tick_hz=args.tick_hz)
    server.open()
    streamers: list[CameraStreamer] = []
    try:
        for cfg, vehicle in zip(configs, server.vehicles, strict=True):
            video = _video_url(args, cfg.instance)
            udp = f" udp:127.0.0.1:{cfg.udp_port}" if cfg.udp_port else ""
            print(
                f"vehicle {cfg.instance}: mavlink tcp:127.0.0.1:{cfg.tcp_port}{udp}  video {video}  "
                f"(sysid {vehicle.sysid}, home {cfg.home_lat_deg:.6f},{cfg.home_lon_deg:.6f},{cfg.home_alt_amsl_m:.1f})"
            )
        if args.video:
            streamers = _start_video(args, server.vehicles)
        print(
            f"ready: {len(configs)} simulated vehicle(s), speed-up {args.speedup:g}x; Ctrl-C stops",
            flush=True,
        )
        server.start()
        _wait_for_signal(stop, args.duration_s)
    finally:
        for streamer in streamers:
            streamer.stop()
        server.stop()
        server.close()
    stats = server.stats()
    print(
        f"stopped after {stats.wall_s:.1f} s ({stats.sim_s:.1f} s simulated, real-time factor {stats.real_time_factor:.2f})"
    )
    return 0


def _video_url(args: argparse.Namespace, instance: int) -> str:
    return f"udp://127.0.0.1:{args.video_base_port + instance}" if args.video else "off (--video)"


def _run_ardupilot(args: argparse.Namespace, home: tuple[float, float, float, float], binary: Path) -> int:
    """Real SITL per vehicle; with --video each camera follows its vehicle's pose from SITL's SERIAL1
    (``camera_endpoint``), so the ground station keeps SERIAL0. SITL opens SERIAL1 only once a ground
    station has connected: until then the cameras send "no signal" frames."""
    defaults = args.ardupilot_defaults or os.environ.get(ENV_DEFAULTS) or None
    instances: list[ArduPilotInstance] = []
    sources: list[ReconnectingPoseSource] = []
    streamers: list[CameraStreamer] = []
    stop = threading.Event()
    try:
        for cfg in fleet_configs(args.vehicles, base=VehicleConfig(home_lat_deg=home[0], home_lon_deg=home[1],
                                                                   home_alt_amsl_m=home[2]), base_port=args.base_port):  # fmt: skip
            inst = ArduPilotInstance(
                ArduPilotConfig(
                    binary=binary,
                    instance=cfg.instance,
                    tcp_port=cfg.tcp_port,
                    home_lat_deg=cfg.home_lat_deg,
                    home_lon_deg=cfg.home_lon_deg,
                    home_alt_amsl_m=cfg.home_alt_amsl_m,
                    home_heading_deg=home[3],
                    speedup=args.speedup,
                    defaults=Path(defaults) if defaults else None,
                )
            )
            instances.append(inst.start())
            camera = f"; camera follows {inst.camera_endpoint}" if args.video else ""
            print(
                f"vehicle {cfg.instance}: mavlink {inst.endpoint}  video {_video_url(args, cfg.instance)}  "
                f"(ArduPilot SITL {binary.name}{camera})"
            )
        if args.video:
            for inst in instances:
                source = ReconnectingPoseSource(
                    "127.0.0.1", inst.config.camera_port, default_gimbal_pitch_deg=args.gimbal_pitch_deg
                )
                source.start()
                sources.append(source)
            streamers = _start_video(args, sources)
        print(
            f"ready: {len(instances)} ArduPilot SITL instance(s), speed-up {args.speedup:g}x; Ctrl-C stops",
            flush=True,
        )
        _wait_for_signal(stop, args.duration_s)
    finally:
        for streamer in streamers:
            streamer.stop()
        for source in sources:
            source.stop()
        for inst in instances:
            with contextlib.suppress(SimError):
                inst.stop()
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    try:
        home = _parse_home(args.home)
        binary = Path(args.ardupilot) if args.ardupilot else binary_from_env()
        if binary is not None:
            return _run_ardupilot(args, home, binary)
        return _run_builtin(args, home)
    except SimError as exc:
        return fail(str(exc), as_json=False)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sim", help="run simulated drones (or real ArduPilot SITL) on 127.0.0.1 until interrupted"
    )
    p.add_argument("--vehicles", type=int, default=1, help="how many (ports 5760 + 10·i)")
    p.add_argument("--home", help="LAT,LON[,ALT[,HDG]] (default: the sample border's home)")
    p.add_argument("--speedup", type=float, default=1.0, help="simulated seconds per wall second")
    p.add_argument(
        "--base-port",
        type=int,
        default=BASE_TCP_PORT,
        help=f"TCP port of vehicle 0 (+{PORT_STRIDE} per vehicle)",
    )
    p.add_argument("--udp", action="store_true", help="also listen on UDP 14550 + 10·i")
    p.add_argument("--video", action="store_true", help="stream each camera to udp://127.0.0.1:5600 + i")
    p.add_argument(
        "--world", help="world file for the simulated camera (default: the sample world's crossers)"
    )
    p.add_argument(
        "--video-base-port", type=int, default=VIDEO_BASE_PORT, help="UDP video port of vehicle 0 (+1 each)"
    )
    p.add_argument("--camera", default="zoom", help="camera preset of the simulated cameras (default zoom)")
    p.add_argument("--fps", type=float, default=10.0, help="video frames per second (default 10)")
    p.add_argument(
        "--ground-fps", type=float,
        help="frames per second while a vehicle is on the ground (default: --fps, as a real camera); the "
        "demo uses 1 so parked drones leave a small machine's CPU to the flying one",
    )  # fmt: skip
    p.add_argument("--ground-truth-dir", help="write each camera's per-frame ground truth (JSON Lines) here")
    p.add_argument(
        "--ardupilot", help="run real ArduPilot SITL from this arducopter binary (or BORDERWATCH_ARDUPILOT)"
    )
    p.add_argument("--ardupilot-defaults", help="ArduPilot's copter.parm (or BORDERWATCH_ARDUPILOT_DEFAULTS)")
    p.add_argument("--ekf-delay-s", type=float, default=5.0, help="simulated seconds until the EKF uses GPS")
    p.add_argument("--gps-noise-m", type=float, default=0.0, help="σ of reported GPS position noise")
    p.add_argument("--attitude-noise-deg", type=float, default=0.0, help="σ of reported attitude noise")
    p.add_argument("--wind", help="SPEED_M_S,FROM_DEG")
    p.add_argument("--gimbal-pitch-deg", type=float, default=-90.0, help="camera pitch at boot (-90 nadir)")
    p.add_argument("--signing-key", help="MAVLink 2 signing key, 64 hex digits")
    p.add_argument("--seed", type=int, default=0, help="seed for telemetry noise")
    p.add_argument("--tick-hz", type=float, default=50.0, help="physics and telemetry ticks per wall second")
    p.add_argument("--duration-s", type=float, help="stop after this many wall seconds")
    p.set_defaults(func=cmd_sim)
