"""MAVLink 2 signing on the simulated vehicle: after SETUP_SIGNING, only correctly signed commands act."""

from __future__ import annotations

import os
import time

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from tests.sitl.vehicle_gcs import Gcs
from tests.sitl.vehicle_targets import Target

ARM = mavlink.MAV_CMD_COMPONENT_ARM_DISARM


def _no_ack(gcs: Gcs, seconds: float = 1.0) -> bool:
    gcs.send("command_long", 1, 1, mavlink.MAV_CMD_DO_SET_MODE, 0, 1, 5, 0, 0, 0, 0, 0)
    return not [m for m in gcs.drain(seconds) if m.get_type() == "COMMAND_ACK"]


def test_signing_key_installed_then_only_signed_commands_are_obeyed(sim_vehicle: Target) -> None:
    key, wrong = os.urandom(32), os.urandom(32)
    with Gcs(sim_vehicle.port) as setup:
        setup.heartbeat()
        setup.send("setup_signing", 1, 1, key, int((time.time() - 1420070400) * 100_000))
        setup.recv("HEARTBEAT", timeout_s=3, cond=lambda m: m.get_msgbuf()[2] & 1)  # frames now come signed
    with Gcs(sim_vehicle.port, key=key) as signed:
        hb = signed.heartbeat()
        assert hb.get_signed()  # the vehicle signs what it sends
        signed.request_streams(4)
        signed.wait_ekf(timeout_s=sim_vehicle.wall_s(sim_vehicle.ekf_delay_s))
        with Gcs(sim_vehicle.port) as unsigned:
            assert _no_ack(unsigned)  # ignored: not signed
        with Gcs(sim_vehicle.port, key=wrong) as impostor:
            assert _no_ack(impostor)  # ignored: wrong key
        assert signed.set_mode("LOITER") == mavlink.MAV_RESULT_ACCEPTED
        signed.wait_mode("LOITER", timeout_s=3)
        # clearing the key (all zeros) turns signing off again
        signed.send("setup_signing", 1, 1, bytes(32), 0)
    with Gcs(sim_vehicle.port) as plain:
        plain.heartbeat()
        assert plain.set_mode("GUIDED") == mavlink.MAV_RESULT_ACCEPTED
