"""Set up N simulated vehicles the way ArduPilot SITL's multi-vehicle runs do: instance i on TCP port
5760 + 10·i, every vehicle sysid 1 unless told otherwise, homes a few metres apart in a line."""

from __future__ import annotations

import math
from dataclasses import replace

from sitl.errors import SimConfigError
from sitl.vehicle.config import BASE_TCP_PORT, PORT_STRIDE, VehicleConfig
from sitl.vehicle.kinematics import offset_deg

HOME_SPACING_M = 10.0
HOME_LINE_BEARING_DEG = 90.0  # sim_vehicle.py --auto-offset-line 90,10
UDP_BASE_PORT = 14550


def fleet_configs(
    count: int,
    *,
    base: VehicleConfig | None = None,
    base_port: int = BASE_TCP_PORT,
    udp: bool = False,
    spacing_m: float = HOME_SPACING_M,
    distinct_sysids: bool = False,
) -> list[VehicleConfig]:
    """Configs for ``count`` vehicles from ``base`` (home, delays, noise ...): ports and homes per instance.

    >>> [c.tcp_port for c in fleet_configs(3)]
    [5760, 5770, 5780]
    """
    if not 1 <= count <= 255:
        raise SimConfigError(f"vehicle count must be 1..255, got {count}")
    if base_port + PORT_STRIDE * (count - 1) + 3 > 65535 or base_port < 1:
        raise SimConfigError(f"ports from {base_port} do not fit {count} vehicles")
    base = base or VehicleConfig()
    out = []
    for i in range(count):
        d = spacing_m * i
        lat, lon = offset_deg(
            base.home_lat_deg,
            base.home_lon_deg,
            d * math.cos(math.radians(HOME_LINE_BEARING_DEG)),
            d * math.sin(math.radians(HOME_LINE_BEARING_DEG)),
        )
        out.append(
            replace(
                base,
                instance=i,
                sysid=(i + 1) if distinct_sysids else base.sysid,
                tcp_port=base_port + PORT_STRIDE * i,
                udp_port=(UDP_BASE_PORT + PORT_STRIDE * i) if udp else None,
                home_lat_deg=lat,
                home_lon_deg=lon,
                seed=base.seed + i,
            )
        )
    return out
