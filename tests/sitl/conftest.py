"""Fixtures for the simulated-vehicle tests: a pool of simulated vehicles in one separate process
(each test takes a fresh one), and real ArduPilot SITL when BORDERWATCH_ARDUPILOT is set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sitl.vehicle_targets import (
    SimProcess,
    Target,
    VehiclePool,
    ardupilot_target,
    free_base_port,
    needs_ardupilot,
)

POOL_SIZE = 24
POOL_SPEEDUP = 20.0
POOL_EKF_DELAY_S = 20.0


@pytest.fixture(scope="session")
def vehicle_pool() -> Iterator[VehiclePool]:
    base = free_base_port(POOL_SIZE)
    proc = SimProcess(
        "--speedup", str(POOL_SPEEDUP), "--ekf-delay-s", str(POOL_EKF_DELAY_S), "--home", "31.3333,-110.95,1200,0",
        vehicles=POOL_SIZE, base_port=base,
    )  # fmt: skip
    try:
        yield VehiclePool(proc, POOL_SIZE, POOL_SPEEDUP, POOL_EKF_DELAY_S)
    finally:
        proc.stop()


@pytest.fixture(params=["sim", pytest.param("ardupilot", marks=[pytest.mark.ardupilot, needs_ardupilot])])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """A fresh vehicle: simulated, or (marked ``ardupilot``) a real SITL instance."""
    if request.param == "sim":
        yield request.getfixturevalue("vehicle_pool").take()
    else:
        with ardupilot_target() as t:
            yield t


@pytest.fixture
def sim_vehicle(vehicle_pool: VehiclePool) -> Target:
    """A fresh simulated vehicle (for behaviour only the simulator has)."""
    return vehicle_pool.take()
