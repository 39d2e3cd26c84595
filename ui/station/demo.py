"""The demo's embedded default: simulated drones with cameras over the sample border, detection on.

Environment (all optional): ``BORDERWATCH_SIM_BASE_PORT`` (5760), ``BORDERWATCH_SIM_VIDEO_BASE_PORT``
(5600), ``BORDERWATCH_SIM_SPEEDUP`` (1), ``BORDERWATCH_SIM_EKF_DELAY_S`` (the simulator's default).
"""

from __future__ import annotations

import os

from ui.station.station import Station, VehicleEntry


def start_demo(station: Station, *, drones: int = 3) -> list[VehicleEntry]:
    """Start ``drones`` simulated drones (video on, the sample world's crossers) and follow them."""
    env = os.environ
    extra: list[str] = ["--video-base-port", env.get("BORDERWATCH_SIM_VIDEO_BASE_PORT", "5600")]
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
