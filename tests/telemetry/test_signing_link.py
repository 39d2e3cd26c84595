"""MAVLink 2 signing through the link: a key set over a trusted link, then unsigned peers are ignored."""

from __future__ import annotations

import pytest

from telemetry import commands
from telemetry.config import LinkConfig
from telemetry.errors import CommandTimeoutError, LinkTimeoutError
from telemetry.link import VehicleLink
from tests.simproc import simulator

KEY = bytes(range(32))
QUICK = LinkConfig(command_timeout_s=0.5, command_retries=1, connect_timeout_s=5.0)


def test_setup_signing_then_unsigned_peers_are_ignored():
    with (
        simulator(1, ekf_delay_s=1.0) as sim,
        VehicleLink(sim.urls[0], name="trusted", config=QUICK) as trusted,
    ):
        trusted.setup_signing(KEY)
        commands.set_mode(trusted, "ALT_HOLD")  # signed: accepted
        assert trusted.state().mode == "ALT_HOLD"
        with (
            VehicleLink(sim.urls[0], name="intruder", config=QUICK) as intruder,
            pytest.raises(CommandTimeoutError),
        ):
            commands.set_mode(intruder, "STABILIZE")  # unsigned: ignored, no ACK at all
        assert trusted.state().mode == "ALT_HOLD"
        commands.set_mode(trusted, "STABILIZE")
        assert trusted.state().mode == "STABILIZE"


def test_a_vehicle_with_a_key_refuses_a_wrong_key():
    with simulator(1, ekf_delay_s=1.0, signing_key=KEY.hex()) as sim:
        with VehicleLink(sim.urls[0], config=QUICK, signing_key=KEY) as good:
            commands.set_mode(good, "ALT_HOLD")
            assert good.state().mode == "ALT_HOLD"
        wrong = VehicleLink(sim.urls[0], config=QUICK, signing_key=bytes(32))
        try:
            with pytest.raises(LinkTimeoutError, match="no heartbeat"):
                wrong.start(timeout_s=3.0)  # its messages fail our signature check: nothing is heard
        finally:
            wrong.stop()
