"""The demo's embedded default: simulated drones with cameras over the sample border, detection on."""

from __future__ import annotations

from ui.station.station import Station, VehicleEntry


def start_demo(station: Station, *, drones: int = 3, speedup: float = 1.0) -> list[VehicleEntry]:
    """Start ``drones`` simulated drones (video on, the sample world's crossers) and follow them."""
    return station.start_simulators(drones, speedup=speedup, video=True, user="demo")
