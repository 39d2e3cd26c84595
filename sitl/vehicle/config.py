"""How one simulated vehicle is set up: where it starts, how it listens, what it simulates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sitl.errors import SimConfigError

BASE_TCP_PORT = 5760
PORT_STRIDE = 10  # ArduPilot SITL: instance i listens on 5760 + 10·i


def tcp_port_for(instance: int, base_port: int = BASE_TCP_PORT) -> int:
    """ArduPilot SITL's port layout.

    >>> tcp_port_for(2)
    5780
    """
    return base_port + PORT_STRIDE * instance


@dataclass(frozen=True, kw_only=True)
class VehicleConfig:
    """One simulated ArduCopter.

    ``sysid`` is 1 for every vehicle unless set, as with ArduPilot SITL (each vehicle is reached on
    its own port). ``ekf_delay_s`` is the simulated time until the EKF uses GPS (real SITL: ~41 s).
    Noise applies to reported telemetry only; the true pose stays clean. ``signing_key`` (32 bytes)
    turns MAVLink 2 signing on from boot. ``wind_from_deg`` is where the wind blows from.
    """

    instance: int = 0
    sysid: int = 1
    host: str = "127.0.0.1"
    tcp_port: int = BASE_TCP_PORT
    udp_port: int | None = None
    home_lat_deg: float = 31.3333
    home_lon_deg: float = -110.95
    home_alt_amsl_m: float = 1200.0
    home_heading_deg: float = 0.0
    ekf_delay_s: float = 5.0
    gps_noise_m: float = 0.0
    attitude_noise_deg: float = 0.0
    wind_speed_m_s: float = 0.0
    wind_from_deg: float = 0.0
    gimbal_pitch_deg: float = -90.0
    signing_key: bytes | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.sysid <= 255:
            raise SimConfigError(f"sysid must be 1..255, got {self.sysid}")
        for port in (self.tcp_port, self.udp_port):
            if port is not None and not 0 <= port <= 65535:
                raise SimConfigError(f"port {port} is outside 0..65535")
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            raise SimConfigError(f"the simulator listens on loopback only, not {self.host!r}")
        if not (-90.0 <= self.home_lat_deg <= 90.0 and -180.0 <= self.home_lon_deg <= 180.0):
            raise SimConfigError(f"home {self.home_lat_deg}, {self.home_lon_deg} is not a WGS84 position")
        for name in ("ekf_delay_s", "gps_noise_m", "attitude_noise_deg", "wind_speed_m_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise SimConfigError(f"{name} must be a finite number ≥ 0, got {value!r}")
        if not -90.0 <= self.gimbal_pitch_deg <= 30.0:
            raise SimConfigError(f"gimbal pitch must be -90..30°, got {self.gimbal_pitch_deg}")
        if self.signing_key is not None and len(self.signing_key) != 32:
            raise SimConfigError(f"a MAVLink signing key is 32 bytes, got {len(self.signing_key)}")


def parse_signing_key(text: str) -> bytes:
    """A 32-byte key from 64 hex digits.

    >>> len(parse_signing_key("00" * 32))
    32
    """
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise SimConfigError(f"signing key must be 64 hex digits: {exc}") from None
    if len(key) != 32:
        raise SimConfigError(f"signing key must be 64 hex digits (32 bytes), got {len(key)} bytes")
    return key
