"""The simulated ArduCopter: an independent MAVLink peer (physics, autopilot, mission protocol, links).

>>> from sitl.vehicle import SimServer, fleet_configs
>>> server = SimServer(fleet_configs(2), speedup=10)   # then server.start() ... server.stop()
"""

from sitl.vehicle.config import VehicleConfig, parse_signing_key, tcp_port_for
from sitl.vehicle.fleet import fleet_configs
from sitl.vehicle.server import ServerStats, SimServer
from sitl.vehicle.vehicle import SimVehicle

__all__ = [
    "ServerStats",
    "SimServer",
    "SimVehicle",
    "VehicleConfig",
    "fleet_configs",
    "parse_signing_key",
    "tcp_port_for",
]
