"""dronekit (the dronekit2 package) as an independent client of a simulated vehicle."""

from __future__ import annotations

import pytest

from tests.sitl.vehicle_targets import Target

dronekit = pytest.importorskip("dronekit")


def test_dronekit_connects_and_reads_state(sim_vehicle: Target) -> None:
    vehicle = dronekit.connect(
        f"tcp:127.0.0.1:{sim_vehicle.port}", wait_ready=True, timeout=60, heartbeat_timeout=30
    )
    try:
        assert vehicle.mode.name == "STABILIZE"
        assert vehicle.armed is False
        assert vehicle.parameters["WPNAV_SPEED"] == pytest.approx(1000)
        assert vehicle.parameters["RTL_ALT"] == pytest.approx(1500)
        assert len(vehicle.parameters) >= 50
        vehicle.wait_for(lambda: vehicle.location.global_frame.lat is not None, timeout=20)
        assert vehicle.location.global_frame.lat == pytest.approx(31.3333, abs=1e-3)
        vehicle.wait_for(
            lambda: vehicle.battery is not None and vehicle.battery.voltage is not None, timeout=20
        )
        assert 10.0 < vehicle.battery.voltage < 13.0
        assert vehicle.gps_0.fix_type in (0, 3)
    finally:
        vehicle.close()
