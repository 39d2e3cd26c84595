"""The demo's embedded default: simulated drones with cameras over the sample border, detection on.

Environment (all optional): ``BORDERWATCH_SIM_BASE_PORT`` (5760), ``BORDERWATCH_SIM_VIDEO_BASE_PORT``
(5600), ``BORDERWATCH_SIM_SPEEDUP`` (1), ``BORDERWATCH_SIM_EKF_DELAY_S`` (the simulator's default),
``BORDERWATCH_SIM_FPS`` (5) and ``BORDERWATCH_SIM_GROUND_FPS`` (1, while a drone is on the ground).
"""

from __future__ import annotations

import os

from ui.station.station import Station, VehicleEntry


def start_demo(station: Station, *, drones: int = 3) -> list[VehicleEntry]:
    """Start ``drones`` simulated drones (video on, the sample world's crossers) and follow them."""
    env = os.environ
    # 5 fps, and 1 fps while parked: three cameras, their encoders, the decoders and the detector all
    # share the machine; the detector takes one to a few frames a second anyway.
    extra: list[str] = [
        "--video-base-port", env.get("BORDERWATCH_SIM_VIDEO_BASE_PORT", "5600"),
        "--fps", env.get("BORDERWATCH_SIM_FPS", "5"),
        "--ground-fps", env.get("BORDERWATCH_SIM_GROUND_FPS", "1"),
    ]  # fmt: skip
    if env.get("BORDERWATCH_SIM_EKF_DELAY_S"):
        extra += ["--ekf-delay-s", env["BORDERWATCH_SIM_EKF_DELAY_S"]]
    return station.start_simulators(
        drones,
        speedup=float(env.get("BORDERWATCH_SIM_SPEEDUP", "1")),
        video=True,
        user="demo",
        base_port=int(env.get("BORDERWATCH_SIM_BASE_PORT", "5760")),
        extra=tuple(extra),
    )
